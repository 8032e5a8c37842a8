"""Conventional (petrol or diesel) vehicle over a drive cycle.

The same interval scheme as :mod:`edrive.sim.bev`: each interval is driven at constant
acceleration with forces at the mean speed, so the wheel work equals the change of kinetic
energy plus road load and grade exactly. Where the engine cannot supply the force (full-load
torque in the best gear, grip) the car follows as closely as it can (:mod:`edrive.sim.core`).

Powertrain, per interval:

* the gear comes from the economy shift strategy of :mod:`edrive.components.transmission`
  (least fuel among the gears with a torque reserve, ties going to the lowest engine speed,
  with a dwell against hunting), or, with ``shift_strategy: driver``, from a driver's fixed
  shift speeds (``driver_gear`` there, for manual cars), or from the WLTP gearshift
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
* fuel from the Willans-line engine model (or the engine's efficiency curve); with
  stop-start the engine is off at standstill (the auxiliaries then run from the 12 V
  battery, not counted).

One code drives the cycle: the compiled loop of :mod:`edrive.sim.batch_icev_kernel`, run for
this one car with the time series recorded, the same loop that :func:`edrive.simulate_many`
runs for N variants (``Result.route`` is ``"compiled_icev"``); it follows the trace as
:func:`edrive.sim.core.follow_trace` does.

Energy audit (mechanical): engine work = change of kinetic energy + road load + grade +
driveline inertia + friction brakes + transmission loss + auxiliaries, closed by the
transmission's power balance (the driveline-inertia term sums F_J v and T_J,e omega_e: the
energy the input inertia takes while accelerating, less what it returns in the same gear;
what is left is released at the shifts). Not modelled yet: the cold start (FTP-75 bag 1,
WLTC low phase), and shift transients.
"""

from __future__ import annotations

import numpy as np

from ..report.text import Report
from . import starter_generator
from .batch_icev import (
    ENERGY_NAMES,
    ROUTE,
    US_GALLON_L,
    achieved_speed,
    fuel_columns,
    run_one,
    summary_columns,
)
from .batch_icev_kernel import REC_NAMES
from .bev import Result
from .core import Intervals, check_trace_option, raise_if_missed, series_head, trace_misses

__all__ = ["ROUTE", "US_GALLON_L", "IcevResult", "simulate_icev"]


class IcevResult(Result):
    """Result of a conventional vehicle: fuel and CO2 instead of battery energy (a mild
    hybrid's starter-generator and battery figures too)."""

    def report(self) -> Report:
        s = self.summary
        sg = s.get("starter_generator")
        extra = {} if sg is None else {
            "fuel_l_per_100km_raw": s["fuel_l_per_100km_raw"],
            "regenerated_kwh": sg["regenerated_j"] / 3.6e6,
            "assist_kwh": sg["assist_j"] / 3.6e6,
            "aux_from_battery_kwh": sg["aux_from_battery_j"] / 3.6e6,
            "soc_end": sg["soc_end"]}
        return Report(self._head() | self._fuel() | extra | {
            "engine_efficiency": s["engine_efficiency"],
            "gear_shifts": s["gear_shifts"],
        } | self._trace_and_audit())


def simulate_icev(spec, cyc, *, trace_miss: str = "allow") -> IcevResult:
    """Drive a conventional vehicle (an :class:`~edrive.vehicle.IcevSpec`) over a cycle: the
    compiled loop with the time series recorded (:func:`edrive.sim.batch_icev.run_one`)."""
    check_trace_option(trace_miss)
    out, fuel, rec_rows = run_one(spec, cyc)
    rec = dict(zip(REC_NAMES, rec_rows, strict=True))
    t = cyc.time_s
    dt = np.diff(t)
    v_ach = achieved_speed(cyc, spec.model().speed_max_m_s, rec_rows)
    v_end = v_ach[1:]
    shortfall, _, misses = trace_misses(t, cyc.speed_m_s, v_ach)
    raise_if_missed(misses, trace_miss, spec.name, cyc.name)
    col = summary_columns(out[None, :], fuel[None, :], cyc.duration_s)
    summary = {k: v[0].item() for k, v in col.items()}
    summary["energy_j"] = {nm: summary.pop(f"energy_{nm}") for nm in ENERGY_NAMES}
    summary["audit_residual"] = summary.pop("audit_residual")
    if abs(summary["audit_residual"]) > 1e-6:  # pragma: no cover - a bookkeeping bug
        raise RuntimeError(f"energy audit does not close: residual "
                           f"{summary['audit_residual']:.2e}")
    iv = Intervals(dt, 0.5 * (v_ach[:-1] + v_end), (v_end - v_ach[:-1]) / dt, rec["road_n"],
                   rec["grade_n"], rec["inertia_n"], rec["wheel_n"])
    gear = rec["gear"].astype(int)
    mild = None
    if spec.starter_generator is not None:
        mild = starter_generator.apply(spec, spec.model(), dt, iv.speed_m_s, gear, rec)
        summary = _mild_hybrid_summary(summary, mild, dt, iv.speed_m_s,
                                       rec["engine_speed_rad_s"], fuel)
        rec = rec | {k: mild[k] for k in ("engine_torque_nm", "fuel_rate_kg_s", "friction_n",
                                          "transmission_loss_w")}
    pad = lambda a: np.concatenate([[0.0], a])
    series = series_head(cyc, v_ach, shortfall, iv, rec["friction_n"]) | {
        "gear": np.concatenate([[gear[0] + 1], gear + 1]),
        "engine_speed_rad_s": pad(rec["engine_speed_rad_s"]),
        "engine_torque_nm": pad(rec["engine_torque_nm"]),
        "transmission_loss_w": pad(rec["transmission_loss_w"]),
        "fuel_rate_g_s": pad(rec["fuel_rate_kg_s"] * 1e3),
    }
    if mild is not None:
        series |= {"starter_generator_torque_nm": pad(mild["starter_generator_torque_nm"]),
                   "battery_w": pad(mild["battery_w"]), "soc": mild["soc"]}
    return IcevResult(spec.name, cyc.name, summary, series, misses, route=ROUTE)


