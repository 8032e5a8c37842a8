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

Eq. (2) is evaluated on a speed grid of spacing at most ``SPEED_STEP_M_S`` (or the caller's
``speed_step_m_s``). Inside each grid
interval the excess force g = F_max - R is taken as linear, for which (2) integrates exactly
to m_eff dv ln(g1 / g0) / (g1 - g0); the error is of second order in dv where g curves and
well below 0.1 % (the unit tests check it against closed forms).

The battery SOC is held at its starting value: a 0-100 km/h run draws well under 1 kWh, a
fraction of a percent of SOC, which moves the open-circuit voltage (and so the power limit)
by less than 0.1 %. The charge a run draws (the Rint current of the drive units' and
auxiliaries' power, integrated over eq. (2)'s time) must be in the battery above
``soc_min``: a run that would empty it is not reachable, and at ``soc_min`` the battery
gives no power at all (:mod:`edrive.components.battery`).

Top speed is the lowest speed v > 0 at which F_max(v) = R(v) -- a car accelerating from rest
cannot pass it -- capped by the maximum motor speed and by ``speed_limit_m_s`` when set.

Gradeability at a speed v is the largest grade tan(theta) at which the car holds v (a = 0):

    F_max(v, theta) >= f0 cos(theta) + f1 v + f2 v^2 + m g sin(theta)                (3)

Grip and rolling resistance both depend on theta, so (3) is solved by a scan over theta
followed by a narrowing of the bracket of the first sign change to 1e-10 rad (or 2^-50 of its
width, like fifty bisections; 31 points evaluated at once per pass; the top speed likewise,
to 1e-10 m/s). The scans and the narrowing need only the sign of F_max - R, which for a
battery-electric car is whether the force R can be delivered
(:func:`~edrive.sim.powertrain.propulsion_feasible`: envelopes, grip and battery power), so
F_max itself is not searched for there. The driven-axle normal load on a grade is
(Gillespie, ch. 2)

    N_rear  = m g cos(theta) (1 - w_f) + (m a + m g sin(theta)) h / L
    N_front = m g cos(theta) w_f       - (m a + m g sin(theta)) h / L                 (4)

(the grade force acts at the centre of gravity, so climbing moves load to the rear axle just
as accelerating does); :meth:`~edrive.vehicle.VehicleModel.grip_force_n` implements (4).

US road tests (Car and Driver, Motor Trend) start the clock once the car has rolled one
foot, x_0 = 0.3048 m (``ROLLOUT_M``), as a drag strip's timing beam does, and publish 0-60
mph times without that first foot; ``accel_0_60_mph_rollout_s`` is that figure:

    t_rollout(0 -> v) = t(0 -> v) - t(x = x_0),     x(t) = integral of v dt            (8)

with x accumulated over the same grid (the mean speed of each interval times its time, eq.
(2) and (7)). Makers' own figures and European 0-100 km/h figures count from standstill.

Combustion cars (:class:`~edrive.vehicle.IcevSpec`)
---------------------------------------------------
The same equations with the force and the effective mass of the gear in use. In gear k of
overall ratio G_k (gearbox times final drive) and mesh efficiency eta_k, the wheel force with
the converter locked or the clutch closed is

    F_k(v) = T_net(omega_e) G_k eta_k / r,      omega_e = G_k v / r,                    (5)
    T_net(omega) = T_max(omega) - P_aux / (eta_alt omega) - T_0 - c_v omega

(full-load torque less the alternator load and the transmission drag, eq. (1)-(2) of
:mod:`edrive.components.transmission`), zero above the engine's maximum speed. The launch:

* automatic: the torque converter slips and multiplies torque. With turbine speed
  omega_t = G_k v / r the pump (engine) speed omega_p solves T_net(omega_p) = (omega_p /
  K(SR))^2 with SR = omega_t / omega_p, and the turbine gives TR(SR) T_net(omega_p): the
  quasi-static converter of Kotwicki (SAE 820393, 1982), eq. (3)-(4) of
  :mod:`edrive.components.transmission`, with the transmission's K_0, TR_0 and coupling
  point. At standstill this is the stall point (about 2,300 rpm and twice the engine torque
  for the 330i). The controller may lock the converter in any gear; of the two states the one
  giving more force is taken.
* launch clutch (DCT, manual): while the gearbox input turns slower than the transmission's
  ``launch_speed_rad_s`` the driver (or controller) holds the engine there and the slipping
  clutch passes T_net(omega_launch) (a friction clutch transmits equal torque on both sides).

