"""Electric drive unit: motor + inverter (one loss map) and a reduction gear.

The motor-and-inverter pair is described by its torque envelope and a 2-D loss map over
shaft torque x shaft speed covering both motoring (T > 0) and generating (T < 0):

    P_dc = T * omega + P_loss(T, omega)                                   (1)

so that DC power is positive when motoring and negative when recovering energy.

The envelope is the usual constant-torque / constant-power shape,

    T_max(omega) = min(T_peak, P_peak / omega)  for 0 <= omega <= omega_max   (2)

and likewise for generating with the regenerative power limit.

The loss map comes from a file (``losses: {kind: map, file: ...}``) or from the generic
lumped loss model of Larminie & Lowry (*Electric Vehicle Technology Explained*, Wiley 2003,
section 7.2, eq. 7.5):

    P_loss = k_c T^2 + k_s |T| + k_i omega + k_w omega^3 + C              (3)

copper losses (k_c), iron losses (k_i), windage (k_w) and a constant for the inverter and
controls (C), to which the term k_s |T| adds the inverter's conduction and switching losses,
which grow with the phase current, itself close to proportional to torque (Mohan, Undeland &
Robbins, *Power Electronics*, Wiley 2003, ch. 7 and 26). Here the coefficients are set from fractions of a loss scale S so that one set
of defaults scales to any size of machine: k_c = f_cu S / T_peak^2, k_s = f_s S / T_peak,
k_i = f_fe S / omega_ref, k_w = f_w S / omega_ref^3, C = f_0 S, with the fixed reference speed
omega_ref = 1000 rad/s (9549 rpm), so that iron and windage losses at a given speed do not
depend on where the maximum speed happens to be set, with S = P_ref (P_peak / P_ref)^beta and
P_ref = 150 kW. beta < 1 expresses that larger machines lose a smaller share of their
rating (efficiency rises with size; e.g. the IEC 60034-30-1 efficiency classes).

The gear (a single- or multi-stage fixed reduction) has a mesh efficiency eta and a drag
torque T_d referred to the motor shaft (churning and bearing losses):

    motoring:   T_motor = T_wheel / (G eta) + T_d                         (4)
    generating: T_motor = T_wheel eta / G + T_d

Both forms agree at T_wheel = 0, so the map is continuous through zero torque.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from ..constants import RPM_RAD_S
from ..edu import EduSpec, load_edu
from ..errors import EdriveError, format_value
from ..limits import read_text_bounded
from ..sim.jit import jitable
from ..spec import Spec, validate
from ..units import AngularSpeed, Inertia, Power, Torque
from .gear import GearSpec, input_torque_nm, output_torque_nm
from .loss_map import LossMap

N_SPEED = 61
N_TORQUE = 81
REFERENCE_POWER_W = 150e3
REFERENCE_SPEED_RAD_S = 1000.0
MAX_LOSS_MAP_FILE_BYTES = 50_000_000  # EDRIVE_MAX_LOSS_MAP_FILE_BYTES
LOSS_MAP_COLUMNS = "speed_rad_s or speed_rpm, torque_nm, and loss_w or loss_kw"
_MAP_SPEED_COLUMNS = {"speed_rad_s": 1.0, "speed_rpm": RPM_RAD_S}


class GenericLosses(Spec):
    """Lumped loss model, eq. (3), with coefficients as fractions of peak power.

    The defaults were fitted once, for all cars together, to the battery-electric records of
    the EPA 2022 Test Car List (``tools/calibrate_bev_defaults.py``; figures in
    ``docs/validation.md``) and are never tuned per car. Refitted on the fit makes alone
    (``--half a``: the makes of ``CALIBRATION_MAKES["bev"]`` in
    :mod:`edrive.report.epa_report`) they reach the same objective, and the other makes'
    errors change by less than 0.05 points. They describe an average 2022 drive unit: about
    96 % peak motor-plus-inverter efficiency at mid speed and torque, falling at light load
    and at high speed.
    """

    kind: Literal["generic"] = "generic"
    copper_fraction: Annotated[float, Field(ge=0, le=0.5)] = 0.008
    iron_fraction: Annotated[float, Field(ge=0, le=0.5)] = 0.0005
    windage_fraction: Annotated[float, Field(ge=0, le=0.5)] = 0.002
    constant_fraction: Annotated[float, Field(ge=0, le=0.1)] = 0.0004
    inverter_fraction: Annotated[float, Field(ge=0, le=0.2)] = 0.04
    size_exponent: Annotated[float, Field(ge=0, le=1.5)] = 0.8

    def scale_w(self, power_peak_w):
        """Loss scale S [W] (see module docstring)."""
        return REFERENCE_POWER_W * (power_peak_w / REFERENCE_POWER_W) ** self.size_exponent


class MapLosses(Spec):
    """Loss map read from a CSV file in long form.

    Columns: a speed column (``speed_rad_s`` or ``speed_rpm``), ``torque_nm`` and a loss
    column (``loss_w`` or ``loss_kw``), one row per grid point of a full rectilinear grid.
    A relative ``file`` is taken from the folder of the vehicle file that names it.
    """

    kind: Literal["map"] = "map"
    file: str


class MotorSpec(Spec):
    """Motor with its inverter: envelope, eq. (2), and losses. The lower bounds (100 W, 0.1 N m)
    are far below any traction motor; they keep the loss model's scales finite."""

    power_peak_w: Annotated[Power, Field(ge=100, le=2e6)]
    torque_peak_nm: Annotated[Torque, Field(ge=0.1, le=2e4)]
    speed_max_rad_s: Annotated[AngularSpeed, Field(gt=0, le=6000)]
    regen_power_peak_w: Annotated[Power, Field(ge=100, le=2e6)] | None = None
    rotor_inertia_kg_m2: Annotated[Inertia, Field(ge=0, le=10)] = 0.05
    losses: Annotated[GenericLosses | MapLosses, Field(discriminator="kind")] = GenericLosses()

    @field_validator("losses", mode="before")
    @classmethod
    def _default_kind(cls, v):
        if isinstance(v, dict) and "kind" not in v:
            return {"kind": "generic", **v}
        return v

    @model_validator(mode="after")
    def _base_speed_below_max(self):
        base = self.power_peak_w / self.torque_peak_nm
        if base >= self.speed_max_rad_s:
            raise ValueError(
                f"base speed P_peak/T_peak = {base:.0f} rad/s is not below speed_max_rad_s = "
                f"{self.speed_max_rad_s:.0f} rad/s; raise the torque or the maximum speed"
            )
        return self


