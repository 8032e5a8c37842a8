"""The candidate tables of the hybrid architectures, compiled: the one implementation of the
equations of :mod:`edrive.hybrid` (parallel P2 through a stepped gearbox, power-split with the
Willis equation of the planetary set, series), used by the single-car simulation and the batch
alike (:meth:`edrive.hybrid.HevModel.candidates`).

Per interval i (wheel torque T_w and wheel speed omega_w) and candidate j, each function
fills the columns of :class:`edrive.hybrid.Candidates`: whether the components can run there,
the fuel rate, the battery terminal power, whether the engine turns and whether it fires, the
gear, and, with ``detail``, the engine's speed and torque, the power the friction brakes take
and the driveline and machine losses. The energy management needs only the first columns of
every candidate; the detail is computed afterwards for the candidate chosen in each interval
(``pick``: one column per row) by the same function, so a simulation keeps about a third of
the memory. A row that asks what the row before asked (a standstill) is copied from it, and a
candidate that cannot run whatever the machines do (:func:`_inadmissible`) is written without
computing them. The physics of the
parts is that of the components, compiled into the loops here: the gear relation of
:mod:`edrive.components.gear` (eq. (4) of the drive unit), the engine's full-load and
motoring torque and its fuel power (eqs. (1)-(5) of :mod:`edrive.components.engine`), the
motor envelope (eq. (2) of :mod:`edrive.components.drive_unit`) and the loss map's
bilinear lookup (:func:`edrive.components.loss_map.loss_at`).

Arguments shared by the three functions: ``eng`` (the numbers of :func:`engine_numbers`),
``knot_speed`` and ``knot_power`` (the engine's full-load curve), ``curve_fraction`` and
``curve_efficiency`` (eq. (5), unused for a Willans engine); per machine ``*_numbers``
(:func:`machine_numbers`) and its loss map's ``compiled`` arrays (torque axis, speed axis,
flat losses); ``electric`` (the shares of the generating limit of the electric-only braking
candidates); ``box`` (DC/DC efficiency, auxiliary power, battery discharge and charge
limits).
"""

from __future__ import annotations

import math

import numpy as np

from .components.drive_unit import lumped_torque_limits_nm
from .components.engine import engine_fuel_power_w, full_load_torque_nm, motoring_torque_nm
from .components.gear import input_torque_nm, output_torque_nm
from .components.loss_map import loss_at, within_speed_range
from .components.transmission import converter_pump_point, driveline_slipping
from .sim.jit import jitable, njit

TOL = 1e-9
# electric-only braking candidates: shares of the generating limit the motor may take (the
# battery's charge limit or a full battery may call for less; the friction brakes take the
# rest)
REGEN_SHARES = (1.0, 0.75, 0.5, 0.25, 0.0)


def engine_numbers(engine) -> np.ndarray:
    """The numbers of an :class:`~edrive.components.engine.Engine` the tables need: idle and
    maximum speed, the arguments of :func:`~edrive.components.engine.engine_fuel_power_w`
    after the full-load torque (numbers), the fuel's lower heating value."""
    sp = engine.spec
    fp = engine.fuel_parameters
    return np.array([sp.speed_idle_rad_s, sp.speed_max_rad_s, *fp[:7], fp[9], float(fp[10]),
                     engine.fuel.lhv_j_kg], dtype=float)


def machine_numbers(spec, loss_map) -> np.ndarray:
    """The numbers of an electric machine (a lumped :class:`~edrive.components.drive_unit.
    MotorSpec` and its loss map): peak torque, peak power, generating power limit, maximum
    speed, and the steps of the loss map's torque and speed axes (0 where not uniform)."""
    return np.array([spec.torque_peak_nm, spec.power_peak_w,
                     spec.regen_power_peak_w or spec.power_peak_w, loss_map.speed_max_rad_s,
                     float(loss_map.compiled[3]), float(loss_map.compiled[4])], dtype=float)


# --- the parts ------------------------------------------------------------------------------

@jitable
def _torque_max_e(w, eng, knot_speed, knot_power):
    return full_load_torque_nm(w, knot_speed, knot_power, eng[0], eng[1])


