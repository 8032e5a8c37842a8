"""The compiled time loop of conventional cars: :func:`edrive.sim.icev.simulate_icev` runs it
for one car with its time series recorded, :func:`edrive.sim.batch.simulate_many` for N
variants with their summaries.

For each variant the intervals of the cycle are driven in time order, calling the equations
of :mod:`edrive.components.transmission`, :mod:`edrive.components.engine`,
:mod:`edrive.components.gear` and :mod:`edrive.components.road` (numba inlines them; none is
written again here):

* the trace is followed as :func:`edrive.sim.core.follow_trace` follows it: an interval
  whose force is beyond reach (the largest force over the gears, the tyre grip) ends at the
  largest end speed within it (:func:`edrive.sim.core.end_speed_search`), and the car
  rejoins the trace when it can;
* the gear: the economy shift (the gears that can be usable are evaluated, engine side of the
  transmission, :func:`~edrive.components.transmission.engine_side_at`, with the torque
  converter's closed-form solution or the slipping launch clutch, the input inertia of the
  gear, the fuel rate; its raw choice and the hysteresis
  :func:`~edrive.components.transmission.shift_hysteresis`: dwell, no reversal, forced
  shifts), a driver's fixed shift speeds
  (:func:`~edrive.components.transmission.driver_gear`), or a gear given per interval (the
  WLTP gearshift procedure, computed before the loop);
* then the chosen gear's engine operating point, braking in gear, stop-start and fuel
  (the Willans line or the engine's efficiency curve).

numba compiles it once per machine (``cache=True``).
"""

from __future__ import annotations

import numpy as np

from ..components.engine import (
    curve_fuel_power_w,
    fuel_cut_off,
    full_load_torque_nm,
    motoring_torque_nm,
    overrun_fuel_power_w,
    willans_fuel_power_w,
)
from ..components.road import grade_force_n, grip_force_n, road_load_n
from ..components.transmission import (
    ECONOMY_SHIFT_CEILING,
    ECONOMY_SHIFT_FLOOR_RAD_S,
    ECONOMY_SHIFT_RESERVE,
    INPUT_INERTIA_GEARBOX_SHARE,
    driveline_slipping,
    driver_gear,
    engine_side_at,
    engine_spin_torque_nm,
    gear_force_max_n,
    input_inertia_force_n,
    shift_hysteresis,
)
from .batch_kernel import EXACT
from .core import TRACE_TOLERANCE_M_S, end_speed_search
from .jit import INLINED, NO_REFCOUNT, njit

MAX_GEARS = 10
N_OUT = 15
OUT_NAMES = ("status", "kinetic_j", "driveline_inertia_j", "road_load_j", "grade_j",
             "friction_brakes_j", "transmission_loss_j", "aux_j", "engine_work_j",
             "engine_abs_j", "fuel_kg", "gear_shifts", "distance_m", "trace_missed_s",
             "trace_max_shortfall_m_s")
#: the parameters of one variant, SI units: its vehicle's, its engine's and its gearbox's
#: (``kind``: :data:`edrive.sim.batch_icev.KINDS`; ``shift``: :data:`SHIFTS`)
PARAM_DTYPE = np.dtype([
    ("mass_kg", "f8"), ("mass_effective_kg", "f8"), ("radius_m", "f8"), ("f0_n", "f8"),
    ("f1_n_s_m", "f8"), ("f2_n_s2_m2", "f8"), ("wheelbase_m", "f8"), ("cg_height_m", "f8"),
    ("front_share", "f8"), ("mu", "f8"), ("speed_max_m_s", "f8"), ("aux_power_w", "f8"),
    ("shift_hold_s", "f8"), ("input_inertia_kg_m2", "f8"), ("shift", "i8"),
    ("speed_idle_rad_s", "f8"), ("speed_max_rad_s", "f8"), ("speed_rated_rad_s", "f8"),
    ("indicated_efficiency", "f8"), ("pmep0_pa", "f8"), ("friction_factor", "f8"),
    ("displacement_m3", "f8"), ("fuel_cut_speed_rad_s", "f8"), ("stop_start", "?"),
    ("lhv_j_kg", "f8"), ("efficiency_curve", "?"), ("power_rated_w", "f8"),
    ("idle_fuel_power_w", "f8"),
    ("kind", "i8"), ("n_gears", "i8"), ("drag_torque_nm", "f8"), ("viscous_drag_nm_s", "f8"),
    ("lockup_gear", "i8"), ("lockup_speed_rad_s", "f8"), ("k_stall", "f8"),
    ("torque_ratio_stall", "f8"), ("coupling_speed_ratio", "f8"), ("launch_speed_rad_s", "f8"),
    ("creeps", "?")])
