"""Many vehicle variants over one cycle in one pass: ``simulate_many``.

Battery-electric cars are driven by the compiled loop of :mod:`edrive.sim.batch_kernel`
(on threads over the variants), conventional cars by theirs
(:mod:`edrive.sim.batch_icev_kernel`): the very loops :func:`edrive.simulate` runs for one
car with its time series recorded, so a variant gets the numbers ``simulate`` gives it.
Hybrids are simulated by ``simulate`` itself, on threads (:mod:`edrive.sim.batch_hev`). Every
other variant is simulated one by one with :func:`edrive.simulate`.

Each summary names the route its variant took, in ``route``:

* ``"compiled_bev"``: a battery-electric car with one or two drive units (the torque split
  of :mod:`edrive.sim.powertrain`), each with a single- or two-speed gear and any loss map (generic,
  measured or a physics-based drive unit's), and any open-circuit-voltage curve;
* ``"compiled_icev"``: a conventional car (every gearbox and shift strategy, engines by the
  Willans line or an efficiency curve);
* ``"compiled_hev"``: a hybrid or plug-in hybrid (charge-sustaining, hot start,
  charge-balanced unless ``soc_initial`` is given, as :func:`edrive.simulate` runs it) whose
  energy management is ECMS or rule-based: its simulation, whose table and strategy are
  compiled, run on threads with the other hybrids' (:mod:`edrive.sim.batch_hev`);
* ``"single:<reason>"``: simulated one by one, for one of these reasons:

  - ``dynamic programming``: a hybrid whose energy management is ``dp``;
  - ``starter generator``: a conventional car with a starter-generator (a mild hybrid): the
    compiled loop drives it, then :mod:`edrive.sim.starter_generator` goes through its
    intervals in time order, one car at a time;
  - ``refused``: a conventional car with the WLTP gearshift on a trace not sampled every
    second (``simulate`` refuses it; the summary is then an error);
  - ``soc_initial``: ``soc_initial`` outside the battery's window, or given to a car
    without a traction battery (``simulate`` refuses it; the summary is then an error);

  both compiled loops drive every car to the end, following the trace as closely as it can
  (a car too weak for it, one whose top speed is below the cycle's, a battery that runs
  empty), as :func:`edrive.simulate` drives it;
* ``"error"``: a variant the spec or ``simulate`` refuses (the summary has ``error``).

Two ways to give the variants:

* a list of vehicles (specs, bundled names or paths);
* a base vehicle and ``variants``, a mapping from spec paths to arrays of values, e.g.
  ``{"drive_units.0.motor.power_peak_w": p, "drive_units.0.gear.ratio": g}``. For the paths
  in :data:`FAST_PATHS` the numbers are derived directly, without building a validated spec
  per variant: :func:`edrive.spec_rules.variants_to_build` applies the spec's own rules
  (field bounds and validators) to the arrays, and any variant they may refuse, or whose
  derived numbers are not finite, or whose value is not a plain number (a string with a
  unit), is built through the spec like the variants of other paths. So a variant is
  accepted or refused exactly as :func:`edrive.vehicle.vehicle_from_dict` would, with its
  message.

Variants are processed in chunks of ``chunk_size``; memory grows with the chunk, not with the
number of variants (the kernels keep no time series; a hybrid's candidate table is let go
as soon as its car is done).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..arguments import is_real_number, real_number, soc_in_window, whole_number
from ..components.battery import SOC_TOLERANCE, check_soc_window
from ..components.drive_unit import GenericLosses, generic_loss_map
from ..constants import GRAVITY_M_S2, WH_J
from ..cycles import DriveCycle, load_cycle
from ..errors import EdriveError, format_value
from ..powertrains import powertrain_of
from ..spec_paths import check_value_path, copy_for_paths, set_path
from ..spec_rules import variants_to_build
from ..vehicle import VehicleBase, load_vehicle, vehicle_from_dict
from .batch_hev import ROUTE as ROUTE_HEV
from .batch_hev import hev_reason, run_hev
from .bev_loop import ROUTE as ROUTE_BEV
from .bev_loop import LoopInputs, bev_reason, ocv_curve, params_from_specs, run_kernel

CHUNK_SIZE = 2000

#: the route of a variant the spec or simulate refuses (the compiled routes are their
#: modules' ``ROUTE``; a variant simulated one by one has ``"single:<reason>"``, the reasons
#: listed in the module docstring)
ROUTE_ERROR = "error"

#: spec paths whose variation :func:`simulate_many` derives without building specs
FAST_PATHS = (
    "mass.test_mass_kg", "mass.kerb_mass_kg", "mass.payload_kg", "aux_power_w",
    "drive_units.0.motor.power_peak_w", "drive_units.0.motor.torque_peak_nm",
    "drive_units.0.motor.speed_max_rad_s", "drive_units.0.gear.ratio",
    "drive_units.0.gear.mesh_efficiency", "battery.cells_series", "battery.cells_parallel",
    "battery.cell_capacity_as", "battery.cell_resistance_ohm",
    "battery.power_discharge_max_w", "battery.power_charge_max_w",
)


def single_reason(spec) -> str | None:
    """Why ``spec`` cannot take a compiled route (one of the reasons in the module
    docstring), or None when it can (the kernel may still send it to the single route)."""
    powertrain = powertrain_of(spec)
    if powertrain.batch_route == "hev":
        return hev_reason(spec)
    if powertrain.batch_route is None:
        return powertrain.title
    if powertrain.batch_route == "icev":
        return "starter generator" if spec.starter_generator is not None else None
    return bev_reason(spec)


def _eligible(spec) -> bool:
    """Whether ``spec`` is a battery-electric car the compiled route takes."""
    return powertrain_of(spec).batch_route == "bev" and single_reason(spec) is None


def _run_chunk(P: LoopInputs, cyc: DriveCycle):
    """(status, columns) of a chunk of eligible variants (compiled kernel): the kernel's
    status per variant (:data:`edrive.sim.batch_kernel.EXACT`, or why the variant must go the
    single-vehicle route) and the summary columns, meaningful where the status is EXACT."""
    from .batch_kernel import EXACT, OUT_NAMES

    res, _ = run_kernel(P, cyc)
    dt = np.diff(cyc.time_s)
    col = {name: res[:, k] for k, name in enumerate(OUT_NAMES)}
    n_s, r = P.col("cells_series"), P.col("resistance_ohm")
    v50 = np.interp(0.5, P.ocv_soc, P.ocv_cell) * n_s
    ch_eff, ch_p = P.col("charger_efficiency"), P.col("charger_power_w")
    charge_eff = 1.0 - (ch_eff * ch_p / v50) * r / v50
    e_chem = col["battery_chemical_energy_j"]
    with np.errstate(all="ignore"):  # rows that are not EXACT hold zeros
        e_wall = np.where(e_chem > 0, e_chem / (charge_eff * ch_eff), e_chem)
    n = len(res)
    energy = {f"energy_{nm}": col[nm] for nm in (
        "kinetic_j", "road_load_j", "grade_j", "friction_brakes_j", "gear_loss_j",
        "motor_inverter_loss_j")}
    energy |= {"energy_aux_j": P.col("aux_power_w") * float(np.sum(dt)) - col["aux_shed_j"],
               "energy_battery_loss_j": col["battery_loss_j"]}
    audit = (e_chem - sum(energy.values())) / np.maximum(col["chemical_abs_j"], 1.0)
    exact = col["status"] == EXACT
    soc_min, soc_max = P.col("soc_min"), P.col("soc_max")
    for k in np.flatnonzero(exact & ((col["soc_low"] < soc_min - SOC_TOLERANCE)
                                     | (col["soc_high"] > soc_max + SOC_TOLERANCE))):
        check_soc_window(col["soc_low"][k], col["soc_high"][k], soc_min[k], soc_max[k],
                         f"variant {k} on {cyc.name}")
    dist = col["distance_m"]
    with np.errstate(all="ignore"):
        km = np.where(dist > 0, dist / 1e3, np.nan)
    empty = col["empty_sample"].astype(int)
    e_bat = col["battery_energy_j"]
    columns = {
        "distance_m": dist, "duration_s": np.full(n, cyc.duration_s),
        "battery_energy_j": e_bat, "battery_chemical_energy_j": e_chem,
        "wall_energy_j": e_wall, "battery_wh_per_km": e_bat / WH_J / km,
        "wall_wh_per_km": e_wall / WH_J / km, "regen_energy_j": col["regen_energy_j"],
        "soc_start": P.col("soc_initial"), "soc_end": col["soc_end"],
        "battery_empty_at_s": np.where(empty >= 0, cyc.time_s[np.maximum(empty, 0)], np.nan),
        "trace_missed_s": col["trace_missed_s"],
        "trace_max_shortfall_m_s": col["trace_max_shortfall_m_s"],
    } | energy | {"audit_residual": audit}
    return col["status"], columns


class _Summaries:
    """The summaries of ``n`` vehicles as they are filled in: blocks of columns from the
    compiled passes (one route per block) and single summaries (dicts)."""

    def __init__(self, n: int):
        self.n = n
        self.rows: dict[int, dict] = {}
        self.blocks: list[tuple[np.ndarray, str, dict]] = []  # (positions, route, columns)

    def put(self, k: int, summary: dict) -> None:
        self.rows[int(k)] = summary

    def put_block(self, idx, route: str, columns: dict) -> None:
        if len(idx):
            self.blocks.append((np.asarray(idx), route, columns))

    def put_chunk(self, idx, route: str, status, columns, single) -> None:
        """The result of a compiled chunk at positions ``idx``: its EXACT variants as a
        block, each other one by ``single(position, reason)``."""
        from .batch_kernel import EXACT, FALLBACK_REASONS

        idx = np.asarray(idx)
        exact = status == EXACT
        self.put_block(idx[exact], route, {k: c[exact] for k, c in columns.items()})
        for j in np.flatnonzero(~exact):
            self.put(idx[j], single(idx[j], FALLBACK_REASONS[status[j]]))

    def merge(self, other: _Summaries, positions) -> None:
        """Take the summaries of ``other``, whose vehicle k sits at ``positions[k]``."""
        positions = np.asarray(positions, dtype=int)
        for k, summary in other.rows.items():
            self.put(positions[k], summary)
        for idx, route, columns in other.blocks:
            self.put_block(positions[idx], route, columns)

    def records(self) -> list[dict]:
        out: list[dict | None] = [None] * self.n
        for k, summary in self.rows.items():
            out[k] = summary
        for idx, route, columns in self.blocks:
            for k, summary in zip(idx.tolist(), _block_records(route, columns), strict=True):
                out[k] = summary
        return out

    def frame(self, inputs: Mapping[str, Sequence]):
        import pandas as pd

        n = self.n
        columns: dict[str, np.ndarray] = {}

        def column(name: str, like) -> np.ndarray:
            if name not in columns:
                numeric = np.asarray(like).dtype.kind in "biuf"
                columns[name] = np.full(n, np.nan) if numeric else np.full(n, None, object)
            return columns[name]

        route = column("route", "")
        column("error", "")
        for idx, name, block in self.blocks:
            route[idx] = name
            for key, values in block.items():
                column(key, values)[idx] = values
        for k, summary in self.rows.items():
            for key, value in _flat(summary).items():
                target = column(key, value if value is not None else np.nan)
                if target.dtype.kind == "f" and not isinstance(value, int | float | None):
                    target = columns[key] = target.astype(object)
                target[k] = np.nan if value is None and target.dtype.kind == "f" else value
        figures = [c for c in columns if c not in ("route", "error", "audit_residual")]
        order = (["route", "error"] + [c for c in figures if not c.startswith("energy_")]
                 + [c for c in figures if c.startswith("energy_")]
                 + ["audit_residual"] * ("audit_residual" in columns))
        return pd.DataFrame(dict(inputs) | {c: columns[c] for c in order},
                            index=pd.RangeIndex(n))


def _block_records(route: str, columns: dict) -> list[dict]:
    """The summary dictionaries of a block of columns (``energy_*`` nested in ``energy_j``,
    NaN where a figure is None in ``simulate``'s summary)."""
    names = list(columns)
    lists = [columns[k].tolist() for k in names]
    out = []
    for values in zip(*lists, strict=True):
        summary: dict = {}
        for name, value in zip(names, values, strict=True):
            if name.startswith("energy_"):
                summary.setdefault("energy_j", {})[name.removeprefix("energy_")] = value
            elif name in NONE_IF_NAN and math.isnan(value):
                summary[name] = None
            else:
                summary[name] = value
        summary["route"] = route
        out.append(summary)
    return out


#: summary figures that ``simulate`` gives as None where there is no value
NONE_IF_NAN = ("battery_empty_at_s",)


def _flat(summary: dict) -> dict:
    """A summary with ``energy_j`` spread into ``energy_<name>`` entries."""
    out = {k: v for k, v in summary.items() if k != "energy_j"}
    out |= {f"energy_{k}": v for k, v in summary.get("energy_j", {}).items()}
    return out


# --- entry point ------------------------------------------------------------------------------

def simulate_many(vehicles, cycle, *, variants: Mapping[str, Sequence] | None = None,
                  soc_initial: float | None = None, chunk_size: int = CHUNK_SIZE):
    """Simulate many vehicles (or variants of one) over ``cycle``: a table with one row per
    vehicle, its inputs beside the figures of ``edrive.simulate(vehicle, cycle).summary``
    (see module docstring).

    Parameters
    ----------
    vehicles : VehicleSpec or str or Path, or a list of them
        The vehicles (specs, bundled names or YAML paths); with ``variants``, one base vehicle.
    cycle : DriveCycle or str or Path
        A cycle, a bundled cycle name or a CSV path.
    variants : mapping of str to sequence, optional
        Spec path -> one value per variant, as a list or a one-dimensional array, the same
        number of values for every path (none gives an empty table). A value is a number in
        the SI unit of the field or a string with a unit (``"150 kW"``), read as in vehicle
        files (strings build one spec per variant, which is slower).
    soc_initial : float, optional
        Starting state of charge of every vehicle, checked against each one's usable window
        as :func:`edrive.simulate` does; defaults to each vehicle's own.
    chunk_size : int
        Variants per compiled pass, a whole number >= 1; memory grows with it.

    Returns
    -------
    pandas.DataFrame
        One row per vehicle or variant, in order. First the inputs: ``vehicle`` (its name)
        for a list of vehicles, else one column per varied path with the values as given;
        then ``route`` (module docstring), ``error`` (missing where the variant ran, else why
        the spec or ``simulate`` refused it: the message of
        :func:`edrive.vehicle.vehicle_from_dict` for ``variant k``; its figures are then
        NaN), and the summary's figures under the
        summary's names, the energy by component (``energy_j``) as ``energy_<name>_j``.
        Figures one kind of car lacks (fuel of an electric car) are NaN.
        :func:`simulate_many_records` gives the summaries as dictionaries instead. Arguments
        wrong for every variant (types, unknown paths, unequal lengths) raise
        :class:`~edrive.errors.EdriveError`.
    """
    inputs, summaries = _simulate(vehicles, cycle, variants, soc_initial, chunk_size)
    return summaries.frame(inputs)


def simulate_many_records(vehicles, cycle, *, variants: Mapping[str, Sequence] | None = None,
                          soc_initial: float | None = None,
                          chunk_size: int = CHUNK_SIZE) -> list[dict]:
    """As :func:`simulate_many`, but one summary dictionary per vehicle or variant, equal to
    ``edrive.simulate(vehicle, cycle).summary`` plus its ``route``; ``{"error": message,
    "route": "error"}`` for one refused."""
    return _simulate(vehicles, cycle, variants, soc_initial, chunk_size)[1].records()


def _simulate(vehicles, cycle, variants, soc_initial, chunk_size):
    """(inputs columns, :class:`_Summaries`) of :func:`simulate_many`."""
    chunk_size = whole_number(chunk_size, "chunk_size", 1)
    if soc_initial is not None:
        real_number(soc_initial, "soc_initial", "a state of charge (a number from 0 to 1)")
    cyc = load_cycle(cycle)
    if variants is None:
        specs = [load_vehicle(v) for v in _vehicle_list(vehicles)]
        return ({"vehicle": [s.name for s in specs]},
                _run_specs(specs, cyc, soc_initial, chunk_size))
    if isinstance(vehicles, list | tuple):
        raise EdriveError(f"vehicles: {format_value(vehicles)}; with variants, give one base vehicle "
                          "(spec, bundled name or YAML path)")
    var = _variants_of(load_vehicle(vehicles), variants)
    return dict(var.given), _run_variants(var, cyc, soc_initial, chunk_size)


def _vehicle_list(vehicles) -> list:
    if isinstance(vehicles, str | os.PathLike | VehicleBase):
        return [vehicles]
    if not isinstance(vehicles, list | tuple):
        raise EdriveError(f"vehicles: {format_value(vehicles)}; allowed: a vehicle (spec, bundled "
                          "name or YAML path) or a list of them")
    return list(vehicles)


def _single(spec, cyc, soc_initial, reason: str):
    """The summary of one vehicle by :func:`edrive.simulate` with its route
    (``"single:<reason>"``), or its error; an error entry given instead of a spec is passed
    on."""
    from .run import simulate

    if isinstance(spec, dict):
        return spec
    try:
        summary = simulate(spec, cyc, soc_initial=soc_initial).summary
    except EdriveError as exc:
        return {"error": str(exc), "route": ROUTE_ERROR}
    return summary | {"route": f"single:{reason}"}


def _fits(spec, soc_initial) -> bool:
    """Whether ``soc_initial`` (None: the vehicle's own) lies in the battery's usable window."""
    if soc_initial is None:
        return True
    try:
        soc_in_window(soc_initial, "soc_initial", spec.battery.soc_min, spec.battery.soc_max)
    except EdriveError:
        return False
    return True


def _run_specs(specs, cyc, soc_initial, chunk_size) -> _Summaries:
    from .batch_icev import ROUTE, run_icev_chunk

    out = _Summaries(len(specs))
    groups: dict[tuple, list[int]] = {}
    for k, s in enumerate(specs):
        if isinstance(s, dict):
            out.put(k, s)
            continue
        reason = single_reason(s)
        if reason is not None:
            out.put(k, _single(s, cyc, soc_initial, reason))
        elif powertrain_of(s).batch_route == "bev" and _fits(s, soc_initial):
            groups.setdefault(("bev", s.drive, ocv_curve(s.battery)), []).append(k)
        elif powertrain_of(s).batch_route == "icev" and soc_initial is None:
            groups.setdefault(("icev", s.drive), []).append(k)
        elif powertrain_of(s).batch_route == "hev" and _fits(s, soc_initial):
            groups.setdefault(("hev",), []).append(k)
        else:  # soc_initial outside the window, or given to a car without a battery
            out.put(k, _single(s, cyc, soc_initial, "soc_initial"))
    for key, idx in groups.items():
        for a in range(0, len(idx), chunk_size):
            part = idx[a:a + chunk_size]
            chunk = [specs[i] for i in part]
            if key[0] == "hev":
                _put_hev(out, part, chunk, cyc, soc_initial)
                continue
            if key[0] == "bev":
                status, columns = _run_chunk(params_from_specs(chunk, soc_initial), cyc)
            else:
                status, columns = run_icev_chunk(chunk, cyc)
            out.put_chunk(part, ROUTE_BEV if key[0] == "bev" else ROUTE,
                          status, columns, lambda i, reason: _single(specs[i], cyc, soc_initial,
                                                                     reason))
    return out


def _put_hev(out: _Summaries, part, chunk, cyc, soc_initial) -> None:
    """The hybrids ``chunk`` (at positions ``part``) by :func:`edrive.sim.batch_hev.run_hev`."""
    for k, res in zip(part, run_hev(chunk, cyc, soc_initial), strict=True):
        out.put(k, res | {"route": ROUTE_HEV} if isinstance(res, dict)
                else {"error": str(res), "route": ROUTE_ERROR})


# --- variants of one vehicle --------------------------------------------------------------------

@dataclass
class _Variants:
    """Variants of a base vehicle: per spec path, the values as given and as floats (NaN
    where a value is not a plain number)."""

    base: VehicleBase
    base_dict: dict
    given: dict[str, Sequence]
    numbers: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(next(iter(self.numbers.values())))

    def spec(self, k: int):
        """The validated spec of variant ``k``, or ``{"error": message}``."""
        values = {p: _item(v, k) for p, v in self.given.items()}
        try:
            return vehicle_from_dict(_with(self.base_dict, values), where=f"variant {k}",
                                     base_dir=self.base._base_dir)
        except EdriveError as exc:
            return {"error": str(exc), "route": ROUTE_ERROR}


def _variants_of(base, variants) -> _Variants:
    """The variants, with their paths checked against the base and their values against
    the form a variant needs (one value per variant, the same number for every path)."""
    if not isinstance(variants, Mapping):
        raise EdriveError(f"variants: {format_value(variants)}; allowed: a mapping from spec paths to "
                          "values, e.g. {'drive_units.0.gear.ratio': [8.0, 9.0]}")
    if not variants:
        raise EdriveError("variants: no paths given; allowed: a mapping from spec paths to "
                          "values, or no variants argument")
    data = base.model_dump(mode="json", exclude_none=True)
    full = base.model_dump(mode="json")
    given, numbers = {}, {}
    for path, values in variants.items():
        if not isinstance(path, str):
            raise EdriveError(f"variants: {format_value(path)}; a path is a string such as "
                              "'drive_units.0.gear.ratio'")
        check_value_path(data, full, path, "variants", f"variants: {path}")
        given[path], numbers[path] = _column(path, values)
    lengths = {p: len(v) for p, v in numbers.items()}
    if len(set(lengths.values())) != 1:
        raise EdriveError("variants: every path needs the same number of values; got "
                          + ", ".join(f"{n} for {p}" for p, n in lengths.items()))
    return _Variants(base, data, given, numbers)


def _column(path: str, values):
    """(the values of one path as given, as floats with NaN where one is not a plain
    number)."""
    try:
        array = np.asarray(values)
    except ValueError:  # nested sequences of different lengths
        array = None
    if array is None or array.ndim != 1:
        raise EdriveError(f"variants: {path}: {format_value(values)}; allowed: one value per variant, "
                          "as a list or a one-dimensional array")
    given = array if isinstance(values, np.ndarray) else list(values)
    if array.dtype.kind in "iuf":
        return given, array.astype(float)
    return given, np.array([_number(v) for v in given], dtype=float)


def _number(value) -> float:
    if not is_real_number(value):
        return np.nan
    try:
        return float(value)
    except OverflowError:
        return np.nan


def _item(values, k: int):
    """Value ``k`` as given (numpy scalars as Python numbers, as a file would give them)."""
    value = values[k]
    return value.item() if isinstance(value, np.generic) else value


def _with(data, changes):
    """A copy of a spec dict with the values at the given paths replaced."""
    d = copy_for_paths(data, list(changes))
    for path, value in changes.items():
        set_path(d, path, value)
    return d


def _run_variants(var: _Variants, cyc, soc_initial, chunk_size) -> _Summaries:
    """Summaries of the variants: those on FAST_PATHS of an eligible base that the spec is
    certain to accept are simulated straight from their numbers, every other one through its
    spec."""
    base, n = var.base, len(var)
    out = _Summaries(n)
    build = np.ones(n, dtype=bool)
    if _fast(base, var.numbers) and _fits(base, soc_initial):
        P, finite = _fast_params(base, var.numbers, n, soc_initial)
        build = ~finite | variants_to_build(base, var.numbers)
        idx = np.flatnonzero(~build)
        for a in range(0, len(idx), chunk_size):
            part = idx[a:a + chunk_size]
            status, columns = _run_chunk(P.rows(part), cyc)
            out.put_chunk(part, ROUTE_BEV, status, columns,
                          lambda k, reason: _single(var.spec(k), cyc, soc_initial, reason))
    rest = np.flatnonzero(build)
    out.merge(_run_specs([var.spec(k) for k in rest], cyc, soc_initial, chunk_size), rest)
    return out


def _fast(base, numbers) -> bool:
    """Whether the variants of ``base`` on these paths are derived straight from their
    numbers: every path in FAST_PATHS, an eligible base with a lumped motor, and the motor's
    fields varied only where its losses are the generic model (:func:`_fast_params`)."""
    if not (_eligible(base) and all(p in FAST_PATHS for p in numbers)):
        return False
    du = base.drive_units[0]
    if du.edu is not None or du.gear.low_ratio is not None:
        return False  # a drive unit of its own, or two gears: through the spec
    motor_paths = any(p.startswith("drive_units.0.motor.") for p in numbers)
    return isinstance(du.motor.losses, GenericLosses) or not motor_paths


def _fast_params(spec, cols, n, soc_initial):
    """Parameter arrays for variants of an eligible base on FAST_PATHS, and which variants
    have finite numbers (the numeric model's checks need no more of the eligible ones;
    module :mod:`edrive.spec_rules` applies the spec's).

    The generic loss model, eq. (3) of :mod:`edrive.components.drive_unit`, is linear in its
    loss scale S(P_peak) and depends on the torque only through T / T_peak: the map of a
    variant with P_peak and T_peak is the base's map (tabulated on the same speed axis)
    scaled by S(P_peak) / S(P_peak,base), at the torque T T_peak,base / T_peak. So the kernel
    looks the variant's losses up in the base's map (``loss_scale``, ``loss_torque_scale``),
    one map per distinct maximum motor speed (the speed axis), each tabulated by the drive
    unit's own :func:`~edrive.components.drive_unit.generic_loss_map`."""
    P = params_from_specs([spec], soc_initial)
    P.table = np.repeat(P.table, n, axis=0)
    P.units = np.repeat(P.units, n, axis=0)
    m = spec.drive_units[0].motor
    gear = spec.drive_units[0].gear
    b = spec.battery
    get = lambda path, default: cols.get(path, np.full(n, float(default)))
    mass_spec = spec.mass
    if mass_spec.test_mass_kg is not None and ("mass.kerb_mass_kg" in cols
                                               or "mass.payload_kg" in cols):
        raise EdriveError("variants: the base vehicle gives test_mass_kg; vary "
                          "mass.test_mass_kg")
    if mass_spec.test_mass_kg is not None:
        mass = get("mass.test_mass_kg", mass_spec.test_mass_kg)
    else:
        if "mass.test_mass_kg" in cols:
            mass = get("mass.test_mass_kg", 0.0)
        else:
            mass = get("mass.kerb_mass_kg", mass_spec.kerb_mass_kg) + get(
                "mass.payload_kg", mass_spec.payload_kg)
    p_peak = get("drive_units.0.motor.power_peak_w", m.power_peak_w)
    t_peak = get("drive_units.0.motor.torque_peak_nm", m.torque_peak_nm)
    w_max = get("drive_units.0.motor.speed_max_rad_s", m.speed_max_rad_s)
    ratio = get("drive_units.0.gear.ratio", gear.ratio)
    eta = get("drive_units.0.gear.mesh_efficiency", gear.mesh_efficiency)
    n_s = get("battery.cells_series", b.cells_series)
    n_p = get("battery.cells_parallel", b.cells_parallel)
    q_cell = get("battery.cell_capacity_as", b.cell_capacity_as)
    r_cell = get("battery.cell_resistance_ohm", b.cell_resistance_ohm)
    radius = P.col("radius_m")
    with np.errstate(all="ignore"):  # invalid variants are built through the spec instead
        if spec.road_load.physical is not None:  # rolling resistance scales with the mass
            P.set("f0_n", mass * GRAVITY_M_S2 * spec.road_load.physical.rolling_resistance)
        wheels = spec.wheels.count * spec.wheels.inertia_kg_m2 / radius**2
        speed_max = w_max * radius / ratio
        if spec.speed_limit_m_s is not None:
            speed_max = np.minimum(speed_max, spec.speed_limit_m_s)
        p_gen = p_peak if m.regen_power_peak_w is None else np.full(n, m.regen_power_peak_w)
        if isinstance(m.losses, GenericLosses):
            P.set("loss_scale", m.losses.scale_w(p_peak) / m.losses.scale_w(m.power_peak_w))
            P.set("loss_torque_scale", m.torque_peak_nm / t_peak)
        for name, value in (
                ("mass_kg", mass),
                ("mass_effective_kg", mass + wheels + m.rotor_inertia_kg_m2 * ratio**2
                 / radius**2),
                ("speed_max_m_s", speed_max), ("power_peak_w", p_peak),
                ("torque_peak_nm", t_peak), ("speed_max_rad_s", w_max),
                ("regen_power_peak_w", p_gen), ("gear_ratio", ratio), ("mesh_efficiency", eta),
                ("cells_series", n_s), ("resistance_ohm", r_cell * n_s / n_p),
                ("capacity_as", q_cell * n_p),
                ("power_discharge_max_w",
                 get("battery.power_discharge_max_w", b.power_discharge_max_w)),
                ("power_charge_max_w", get("battery.power_charge_max_w", b.power_charge_max_w)),
                ("aux_power_w", get("aux_power_w", spec.aux_power_w))):
            P.set(name, value)
        finite = np.ones(n, dtype=bool)
        for name in P.table.dtype.names:
            finite &= np.isfinite(P.table[name])
        for name in P.units.dtype.names:
            finite &= np.isfinite(P.units[name][:, 0])
    if "drive_units.0.motor.speed_max_rad_s" in cols:
        speeds, which = np.unique(np.where(finite, w_max, m.speed_max_rad_s),
                                  return_inverse=True)
        P.loss_maps = [generic_loss_map(m.model_copy(update={"speed_max_rad_s": float(w)}),
                                        m.losses) for w in speeds]
        P.set("loss_map", which)
    return P, finite