@jitable
def _fuel_rate(t, w, eng, knot_speed, knot_power, curve_fraction, curve_efficiency):
    """Fuel mass rate [kg/s] of the engine at torque t and speed w (finite everywhere)."""
    a = abs(w)
    t_max = _torque_max_e(a, eng, knot_speed, knot_power)
    p = engine_fuel_power_w(t, w, t_max, eng[2], eng[3], eng[4], eng[5], eng[6], eng[7],
                            eng[8], curve_fraction, curve_efficiency, eng[9], eng[10] > 0)
    return p / eng[11]


@jitable
def _torque_limits(w, mach):
    """The machine's envelope at speed w: (motoring, generating) torque, zero beyond its
    maximum speed (:meth:`~edrive.components.loss_map.LossMap.torque_limits_nm`; the
    envelope is finite, so the product with the test is exact)."""
    a = abs(w)
    t_max, t_min = lumped_torque_limits_nm(a, mach[0], mach[1], mach[2])
    inside = within_speed_range(a, mach[3])
    return t_max * inside, t_min * inside


@jitable
def _machine(t, w, mach, t_grid, w_grid, flat):
    """DC power T omega + loss, the loss, and whether (T, omega) lies within the envelope and
    the speed range (the speed may be negative: envelope and losses are symmetric)."""
    a = abs(w)
    t_max, t_min = _torque_limits(a, mach)
    ok = ((a <= mach[3] * (1 + TOL)) & (t <= t_max * (1 + TOL) + TOL)
          & (t >= t_min * (1 + TOL) - TOL))
    w_map = min(a, mach[3])
    loss = loss_at(t_grid, w_grid, flat, mach[4], mach[5], t, w_map)
    return t * w + loss, loss, ok


@jitable
def _engine_speed(w_ool, w_lo, w_hi, eng):
    """The engine speed of an operating-line point, clipped to [w_lo, w_hi] within idle and
    maximum speed, and whether that range is not empty."""
    lo = max(w_lo, eng[0])
    hi = min(w_hi, eng[1])
    return min(max(w_ool, lo), hi), lo <= hi


@jitable
def _within_full_load(t, w, eng, knot_speed, knot_power):
    return t <= _torque_max_e(w, eng, knot_speed, knot_power) * (1 + TOL)


@jitable
def _engine_fuel(t_e, w_e, eng, knot_speed, knot_power, curve_fraction, curve_efficiency):
    """Fuel rate [kg/s] of a candidate: the engine's where it fires (t_e > 0), else none."""
    if not t_e > 0:
        return 0.0
    return _fuel_rate(t_e, w_e, eng, knot_speed, knot_power, curve_fraction, curve_efficiency)


@jitable
def _operating_line(ool_power, ool_speed, line, eng, knot_speed, knot_power, curve_fraction,
                    curve_efficiency):
    """Per operating-line level at its own speed (no clipping): into ``line`` the torque,
    whether within full load (1 or 0) and the fuel rate, the same for every interval where
    the speed range does not clip the level's speed."""
    for level in range(len(ool_power)):
        w = ool_speed[level]
        t = ool_power[level] / w
        line[0, level] = t
        line[1, level] = _within_full_load(t, w, eng, knot_speed, knot_power)
        line[2, level] = _engine_fuel(t, w, eng, knot_speed, knot_power, curve_fraction,
                                      curve_efficiency)


@jitable
def _engine_point(level, w_lo, w_hi, ool_power, ool_speed, line, eng, knot_speed, knot_power,
                  curve_fraction, curve_efficiency):
    """Engine (torque, speed, ok, fuel rate) at an operating-line level, the speed clipped
    to [w_lo, w_hi] within idle and maximum speed; ok where within full load (``line``:
    :func:`_operating_line`, used where the speed is not clipped)."""
    w_ool = ool_speed[level]
    w, nonempty = _engine_speed(w_ool, w_lo, w_hi, eng)
    if w == w_ool:
        return line[0, level], w, nonempty & (line[1, level] > 0), line[2, level]
    t = ool_power[level] / w
    ok = nonempty & _within_full_load(t, w, eng, knot_speed, knot_power)
    fuel = _engine_fuel(t, w, eng, knot_speed, knot_power, curve_fraction, curve_efficiency)
    return t, w, ok, fuel