#: the gear choice by its code in the ``shift`` field
SHIFTS = {"economy": 0, "driver": 1, "wltp": 2}
#: the time series recorded per interval for one car (rows of ``rec``)
REC_NAMES = ("gear", "engine_speed_rad_s", "engine_torque_nm", "transmission_loss_w",
             "fuel_rate_kg_s", "friction_n", "spin_force_n", "shift_forced", "speed_m_s",
             "road_n", "grade_n", "inertia_n", "wheel_n")
TOL = 1e-9
# gearbox-side share of the input inertia while slipping, by kind code (batch_icev.KINDS)
SLIP_SHARE = np.array([INPUT_INERTIA_GEARBOX_SHARE[k] for k in ("automatic", "dct", "manual")])
# rows of the work array: per gear its overall ratio, mesh efficiency, engine speed (economy
# shift: the higher of the engine and the gearbox input), engine torque, full-load torque,
# 1.0 where it is usable / decoupled (economy shift), locked gearbox input speed
_G, _ETA, _W, _T, _TMAX, _USABLE, _DEC, _WG = range(8)
N_WORK = 8


@njit(**INLINED)
def _fuel_power(t, w, t_max, eng, curve_x, curve_y):
    """Engine.fuel_power_w (:func:`edrive.components.engine.engine_fuel_power_w`) at one point
    of engine speed w >= 0 whose full-load torque ``t_max`` the caller has; ``eng``: (peak
    indicated efficiency, rated speed, pmep0, friction factor, displacement, fuel cut-off
    speed, rated power, idle fuel power, efficiency curve given)."""
    ind, w_rated, pmep0, kf, disp, cut_speed, p_rated, idle_fuel, with_curve = eng
    cut = fuel_cut_off(t, w, cut_speed)
    if with_curve:  # engine eq. (5)
        return 0.0 if cut else curve_fuel_power_w(max(t, 0.0) * w, p_rated, curve_x, curve_y,
                                                  idle_fuel)
    if cut:  # engine eq. (1b): fired down to the motoring torque
        if w == 0:
            return 0.0
        return overrun_fuel_power_w(t, w, t_max, ind, w_rated, pmep0, kf, disp)
    return willans_fuel_power_w(max(t, 0.0), w, t_max, ind, w_rated, pmep0, kf, disp)


@njit(**INLINED)
def _in_gear(j, g, eta, tw, ww, acc_i, radius, inertia, slip_share, box):
    """The engine side in gear ``j`` (overall ratio ``g``, efficiency ``eta``) at the wheel
    torque ``tw`` and speed ``ww``, with the input inertia of the gear (transmission eqs. (6),
    (6a)): (engine speed, engine torque, slipping, wheel torque left to the brakes, the
    inertia's wheel force)."""
    w_idle, automatic, t0, cv, lockup_gear, lockup_speed, k0, tr0, src, launch, creeps = box
    slip = driveline_slipping(automatic, j, g * ww, lockup_gear, lockup_speed, w_idle, launch)
    f_j = input_inertia_force_n(inertia, g, radius, acc_i, slip, slip_share)
    w_e, t_e, _, slipping, brake = engine_side_at(
        tw + f_j * radius, ww, j, g, eta, w_idle, automatic, t0, cv, lockup_gear,
        lockup_speed, k0, tr0, src, launch, creeps)
    return w_e, t_e, slipping, brake, f_j