def _mild_hybrid_summary(summary: dict, mild: dict, dt, speed_m_s, w_e, fuel) -> dict:
    """The summary of a mild hybrid (:mod:`edrive.sim.starter_generator`): fuel as driven
    (``*_raw``) and charge-balanced (its eq. 1), the energies with the friction brakes, the
    transmission's loss and the auxiliaries as the starter-generator changed them, the
    machine's and belt's losses (``machine_loss_j``) and the battery's net terminal energy
    (``battery_terminal_j``), and the audit: engine work + battery terminal energy = the
    energies (closed through the machine's crank work: the mechanical side, engine work +
    crank work = the mechanical energies, and the electrical side, terminal energy = crank
    work + machine and belt losses + the auxiliaries the battery supplied)."""
    density, co2, lhv = fuel
    e = lambda x: float(np.sum(x * dt))
    engine_j = e(mild["engine_torque_nm"] * w_e)
    fuel_raw = e(mild["fuel_rate_kg_s"])
    efficiency = engine_j / max(fuel_raw * lhv, 1e-9)
    fuel_kg = fuel_raw - mild["battery_stored_j"] / (max(efficiency, 1e-9) * lhv)
    figures = lambda kg: fuel_columns(kg, summary["distance_m"], density, co2, lhv)
    out = dict(summary)
    energy = dict(summary["energy_j"])
    energy["friction_brakes_j"] = e(-mild["friction_n"] * speed_m_s)
    energy["transmission_loss_j"] = e(mild["transmission_loss_w"])
    energy["aux_j"] = e(mild["aux_crank_w"])
    crank_j = mild["starter_generator_crank_j"]
    scale = max(e(np.abs(mild["engine_torque_nm"] * w_e)) + e(np.abs(
        mild["starter_generator_torque_nm"] * w_e)), 1.0)
    mechanical = (engine_j + crank_j - sum(energy.values())) / scale
    terminal_j = e(mild["battery_w"])
    energy["aux_j"] += mild["aux_from_battery_j"]
    energy["machine_loss_j"] = mild["machine_loss_j"] + mild["belt_loss_j"]
    audit = (engine_j + terminal_j - sum(energy.values())) / scale
    if abs(mechanical) > 1e-6:  # pragma: no cover - a bookkeeping bug
        raise RuntimeError(f"mild-hybrid mechanical audit does not close: residual "
                           f"{mechanical:.2e}")
    if abs(audit) > 1e-6:  # pragma: no cover - a bookkeeping bug
        raise RuntimeError(f"mild-hybrid energy audit does not close: residual {audit:.2e}")
    out |= figures(fuel_kg) | {
        "fuel_kg_raw": fuel_raw,
        "fuel_l_per_100km_raw": figures(fuel_raw)["fuel_l_per_100km"],
        "engine_work_j": engine_j,
        "engine_efficiency": efficiency, "energy_j": energy, "audit_residual": audit,
        "battery_terminal_j": terminal_j,
        "starter_generator": {
            k: mild[k] for k in ("regenerated_j", "assist_j", "aux_from_battery_j",
                                 "machine_loss_j", "belt_loss_j", "starter_generator_crank_j",
                                 "battery_stored_j")} | {
            "soc_start": float(mild["soc"][0]), "soc_end": float(mild["soc"][-1])},
    }
    return out
