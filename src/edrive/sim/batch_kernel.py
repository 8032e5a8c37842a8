"""The compiled time loop of a battery-electric car: run for N variants by
:func:`edrive.sim.batch.simulate_many` (summaries only) and for one car by
:func:`edrive.sim.bev.simulate` (with the time series recorded). It is the only time loop of
a battery-electric car.

For each variant the intervals of the cycle are driven in time order with the
equations of :mod:`edrive.sim.bev`: road load and inertia, the drive units' force envelopes
(over both gears of a two-speed unit) and tyre grip, the trace followed as closely as the
car can (the search of :func:`edrive.sim.core.follow_trace`), the regenerative blend, the
wheel force shared between two drive units by the loss-minimising split of
:mod:`edrive.sim.powertrain` (the same candidate shares), a two-speed unit's gear of least
DC power (``DriveUnit.operate``), each drive unit's own loss map
(:class:`~edrive.components.loss_map.LossMap`: the generic model tabulated, a measured map or
a physics-based drive unit's, whichever built it) looked up by
:func:`edrive.components.loss_map.loss_at`, the battery's open-circuit voltage by
:func:`edrive.maps.interp_at`, and the Rint battery stepped forward interval by interval (the
fixed point that ``Battery.run`` iterates to), each interval inside the usable window of
:func:`edrive.components.battery.interval_power_window_w` at its SOC (:func:`_variant`):
regeneration cut back at the top (bisection on the regeneration share), and at the bottom the
car falls behind the trace, its drive units switched off and the auxiliaries shed where the
battery cannot power them (:func:`_drive_interval`). numba compiles it once per machine
(``cache=True``); the two-speed gear's code only for chunks that have one
(:data:`TWO_SPEED_UNIT_DTYPE`, :func:`edrive.sim.jit.by_record_field`).

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

from ..components.battery import (
    SOC_TOLERANCE,
    discharge_limit_w,
    interval_power_window_w,
    rint_current_a,
    shed_auxiliaries_w,
    within_power,
)
from ..components.gear import input_torque_nm, output_torque_nm
from ..components.loss_map import loss_at
from ..components.road import grade_force_n, grip_force_n, road_load_n
from ..maps import interp_at
from .core import TRACE_TOLERANCE_M_S, end_speed_search
from .jit import INLINED, NO_REFCOUNT, by_record_field, njit

#: rows of the per-unit work array: motor speed, torque, loss, DC power, wheel force
W, TM, LOSS, P_UNIT, FORCES = range(5)
#: a compiled pass's verdict per variant (column "status"): EXACT, or REFUSED for a spec the
#: loop cannot take (the WLTP gearshift on a trace not sampled every second), which goes the
#: single route, where simulate gives the message; both loops drive every other car to the
#: end, following the trace as closely as it can
EXACT, REFUSED = 1.0, -2.0
#: route reasons of :func:`edrive.sim.batch.simulate_many` by status
FALLBACK_REASONS = {REFUSED: "refused"}

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
PARAM_DTYPE = np.dtype([(name, np.float64) for name in PARAM_NAMES], align=True)
#: the same for chunks with a car that has two drive units (the field says nothing more: its
#: presence compiles the torque split in, :data:`_allocate`; first, as for
#: :data:`TWO_SPEED_UNIT_DTYPE`)
TWO_UNIT_PARAM_DTYPE = np.dtype([(name, np.float64) for name in ("two_units",) + PARAM_NAMES],
                                align=True)
#: the parameters of one drive unit (fields of :data:`UNIT_DTYPE`; a variant has
#: ``MAX_UNITS`` of them, the first ``drive_units`` used): a lumped envelope (eq. 2 of
#: :mod:`edrive.components.drive_unit`) or a tabulated one (``envelope`` >= 0), its loss map
#: and the map's scaling, and its gear
UNIT_NAMES = (
    "power_peak_w", "torque_peak_nm", "speed_max_rad_s", "regen_power_peak_w", "envelope",
    "loss_map", "loss_scale", "loss_torque_scale",
    "gear_ratio", "mesh_efficiency", "drag_torque_nm", "viscous_drag_nm_s")
UNIT_DTYPE = np.dtype([(name, np.float64) for name in UNIT_NAMES], align=True)
#: the same with a low gear (0: none), for chunks with a two-speed unit. The extra field comes
#: first: numba would take a record whose fields extend another's at the same offsets for
#: that other type and run the code compiled for it
TWO_SPEED_UNIT_DTYPE = np.dtype([(name, np.float64) for name in ("low_gear_ratio",)
                                 + UNIT_NAMES], align=True)
MAX_UNITS = 2

OUT_NAMES = ("status", "kinetic_j", "road_load_j", "grade_j", "friction_brakes_j", "gear_loss_j",
             "motor_inverter_loss_j", "battery_loss_j", "battery_chemical_energy_j",
             "chemical_abs_j", "battery_energy_j", "regen_energy_j", "soc_end", "soc_low",
             "soc_high", "empty_sample", "distance_m", "trace_missed_s",
             "trace_max_shortfall_m_s", "aux_shed_j")
N_OUT = len(OUT_NAMES)
#: the time series the kernel records for one variant, per interval: the car's, then each
#: drive unit's (``unit<k>_<name>``)
CAR_REC_NAMES = ("speed_end_m_s", "wheel_force_n", "road_n", "grade_n", "inertia_n",
                 "battery_power_w", "battery_current_a", "ocv_v", "soc", "friction_n", "aux_w")
UNIT_REC_NAMES = ("force_n", "motor_torque_nm", "motor_speed_rad_s", "motor_loss_w",
                  "dc_power_w")
REC_NAMES = CAR_REC_NAMES + tuple(f"unit{u}_{name}" for u in range(MAX_UNITS)
                                  for name in UNIT_REC_NAMES)
(R_SPEED, R_WHEEL, R_ROAD, R_GRADE, R_INERTIA, R_BAT, R_CUR, R_OCV, R_SOC,
 R_FRICTION, R_AUX) = range(len(CAR_REC_NAMES))
R_UNITS = len(CAR_REC_NAMES)
N_UNIT_REC = len(UNIT_REC_NAMES)


def stack_maps(loss_maps):
    """The loss maps of a chunk as the kernel's ``maps`` tuple, each map's
    :attr:`~edrive.components.loss_map.LossMap.compiled` arrays padded to the largest map:
    torque axes (G, nt), speed axes (G, nw), losses flattened (G, nt * nw); per map the axis
    lengths (G, 2) and the axes' steps where uniform, else 0 (G, 2)."""
    g = len(loss_maps)
    nt = max(len(m.torque_nm) for m in loss_maps)
    nw = max(len(m.speed_rad_s) for m in loss_maps)
    axis_t, axis_w = np.zeros((g, nt)), np.zeros((g, nw))
    flat = np.zeros((g, nt * nw))
    sizes, steps = np.zeros((g, 2), dtype=np.int64), np.zeros((g, 2))
    for k, m in enumerate(loss_maps):
        t_grid, w_grid, z, t_step, w_step = m.compiled
        a, b = len(t_grid), len(w_grid)
        axis_t[k, :a], axis_w[k, :b], flat[k, :a * b] = t_grid, w_grid, z
        sizes[k] = a, b
        steps[k] = t_step, w_step
    return axis_t, axis_w, flat, sizes, steps


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