@njit(**INLINED)
def _reachable(fw, vi, theta_i, road, q, work, ks, kp, drive):
    """Whether the wheel force ``fw`` at the mean speed ``vi`` is within reach for the
    variant ``q`` (``IcevModel.propulsion_force_max``: the largest force over the gears, the
    tyre grip); the test stops at the first gear whose force suffices (any sufficient gear
    decides)."""
    if fw <= 1e-6:
        return True
    grip = max(grip_force_n(drive, q.mass_kg, q.mass_effective_kg, q.cg_height_m,
                            q.wheelbase_m, q.front_share, q.mu, road, theta_i), 0.0)
    if fw > grip * (1 + 1e-9) + 1e-6:
        return False
    for j in range(q.n_gears):
        f = gear_force_max_n(vi, work[_G, j], work[_ETA, j], q.radius_m, ks, kp,
                             q.speed_idle_rad_s, q.speed_max_rad_s, q.launch_speed_rad_s,
                             q.aux_power_w, q.drag_torque_nm, q.viscous_drag_nm_s)
        if fw <= min(f, grip) * (1 + 1e-9) + 1e-6:
            return True
    return False


@njit(**INLINED)
def _kinematics(v0, v1, d, cos_i, sin_i, q):
    """An interval from ``v0`` to ``v1`` in ``d`` seconds at constant acceleration, for the
    variant ``q``: (mean speed, acceleration, road load, grade force), as
    ``edrive.sim.core.interval_force_n`` takes them."""
    vm = 0.5 * (v0 + v1)
    return (vm, (v1 - v0) / d, road_load_n(q.f0_n, q.f1_n_s_m, q.f2_n_s2_m2, vm, cos_i),
            grade_force_n(q.mass_kg, sin_i, vm))


@njit(**NO_REFCOUNT)
def _reach_at(v0, v1, d, cos_i, sin_i, theta_i, q, work, ks, kp, drive):
    """Whether an interval from ``v0`` to ``v1`` in ``d`` seconds is within reach
    (:func:`_reachable` of its wheel force m_eff a + road load + grade force), for the end
    speed search."""
    vm, acc, road, climb = _kinematics(v0, v1, d, cos_i, sin_i, q)
    return _reachable(q.mass_effective_kg * acc + road + climb, vm, theta_i, road, q, work, ks,
                      kp, drive)


_search = end_speed_search(_reach_at)


