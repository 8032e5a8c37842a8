"""The compiled time loop of a battery-electric car: run for N variants by
:func:`edrive.sim.batch.simulate_many` (summaries only) and for one car by
:func:`edrive.sim.bev.simulate` (with the time series recorded).

For each variant (in parallel) the intervals of the cycle are driven in time order with the
equations of :mod:`edrive.sim.bev`: road load and inertia, the drive units' force envelopes
and tyre grip (the trace is feasible when every interval is, else the variant goes the
numpy route, which follows the trace as closely as it can), the regenerative blend, the
wheel force shared between two drive units by the loss-minimising split of
:mod:`edrive.sim.powertrain` (the same candidate shares), the battery's charge limit
(bisection on the regeneration share, as ``bev._limit_charge``), each drive unit's own loss
map (:class:`~edrive.components.loss_map.LossMap`: the generic model tabulated, a measured
map or a physics-based drive unit's, whichever built it) by bilinear interpolation between
its nodes exactly as :func:`edrive.maps.bilinear` does, and the Rint battery stepped
forward interval by interval (the fixed point that ``Battery.run`` iterates to), inside the
usable window of :func:`edrive.components.battery.interval_power_window_w` wherever the SOC
would leave it: at the top regeneration is cut back to what the window takes; a variant
whose battery would run empty goes the numpy route (it falls behind the trace). numba
compiles it once per machine (``cache=True``).

Inputs
------
* ``p``: one row per variant of the structured array :data:`PARAM_DTYPE`, named fields
  (:data:`PARAM_NAMES`, in SI units), and ``units``, its drive units' rows of
  :data:`UNIT_DTYPE` (:data:`UNIT_NAMES`);
* the cycle's per-interval arrays (:func:`cycle_arrays`);
* ``maps``: the loss maps of the chunk, stacked (:func:`stack_maps`); each drive unit names
  its map by index (``loss_map``) and may scale it: its loss is ``loss_scale`` times the
  map's at the torque ``loss_torque_scale`` * T (both 1 for a map of its own);
* ``envelopes``: tabulated torque envelopes (a physics-based drive unit's); a unit with
  ``envelope`` < 0 has the closed form of eq. (2) of :mod:`edrive.components.drive_unit`;
* ``rec``: (len(REC_NAMES), intervals) filled with the time series when it has columns
  (one variant), else (len(REC_NAMES), 0).
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
from ..components.gear import input_torque_nm, output_torque_nm
from ..components.road import grade_force_n, grip_force_n, road_load_n
from .jit import njit

#: the kernel's verdict per variant (column "status"): EXACT, or why the variant must go the
#: numpy route
EXACT, SPEED_CAP, TRACE_MISS, BATTERY_POWER, BATTERY_EMPTY = 1.0, 0.0, -1.0, -2.0, -3.0
#: route reasons of :func:`edrive.sim.batch.simulate_many` by status
FALLBACK_REASONS = {SPEED_CAP: "speed cap", TRACE_MISS: "trace miss",
                    BATTERY_POWER: "battery power limit", BATTERY_EMPTY: "battery empty"}

#: the parameters of one variant, SI units (fields of :data:`PARAM_DTYPE`)
PARAM_NAMES = (
    "mass_kg", "mass_effective_kg", "radius_m", "f0_n", "f1_n_s_m", "f2_n_s2_m2",
    "wheelbase_m", "cg_height_m", "front_share", "mu", "speed_max_m_s", "drive_units",
    # battery
    "cells_series", "resistance_ohm", "capacity_as", "soc_initial", "soc_min", "soc_max",
    "power_discharge_max_w", "power_charge_max_w", "aux_power_w",
    # brakes and charger
    "regen_speed_min_m_s", "regen_speed_full_m_s", "regen_share_max",
    "regen_deceleration_max_m_s2", "charger_efficiency", "charger_power_w")
PARAM_DTYPE = np.dtype([(name, np.float64) for name in PARAM_NAMES])
#: the parameters of one drive unit (fields of :data:`UNIT_DTYPE`; a variant has
#: ``MAX_UNITS`` of them, the first ``drive_units`` used): a lumped envelope (eq. 2 of
#: :mod:`edrive.components.drive_unit`) or a tabulated one (``envelope`` >= 0), its loss map
#: and the map's scaling, and its gear
UNIT_NAMES = (
    "power_peak_w", "torque_peak_nm", "speed_max_rad_s", "regen_power_peak_w", "envelope",
    "loss_map", "loss_scale", "loss_torque_scale",
    "gear_ratio", "mesh_efficiency", "drag_torque_nm", "viscous_drag_nm_s")
UNIT_DTYPE = np.dtype([(name, np.float64) for name in UNIT_NAMES])
MAX_UNITS = 2

OUT_NAMES = ("status", "kinetic_j", "road_load_j", "grade_j", "friction_brakes_j", "gear_loss_j",
             "motor_inverter_loss_j", "battery_loss_j", "battery_chemical_energy_j",
             "chemical_abs_j", "battery_energy_j", "regen_energy_j", "soc_end", "soc_low",
             "soc_high", "empty_sample")
N_OUT = len(OUT_NAMES)
#: the time series the kernel records for one variant, per interval: the car's, then each
#: drive unit's (``unit<k>_<name>``)
CAR_REC_NAMES = ("wheel_force_n", "road_n", "grade_n", "inertia_n", "battery_power_w",
                 "battery_current_a", "ocv_v", "soc", "friction_n")
UNIT_REC_NAMES = ("force_n", "motor_torque_nm", "motor_speed_rad_s", "motor_loss_w",
                  "dc_power_w")
REC_NAMES = CAR_REC_NAMES + tuple(f"unit{u}_{name}" for u in range(MAX_UNITS)
                                  for name in UNIT_REC_NAMES)
(R_WHEEL, R_ROAD, R_GRADE, R_INERTIA, R_BAT, R_CUR, R_OCV, R_SOC,
 R_FRICTION) = range(len(CAR_REC_NAMES))
R_UNITS = len(CAR_REC_NAMES)
N_UNIT_REC = len(UNIT_REC_NAMES)


def stack_maps(loss_maps):
    """The loss maps of a chunk as the kernel's ``maps`` tuple: torque axes (G, nt), speed
    axes (G, nw) and losses (G, nt, nw), padded to the largest map; per map the axis lengths
    (G, 2) and the axis steps (G, 2) where an axis is uniform (0 where it is not), tested as
    :func:`edrive.maps.bilinear` tests it."""
    g = len(loss_maps)
    nt = max(len(m.torque_nm) for m in loss_maps)
    nw = max(len(m.speed_rad_s) for m in loss_maps)
    axis_t, axis_w = np.zeros((g, nt)), np.zeros((g, nw))
    loss = np.zeros((g, nt, nw))
    sizes, steps = np.zeros((g, 2), dtype=np.int64), np.zeros((g, 2))
    for k, m in enumerate(loss_maps):
        a, b = len(m.torque_nm), len(m.speed_rad_s)
        axis_t[k, :a], axis_w[k, :b], loss[k, :a, :b] = m.torque_nm, m.speed_rad_s, m.loss_w
        sizes[k] = a, b
        for j, axis in enumerate((m.torque_nm, m.speed_rad_s)):
            step = (axis[-1] - axis[0]) / (len(axis) - 1)
            if np.all(np.abs(np.diff(axis) - step) <= 1e-9 * abs(step)):
                steps[k, j] = step
    return axis_t, axis_w, loss, sizes, steps


def stack_envelopes(tables):
    """Tabulated envelopes (speed [rad/s], largest motoring and most negative generating
    torque [N*m]) as the kernel's ``envelopes`` tuple, padded; a placeholder when none."""
    e = max(len(tables), 1)
    n = max([len(t[0]) for t in tables] + [2])
    w, hi, lo = np.zeros((e, n)), np.zeros((e, n)), np.zeros((e, n))
    sizes = np.full(e, 2, dtype=np.int64)
    for k, (speed, tmax, tmin) in enumerate(tables):
        m = len(speed)
        w[k, :m], hi[k, :m], lo[k, :m], sizes[k] = speed, tmax, tmin, m
    return w, hi, lo, sizes