@njit(**INLINED)
def _loss(maps, g, scale, t_scale, tm, w):
    """Motor+inverter loss [W] of map ``g`` at torque ``tm`` and speed ``w``
    (:func:`edrive.components.loss_map.loss_at` on that map, which ``loss_scale`` scales at
    the torque ``loss_torque_scale`` * T)."""
    axis_t, axis_w, flat, sizes, steps = maps
    nt, nw = sizes[g, 0], sizes[g, 1]
    return loss_at(axis_t[g, :nt], axis_w[g, :nw], flat[g, :nt * nw], steps[g, 0],
                   steps[g, 1], tm * t_scale, w) * scale


def cycle_arrays(cyc):
    """Per interval of a cycle: (dt, mean speed, acceleration, grade angle) as the
    single-vehicle simulations compute them (constant acceleration, forces at the mean
    speed)."""
    t = cyc.time_s
    dt = np.diff(t)
    grade = 0.5 * (cyc.grade[1:] + cyc.grade[:-1])
    v_t = cyc.speed_m_s
    return dt, 0.5 * (v_t[:-1] + v_t[1:]), (v_t[1:] - v_t[:-1]) / dt, np.arctan(grade)


@njit(**INLINED)
def _torque_limits(u, aw, envelopes):
    """Motor torque envelope (motoring, generating) [N*m] of drive unit ``u`` at motor speed
    ``aw`` >= 0: eq. (2) of :mod:`edrive.components.drive_unit` or its tabulated envelope;
    zero beyond its maximum speed."""
    env = int(u.envelope)
    if aw > u.speed_max_rad_s * (1 + 1e-9):
        return 0.0, 0.0
    if env < 0:
        return (min(u.torque_peak_nm, u.power_peak_w / max(aw, 1e-9)),
                -min(u.torque_peak_nm, u.regen_power_peak_w / max(aw, 1e-9)))
    env_w, env_hi, env_lo, env_n = envelopes
    n = env_n[env]
    if aw > env_w[env, n - 1]:  # beyond the table: no torque
        return 0.0, 0.0
    return (interp_at(aw, env_w[env, :n], env_hi[env, :n]),
            interp_at(aw, env_w[env, :n], env_lo[env, :n]))