#: the columns of a table, in the order of :class:`edrive.hybrid.Candidates`: those the
#: energy management and the trace search use, then the detail columns
STRATEGY_KINDS = (np.bool_, float, float, np.bool_, np.bool_, np.int8)
DETAIL_KINDS = (float, float, float, float, float)


def empty_table(n: int, m: int, detail: bool = False) -> tuple:
    """The columns of a table of n intervals and m candidates (in the order of
    :class:`edrive.hybrid.Candidates`), not initialised: each table function writes every
    cell (a test fills them with NaN first and finds none left). Without ``detail`` the
    detail columns are empty (0 x 0) and the table functions leave them alone."""
    shape = (n, m) if detail else (0, 0)
    return (tuple(np.empty((n, m), dtype=k) for k in STRATEGY_KINDS)
            + tuple(np.empty(shape, dtype=k) for k in DETAIL_KINDS))


def columns(arch: str, n_gears: int, n_levels: int) -> int:
    """The number of candidates per interval of an architecture (``n_gears``: P2 only)."""
    n_ev = len(REGEN_SHARES)
    if arch == "p2":
        return n_gears * (2 * n_ev + n_levels + 1)
    return n_ev + n_levels


@jitable
def _span(pick, i, m):
    """The candidates of row i a table computes: all m, or (``pick`` not empty) the one
    ``pick[i]``; and the column of the first one in the output."""
    if pick.shape[0] == 0:
        return 0, m, 0
    return pick[i], pick[i] + 1, pick[i]


@jitable
def _store(cols, i, j, ok, t_e, w_e, fuel, p_dc, brake_w, drive_loss_w, machine_loss_w, gear,
           box, detail):
    """One candidate into column j of row i of the table ``cols`` (:func:`empty_table`): its
    fuel rate, the battery behind the DC/DC converter (its loss counted with the machines'),
    the auxiliaries, the battery's power limits; with ``detail``, the engine's operating
    point, the friction brakes and the losses. (Branch-free: a finite value times a test is
    that value or zero.)"""
    eta = box[0]
    p_batt = p_dc / eta * (p_dc >= 0) + p_dc * eta * (p_dc < 0)
    battery_w = p_batt + box[1]
    on = t_e != 0      # negative: coupled in fuel cut (P2 braking)
    cols[0][i, j] = (ok & math.isfinite(p_dc) & (battery_w <= box[2] * (1 + TOL))
                     & (battery_w >= -box[3] * (1 + TOL)))
    cols[1][i, j] = fuel
    cols[2][i, j] = battery_w
    cols[3][i, j] = on
    cols[4][i, j] = t_e > 0
    cols[5][i, j] = gear
    if detail:
        cols[6][i, j] = w_e * on
        cols[7][i, j] = t_e * on
        cols[8][i, j] = brake_w
        cols[9][i, j] = drive_loss_w
        cols[10][i, j] = machine_loss_w + abs(p_batt - p_dc)


@jitable
def _same(a, b):
    """Whether two numbers are the same, the sign of a zero included (NaN is never)."""
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


@jitable
def _repeated(cols, i, m, tw_all, ww_all, pick, detail):
    """Whether row i asks what row i - 1 asked (the same wheel torque and speed, as at a
    standstill): then row i - 1 is copied into it, the same numbers without computing them
    again (a table of every candidate only)."""
    if i == 0 or pick.shape[0] > 0 or not (_same(tw_all[i], tw_all[i - 1])
                                           and _same(ww_all[i], ww_all[i - 1])):
        return False
    for j in range(m):
        cols[0][i, j] = cols[0][i - 1, j]
        cols[1][i, j] = cols[1][i - 1, j]
        cols[2][i, j] = cols[2][i - 1, j]
        cols[3][i, j] = cols[3][i - 1, j]
        cols[4][i, j] = cols[4][i - 1, j]
        cols[5][i, j] = cols[5][i - 1, j]
        if detail:
            cols[6][i, j] = cols[6][i - 1, j]
            cols[7][i, j] = cols[7][i - 1, j]
            cols[8][i, j] = cols[8][i - 1, j]
            cols[9][i, j] = cols[9][i - 1, j]
            cols[10][i, j] = cols[10][i - 1, j]
    return True


