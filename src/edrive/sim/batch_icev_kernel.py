"""Compiled inner loop of :func:`edrive.sim.batch.simulate_many` for conventional cars.

For each variant (in parallel) the intervals of the cycle are driven in time order as
:mod:`edrive.sim.icev` drives them, calling the equations of
:mod:`edrive.components.transmission`, :mod:`edrive.components.engine`,
:mod:`edrive.components.gear` and :mod:`edrive.components.road` (numba inlines them; none is
written again here): the trace must be feasible in every interval (largest force over the
gears, tyre grip; else the variant goes the single-vehicle route); in each interval the
gears that can be usable are evaluated (engine side of the transmission,
:func:`~edrive.components.transmission.engine_side_at`, with the torque converter's
closed-form solution or the slipping launch clutch, the input inertia of the
gear, the Willans-line fuel rate) and the economy shift's raw choice and its hysteresis
(:func:`~edrive.components.transmission.shift_hysteresis`: dwell, no reversal, forced
shifts) pick the gear; then the chosen gear's engine operating
point, braking in gear, stop-start and fuel. numba compiles it once per machine
(``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ..components.engine import (
    friction_mep_pa,
    fuel_cut_off,
    full_load_torque_nm,
    overrun_fuel_power_w,
    willans_fuel_power_w,
)
from ..components.road import grade_force_n, grip_force_n, road_load_n
from ..components.transmission import (
    INPUT_INERTIA_GEARBOX_SHARE,
    driveline_slipping,
    engine_side_at,
    engine_spin_torque_nm,
    full_load_input_torque_nm,
    shift_hysteresis,
)
from .batch_kernel import EXACT, TRACE_MISS
from .jit import INLINED, njit

MAX_GEARS = 10
N_OUT = 13
OUT_NAMES = ("status", "kinetic_j", "driveline_inertia_j", "road_load_j", "grade_j",
             "friction_brakes_j", "transmission_loss_j", "aux_j", "engine_work_j",
             "engine_abs_j", "fuel_kg", "gear_shifts", "unused")
# scalar parameters per variant, in this column order
PARAM_NAMES = (
    "mass", "mass_eff", "radius", "f0", "f1", "f2", "wheelbase", "cg", "front", "mu",
    "speed_max", "w_idle", "w_max", "w_rated", "ind_eff", "pmep0", "kf", "disp", "fuel_cut",
    "stop_start", "lhv", "p_aux", "kind", "n_gears", "t0", "cv", "lockup_gear", "lockup_speed",
    "k0", "tr0", "src", "launch", "hold_s", "inertia", "creeps")
RPM = np.pi / 30.0
TOL = 1e-9
# gearbox-side share of the input inertia while slipping, by kind code (batch_icev.KINDS)
SLIP_SHARE = np.array([INPUT_INERTIA_GEARBOX_SHARE[k] for k in ("automatic", "dct", "manual")])


@njit(**INLINED)
def _fuel_power(t, w, t_max, w_rated, ind, pmep0, kf, disp, cut_speed):
    """Engine.fuel_power_w for one point (a Willans-line engine) at an engine speed w >= 0
    whose full-load torque ``t_max`` the caller has."""
    if fuel_cut_off(t, w, cut_speed):  # engine eq. (1b): fired down to the motoring torque
        if w == 0:
            return 0.0
        return overrun_fuel_power_w(t, w, t_max, ind, w_rated, pmep0, kf, disp)
    return willans_fuel_power_w(max(t, 0.0), w, t_max, ind, w_rated, pmep0, kf, disp)


# fastmath: no NaN and no signed zeros to honour (LLVM may then use the processor's min and max
# instructions): every number in the loop is finite (validated inputs; each division is by a
# positive quantity), and no zero's sign reaches a division or a comparison's outcome
@njit(cache=True, parallel=True, error_model="numpy", fastmath={"nnan", "nsz"})
def run_variants(p, ratios, etas, knot_speed, knot_power, v, acc, cos_t, sin_t, theta, dt,
                 t_end, v_ach, v_cycle_max, drive):
    """``p``: (n, len(PARAM_NAMES)); ``ratios``/``etas``: (n, MAX_GEARS) overall ratios and
    mesh efficiencies; ``knot_*``: (n, 6) full-load power knots; per-interval cycle arrays
    (``t_end``: time at the end of each interval; ``v_ach``: the trace samples); ``drive`` 0
    fwd, 1 rwd, 2 awd. Returns (n, N_OUT).

    The work per interval is cut without changing a result: the feasibility test stops at the
    first gear whose force suffices (the test compares the largest force with the need, so
    any sufficient gear decides it); the gears above the first one whose locked input speed
    lies below the upshift floor are not usable (the ratios fall, so neither are the gears
    after it) and are not evaluated; the full-load torque of a gear's operating point is
    computed once for the usability test and the fuel rate; the distance to the speed range
    (the choice when no gear is within it) is computed only in that case."""
    n = p.shape[0]
    m_int = v.shape[0]
    out = np.zeros((n, N_OUT))
    for k in prange(n):
        mass, mass_eff, radius, f0, f1, f2 = p[k, 0], p[k, 1], p[k, 2], p[k, 3], p[k, 4], p[k, 5]
        wb, cg, front, mu, speed_max = p[k, 6], p[k, 7], p[k, 8], p[k, 9], p[k, 10]
        w_idle, w_max, w_rated, ind, pmep0 = p[k, 11], p[k, 12], p[k, 13], p[k, 14], p[k, 15]
        kf, disp, cut_speed, stop_start, lhv = p[k, 16], p[k, 17], p[k, 18], p[k, 19], p[k, 20]
        p_aux, kind, ng, t0, cv = p[k, 21], int(p[k, 22]), int(p[k, 23]), p[k, 24], p[k, 25]
        lockup_gear, lockup_speed, k0, tr0 = int(p[k, 26]), p[k, 27], p[k, 28], p[k, 29]
        src, launch, hold_s, inertia = p[k, 30], p[k, 31], p[k, 32], p[k, 33]
        creeps = p[k, 34] > 0.5
        automatic = kind == 0
        slip_share = SLIP_SHARE[kind]  # transmission eq. (6a)
        j_e = (1.0 - slip_share) * inertia  # engine side, transmission eq. (6b)
        slip_prev, gear_prev, w_prev = False, -1, 0.0
        ks, kp = knot_speed[k], knot_power[k]
        if speed_max < v_cycle_max:
            continue  # out[k, 0] = SPEED_CAP
        floor = max(w_idle, 1100 * RPM)
        floor_tol = floor * (1 - TOL)
        ceiling = 0.8 * w_max
        w_top = w_max * (1 + TOL)
        w_launch = max(w_idle, launch)
        acc_e = np.zeros(N_OUT)
        ok = True
        g_now, t_shift, last_dir = -1, -np.inf, 0
        side_dir, side_t = 0, 0.0
        prev_gear = -1
        g_k = np.empty(MAX_GEARS)
        eta_k = np.empty(MAX_GEARS)
        j_k = np.empty(MAX_GEARS)  # J_in (G_k / r)^2 of eq. (6) of transmission
        w_e_k = np.zeros(MAX_GEARS)
        usable_k = np.zeros(MAX_GEARS, dtype=np.bool_)
        dec_k = np.zeros(MAX_GEARS, dtype=np.bool_)
        for j in range(ng):
            g_k[j] = ratios[k, j]
            eta_k[j] = etas[k, j]
            j_k[j] = inertia * (g_k[j] / radius) ** 2
        for i in range(m_int):
            vi = v[i]
            acc_i = acc[i]
            road = road_load_n(f0, f1, f2, vi, cos_t[i])
            climb = grade_force_n(mass, sin_t[i], vi)
            f_inertia = mass_eff * acc_i
            fw = f_inertia + road + climb
            ww = vi / radius
            # feasibility: largest force over the gears (IcevModel.propulsion_force_max), grip
            if fw > 1e-6:
                grip = max(grip_force_n(drive, mass, mass_eff, cg, wb, front, mu, road,
                                        theta[i]), 0.0)
                feasible = False
                if fw <= grip * (1 + 1e-9) + 1e-6:
                    for j in range(ng):
                        w_lock = vi / radius * g_k[j]
                        if w_lock > w_max:
                            continue
                        w_e = max(w_lock, w_launch)
                        t_e = full_load_input_torque_nm(
                            full_load_torque_nm(w_e, ks, kp, w_idle, w_max), w_e, p_aux, t0, cv)
                        f = max(t_e, 0.0) * g_k[j] * eta_k[j] / radius
                        if fw <= min(f, grip) * (1 + 1e-9) + 1e-6:
                            feasible = True
                            break
                if not feasible:
                    ok = False  # out[k, 0] = TRACE_MISS
                    break
            # economy shift: every gear (transmission.economy_shift)
            raw, raw_cost = -1, np.inf
            raw_dec, raw_dec_cost = -1, np.inf
            marg_k, marg = -1, -np.inf
            any_speed = False
            tw = fw * radius
            for j in range(ng):
                g = g_k[j]
                w_gear = g * ww
                if j >= 1 and not w_gear >= floor_tol:
                    for jj in range(j, ng):
                        usable_k[jj] = False
                        dec_k[jj] = False
                    break  # below the upshift floor, and so are the higher gears
                slip_j = driveline_slipping(automatic, j, w_gear, lockup_gear, lockup_speed,
                                            w_idle, launch)
                share = 1.0 - (1.0 - slip_share) * (1.0 if slip_j else 0.0)
                f_j = j_k[j] * acc_i * share  # transmission eqs. (6), (6a)
                w_e, t_e, _, _, brake_j = engine_side_at(
                    tw + f_j * radius, ww, j, g, eta_k[j], w_idle, automatic, t0, cv,
                    lockup_gear, lockup_speed, k0, tr0, src, launch, creeps)
                w_in = max(w_e, w_gear)  # engine and gearbox input within the speed limit
                dec = slip_j and brake_j != 0.0  # coasting decoupled in this gear
                w_e_k[j] = w_in
                usable_k[j] = False
                dec_k[j] = dec
                if w_in <= w_top:
                    any_speed = True
                    t_mx = full_load_torque_nm(w_e, ks, kp, w_idle, w_max)
                    if t_e <= 0.9 * t_mx + TOL and w_in <= ceiling:
                        usable_k[j] = True
                        c = _fuel_power(t_e + p_aux / max(w_e, 1.0), w_e, t_mx, w_rated, ind,
                                        pmep0, kf, disp, cut_speed) / lhv + 1e-9 * w_e
                        if dec and c < raw_dec_cost:
                            raw_dec, raw_dec_cost = j, c
                        if not dec and c < raw_cost:
                            raw, raw_cost = j, c
                    if t_mx - t_e > marg:
                        marg_k, marg = j, t_mx - t_e
            # a decoupled gear only when no usable gear keeps the engine coupled
            if raw >= 0:
                for j in range(ng):
                    if dec_k[j]:
                        usable_k[j] = False
            else:
                raw = raw_dec
            if raw < 0:
                raw = max(marg_k, 0)
            if not any_speed:  # no gear in the speed range: the one nearest to it
                out_k, out_v = -1, np.inf
                for j in range(ng):
                    g = g_k[j]
                    slip_j = driveline_slipping(automatic, j, g * ww, lockup_gear,
                                                lockup_speed, w_idle, launch)
                    share = 1.0 - (1.0 - slip_share) * (1.0 if slip_j else 0.0)
                    f_j = j_k[j] * acc_i * share
                    w_e, _, _, _, _ = engine_side_at(
                        tw + f_j * radius, ww, j, g, eta_k[j], w_idle, automatic, t0, cv,
                        lockup_gear, lockup_speed, k0, tr0, src, launch, creeps)
                    outside = max(max(w_e, g * ww) - w_max, 0.0)
                    if j >= 1:
                        outside += max(floor - g * ww, 0.0)
                    if outside < out_v:
                        out_k, out_v = j, outside
                raw = out_k
            # hysteresis (dwell, no reversal, forced shifts)
            if g_now < 0:
                g_now = raw
            g_now, t_shift, last_dir, side_dir, side_t, _ = shift_hysteresis(
                g_now, raw, usable_k[g_now], w_e_k[g_now], ceiling, t_end[i], t_shift,
                last_dir, side_dir, side_t, hold_s)
            gear = g_now
            if prev_gear >= 0 and gear != prev_gear:
                acc_e[11] += 1.0
            prev_gear = gear
            # the chosen gear (icev.simulate_icev)
            g = g_k[gear]
            eta = eta_k[gear]
            slip_g = driveline_slipping(automatic, gear, g * ww, lockup_gear, lockup_speed,
                                        w_idle, launch)
            share = 1.0 - (1.0 - slip_share) * (1.0 if slip_g else 0.0)
            f_spin = j_k[gear] * acc_i * share  # transmission eqs. (6), (6a)
            fw2 = fw + f_spin
            w_e, t_e, _, slipping, brake = engine_side_at(
                fw2 * radius, ww, gear, g, eta, w_idle, automatic, t0, cv, lockup_gear,
                lockup_speed, k0, tr0, src, launch, creeps)
            t_aux = p_aux / max(w_e, 1e-9)
            t_floor = -(friction_mep_pa(w_e, kf) + pmep0) * disp / (4 * np.pi) - t_aux
            over = (t_e < t_floor) and not slipping
            drag = t0 + cv * w_e
            tw_engine = (t_floor - drag) * g / eta if over else fw2 * radius - brake
            t_e2 = t_floor if over else t_e
            loss_tr = t_e2 * w_e - tw_engine * ww
            f_fric = fw2 - tw_engine / radius
            # the engine side of a slipping converter or clutch, transmission eq. (6b)
            both = slipping and slip_prev and gear == gear_prev
            t_spin = engine_spin_torque_nm(j_e, w_e, w_prev, 0.5 * (dt[i - 1] + dt[i]),
                                           both) if i > 0 else 0.0
            slip_prev, gear_prev, w_prev = slipping, gear, w_e
            t_total = t_e2 + t_aux + t_spin
            off = stop_start > 0.5 and v_ach[i + 1] == 0 and v_ach[i] == 0
            d_t = dt[i]
            if not off:
                fuel = _fuel_power(t_total, w_e, full_load_torque_nm(w_e, ks, kp, w_idle, w_max),
                                   w_rated, ind, pmep0, kf, disp, cut_speed) / lhv
                acc_e[10] += fuel * d_t
                acc_e[8] += t_total * w_e * d_t
                acc_e[9] += abs(t_total * w_e) * d_t
                acc_e[6] += loss_tr * d_t
                acc_e[7] += p_aux * d_t
                acc_e[2] += t_spin * w_e * d_t
            acc_e[1] += f_inertia * vi * d_t
            acc_e[2] += f_spin * vi * d_t
            acc_e[3] += road * vi * d_t
            acc_e[4] += climb * vi * d_t
            acc_e[5] += -f_fric * vi * d_t
        if ok:
            for j in range(1, N_OUT):
                out[k, j] = acc_e[j]
        out[k, 0] = EXACT if ok else TRACE_MISS
    return out