@njit(**INLINED)
def _gear_limits(u, g, ww, envelopes, radius):
    """Largest propulsive and braking wheel force [N] of drive unit ``u`` in the gear of
    ratio ``g`` at wheel speed ``ww``: its envelope through the gear, eq. (4)."""
    w = ww * g
    aw = abs(w)
    tmx, tmn = _torque_limits(u, aw, envelopes)
    drag = u.drag_torque_nm + u.viscous_drag_nm_s * aw
    return (output_torque_nm(tmx, g, u.mesh_efficiency, drag) / radius,
            output_torque_nm(tmn, g, u.mesh_efficiency, drag) / radius)


@njit(**INLINED)
def _unit_limits(lim, j, u, ww, envelopes, radius):
    """Into row ``j`` of ``lim``: the largest propulsive and braking wheel force [N] of drive
    unit ``u`` (a record of :data:`UNIT_DTYPE`) at wheel speed ``ww`` [rad/s] over its
    gears (``DriveUnit.wheel_force_limits_n``), then each gear's own (one loop over the
    gears, so that the gear's equations are compiled in once)."""
    hi, lo = 0.0, 0.0
    for k in range(_gears(u)):
        h, l_ = _gear_limits(u, _ratio(u, k), ww, envelopes, radius)
        lim[j, 2 + 2 * k], lim[j, 3 + 2 * k] = h, l_
        hi, lo = (h, l_) if k == 0 else (max(hi, h), min(lo, l_))
    lim[j, 0], lim[j, 1] = max(hi, 0.0), min(lo, 0.0)


def _gears_two_speed(u):
    return 2 if u.low_gear_ratio > 0 else 1


def _gears_one(u):
    return 1


def _ratio_two_speed(u, k):
    return u.low_gear_ratio if k == 0 and u.low_gear_ratio > 0 else u.gear_ratio


def _ratio_one(u, k):
    return u.gear_ratio


#: the number of gears of drive unit ``u`` (2 where it has a low gear, else 1), and the
#: ratio of its gear k (the low gear first, as ``DriveUnit.ratios``): chosen by the unit's
#: record type, so that the loop over single-speed units (:data:`UNIT_DTYPE`) compiles
#: no two-speed code; two-speed units come as :data:`TWO_SPEED_UNIT_DTYPE`
_gears = by_record_field("low_gear_ratio", _gears_two_speed, _gears_one)
_ratio = by_record_field("low_gear_ratio", _ratio_two_speed, _ratio_one)


@njit(**INLINED)
def _in_gear(u, g, force, ww, radius, maps):
    """Motor torque [N*m], speed [rad/s], loss and DC power [W] of drive unit ``u`` giving
    wheel force ``force`` at wheel speed ``ww`` in the gear of ratio ``g``."""
    w = ww * g
    drag = u.drag_torque_nm + u.viscous_drag_nm_s * abs(w)
    tm = input_torque_nm(force * radius, g, u.mesh_efficiency, drag)
    loss = _loss(maps, int(u.loss_map), u.loss_scale, u.loss_torque_scale, tm, w)
    return tm, w, loss, tm * w + loss


