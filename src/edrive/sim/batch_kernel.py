"""Compiled inner loop of :func:`edrive.sim.batch.simulate_many` (battery-electric variants).

For each variant (in parallel) the intervals of the cycle are driven in time order with the
equations of :mod:`edrive.sim.bev`, written out for one lumped drive unit with generic
losses: road load and inertia, the drive unit's force envelope and tyre grip (the trace is
feasible when every interval is, else the variant goes the single-vehicle route), the
regenerative blend and the battery's charge limit (bisection on the regeneration share, as
``bev._limit_charge``), the generic loss map by bilinear interpolation between its grid
nodes, and the Rint battery stepped forward interval by interval (the fixed point that
``Battery.run`` iterates to), inside the usable window of
:func:`edrive.components.battery.interval_power_window_w` wherever the SOC would leave it: at
the top regeneration is cut back to what the window takes; a variant whose battery would run
empty goes the single-vehicle route (it falls behind the trace). numba compiles it once per
machine (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ..components.battery import (
    SOC_TOLERANCE,
    discharge_limit_w,
    interval_power_window_w,
    rint_current_a,
    within_power,
)
from ..components.drive_unit import N_SPEED, N_TORQUE
from ..components.gear import input_torque_nm, output_torque_nm
from ..components.road import grade_force_n, grip_force_n, road_load_n
from .jit import njit

NT, NW = N_TORQUE, N_SPEED
#: the kernel's verdict per variant (column "status"): EXACT, or why the variant must go the
#: single-vehicle route
EXACT, SPEED_CAP, TRACE_MISS, BATTERY_POWER, BATTERY_EMPTY = 1.0, 0.0, -1.0, -2.0, -3.0
#: route reasons of :func:`edrive.sim.batch.simulate_many` by status
FALLBACK_REASONS = {SPEED_CAP: "speed cap", TRACE_MISS: "trace miss",
                    BATTERY_POWER: "battery power limit", BATTERY_EMPTY: "battery empty"}
N_OUT = 16  # see OUT_NAMES
OUT_NAMES = ("status", "kinetic_j", "road_load_j", "grade_j", "friction_brakes_j", "gear_loss_j",
             "motor_inverter_loss_j", "battery_loss_j", "battery_chemical_energy_j",
             "chemical_abs_j", "battery_energy_j", "regen_energy_j", "soc_end", "soc_low",
             "soc_high", "empty_sample")


@njit(cache=True, inline="always")
def _interp(x, xp, fp):
    n = xp.shape[0]
    if x <= xp[0]:
        return fp[0]
    if x >= xp[n - 1]:
        return fp[n - 1]
    j = 0
    while xp[j + 1] < x:
        j += 1
    return fp[j] + (x - xp[j]) * (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])


@njit(cache=True, inline="always")
def _node(lo, hi, n, i):
    if i == n - 1:
        return hi
    return lo + i * ((hi - lo) / (n - 1))


@njit(cache=True, inline="always")
def _z(kc, ks, ki, kw, c, t, w):
    return kc * t**2 + ks * abs(t) + ki * w + kw * w**3 + c


@njit(cache=True, inline="always")
def _loss(tm, w, tpk, wmax, kc, ks, ki, kw, c):
    x = min(max(tm, -tpk), tpk)
    y = min(max(abs(w), 0.0), wmax)
    i = min(int((x + tpk) / ((tpk + tpk) / (NT - 1))), NT - 2)
    j = min(int(y / (wmax / (NW - 1))), NW - 2)
    x0, x1 = _node(-tpk, tpk, NT, i), _node(-tpk, tpk, NT, i + 1)
    y0, y1 = _node(0.0, wmax, NW, j), _node(0.0, wmax, NW, j + 1)
    tx = (x - x0) / (x1 - x0)
    ty = (y - y0) / (y1 - y0)
    val = (_z(kc, ks, ki, kw, c, x0, y0) * (1 - tx) * (1 - ty)
           + _z(kc, ks, ki, kw, c, x1, y0) * tx * (1 - ty)
           + _z(kc, ks, ki, kw, c, x0, y1) * (1 - tx) * ty
           + _z(kc, ks, ki, kw, c, x1, y1) * tx * ty)
    if tm == 0.0 and w == 0.0:
        return 0.0
    return val


def cycle_arrays(cyc):
    """Per interval of a cycle: (dt, mean speed, acceleration, grade angle) as the
    single-vehicle simulations compute them (constant acceleration, forces at the mean
    speed)."""
    t = cyc.time_s
    dt = np.diff(t)
    grade = 0.5 * (cyc.grade[1:] + cyc.grade[:-1])
    v_t = cyc.speed_m_s
    return dt, 0.5 * (v_t[:-1] + v_t[1:]), (v_t[1:] - v_t[:-1]) / dt, np.arctan(grade)


@njit(cache=True, parallel=True)
def run_variants(p, v, acc, cos_t, sin_t, theta, dt, v_cycle_max, ocv_soc, ocv_cell, drive):
    """``p``: (n, 39) parameters in the column order of ``batch.PARAM_NAMES``; cycle arrays
    per interval; ``drive`` 0 fwd, 1 rwd, 2 awd. Returns (n, N_OUT): OUT_NAMES, the first
    column the status (EXACT, or the reason the variant takes the single route)."""
    n = p.shape[0]
    m_int = v.shape[0]
    out = np.zeros((n, N_OUT))
    for k in prange(n):
        (mass, mass_eff, radius, f0, f1, f2, wb, cg, front, mu, speed_max, p_peak, t_peak,
         w_max, p_gen, kc, ks, ki, kw, c, g, eta, d0, cv, n_s, r, q, soc0, soc_min, soc_max,
         p_dis, p_chg, aux, regen_lo, regen_hi, regen_share, regen_dec, _ch_eff,
         _ch_p) = (p[k, 0], p[k, 1], p[k, 2], p[k, 3], p[k, 4], p[k, 5], p[k, 6], p[k, 7],
                  p[k, 8], p[k, 9], p[k, 10], p[k, 11], p[k, 12], p[k, 13], p[k, 14],
                  p[k, 15], p[k, 16], p[k, 17], p[k, 18], p[k, 19], p[k, 20], p[k, 21],
                  p[k, 22], p[k, 23], p[k, 24], p[k, 25], p[k, 26], p[k, 27], p[k, 28],
                  p[k, 29], p[k, 30], p[k, 31], p[k, 32], p[k, 33], p[k, 34], p[k, 35],
                  p[k, 36], p[k, 37], p[k, 38])
        if speed_max < v_cycle_max:
            continue  # out[k, 0] = SPEED_CAP
        p_lim0 = discharge_limit_w(soc0, soc_min, _interp(soc0, ocv_soc, ocv_cell) * n_s, r,
                                   p_dis)
        soc = soc0
        soc_low, soc_high = soc0, soc0
        empty = 0 if soc0 <= soc_min + SOC_TOLERANCE else -1
        acc_e = np.zeros(N_OUT)
        ok = True
        status = EXACT
        for i in range(m_int):
            vi = v[i]
            road = road_load_n(f0, f1, f2, vi, cos_t[i])
            climb = grade_force_n(mass, sin_t[i], vi)
            inertia = mass_eff * acc[i]
            fw = inertia + road + climb
            w = vi / radius * g
            # envelope
            aw = abs(w)
            if aw <= w_max * (1 + 1e-9):
                tmx = min(t_peak, p_peak / max(aw, 1e-9))
                tmn = -min(t_peak, p_gen / max(aw, 1e-9))
            else:
                tmx = 0.0
                tmn = 0.0
            f_max = max(output_torque_nm(tmx, g, eta, d0 + cv * aw) / radius, 0.0)
            f_min = min(output_torque_nm(tmn, g, eta, d0 + cv * aw) / radius, 0.0)
            grip = grip_force_n(drive, mass, mass_eff, cg, wb, front, mu, road, theta[i])
            if fw > f_max * (1 + 1e-9) + 1e-6 or fw > grip * (1 + 1e-9) + 1e-6:
                ok = False
                status = TRACE_MISS
                break
            pos = min(max(max(fw, 0.0), f_min), f_max)
            tw = pos * radius
            tm = input_torque_nm(tw, g, eta, d0 + cv * aw)
            if not within_power(tm * w + _loss(tm, w, t_peak, w_max, kc, ks, ki, kw, c) + aux,
                                p_lim0):
                ok = False
                status = BATTERY_POWER
                break
            # regenerative blend and the drive unit's force
            braking = fw < 0
            if regen_hi > regen_lo:
                share = min(max((vi - regen_lo) / (regen_hi - regen_lo), 0.0), 1.0)
            else:
                share = 1.0 if vi >= regen_lo else 0.0
            demand = fw
            if braking:
                demand = max(fw * (share * regen_share), -regen_dec * mass_eff)
            force = min(max(demand, f_min), f_max)
            tw = force * radius
            tm = input_torque_nm(tw, g, eta, d0 + cv * aw)
            loss = _loss(tm, w, t_peak, w_max, kc, ks, ki, kw, c)
            p_dc = tm * w + loss
            p_bat = p_dc + aux
            # battery, interval by interval; the usable window binds only where the SOC
            # would leave it (then regeneration is cut back to what the window takes)
            d = dt[i]
            ocv = _interp(soc, ocv_soc, ocv_cell) * n_s
            cur = rint_current_a(p_bat, ocv, r)
            if np.isnan(cur):  # above the matched-load maximum
                ok = False
                status = BATTERY_POWER
                break
            soc_next = soc - cur * d / q
            floor = -p_chg
            if soc_next > soc_max:
                floor = interval_power_window_w(soc, d, ocv, r, q, soc_min, soc_max, p_lim0,
                                                p_chg)[0]
            if p_bat < floor:  # charge limit: scale regeneration back (bisection)
                lo, hi = 0.0, 1.0
                for _ in range(40):
                    mid = 0.5 * (lo + hi)
                    twm = force * mid * radius
                    tmm = input_torque_nm(twm, g, eta, d0 + cv * aw)
                    pm = tmm * w + _loss(tmm, w, t_peak, w_max, kc, ks, ki, kw, c) + aux
                    if pm >= floor:
                        lo = mid
                    else:
                        hi = mid
                force = force * lo
                tw = force * radius
                tm = input_torque_nm(tw, g, eta, d0 + cv * aw)
                loss = _loss(tm, w, t_peak, w_max, kc, ks, ki, kw, c)
                p_dc = tm * w + loss
                p_bat = p_dc + aux
                cur = rint_current_a(p_bat, ocv, r)
                soc_next = soc - cur * d / q
            if soc_next < soc_min:  # the battery runs empty: the single route
                ok = False
                status = BATTERY_EMPTY
                break
            f_fric = fw - force if braking else 0.0
            acc_e[1] += inertia * vi * d
            acc_e[2] += road * vi * d
            acc_e[3] += climb * vi * d
            acc_e[4] += -f_fric * vi * d
            acc_e[5] += (tm * w - force * vi) * d
            acc_e[6] += loss * d
            acc_e[7] += cur * cur * r * d
            acc_e[8] += ocv * cur * d
            acc_e[9] += abs(ocv * cur) * d
            acc_e[10] += p_bat * d
            acc_e[11] += max(-p_dc, 0.0) * d
            acc_e[12] += cur * d
            soc = soc_next
            soc_low, soc_high = min(soc_low, soc), max(soc_high, soc)
            if empty < 0 and soc <= soc_min + SOC_TOLERANCE:
                empty = i + 1
        if ok:
            for j in range(1, 12):
                out[k, j] = acc_e[j]
            out[k, 12] = soc0 - acc_e[12] / q
            out[k, 13], out[k, 14], out[k, 15] = soc_low, soc_high, empty
        out[k, 0] = status
    return out