@jitable
def _inadmissible(cols, i, j, gear, box, detail):
    """A candidate that cannot run whatever the machines do: an engine candidate of the
    power-split and series tables while the car brakes (the engine does not fire then) or
    with its operating point beyond full load or outside the speeds the generator allows,
    or any P2 candidate in a gear that turns the motor faster than its maximum speed. Never
    admissible, written as the engine off with nothing else moving, without computing the
    machines."""
    _store(cols, i, j, False, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, gear, box, detail)


#: the state of :func:`_machine_again` before a machine's first candidate of an interval
NO_MACHINE_STATE = (math.nan, math.nan, 0.0, 0.0, False)


@jitable
def _machine_again(t, w, last, mach, t_grid, w_grid, flat):
    """:func:`_machine` at (t, w), or ``last`` where the previous candidate loaded the
    machine alike (the electric-only candidates of an interval): (t, w, DC power, loss,
    ok), ``last`` being the same tuple of the previous candidate (:data:`NO_MACHINE_STATE`
    for the first)."""
    if _same(t, last[0]) and _same(w, last[1]):
        return last
    p, loss, ok = _machine(t, w, mach, t_grid, w_grid, flat)
    return t, w, p, loss, ok


@jitable
def _traction_ok(t_w_drv, tw):
    """Traction: exactly the wheel torque; braking: the brakes may only add braking."""
    tol = 1e-6 * (1 + abs(tw))
    return (((tw >= 0) & (abs(t_w_drv - tw) <= tol))
            | ((tw < 0) & (t_w_drv >= tw - tol)))


# --- the architectures ----------------------------------------------------------------------

@jitable
def _converter(tw, ww, k, g, eta, converter):
    """The gearbox input side of a P2 in gear k (index), through a torque converter between
    the motor and the gearbox where ``converter`` is not empty (:func:`p2_table`): (the speed
    of the motor's shaft [rad/s], whether the converter is open, whether it is open with no
    torque to pass (the car coasting or braking: the driveline is decoupled, the friction
    brakes take the wheel torque, as in :func:`edrive.components.transmission.engine_side_at`),
    its torque ratio TR). Open (:func:`~edrive.components.transmission.driveline_slipping`:
    below the lock-up gear, or below the lock-up speed or the engine's idle speed), the shaft
    turns at the pump speed of eqs. (7)-(8) of
    :mod:`edrive.components.transmission` for the gearbox input torque T_t, and engine and
    motor give T_t / TR (eq. 3); locked, or without a converter, at G_k omega_w with TR = 1."""
    w_t = ww * g
    if converter.shape[0] == 0:
        return w_t, False, False, 1.0
    if not driveline_slipping(True, k, w_t, int(converter[0]), converter[1], converter[5], 0.0):
        return w_t, False, False, 1.0
    t_t = input_torque_nm(tw, g, eta, 0.0)
    if not t_t > 0:
        return w_t, True, True, 1.0
    w_p, ratio = converter_pump_point(w_t, t_t, 0.0, converter[2], converter[3], converter[4])
    return w_p, True, False, ratio