@njit(**INLINED)
def _operate(u, force, ww, radius, maps, lim, j):
    """Motor torque [N*m], speed [rad/s], loss and DC power [W] of drive unit ``u`` (row
    ``j`` of ``lim``, :func:`_unit_limits`) giving wheel force ``force`` at wheel speed ``ww``
    (``DriveUnit.operate``): a two-speed unit in the gear of least DC power among those whose
    envelope and speed range give the force, the low gear where neither does (one loop over
    the gears, so that the gear's equations are compiled in once)."""
    n = _gears(u)
    best = (0.0, 0.0, 0.0, 0.0)
    best_cost = np.inf
    for k in range(n):
        state = _in_gear(u, _ratio(u, k), force, ww, radius, maps)
        if n == 1:
            return state
        fits = (force <= lim[j, 2 + 2 * k] * (1 + 1e-9) + 1e-6
                and force >= lim[j, 3 + 2 * k] * (1 + 1e-9) - 1e-6)
        cost = state[3] if fits else np.inf
        if k == 0 or cost < best_cost:
            best, best_cost = state, cost
    return best


def _allocate_two(q, out, units, nu, force, braking, lim, ww, radius, maps, envelopes,
                  splits):
    if nu == 1:
        out[0] = min(max(force, lim[0, 1]), lim[0, 0])
    else:
        _best_split(out, units, force, braking, lim, ww, radius, maps, envelopes, splits)


def _allocate_one(q, out, units, nu, force, braking, lim, ww, radius, maps, envelopes,
                  splits):
    out[0] = min(max(force, lim[0, 1]), lim[0, 0])


#: wheel forces of the drive units into ``out`` (``edrive.sim.powertrain.allocate``): one
#: unit's clipped to its envelope; with two, the split among ``splits`` that needs the least
#: DC power, a propelling split that misses the force ranking after every one that gives
#: it (``lim``: (f_max, f_min) per unit). Chosen by the variant's record type ``q``, so that
#: chunks of cars with one drive unit (:data:`PARAM_DTYPE`) compile no split;
#: :data:`TWO_UNIT_PARAM_DTYPE` for chunks with a car that has two
_allocate = by_record_field("two_units", _allocate_two, _allocate_one)


@njit(**NO_REFCOUNT)
def _best_split(out, units, force, braking, lim, ww, radius, maps, envelopes, splits):
    """The two drive units' forces of :func:`_allocate` (called, not inlined: only cars with
    two drive units take it)."""
    best = np.inf
    for s in splits:
        f0 = min(max(s * force, lim[0, 1]), lim[0, 0])
        f1 = min(max((1 - s) * force, lim[1, 1]), lim[1, 0])
        cost = (_operate(units[0], f0, ww, radius, maps, lim, 0)[3]
                + _operate(units[1], f1, ww, radius, maps, lim, 1)[3])
        miss = abs(f0 + f1 - force)
        if not braking and miss > 1e-6 * (1 + abs(force)):
            cost = 1e15 + miss
        if cost < best:
            best = cost
            out[0], out[1] = f0, f1


@njit(**INLINED)
def _dc_total(units, nu, forces, scale, ww, radius, maps, lim):
    """Sum of the drive units' DC power [W] for their wheel forces times ``scale``."""
    p = 0.0
    for j in range(nu):
        p += _operate(units[j], forces[j] * scale, ww, radius, maps, lim, j)[3]
    return p


@njit(**INLINED)
def _states(units, nu, forces, ww, radius, maps, lim, work):
    """Each drive unit's motor speed, torque, loss and DC power into the rows W, TM, LOSS
    and P_UNIT of ``work``; returns the sum of the DC powers [W]."""
    p = 0.0
    for j in range(nu):
        work[TM, j], work[W, j], work[LOSS, j], work[P_UNIT, j] = _operate(
            units[j], forces[j], ww, radius, maps, lim, j)
        p += work[P_UNIT, j]
    return p


