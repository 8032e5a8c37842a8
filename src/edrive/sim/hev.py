"""Hybrid vehicle over a drive cycle: trace following, energy management, charge balance.

The cycle is driven as in :mod:`edrive.sim.bev` (constant acceleration per interval, forces
at the mean speed; where no candidate of :class:`edrive.hybrid.HevModel` can deliver the
force, the car follows as closely as it can). The energy management of
:mod:`edrive.sim.energy_management` picks one candidate per interval; the battery is then run
with the Rint model over the chosen powers. Where the strategy finds no candidate whose
battery power fits the battery's window at that interval's SOC (eq. (3) of
:mod:`edrive.components.battery`: a battery at the bottom of its window that the trace
would need for a boost), that interval is driven again to the largest end speed some
candidate within the window delivers, and the strategy run again (stopping, if need be, at
the next interval, which the car may not manage from the lower speed): the car falls behind
the trace instead of the battery leaving its window. Where slowing down cannot help (a car
standing still with its battery at the bottom of the window), the auxiliaries get only what
the window leaves them there.

Charge balance. A hybrid's fuel use on a cycle depends on how much energy it took from, or
left in, its battery. As the test rules do (SAE J1711, iterated initial SOC; UN GTR 15
Annex 8 Appendix 2, correction to zero net energy change), :func:`simulate_hev` by default
iterates the initial SOC (secant method, from the strategy's target) until the cycle ends
at the SOC it started from, then removes the small rest by the linear fuel-vs-energy
relation of the last two runs:

    m_fuel,0 = m_fuel - (dm_fuel / dE_batt) Delta E_batt                             (1)

with Delta E_batt the change of stored (open-circuit) battery energy. Both the raw and the
balanced figures are reported. Dynamic programming is constrained to end at its start SOC
and is not iterated.

Energy audit (per interval, then summed): engine work + battery terminal energy =
change of kinetic energy + road load + grade + friction brakes + driveline losses
(gears, clutch slip) + electric machine losses + auxiliaries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import EdriveError
from ..report.text import Report
from .batch_icev import fuel_columns
from .bev import Result
from .charge_balance import Balance
from .core import (
    check_trace_option,
    follow_trace,
    intervals,
    largest_feasible_speed,
    raise_if_missed,
    series_head,
    trace_misses,
)
from .energy_management import choose, rule_excluded

STRATEGIES = ("ecms", "rule", "dp")


#: the route of a hybrid's run: its candidate table and causal strategy loop compiled
#: (:mod:`edrive.hybrid_table`, :func:`edrive.sim.energy_management._causal_one`), or dynamic
#: programming (a backward pass in numpy)
ROUTE, ROUTE_DP = "compiled_hev", "dynamic_programming"


class HevResult(Result):
    """Result of a hybrid: fuel, CO2 and the battery's part."""

    def report(self) -> Report:
        s = self.summary
        out = self._head() | self._fuel() | {
            "fuel_l_per_100km_raw": s["fuel_l_per_100km_raw"],
            "battery_energy_change_kwh": s["battery_energy_change_j"] / 3.6e6,
            "soc_start": s["soc_start"],
            "soc_end": s["soc_end"],
            "strategy": s["strategy"],
            "engine_starts": s["engine_starts"],
            "electric_distance_share": s["electric_distance_share"],
            "engine_efficiency": s["engine_efficiency"],
        } | self._trace_and_audit()
        if "plug_in" in s:  # plug-in hybrids: depleting range and utility-factor weighting
            p = s["plug_in"]
            out |= {"electric_range_km": p["electric_range_km"],
                    "uf_weighted_fuel_l_per_100km": p["fuel_l_per_100km"],
                    "uf_weighted_co2_g_per_km": p["co2_g_per_km"],
                    "uf_weighted_electricity_ac_wh_per_km": p["electricity_ac_wh_per_km"],
                    "utility_factor": p["utility_factor"]}
        return Report(out)


@dataclass
class _Drive:
    """The cycle as driven: achieved speeds, interval kinematics, the candidate table and
    the trace misses (shortfall per sample, missed-interval mask, stretches)."""

    vm: object
    v_ach: np.ndarray
    iv: object
    cand: object
    misses: tuple
    _usable: tuple | None = None

    def usable(self, ems) -> np.ndarray:
        """The candidates the causal strategies of ``ems`` may use: those the components
        allow less those the operating rules exclude (:func:`~edrive.sim.energy_management.
        rule_excluded`), kept for the drive's next runs."""
        if self._usable is None or self._usable[0] != ems:
            ok = self.cand.ok & ~rule_excluded(self.vm, ems, self.cand, self.iv.speed_m_s)
            self._usable = (ems, ok)
        return self._usable[1]


