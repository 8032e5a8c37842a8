"""Energy management of hybrids: which candidate control to use at each interval.

All strategies choose among the candidates of :meth:`edrive.hybrid.HevModel.candidates`
(fuel rate f_ij, battery terminal power P_ij). The battery follows the Rint model,
I = I(P, SOC) and SOC_{i+1} = SOC_i - I dt_i / Q (:mod:`edrive.components.battery`); a
candidate is admissible only where its battery power lies in the window of eq. (3) of
:mod:`edrive.components.battery` at the interval's SOC (within the power limits, the SOC
staying in the usable window). Where no candidate is, the strategy stops there and reports
the interval (``Choice.blocked``): the car cannot do what the trace asks with the battery
it has, and :mod:`edrive.sim.hev` drives that interval again within the window. Where slowing
down cannot help (a car standing still), an interval is marked ``may_shed``: there, if no
candidate is admissible otherwise, the auxiliaries get only what the window leaves them
(``Choice.aux_shed_w``).

* ``rule``: a thermostat/power-follower with hysteresis, the classic rule-based scheme
  (Jalil, Kheir & Salman, "A rule-based energy management strategy for a series hybrid
  vehicle", Proc. American Control Conference 1997). The engine starts when the wheel power
  exceeds ``engine_on_power_w`` or the SOC falls 5 points below target, and stops when the
  wheel power falls below half that with the SOC at or above target. With the engine on, the
  candidate whose battery power is closest to P* = -charge_power (SOC_target - SOC) is used
  (least fuel among equals); with it off, the electric candidate with least battery power.
* ``ecms``: the equivalent consumption minimisation strategy with SOC feedback (Paganelli
  et al., "Equivalent consumption minimization strategy for parallel hybrid powertrains",
  IEEE VTC 2002; Onori, Serrao & Rizzoni, *Hybrid Electric Vehicles: Energy Management
  Strategies*, Springer 2016, ch. 5). At each interval the candidate minimising

      H = f_ij Q_lhv + s(SOC) V_oc(SOC) I(P_ij, SOC),    s = s_0 + k_p (SOC_target - SOC)

  is used: the battery's chemical power weighted by the equivalence factor s. Starting the
  engine adds ``start_penalty_j`` / dt to H (a calibration term against rapid on/off
  cycling, as production strategies have; it is not counted as fuel).
* ``dp``: deterministic dynamic programming over the whole cycle (Bellman; Sundstroem &
  Guzzella, "A generic dynamic programming Matlab function", IEEE CCA 2009). On a grid of
  ``dp_soc_points`` SOC values the cost-to-go

      V_i(SOC) = min_j [ f_ij dt_i + V_{i+1}(SOC - I(P_ij, SOC) dt_i / Q) ]

  is computed backwards from V_N(SOC) = c |SOC - SOC_target| with a steep c, so that the
  cycle ends charge-balanced (linear interpolation between grid points; the grid spans the
  target +- 0.1 within the battery window); the forward pass then applies the optimal
  control from the actual SOC. It is the reference optimum the causal strategies are
  compared with: it knows the whole cycle in advance.

The causal strategies (rule-based, ECMS) run step by step in a compiled loop (numba) that
releases the GIL, so that the hybrids of :func:`edrive.simulate_many` run on threads
(:mod:`edrive.sim.batch_hev`); DP's backward pass is vectorised over the SOC grid and the
candidates.

Operating rules
---------------
Production hybrids do not run the engine where an optimiser would: drivability, emissions
and component life add rules that the causal strategies obey (the loop carries the engine's
state, the time in that state, its running time and the fuel burnt since the start). DP is
left without them: it stays the optimum the others are measured against.

* minimum on-time and off-time (``engine_on_time_min_s``, ``engine_off_time_min_s``): an
  engine that started runs at least that long, one that stopped stays off that long unless
  the power demand or the battery calls for it (against on/off cycling; production
  calibrations hold a few seconds, e.g. the Prius's engine, once started, does not stop
  within about 5 s: Argonne D3 test data of the 2010 Prius, Lohse-Busch et al., SAE
  2013-01-1462 show on-periods of this order and longer);
* electric-drive limits: the engine runs whenever the wheel power exceeds
  ``ev_power_max_w`` (default ``ev_power_share`` of the engine's rated power), the car is
  faster than ``ev_speed_max_m_s`` (above it production hybrids keep the engine turning: the
  power-split's MG1 speed, and P2 calibrations that reserve electric drive for low speeds),
  or the SOC falls ``soc_reserve`` below its target (a charge reserve for launches);
* an engine held running where no candidate uses it idles decoupled (idle fuel), or, while
  the car brakes with a warm engine, turns in fuel cut; a P2 engine that stays coupled while
  braking drags (its motoring torque, :meth:`edrive.components.engine.Engine.torque_min_nm`,
  takes part of the braking energy the motor would have recovered: the candidates ``engine
  coupled in fuel cut`` of :meth:`edrive.hybrid.HevModel._p2`);
* engine start: ``start_fuel_idle_s`` seconds of idle fuel (the first, enriched combustion
  cycles) and ``start_energy_j_per_m3`` x displacement of battery energy to spin the engine
  up (rotational energy 1/2 J omega_idle^2 of about 1 kJ for a 2 L engine plus friction and
  compression work over the 0.3-0.5 s run-up: about 3 kJ, i.e. 1.5 MJ per m^3);
* cold start (``cold_start=True``: the FTP-75 and WLTP tests begin with the engine soaked at
  20-30 C): the engine runs from the first second for catalyst heating
  (``catalyst_heating_s``) and is not stopped until it has burnt ``warmup_fuel_j_per_m3`` x
  displacement of fuel energy. Heating a 2 L engine's metal and coolant (about 45 kJ/K) by
  40-50 K takes about 2 MJ of heat to the coolant, some 30 % of the fuel energy: about
  3.5 MJ of fuel per litre of displacement. Hybrids' engines behave so in bag 1 of the FTP
  (Lohse-Busch et al., SAE 2013-01-1462: the engines of the Prius and of other hybrids ran
  through the first part of the cold test). The extra fuel of a cold engine itself is the
  generic cold-start fuel of :mod:`edrive.io.epa_testcar`;
* charge-depleting plug-ins start the engine when the wheel power exceeds
  ``cd_engine_power_w`` (default ``cd_power_share`` of the electric drive's power, the
  lesser of the motor's and the battery's), as production plug-ins do when the driver asks
  for more than the electric drive gives, or faster than ``cd_speed_max_m_s`` (the electric
  top speed of the default hybrid mode: 110 km/h for BMW's Auto eDrive, 110-140 km/h for
  2019-2022 European plug-ins; 110 km/h taken); while started, the engine is used by the ECMS
  cost at the equivalence factor s_0, and held on while warming up.

Charge-sustaining P2 plug-ins
-----------------------------
The 2022 EPA file shows that P2 plug-ins run at their sustaining SOC burn in the city about
what their conventional siblings burn (BMW 330e 33.5 MPG FTP-75 against the 330i's 34), far
more than the rules above give them (section 8 of docs/validation.md). Two rules, both on
only for plug-ins of the P2 architecture (``PLUG_IN_ARCHITECTURE_RULES``), account for it:

* ``cs_engine_held``: in charge-sustaining operation an engine that has started is not
  stopped again: it stays coupled (K0 closed) and turns in fuel cut while the car brakes, so
  its motoring torque takes part of the braking energy, and it idles at standstill. A P2
  plug-in at the bottom of its window behaves so as a car with a conventional drivetrain and
  stop-start would not: the battery, near its reserve, is held for the next launch and the
  electrical load, and the engine's restart through the K0 clutch is avoided;
* ``engine_speed_min_rad_s``: the engine pulls only in gears whose input speed is at or
  above this floor (first gear excepted, where the clutch slips), as the conventional
  gearbox's shift map holds it above a lugging limit (the conventional economy shift of
  the economy shift of :mod:`edrive.components.transmission` uses 1,100 rpm); an optimiser free
  to pick any of eight gears runs the engine at about 1,000 rpm through the city cycle,
  where a production shift map would not. Applied by :func:`rule_excluded` to the
  candidate table before the causal strategies see it; dynamic programming is left free.

Both were fitted (``tools/calibrate_hev_defaults.py --p2-plug-in``) on the fit makes'
P2 plug-in records and checked on the others (docs/validation.md, section 8). The full
hybrids' P2 records are not given them: their city results come out low already.

Defaults per architecture (``ARCHITECTURE_RULES``; charge-sustaining plug-ins:
``PLUG_IN_RULES``): ``ev_power_share``, ``ev_speed_max_m_s`` and ``warmup_fuel_j_per_m3``
are fitted with ``tools/calibrate_hev_defaults.py`` (held-out makes checked, see
docs/validation.md); the others are the estimates above.

``charge_depleting=True`` (plug-in hybrids above their sustaining SOC) replaces the strategy by
"electric first": least fuel (electric whenever possible), then least battery power, until the
SOC reaches the charge-sustaining level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components.battery import (
    interval_power_window_w,
    rint_current_a,
    shed_auxiliaries_w,
    within_power,
)
from ..constants import RPM_RAD_S
from ..maps import interp
from .jit import njit

INFEASIBLE = 1e30
# Generic operating rules per architecture (module docstring, "Operating rules"): the
# figures marked "fitted" come from tools/calibrate_hev_defaults.py on half of the makes of
# the EPA 2022 Test Car List, the others are estimates with their reasoning there.
ARCHITECTURE_RULES = {
    "p2": {"engine_on_time_min_s": 5.0, "engine_off_time_min_s": 3.0,
           "ev_speed_max_m_s": 7.0, "ev_power_share": 0.0,                # fitted
           "cd_power_share": 0.9, "cd_speed_max_m_s": 30.6,
           "soc_reserve": 0.05, "start_fuel_idle_s": 1.0, "start_energy_j_per_m3": 1.5e6,
           "catalyst_heating_s": 30.0, "warmup_fuel_j_per_m3": 2e9},      # fitted
    "power_split": {"engine_on_time_min_s": 5.0, "engine_off_time_min_s": 2.0,
                    "ev_speed_max_m_s": 10.0, "ev_power_share": 0.3,      # fitted
                    "cd_power_share": 0.9, "cd_speed_max_m_s": 30.6,
                    "soc_reserve": 0.05, "start_fuel_idle_s": 1.0,
                    "start_energy_j_per_m3": 1.5e6, "catalyst_heating_s": 30.0,
                    "warmup_fuel_j_per_m3": 2e9},                         # fitted
    # series: no records to fit (the P2 and power-split fits do not carry over); estimates
    "series": {"engine_on_time_min_s": 10.0, "engine_off_time_min_s": 5.0,
               "ev_speed_max_m_s": 40.0, "ev_power_share": 0.3, "cd_power_share": 0.9,
               "cd_speed_max_m_s": 30.6, "soc_reserve": 0.05, "start_fuel_idle_s": 1.0,
               "start_energy_j_per_m3": 1.5e6, "catalyst_heating_s": 30.0,
               "warmup_fuel_j_per_m3": 2e9},
}
# charge-sustaining operation of plug-in hybrids: these entries replace the architecture's
PLUG_IN_RULES = {"ev_speed_max_m_s": 7.0, "ev_power_share": 0.0}       # fitted
# plug-in hybrids of one architecture: these entries replace both of the above (module
# docstring, "Charge-sustaining P2 plug-ins"); the rules absent here are off for every other
# car (engine free to stop in charge-sustaining operation, no engine speed floor)
PLUG_IN_ARCHITECTURE_RULES = {
    "p2": {"cs_engine_held": True,                                      # fitted
           "engine_speed_min_rad_s": 1500 * RPM_RAD_S},                 # fitted
}
RULES_OFF = {"cs_engine_held": False, "engine_speed_min_rad_s": 0.0}
DP_SOC_BAND = 0.1            # DP grid: target +- this, within the battery window
DP_TERMINAL_PENALTY = 1e3    # kg of fuel per unit of SOC off target at the end


@dataclass
class Choice:
    """The control chosen per interval, the SOC at the start of each interval, the final
    SOC, the auxiliary power not served per interval [W], and, where ``blocked`` >= 0, the
    first interval with no admissible candidate (the choices stop there)."""

    index: np.ndarray
    soc: np.ndarray
    soc_end: float
    aux_shed_w: np.ndarray
    blocked: int = -1
    engine_state: np.ndarray | None = None
    extra_fuel_kg_s: np.ndarray | None = None
    extra_battery_w: np.ndarray | None = None


@dataclass(frozen=True)
class OperatingRules:
    """The operating rules of a production hybrid (module docstring), in SI units."""

    on_time_min_s: float
    off_time_min_s: float
    ev_speed_max_m_s: float
    ev_power_max_w: float
    cd_power_max_w: float
    soc_reserve: float
    cd_speed_max_m_s: float
    start_fuel_kg: float
    start_energy_j: float
    idle_fuel_kg_s: float
    catalyst_heating_s: float
    warmup_fuel_j: float
    cs_engine_held: bool = False
    engine_speed_min_rad_s: float = 0.0


def _battery_step(battery, p_w, soc, dt):
    """Current [A] (NaN where the battery cannot deliver) and the next SOC."""
    i = battery.current_a(p_w, soc)
    return i, soc - i * dt / battery.capacity_as


def _admissible(model, cand, row, soc, dt, may_shed):
    """Admissible candidates of a row at ``soc``, their current, next SOC and battery power
    (with the auxiliaries shed where ``may_shed`` and nothing is admissible without)."""
    battery = model.battery
    low, high = battery.power_window_w(soc, dt, battery.power_discharge_max_w)
    p = cand.battery_w[row]
    ok = cand.ok[row] & within_power(p, high) & within_power(-p, -low)
    if may_shed and not ok.any():
        p = shed_auxiliaries_w(p, model.aux_power_w, high)
        ok = cand.ok[row] & within_power(p, high) & within_power(-p, -low)
    i, nxt = _battery_step(battery, p, soc, dt)
    return ok, i, nxt, p


def choose(model, cand, dt, wheel_power_w, soc0: float, ems, lhv_j_kg: float, *,
           soc_target: float, cs_level: float | None = None, may_shed=None,
           speed_m_s=None, cold_start: bool = False, usable=None) -> Choice:
    """Run the energy management ``ems`` (an EnergyManagementSpec) over the table ``cand``.

    ``cs_level``: for plug-in hybrids, the SOC above which the vehicle runs charge-depleting.
    ``may_shed``: per interval, whether the auxiliaries may go short (module docstring).
    ``speed_m_s``: mean speed per interval (for the electric-drive speed limit and the
    engine speed floor of :func:`rule_excluded`);
    ``cold_start``: the engine starts the cycle cold (catalyst heating and warm-up);
    ``usable``: the candidates the causal strategies may use, where the caller has them
    (default: ``cand.ok`` less :func:`rule_excluded`).
    """
    may_shed = np.zeros(len(dt), dtype=bool) if may_shed is None else may_shed
    if ems.strategy == "dp" and cs_level is None:
        return _dynamic_programming(model, cand, dt, soc0, ems, soc_target, may_shed)
    speed = np.zeros(len(dt)) if speed_m_s is None else np.asarray(speed_m_s, dtype=float)
    if usable is None:
        usable = cand.ok & ~rule_excluded(model, ems, cand, speed)
    return _causal(model, cand, usable, dt, wheel_power_w, speed, soc0, ems, lhv_j_kg,
                   soc_target, cs_level, may_shed, cold_start)


def operating_rules(model, ems) -> OperatingRules:
    """The production-car operating rules of ``model``'s architecture (module docstring),
    each replaced by the value of ``ems`` where that one is set (kept on the model for the
    next call with the same ``ems``)."""
    kept = getattr(model, "_operating_rules", None)
    if kept is not None and kept[0] is ems:
        return kept[1]
    rules = _operating_rules(model, ems)
    model._operating_rules = (ems, rules)
    return rules


def _operating_rules(model, ems) -> OperatingRules:
    d = RULES_OFF | ARCHITECTURE_RULES[model.arch]
    if model.spec.plug_in:
        d = d | PLUG_IN_RULES | PLUG_IN_ARCHITECTURE_RULES.get(model.arch, {})
    es = model.engine_spec
    p_rated = es.power_rated_w

    def get(name):
        v = getattr(ems, name, None)
        return d[name] if v is None else v

    ev_power = ems.ev_power_max_w if ems.ev_power_max_w is not None else \
        d["ev_power_share"] * p_rated
    cd_power = ems.cd_engine_power_w if ems.cd_engine_power_w is not None else \
        d["cd_power_share"] * model.electric_drive_power_w
    idle = float(model.engine.idle_fuel_rate_kg_s())
    return OperatingRules(
        on_time_min_s=float(get("engine_on_time_min_s")),
        off_time_min_s=float(get("engine_off_time_min_s")),
        ev_speed_max_m_s=float(get("ev_speed_max_m_s")),
        ev_power_max_w=float(ev_power),
        cd_power_max_w=float(cd_power),
        soc_reserve=float(get("soc_reserve")),
        cd_speed_max_m_s=float(get("cd_speed_max_m_s")),
        start_fuel_kg=float(get("start_fuel_idle_s")) * idle,
        start_energy_j=float(get("start_energy_j_per_m3")) * es.displacement_m3,
        idle_fuel_kg_s=idle,
        catalyst_heating_s=float(get("catalyst_heating_s")),
        warmup_fuel_j=float(get("warmup_fuel_j_per_m3")) * es.displacement_m3,
        cs_engine_held=bool(get("cs_engine_held")),
        engine_speed_min_rad_s=float(get("engine_speed_min_rad_s")))


def rule_excluded(model, ems, cand, speed_m_s) -> np.ndarray:
    """Per interval and candidate of ``cand``, whether the operating rules exclude it
    before the causal strategy sees it (module docstring, "Charge-sustaining P2 plug-ins"):
    a P2 candidate whose engine pulls in a gear above the first with the gearbox input, at
    the interval's mean speed ``speed_m_s``, turning slower than ``engine_speed_min_rad_s``.
    All False where the rule is off (a floor of zero)."""
    floor = operating_rules(model, ems).engine_speed_min_rad_s
    out = np.zeros(cand.ok.shape, dtype=bool)
    if model.arch != "p2" or floor <= 0:
        return out
    ww = np.asarray(speed_m_s, dtype=float)[:, None] / model.radius_m
    w_in = ww * np.asarray(model.transmission.overall_ratios)[cand.gear]
    return cand.engine_fires & (cand.gear > 0) & (w_in < floor)


#: the per-car numbers of the causal kernel besides the rules, in the order of ``_causal_kernel``
CAUSAL_SCALARS = ("r", "q", "p_dis_max", "p_chg_max", "soc_min", "soc_max", "aux", "rule",
                  "lhv", "soc_target", "cs_level", "p_on", "k_charge", "s0", "k_p",
                  "start_penalty")


@dataclass(frozen=True)
class CausalInputs:
    """What the causal kernel needs of one car besides the cycle and the candidate table:
    the battery's open-circuit-voltage curve, the numbers of :data:`CAUSAL_SCALARS` and the
    operating rules (in the order of :class:`OperatingRules`)."""

    ocv_soc: np.ndarray
    ocv_v: np.ndarray
    scalars: np.ndarray
    rules: np.ndarray


def causal_inputs(model, ems, lhv, soc_target, cs_level=None) -> CausalInputs:
    """The :class:`CausalInputs` of ``model`` under the energy management ``ems``."""
    b = model.battery
    p_rated = model.engine_spec.power_rated_w
    p_on = ems.engine_on_power_w if ems.engine_on_power_w is not None else 0.25 * p_rated
    k_charge = ems.charge_power_w if ems.charge_power_w is not None else 10.0 * p_rated
    r = operating_rules(model, ems)
    scalars = np.array([
        b.resistance_ohm, b.capacity_as, b.power_discharge_max_w, b.power_charge_max_w,
        b.soc_min, b.soc_max, float(model.aux_power_w), 1.0 if ems.strategy == "rule" else 0.0,
        float(lhv), float(soc_target), -1.0 if cs_level is None else float(cs_level),
        float(p_on), float(k_charge), ems.equivalence_factor, ems.soc_feedback,
        ems.start_penalty_j], dtype=float)
    rules = np.array([r.on_time_min_s, r.off_time_min_s, r.ev_speed_max_m_s, r.ev_power_max_w,
                      r.cd_power_max_w, r.soc_reserve, r.start_fuel_kg, r.start_energy_j,
                      r.idle_fuel_kg_s, r.catalyst_heating_s, r.warmup_fuel_j,
                      r.cd_speed_max_m_s, 1.0 if r.cs_engine_held else 0.0])
    return CausalInputs(np.asarray(b.ocv_soc, dtype=float), np.asarray(b.ocv_v, dtype=float),
                        scalars, rules)


def _causal(model, cand, usable, dt, wheel_power_w, speed, soc0, ems, lhv, soc_target,
            cs_level, may_shed, cold_start):
    c = causal_inputs(model, ems, lhv, soc_target, cs_level)
    out = _causal_one(usable, cand.fuel_kg_s, cand.battery_w, cand.engine_on,
                      np.asarray(wheel_power_w, dtype=float), speed,
                      np.asarray(dt, dtype=float), float(soc0), c.ocv_soc, c.ocv_v, c.scalars,
                      c.rules, may_shed, bool(cold_start))
    idx, socs, soc_end, shed, blocked, state, extra_fuel, extra_batt = out
    return Choice(idx, socs, soc_end, shed, blocked, state, extra_fuel, extra_batt)


@njit(cache=True, nogil=True)
def _causal_one(ok_t, fuel_t, batt_t, on_t, wheel_w, speed, dt, soc0, ocv_soc, ocv_v, x,
                rules, may_shed, cold_start):
    """:func:`_causal_kernel` with the per-car numbers ``x`` in the order of
    :data:`CAUSAL_SCALARS` (releases the GIL: the hybrids of a batch run on threads,
    :mod:`edrive.sim.batch_hev`)."""
    return _causal_kernel(ok_t, fuel_t, batt_t, on_t, wheel_w, speed, dt, soc0, ocv_soc,
                          ocv_v, x[0], x[1], x[2], x[3], x[4], x[5], x[6], may_shed,
                          int(x[7]), x[8], x[9], x[10], x[11], x[12], x[13], x[14], x[15],
                          rules, cold_start)


@njit(cache=True)
def _causal_kernel(ok_t, fuel_t, batt_t, on_t, wheel_w, speed, dt, soc0, ocv_soc, ocv_v, r,
                   q, p_dis_max, p_chg_max, soc_min, soc_max, aux, may_shed, rule, lhv,
                   soc_target, cs_level, p_on, k_charge, s0, k_p, start_penalty, rules,
                   cold_start):
    """The causal strategies, step by step (compiled): per interval the admissible
    candidates at the current SOC (battery power within the window of eq. (3) of the
    battery, the auxiliaries shed where ``may_shed``), the operating rules (``rules``, in
    the order of :class:`OperatingRules`) that hold the engine on or off, and the strategy's
    cost (module docstring). Returns the chosen indices, the SOC at each interval start, the
    final SOC, the auxiliary power shed per interval, the first interval with no admissible
    candidate (-1 if none; the choices stop there), the engine's state per interval, and per
    interval the fuel rate [kg/s] and battery power [W] the chosen candidate does not hold
    (engine idling or held in fuel cut while decoupled, engine starts)."""
    t_on_min, t_off_min, v_ev_max, p_ev_max, p_cd_max, soc_res = (
        rules[0], rules[1], rules[2], rules[3], rules[4], rules[5])
    start_fuel, start_j, idle_fuel, cat_s, warm_j = (rules[6], rules[7], rules[8], rules[9],
                                                    rules[10])
    v_cd_max = rules[11]
    cs_held = rules[12] > 0
    n, m = ok_t.shape
    idx = np.zeros(n, dtype=np.int64)
    socs = np.zeros(n)
    shed = np.zeros(n)
    state = np.zeros(n, dtype=np.bool_)
    extra_fuel = np.zeros(n)
    extra_batt = np.zeros(n)
    p_eff = np.zeros(m)
    cur = np.zeros(m)
    nxt = np.zeros(m)
    adm = np.zeros(m, dtype=np.bool_)
    soc, engine_state, rule_state = soc0, False, False
    timer = 1e9          # time in the present engine state [s]
    run_s = 0.0          # time the engine has run since the cycle began [s]
    burnt_j = 0.0        # fuel energy burnt since the cycle began [J]
    for i in range(n):
        socs[i] = soc
        v = interp(soc, ocv_soc, ocv_v)
        low, high = interval_power_window_w(soc, dt[i], v, r, q, soc_min, soc_max, p_dis_max,
                                            p_chg_max)
        any_adm = False
        start_w = 0.0
        # the auxiliaries go short last; a start's (small) electric energy is left out only
        # where nothing is admissible with it (a battery at the bottom of its window)
        for attempt in range(4 if may_shed[i] else 2):
            shedding = attempt >= 2
            start_w = start_j / dt[i] if attempt % 2 == 0 else 0.0
            for j in range(m):
                adm[j] = False
                if not ok_t[i, j]:
                    continue    # the components cannot run it: neither current nor SOC needed
                p = batt_t[i, j]
                if shedding:
                    p = shed_auxiliaries_w(p, aux, high)
                if on_t[i, j] and not engine_state:
                    p += start_w
                p_eff[j] = p
                cur[j] = rint_current_a(p, v, r)
                nxt[j] = soc - cur[j] * dt[i] / q
                adm[j] = within_power(p, high) and within_power(-p, -low)
                any_adm = any_adm or adm[j]
            if any_adm:
                break
        if not any_adm:
            return idx, socs, soc, shed, i, state, extra_fuel, extra_batt
        depleting = cs_level >= 0 and soc > cs_level
        w = wheel_w[i]
        cold = cold_start and burnt_j < warm_j
        # operating rules: what forces the engine on, what keeps it off
        demand = (w > p_cd_max or speed[i] > v_cd_max) if depleting else (
            w > p_ev_max or speed[i] > v_ev_max or soc < soc_target - soc_res)
        must_on = demand or (engine_state and timer < t_on_min) or (
            cs_held and engine_state and not depleting)
        if cold and (engine_state or not depleting):
            must_on = True          # catalyst heating and warm-up
        if engine_state and run_s < cat_s and cold_start:
            must_on = True
        must_off = (not must_on) and (not engine_state) and timer < t_off_min
        want = -1                   # -1: free; 0: off; 1: on
        if must_on:
            want = 1
        elif must_off:
            want = 0
        elif rule == 1 and not depleting:
            if w > p_on or soc < soc_target - 0.05:
                rule_state = True
            elif w < 0.5 * p_on and soc >= soc_target:
                rule_state = False
            want = 1 if rule_state else 0
        elif depleting:
            want = 0
        # the least cost among the admissible candidates, and among those whose engine
        # state is the one the rules want (used where there is one)
        s_eq = s0 + k_p * (soc_target - soc)
        target = -k_charge * (soc_target - soc)
        best_all, cost_all, best_want, cost_want = -1, np.inf, -1, np.inf
        first, found = -1, False
        for j in range(m):
            if not adm[j]:
                continue
            if first < 0:
                first = j
            fuel = fuel_t[i, j] * lhv
            p = p_eff[j]
            if depleting and not on_t[i, j]:
                c = fuel * 1e3 + p
            elif depleting:
                c = fuel + s0 * v * cur[j]
            elif rule == 1:
                c = abs(p - target) * 1e3 + fuel * 1e-3 if on_t[i, j] else p
            else:
                c = fuel + s_eq * v * cur[j]
                if not engine_state and on_t[i, j]:
                    c = c + start_penalty / dt[i]
            if c < cost_all:
                best_all, cost_all = j, c
            if want >= 0 and on_t[i, j] == (want == 1):
                found = True
                if c < cost_want:
                    best_want, cost_want = j, c
        best = best_want if found else best_all
        if best < 0:  # every cost infinite: the first admissible candidate
            best = first
        on = on_t[i, best]
        held = (not on) and want == 1 and must_on
        new_state = on or held
        p_sel = p_eff[best]
        nxt_sel = nxt[best]
        fuel_rate = fuel_t[i, best]
        if held:
            # engine held running, decoupled: it idles (in fuel cut while the car brakes
            # with a warm engine)
            if w >= 0 or cold:
                extra_fuel[i] += idle_fuel
                fuel_rate += idle_fuel
            if not engine_state and within_power(p_sel + start_w, high):
                p_sel += start_w   # a start with no engine-on candidate: charge it here
                nxt_sel = soc - rint_current_a(p_sel, v, r) * dt[i] / q
            elif not engine_state:
                start_w = 0.0
        if new_state and not engine_state:
            extra_fuel[i] += start_fuel / dt[i]
            fuel_rate += start_fuel / dt[i]
            extra_batt[i] = start_w
        if new_state != engine_state:
            timer = 0.0
        engine_state = new_state
        timer += dt[i]
        if engine_state:
            run_s += dt[i]
        burnt_j += fuel_rate * dt[i] * lhv
        state[i] = engine_state
        idx[i] = best
        shed[i] = batt_t[i, best] - p_eff[best] + (start_w if on and extra_batt[i] > 0 else 0.0)
        soc = nxt_sel
    return idx, socs, soc, shed, -1, state, extra_fuel, extra_batt


def _dynamic_programming(model, cand, dt, soc0, ems, soc_target, may_shed):
    b = model.battery
    n = cand.ok.shape[0]
    target = soc0 if soc_target is None else soc_target
    lo = max(b.soc_min, target - DP_SOC_BAND)
    hi = min(b.soc_max, target + DP_SOC_BAND)
    grid = np.linspace(lo, hi, ems.dp_soc_points)
    # terminal cost: steep on both sides, so that the cycle ends charge-balanced (kg per SOC)
    v_next = DP_TERMINAL_PENALTY * np.abs(target - grid)
    values = np.empty((n + 1, grid.size))
    values[n] = v_next
    ocv = b.ocv(grid)[:, None]
    r, q = b.resistance_ohm, b.capacity_as
    p_lim = b.power_discharge_limit_w(grid)[:, None]
    for i in range(n - 1, -1, -1):
        p = cand.battery_w[i][None, :]
        with np.errstate(invalid="ignore"):
            cur = rint_current_a(p, ocv, r)      # NaN where the battery cannot give p
        nxt = grid[:, None] - cur * dt[i] / q
        ok = cand.ok[i][None, :] & ~np.isnan(cur) & within_power(p, p_lim)
        ok &= (nxt >= lo - 1e-12) & (nxt <= hi + 1e-12)
        cost = cand.fuel_kg_s[i][None, :] * dt[i] + np.interp(nxt, grid, values[i + 1])
        cost = np.where(ok, cost, INFEASIBLE)
        values[i] = cost.min(axis=1)
    # forward pass from the actual SOC
    idx = np.empty(n, dtype=int)
    socs = np.empty(n)
    shed = np.zeros(n)
    soc = soc0
    for i in range(n):
        socs[i] = soc
        ok, cur, nxt, p = _admissible(model, cand, i, soc, dt[i], may_shed[i])
        if not ok.any():
            return Choice(idx, socs, soc, shed, i)
        cost = cand.fuel_kg_s[i] * dt[i] + np.interp(np.clip(nxt, lo, hi), grid, values[i + 1])
        j = int(np.argmin(np.where(ok, cost, np.inf)))
        idx[i] = j
        shed[i] = cand.battery_w[i, j] - p[j]
        soc = float(nxt[j])
    return Choice(idx, socs, soc, shed)