@njit(**INLINED)
def _feasible(q, du, nu, v0, v1, d, cos_i, sin_i, theta_i, drive, p_high, envelopes, maps,
              splits, lim, work):
    """Whether an interval driven from ``v0`` to ``v1`` in ``d`` seconds is within the
    powertrain's reach (``edrive.sim.powertrain.propulsion_feasible`` of the force of
    ``edrive.sim.core.interval_force_n``): a braking force always is; a propulsive one within
    the drive units' envelopes, the tyre grip and the battery's power ``p_high`` (drive
    units and auxiliaries). ``lim`` and ``work`` (the rows W, TM, LOSS, P_UNIT, FORCES per
    drive unit): work arrays. Returns (0 where it is not, 1 where it is (a braking force), 2
    where it is with ``lim`` and ``work`` filled for the interval's mean speed and the
    propulsive force; the force [N])."""
    forces = work[FORCES]
    vm = 0.5 * (v0 + v1)
    road = road_load_n(q.f0_n, q.f1_n_s_m, q.f2_n_s2_m2, vm, cos_i)
    force = q.mass_effective_kg * ((v1 - v0) / d) + road + grade_force_n(q.mass_kg, sin_i, vm)
    if force <= 0:
        return 1, force
    ww = vm / q.radius_m
    f_env = 0.0
    for j in range(nu):
        _unit_limits(lim, j, du[j], ww, envelopes, q.radius_m)
        f_env += lim[j, 0]
    grip = grip_force_n(drive, q.mass_kg, q.mass_effective_kg, q.cg_height_m, q.wheelbase_m,
                        q.front_share, q.mu, road, theta_i)
    if force > f_env * (1 + 1e-9) + 1e-6 or force > grip * (1 + 1e-9) + 1e-6:
        return 0, force
    _allocate(q, forces, du, nu, force, force < 0, lim, ww, q.radius_m, maps, envelopes,
              splits)
    p_dc = _states(du, nu, forces, ww, q.radius_m, maps, lim, work)
    return 2 * within_power(p_dc + q.aux_power_w, p_high), force


@njit(**NO_REFCOUNT)
def _feasible_at(v0, v1, d, q, du, nu, cos_i, sin_i, theta_i, drive, p_high, envelopes, maps,
                 splits, lim, work):
    """Whether :func:`_feasible`, for the end speed search."""
    return _feasible(q, du, nu, v0, v1, d, cos_i, sin_i, theta_i, drive, p_high, envelopes,
                     maps, splits, lim, work)[0] > 0


_search = end_speed_search(_feasible_at)


@njit(**NO_REFCOUNT)
def _largest_feasible_speed(v0, v_end_max, d, guess, q, du, nu, cos_i, sin_i, theta_i, drive,
                            p_high, envelopes, maps, splits, lim, work):
    """Largest end speed in [0, ``v_end_max``] of an interval from ``v0`` that is feasible
    (:func:`_feasible`), the search of :func:`edrive.sim.core.end_speed_search`, as a
    function of its own."""
    return _search(v0, v_end_max, d, guess, q, du, nu, cos_i, sin_i, theta_i, drive, p_high,
                   envelopes, maps, splits, lim, work)


@njit(**INLINED)
def _rolls(q, cos_i, sin_i):
    """Whether a car standing still on the interval's grade would roll: the downhill force
    exceeds the rolling resistance."""
    return road_load_n(q.f0_n, q.f1_n_s_m, q.f2_n_s2_m2, 0.0, cos_i) + grade_force_n(
        q.mass_kg, sin_i, 0.0) < 0


@njit(**NO_REFCOUNT)
def _into_window(du, nu, p_dc, aux, lo, hi, ww, radius, maps, lim, work):
    """The drive units' states in ``work`` brought into the battery's window [``lo``, ``hi``]
    (:func:`_drive_interval`; called, not inlined: the window binds at few intervals):
    regeneration scaled back by bisection on the share kept where the battery cannot take
    it; where it cannot give what the units and the auxiliaries draw, the units switched off
    (if they draw) and the auxiliaries given what is left. Returns (the units' DC power, the
    auxiliary power served, whether the units were switched off)."""
    forces = work[FORCES]
    if p_dc + aux < lo:  # charge limit: scale regeneration back (bisection)
        a, b = 0.0, 1.0
        for _ in range(40):
            mid = 0.5 * (a + b)
            if _dc_total(du, nu, forces, mid, ww, radius, maps, lim) + aux >= lo:
                a = mid
            else:
                b = mid
        for j in range(nu):
            forces[j] = forces[j] * a
        p_dc = _states(du, nu, forces, ww, radius, maps, lim, work)
    served = aux
    off = False
    if not within_power(p_dc + aux, hi):  # the battery cannot give it
        off = p_dc > 0
        if off:
            for j in range(nu):
                forces[j] = 0.0
                work[TM, j], work[LOSS, j], work[P_UNIT, j] = 0.0, 0.0, 0.0
            p_dc = 0.0
        served = shed_auxiliaries_w(p_dc + aux, aux, hi) - p_dc
    return p_dc, served, off