@njit(cache=True, inline="always")
def _interp(x, xp, fp, n, right):
    """np.interp(x, xp[:n], fp[:n], right=right) for x >= xp[0] - scalars."""
    if x <= xp[0]:
        return fp[0]
    if x > xp[n - 1]:
        return right
    if x == xp[n - 1]:
        return fp[n - 1]
    lo, hi = 0, n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if xp[mid] <= x:
            lo = mid
        else:
            hi = mid
    slope = (fp[lo + 1] - fp[lo]) / (xp[lo + 1] - xp[lo])
    return slope * (x - xp[lo]) + fp[lo]


@njit(cache=True, inline="always")
def _cell(axis, n, step, q):
    """Index of the cell of ``axis[:n]`` holding ``q`` (clamped to the axis), as
    :func:`edrive.maps.bilinear` finds it: arithmetic on a uniform axis (``step`` > 0),
    else the last node at or below ``q``."""
    if step > 0.0:
        return min(int((q - axis[0]) / step), n - 2)
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if axis[mid] <= q:
            lo = mid + 1
        else:
            hi = mid
    return min(max(lo - 1, 0), n - 2)


@njit(cache=True, inline="always")
def _loss(maps, g, scale, t_scale, tm, w):
    """Motor+inverter loss [W] of map ``g`` at torque ``tm`` and speed ``w``: bilinear
    between the nodes, clamped to the grid, zero when idle at standstill
    (:meth:`edrive.components.loss_map.LossMap.loss`)."""
    if tm == 0.0 and w == 0.0:
        return 0.0
    axis_t, axis_w, z, sizes, steps = maps
    nt, nw = sizes[g, 0], sizes[g, 1]
    x = min(max(tm * t_scale, axis_t[g, 0]), axis_t[g, nt - 1])
    y = min(max(abs(w), axis_w[g, 0]), axis_w[g, nw - 1])
    i = _cell(axis_t[g], nt, steps[g, 0], x)
    j = _cell(axis_w[g], nw, steps[g, 1], y)
    x0, y0 = axis_t[g, i], axis_w[g, j]
    tx = (x - x0) / (axis_t[g, i + 1] - x0)
    ty = (y - y0) / (axis_w[g, j + 1] - y0)
    z00, z10 = z[g, i, j], z[g, i + 1, j]
    low = z00 + (z[g, i, j + 1] - z00) * ty
    high = z10 + (z[g, i + 1, j + 1] - z10) * ty
    return (low + (high - low) * tx) * scale