@njit(cache=True, _nrt=False, nogil=True)
def p2_table(ok_t, fuel_t, batt_t, on_t, fires_t, gear_t, we_t, te_t, brake_t, dl_t, ml_t,
             pick, detail, tw_all, ww_all, ratios, efficiencies, drag0_nm, drag_nm_s,
             slip_speed, fractions, electric, system_torque, system_power, converter, eng,
             knot_speed, knot_power, curve_fraction, curve_efficiency, motor, m_t, m_w,
             m_flat, box):
    """Parallel P2 (module :mod:`edrive.hybrid`): per gear k, the electric-only columns (one
    per share of ``electric``), the engine at each of ``fractions`` of full load and at
    exactly the demand (traction only), and the engine coupled in fuel cut with each share
    of regeneration (braking). ``system_torque`` and ``system_power`` (negative: none) hold
    the gearbox input. ``converter``: the numbers (lock-up gear, lock-up speed, K_0, TR_0,
    SR_c, idle speed) of a torque converter between the motor and the gearbox, or an empty
    array for none; while it is open, engine and motor turn at its pump speed
    (:func:`_converter`)."""
    cols = (ok_t, fuel_t, batt_t, on_t, fires_t, gear_t, we_t, te_t, brake_t, dl_t, ml_t)
    n, n_ev, n_lev = len(tw_all), len(electric), len(fractions)
    per = 2 * n_ev + n_lev + 1
    g = eta = w_in = drag = t_in = w_on = t_full = t_min_m = t_drag = ratio = 0.0
    coupled = too_fast = slipping = decoupled = False
    for i in range(n):
        if _repeated(cols, i, per * len(ratios), tw_all, ww_all, pick, detail):
            continue
        tw, ww = tw_all[i], ww_all[i]
        j0, j1, out0 = _span(pick, i, per * len(ratios))
        k_row = -1
        m_state = NO_MACHINE_STATE
        for j in range(j0, j1):
            k, c = j // per, j % per
            if k != k_row:     # the gear's numbers, once for its candidates
                k_row = k
                g, eta = ratios[k], efficiencies[k]
                w_in, slipping, decoupled, ratio = _converter(tw, ww, k, g, eta, converter)
                drag = drag0_nm + drag_nm_s * w_in
                t_in = input_torque_nm(tw, g, eta, 0.0) / ratio * (not decoupled) + drag
                w_on = max(w_in, slip_speed)
                t_full = _torque_max_e(w_on, eng, knot_speed, knot_power)
                t_min_m = _torque_limits(w_in, motor)[1]
                coupled = tw < 0 and not slipping and w_in >= eng[0] and w_in <= eng[1]
                w_drag = min(w_in, eng[1])
                t_drag = motoring_torque_nm(w_drag, eng[5], eng[4], eng[6]) if coupled else 0.0
                m_state = NO_MACHINE_STATE
                too_fast = not abs(w_in) <= motor[3] * (1 + TOL)
            if too_fast:
                _inadmissible(cols, i, j - out0, k, box, detail)
                continue
            valid = True
            if c < n_ev:           # electric only
                t_e, w_e = 0.0, 0.0
                t_m = t_in if decoupled else max(t_in, electric[c] * t_min_m)
            elif c < n_ev + n_lev + 1:   # engine on, the motor making up the rest
                t_on = fractions[c - n_ev] * t_full if c < n_ev + n_lev else max(t_in, 0.0)
                if not tw > 0:
                    t_on = 0.0
                t_e, w_e = t_on, w_on + 0.0 * t_on
                t_m = t_in - t_on
            else:                  # braking, engine coupled in fuel cut
                t_e, w_e, valid = t_drag, w_in, coupled
                t_m = max(t_in - t_drag, electric[c - n_ev - n_lev - 1] * t_min_m)
            on = t_e != 0
            m_state = _machine_again(t_m, w_in, m_state, motor, m_t, m_w, m_flat)
            p_dc, m_loss, m_ok = m_state[2], m_state[3], m_state[4]
            t_in_total = t_e + t_m
            t_w_drv = output_torque_nm((t_in_total - drag) * ratio, g, eta, 0.0) * (
                not decoupled)
            brake = max((t_w_drv - tw) * ww, 0.0)
            slip = t_e * (w_e - w_in) if on else 0.0
            gear_loss = (t_e + t_m) * w_in - t_w_drv * ww + slip
            ok = valid and m_ok
            if on:   # the full load at the gear's engine speed is known already
                t_max_e = t_full if w_e == w_on else _torque_max_e(w_e, eng, knot_speed,
                                                                   knot_power)
                ok = ok and w_in <= eng[1] * (1 + TOL) and t_e <= t_max_e * (1 + TOL) + TOL
            ok = ok and _traction_ok(t_w_drv, tw)
            if system_torque >= 0:
                ok = ok and t_in_total <= system_torque * (1 + TOL) + TOL
            if system_power >= 0:
                ok = ok and t_in_total * w_in <= system_power * (1 + TOL) + TOL
            fuel = _engine_fuel(t_e, w_e, eng, knot_speed, knot_power, curve_fraction,
                                curve_efficiency)
            _store(cols, i, j - out0, ok, t_e, w_e, fuel, p_dc, brake, gear_loss, m_loss, k,
                   box, detail)


