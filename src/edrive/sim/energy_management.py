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

The causal strategies (rule-based, ECMS) run step by step in a compiled loop (numba), DP's
backward pass vectorised over the SOC grid and the candidates.

``charge_depleting=True`` (plug-in hybrids above their sustaining SOC) replaces the strategy by
"electric first": least fuel (electric whenever possible), then least battery power, until the
SOC reaches the charge-sustaining level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components.battery import interval_power_window_w, shed_auxiliaries_w, within_power
from .jit import njit

INFEASIBLE = 1e30
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
           soc_target: float, cs_level: float | None = None, may_shed=None) -> Choice:
    """Run the energy management ``ems`` (an EnergyManagementSpec) over the table ``cand``.

    ``cs_level``: for plug-in hybrids, the SOC above which the vehicle runs charge-depleting.
    ``may_shed``: per interval, whether the auxiliaries may go short (module docstring).
    """
    may_shed = np.zeros(len(dt), dtype=bool) if may_shed is None else may_shed
    if ems.strategy == "dp" and cs_level is None:
        return _dynamic_programming(model, cand, dt, soc0, ems, soc_target, may_shed)
    return _causal(model, cand, dt, wheel_power_w, soc0, ems, lhv_j_kg, soc_target, cs_level,
                   may_shed)


def _causal(model, cand, dt, wheel_power_w, soc0, ems, lhv, soc_target, cs_level, may_shed):
    b = model.battery
    p_rated = model.engine_spec.power_rated_w
    p_on = ems.engine_on_power_w if ems.engine_on_power_w is not None else 0.25 * p_rated
    k_charge = ems.charge_power_w if ems.charge_power_w is not None else 10.0 * p_rated
    idx, socs, soc_end, shed, blocked = _causal_kernel(
        cand.ok, cand.fuel_kg_s, cand.battery_w, cand.engine_on,
        np.asarray(wheel_power_w, dtype=float), np.asarray(dt, dtype=float), float(soc0),
        b.ocv_soc, b.ocv_v, b.resistance_ohm, b.capacity_as, b.power_discharge_max_w,
        b.power_charge_max_w, b.soc_min, b.soc_max, float(model.aux_power_w), may_shed,
        1 if ems.strategy == "rule" else 0, float(lhv), float(soc_target),
        -1.0 if cs_level is None else float(cs_level), float(p_on), float(k_charge),
        ems.equivalence_factor, ems.soc_feedback, ems.start_penalty_j)
    return Choice(idx, socs, soc_end, shed, blocked)


@njit(cache=True)
def _causal_kernel(ok_t, fuel_t, batt_t, on_t, wheel_w, dt, soc0, ocv_soc, ocv_v, r, q,
                   p_dis_max, p_chg_max, soc_min, soc_max, aux, may_shed, rule, lhv,
                   soc_target, cs_level, p_on, k_charge, s0, k_p, start_penalty):
    """The causal strategies, step by step (compiled): per interval the admissible
    candidates at the current SOC (battery power within the window of eq. (3) of the
    battery, the auxiliaries shed where ``may_shed``) and the strategy's cost (module
    docstring). Returns the chosen indices, the SOC at each interval start, the final SOC,
    the auxiliary power shed per interval and the first interval with no admissible
    candidate (-1 if none; the choices stop there)."""
    n, m = ok_t.shape
    idx = np.zeros(n, dtype=np.int64)
    socs = np.zeros(n)
    shed = np.zeros(n)
    p_eff = np.zeros(m)
    cur = np.zeros(m)
    nxt = np.zeros(m)
    adm = np.zeros(m, dtype=np.bool_)
    soc, engine_state = soc0, False
    for i in range(n):
        socs[i] = soc
        v = np.interp(soc, ocv_soc, ocv_v)
        low, high = interval_power_window_w(soc, dt[i], v, r, q, soc_min, soc_max, p_dis_max,
                                            p_chg_max)
        any_adm = False
        for shedding in range(2 if may_shed[i] else 1):  # the auxiliaries go short last
            for j in range(m):
                p = batt_t[i, j]
                if shedding:
                    p = shed_auxiliaries_w(p, aux, high)
                p_eff[j] = p
                disc = v * v - 4 * r * p
                cur[j] = 2 * p / (v + np.sqrt(disc)) if disc >= 0 else 0.0
                nxt[j] = soc - cur[j] * dt[i] / q
                adm[j] = ok_t[i, j] and within_power(p, high) and within_power(-p, -low)
                any_adm = any_adm or adm[j]
            if any_adm:
                break
        if not any_adm:
            return idx, socs, soc, shed, i
        depleting = cs_level >= 0 and soc > cs_level
        want_on = False
        if not depleting and rule == 1:
            w = wheel_w[i]
            if w > p_on or soc < soc_target - 0.05:
                engine_state = True
            elif w < 0.5 * p_on and soc >= soc_target:
                engine_state = False
            want_on = engine_state
            found = False
            for j in range(m):
                if adm[j] and on_t[i, j] == want_on:
                    found = True
            use_all = not found
        s_eq = s0 + k_p * (soc_target - soc)
        target = -k_charge * (soc_target - soc)
        best, best_cost = -1, np.inf
        for j in range(m):
            if not adm[j]:
                continue
            fuel = fuel_t[i, j] * lhv
            p = p_eff[j]
            if depleting:
                c = fuel * 1e3 + p
            elif rule == 1:
                if use_all or on_t[i, j] == want_on:
                    c = abs(p - target) * 1e3 + fuel * 1e-3 if on_t[i, j] else p
                else:
                    c = INFEASIBLE
            else:
                c = fuel + s_eq * v * cur[j]
                if not engine_state and on_t[i, j]:
                    c = c + start_penalty / dt[i]
            if c < best_cost:
                best, best_cost = j, c
        if best < 0:  # every cost infinite: the first admissible candidate
            for j in range(m):
                if adm[j]:
                    best = j
                    break
        if rule == 0:
            engine_state = on_t[i, best]
        idx[i] = best
        shed[i] = batt_t[i, best] - p_eff[best]
        soc = nxt[best]
    return idx, socs, soc, shed, -1


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
        disc = ocv * ocv - 4 * r * p
        cur = 2 * p / (ocv + np.sqrt(np.maximum(disc, 0.0)))
        nxt = grid[:, None] - cur * dt[i] / q
        ok = cand.ok[i][None, :] & (disc >= 0) & within_power(p, p_lim)
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