def cycle_arrays(cyc):
    """Per interval of a cycle: (dt, mean speed, acceleration, grade angle) as the
    single-vehicle simulations compute them (constant acceleration, forces at the mean
    speed)."""
    t = cyc.time_s
    dt = np.diff(t)
    grade = 0.5 * (cyc.grade[1:] + cyc.grade[:-1])
    v_t = cyc.speed_m_s
    return dt, 0.5 * (v_t[:-1] + v_t[1:]), (v_t[1:] - v_t[:-1]) / dt, np.arctan(grade)


@njit(cache=True, inline="always")
def _unit_limits(u, w, envelopes, radius):
    """Largest propulsive and braking wheel force [N] of drive unit ``u`` (a record of
    :data:`UNIT_DTYPE`) at motor speed ``w``: its envelope through its gear, eq. (4) of
    :mod:`edrive.components.drive_unit` (``DriveUnit.wheel_force_limits_n``)."""
    aw = abs(w)
    env = int(u.envelope)
    if aw > u.speed_max_rad_s * (1 + 1e-9):
        tmx = 0.0
        tmn = 0.0
    elif env < 0:
        tmx = min(u.torque_peak_nm, u.power_peak_w / max(aw, 1e-9))
        tmn = -min(u.torque_peak_nm, u.regen_power_peak_w / max(aw, 1e-9))
    else:
        env_w, env_hi, env_lo, env_n = envelopes
        tmx = _interp(aw, env_w[env], env_hi[env], env_n[env], 0.0)
        tmn = _interp(aw, env_w[env], env_lo[env], env_n[env], 0.0)
    drag = u.drag_torque_nm + u.viscous_drag_nm_s * aw
    return (max(output_torque_nm(tmx, u.gear_ratio, u.mesh_efficiency, drag) / radius, 0.0),
            min(output_torque_nm(tmn, u.gear_ratio, u.mesh_efficiency, drag) / radius, 0.0))


@njit(cache=True, inline="always")
def _operate(u, force, w, radius, maps):
    """Motor torque [N*m], loss and DC power [W] of drive unit ``u`` giving wheel force
    ``force`` at motor speed ``w`` (``DriveUnit.operate``, one gear)."""
    drag = u.drag_torque_nm + u.viscous_drag_nm_s * abs(w)
    tm = input_torque_nm(force * radius, u.gear_ratio, u.mesh_efficiency, drag)
    loss = _loss(maps, int(u.loss_map), u.loss_scale, u.loss_torque_scale, tm, w)
    return tm, loss, tm * w + loss


