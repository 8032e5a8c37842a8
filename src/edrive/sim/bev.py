"""Battery-electric vehicle over a drive cycle.

Backward-facing quasi-static model with a forward check (the usual structure of FASTSim and
ADVISOR; Wipke et al., "ADVISOR 2.1", IEEE TVT 48(6), 1999). Each interval between two trace
samples is driven at constant acceleration a = (v1 - v0) / dt; forces are taken at the mean
speed v = (v0 + v1) / 2, so that the inertia work m_eff a v dt equals the change of kinetic
energy exactly and the energy audit closes by construction of the bookkeeping, not by
accident of the time step:

    F_wheel = m_eff a + f0 cos(theta) + f1 v + f2 v^2 + m g sin(theta)

Where the powertrain cannot supply F_wheel (motor envelope, tyre grip, battery power), the
vehicle accelerates as hard as it can and rejoins the trace when it can: the achieved speed
is found step by step, and every shortfall is reported.

Braking: the share given by the regenerative blend (speed-dependent, limited by the motor's
generating envelope and the battery's charge power) goes to the motors, the rest to the
friction brakes. The battery follows the Rint model of :mod:`edrive.components.battery`.

The battery's usable window (eq. 3 of :mod:`edrive.components.battery`). The cycle is first
driven with the battery's discharge power limit at the initial SOC. Where the SOC would then
leave [soc_min, soc_max], the cycle is driven again from that interval, one interval at a
time, each with the terminal power the window allows at its SOC: regeneration is cut back
at the top; at the bottom the drive units get only what the battery can still give after
the auxiliaries, so the car falls behind the trace (coasting, once the usable energy is
spent), regeneration still charges, the drive units switch off where they cannot be
powered and the auxiliaries get what is left. ``summary["battery_empty_at_s"]`` is when the
SOC first reaches ``soc_min``. A car standing still with an empty battery stays where it is
(until a slope would roll it), so the rest of the cycle costs nothing to drive.

Two codes drive the cycle, and ``Result.route`` says which one did:

* ``"compiled_bev"``: the compiled loop of :mod:`edrive.sim.batch_kernel` run for this one
  car with its time series recorded, the same loop that :func:`edrive.simulate_many` runs
  for N variants: every car with one or two drive units (the torque split of
  :mod:`edrive.sim.powertrain`), each with a single-speed or two-speed gear (the gear of
  least DC power, ``DriveUnit.operate``) and any loss map (the generic model, a measured
  map, a physics-based drive unit's), following the trace as closely as it can (the search
  of :func:`edrive.sim.core.follow_trace`, interval by interval), with a battery that stays
  above the bottom of its window;
* ``"numpy:<reason>"``: the whole-cycle numpy code of this module, for the cars the loop
  leaves on the way: ``battery empty`` (the window's bottom, above) and ``battery power
  limit`` (a power above what the battery gives, left by the search only by rounding).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..arguments import soc_in_window
from ..components.battery import SOC_TOLERANCE, shed_auxiliaries_w, within_power
from ..constants import WH_J
from ..cycles import DriveCycle, load_cycle
from ..report.text import Report
from ..vehicle import VehicleSpec, load_vehicle
from . import powertrain as pt
from .batch_kernel import OUT_NAMES, REC_NAMES, UNIT_REC_NAMES
from .bev_loop import ROUTE, run_one
from .core import (
    Intervals,
    check_trace_option,
    follow_trace,
    intervals,
    largest_feasible_speed,
    raise_if_missed,
    series_head,
    trace_misses,
)

AUDIT_TOLERANCE = 1e-3


@dataclass
class Result:
    """Outcome of one simulation: a summary (SI units) and the time series.

    ``timeseries`` has one row per trace sample; row k > 0 holds the powers and losses of
    the interval from sample k-1 to k, row 0 the initial state.
    """

    vehicle: str
    cycle: str
    summary: dict
    series: dict = field(repr=False)
    trace_misses: list = field(default_factory=list, repr=False)
    #: how it was computed: ``"compiled_bev"`` (the compiled loop of
    #: :mod:`edrive.sim.batch_kernel`), ``"numpy:<reason>"`` (the numpy code, and why)
    route: str = field(default="", repr=False)

    @property
    def timeseries(self):
        """The time series as a pandas DataFrame (unit-suffixed columns)."""
        import pandas as pd

        return pd.DataFrame(self.series)

    def to_dataframe(self):
        """The time series as a pandas DataFrame (unit-suffixed columns)."""
        return self.timeseries

    def summary_frame(self):
        """The summary as a one-row DataFrame (energies by component flattened)."""
        import pandas as pd

        flat = {k: v for k, v in self.summary.items() if k != "energy_j"}
        flat |= {f"energy_{k}": v for k, v in self.summary["energy_j"].items()}
        return pd.DataFrame([{"vehicle": self.vehicle, "cycle": self.cycle, **flat}])

    def _head(self) -> dict:
        """Vehicle, cycle and distance: the first report entries of every powertrain."""
        return {"vehicle": self.vehicle, "cycle": self.cycle,
                "distance_km": self.summary["distance_m"] / 1e3}

    def _fuel(self) -> dict:
        """Fuel and CO2 report entries (conventional cars and hybrids)."""
        s = self.summary
        return {k: s[k] for k in ("fuel_l_per_100km", "co2_g_per_km", "mpg_us", "fuel_l")}

    def _trace_and_audit(self) -> dict:
        """The report entries every powertrain shares: trace following, the energy audit
        and the energy by component (kWh)."""
        s = self.summary
        return {
            "trace_missed_s": s["trace_missed_s"],
            "trace_max_shortfall_kmh": s["trace_max_shortfall_m_s"] * 3.6,
            "trace_misses": [{"start_s": a, "end_s": b, "max_shortfall_kmh": w * 3.6}
                             for a, b, w in self.trace_misses],
            "energy_audit_residual": s["audit_residual"],
            "losses_kwh": {k.removesuffix("_j"): v / 3.6e6 for k, v in s["energy_j"].items()},
        }

    def report(self) -> Report:
        """Summary in the units people read (km, Wh/km, kWh); ``print()`` shows it as
        ``name  value`` lines."""
        s = self.summary
        return Report(self._head() | {
            "battery_wh_per_km": s["battery_wh_per_km"],
            "wall_wh_per_km": s["wall_wh_per_km"],
            "battery_kwh": s["battery_energy_j"] / 3.6e6,
            "wall_kwh": s["wall_energy_j"] / 3.6e6,
            "recovered_kwh": s["regen_energy_j"] / 3.6e6,
            "soc_start": s["soc_start"],
            "soc_end": s["soc_end"],
            "battery_empty_at_s": s["battery_empty_at_s"],
        } | self._trace_and_audit())


def simulate(vehicle, cycle, *, soc_initial: float | None = None,
             trace_miss: str = "allow") -> Result:
    """Drive ``vehicle`` over ``cycle``.

    Parameters
    ----------
    vehicle : VehicleSpec or str or Path
        A spec, a bundled vehicle name or a YAML path.
    cycle : DriveCycle or str or Path
        A cycle, a bundled cycle name or a CSV path.
    soc_initial : float, optional
        Battery state of charge at the start [-]; defaults to the spec's, else its maximum.
    trace_miss : {"allow", "error"}
        What to do where the vehicle cannot follow the trace within 2 mph: ``"allow"`` follows
        as closely as possible and reports it in ``summary["trace_missed_s"]``; ``"error"``
        raises :class:`~edrive.errors.TraceMissError` naming where and by how much.
    """
    spec: VehicleSpec = load_vehicle(vehicle)
    cyc: DriveCycle = load_cycle(cycle)
    check_trace_option(trace_miss)
    vm = spec.model()
    bat = vm.battery
    soc0 = (bat.soc_initial if soc_initial is None
            else soc_in_window(soc_initial, "soc_initial", bat.soc_min, bat.soc_max))

    t = cyc.time_s
    dt = np.diff(t)
    run = run_one(spec, cyc, soc0)
    if isinstance(run, str):
        route = f"numpy:{run}"
        v_ach, iv, drive, current, soc, ocv, soc_end = _numpy_run(vm, cyc, soc0)
    else:
        route = ROUTE
        v_ach, iv, drive, current, soc, ocv, soc_end = _recorded(vm, cyc, *run)
    v = iv.speed_m_s
    f_road, f_grade, f_inertia = iv.road_n, iv.grade_n, iv.inertia_n
    units, forces, p_bat = drive.units, drive.forces, drive.battery_w
    p_dc_units = [u[3] for u in units]
    p_chem = ocv * current
    p_bat_loss = current * current * bat.resistance_ohm

    # losses by component
    motor_torques = [(tm, w) for tm, w, _, _ in units]
    motor_loss = sum(u[2] for u in units)
    gear_loss = sum(tm * w - f * v for (tm, w, _, _), f in zip(units, forces, strict=True))

    e = lambda p: float(np.sum(p * dt))
    energy = {
        "kinetic_j": e(f_inertia * v),
        "road_load_j": e(f_road * v),
        "grade_j": e(f_grade * v),
        "friction_brakes_j": e(-drive.friction_n * v),
        "gear_loss_j": e(gear_loss),
        "motor_inverter_loss_j": e(motor_loss),
        "aux_j": e(drive.aux_w),
        "battery_loss_j": e(p_bat_loss),
    }
    e_chem = e(p_chem)
    residual = e_chem - sum(energy.values())
    scale = max(e(np.abs(p_chem)), 1.0)
    audit = residual / scale

    e_bat = e(p_bat)
    charge_eff = bat.charge_efficiency(vm.spec.charger.efficiency * vm.spec.charger.power_w)
    e_wall = e_chem / (charge_eff * vm.spec.charger.efficiency) if e_chem > 0 else e_chem
    dist = float(np.sum(v * dt))

    shortfall, missed, misses = trace_misses(t, cyc.speed_m_s, v_ach)
    raise_if_missed(misses, trace_miss, spec.name, cyc.name)

    soc_series = np.concatenate([[soc0], soc[1:], [soc_end]])
    km = dist / 1e3 if dist > 0 else np.nan
    summary = {
        "distance_m": dist,
        "duration_s": cyc.duration_s,
        "battery_energy_j": e_bat,
        "battery_chemical_energy_j": e_chem,
        "wall_energy_j": e_wall,
        "battery_wh_per_km": e_bat / WH_J / km,
        "wall_wh_per_km": e_wall / WH_J / km,
        "regen_energy_j": e(np.maximum(-sum(p_dc_units), 0.0)),
        "soc_start": soc0,
        "soc_end": soc_end,
        "battery_empty_at_s": _empty_at_s(t, soc_series, bat.soc_min),
        "trace_missed_s": float(np.sum(dt[missed])),
        "trace_max_shortfall_m_s": float(max(shortfall.max(), 0.0)),
        "energy_j": energy,
        "audit_residual": audit,
    }
    if abs(audit) > AUDIT_TOLERANCE:  # pragma: no cover - a bookkeeping bug, never user input
        raise RuntimeError(f"energy audit does not close: residual {audit:.2e}")
    bat.check_window(soc_series, f"{spec.name} on {cyc.name}")

    pad = lambda a: np.concatenate([[0.0], a])
    series = series_head(cyc, v_ach, shortfall, iv, drive.friction_n)
    for k, (du, (tm, w)) in enumerate(zip(vm.drive_units, motor_torques, strict=True)):
        tag = du.spec.axle
        series[f"motor_{tag}_torque_nm"] = pad(tm)
        series[f"motor_{tag}_speed_rad_s"] = pad(w)
        series[f"motor_{tag}_dc_power_w"] = pad(p_dc_units[k])
    series |= {
        "motor_inverter_loss_w": pad(motor_loss),
        "gear_loss_w": pad(gear_loss),
        "battery_power_w": pad(p_bat),
        "battery_current_a": pad(current),
        "battery_voltage_v": pad(ocv - current * bat.resistance_ohm),
        "battery_loss_w": pad(p_bat_loss),
        "soc": soc_series,
    }
    return Result(spec.name, cyc.name, summary, series, misses, route)


def _recorded(vm, cyc, out, rec):
    """What :func:`simulate` reports, from the compiled loop's output row and recorded
    series (:func:`edrive.sim.bev_loop.run_one`); the auxiliaries get their power
    throughout."""
    col = dict(zip(REC_NAMES, rec, strict=True))
    dt = np.diff(cyc.time_s)
    v_ach = np.concatenate([[min(cyc.speed_m_s[0], vm.speed_max_m_s)], col["speed_end_m_s"]])
    v_start, v_end = v_ach[:-1], v_ach[1:]
    iv = Intervals(dt, 0.5 * (v_start + v_end), (v_end - v_start) / dt, col["road_n"],
                   col["grade_n"], col["inertia_n"], col["wheel_force_n"])
    units = [tuple(col[f"unit{k}_{name}"] for name in UNIT_REC_NAMES[1:])
             for k in range(len(vm.drive_units))]
    forces = [col[f"unit{k}_force_n"] for k in range(len(vm.drive_units))]
    drive = _Drive(forces, units, np.full(len(dt), vm.aux_power_w), col["battery_power_w"],
                   col["friction_n"])
    soc_end = float(out[OUT_NAMES.index("soc_end")])
    return v_ach, iv, drive, col["battery_current_a"], col["soc"], col["ocv_v"], soc_end


def _numpy_run(vm, cyc, soc0):
    """The cycle in numpy, for the cars the compiled loop leaves (battery empty, battery
    power limit): the trace followed as closely as the
    powertrain allows, and the battery's window (module docstring). Returns (achieved speeds, :class:`Intervals`, :class:`_Drive`,
    current, SOC and open-circuit voltage per interval, final SOC)."""
    bat = vm.battery
    t = cyc.time_s
    dt = np.diff(t)
    grade = 0.5 * (cyc.grade[1:] + cyc.grade[:-1])
    p_discharge = float(bat.power_discharge_limit_w(soc0))
    window = (np.full(len(dt), -bat.power_charge_max_w), np.full(len(dt), p_discharge))
    v_ach = follow_trace(
        vm, t, cyc.speed_m_s, grade,
        feasible=lambda f, v, g, r: pt.propulsion_feasible(vm, f, v, g, r, p_discharge))
    iv = intervals(vm, t, v_ach, grade)
    drive = _drive(vm, iv, *window)
    current, soc, ocv, soc_end = bat.run(drive.battery_w, dt, soc0)
    soc_after = np.append(soc[1:], soc_end)
    out = np.flatnonzero((soc_after < bat.soc_min) | (soc_after > bat.soc_max))
    if out.size:
        v_ach, window = _on_battery(vm, t, cyc.speed_m_s, grade, v_ach, drive, int(out[0]),
                                    float(soc[out[0]]), p_discharge)
        iv = intervals(vm, t, v_ach, grade)
        drive = _drive(vm, iv, *window)
        current, soc, ocv, soc_end = bat.run(drive.battery_w, dt, soc0)
    return v_ach, iv, drive, current, soc, ocv, soc_end


def _empty_at_s(t, soc, soc_min: float) -> float | None:
    """Time of the first sample at which the SOC is at ``soc_min`` (None if never)."""
    empty = np.flatnonzero(soc <= soc_min + SOC_TOLERANCE)
    return float(t[empty[0]]) if empty.size else None


@dataclass
class _Drive:
    """Per interval: the drive units' wheel forces and states (torque, speed, loss, DC
    power), what the auxiliaries get, the battery's terminal power and the friction brakes'
    force."""

    forces: list
    units: list
    aux_w: np.ndarray
    battery_w: np.ndarray
    friction_n: np.ndarray


def _drive(vm, iv, p_low, p_high) -> _Drive:
    """Drive units, auxiliaries and brakes over intervals of known kinematics, with the
    battery's terminal power held to [p_low, p_high] per interval: regeneration is cut back
    where the battery cannot take it; where it cannot give what the drive units and the
    auxiliaries draw, the units switch off (if they draw) and the auxiliaries get what is
    left. The brakes take whatever force the units do not give: when propelling, that happens
    only where the car stands (the brakes hold it, no work) or comes to rest within an
    interval (coasting, or stopped by a slope too steep to climb); there the
    constant-acceleration scheme books on the brakes the road load and grade work it
    overstates for the part of the interval the car stands."""
    v, f_wheel = iv.speed_m_s, iv.wheel_n
    braking = f_wheel < 0
    f_regen = np.where(braking, f_wheel * pt.regen_blend(vm, v), 0.0)
    f_regen = np.maximum(f_regen, -vm.spec.brakes.regen_deceleration_max_m_s2
                         * vm.mass_effective_kg)
    forces = pt.allocate(vm, np.where(braking, f_regen, f_wheel), v, braking=braking)
    units = _unit_states(vm, forces, v)
    aux = np.full_like(v, vm.aux_power_w)
    p_units = sum(u[3] for u in units)
    cut = p_units + aux < p_low
    if cut.any():
        forces = _limit_charge(vm, forces, v, cut, p_low)
        units = _unit_states(vm, forces, v)
        p_units = sum(u[3] for u in units)
    short = ~within_power(p_units + aux, p_high)
    off = short & (p_units > 0)
    if short.any():
        forces = [np.where(off, 0.0, f) for f in forces]
        units = [(np.where(off, 0.0, tm), w, np.where(off, 0.0, loss), np.where(off, 0.0, p))
                 for tm, w, loss, p in units]
        p_units = sum(u[3] for u in units)
        aux = np.where(short, shed_auxiliaries_w(p_units + aux, aux, p_high) - p_units, aux)
    f_units = sum(forces)
    held = f_units < f_wheel - 1e-6 * (1 + np.abs(f_wheel))
    friction = np.where(braking | off | held, f_wheel - f_units, 0.0)
    return _Drive(forces, units, aux, p_units + aux, friction)


def _on_battery(vm, t, v_target, grade, v_plan, plan: _Drive, k0: int, soc: float,
                p_discharge: float):
    """The cycle from interval ``k0`` on, one interval at a time, with the battery's window
    at each interval's SOC (module docstring). ``v_plan`` and ``plan`` are the first pass:
    an interval on it whose battery power fits the window is kept as it is. Returns the
    achieved speeds and the window, (lowest, highest) terminal power per interval."""
    bat = vm.battery
    dt = np.diff(t)
    n = len(dt)
    v_target = np.minimum(v_target, vm.speed_max_m_s)
    v_ach = v_plan.copy()
    p_low = np.full(n, -bat.power_charge_max_w)
    p_high = np.full(n, p_discharge)
    # where a car standing still would roll (rolling resistance less than the downhill force)
    road0, climb0 = vm.road_load_parts(0.0 * dt, grade)
    rolls = np.append(np.flatnonzero(road0 + climb0 < 0), n)
    k = k0
    while k < n:
        end = int(rolls[np.searchsorted(rolls, k)])
        if v_ach[k] == 0.0 and soc <= bat.soc_min + SOC_TOLERANCE and end > k:
            v_ach[k + 1:end + 1] = 0.0  # empty and standing: it stays there
            p_high[k:end] = 0.0
            k = end
            continue
        lo, hi = bat.power_window_w(soc, dt[k], p_discharge)
        p_low[k], p_high[k] = lo, hi
        p = plan.battery_w[k]
        if v_ach[k] == v_plan[k] and lo <= p and within_power(p, hi):
            v_ach[k + 1] = v_plan[k + 1]
        elif v_ach[k] == v_plan[k] and p < lo:  # regeneration cut back to what fits
            v_ach[k + 1] = v_plan[k + 1]
            p = lo
        else:
            v_ach[k + 1] = largest_feasible_speed(
                vm, v_ach[k], v_target[k + 1], dt[k], grade[k],
                lambda f, v, g, r, hi=hi: pt.propulsion_feasible(vm, f, v, g, r, hi))
            one = intervals(vm, t[k:k + 2], v_ach[k:k + 2], grade[k:k + 1])
            p = float(_drive(vm, one, p_low[k:k + 1], p_high[k:k + 1]).battery_w[0])
        soc -= float(bat.current_a(p, soc)) * dt[k] / bat.capacity_as
        k += 1
    return v_ach, (p_low, p_high)


def _unit_states(vm, forces, v):
    """Per drive unit: motor torque [N*m], speed [rad/s], loss [W] and DC power [W]."""
    return [du.operate(f, v, vm.radius_m) for du, f in zip(vm.drive_units, forces, strict=True)]


def _limit_charge(vm, forces, v, over, p_low):
    """Scale regeneration down where the battery's terminal power (with the auxiliaries)
    would fall below ``p_low`` (per interval), by bisection on the share kept."""
    idx = np.flatnonzero(over)
    sub_v = v[idx]
    floor = p_low[idx]
    base = [f[idx] for f in forces]
    lo, hi = np.zeros(len(idx)), np.ones(len(idx))
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        p = pt.dc_power_total(vm, [b * mid for b in base], sub_v) + vm.aux_power_w
        ok = p >= floor
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
    forces = [f.copy() for f in forces]
    for f, b in zip(forces, base, strict=True):
        f[idx] = b * lo
    return forces