@njit(cache=True, _nrt=False, nogil=True)
def power_split_table(ok_t, fuel_t, batt_t, on_t, fires_t, gear_t, we_t, te_t, brake_t, dl_t,
                      ml_t, pick, detail, tw_all, ww_all, k, ring_to_wheel, mg2_to_ring, mesh_efficiency,
                      drag_nm, ool_power, ool_speed, line, electric, eng, knot_speed, knot_power,
                      curve_fraction, curve_efficiency, motor, m_t, m_w, m_flat, generator,
                      g_t, g_w, g_flat, box):
    """Power-split (module :mod:`edrive.hybrid`): the electric-only columns (MG1 spinning
    unloaded), then the engine on at each operating-line power, at the speed of least fuel
    clipped to the speeds MG1 allows, |(1 + k) omega_e - k omega_ring| <= omega_MG1,max."""
    cols = (ok_t, fuel_t, batt_t, on_t, fires_t, gear_t, we_t, te_t, brake_t, dl_t, ml_t)
    n, n_ev, n_lev = len(tw_all), len(electric), len(ool_power)
    mg1_max = generator[3]
    _operating_line(ool_power, ool_speed, line, eng, knot_speed, knot_power, curve_fraction,
                    curve_efficiency)
    for i in range(n):
        if _repeated(cols, i, n_ev + n_lev, tw_all, ww_all, pick, detail):
            continue
        tw, ww = tw_all[i], ww_all[i]
        w_r = ww * ring_to_wheel
        w2 = w_r * mg2_to_ring
        t_ring = input_torque_nm(tw, ring_to_wheel, mesh_efficiency, drag_nm)
        w_lo = (k * w_r - mg1_max) / (1 + k)
        w_hi = (k * w_r + mg1_max) / (1 + k)
        t_min2 = _torque_limits(w2, motor)[1]
        # the electric-only candidates share MG1's state (unloaded) and, propelling, MG2's
        mg1, mg2 = NO_MACHINE_STATE, NO_MACHINE_STATE
        j0, j1, out0 = _span(pick, i, n_ev + n_lev)
        for c in range(j0, j1):
            if c < n_ev:
                t_e, w_e, e_ok, share, fuel = 0.0, 0.0, True, electric[c], 0.0
            elif tw < 0:
                _inadmissible(cols, i, c - out0, -1, box, detail)
                continue
            else:
                level = c - n_ev
                t_e, w_e, e_ok, fuel = _engine_point(level, w_lo, w_hi, ool_power, ool_speed,
                                                     line, eng, knot_speed, knot_power,
                                                     curve_fraction, curve_efficiency)
                if not e_ok:
                    _inadmissible(cols, i, c - out0, -1, box, detail)
                    continue
                share = 0.0
            t_mg1 = -t_e / (1 + k)
            w_mg1 = (1 + k) * w_e - k * w_r
            t_mg2 = (t_ring - t_e * k / (1 + k)) / mg2_to_ring
            if tw < 0:
                t_mg2 = max(t_mg2, share * t_min2)
            mg1 = _machine_again(t_mg1, w_mg1, mg1, generator, g_t, g_w, g_flat)
            mg2 = _machine_again(t_mg2, w2, mg2, motor, m_t, m_w, m_flat)
            p1, l1, ok1 = mg1[2], mg1[3], mg1[4]
            p2, l2, ok2 = mg2[2], mg2[3], mg2[4]
            ring_total = t_e * k / (1 + k) + t_mg2 * mg2_to_ring
            t_w_drv = output_torque_nm(ring_total, ring_to_wheel, mesh_efficiency, drag_nm)
            brake = max((t_w_drv - tw) * ww, 0.0)
            dloss = ring_total * w_r - t_w_drv * ww
            ok = e_ok and ok1 and ok2 and _traction_ok(t_w_drv, tw)
            p_dc = p1 + p2
            m_loss = l1 + l2
            _store(cols, i, c - out0, ok, t_e, w_e, fuel, p_dc, brake, dloss, m_loss, -1, box,
                   detail)