@njit(cache=True, inline="always")
def _allocate(out, units, nu, force, braking, lim, w, radius, maps, splits):
    """Wheel forces of the drive units into ``out`` (``edrive.sim.powertrain.allocate``): one
    unit's clipped to its envelope; with two, the split among ``splits`` that needs the least
    DC power, a propelling split that misses the force ranking after every one that gives
    it. ``lim``: (f_max, f_min) per unit."""
    if nu == 1:
        out[0] = min(max(force, lim[0, 1]), lim[0, 0])
        return
    best = np.inf
    for s in splits:
        f0 = min(max(s * force, lim[0, 1]), lim[0, 0])
        f1 = min(max((1 - s) * force, lim[1, 1]), lim[1, 0])
        cost = _operate(units[0], f0, w[0], radius, maps)[2] + _operate(
            units[1], f1, w[1], radius, maps)[2]
        miss = abs(f0 + f1 - force)
        if not braking and miss > 1e-6 * (1 + abs(force)):
            cost = 1e15 + miss
        if cost < best:
            best = cost
            out[0], out[1] = f0, f1


@njit(cache=True, inline="always")
def _dc_total(units, nu, forces, scale, w, radius, maps):
    """Sum of the drive units' DC power [W] for their wheel forces times ``scale``."""
    p = 0.0
    for j in range(nu):
        p += _operate(units[j], forces[j] * scale, w[j], radius, maps)[2]
    return p


@njit(cache=True, inline="always")
def _states(units, nu, forces, w, radius, maps, tm, loss, p_unit):
    """Each drive unit's motor torque, loss and DC power into ``tm``, ``loss``, ``p_unit``;
    returns the sum of the DC powers [W]."""
    p = 0.0
    for j in range(nu):
        tm[j], loss[j], p_unit[j] = _operate(units[j], forces[j], w[j], radius, maps)
        p += p_unit[j]
    return p