def _drive(spec, cyc, trace_miss) -> _Drive:
    vm = spec.model()
    t = cyc.time_s
    grade = 0.5 * (cyc.grade[1:] + cyc.grade[:-1])
    v_ach = follow_trace(vm, t, cyc.speed_m_s, grade, feasible=vm.feasible)
    iv = intervals(vm, t, v_ach, grade)
    misses = trace_misses(t, cyc.speed_m_s, v_ach)
    raise_if_missed(misses[2], trace_miss, spec.name, cyc.name)
    return _Drive(vm, v_ach, iv, vm.candidates(iv.wheel_n, iv.speed_m_s), misses)


def _within_battery(spec, cyc, drive: _Drive, k: int, soc: float, trace_miss) -> _Drive | None:
    """Interval ``k`` driven again to the largest end speed some candidate delivers within
    the battery's window at ``soc`` (module docstring); None where that is the speed driven
    already. The next interval keeps its end speed (reached from the lower one if it can be;
    if not, the strategy stops there in turn)."""
    vm, t = drive.vm, cyc.time_s
    b = vm.battery
    grade = 0.5 * (cyc.grade[1:] + cyc.grade[:-1])
    window = b.power_window_w(soc, t[k + 1] - t[k], b.power_discharge_max_w)
    v_ach = drive.v_ach.copy()
    v_ach[k + 1] = largest_feasible_speed(
        vm, v_ach[k], min(cyc.speed_m_s[k + 1], vm.speed_max_m_s), t[k + 1] - t[k], grade[k],
        lambda f, v, g, r: vm.feasible(f, v, g, r, battery_window=window))
    if v_ach[k + 1] == drive.v_ach[k + 1]:
        return None
    iv = intervals(vm, t, v_ach, grade)
    rows = np.arange(k, min(k + 2, len(iv.dt)))
    cand = drive.cand.with_rows(rows, vm.candidates(iv.wheel_n[rows], iv.speed_m_s[rows]))
    misses = trace_misses(t, cyc.speed_m_s, v_ach)
    raise_if_missed(misses[2], trace_miss, spec.name, cyc.name)
    return _Drive(vm, v_ach, iv, cand, misses)


def _run(spec, cyc, drive: _Drive, soc0, strategy, trace_miss, cs_level=None,
         cold_start=False):
    vm = drive.vm
    ems = _energy_management(spec, strategy, cs_level)
    lhv = vm.engine.fuel.lhv_j_kg
    stuck = np.zeros(len(drive.iv.dt), dtype=bool)  # slowing down did not help there
    for _ in range(4 * len(stuck) + 2):  # each pass settles an interval (DP may revisit some)
        iv = drive.iv
        standing = (drive.v_ach[:-1] == 0) & (drive.v_ach[1:] == 0)
        choice = choose(vm, drive.cand, iv.dt, iv.wheel_n * iv.speed_m_s, soc0, ems, lhv,
                        soc_target=spec.soc_target if ems.strategy != "dp" else soc0,
                        cs_level=cs_level, may_shed=standing | stuck,
                        speed_m_s=iv.speed_m_s, cold_start=cold_start,
                        usable=drive.usable(ems) if ems.strategy != "dp" or cs_level is not None
                        else None)
        k = choice.blocked
        if k < 0:
            break
        slower = _within_battery(spec, cyc, drive, k, float(choice.soc[k]), trace_miss)
        if slower is not None:
            drive = slower
        elif not (standing[k] or stuck[k]):
            stuck[k] = True
        else:
            break
    if choice.blocked >= 0:
        k = choice.blocked
        raise EdriveError(
            f"{spec.name} on {cyc.name}: at t = {cyc.time_s[k]:.0f} s no operation of the "
            f"engine and motors gives the force the car needs with the battery (SOC "
            f"{choice.soc[k]:.3f}) inside its window {vm.battery.soc_min}..{vm.battery.soc_max}")
    return _finish(drive, choice, soc0, ems.strategy, cold_start)


def _energy_management(spec, strategy, cs_level=None):
    """The energy management a run uses: the spec's, with ``strategy`` if given (DP
    replaced by ECMS where the run is charge-depleting)."""
    ems = spec.energy_management if strategy is None else \
        spec.energy_management.model_copy(update={"strategy": strategy})
    if cs_level is not None and ems.strategy == "dp":
        ems = ems.model_copy(update={"strategy": "ecms"})  # DP needs a charge-sustaining end
    return ems