@njit(cache=True, _nrt=False, nogil=True)
def series_table(ok_t, fuel_t, batt_t, on_t, fires_t, gear_t, we_t, te_t, brake_t, dl_t, ml_t,
                 pick, detail, tw_all, ww_all, motor_ratio, reduction_efficiency, generator_ratio,
                 ool_power, ool_speed, line, electric, eng, knot_speed, knot_power,
                 curve_fraction,
                 curve_efficiency, motor, m_t, m_w, m_flat, generator, g_t, g_w, g_flat, box):
    """Series (module :mod:`edrive.hybrid`): the electric-only columns, then the engine-
    generator set on at each operating-line power within the generator's speed range; the
    traction motor drives the wheels through its reduction."""
    cols = (ok_t, fuel_t, batt_t, on_t, fires_t, gear_t, we_t, te_t, brake_t, dl_t, ml_t)
    n, n_ev, n_lev = len(tw_all), len(electric), len(ool_power)
    gen_w_max = generator[3] / generator_ratio
    _operating_line(ool_power, ool_speed, line, eng, knot_speed, knot_power, curve_fraction,
                    curve_efficiency)
    for i in range(n):
        if _repeated(cols, i, n_ev + n_lev, tw_all, ww_all, pick, detail):
            continue
        tw, ww = tw_all[i], ww_all[i]
        w_m = ww * motor_ratio
        t_m0 = input_torque_nm(tw, motor_ratio, reduction_efficiency, 0.0)
        t_min_m = _torque_limits(w_m, motor)[1]
        mot, gen = NO_MACHINE_STATE, NO_MACHINE_STATE  # the electric-only candidates share
        j0, j1, out0 = _span(pick, i, n_ev + n_lev)
        for c in range(j0, j1):
            if c < n_ev:
                t_e, w_e, e_ok, share, fuel = 0.0, 0.0, True, electric[c], 0.0
            elif tw < 0:
                _inadmissible(cols, i, c - out0, -1, box, detail)
                continue
            else:
                level = c - n_ev
                t_e, w_e, e_ok, fuel = _engine_point(level, 0.0, gen_w_max, ool_power,
                                                     ool_speed, line, eng, knot_speed,
                                                     knot_power, curve_fraction,
                                                     curve_efficiency)
                if not e_ok:
                    _inadmissible(cols, i, c - out0, -1, box, detail)
                    continue
                share = 0.0
            t_m = max(t_m0, share * t_min_m)
            mot = _machine_again(t_m, w_m, mot, motor, m_t, m_w, m_flat)
            pm, lmot, okm = mot[2], mot[3], mot[4]
            t_w_drv = output_torque_nm(t_m, motor_ratio, reduction_efficiency, 0.0)
            brake = max((t_w_drv - tw) * ww, 0.0)
            dloss = t_m * w_m - t_w_drv * ww
            t_g = -t_e / generator_ratio
            w_g = w_e * generator_ratio
            gen = _machine_again(t_g, w_g, gen, generator, g_t, g_w, g_flat)
            pg, lg, okg = gen[2], gen[3], gen[4]
            ok = e_ok and okg and okm
            p_dc = pg + pm
            m_loss = lg + lmot
            _store(cols, i, c - out0, ok, t_e, w_e, fuel, p_dc, brake, dloss, m_loss, -1, box,
                   detail)