@njit(**INLINED)
def _drive_interval(q, du, nu, v0, v1, d, cos_i, sin_i, lo, hi, reuse, f_checked, envelopes,
                    maps, splits, lim, work):
    """The interval from ``v0`` to ``v1`` driven with the battery's terminal power held to
    [``lo``, ``hi``] (``edrive.sim.bev`` module docstring): road load, grade and inertia; the
    regenerative blend; the drive units' forces (the states of :func:`_feasible`, where
    ``reuse`` and the force is ``f_checked``); regeneration cut back where the battery cannot
    take it (bisection on the share kept); where it cannot give what the units and the
    auxiliaries draw, the units switched off (if they draw) and the auxiliaries given what is
    left; the friction brakes take the force the units do not give. The units' states are
    left in ``work``. Returns (mean speed, road load, grade force, inertia force, wheel force,
    the units' DC power, battery power, auxiliary power served, friction brake force)."""
    mass_eff, radius, aux = q.mass_effective_kg, q.radius_m, q.aux_power_w
    forces = work[FORCES]
    vi = 0.5 * (v0 + v1)
    road = road_load_n(q.f0_n, q.f1_n_s_m, q.f2_n_s2_m2, vi, cos_i)
    climb = grade_force_n(q.mass_kg, sin_i, vi)
    inertia = mass_eff * ((v1 - v0) / d)
    fw = inertia + road + climb
    ww = vi / radius
    if not reuse:
        for j in range(nu):
            _unit_limits(lim, j, du[j], ww, envelopes, radius)
    braking = fw < 0
    lo_v, hi_v = q.regen_speed_min_m_s, q.regen_speed_full_m_s
    if hi_v > lo_v:
        share = min(max((vi - lo_v) / (hi_v - lo_v), 0.0), 1.0)
    else:
        share = 1.0 if vi >= lo_v else 0.0
    demand = fw
    if braking:
        demand = max(fw * (share * q.regen_share_max),
                     -q.regen_deceleration_max_m_s2 * mass_eff)
    if reuse and demand == f_checked:  # as _feasible allocated it
        p_dc = 0.0
        for j in range(nu):
            p_dc += work[P_UNIT, j]
    else:
        _allocate(q, forces, du, nu, demand, braking, lim, ww, radius, maps, envelopes,
                  splits)
        p_dc = _states(du, nu, forces, ww, radius, maps, lim, work)
    served = aux
    off = False
    if p_dc + aux < lo or not within_power(p_dc + aux, hi):
        p_dc, served, off = _into_window(du, nu, p_dc, aux, lo, hi, ww, radius, maps, lim,
                                         work)
    f_units = 0.0
    for j in range(nu):
        f_units += forces[j]
    # the brakes take what the units do not give: braking, units off, or holding a car that
    # stands (or comes to rest) where it cannot be driven
    held = f_units < fw - 1e-6 * (1 + abs(fw))
    f_fric = fw - f_units if braking or off or held else 0.0
    return vi, road, climb, inertia, fw, p_dc, p_dc + served, served, f_fric


@njit(**INLINED)
def _window_margins(q, ocv_cell, dt_max):
    """SOC margins from the bottom and the top of the usable window beyond which, for
    intervals up to ``dt_max`` and at any open-circuit voltage of the pack, the window of
    eq. (3) is (-charge limit, the discharge limit at that SOC) exactly: the energy left
    could feed the matched-load current V_oc / 2R (largest at the highest voltage) and the
    room left take the charging current at the charge limit (largest at the lowest voltage,
    as P = V I - R I^2)."""
    v_min, v_max = ocv_cell[0], ocv_cell[0]
    for k in range(1, ocv_cell.shape[0]):
        v_min, v_max = min(v_min, ocv_cell[k]), max(v_max, ocv_cell[k])
    v_min, v_max = v_min * q.cells_series, v_max * q.cells_series
    r = q.resistance_ohm
    i_dis = v_max / (2 * r)
    i_chg = (np.sqrt(v_min * v_min + 4 * r * q.power_charge_max_w) - v_min) / (2 * r)
    scale = dt_max / q.capacity_as * (1 + 1e-6)
    return i_dis * scale + 1e-12, i_chg * scale + 1e-12


