"""Sweep files: a base vehicle, the parameters to vary, the design, and what to record.

A sweep file is YAML::

    schema_version: 1
    base: tesla_model3_rwd                 # bundled vehicle or a vehicle YAML path
    parameters:                            # dotted paths into the vehicle's spec
      drive_units.0.motor.power_peak_w: {low: 150 kW, high: 250 kW}
      drive_units.0.gear.ratio: {low: 8, high: 11, steps: 4}   # steps: grid designs only
      battery.cells_parallel: [1, 2]       # a list of levels
    design: {method: sobol, n: 1024, seed: 1, chunk_size: 256}  # grid | lhs | sobol
    cycles: [wltc, udds]
    procedures: [performance]              # wltp | epa | performance
    outputs: [wltc_wall_wh_per_km, accel_0_100_kmh_s]          # default: all
    constraints: ["accel_0_100_kmh_s <= 7"]
    optimize:                              # for ``edrive sweep optimize``
      objectives: [{minimize: wltc_wall_wh_per_km}]

Everything is checked before anything runs: every field has its type (counts are whole
numbers, never ``true`` or ``2.5``), each path must exist in the base vehicle, each value
must have a unit the field accepts, ``low`` must be below ``high``, and each end of a range
(and each level) is set in the base vehicle and built as a run builds a design
(:func:`_check_value`): a value that no design can take, such as a negative power or a tyre
size that is not one, fails here; a combination that only some designs make invalid, such
as a base speed above the maximum speed at the lower end of a torque range, is recorded
with those designs' errors instead. Sizes (the file, designs, levels, chunk size) have the
limits of :mod:`edrive.sweep.limits`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, StrictInt

from ..errors import EdriveError, format_value
from ..registry import read_yaml_mapping
from ..spec import Spec, validate
from ..spec_paths import check_value_path, copy_for_paths, set_path, si_unit_of, split_path
from ..units import to_si
from .limits import check_limit
from .outputs import PROCEDURE_OUTPUTS, PROCEDURE_TYPES, allowed_outputs, check_outputs, cycle_key

SCHEMA_VERSION = 1
RESERVED_COLUMNS = ("design_id", "feasible", "error")
_PARAM_KEYS = ("low", "high", "steps", "levels", "name")
_CONSTRAINT = re.compile(
    r"^\s*([A-Za-z_]\w*)\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
_PATH = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
_PATH_MAX_CHARS = 200
# combinations of other parameters' ends and levels tried before a value is refused
_MAX_COMBINATIONS = 256


class _DesignRaw(Spec):
    method: Literal["grid", "lhs", "sobol"]
    n: StrictInt | None = Field(default=None, gt=0)
    seed: StrictInt = Field(default=0, ge=0)
    chunk_size: StrictInt = Field(default=256, gt=0)


class _ObjectiveRaw(Spec):
    minimize: str | None = None
    maximize: str | None = None


class _OptimizeRaw(Spec):
    objectives: list[_ObjectiveRaw] = Field(min_length=1)
    method: Literal["auto", "differential_evolution", "nsga2"] = "auto"
    generations: StrictInt = Field(default=20, gt=0)
    population: StrictInt = Field(default=16, ge=4)
    seed: StrictInt = Field(default=0, ge=0)


class _SweepRaw(Spec):
    schema_version: StrictInt = SCHEMA_VERSION
    name: str | None = None
    description: str | None = None
    base: str
    parameters: dict[str, Any] = Field(min_length=1)
    design: _DesignRaw
    cycles: list[str] = []
    procedures: list[Literal["wltp", "epa", "performance"]] = []
    outputs: list[str] | None = None
    constraints: list[str] = []
    optimize: _OptimizeRaw | None = None


@dataclass(frozen=True)
class Parameter:
    """One varied value: a range [low, high] (``steps`` points in a grid) or a list of levels.
    Values are in SI units; ``integer`` fields (counts) take whole numbers."""

    path: str
    name: str
    low: float | None = None
    high: float | None = None
    steps: int | None = None
    levels: tuple | None = None
    integer: bool = False

    @property
    def is_range(self) -> bool:
        return self.levels is None

    def as_dict(self) -> dict:
        d = {"path": self.path, "name": self.name, "integer": self.integer}
        if self.is_range:
            d |= {"low": self.low, "high": self.high, "steps": self.steps}
        else:
            d["levels"] = list(self.levels)
        return d


@dataclass(frozen=True)
class Constraint:
    column: str
    op: str
    value: float
    text: str

    def holds(self, x: float) -> bool:
        if x is None or not math.isfinite(x):
            return False
        return {"<=": x <= self.value, ">=": x >= self.value, "<": x < self.value,
                ">": x > self.value}[self.op]

    def violation(self, x: float) -> float:
        """How far ``x`` is on the wrong side (0 when the constraint holds)."""
        if x is None or not math.isfinite(x):
            return math.inf
        return max(0.0, x - self.value) if self.op in ("<=", "<") else max(0.0, self.value - x)


@dataclass(frozen=True)
class Sweep:
    """A checked sweep file (picklable: workers receive it whole)."""

    where: str
    base: str
    base_dict: dict
    base_dir: str | None
    vehicle_type: str
    parameters: tuple[Parameter, ...]
    method: str
    n_designs: int
    seed: int
    chunk_size: int
    cycles: dict[str, str]
    cycle_digests: dict[str, str]
    procedures: tuple[str, ...]
    outputs: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    optimize: dict | None = None
    name: str | None = None

    @property
    def n_chunks(self) -> int:
        return -(-self.n_designs // self.chunk_size)

    def chunk_designs(self, k: int) -> range:
        """The design ids of chunk ``k``."""
        return range(k * self.chunk_size, min((k + 1) * self.chunk_size, self.n_designs))

    def normalized(self) -> dict:
        """Everything that decides the designs and their results, in SI units."""
        return {
            "schema_version": SCHEMA_VERSION,
            "base": self.base_dict,
            "parameters": [p.as_dict() for p in self.parameters],
            "design": {"method": self.method, "n": self.n_designs, "seed": self.seed,
                       "chunk_size": self.chunk_size},
            # bundled cycles by name, cycle files by content (not by where they lie)
            "cycles": {k: self.cycle_digests.get(k, v) for k, v in self.cycles.items()},
            "procedures": list(self.procedures),
            "outputs": list(self.outputs),
            "constraints": [c.text for c in self.constraints],
        }

    @property
    def spec_hash(self) -> str:
        """SHA-256 of :meth:`normalized`: two sweep files with the same hash give the same
        designs and results."""
        text = json.dumps(self.normalized(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def columns(self) -> list[str]:
        return ["design_id", *(p.name for p in self.parameters), *self.outputs, "feasible",
                "error"]


def load_sweep(path_or_text: str | Path, *, text: str | None = None) -> Sweep:
    """Read and check a sweep file (a path; or YAML ``text`` with ``path_or_text`` naming it
    in messages and giving the folder relative paths start from)."""
    path = Path(path_or_text)
    where = str(path)
    if text is None:
        text = _read_text(path)
    data = read_yaml_mapping(text, where, "sweep")
    raw: _SweepRaw = validate(_SweepRaw, data, where=where)
    if raw.schema_version != SCHEMA_VERSION:
        raise EdriveError(f"{where}: schema_version: {raw.schema_version!r}; allowed: "
                          f"{SCHEMA_VERSION}")
    folder = path.parent
    return _check(raw, where, folder)


def _read_text(path: Path) -> str:
    try:
        if not path.is_file():
            state = "is not a file" if path.exists() else "does not exist"
            raise EdriveError(f"sweep file {format_value(str(path))} {state}")
        check_limit(f"{path}", path.stat().st_size, "bytes", "MAX_FILE_BYTES")
        data = path.read_bytes()
    except OSError as exc:
        raise EdriveError(f"sweep file {format_value(str(path))} cannot be read ({exc.strerror})") \
            from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EdriveError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def _check(raw: _SweepRaw, where: str, folder: Path) -> Sweep:
    from ..cycles import list_cycles, load_cycle
    from ..vehicle import load_vehicle

    base = raw.base if raw.base in _bundled_vehicles() else _beside(folder, raw.base)
    try:
        spec = load_vehicle(base)
    except EdriveError as exc:
        raise EdriveError(f"{where}: base: {exc}") from None
    except OSError as exc:
        raise EdriveError(f"{where}: base: {format_value(raw.base)} cannot be read "
                          f"({exc.strerror})") from None
    base_dir = getattr(spec, "_base_dir", None)
    base_dict = spec.model_dump(mode="json", exclude_none=True)
    full_dict = spec.model_dump(mode="json")
    vtype = spec.type

    checked = [_parameter(path, value, raw.design.method, base_dict, full_dict, where)
               for path, value in raw.parameters.items()]
    params = tuple(p for p, _ in checked)
    names = [p.name for p in params]
    for p in params:
        if names.count(p.name) > 1:
            raise EdriveError(f"{where}: parameters.{p.path}: column name {format_value(p.name)} is used "
                              "by two parameters; give one a 'name:'")
    n = _count(raw, params, where)
    check_limit(f"{where}: design.chunk_size", raw.design.chunk_size, "designs per chunk",
                "MAX_CHUNK_SIZE")
    for p, probes in checked:
        for sub, value, written in probes:
            _check_value(p, value, params, base_dict, base_dir,
                         f"{where}: parameters.{p.path}.{sub}", written)

    cycles: dict[str, str] = {}
    digests: dict[str, str] = {}
    for i, source in enumerate(raw.cycles):
        src = source if source in list_cycles() else _beside(folder, source)
        try:
            load_cycle(src)
        except EdriveError as exc:
            raise EdriveError(f"{where}: cycles.{i}: {exc}") from None
        except OSError as exc:
            raise EdriveError(f"{where}: cycles.{i}: {format_value(source)} cannot be read "
                              f"({exc.strerror})") from None
        key = cycle_key(source)
        if key in cycles:
            raise EdriveError(f"{where}: cycles.{i}: {format_value(source)} is listed twice")
        cycles[key] = src
        if Path(src).is_file():
            digests[key] = hashlib.sha256(Path(src).read_bytes()).hexdigest()

    for i, proc in enumerate(raw.procedures):
        if vtype not in PROCEDURE_TYPES[proc]:
            raise EdriveError(f"{where}: procedures.{i}: {proc!r} does not apply to "
                              f"vehicles of type {vtype}; allowed: "
                              f"{', '.join(p for p, t in PROCEDURE_TYPES.items() if vtype in t)}")
    procs = tuple(dict.fromkeys(raw.procedures))
    allowed = allowed_outputs(vtype, list(cycles), list(procs))
    outputs = raw.outputs if raw.outputs is not None else allowed
    if not outputs:
        raise EdriveError(f"{where}: outputs: nothing to record; list cycles or procedures")
    check_outputs(outputs, allowed, where)
    for p in params:
        if p.name in outputs or p.name in RESERVED_COLUMNS:
            raise EdriveError(f"{where}: parameters.{p.path}: column name {format_value(p.name)} is taken "
                              "by an output or a reserved column; give it another 'name:'")

    constraints = tuple(_constraint(i, text, [*names, *outputs], where)
                        for i, text in enumerate(raw.constraints))
    optimize = None
    if raw.optimize is not None:
        optimize = raw.optimize.model_dump()
        for i, obj in enumerate(raw.optimize.objectives):
            if (obj.minimize is None) == (obj.maximize is None):
                raise EdriveError(f"{where}: optimize.objectives.{i}: give one of 'minimize' "
                                  "or 'maximize'")
            col = obj.minimize or obj.maximize
            if col not in outputs:
                raise EdriveError(f"{where}: optimize.objectives.{i}: {format_value(col)} is not an "
                                  f"output of this sweep; allowed: {', '.join(outputs)}")
    return Sweep(where=where, base=raw.base, base_dict=base_dict,
                 base_dir=str(base_dir) if base_dir else None, vehicle_type=vtype,
                 parameters=params, method=raw.design.method, n_designs=n,
                 seed=raw.design.seed, chunk_size=raw.design.chunk_size, cycles=cycles,
                 cycle_digests=digests, procedures=procs, outputs=tuple(outputs),
                 constraints=constraints, optimize=optimize, name=raw.name)


def _beside(folder: Path, name: str) -> str:
    """``name`` relative to the sweep file's folder when a file of that name lies there, else
    ``name`` as given."""
    if Path(name).is_absolute():
        return name
    try:
        return str(folder / name) if (folder / name).exists() else name
    except (OSError, ValueError):  # a name too long, or with a NUL, for the file system
        return name


def _bundled_vehicles() -> list[str]:
    from ..vehicle import list_vehicles

    return list_vehicles()


def _parameter(path, raw: Any, method: str, base_dict: dict, full_dict: dict,
               where: str) -> tuple[Parameter, list[tuple[str, Any, Any]]]:
    """A parameter and its probes: ``(key, SI value, value as written)`` for each end of a
    range and each level, which :func:`_check_value` tries on the base vehicle."""
    if not isinstance(path, str) or len(path) > _PATH_MAX_CHARS or not _PATH.match(path):
        raise EdriveError(f"{where}: parameters: {format_value(path)}; allowed: a dotted path into the "
                          "vehicle's specification, such as drive_units.0.motor.power_peak_w")
    field_ = f"{where}: parameters.{path}"
    base_value = check_value_path(base_dict, full_dict, path, f"{where}: parameters", field_)
    parts = split_path(path)
    if isinstance(raw, list):
        raw = {"levels": raw}
    if not isinstance(raw, dict):
        raise EdriveError(f"{field_}: {format_value(raw)}; allowed: a mapping with low and high (and "
                          "steps for a grid), or a list of levels")
    for key in raw:
        if key not in _PARAM_KEYS:
            raise EdriveError(f"{field_}: unknown key {format_value(key)}; allowed keys: "
                              f"{', '.join(_PARAM_KEYS)}")
    unit = si_unit_of(path)
    integer = isinstance(base_value, int) and not isinstance(base_value, bool)
    leaf = [str(p) for p in parts if not isinstance(p, int)]
    name = raw.get("name")
    if name is None:
        name = "_".join(leaf[-2:])
    elif not isinstance(name, str) or not _NAME.match(name):
        raise EdriveError(f"{field_}.name: {format_value(name)}; allowed: a text of lower-case "
                          "letters, digits and underscores, not starting with a digit, at most "
                          "64 characters")

    def convert(value, sub: str):
        if isinstance(value, bool) or value is None:
            if isinstance(base_value, bool) and isinstance(value, bool):
                return value
            raise EdriveError(f"{field_}.{sub}: {format_value(value)}; allowed: a number"
                              + (f" or a quantity in {unit}" if unit else ""))
        if isinstance(value, str):
            if unit:
                return _as_int(to_si(value, unit, f"{field_}.{sub}"), integer, field_, sub)
            if isinstance(base_value, str):
                return value
            try:
                value = float(value)
            except ValueError:
                raise EdriveError(f"{field_}.{sub}: {format_value(value)}; allowed: a number (this "
                                  "field has no unit)") from None
        if isinstance(value, int | float):
            if not math.isfinite(value):
                raise EdriveError(f"{field_}.{sub}: {format_value(value)}; allowed: a finite number")
            return _as_int(float(value), integer, field_, sub)
        raise EdriveError(f"{field_}.{sub}: {format_value(value)}; allowed: a number"
                          + (f" or a quantity in {unit}" if unit else ""))

    if "levels" in raw:
        for key in ("low", "high", "steps"):
            if key in raw:
                raise EdriveError(f"{field_}: give either levels or low/high, not both "
                                  f"({key!r} found)")
        levels = raw["levels"]
        if not isinstance(levels, list) or not levels:
            raise EdriveError(f"{field_}.levels: {format_value(levels)}; allowed: a non-empty list")
        check_limit(f"{field_}.levels", len(levels), "levels", "MAX_LEVELS")
        values = tuple(convert(v, f"levels.{i}") for i, v in enumerate(levels))
        if isinstance(base_value, str) and not unit:  # text fields (tyre sizes) stay text
            values = tuple(str(v) for v in values)
        seen: dict = {}
        for i, v in enumerate(values):
            if v in seen:
                raise EdriveError(f"{field_}.levels.{i}: {format_value(levels[i])} repeats a value "
                                  f"(levels.{seen[v]}); allowed: each value once")
            seen[v] = i
        probes = [(f"levels.{i}", v, levels[i]) for i, v in enumerate(values)]
        return Parameter(path=path, name=name, levels=values, integer=integer), probes

    for key in ("low", "high"):
        if key not in raw:
            raise EdriveError(f"{field_}: {key} is missing; allowed: low and high, or levels")
    low, high = convert(raw["low"], "low"), convert(raw["high"], "high")
    if isinstance(low, str) or isinstance(high, str):
        raise EdriveError(f"{field_}: a range needs numbers; give text values as levels")
    if not low < high:
        raise EdriveError(f"{field_}: low {format_value(raw['low'])} is not below high "
                          f"{format_value(raw['high'])}; allowed: low < high")
    steps = raw.get("steps")
    if steps is not None:
        if method != "grid":
            raise EdriveError(f"{field_}.steps: only grid designs use steps; {method} samples "
                              "the range itself")
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
            raise EdriveError(f"{field_}.steps: {format_value(steps)}; allowed: a whole number >= 2")
        check_limit(f"{field_}.steps", steps, "steps", "MAX_LEVELS")
        if integer and steps > high - low + 1:
            raise EdriveError(f"{field_}.steps: {steps}; allowed: at most {high - low + 1} "
                              f"whole numbers between {low} and {high}")
    elif method == "grid":
        raise EdriveError(f"{field_}: steps is missing; a grid needs the number of points "
                          "of each range (steps: 2 or more), or a list of levels")
    probes = [("low", low, raw["low"]), ("high", high, raw["high"])]
    return Parameter(path=path, name=name, low=low, high=high, steps=steps,
                     integer=integer), probes


def _as_int(x: float, integer: bool, field_: str, sub: str):
    if not integer:
        return x
    if x != round(x):
        raise EdriveError(f"{field_}.{sub}: {x!r}; allowed: a whole number (this field "
                          "counts things)")
    return int(round(x))


def _check_value(p: Parameter, value, params: tuple[Parameter, ...], base_dict: dict,
                 base_dir, field_: str, written) -> None:
    """Refuse a value that no design of the sweep can take.

    The value is set in the base vehicle, which is built as a run builds each design
    (:func:`edrive.vehicle.vehicle_from_dict`). When that fails, the error names the part of
    the vehicle at fault (the field itself, or a group such as ``wheels`` or
    ``drive_units.0.motor``). A value refused by its own field is an error of the file. A
    value refused by a group is one unless other parameters of the sweep set values in that
    group and some combination of their ends and levels (at most ``_MAX_COMBINATIONS`` are
    tried) makes the vehicle valid: such a combination is left to the designs, which record
    their error and no outputs.
    """
    msg = _refusal(base_dict, base_dir, {p.path: value})
    if msg is None:
        return
    at = _fault_location(msg, base_dict)
    others = [] if at == p.path else [q for q in params if q is not p and (
        not at or q.path == at or q.path.startswith(at + "."))]
    combos = itertools.islice(itertools.product(*(_probe_values(q) for q in others)),
                              _MAX_COMBINATIONS)
    if others and any(_refusal(base_dict, base_dir, {p.path: value} | dict(
            zip((q.path for q in others), combo, strict=True))) is None for combo in combos):
        return
    with_others = (f", whatever this sweep's {', '.join(q.path for q in others)}"
                   if others else "")
    raise EdriveError(f"{field_}: {format_value(written)} is not allowed by the vehicle spec "
                      f"({msg}){with_others}")


def _probe_values(p: Parameter) -> tuple:
    return p.levels if not p.is_range else (p.low, p.high)


def _refusal(base_dict: dict, base_dir, values: dict) -> str | None:
    """Why the base vehicle with ``values`` (``{path: SI value}``) cannot be built, or None."""
    from ..vehicle import vehicle_from_dict

    data = copy_for_paths(base_dict, list(values))
    for path, value in values.items():
        set_path(data, path, value)
    try:
        vehicle_from_dict(data, where="vehicle", base_dir=Path(base_dir) if base_dir else None)
    except EdriveError as exc:
        return str(exc).removeprefix("vehicle: ")
    return None


def _fault_location(msg: str, base_dict: dict) -> str:
    """The path of the vehicle's part that an error message starts with (``wheels``,
    ``drive_units.0.motor.power_peak_w``); empty for the vehicle as a whole."""
    from ..spec_paths import get_path

    head = msg.split(": ", 1)[0]
    if not _PATH.match(head):
        return ""
    try:
        get_path(base_dict, head)
    except EdriveError:
        return ""
    return head


def _count(raw: _SweepRaw, params: tuple[Parameter, ...], where: str) -> int:
    d = raw.design
    if d.method == "grid":
        n = 1
        for p in params:
            n *= p.steps if p.is_range else len(p.levels)
        if d.n is not None and d.n != n:
            raise EdriveError(f"{where}: design.n: {d.n}; a grid over these parameters has "
                              f"{n} designs (leave n out)")
        check_limit(f"{where}: design: a grid over these parameters has", n, "designs",
                    "MAX_DESIGNS")
        return n
    if d.n is None:
        raise EdriveError(f"{where}: design.n: required field is missing for {d.method}; "
                          "allowed: a whole number > 0")
    check_limit(f"{where}: design.n", d.n, "designs", "MAX_DESIGNS")
    return d.n


def _constraint(i: int, text: str, columns: list[str], where: str) -> Constraint:
    m = _CONSTRAINT.match(text)
    if not m:
        raise EdriveError(f"{where}: constraints.{i}: {format_value(text)}; allowed: 'COLUMN OP NUMBER' "
                          "with OP one of <=, >=, <, >")
    col, op, value = m.groups()
    if col not in columns:
        raise EdriveError(f"{where}: constraints.{i}: unknown column {format_value(col)}; allowed: "
                          f"{', '.join(columns)}")
    return Constraint(col, op, float(value), f"{col} {op} {value}")


__all__ = ["PROCEDURE_OUTPUTS", "Constraint", "Parameter", "Sweep", "load_sweep"]