class DriveUnitSpec(Spec):
    """One drive unit on one axle: either a lumped ``motor`` with a ``gear``, or ``edu``, a
    physics-based electric drive unit (:mod:`edrive.edu`): the name or path of its file, its
    fields given inline as a mapping, or (from Python) an :class:`~edrive.edu.EduSpec`, which
    is kept as it is, so that its numeric model, built once, serves every car it is fitted
    to."""

    name: str = ""
    axle: Literal["front", "rear"]
    motor: MotorSpec | None = None
    gear: GearSpec | None = None
    edu: Any = None

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()

    @field_validator("edu", mode="before")
    @classmethod
    def _edu(cls, v: Any) -> Any:
        if v is None or isinstance(v, str):
            return v
        if isinstance(v, EduSpec):
            return v
        if isinstance(v, dict):
            try:
                return validate(EduSpec, v, where="edu")
            except EdriveError as exc:  # the location is this field's
                raise ValueError(str(exc).removeprefix("edu: ")) from None
        raise ValueError("allowed: a bundled drive-unit name, the path of an EDU file, or a "
                         "mapping of EDU fields")

    @model_validator(mode="after")
    def _one_description(self):
        if self.edu is None and (self.motor is None or self.gear is None):
            raise ValueError("give motor and gear, or edu (a drive-unit file or bundled name)")
        if self.edu is not None and (self.motor is not None or self.gear is not None):
            raise ValueError("give either edu or motor and gear, not both")
        return self


@jitable
def lumped_torque_limits_nm(speed_rad_s, torque_peak_nm, power_peak_w, regen_power_peak_w):
    """Eq. (2): (largest motoring, most negative generating) torque [N*m] of a lumped motor at
    a shaft speed (scalars or arrays; symmetric in speed)."""
    w = np.maximum(np.abs(speed_rad_s), 1e-9)
    return (np.minimum(torque_peak_nm, power_peak_w / w),
            -np.minimum(torque_peak_nm, regen_power_peak_w / w))