@njit(**INLINED)
def _economy_raw(ng, work, tw, ww, acc_i, radius, inertia, slip_share, box, floor, ceiling,
                 w_max, ks, kp, p_aux, eng, lhv, curve_x, curve_y):
    """The economy shift's raw choice (:mod:`edrive.components.transmission`, its step 1):
    the usable gear of least fuel, else the one with the largest torque margin, else the one
    nearest to the speed range; ``work`` gets each gear's top speed and whether it is usable.
    No gear above the first one whose locked input speed lies below the upshift floor is
    evaluated (the ratios fall, so none after it is usable); the full-load torque of a gear's
    operating point is computed once for the reserve test and the fuel rate."""
    w_idle = box[0]
    raw, raw_cost = -1, np.inf
    raw_dec, raw_dec_cost = -1, np.inf
    marg_k, marg = -1, -np.inf
    any_speed = False
    for j in range(ng):
        g = work[_G, j]
        w_gear = g * ww
        if j >= 1 and not w_gear >= floor * (1 - TOL):
            for jj in range(j, ng):
                work[_USABLE, jj] = 0.0
                work[_DEC, jj] = 0.0
            break  # below the upshift floor, and so are the higher gears
        w_e, t_e, slipping, brake, _ = _in_gear(j, g, work[_ETA, j], tw, ww, acc_i, radius,
                                                inertia, slip_share, box)
        w_in = max(w_e, w_gear)  # engine and gearbox input within the speed limit
        dec = slipping and brake != 0.0  # coasting decoupled in this gear
        work[_W, j] = w_in
        work[_USABLE, j] = 0.0
        work[_DEC, j] = 1.0 if dec else 0.0
        if w_in <= w_max * (1 + TOL):
            any_speed = True
            t_mx = full_load_torque_nm(w_e, ks, kp, w_idle, w_max)
            if t_e <= ECONOMY_SHIFT_RESERVE * t_mx + TOL and w_in <= ceiling:
                work[_USABLE, j] = 1.0
                c = _fuel_power(t_e + p_aux / max(w_e, 1.0), w_e, t_mx, eng, curve_x,
                                curve_y) / lhv + 1e-9 * w_e
                if dec and c < raw_dec_cost:
                    raw_dec, raw_dec_cost = j, c
                if not dec and c < raw_cost:
                    raw, raw_cost = j, c
            if t_mx - t_e > marg:
                marg_k, marg = j, t_mx - t_e
    # a decoupled gear only when no usable gear keeps the engine coupled
    if raw >= 0:
        for j in range(ng):
            if work[_DEC, j] > 0:
                work[_USABLE, j] = 0.0
    else:
        raw = raw_dec
    if raw < 0:
        raw = max(marg_k, 0)
    if not any_speed:  # no gear in the speed range: the one nearest to it
        out_k, out_v = -1, np.inf
        for j in range(ng):
            g = work[_G, j]
            w_e, _, _, _, _ = _in_gear(j, g, work[_ETA, j], tw, ww, acc_i, radius, inertia,
                                       slip_share, box)
            outside = max(max(w_e, g * ww) - w_max, 0.0)
            if j >= 1:
                outside += max(floor - g * ww, 0.0)
            if outside < out_v:
                out_k, out_v = j, outside
        raw = out_k
    return raw


@njit(**INLINED)
def _driver(held, ng, work, tw, ww, acc_i, radius, inertia, slip_share, box, w_max, ks, kp):
    """A driver's gear (:func:`~edrive.components.transmission.driver_gear`) from the gear
    ``held`` so far: (the driver's gear, the gear driven within the engine's limits)."""
    w_idle = box[0]
    for j in range(ng):
        w_e, t_e, _, _, _ = _in_gear(j, work[_G, j], work[_ETA, j], tw, ww, acc_i, radius,
                                     inertia, slip_share, box)
        work[_W, j], work[_T, j], work[_WG, j] = w_e, t_e, work[_G, j] * ww
        work[_TMAX, j] = full_load_torque_nm(w_e, ks, kp, w_idle, w_max)
    return driver_gear(held, ng, work[_WG], work[_W], work[_T], work[_TMAX], w_max)