While the converter or clutch is closed the engine and its flywheel accelerate with the car,
J_e d(omega_e)/dt = J_e G_k a / r of the engine torque goes to them (Gillespie, ch. 2, "mass
factor"; Guzzella & Sciarretta, *Vehicle Propulsion Systems*, 3rd ed., Springer 2013, ch. 2),
and the tyres can take no more than the grip force F_grip of (4):

    a_k = min[(F_k - R) / (m_eff + J_e G_k^2 / r^2),  (F_grip - R) / m_eff]              (6)

(when grip binds, the engine's surplus torque spins up its own inertia). While
the clutch slips the engine is held at the launch speed, and while the converter works below
its coupling point K = K_0 holds the pump at the stall speed whatever the turbine speed: the
engine speed is constant and J_e is left out. Above the coupling point the pump follows the
turbine and J_e is counted as when locked. J_e, the crank train,
flywheel or flexplate and converter referred to the engine, is taken as
J_e = 0.10 kg m^2 + 0.04 kg m^2 per litre of displacement (``engine_inertia_kg_m2``;
estimate: about 0.18 kg m^2 for a 2 L four and 0.30 kg m^2 for a 5 L V8, in the range
of published passenger-car values, not a fit).

Gear choice at full throttle: at each speed the gear and converter or clutch state of the
largest acceleration (6), the lower gear where grip bounds several (so a gear is held to the
speed where the next one pulls harder, or to the rev limit, as full-throttle shift maps do);
the gear never goes down during a run. Eq. (2) is integrated with m_eff a in place of
F_max - R.
A manual gearbox's upshift interrupts the tractive force for the shift time t_s (clutch
open; ``SHIFT_TIME_S``, estimate 0.5 s). The planetary automatic and the dual-clutch gearbox
shift under power (Naunheimer et al., *Automotive Transmissions*, 2nd ed., Springer 2011, on
power shifts): in the torque phase the on-coming clutch takes over the input torque while the
engine still turns at the old gear's speed, so the output torque passes from the old gear's
level to the new one's; in the inertia phase that clutch pulls the engine down to the new
gear's speed while the engine's torque is cut (ignition retard), the engine's kinetic energy
J_e (omega_1^2 - omega_2^2) / 2 going into the slipping clutch. Were the cut exactly the
engine's inertia torque, the output would stay at the new gear's level and the shift would
cost nothing beyond that energy (eq. (6) switching gear at once, t_s = 0); production
calibrations cut deeper for shift comfort and clutch life, so the output torque dips for
the 0.2-0.4 s of the shift. That dip is taken as an equivalent interruption t_s = 0.1 s,
fitted on the BMW 330i (BMW's 0-100 km/h 5.8 s and MotorTrend's 0-60 mph 5.4 s with rollout,
which t_s = 0.1 s puts at +2.6 % and -1.3 %; t_s = 0 at -1.0 % and -5.2 %) and checked on the
BMW 330e and the Toyota Camry (tests/validation/test_performance_reference.py). A different
interruption can be given (``shift_time_s``). During it the car coasts, losing
dv = R t_s / m_eff, which the next gear makes up at its acceleration a; each upshift at speed
v_s therefore adds, to first order in t_s,

    dt_shift = t_s (1 + R(v_s) / (m_eff a(v_s)))                                          (7)

to the elapsed time of (2) (t_s F / (F - R) where the engine's inertia does not count). Top
speed: the lowest speed where the best gear's force falls to
the road load, capped by the engine's maximum speed in top gear and ``speed_limit_m_s``.
Gradeability: (3) with the best gear's force, the converter multiplying torque at
standstill.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field

import numpy as np

from ..arguments import is_real_number, real_number, soc_in_window
from ..components.transmission import (
    converter_pump_torque_nm,
    converter_speed_ratio,
    converter_torque_ratio,
    full_load_input_torque_nm,
)
from ..constants import KMH_M_S, MPH_M_S
from ..errors import EdriveError, format_value
from ..report.text import Report
from ..vehicle import IcevModel, VehicleModel
from . import powertrain as pt

SPEED_STEP_M_S = 0.01
"""Largest speed-grid spacing for the acceleration integral (2) [m/s], unless the caller
asks for another (``speed_step_m_s``, from SPEED_STEP_MIN_M_S to SPEED_STEP_MAX_M_S)."""
SPEED_STEP_MIN_M_S = 1e-4
SPEED_STEP_MAX_M_S = 1.0

GRADE_MAX = 5.0
"""Largest grade searched (rise/run, 500 %); steeper answers are reported as at least this."""

DEFAULT_GRADE_SPEEDS_M_S = (0.0, 50 * KMH_M_S, 100 * KMH_M_S)

SHIFT_TIME_S = {"automatic": 0.1, "dct": 0.1, "manual": 0.5}
"""Equivalent torque interruption per upshift by transmission kind [s] (eq. 7): the output
torque dip of a power shift of the planetary automatic and the dual-clutch gearbox (fitted on
the BMW 330i, see the module docstring), and the open clutch of a manual (estimate)."""

ROLLOUT_M = 0.3048
"""Rollout of US road-test 0-60 mph figures [m]: timing starts once the car has moved one
foot, as at a drag strip (module docstring, eq. 8)."""

SHIFT_TIME_MAX_S = 5.0


def _shift_time(value) -> float:
    """A shift time [s], checked: a finite number from 0 to ``SHIFT_TIME_MAX_S``."""
    if not (is_real_number(value) and math.isfinite(value) and 0 <= value <= SHIFT_TIME_MAX_S):
        raise EdriveError(f"shift_time_s: {format_value(value)}; allowed 0 to "
                          f"{SHIFT_TIME_MAX_S:g}")
    return float(value)


def _shift_delays(shift_time_s: float, road_n, m_eff_kg: float, a_m_s2, up) -> np.ndarray:
    """Extra time per grid interval [s]: eq. (7), t_s (1 + R / (m_eff a)) at each upshift
    (the first grid point in the new gear, indices ``up``); infinite where the new gear
    cannot accelerate the car."""
    extra = np.zeros(len(road_n) - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        delay = shift_time_s * (1.0 + road_n[up] / (m_eff_kg * a_m_s2[up]))
    extra[up - 1] = np.where(a_m_s2[up] > 0, delay, np.inf)
    return extra


def engine_inertia_kg_m2(displacement_m3: float) -> float:
    """Rotating inertia on the engine side of the converter or clutch [kg m^2]: crank train,
    flywheel or flexplate and converter pump, J_e = 0.10 + 0.04 V_d [L] (estimate, see the
    module docstring)."""
    return 0.10 + 0.04 * displacement_m3 * 1e3


def _engine_inertia(value) -> float:
    """An engine-side inertia [kg m^2], checked: a finite number from 0 to 10."""
    if not (is_real_number(value) and math.isfinite(value) and 0 <= value <= 10.0):
        raise EdriveError(f"engine_inertia: {format_value(value)}; allowed 0 to 10")
    return float(value)


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
    soc : float or None
        Battery state of charge the runs were made at [-]; None for a combustion car.
    accel_0_100_kmh_s, accel_0_60_mph_s, accel_80_120_kmh_s : float or None
        Elapsed time of the run [s]; None where the end speed cannot be reached (the reason
        is in ``notes``).
    accel_0_60_mph_rollout_s : float or None
        0-60 mph as US road tests time it, the first foot of rollout left out (eq. 8) [s].
    top_speed_m_s : float
        Top speed on a level road [m/s].
    top_speed_limited_by : {"power", "motor_speed", "engine_speed", "speed_limit"}
        "power": the tractive force (power, torque or grip) falls to the road load;
        "motor_speed": a motor reaches its maximum speed; "engine_speed": the engine reaches
        its maximum speed in top gear; "speed_limit": the vehicle's ``speed_limit_m_s``.
    grade_speeds_m_s : tuple of float
        Speeds at which the gradeability was found [m/s].
    max_grade : tuple of float or None
        Largest grade (rise/run) held at each of those speeds; None where the speed cannot be
        held on a level road or is above the top speed.
    max_grade_limited_by : tuple of str or None
        What limits each grade: "grip", "motor" (the drive-unit envelopes), "battery"
        (discharge power) or, for a combustion car, "engine" (full load in the best gear).
    notes : dict of str to str
        Why a figure is missing, or other remarks, by the name of the figure.
    shift_time_s : float or None
        Torque interruption per upshift used [s] (combustion cars and parallel hybrids; None
        otherwise).
    upshift_speeds_m_s : tuple of float
        Speeds at which the full-throttle runs shift up [m/s] (combustion cars and parallel
        hybrids).
    """

    vehicle: str
    soc: float | None
    accel_0_100_kmh_s: float | None
    accel_0_60_mph_s: float | None
    accel_80_120_kmh_s: float | None
    top_speed_m_s: float
    top_speed_limited_by: str
    grade_speeds_m_s: tuple[float, ...]
    max_grade: tuple[float | None, ...]
    max_grade_limited_by: tuple[str | None, ...]
    notes: dict[str, str] = field(default_factory=dict)
    shift_time_s: float | None = None
    accel_0_60_mph_rollout_s: float | None = None
    upshift_speeds_m_s: tuple[float, ...] = ()

    def to_dict(self) -> dict:
        """All fields, SI units, as plain Python values (JSON-ready; None where missing)."""
        d = asdict(self)
        for k in ("grade_speeds_m_s", "max_grade", "max_grade_limited_by", "upshift_speeds_m_s"):
            d[k] = list(d[k])
        return d

    def report(self) -> Report:
        """The figures in the units people read: s, km/h and % grade; ``print()`` shows them
        as ``name  value`` lines."""
        grades = {}
        for v, g in zip(self.grade_speeds_m_s, self.max_grade, strict=True):
            grades[_speed_label(v)] = None if g is None else 100.0 * g
        out = {
            "vehicle": self.vehicle,
            "soc": self.soc,
            "accel_0_100_kmh_s": self.accel_0_100_kmh_s,
            "accel_0_60_mph_s": self.accel_0_60_mph_s,
            "accel_80_120_kmh_s": self.accel_80_120_kmh_s,
            "accel_0_60_mph_rollout_s": self.accel_0_60_mph_rollout_s,
            "top_speed_kmh": self.top_speed_m_s / KMH_M_S,
            "top_speed_limited_by": self.top_speed_limited_by,
            "max_grade_pct": grades,
            "max_grade_limited_by": dict(zip(grades, self.max_grade_limited_by, strict=True)),
            "notes": dict(self.notes),
        }
        if self.shift_time_s is not None:  # combustion car: no battery, shifts instead
            del out["soc"]
            out["shift_time_s"] = self.shift_time_s
            out["upshift_speeds_kmh"] = ", ".join(
                f"{v / KMH_M_S:.0f}" for v in self.upshift_speeds_m_s)
        return Report(out)


def check_grid(grade_speeds_m_s=DEFAULT_GRADE_SPEEDS_M_S,
               speed_step_m_s: float = SPEED_STEP_M_S) -> tuple[tuple[float, ...], float]:
    """The grade speeds [m/s] and the speed step [m/s] of :func:`full_throttle_runs`, checked
    (the arguments of :func:`edrive.performance`)."""
    allowed = "speeds in m/s, a number or a list of numbers"
    try:
        given = np.atleast_1d(np.asarray(grade_speeds_m_s, dtype=object))
    except ValueError:  # nested sequences of different lengths
        given = None
    if given is None or given.ndim != 1:
        raise EdriveError(f"grade_speeds_m_s: {format_value(grade_speeds_m_s)}; allowed: {allowed}")
    speeds = tuple(real_number(v, "grade_speeds_m_s", allowed) for v in given)
    if any(not math.isfinite(v) or v < 0 for v in speeds):
        raise EdriveError(f"grade_speeds_m_s: {list(speeds)}; speeds must be finite and >= 0 m/s")
    step_allowed = f"a number from {SPEED_STEP_MIN_M_S:g} to {SPEED_STEP_MAX_M_S:g} m/s"
    step = real_number(speed_step_m_s, "speed_step_m_s", step_allowed)
    if not SPEED_STEP_MIN_M_S <= step <= SPEED_STEP_MAX_M_S:
        raise EdriveError(f"speed_step_m_s: {format_value(speed_step_m_s)}; allowed: "
                          f"{step_allowed}")
    return speeds, step


def bev_full_throttle(spec, soc, shift_time_s, engine_inertia):
    """(full-throttle force model, state of charge) of a battery-electric car, eq. (1)-(4)."""
    for name, value in (("shift_time_s", shift_time_s), ("engine_inertia", engine_inertia)):
        if value is not None:
            raise EdriveError(f"{name}: {value}; applies to combustion cars only "
                              f"({spec.name} is {spec.type})")
    vm = spec.model()
    bat = vm.battery
    soc = bat.soc_initial if soc is None else soc_in_window(soc, "soc", bat.soc_min, bat.soc_max)
    return _Bev(vm, soc), soc


def icev_full_throttle(spec, soc, shift_time_s, engine_inertia):
    """(full-throttle force model, None) of a conventional car, eq. (5)-(7)."""
    if soc is not None:
        raise EdriveError(f"soc: {soc}; a conventional vehicle has no traction battery "
                          "(leave soc out)")
    return _Icev(spec.model(), shift_time_s, engine_inertia), None


def hev_full_throttle(spec, soc, shift_time_s, engine_inertia):
    """(full-throttle force model, None) of a hybrid (engine and motors together)."""
    if soc is not None:
        raise EdriveError(f"soc: {soc}; not used for hybrids (leave it out)")
    return _Hev(spec.model(), shift_time_s, engine_inertia), None


def full_throttle_runs(spec, pwt, soc, speeds, step: float) -> PerformanceResult:
    """The runs of :func:`edrive.performance` with the force model ``pwt`` of ``spec``:
    top speed, acceleration times and the largest grades at ``speeds`` (module docstring)."""
    notes: dict[str, str] = {}
    v_top, limited_by = _top_speed(pwt, step)
    times, upshifts = _run_times(pwt, v_top, notes, step)
    grades, grade_limits = _max_grades(pwt, speeds, v_top, notes)
    return PerformanceResult(
        vehicle=spec.name, soc=soc, **times, top_speed_m_s=v_top,
        top_speed_limited_by=limited_by, grade_speeds_m_s=speeds, max_grade=grades,
        max_grade_limited_by=grade_limits, notes=notes,
        shift_time_s=getattr(pwt, "shift_time_s", None), upshift_speeds_m_s=upshifts)


# --- internals -----------------------------------------------------------------------------

HEV_GRID_M_S = 0.5  # level-road force table of hybrids, interpolated linearly


def _speed_label(v_m_s: float) -> str:
    return f"{round(v_m_s / KMH_M_S, 1):g} km/h"


class _Bev:
    """Full-throttle force of a battery-electric car (eq. 1-4)."""

    def __init__(self, vm: VehicleModel, soc: float):
        self.vm, self.soc = vm, soc
        self._run = (None, None)  # the last run's speed grid and full-throttle force

    def excess(self, speed_m_s, grade=0.0):
        """F_max - R at full throttle [N] (positive: the car can still accelerate or climb)."""
        vm = self.vm
        v, grade = np.broadcast_arrays(np.asarray(speed_m_s, float), np.asarray(grade, float))
        road, climb = vm.road_load_parts(v, grade)
        return pt.propulsion_force_max(vm, v, grade, road, self.soc) - (road + climb)

    def moves(self, speed_m_s, grade=0.0, slack_n=0.0):
        """Whether F_max > R - ``slack_n`` (the car can still accelerate or climb), without
        finding F_max: whether that force is one the drive units, the grip and the battery
        can deliver (:func:`edrive.sim.powertrain.propulsion_feasible`)."""
        vm = self.vm
        v, grade = np.broadcast_arrays(np.asarray(speed_m_s, float), np.asarray(grade, float))
        road, climb = vm.road_load_parts(v, grade)
        return pt.propulsion_feasible(vm, road + climb - slack_n, v, grade, road,
                                      vm.battery.power_discharge_limit_w(self.soc))

    def speed_cap(self) -> tuple[float, str]:
        vm = self.vm
        v_motor = min(du.speed_max_rad_s * vm.radius_m / du.ratio for du in vm.drive_units)
        v_limit = vm.spec.speed_limit_m_s
        if v_limit is not None and v_limit <= v_motor:
            return float(v_limit), "speed_limit"
        return float(v_motor), "motor_speed"

    def run(self, grid):
        """(excess force [N], effective mass [kg], extra time per interval [s], upshift speeds
        [m/s]) along a rising speed grid."""
        n = len(grid)
        road, _ = self.vm.road_load_parts(grid, 0.0)
        force = pt.propulsion_force_max(self.vm, grid, 0.0, road, self.soc)
        self._run = (grid, force)
        return force - road, np.full(n, self.vm.mass_effective_kg), np.zeros(n - 1), ()

    def charge_as(self, grid, dt):
        """The charge a run along the speed grid has drawn by each grid speed, and the charge
        left above ``soc_min`` [A*s]; ``dt`` the time of each grid interval [s]."""
        vm = self.vm
        last_grid, force = self._run
        if last_grid is not grid:
            road, _ = vm.road_load_parts(grid, 0.0)
            force = pt.propulsion_force_max(vm, grid, 0.0, road, self.soc)
        power = pt.dc_power_total(vm, pt.allocate(vm, force, grid), grid) + vm.aux_power_w
        current = vm.battery.current_a(power, self.soc)
        drawn = np.concatenate([[0.0], np.cumsum(0.5 * (current[1:] + current[:-1]) * dt)])
        return drawn, (self.soc - vm.battery.soc_min) * vm.battery.capacity_as

    def limit_at(self, speed: float, grade: float) -> str:
        """Which of grip, motor envelope and battery power sets F_max here."""
        vm = self.vm
        road, _ = vm.road_load_parts(speed, grade)
        grip = float(vm.grip_force_n(road, grade))
        env = float(sum(lim[0] for lim in pt.unit_force_limits(vm, speed)))
        f_max = float(pt.propulsion_force_max(vm, speed, grade, road, self.soc))
        if f_max < min(grip, env) * (1 - 1e-6):
            return "battery"
        return "grip" if grip <= env else "motor"


class _Hev:
    """Full-throttle force of a hybrid: the largest wheel force any of its candidate
    operating points delivers (engine and motors together, through the gear or planetary
    set, within the battery's power limits and the tyre grip; :meth:`edrive.hybrid.HevModel.
    propulsion_force_max`). On a level road the force is tabulated every ``HEV_GRID_M_S``
    and interpolated linearly (the candidate search is costly); on grades it is evaluated at
    each point.

    A parallel (P2) hybrid drives through a stepped gearbox: its runs take, as a combustion
    car's, at each speed the gear of the largest force (:meth:`edrive.hybrid.HevModel.
    p2_gear_forces`, within grip; the lower gear where grip bounds several), never going
    down, and each upshift interrupts the force for the shift time of the gearbox's kind,
    eq. (7). The machines on the gearbox input accelerate with the car as in eq. (6): the
    motor's rotor always, the engine (J_e of :func:`engine_inertia_kg_m2`) once the clutch
    K0 has closed (above ``engine_clutch_slip_speed_rad_s`` at the input; below it the engine
    is held at that speed). Power-split and series hybrids have no gear to shift. Engine start
    delays and turbocharger lag are not modelled."""

    def __init__(self, vm, shift_time_s: float | None = None, inertia: float | None = None):
        self.vm = vm
        v_cap, _ = self.speed_cap()
        self._v = np.linspace(0.0, v_cap, max(int(np.ceil(v_cap / HEV_GRID_M_S)), 2) + 1)
        road, _ = vm.road_load_parts(self._v, 0.0)
        self._f = np.asarray(vm.propulsion_force_max(self._v, 0.0 * self._v, road))
        self.shift_time_s = None
        if vm.arch == "p2":
            t_s = SHIFT_TIME_S[vm.transmission.kind] if shift_time_s is None else shift_time_s
            self.shift_time_s = _shift_time(t_s)
            self._f_gears = np.asarray(vm.p2_gear_forces(self._v))
            j_e = (engine_inertia_kg_m2(vm.engine_spec.displacement_m3) if inertia is None
                   else inertia)
            self.inertia = _engine_inertia(j_e)
            self._slip_w = max(vm.spec.engine_clutch_slip_speed_rad_s,
                               vm.engine_spec.speed_idle_rad_s)
        elif shift_time_s is not None:
            raise EdriveError(f"shift_time_s: {format_value(shift_time_s)}; a {vm.arch} "
                              "hybrid has no stepped gearbox (leave it out)")
        elif inertia is not None:
            raise EdriveError(f"engine_inertia: {format_value(inertia)}; applies to combustion "
                              f"cars and P2 hybrids only (a {vm.arch} hybrid: leave it out)")

    def excess(self, speed_m_s, grade=0.0):
        vm = self.vm
        v, grade = np.broadcast_arrays(np.asarray(speed_m_s, float), np.asarray(grade, float))
        road, climb = vm.road_load_parts(v, grade)
        if not np.any(grade):
            return np.interp(v, self._v, self._f) - (road + climb)
        return vm.propulsion_force_max(v, grade, road) - (road + climb)

    def moves(self, speed_m_s, grade=0.0, slack_n=0.0):
        return self.excess(speed_m_s, grade) > -slack_n

    def speed_cap(self) -> tuple[float, str]:
        vm = self.vm
        v_limit = vm.spec.speed_limit_m_s
        if v_limit is not None and v_limit <= vm.speed_max_m_s * (1 + 1e-12):
            return float(v_limit), "speed_limit"
        return float(vm.speed_max_m_s), "machine_speed"

    def run(self, grid):
        n = len(grid)
        m0 = self.vm.mass_effective_kg
        if self.shift_time_s is None:
            return self.excess(grid), np.full(n, m0), np.zeros(n - 1), ()
        vm = self.vm
        road, _ = vm.road_load_parts(grid, 0.0)
        grip = np.maximum(vm.grip_force_n(road, 0.0), 0.0)
        f = np.array([np.interp(grid, self._v, fk) for fk in self._f_gears])
        # eq. (6) with the machines on the gearbox input: the motor's rotor (counted at the
        # top gear's ratio in m_eff) and, once K0 has closed, the engine turn at G_k v / r
        ratios = vm.transmission.overall_ratios
        r2 = vm.radius_m**2
        j_m = vm.spec.motor.rotor_inertia_kg_m2
        m_base = m0 - j_m * float(ratios[-1])**2 / r2
        w_in = ratios[:, None] * grid[None, :] / vm.radius_m
        j_in = j_m + np.where(w_in < self._slip_w, 0.0, self.inertia)
        m_gear = m_base + j_in * (ratios**2)[:, None] / r2
        acc = np.minimum((f - road) / m_gear, (grip - road) / m0)
        gear = np.maximum.accumulate(np.argmax(acc, axis=0))
        a = acc[gear, np.arange(n)]
        up = np.flatnonzero(np.diff(gear) > 0) + 1
        extra = _shift_delays(self.shift_time_s, road, m0, a, up)
        return m0 * a, np.full(n, m0), extra, tuple(float(grid[i]) for i in up)

    def limit_at(self, speed: float, grade: float) -> str:
        vm = self.vm
        road, _ = vm.road_load_parts(speed, grade)
        grip = float(vm.grip_force_n(road, grade))
        f_max = float(vm.propulsion_force_max(speed, grade, road))
        return "grip" if f_max >= grip * (1 - 1e-6) else "powertrain"


class _Icev:
    """Full-throttle force of a combustion car over its gears (eq. 5-7)."""

    def __init__(self, vm: IcevModel, shift_time_s: float | None, inertia: float | None):
        self.vm = vm
        tr, es = vm.transmission, vm.engine_spec
        t_s = SHIFT_TIME_S[tr.kind] if shift_time_s is None else shift_time_s
        j_e = engine_inertia_kg_m2(es.displacement_m3) if inertia is None else inertia
        self.shift_time_s = _shift_time(t_s)
        self.inertia = _engine_inertia(j_e)
        self.ratios, self.eta = tr.overall_ratios, tr.efficiencies
        r = vm.radius_m
        self.mass_locked = vm.mass_effective_kg + self.inertia * self.ratios**2 / r**2
        if tr.kind == "automatic":
            # the open converter's turbine torque depends on the turbine speed only, whatever
            # the gear: tabulated once (spacing about 0.2 rad/s) and interpolated
            self._w_table = np.linspace(0.0, es.speed_max_rad_s, 4001)
            self._t_table, below = self._converter_turbine_torque(self._w_table)
            past = np.flatnonzero(~below)
            self._w_coupling = float(self._w_table[past[0]]) if past.size else np.inf

    def _torque_net(self, w):
        """T_net of eq. (5) [N*m]: full load less auxiliaries and transmission drag."""
        vm = self.vm
        t0, cv = vm.transmission.drag
        w = np.maximum(w, 1e-9)
        return full_load_input_torque_nm(vm.engine.torque_max_nm(w), w, vm.aux_mech_power_w,
                                         t0, cv)

    def _converter_turbine_torque(self, w_t):
        """Turbine torque of the open converter at full throttle, eq. (3)-(4) of
        :mod:`edrive.components.transmission` with T_p = T_net(omega_p) [N*m], and whether the
        speed ratio is below the coupling point (there K = K_0, so the pump speed is the stall
        speed whatever the turbine speed). The converter's equations are the cycle's
        (``converter_pump_torque_nm``, ``converter_torque_ratio``); only the pump speed is
        found here, by bisection, as the engine's torque depends on it."""
        tr, es = self.vm.transmission, self.vm.engine_spec
        k0, tr0 = tr.converter_k_stall, tr.converter_torque_ratio_stall
        src = tr.converter_coupling_speed_ratio
        w_max = es.speed_max_rad_s

        lo = np.maximum(w_t, es.speed_idle_rad_s)
        hi = np.full_like(w_t, w_max)
        for _ in range(60):  # T_net - T_p falls with omega_p from >= 0 at SR = 1
            mid = 0.5 * (lo + hi)
            above = self._torque_net(mid) > converter_pump_torque_nm(mid, w_t, k0, src)
            lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
        wp = 0.5 * (lo + hi)
        sr = converter_speed_ratio(w_t, wp)
        tp = converter_pump_torque_nm(wp, w_t, k0, src)
        tp = np.minimum(tp, np.maximum(self._torque_net(wp), 0.0))  # rev limiter / stall
        ratio = converter_torque_ratio(sr, tr0, src)
        return np.where(w_t < w_max, ratio * tp, 0.0), sr < src

    def gear_forces(self, speed_m_s):
        """Engine-limited wheel force per gear [N], shape (2, n_gears, *speed.shape): index 0
        with the converter or clutch slipping (zero where that state does not apply), index 1
        with it closed (zero below idle and above the maximum engine speed); and, shape
        (n_gears, *speed.shape), whether the slipping engine is held at a constant speed
        (converter below its coupling point, clutch below the launch speed), so that its
        inertia is not accelerated with the car."""
        vm = self.vm
        tr, es = vm.transmission, vm.engine_spec
        v = np.asarray(speed_m_s, dtype=float)
        idle, w_max = es.speed_idle_rad_s, es.speed_max_rad_s
        slip, lock, held = [], [], []
        for g, eta in zip(self.ratios, self.eta, strict=True):
            w_t = v / vm.radius_m * g
            ok = (w_t >= idle * (1 - 1e-12)) & (w_t <= w_max * (1 + 1e-12))
            t_lock = np.where(ok, np.maximum(self._torque_net(w_t), 0.0), 0.0)
            if tr.kind == "automatic":
                t_slip = np.where(w_t < w_max, np.interp(w_t, self._w_table, self._t_table), 0.0)
                constant = w_t < self._w_coupling
            else:
                w_launch = max(tr.launch_speed, idle)
                constant = w_t < w_launch
                t_slip = np.where(constant,
                                  np.maximum(self._torque_net(np.full_like(w_t, w_launch)), 0.0),
                                  0.0)
            slip.append(t_slip * g * eta / vm.radius_m)
            lock.append(t_lock * g * eta / vm.radius_m)
            held.append(constant)
        return np.array([slip, lock]), np.array(held)

    def excess(self, speed_m_s, grade=0.0):
        """max over gears of min(F_k, grip) - R [N]."""
        vm = self.vm
        v, grade = np.broadcast_arrays(np.asarray(speed_m_s, float), np.asarray(grade, float))
        road, climb = vm.road_load_parts(v, grade)
        grip = np.maximum(vm.grip_force_n(road, grade), 0.0)
        f = self.gear_forces(v)[0].max(axis=(0, 1))
        return np.minimum(f, grip) - (road + climb)

    def moves(self, speed_m_s, grade=0.0, slack_n=0.0):
        return self.excess(speed_m_s, grade) > -slack_n

    def speed_cap(self) -> tuple[float, str]:
        vm = self.vm
        v_engine = vm.engine_spec.speed_max_rad_s * vm.radius_m / float(self.ratios[-1])
        v_limit = vm.spec.speed_limit_m_s
        if v_limit is not None and v_limit <= v_engine:
            return float(v_limit), "speed_limit"
        return float(v_engine), "engine_speed"

    def run(self, grid):
        """(m_eff a [N], m_eff [kg], shift time per interval [s], upshift speeds [m/s]) along a
        rising speed grid, eq. (5)-(7): in each gear the state (slipping or closed) of the
        larger acceleration, the gear of the largest acceleration (the lower one where grip
        bounds several), never going down; eq. (7) at each upshift."""
        vm = self.vm
        m0 = vm.mass_effective_kg
        road, _ = vm.road_load_parts(grid, 0.0)
        grip = np.maximum(vm.grip_force_n(road, 0.0), 0.0)
        f, held = self.gear_forces(grid)                          # (state, gear, speed)
        j_ref = np.broadcast_to((self.mass_locked - m0)[:, None], held.shape)
        m_engine = m0 + np.stack([np.where(held, 0.0, j_ref), j_ref])
        acc = np.minimum((f - road) / m_engine, (grip - road) / m0).max(axis=0)
        gear = np.maximum.accumulate(np.argmax(acc, axis=0))
        a = acc[gear, np.arange(len(grid))]
        up = np.flatnonzero(np.diff(gear) > 0) + 1  # first grid point in the new gear
        extra = _shift_delays(self.shift_time_s, road, m0, a, up)
        return m0 * a, np.full(len(grid), m0), extra, tuple(float(grid[i]) for i in up)

    def limit_at(self, speed: float, grade: float) -> str:
        vm = self.vm
        road, _ = vm.road_load_parts(speed, grade)
        grip = float(vm.grip_force_n(road, grade))
        f = float(self.gear_forces(np.asarray(float(speed)))[0].max())
        return "grip" if grip <= f else "engine"


TOP_SPEED_SCAN_M_S = 0.05
"""Spacing of the scan for the first speed the car cannot pass [m/s] (the run grid's
``speed_step_m_s`` where that is coarser)."""


def _top_speed(pwt, step: float = SPEED_STEP_M_S) -> tuple[float, str]:
    """Top speed [m/s] on a level road and what sets it."""
    v_cap, cap_by = pwt.speed_cap()
    spacing = max(TOP_SPEED_SCAN_M_S, step)
    grid = np.linspace(0.0, v_cap, max(int(np.ceil(v_cap / spacing)), 2) + 1)
    stuck = np.flatnonzero(~pwt.moves(grid))
    if stuck.size == 0:
        return float(v_cap), cap_by
    k = int(stuck[0])
    if k == 0:
        return 0.0, "power"  # cannot move off on a level road
    lo, hi = _narrow(pwt.moves, float(grid[k - 1]), float(grid[k]))
    return 0.5 * (lo + hi), "power"


NARROW_POINTS = 31
"""Points inside the bracket at which :func:`_narrow` evaluates a function per pass."""
NARROW_PASSES = 10
"""Most passes of :func:`_narrow`: each divides the bracket by NARROW_POINTS + 1 = 32, so ten
narrow it by 2^-50, as fifty halvings would."""
NARROW_WIDTH = 1e-10
"""Width at which :func:`_narrow` stops [m/s for a speed, rad for a grade angle]."""


def _narrow(holds, lo: float, hi: float) -> tuple[float, float]:
    """The bracket [lo, hi] of the first point where ``holds`` (an array predicate, e.g.
    whether the car still moves) turns from true (at ``lo``) to false (at ``hi``), narrowed
    to ``NARROW_WIDTH`` or 2^-50 of its width, whichever is wider: in each pass ``holds`` is
    evaluated at ``NARROW_POINTS`` evenly spaced inner points at once (one array call) and
    the bracket becomes the interval before the first inner point where it is false."""
    for _ in range(NARROW_PASSES):
        if hi - lo <= NARROW_WIDTH:
            break
        x = np.linspace(lo, hi, NARROW_POINTS + 2)
        down = np.flatnonzero(~np.asarray(holds(x[1:-1]), dtype=bool))
        k = int(down[0]) + 1 if down.size else NARROW_POINTS + 1
        lo, hi = float(x[k - 1]), float(x[k])
    return lo, hi


def _run_times(pwt, v_top: float, notes: dict,
               step: float = SPEED_STEP_M_S) -> tuple[dict, tuple[float, ...]]:
    """Elapsed times of the standard runs by eq. (2) and (6) [s] (None where not reachable),
    and the upshift speeds on the way [m/s]."""
    v_end = max(b for _, b in _RUNS.values())
    v_hi = min(v_end, v_top)
    marks = sorted({0.0, v_hi, *(x for run in _RUNS.values() for x in run if x <= v_hi)})
    pieces = [np.linspace(a, b, max(int(np.ceil((b - a) / step)), 1) + 1)
              for a, b in itertools.pairwise(marks)]
    grid = np.unique(np.concatenate(pieces)) if pieces else np.array([0.0])
    g, m_eff, extra, upshifts = pwt.run(grid)
    g0, g1, dv = g[:-1], g[1:], np.diff(grid)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = g1 / g0
        log_mean = np.where(np.abs(ratio - 1.0) < 1e-6, 2.0 / (g0 + g1),
                            np.log(np.abs(ratio)) / (g1 - g0))
    dt = 0.5 * (m_eff[:-1] + m_eff[1:]) * dv * log_mean + extra
    t_cum = np.concatenate([[0.0], np.cumsum(dt)])
    x_cum = np.concatenate([[0.0], np.cumsum(0.5 * (grid[:-1] + grid[1:]) * dt)])
    ok = g > 0.0
    drawn, left = pwt.charge_as(grid, dt) if isinstance(pwt, _Bev) else (None, None)
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
        if drawn is not None and drawn[j] - drawn[i] > left:
            empty = i + int(np.argmax(drawn[i:j + 1] - drawn[i] > left))
            notes[name] = (f"the battery is empty (soc_min) at {grid[empty] / KMH_M_S:.1f} "
                           "km/h on the way")
            out[name] = None
            continue
        out[name] = float(t_cum[j] - t_cum[i])
    out["accel_0_60_mph_rollout_s"] = None
    if out["accel_0_60_mph_s"] is not None:
        j = int(np.argmin(np.abs(grid - _RUNS["accel_0_60_mph_s"][1])))
        t_x0 = float(np.interp(ROLLOUT_M, x_cum[:j + 1], t_cum[:j + 1]))
        out["accel_0_60_mph_rollout_s"] = out["accel_0_60_mph_s"] - t_x0
    return out, tuple(v for v in upshifts if v <= v_hi)


def _max_grades(pwt, speeds, v_top: float, notes: dict):
    """Largest grade held at each speed, eq. (3), and what limits it."""
    if not speeds:
        return (), ()
    mass_kg = pwt.vm.mass_kg
    v = np.asarray(speeds, dtype=float)
    theta_hi = math.atan(GRADE_MAX)
    thetas = np.linspace(0.0, theta_hi, 161)
    tt, vv = np.meshgrid(thetas, v, indexing="ij")
    climbs = pwt.moves(vv, np.tan(tt))  # shape (n_theta, n_speed)
    holds = pwt.moves(v, 0.0, slack_n=1e-6 * (1 + mass_kg))  # the speed on a level road
    grades: list[float | None] = []
    limits: list[str | None] = []
    for k, speed in enumerate(speeds):
        label = f"max_grade at {_speed_label(speed)}"
        if speed > v_top * (1 + 1e-9) + 1e-9 or not holds[k]:
            what = "move off" if speed == 0 else f"hold {speed / KMH_M_S:.1f} km/h"
            notes[label] = (f"cannot {what} on a level road (top speed "
                            f"{v_top / KMH_M_S:.1f} km/h)")
            grades.append(None)
            limits.append(None)
            continue
        neg = np.flatnonzero(~climbs[:, k])
        neg = neg[neg > 0]
        if neg.size == 0:
            notes[label] = f"at least {100 * GRADE_MAX:.0f} % (largest grade searched)"
            theta = theta_hi
        else:
            theta, _ = _narrow(lambda t, v=speed: pwt.moves(v, np.tan(t)),
                               float(thetas[neg[0] - 1]), float(thetas[neg[0]]))
        grades.append(math.tan(theta))
        limits.append(pwt.limit_at(speed, math.tan(theta)))
    return tuple(grades), tuple(limits)


__all__ = [
    "GRADE_MAX",
    "ROLLOUT_M",
    "SHIFT_TIME_S",
    "SPEED_STEP_MAX_M_S",
    "SPEED_STEP_MIN_M_S",
    "SPEED_STEP_M_S",
    "PerformanceResult",
    "bev_full_throttle",
    "check_grid",
    "engine_inertia_kg_m2",
    "full_throttle_runs",
    "hev_full_throttle",
    "icev_full_throttle",
]