def lumped_envelope(motor: MotorSpec):
    """Eq. (2) for a lumped motor, as an envelope function of shaft speed."""
    p_gen = motor.regen_power_peak_w or motor.power_peak_w

    def envelope(speed_rad_s):
        return lumped_torque_limits_nm(np.asarray(speed_rad_s, dtype=float),
                                       motor.torque_peak_nm, motor.power_peak_w, p_gen)

    return envelope


def generic_loss_coefficients(power_peak_w, torque_peak_nm, losses: GenericLosses):
    """(k_c, k_s, k_i, k_w, c) of eq. (3) for a motor's peak power and torque (scalars or
    arrays): loss = k_c T^2 + k_s |T| + k_i omega + k_w omega^3 + c."""
    p = losses.scale_w(power_peak_w)
    return (losses.copper_fraction * p / torque_peak_nm**2,
            losses.inverter_fraction * p / torque_peak_nm,
            losses.iron_fraction * p / REFERENCE_SPEED_RAD_S,
            losses.windage_fraction * p / REFERENCE_SPEED_RAD_S**3,
            losses.constant_fraction * p)


def generic_loss_map(motor: MotorSpec, losses: GenericLosses) -> LossMap:
    """Tabulate eq. (3) on a grid covering the envelope."""
    k_c, k_s, k_i, k_w, c = generic_loss_coefficients(motor.power_peak_w,
                                                      motor.torque_peak_nm, losses)
    return loss_map_from_function(
        motor, lambda T, W: k_c * T**2 + k_s * np.abs(T) + k_i * W + k_w * W**3 + c)


@functools.lru_cache(maxsize=256)
def _generic_loss_map_of(motor: MotorSpec) -> LossMap:
    """:func:`generic_loss_map` of a motor with generic losses, its arrays read-only (the
    map is shared)."""
    loss_map = generic_loss_map(motor, motor.losses)
    for a in (loss_map.speed_rad_s, loss_map.torque_nm, loss_map.loss_w, loss_map.compiled[2]):
        a.flags.writeable = False
    return loss_map


def loss_map_from_function(motor: MotorSpec, loss_fn, n_speed: int = N_SPEED,
                           n_torque: int = N_TORQUE) -> LossMap:
    """Tabulate a loss function ``loss_fn(torque_nm, speed_rad_s) -> loss_w`` (vectorised,
    >= 0) on a uniform grid over the envelope of ``motor``, eq. (2): speed 0..omega_max,
    torque -T_peak..T_peak."""
    w = np.linspace(0.0, motor.speed_max_rad_s, n_speed)
    t = np.linspace(-motor.torque_peak_nm, motor.torque_peak_nm, n_torque)
    T, W = np.meshgrid(t, w, indexing="ij")
    loss = np.asarray(loss_fn(T, W), dtype=float) * np.ones_like(T)
    return LossMap(w, t, loss, lumped_envelope(motor), motor.speed_max_rad_s)


def loss_map_csv_text(loss_map: LossMap) -> str:
    """A loss map in the long form :func:`read_loss_map_csv` reads (``speed_rad_s``,
    ``torque_nm``, ``loss_w``; axes to 15 significant digits, so that a grid that ends at
    the envelope still covers it when read back, losses to 9)."""
    T, W = np.meshgrid(loss_map.torque_nm, loss_map.speed_rad_s, indexing="ij")
    rows = np.column_stack([W.ravel(), T.ravel(), loss_map.loss_w.ravel()])
    lines = ["speed_rad_s,torque_nm,loss_w"]
    lines += [f"{a:.15g},{b:.15g},{c:.9g}" for a, b, c in rows]
    return "\n".join(lines) + "\n"


def write_loss_map_csv(path: Path, loss_map: LossMap) -> None:
    """Write a loss map as :func:`loss_map_csv_text`, whole or not at all
    (:mod:`edrive.io.output`)."""
    from ..io.output import write_output

    write_output(path, loss_map_csv_text(loss_map))