@njit(**INLINED)
def _matched_load_voltage(q, p_lim0):
    """The open-circuit voltage above which the matched load, 0.999 V_oc^2 / 4R, exceeds
    ``p_lim0`` (with room for rounding): there the discharge limit is ``p_lim0``."""
    return np.sqrt(p_lim0 * 4 * q.resistance_ohm / 0.999) * (1 + 1e-9)


@njit(**INLINED)
def _window(q, soc, d, ocv, p_lim0, margins, v_matched):
    """Eq. (3) of :mod:`edrive.components.battery`: (lowest, highest) terminal power [W] over
    an interval of ``d`` seconds from ``soc``, the pack's discharge limit ``p_lim0``
    (:func:`~edrive.components.battery.interval_power_window_w`); where the SOC lies beyond
    ``margins`` (:func:`_window_margins`) from both ends of the window, that is exactly
    (-charge limit, :func:`~edrive.components.battery.discharge_limit_w` at ``soc``), which
    is then all that is computed, and that limit is ``p_lim0`` where ``ocv`` exceeds
    ``v_matched`` (:func:`_matched_load_voltage`)."""
    low, high = margins
    r = q.resistance_ohm
    if soc - q.soc_min > low and q.soc_max - soc > high:
        if ocv > v_matched:   # the matched load above p_lim0: the discharge limit is p_lim0
            return -q.power_charge_max_w, p_lim0
        return -q.power_charge_max_w, discharge_limit_w(soc, q.soc_min, ocv, r, p_lim0)
    return interval_power_window_w(soc, d, ocv, r, q.capacity_as, q.soc_min, q.soc_max,
                                   p_lim0, q.power_charge_max_w)


@njit(**NO_REFCOUNT)
def _variant(out, q, du, v_target, cos_t, sin_t, theta, dt, dt_max, ocv_soc, ocv_cell, drive,
             maps, envelopes, splits, rec, acc_e, work, lim):
    """One variant (``q``: its row of :data:`PARAM_DTYPE`, ``du``: its drive units) over the
    cycle: its outputs into ``out`` (OUT_NAMES), its time series into ``rec`` where that has
    columns (:func:`run_variants`). ``acc_e`` (N_OUT,), ``work`` (5, MAX_UNITS) and ``lim``
    (MAX_UNITS, 6; :func:`_unit_limits`): zeroed work arrays from the caller (this function
    allocates nothing and counts no references, :data:`edrive.sim.jit.NO_REFCOUNT`).

    Each interval is driven within the battery's window at its SOC (eq. (3) of
    :mod:`edrive.components.battery`, with the discharge limit at the initial SOC as the
    pack's limit): the trace where the car can follow it with the power the window gives,
    else the largest end speed it can (the car falls behind, and coasts once the usable
    energy is spent); regeneration cut back where the window cannot take it; empty and
    standing still, the car stays where it is until a slope would roll it."""
    m_int = dt.shape[0]
    record = rec.shape[1] > 0
    nu = int(q.drive_units)
    n_s, r, cap = q.cells_series, q.resistance_ohm, q.capacity_as
    soc0, soc_min = q.soc_initial, q.soc_min
    aux = q.aux_power_w
    v_cap = q.speed_max_m_s
    p_lim0 = discharge_limit_w(soc0, soc_min, interp_at(soc0, ocv_soc, ocv_cell) * n_s, r,
                               q.power_discharge_max_w)
    margins = _window_margins(q, ocv_cell, dt_max)
    v_matched = _matched_load_voltage(q, p_lim0)
    soc = soc0
    soc_low, soc_high = soc0, soc0
    empty = 0 if soc0 <= soc_min + SOC_TOLERANCE else -1
    w, tm, loss, p_unit, forces = work[W], work[TM], work[LOSS], work[P_UNIT], work[FORCES]
    v0 = min(v_target[0], v_cap)
    v_before = v0
    worst = v_target[0] - v0
    searched = False
    for i in range(m_int):
        d = dt[i]
        vt1 = min(v_target[i + 1], v_cap)
        ocv = interp_at(soc, ocv_soc, ocv_cell) * n_s
        lo, hi = _window(q, soc, d, ocv, p_lim0, margins, v_matched)
        # the trace's interval: 0 out of reach, 2 within it with the drive units' limits and
        # states filled for the force f_checked
        reach, f_checked = 0, 0.0
        if v0 == 0.0 and soc <= soc_min + SOC_TOLERANCE and not _rolls(q, cos_t[i], sin_t[i]):
            v1, hi = 0.0, 0.0   # empty and standing: held there by the brakes
            searched = False
        else:
            if v0 == min(v_target[i], v_cap):
                reach, f_checked = _feasible(q, du, nu, v0, vt1, d, cos_t[i], sin_t[i],
                                             theta[i], drive, hi, envelopes, maps, splits,
                                             lim, work)
            if reach > 0:
                v1 = vt1
                searched = False
            else:
                guess = v0 + (v0 - v_before) * d / dt[i - 1] if searched else -1.0
                v1 = _largest_feasible_speed(v0, vt1, d, guess, q, du, nu, cos_t[i], sin_t[i],
                                             theta[i], drive, hi, envelopes, maps, splits,
                                             lim, work)
                searched = True
        vi, road, climb, inertia, fw, p_dc, p_bat, served, f_fric = _drive_interval(
            q, du, nu, v0, v1, d, cos_t[i], sin_t[i], lo, hi, reach == 2, f_checked,
            envelopes, maps, splits, lim, work)
        cur = rint_current_a(p_bat, ocv, r)
        soc_next = soc - cur * d / cap
        short = v_target[i + 1] - v1
        worst = max(worst, short)
        if short > TRACE_TOLERANCE_M_S:
            acc_e[17] += d
        if record:
            rec[R_SPEED, i] = v1
            rec[R_WHEEL, i], rec[R_ROAD, i], rec[R_GRADE, i] = fw, road, climb
            rec[R_INERTIA, i], rec[R_BAT, i], rec[R_CUR, i] = inertia, p_bat, cur
            rec[R_OCV, i], rec[R_SOC, i], rec[R_FRICTION, i] = ocv, soc, f_fric
            rec[R_AUX, i] = served
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
        acc_e[16] += vi * d
        acc_e[19] += (aux - served) * d
        v_before, v0 = v0, v1
        soc = soc_next
        soc_low, soc_high = min(soc_low, soc), max(soc_high, soc)
        if empty < 0 and soc <= soc_min + SOC_TOLERANCE:
            empty = i + 1
    for j in range(1, 12):
        out[j] = acc_e[j]
    out[12] = soc0 - acc_e[12] / cap
    out[13], out[14], out[15] = soc_low, soc_high, empty
    out[16], out[17], out[18] = acc_e[16], acc_e[17], max(worst, 0.0)
    out[19] = acc_e[19]
    out[0] = EXACT


