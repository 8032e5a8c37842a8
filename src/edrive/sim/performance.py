"""Full-throttle performance of a battery-electric vehicle: acceleration times, top speed and
gradeability.

Model
-----
Quasi-static longitudinal dynamics (Gillespie, *Fundamentals of Vehicle Dynamics*, SAE 1992,
ch. 2; Ehsani et al., *Modern Electric, Hybrid Electric and Fuel Cell Vehicles*, CRC Press,
ch. 2). At full throttle on a level road

    m_eff dv/dt = F_max(v) - R(v),        R(v) = f0 + f1 v + f2 v^2                  (1)

where m_eff is the effective mass (rotating parts included, :class:`~edrive.vehicle.
VehicleModel`) and F_max is :func:`edrive.sim.powertrain.propulsion_force_max`: the smallest
of the motor envelopes carried through the gears, the tyre grip of the driven axles with
load transfer, and the force the battery's discharge power at the given SOC supports (less
the auxiliary load). Separating the variables in (1) gives the elapsed time between two
speeds without any time stepping:

    t(v1 -> v2) = integral from v1 to v2 of m_eff / (F_max(v) - R(v)) dv             (2)

Eq. (2) is evaluated on a speed grid of spacing at most ``SPEED_STEP_M_S``. Inside each grid
interval the excess force g = F_max - R is taken as linear, for which (2) integrates exactly
to m_eff dv ln(g1 / g0) / (g1 - g0); the error is of second order in dv where g curves and
well below 0.1 % (the unit tests check it against closed forms).

The battery SOC is held at its starting value: a 0-100 km/h run draws well under 1 kWh, a
fraction of a percent of SOC, which moves the open-circuit voltage (and so the power limit)
by less than 0.1 %.

Top speed is the lowest speed v > 0 at which F_max(v) = R(v) -- a car accelerating from rest
cannot pass it -- capped by the maximum motor speed and by ``speed_limit_m_s`` when set.

Gradeability at a speed v is the largest grade tan(theta) at which the car holds v (a = 0):

    F_max(v, theta) >= f0 cos(theta) + f1 v + f2 v^2 + m g sin(theta)                (3)

Grip and rolling resistance both depend on theta, so (3) is solved by a scan over theta
followed by bisection. The driven-axle normal load on a grade is (Gillespie, ch. 2)

    N_rear  = m g cos(theta) (1 - w_f) + (m a + m g sin(theta)) h / L
    N_front = m g cos(theta) w_f       - (m a + m g sin(theta)) h / L                 (4)

(the grade force acts at the centre of gravity, so climbing moves load to the rear axle just
as accelerating does); :meth:`~edrive.vehicle.VehicleModel.grip_force_n` implements (4).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field

import numpy as np

from ..constants import KMH_M_S, MPH_M_S
from ..errors import EdriveError
from ..vehicle import VehicleModel, VehicleSpec, load_vehicle
from . import powertrain as pt

SPEED_STEP_M_S = 0.01
"""Largest speed-grid spacing for the acceleration integral (2) [m/s]."""

GRADE_MAX = 5.0
"""Largest grade searched (rise/run, 500 %); steeper answers are reported as at least this."""

DEFAULT_GRADE_SPEEDS_M_S = (0.0, 50 * KMH_M_S, 100 * KMH_M_S)

_RUNS = {  # field name: (start speed, end speed) [m/s]
    "accel_0_100_kmh_s": (0.0, 100 * KMH_M_S),
    "accel_0_60_mph_s": (0.0, 60 * MPH_M_S),
    "accel_80_120_kmh_s": (80 * KMH_M_S, 120 * KMH_M_S),
}


@dataclass(frozen=True)
class PerformanceResult:
    """Full-throttle performance in SI units (see the module docstring for the model).

    Attributes
    ----------
    vehicle : str
        Vehicle name.
    soc : float
        Battery state of charge the runs were made at [-].
    accel_0_100_kmh_s, accel_0_60_mph_s, accel_80_120_kmh_s : float or None
        Elapsed time of the run [s]; None where the end speed cannot be reached (the reason
        is in ``notes``).
    top_speed_m_s : float
        Top speed on a level road [m/s].
    top_speed_limited_by : {"power", "motor_speed", "speed_limit"}
        "power": the tractive force (power, torque or grip) falls to the road load;
        "motor_speed": a motor reaches its maximum speed; "speed_limit": the vehicle's
        ``speed_limit_m_s``.
    grade_speeds_m_s : tuple of float
        Speeds at which the gradeability was found [m/s].
    max_grade : tuple of float or None
        Largest grade (rise/run) held at each of those speeds; None where the speed cannot be
        held on a level road or is above the top speed.
    max_grade_limited_by : tuple of str or None
        What limits each grade: "grip", "motor" (the drive-unit envelopes) or "battery"
        (discharge power).
    notes : dict of str to str
        Why a figure is missing, or other remarks, by the name of the figure.
    """

    vehicle: str
    soc: float
    accel_0_100_kmh_s: float | None
    accel_0_60_mph_s: float | None
    accel_80_120_kmh_s: float | None
    top_speed_m_s: float
    top_speed_limited_by: str
    grade_speeds_m_s: tuple[float, ...]
    max_grade: tuple[float | None, ...]
    max_grade_limited_by: tuple[str | None, ...]
    notes: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """All fields, SI units, as plain Python values (JSON-ready; None where missing)."""
        d = asdict(self)
        for k in ("grade_speeds_m_s", "max_grade", "max_grade_limited_by"):
            d[k] = list(d[k])
        return d

    def report(self) -> dict:
        """The figures in the units people read: s, km/h and % grade."""
        grades = {}
        for v, g in zip(self.grade_speeds_m_s, self.max_grade, strict=True):
            grades[_speed_label(v)] = None if g is None else 100.0 * g
        return {
            "vehicle": self.vehicle,
            "soc": self.soc,
            "accel_0_100_kmh_s": self.accel_0_100_kmh_s,
            "accel_0_60_mph_s": self.accel_0_60_mph_s,
            "accel_80_120_kmh_s": self.accel_80_120_kmh_s,
            "top_speed_kmh": self.top_speed_m_s / KMH_M_S,
            "top_speed_limited_by": self.top_speed_limited_by,
            "max_grade_pct": grades,
            "max_grade_limited_by": dict(zip(grades, self.max_grade_limited_by, strict=True)),
            "notes": dict(self.notes),
        }


def performance(vehicle, *, soc: float | None = None,
                grade_speeds_m_s=DEFAULT_GRADE_SPEEDS_M_S) -> PerformanceResult:
    """Acceleration times, top speed and gradeability at full throttle.

    Parameters
    ----------
    vehicle : VehicleSpec or str or Path
        A spec, a bundled vehicle name or a YAML path (anything
        :func:`edrive.vehicle.load_vehicle` accepts).
    soc : float, optional
        Battery state of charge [-], which sets the discharge power limit; defaults to the
        spec's ``soc_initial``, else its ``soc_max``. Held constant through each run.
    grade_speeds_m_s : sequence of float
        Speeds at which to find the largest grade the car can hold [m/s].

    Returns
    -------
    PerformanceResult
        SI figures; ``.report()`` gives them in s, km/h and %.

    Notes
    -----
    Eq. (1)-(4) of the module docstring: m_eff dv/dt = F_max(v) - R(v) integrated as
    t = integral m_eff dv / (F_max - R) over a fine speed grid; top speed where
    F_max = R; gradeability from F_max(v, theta) = R(v, theta) + m g sin(theta) with load
    transfer on the grade. References: Gillespie, *Fundamentals of Vehicle Dynamics*, SAE
    1992, ch. 2; Ehsani et al., *Modern Electric, Hybrid Electric and Fuel Cell Vehicles*,
    ch. 2.
    """
    spec: VehicleSpec = load_vehicle(vehicle)
    vm = spec.model()
    bat = vm.battery
    soc = bat.soc_initial if soc is None else float(soc)
    if not (bat.soc_min - 1e-9 <= soc <= bat.soc_max + 1e-9):
        raise EdriveError(f"soc: {soc} is outside the usable window {bat.soc_min}..{bat.soc_max}")
    try:
        speeds = tuple(float(v) for v in np.atleast_1d(np.asarray(grade_speeds_m_s, dtype=float)))
    except (TypeError, ValueError):
        raise EdriveError(f"grade_speeds_m_s: {grade_speeds_m_s!r}; expected speeds in m/s") from None
    if any(not math.isfinite(v) or v < 0 for v in speeds):
        raise EdriveError(f"grade_speeds_m_s: {list(speeds)}; speeds must be finite and >= 0 m/s")

    notes: dict[str, str] = {}
    v_top, limited_by = _top_speed(vm, soc)
    times = _run_times(vm, soc, v_top, notes)
    grades, grade_limits = _max_grades(vm, soc, speeds, v_top, notes)
    return PerformanceResult(
        vehicle=spec.name, soc=soc, **times, top_speed_m_s=v_top,
        top_speed_limited_by=limited_by, grade_speeds_m_s=speeds, max_grade=grades,
        max_grade_limited_by=grade_limits, notes=notes)


# --- internals -----------------------------------------------------------------------------

def _speed_label(v_m_s: float) -> str:
    return f"{round(v_m_s / KMH_M_S, 1):g} km/h"


def _excess_force_n(vm: VehicleModel, speed_m_s, soc, grade=0.0):
    """F_max - R at full throttle [N] (positive: the car can still accelerate or climb)."""
    speed_m_s, grade = np.broadcast_arrays(np.asarray(speed_m_s, float), np.asarray(grade, float))
    road, climb = vm.road_load_parts(speed_m_s, grade)
    f_max = pt.propulsion_force_max(vm, speed_m_s, grade, road,
                                    soc)
    return f_max - (road + climb)


def _motor_speed_cap_m_s(vm: VehicleModel) -> float:
    return min(du.speed_max_rad_s * vm.radius_m / du.ratio for du in vm.drive_units)


def _top_speed(vm: VehicleModel, soc: float) -> tuple[float, str]:
    """Top speed [m/s] on a level road and what sets it."""
    v_motor = _motor_speed_cap_m_s(vm)
    v_limit = vm.spec.speed_limit_m_s
    v_cap = v_motor if v_limit is None else min(v_motor, v_limit)
    grid = np.linspace(0.0, v_cap, max(int(np.ceil(v_cap / 0.05)), 2) + 1)
    g = _excess_force_n(vm, grid, soc)
    stuck = np.flatnonzero(g <= 0.0)
    if stuck.size == 0:
        cap_by = "speed_limit" if v_limit is not None and v_limit <= v_motor else "motor_speed"
        return float(v_cap), cap_by
    k = int(stuck[0])
    if k == 0:
        return 0.0, "power"  # cannot move off on a level road
    lo, hi = float(grid[k - 1]), float(grid[k])
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if float(_excess_force_n(vm, mid, soc)) > 0.0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi), "power"


def _run_times(vm: VehicleModel, soc: float, v_top: float, notes: dict) -> dict:
    """Elapsed times of the standard runs by eq. (2) [s] (None where not reachable)."""
    v_end = max(b for _, b in _RUNS.values())
    v_hi = min(v_end, v_top)
    marks = sorted({0.0, v_hi, *(x for run in _RUNS.values() for x in run if x <= v_hi)})
    pieces = [np.linspace(a, b, max(int(np.ceil((b - a) / SPEED_STEP_M_S)), 1) + 1)
              for a, b in itertools.pairwise(marks)]
    grid = np.unique(np.concatenate(pieces)) if pieces else np.array([0.0])
    g = _excess_force_n(vm, grid, soc)
    g0, g1, dv = g[:-1], g[1:], np.diff(grid)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = g1 / g0
        log_mean = np.where(np.abs(ratio - 1.0) < 1e-6, 2.0 / (g0 + g1),
                            np.log(np.abs(ratio)) / (g1 - g0))
    dt = vm.mass_effective_kg * dv * log_mean
    t_cum = np.concatenate([[0.0], np.cumsum(dt)])
    ok = g > 0.0
    out = {}
    for name, (a, b) in _RUNS.items():
        if b > v_top * (1 + 1e-12) or b > grid[-1] * (1 + 1e-12):
            notes[name] = (f"top speed {v_top / KMH_M_S:.1f} km/h is below the end speed "
                           f"{b / KMH_M_S:.1f} km/h")
            out[name] = None
            continue
        i, j = int(np.argmin(np.abs(grid - a))), int(np.argmin(np.abs(grid - b)))
        if not ok[i:j + 1].all():
            notes[name] = "the tractive force does not exceed the road load on the way"
            out[name] = None
            continue
        out[name] = float(t_cum[j] - t_cum[i])
    return out


def _max_grades(vm: VehicleModel, soc: float, speeds, v_top: float, notes: dict):
    """Largest grade held at each speed, eq. (3), and what limits it."""
    if not speeds:
        return (), ()
    v = np.asarray(speeds, dtype=float)
    theta_hi = math.atan(GRADE_MAX)
    thetas = np.linspace(0.0, theta_hi, 161)
    tt, vv = np.meshgrid(thetas, v, indexing="ij")
    g = _excess_force_n(vm, vv, soc, np.tan(tt))  # shape (n_theta, n_speed)
    grades: list[float | None] = []
    limits: list[str | None] = []
    for k, speed in enumerate(speeds):
        label = f"max_grade at {_speed_label(speed)}"
        if speed > v_top * (1 + 1e-9) + 1e-9 or g[0, k] < -1e-6 * (1 + vm.mass_kg):
            what = "move off" if speed == 0 else f"hold {speed / KMH_M_S:.1f} km/h"
            notes[label] = (f"cannot {what} on a level road (top speed "
                            f"{v_top / KMH_M_S:.1f} km/h)")
            grades.append(None)
            limits.append(None)
            continue
        neg = np.flatnonzero(g[:, k] <= 0.0)
        neg = neg[neg > 0]
        if neg.size == 0:
            notes[label] = f"at least {100 * GRADE_MAX:.0f} % (largest grade searched)"
            theta = theta_hi
        else:
            lo, hi = float(thetas[neg[0] - 1]), float(thetas[neg[0]])
            for _ in range(50):
                mid = 0.5 * (lo + hi)
                if float(_excess_force_n(vm, speed, soc, math.tan(mid))) > 0.0:
                    lo = mid
                else:
                    hi = mid
            theta = lo
        grades.append(math.tan(theta))
        limits.append(_limit_at(vm, speed, math.tan(theta), soc))
    return tuple(grades), tuple(limits)


def _limit_at(vm: VehicleModel, speed: float, grade: float, soc: float) -> str:
    """Which of grip, motor envelope and battery power sets F_max here."""
    road, _ = vm.road_load_parts(speed, grade)
    grip = float(vm.grip_force_n(road, grade))
    env = float(sum(lim[0] for lim in pt.unit_force_limits(vm, speed)))
    f_max = float(pt.propulsion_force_max(vm, speed, grade, road,
                                          soc))
    if f_max < min(grip, env) * (1 - 1e-6):
        return "battery"
    return "grip" if grip <= env else "motor"


__all__ = ["GRADE_MAX", "SPEED_STEP_M_S", "PerformanceResult", "performance"]
