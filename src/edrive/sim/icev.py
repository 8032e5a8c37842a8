"""Conventional (petrol or diesel) vehicle over a drive cycle.

The same interval scheme as :mod:`edrive.sim.bev`: each interval is driven at constant
acceleration with forces at the mean speed, so the wheel work equals the change of kinetic
energy plus road load and grade exactly. Where the engine cannot supply the force (full-load
torque in the best gear, grip) the car follows as closely as it can (:mod:`edrive.sim.core`).

Powertrain, per interval:

* the gear comes from the economy shift strategy of :mod:`edrive.components.transmission`
  (least fuel among the gears with a torque reserve, ties going to the lowest engine speed,
  with a dwell against hunting), or, with ``shift_strategy: driver``, from a driver's fixed
  shift speeds (``driver_shift`` there, for manual cars), or from the WLTP gearshift
  procedure (``wltp``);
* the transmission gives engine speed, torque and its own loss (torque converter or launch
  clutch slip at low speed);
* the parts turning at the gearbox input speed (engine, flywheel or converter, gearbox
  input; ``input_inertia_kg_m2``) add J_in (G_k / r)^2 a to the wheel force in gear k
  (eq. 6 of :mod:`edrive.components.transmission`), so accelerating in a low gear costs
  more, and the shift strategy sees it; while the converter or launch clutch slips only
  their gearbox-side share does (eq. 6a), and the engine side takes the torque of its own
  speed change at the speed the converter or clutch sets (eq. 6b);
* the engine also drives the auxiliaries through the alternator: P_aux / eta_alt;
* when braking in gear the engine takes at most its motoring torque (fuel cut-off above the
  cut-off speed), the friction brakes the rest; a lighter overrun is given by the fired
  engine at part throttle (eq. 1b of :mod:`edrive.components.engine`); when declutched it
  idles;
* fuel from the Willans-line engine model; with stop-start the engine is off at standstill
  (the auxiliaries then run from the 12 V battery, not counted).

Energy audit (mechanical): engine work = change of kinetic energy + road load + grade +
driveline inertia + friction brakes + transmission loss + auxiliaries, closed by the
transmission's power balance (the driveline-inertia term sums F_J v and T_J,e omega_e: the
energy the input inertia takes while accelerating, less what it returns in the same gear;
what is left is released at the shifts). Not modelled yet: the cold start (FTP-75 bag 1,
WLTC low phase), and shift transients.
"""

from __future__ import annotations

import numpy as np

from ..components.transmission import (
    INPUT_INERTIA_GEARBOX_SHARE,
    driver_shift,
    economy_shift,
    engine_side,
    engine_spin_torque_nm,
    gear_inertia_force_n,
)
from ..constants import MILE_M
from ..errors import EdriveError
from ..report.text import Report
from .bev import Result
from .core import (
    check_trace_option,
    follow_trace,
    intervals,
    raise_if_missed,
    series_head,
    trace_misses,
)

US_GALLON_L = 3.785411784  # 231 cubic inches (exact)


class IcevResult(Result):
    """Result of a conventional vehicle: fuel and CO2 instead of battery energy."""

    def report(self) -> Report:
        s = self.summary
        return Report(self._head() | self._fuel() | {
            "engine_efficiency": s["engine_efficiency"],
            "gear_shifts": s["gear_shifts"],
        } | self._trace_and_audit())


def _wltp_gears(spec, cyc, v_ach):
    """Gear per interval by the WLTP gearshift procedure on the achieved speed (the gear of
    the sample that ends the interval; neutral is first gear, which decouples at standstill
    and while braking below the launch speed)."""
    from ..cycles import DriveCycle
    from ..procedures.wltp_gearshift import wltp_gears_for

    if not np.allclose(np.diff(cyc.time_s), 1.0):
        raise EdriveError(f"shift_strategy 'wltp' needs a trace sampled every second; "
                          f"{cyc.name} is not")
    driven = DriveCycle(cyc.name, cyc.time_s, v_ach, cyc.grade)
    return np.maximum(wltp_gears_for(spec, driven)[1:], 0)