@njit(cache=True, nogil=True)
def run_variants(p, units, v_target, cos_t, sin_t, theta, dt, ocv_soc, ocv_cell, drive, maps,
                 envelopes, splits, rec):
    """``p``: (n,) of :data:`PARAM_DTYPE`; ``units``: (n, MAX_UNITS) of :data:`UNIT_DTYPE`;
    the cycle's speeds per sample and its grade angle and durations per interval;
    ``drive`` 0 fwd, 1 rwd, 2 awd; ``maps``, ``envelopes`` and ``rec`` as in the module
    docstring; ``splits``: the front unit's shares of the wheel force tried with two drive
    units (``edrive.sim.powertrain.SPLITS``). Returns (n, N_OUT): OUT_NAMES, the first
    column the status (EXACT for every variant: the loop drives every car to the end).

    The trace is followed as :func:`edrive.sim.core.follow_trace` follows it: an interval
    the car cannot drive (:func:`_feasible`, with the power the battery's window gives at
    the interval's SOC) ends at the largest feasible speed (:func:`_largest_feasible_speed`),
    and the car rejoins the trace when it can.

    The rows run one after the other on the calling thread, which releases the GIL
    (``nogil``): :func:`edrive.sim.bev_loop.run_kernel` runs slices of the rows on several
    threads. (numba's parallel loop did the same work at the same speed, but compiling its
    body again took about two seconds of the first run.)"""
    n = p.shape[0]
    out = np.zeros((n, N_OUT))
    dt_max = dt.max()
    for k in range(n):
        _variant(out[k], p[k], units[k], v_target, cos_t, sin_t, theta, dt, dt_max, ocv_soc,
                 ocv_cell, drive, maps, envelopes, splits, rec, np.zeros(N_OUT),
                 np.zeros((5, MAX_UNITS)),
                 np.zeros((MAX_UNITS, 6)))
    return out