@njit(**NO_REFCOUNT)
def _variant(out, q, ratios, etas, ks, kp, curve_x, curve_y, gears, v_target, cos_t, sin_t,
             theta, dt, t_end, drive, rec, acc_e, work):
    """One variant (``q``: its record of PARAM_DTYPE) over the cycle: its outputs into ``out``
    (OUT_NAMES), its time series into ``rec`` where that has columns (REC_NAMES). ``acc_e``
    (N_OUT,) and ``work`` (N_WORK, MAX_GEARS): zeroed work arrays from the caller."""
    mass_eff, radius, v_cap = q.mass_effective_kg, q.radius_m, q.speed_max_m_s
    w_idle, w_max, kf = q.speed_idle_rad_s, q.speed_max_rad_s, q.friction_factor
    pmep0, disp, lhv = q.pmep0_pa, q.displacement_m3, q.lhv_j_kg
    p_aux, kind, ng = q.aux_power_w, q.kind, q.n_gears
    t0, cv, launch = q.drag_torque_nm, q.viscous_drag_nm_s, q.launch_speed_rad_s
    hold_s, inertia, shift = q.shift_hold_s, q.input_inertia_kg_m2, q.shift
    eng = (q.indicated_efficiency, q.speed_rated_rad_s, pmep0, kf, disp, q.fuel_cut_speed_rad_s,
           q.power_rated_w, q.idle_fuel_power_w, q.efficiency_curve)
    automatic = kind == 0
    box = (w_idle, automatic, t0, cv, q.lockup_gear, q.lockup_speed_rad_s, q.k_stall,
           q.torque_ratio_stall, q.coupling_speed_ratio, launch, q.creeps)
    slip_share = SLIP_SHARE[kind]  # transmission eq. (6a)
    j_e = (1.0 - slip_share) * inertia  # engine side, transmission eq. (6b)
    record = rec.shape[1] > 0
    floor = max(w_idle, ECONOMY_SHIFT_FLOOR_RAD_S)
    ceiling = ECONOMY_SHIFT_CEILING * w_max
    for j in range(ng):
        work[_G, j], work[_ETA, j] = ratios[j], etas[j]
    slip_prev, gear_prev, w_prev = False, -1, 0.0
    g_now, t_shift, last_dir, side_dir, side_t = -1, -np.inf, 0, 0, 0.0
    held = 0  # the driver's gear
    forced = False
    v0 = min(v_target[0], v_cap)
    v_before = v0
    worst = v_target[0] - v0
    searched = False
    for i in range(dt.shape[0]):
        d_t = dt[i]
        vt1 = min(v_target[i + 1], v_cap)
        # the trace where it is within reach, else the largest end speed that is
        v1 = vt1
        vi, acc_i, road, climb = _kinematics(v0, v1, d_t, cos_t[i], sin_t[i], q)
        fw = mass_eff * acc_i + road + climb
        if v0 == min(v_target[i], v_cap) and _reachable(fw, vi, theta[i], road, q, work, ks,
                                                         kp, drive):
            searched = False
        else:
            guess = v0 + (v0 - v_before) * d_t / dt[i - 1] if searched else -1.0
            v1 = _search(v0, vt1, d_t, guess, cos_t[i], sin_t[i], theta[i], q, work, ks, kp,
                         drive)
            searched = True
            vi, acc_i, road, climb = _kinematics(v0, v1, d_t, cos_t[i], sin_t[i], q)
            fw = mass_eff * acc_i + road + climb
        short = v_target[i + 1] - v1
        worst = max(worst, short)
        if short > TRACE_TOLERANCE_M_S:
            acc_e[13] += d_t
        f_inertia = mass_eff * acc_i
        ww = vi / radius
        tw = fw * radius
        if shift == 0:
            raw = _economy_raw(ng, work, tw, ww, acc_i, radius, inertia, slip_share, box,
                               floor, ceiling, w_max, ks, kp, p_aux, eng, lhv, curve_x,
                               curve_y)
            if g_now < 0:
                g_now = raw
            g_now, t_shift, last_dir, side_dir, side_t, forced = shift_hysteresis(
                g_now, raw, work[_USABLE, g_now] > 0, work[_W, g_now], ceiling, t_end[i],
                t_shift, last_dir, side_dir, side_t, hold_s)
            gear = g_now
        elif shift == 1:
            held, gear = _driver(held, ng, work, tw, ww, acc_i, radius, inertia, slip_share,
                                 box, w_max, ks, kp)
        else:
            gear = gears[i]
        if gear_prev >= 0 and gear != gear_prev:
            acc_e[11] += 1.0
        # the chosen gear
        g, eta = work[_G, gear], work[_ETA, gear]
        w_e, t_e, slipping, brake, f_spin = _in_gear(gear, g, eta, tw, ww, acc_i, radius,
                                                     inertia, slip_share, box)
        fw2 = fw + f_spin
        t_aux = p_aux / max(w_e, 1e-9)
        # braking in gear: the engine absorbs at most its motoring torque, the brakes the rest
        t_floor = motoring_torque_nm(w_e, kf, pmep0, disp) - t_aux
        over = (t_e < t_floor) and not slipping
        tw_engine = (t_floor - (t0 + cv * w_e)) * g / eta if over else fw2 * radius - brake
        t_e2 = t_floor if over else t_e
        loss_tr = t_e2 * w_e - tw_engine * ww
        f_fric = fw2 - tw_engine / radius
        # the engine side of a slipping converter or clutch, transmission eq. (6b)
        both = slipping and slip_prev and gear == gear_prev
        t_spin = engine_spin_torque_nm(j_e, w_e, w_prev, 0.5 * (dt[i - 1] + d_t),
                                       both) if i > 0 else 0.0
        slip_prev, gear_prev, w_prev = slipping, gear, w_e
        t_total = t_e2 + t_aux + t_spin
        off = q.stop_start and v1 == 0 and v0 == 0
        fuel = 0.0
        if not off:
            fuel = _fuel_power(t_total, w_e, full_load_torque_nm(w_e, ks, kp, w_idle, w_max),
                               eng, curve_x, curve_y) / lhv
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
        acc_e[12] += vi * d_t
        if record:
            rec[0, i] = gear
            rec[1, i] = 0.0 if off else w_e
            rec[2, i] = 0.0 if off else t_total
            rec[3, i] = 0.0 if off else loss_tr
            rec[4, i] = fuel
            rec[5, i], rec[6, i], rec[7, i] = f_fric, f_spin, 1.0 if forced else 0.0
            rec[8, i], rec[9, i], rec[10, i] = v1, road, climb
            rec[11, i], rec[12, i] = f_inertia, fw
        v_before, v0 = v0, v1
    for j in range(1, N_OUT):
        out[j] = acc_e[j]
    out[14] = max(worst, 0.0)
    out[0] = EXACT