def _finish(drive: _Drive, choice, soc0, strategy, cold_start) -> dict:
    """A run from the strategy's choices: the chosen candidates' battery power and fuel rate
    with the operating rules' extra fuel and battery power, the battery run over them, the
    fuel and the change of stored energy (what the charge balance needs; the other columns
    of the chosen candidates are taken by :func:`_selection` for the run kept)."""
    vm, iv = drive.vm, drive.iv
    battery_w, fuel_kg_s = _chosen(drive.cand, choice)
    _, soc, _, soc_end = vm.battery.run(battery_w, iv.dt, soc0)
    fuel_kg = float(np.sum(fuel_kg_s * iv.dt))
    d_e = vm.battery.energy_between_j(soc_end, soc0)  # stored energy given up (+) or gained (-)
    return {"choice": choice, "battery_w": battery_w, "fuel_kg_s": fuel_kg_s, "soc": soc,
            "soc_end": soc_end, "fuel_kg": fuel_kg, "d_e": float(d_e), "soc0": soc0,
            "strategy": strategy, "drive": drive, "cold_start": cold_start}


def _chosen(cand, choice) -> tuple[np.ndarray, np.ndarray]:
    """Battery terminal power [W] and fuel rate [kg/s] per interval of the chosen
    candidates, the auxiliaries shed and the operating rules' extra fuel and battery power
    (engine idling or held in fuel cut while decoupled, engine starts) included."""
    sel = cand.take(choice.index, ("battery_w", "fuel_kg_s"))
    battery_w = sel["battery_w"] - choice.aux_shed_w
    fuel_kg_s = sel["fuel_kg_s"]
    if choice.engine_state is not None:  # the causal strategies' operating rules
        fuel_kg_s = fuel_kg_s + choice.extra_fuel_kg_s
        battery_w = battery_w + choice.extra_battery_w
    return battery_w, fuel_kg_s


def _selection(run: dict) -> dict:
    """Every column of the chosen candidates of ``run`` (:func:`_finish`), with the
    auxiliary power served, the engine-start energy and, for the causal strategies, the
    engine state of the operating rules."""
    choice, drive = run["choice"], run["drive"]
    vm, iv = drive.vm, drive.iv
    sel = vm.chosen(iv.wheel_n, iv.speed_m_s, choice.index)
    sel["battery_w"], sel["fuel_kg_s"] = run["battery_w"], run["fuel_kg_s"]
    sel["aux_w"] = vm.aux_power_w - choice.aux_shed_w
    sel["start_w"] = np.zeros(len(iv.dt))
    if choice.engine_state is not None:
        sel["engine_on"] = choice.engine_state
        sel["start_w"] = choice.extra_battery_w
    return sel


def simulate_hev(spec, cyc, *, soc_initial: float | None = None, trace_miss: str = "allow",
                 strategy: str | None = None, balance: bool | None = None,
                 charge_depleting: bool = False, cold_start: bool = False) -> HevResult:
    """Drive a hybrid (an :class:`~edrive.hybrid.HevSpec`) over a cycle.

    ``soc_initial`` defaults to the spec's ``soc_target`` (``soc_max`` when
    ``charge_depleting``); ``strategy`` overrides the spec's energy management; ``balance``
    (default: on unless ``soc_initial`` is given or the run is charge-depleting) iterates the
    initial SOC to a charge-balanced cycle and applies eq. (1). ``charge_depleting`` (plug-in
    hybrids): electric first down to ``soc_target``, then charge-sustaining. ``cold_start``:
    the engine starts the cycle cold (as in the FTP-75 and the WLTP tests): catalyst heating
    and warm-up hold it on (:mod:`edrive.sim.energy_management`, "Operating rules").
    """
    check_trace_option(trace_miss)
    if strategy not in (None, *STRATEGIES):
        raise EdriveError(f"strategy: {strategy!r}; allowed: {', '.join(STRATEGIES)}")
    if charge_depleting:
        if not spec.plug_in:
            raise EdriveError(f"{spec.name}: charge-depleting operation needs a plug-in "
                              "hybrid (plug_in: true)")
        drive = _drive(spec, cyc, trace_miss)
        b = drive.vm.battery
        soc0 = b.soc_max if soc_initial is None else soc_initial
        run = _run(spec, cyc, drive, soc0, strategy, trace_miss, cs_level=spec.soc_target,
                   cold_start=cold_start)
        return _result(spec, cyc, run, run["fuel_kg"])
    drive = _drive(spec, cyc, trace_miss)
    vm = drive.vm
    b = vm.battery
    if soc_initial is not None and not b.soc_min <= soc_initial <= b.soc_max:
        raise EdriveError(f"soc_initial {soc_initial} lies outside the battery window "
                          f"{b.soc_min}..{b.soc_max}")
    soc0 = spec.soc_target if soc_initial is None else soc_initial
    balance = soc_initial is None if balance is None else balance
    run = _run(spec, cyc, drive, soc0, strategy, trace_miss, cold_start=cold_start)
    bal = Balance(b, soc0, run, vm.engine.fuel.lhv_j_kg, balance and run["strategy"] != "dp")
    while (x := bal.next_soc()) is not None:
        bal.add(_run(spec, cyc, drive, x, strategy, trace_miss, cold_start=cold_start))
    run, fuel_corr = bal.result(balance)
    return _result(spec, cyc, run, fuel_corr)