def simulate_icev(spec, cyc, *, trace_miss: str = "allow") -> IcevResult:
    """Drive a conventional vehicle (an :class:`~edrive.vehicle.IcevSpec`) over a cycle."""
    check_trace_option(trace_miss)
    vm = spec.model()
    eng, es, tr = vm.engine, vm.engine_spec, vm.transmission
    r = vm.radius_m
    t = cyc.time_s
    dt = np.diff(t)
    grade = 0.5 * (cyc.grade[1:] + cyc.grade[:-1])
    v_ach = follow_trace(
        vm, t, cyc.speed_m_s, grade,
        feasible=lambda f, v, g, rl: f <= vm.propulsion_force_max(v, g, rl) * (1 + 1e-9) + 1e-6)
    iv = intervals(vm, t, v_ach, grade)
    v = iv.speed_m_s
    f_road, f_grade, f_inertia, f_wheel = iv.road_n, iv.grade_n, iv.inertia_n, iv.wheel_n

    idle, w_max = es.speed_idle_rad_s, es.speed_max_rad_s
    p_aux = vm.aux_mech_power_w
    if spec.shift_strategy == "wltp":
        gear = _wltp_gears(spec, cyc, v_ach)
    elif spec.shift_strategy == "driver":
        gear = driver_shift(tr, v, f_wheel, r, eng.torque_max_nm, idle, w_max,
                            input_inertia_kg_m2=vm.input_inertia_kg_m2,
                            acceleration_m_s2=iv.acceleration_m_s2)
    else:
        gear = economy_shift(
            tr, v, f_wheel, r, eng.torque_max_nm, idle, w_max,
            # least fuel; among gears with the same fuel (e.g. all cut off while coasting)
            # the lowest engine speed, by a tie-break far below any real fuel difference
            fuel_fn=lambda tq, w: eng.fuel_rate_kg_s(tq + p_aux / np.maximum(w, 1.0), w)
            + 1e-9 * w,
            time_s=t[1:], min_hold_s=spec.shift_hold_s,
            input_inertia_kg_m2=vm.input_inertia_kg_m2,
            acceleration_m_s2=iv.acceleration_m_s2).gear_index
    w_wheel = v / r
    # the engine and transmission input inertia of the chosen gear, eq. (6) of transmission
    f_spin = gear_inertia_force_n(tr, gear, r, vm.input_inertia_kg_m2, iv.acceleration_m_s2,
                                  w_wheel, idle)
    f_wheel = f_wheel + f_spin
    side = engine_side(tr, f_wheel * r, w_wheel, gear, idle)
    w_e = side.speed_rad_s
    # the engine side of a slipping converter or clutch: its own speed change, eq. (6b)
    j_e = (1.0 - INPUT_INERTIA_GEARBOX_SHARE[tr.kind]) * vm.input_inertia_kg_m2
    t_mid = 0.5 * (t[1:] + t[:-1])
    both = np.zeros_like(side.slipping)
    both[1:] = side.slipping[1:] & side.slipping[:-1] & (gear[1:] == gear[:-1])
    t_spin = np.zeros_like(w_e)
    t_spin[1:] = engine_spin_torque_nm(j_e, w_e[1:], w_e[:-1], np.diff(t_mid), both[1:])
    t_aux = p_aux / np.maximum(w_e, 1e-9)
    # braking in gear: the engine absorbs at most its motoring torque, the brakes the rest
    t_floor = eng.torque_min_nm(w_e) - t_aux
    over = (side.torque_nm < t_floor) & ~side.slipping
    g_k = tr.overall_ratios[gear]
    eta_k = tr.efficiencies[gear]
    t0, cv = tr.drag
    drag = t0 + cv * w_e
    tw_engine = np.where(over, (t_floor - drag) * g_k / eta_k, f_wheel * r - side.brake_torque_nm)
    t_e = np.where(over, t_floor, side.torque_nm)
    loss_tr = t_e * w_e - tw_engine * w_wheel
    f_friction = f_wheel - tw_engine / r
    t_total = t_e + t_aux + t_spin

    stopped = (v_ach[1:] == 0) & (v_ach[:-1] == 0)
    engine_off = stopped & es.stop_start
    fuel_kg_s = np.where(engine_off, 0.0, eng.fuel_rate_kg_s(t_total, w_e))
    p_engine = np.where(engine_off, 0.0, t_total * w_e)
    aux_w = np.where(engine_off, 0.0, p_aux)

    e = lambda p: float(np.sum(p * dt))
    energy = {
        "kinetic_j": e(f_inertia * v),
        "driveline_inertia_j": e(f_spin * v + np.where(engine_off, 0.0, t_spin * w_e)),
        "road_load_j": e(f_road * v),
        "grade_j": e(f_grade * v),
        "friction_brakes_j": e(-f_friction * v),
        "transmission_loss_j": e(np.where(engine_off, 0.0, loss_tr)),
        "aux_j": e(aux_w),
    }
    e_engine = e(p_engine)
    # at standstill with the engine off the wheels neither take nor give power
    residual = e_engine - sum(energy.values())
    audit = residual / max(e(np.abs(p_engine)), 1.0)
    if abs(audit) > 1e-6:  # pragma: no cover - a bookkeeping bug, never user input
        raise RuntimeError(f"energy audit does not close: residual {audit:.2e}")

    fuel = eng.fuel
    fuel_kg = e(fuel_kg_s)
    fuel_l = fuel_kg / fuel.density_kg_m3 * 1e3
    dist = float(np.sum(v * dt))
    km = dist / 1e3 if dist > 0 else np.nan
    shortfall, missed, misses = trace_misses(t, cyc.speed_m_s, v_ach)
    raise_if_missed(misses, trace_miss, spec.name, cyc.name)
    summary = {
        "distance_m": dist,
        "duration_s": cyc.duration_s,
        "fuel_kg": fuel_kg,
        "fuel_l": fuel_l,
        "fuel_l_per_100km": fuel_l / km * 100,
        "co2_g_per_km": fuel_kg * fuel.co2_kg_per_kg * 1e3 / km,
        "mpg_us": (dist / MILE_M) / (fuel_l / US_GALLON_L) if fuel_l > 0 else np.inf,
        "fuel_energy_j": fuel_kg * fuel.lhv_j_kg,
        "engine_work_j": e_engine,
        "engine_efficiency": e_engine / max(fuel_kg * fuel.lhv_j_kg, 1e-9),
        "gear_shifts": int(np.count_nonzero(np.diff(gear))),
        "trace_missed_s": float(np.sum(dt[missed])),
        "trace_max_shortfall_m_s": float(max(shortfall.max(), 0.0)),
        "energy_j": energy,
        "audit_residual": audit,
    }
    pad = lambda a: np.concatenate([[0.0], np.asarray(a, dtype=float)])
    series = series_head(cyc, v_ach, shortfall, iv, f_friction) | {
        "gear": np.concatenate([[gear[0] + 1], gear + 1]),
        "engine_speed_rad_s": pad(np.where(engine_off, 0.0, w_e)),
        "engine_torque_nm": pad(np.where(engine_off, 0.0, t_total)),
        "transmission_loss_w": pad(np.where(engine_off, 0.0, loss_tr)),
        "fuel_rate_g_s": pad(fuel_kg_s * 1e3),
    }
    return IcevResult(spec.name, cyc.name, summary, series, misses)