def read_loss_map_csv(path: Path, motor: MotorSpec) -> LossMap:
    """Read a long-form loss map CSV (see :class:`MapLosses`); a file larger than
    ``MAX_LOSS_MAP_FILE_BYTES`` (``EDRIVE_MAX_LOSS_MAP_FILE_BYTES``) is refused unread."""
    import io

    import pandas as pd
    from pandas.errors import EmptyDataError, ParserError

    where = f"loss map {path}"
    text = read_text_bounded(path, "loss map file", "a CSV file",
                             "EDRIVE_MAX_LOSS_MAP_FILE_BYTES", MAX_LOSS_MAP_FILE_BYTES,
                             encoding="utf-8-sig")
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except EmptyDataError:
        raise EdriveError(f"{where}: empty file; expected a CSV file with a header row of "
                          f"{LOSS_MAP_COLUMNS}") from None
    except ParserError as exc:
        raise EdriveError(f"{where}: not a valid CSV file ({exc})") from None
    cols = {str(c).strip().lower(): c for c in df.columns}

    def column(names: dict[str, float]) -> tuple[str, np.ndarray]:
        """(name, values in SI) of the one column among ``names`` (name -> SI factor)."""
        found = [n for n in names if n in cols]
        if len(found) != 1:
            problem = "no" if not found else "more than one"
            raise EdriveError(f"{where}: {problem} column among {', '.join(names)}; expected "
                              f"a header row of {LOSS_MAP_COLUMNS}")
        text = df[cols[found[0]]]
        values = pd.to_numeric(text, errors="coerce").to_numpy(float)
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.argmax(bad))
            raise EdriveError(f"{where}: data row {i + 1}, column {found[0]}: "
                              f"{format_value(text.iloc[i])}; allowed: a finite number")
        return found[0], values * names[found[0]]

    speed_col, speed = column(_MAP_SPEED_COLUMNS)
    _, torque = column({"torque_nm": 1.0})
    loss_col, loss = column({"loss_w": 1.0, "loss_kw": 1e3})
    if (loss < 0).any():
        i = int(np.argmax(loss < 0))
        raise EdriveError(f"{where}: data row {i + 1}, column {loss_col}: "
                          f"{format_value(df[cols[loss_col]].iloc[i])}; allowed: >= 0")
    ws, ts = np.unique(speed), np.unique(torque)
    if len(ws) < 2 or len(ts) < 2:
        raise EdriveError(f"{where}: {len(ws)} speeds x {len(ts)} torques; a grid needs at "
                          "least 2 of each")
    if len(ws) * len(ts) != len(df):
        raise EdriveError(f"{where}: rows do not form a full speed x torque grid: "
                          f"{len(ws):,} speeds x {len(ts):,} torques need "
                          f"{len(ws) * len(ts):,} rows, found {len(df):,}")
    i_t, i_w = np.searchsorted(ts, torque), np.searchsorted(ws, speed)
    point = i_t * len(ws) + i_w
    _, first = np.unique(point, return_index=True)
    if len(first) < len(point):  # a point given twice, so another one is missing
        repeat = np.ones(len(point), dtype=bool)
        repeat[first] = False
        t_miss, w_miss = divmod(int(np.setdiff1d(np.arange(len(point)), point)[0]), len(ws))
        w_file = ws[w_miss] / _MAP_SPEED_COLUMNS[speed_col]
        raise EdriveError(f"{where}: data row {int(np.argmax(repeat)) + 1} repeats a grid point, "
                          f"and there is none at {speed_col} {format_value(w_file)}, torque_nm "
                          f"{format_value(ts[t_miss])}; give each grid point once")
    grid = np.empty((len(ts), len(ws)))
    grid[i_t, i_w] = loss
    return LossMap(ws, ts, grid, lumped_envelope(motor), motor.speed_max_rad_s)


def motor_loss_map(motor: MotorSpec, base_dir: Path | None = None) -> LossMap:
    """The loss map of a motor spec: the generic model tabulated (once per distinct motor
    spec: the variants of a car share it), or its CSV file (a relative path is taken from
    ``base_dir``; read each time, so that an edited file is read again)."""
    if isinstance(motor.losses, GenericLosses):
        return _generic_loss_map_of(motor)
    path = Path(motor.losses.file)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return read_loss_map_csv(path, motor)