def _result(spec, cyc, run, fuel_corr_kg) -> HevResult:
    drive = run["drive"]
    vm, v_ach, iv, (shortfall, missed, misses) = drive.vm, drive.v_ach, drive.iv, drive.misses
    sel = _selection(run)
    dt, v = iv.dt, iv.speed_m_s
    e = lambda p: float(np.sum(p * dt))
    p_engine = sel["engine_torque_nm"] * sel["engine_speed_rad_s"]
    energy = {
        "kinetic_j": e(iv.inertia_n * v),
        "road_load_j": e(iv.road_n * v),
        "grade_j": e(iv.grade_n * v),
        "friction_brakes_j": e(sel["friction_w"]),
        "driveline_loss_j": e(sel["driveline_loss_w"]),
        "machine_loss_j": e(sel["machine_loss_w"]),
        "aux_j": e(sel["aux_w"]),
        "engine_start_j": e(sel["start_w"]),
    }
    supplied = e(p_engine) + e(sel["battery_w"])
    scale = max(e(np.abs(p_engine)) + e(np.abs(sel["battery_w"])), 1.0)
    audit = (supplied - sum(energy.values())) / scale
    if abs(audit) > 1e-6:  # pragma: no cover - a bookkeeping bug, never user input
        raise RuntimeError(f"hybrid energy audit does not close: residual {audit:.2e}")
    soc_series = np.append(run["soc"], run["soc_end"])
    vm.battery.check_window(soc_series, f"{spec.name} on {cyc.name}")
    fuel = vm.engine.fuel
    dist = float(np.sum(v * dt))
    figures = lambda kg: fuel_columns(kg, dist, fuel.density_kg_m3, fuel.co2_kg_per_kg,
                                      fuel.lhv_j_kg)
    on = sel["engine_on"]
    starts = int(np.count_nonzero(on[1:] & ~on[:-1]) + (1 if on[0] else 0))
    summary = {
        "distance_m": dist,
        "duration_s": cyc.duration_s,
        **figures(fuel_corr_kg),
        "fuel_l_per_100km_raw": figures(run["fuel_kg"])["fuel_l_per_100km"],
        "engine_work_j": e(p_engine),
        "engine_efficiency": e(p_engine) / max(run["fuel_kg"] * fuel.lhv_j_kg, 1e-9),
        "battery_terminal_j": e(sel["battery_w"]),
        "battery_energy_change_j": run["d_e"],
        "soc_start": run["soc0"],
        "soc_end": run["soc_end"],
        "strategy": run["strategy"],
        "engine_starts": starts,
        "electric_distance_share": float(np.sum((~on) * v * dt) / dist) if dist > 0 else 0.0,
        "trace_missed_s": float(np.sum(dt[missed])),
        "trace_max_shortfall_m_s": float(max(shortfall.max(), 0.0)),
        "energy_j": energy,
        "audit_residual": audit,
    }
    pad = lambda a: np.concatenate([[0.0], np.asarray(a, dtype=float)])
    series = series_head(cyc, v_ach, shortfall, iv, -sel["friction_w"] / np.maximum(v, 1e-9)) | {
        "engine_on": np.concatenate([[False], on]),
        "engine_speed_rad_s": pad(sel["engine_speed_rad_s"]),
        "engine_torque_nm": pad(sel["engine_torque_nm"]),
        "fuel_rate_g_s": pad(sel["fuel_kg_s"] * 1e3),
        "battery_power_w": pad(sel["battery_w"]),
        "soc": soc_series,
        "gear": pad(sel["gear"] + 1),
    }
    route = ROUTE_DP if run["strategy"] == "dp" else ROUTE
    return HevResult(spec.name, cyc.name, summary, series, misses, route)