# fastmath: no NaN and no signed zeros to honour (LLVM may then use the processor's min and max
# instructions): every number in the loop is finite (validated inputs; each division is by a
# positive quantity), and no zero's sign reaches a division or a comparison's outcome
@njit(cache=True, nogil=True, error_model="numpy", fastmath={"nnan", "nsz"})
def run_variants(p, ratios, etas, knot_speed, knot_power, curve_x, curve_y, gears, v_target,
                 cos_t, sin_t, theta, dt, t_end, drive, rec):
    """``p``: (n,) of PARAM_DTYPE; ``ratios``/``etas``: (n, MAX_GEARS) overall ratios and
    mesh efficiencies; ``knot_*``: (n, 6) full-load power knots; ``curve_*``: (n, K) the
    efficiency curves (power fraction, efficiency; padded); ``gears``: (n, intervals) the gear
    of each interval where the ``shift`` field says so (else (n, 0)); the cycle's speeds per
    sample, its grade angle, durations and end times per interval; ``drive`` 0 fwd, 1 rwd,
    2 awd; ``rec``: (len(REC_NAMES), intervals) for one variant, else (len(REC_NAMES), 0).
    Returns (n, N_OUT), the first column the status (EXACT for every variant: the loop drives
    every car to the end).

    The rows run one after the other on the calling thread, which releases the GIL
    (``nogil``): :func:`edrive.sim.batch_icev.run_loop` runs slices of the rows on several
    threads."""
    n = p.shape[0]
    out = np.zeros((n, N_OUT))
    for k in range(n):
        _variant(out[k], p[k], ratios[k], etas[k], knot_speed[k], knot_power[k], curve_x[k],
                 curve_y[k], gears[k], v_target, cos_t, sin_t, theta, dt, t_end, drive, rec,
                 np.zeros(N_OUT), np.zeros((N_WORK, MAX_GEARS)))
    return out