class DriveUnit:
    """Numeric form of a :class:`DriveUnitSpec`: loss map, gear and wheel-side helpers."""

    def __init__(self, spec: DriveUnitSpec, base_dir: Path | None = None):
        self.spec = spec
        if spec.edu is not None:
            edu = load_edu(spec.edu, base_dir=base_dir).model()
            self.map = edu.loss_map
            #: the tabulated envelope (speed [rad/s], motoring, generating torque [N*m]) of
            #: a physics-based unit; None where eq. (2) gives it in closed form
            self.envelope_table = (edu.env_speed, edu.env_tmax, edu.env_tmin)
            gear = edu.gear
            self.rotor_inertia_kg_m2 = edu.rotor_inertia_kg_m2
        else:
            m = spec.motor
            self.map = motor_loss_map(m, base_dir)
            self.envelope_table = None
            gear = spec.gear
            self.rotor_inertia_kg_m2 = m.rotor_inertia_kg_m2
        self.gear = gear
        self.ratio = gear.ratio  # top (or only) gear
        self.ratios = [gear.ratio] if gear.low_ratio is None else [gear.low_ratio, gear.ratio]
        self.eta = gear.mesh_efficiency
        self.drag_nm = gear.drag_torque_nm
        self.viscous_nm_s = gear.viscous_drag_nm_s
        self.speed_max_rad_s = self.map.speed_max_rad_s

    def _drag(self, motor_speed_rad_s):
        return self.drag_nm + self.viscous_nm_s * np.abs(np.asarray(motor_speed_rad_s, dtype=float))

    def motor_torque_nm(self, wheel_torque_nm, motor_speed_rad_s=0.0, ratio=None):
        """Eq. (4): motor torque needed for a wheel torque [N*m]."""
        g = self.ratio if ratio is None else ratio
        return input_torque_nm(np.asarray(wheel_torque_nm, dtype=float), g, self.eta,
                               self._drag(motor_speed_rad_s))

    def wheel_torque_nm(self, motor_torque_nm, motor_speed_rad_s=0.0, ratio=None):
        """Inverse of eq. (4): wheel torque delivered for a motor torque [N*m]."""
        g = self.ratio if ratio is None else ratio
        return output_torque_nm(np.asarray(motor_torque_nm, dtype=float), g, self.eta,
                                self._drag(motor_speed_rad_s))

    def wheel_force_limits_n(self, vehicle_speed_m_s, radius_m):
        """Largest propulsive and braking wheel force at a vehicle speed, over the gears [N]."""
        f_max = f_min = None
        for g in self.ratios:
            w = np.asarray(vehicle_speed_m_s) / radius_m * g
            t_max, t_min = self.map.torque_limits_nm(w)
            hi = self.wheel_torque_nm(t_max, w, g) / radius_m
            lo = self.wheel_torque_nm(t_min, w, g) / radius_m
            f_max = hi if f_max is None else np.maximum(f_max, hi)
            f_min = lo if f_min is None else np.minimum(f_min, lo)
        return np.maximum(f_max, 0.0), np.minimum(f_min, 0.0)

    def operate(self, wheel_force_n, vehicle_speed_m_s, radius_m):
        """Motor torque [N*m] and speed [rad/s], motor+inverter loss and DC power [W] for a
        wheel force, in the gear that needs the least DC power among those that can deliver
        it (the only gear for a single-speed unit)."""
        v = np.asarray(vehicle_speed_m_s, dtype=float)
        f = np.asarray(wheel_force_n, dtype=float)
        best = None
        for g in self.ratios:
            w = v / radius_m * g + 0 * f
            tm = self.motor_torque_nm(f * radius_m, w, g)
            loss = self.map.loss(tm, w)
            p = tm * w + loss
            if len(self.ratios) == 1:
                return tm, w, loss, p
            fits = ((tm <= self.map.torque_max_nm(w) * (1 + 1e-9) + 1e-9)
                    & (tm >= self.map.torque_min_nm(w) * (1 + 1e-9) - 1e-9)
                    & (w <= self.speed_max_rad_s * (1 + 1e-9)))
            cost = np.where(fits, p, np.inf)
            if best is None:
                best = [tm, w, loss, p, cost]
            else:
                take = cost < best[4]
                best = [np.where(take, a, b) for a, b in zip((tm, w, loss, p, cost), best,
                                                             strict=True)]
        return tuple(best[:4])