@njit(cache=True, parallel=True)
def run_variants(p, units, v, acc, cos_t, sin_t, theta, dt, v_cycle_max, ocv_soc, ocv_cell,
                 drive, maps, envelopes, splits, rec):
    """``p``: (n,) of :data:`PARAM_DTYPE`; ``units``: (n, MAX_UNITS) of :data:`UNIT_DTYPE`;
    cycle arrays per interval; ``drive`` 0 fwd, 1 rwd, 2 awd; ``maps``, ``envelopes`` and
    ``rec`` as in the module docstring; ``splits``: the front unit's shares of the wheel
    force tried with two drive units (``edrive.sim.powertrain.SPLITS``). Returns (n, N_OUT):
    OUT_NAMES, the first column the status (EXACT, or the reason the variant takes the numpy
    route)."""
    n = p.shape[0]
    m_int = v.shape[0]
    record = rec.shape[1] > 0
    n_ocv = ocv_soc.shape[0]
    ocv_top = ocv_cell[n_ocv - 1]
    out = np.zeros((n, N_OUT))
    for k in prange(n):
        q = p[k]
        du = units[k]
        nu = int(q.drive_units)
        mass, mass_eff, radius = q.mass_kg, q.mass_effective_kg, q.radius_m
        n_s, r, cap = q.cells_series, q.resistance_ohm, q.capacity_as
        soc0, soc_min, soc_max = q.soc_initial, q.soc_min, q.soc_max
        p_chg, aux = q.power_charge_max_w, q.aux_power_w
        regen_lo, regen_hi = q.regen_speed_min_m_s, q.regen_speed_full_m_s
        if q.speed_max_m_s < v_cycle_max:
            continue  # out[k, 0] = SPEED_CAP
        p_lim0 = discharge_limit_w(soc0, soc_min, _interp(soc0, ocv_soc, ocv_cell, n_ocv,
                                                          ocv_top) * n_s,
                                   r, q.power_discharge_max_w)
        soc = soc0
        soc_low, soc_high = soc0, soc0
        empty = 0 if soc0 <= soc_min + SOC_TOLERANCE else -1
        acc_e = np.zeros(N_OUT)
        w = np.zeros(MAX_UNITS)
        lim = np.zeros((MAX_UNITS, 2))
        tm = np.zeros(MAX_UNITS)
        loss = np.zeros(MAX_UNITS)
        p_unit = np.zeros(MAX_UNITS)
        forces = np.zeros(MAX_UNITS)
        ok = True
        status = EXACT
        for i in range(m_int):
            vi = v[i]
            road = road_load_n(q.f0_n, q.f1_n_s_m, q.f2_n_s2_m2, vi, cos_t[i])
            climb = grade_force_n(mass, sin_t[i], vi)
            inertia = mass_eff * acc[i]
            fw = inertia + road + climb
            f_env = 0.0
            for j in range(nu):
                w[j] = vi / radius * du[j].gear_ratio
                lim[j, 0], lim[j, 1] = _unit_limits(du[j], w[j], envelopes, radius)
                f_env += lim[j, 0]
            grip = grip_force_n(drive, mass, mass_eff, q.cg_height_m, q.wheelbase_m,
                                q.front_share, q.mu, road, theta[i])
            if fw > f_env * (1 + 1e-9) + 1e-6 or fw > grip * (1 + 1e-9) + 1e-6:
                ok = False
                status = TRACE_MISS
                break
            _allocate(forces, du, nu, max(fw, 0.0), False, lim, w, radius, maps, splits)
            if not within_power(_dc_total(du, nu, forces, 1.0, w, radius, maps) + aux, p_lim0):
                ok = False
                status = BATTERY_POWER
                break
            # regenerative blend and the drive units' forces
            braking = fw < 0
            if regen_hi > regen_lo:
                share = min(max((vi - regen_lo) / (regen_hi - regen_lo), 0.0), 1.0)
            else:
                share = 1.0 if vi >= regen_lo else 0.0
            demand = fw
            if braking:
                demand = max(fw * (share * q.regen_share_max),
                             -q.regen_deceleration_max_m_s2 * mass_eff)
            _allocate(forces, du, nu, demand, braking, lim, w, radius, maps, splits)
            p_dc = _states(du, nu, forces, w, radius, maps, tm, loss, p_unit)
            p_bat = p_dc + aux
            # battery, interval by interval; the usable window binds only where the SOC
            # would leave it (then regeneration is cut back to what the window takes)
            d = dt[i]
            ocv = _interp(soc, ocv_soc, ocv_cell, n_ocv, ocv_top) * n_s
            cur = rint_current_a(p_bat, ocv, r)
            if np.isnan(cur):  # above the matched-load maximum
                ok = False
                status = BATTERY_POWER
                break
            soc_next = soc - cur * d / cap
            floor = -p_chg
            if soc_next > soc_max:
                floor = interval_power_window_w(soc, d, ocv, r, cap, soc_min, soc_max, p_lim0,
                                                p_chg)[0]
            if p_bat < floor:  # charge limit: scale regeneration back (bisection)
                lo, hi = 0.0, 1.0
                for _ in range(40):
                    mid = 0.5 * (lo + hi)
                    if _dc_total(du, nu, forces, mid, w, radius, maps) + aux >= floor:
                        lo = mid
                    else:
                        hi = mid
                for j in range(nu):
                    forces[j] = forces[j] * lo
                p_dc = _states(du, nu, forces, w, radius, maps, tm, loss, p_unit)
                p_bat = p_dc + aux
                cur = rint_current_a(p_bat, ocv, r)
                soc_next = soc - cur * d / cap
            f_units = 0.0
            for j in range(nu):
                f_units += forces[j]
            if soc_next < soc_min:  # the battery runs empty: the numpy route
                ok = False
                status = BATTERY_EMPTY
                break
            f_fric = fw - f_units if braking else 0.0
            if record:
                rec[R_WHEEL, i], rec[R_ROAD, i], rec[R_GRADE, i] = fw, road, climb
                rec[R_INERTIA, i], rec[R_BAT, i], rec[R_CUR, i] = inertia, p_bat, cur
                rec[R_OCV, i], rec[R_SOC, i], rec[R_FRICTION, i] = ocv, soc, f_fric
                for j in range(nu):
                    b = R_UNITS + j * N_UNIT_REC
                    rec[b, i], rec[b + 1, i], rec[b + 2, i] = forces[j], tm[j], w[j]
                    rec[b + 3, i], rec[b + 4, i] = loss[j], p_unit[j]
            acc_e[1] += inertia * vi * d
            acc_e[2] += road * vi * d
            acc_e[3] += climb * vi * d
            acc_e[4] += -f_fric * vi * d
            for j in range(nu):
                acc_e[5] += (tm[j] * w[j] - forces[j] * vi) * d
                acc_e[6] += loss[j] * d
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
            out[k, 12] = soc0 - acc_e[12] / cap
            out[k, 13], out[k, 14], out[k, 15] = soc_low, soc_high, empty
        out[k, 0] = status
    return out
