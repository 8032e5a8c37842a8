"""Battery-electric powertrain arithmetic shared by the cycle simulation and the performance
tests: how a wheel force is shared between drive units, what the drive units can deliver,
and the DC power they draw.

All functions are vectorised over any leading array shape (time steps, variants).

Torque split with two drive units (one per axle): for each time step the share of the wheel
force given to the front unit, s in {0, 1/20, ..., 1}, is the one that minimises the total DC
power  P_dc,f(s F) + P_dc,r((1 - s) F)  among the shares both units can deliver. This is the
standard loss-minimising split for dual-motor vehicles (e.g. Lin et al., "Optimal torque
distribution for dual-motor electric vehicles", IEEE TVT, 2018) solved by enumeration.
"""

from __future__ import annotations

import numpy as np

from ..components.battery import within_power
from ..vehicle import VehicleModel

SPLITS = np.linspace(0.0, 1.0, 21)


def unit_force_limits(vm: VehicleModel, speed_m_s):
    """Per drive unit, the largest propulsive and braking wheel forces its motor envelope
    allows at this vehicle speed, in its best gear [N] (braking forces negative)."""
    return [du.wheel_force_limits_n(speed_m_s, vm.radius_m) for du in vm.drive_units]


def unit_dc_power(vm: VehicleModel, k: int, force_n, speed_m_s):
    """DC power of drive unit ``k`` delivering wheel force ``force_n`` [W], and its motor
    torque [N*m]."""
    tm, _, _, p = vm.drive_units[k].operate(force_n, speed_m_s, vm.radius_m)
    return p, tm


def allocate(vm: VehicleModel, force_n, speed_m_s, braking=False, limits=None):
    """Share a wheel force between the drive units.

    Each unit's force is clipped to its envelope. For propulsion the split delivering the
    force with the least DC power is taken; for braking (where ``braking`` is true; a scalar
    or an array like ``force_n``) the one recovering most (least DC power), the rest of the
    force going to the friction brakes.

    ``limits``: :func:`unit_force_limits` at this speed, where the caller has them.

    Returns
    -------
    forces : list of ndarray
        Wheel force of each unit [N].
    """
    force_n = np.asarray(force_n, dtype=float)
    limits = unit_force_limits(vm, speed_m_s) if limits is None else limits
    if len(vm.drive_units) == 1:
        f_max, f_min = limits[0]
        return [np.clip(force_n, f_min, f_max)]
    (fmax_f, fmin_f), (fmax_r, fmin_r) = limits
    s = SPLITS.reshape((-1,) + (1,) * force_n.ndim)
    ff = np.clip(s * force_n, fmin_f, fmax_f)
    fr = np.clip((1 - s) * force_n, fmin_r, fmax_r)
    p = unit_dc_power(vm, 0, ff, speed_m_s)[0] + unit_dc_power(vm, 1, fr, speed_m_s)[0]
    delivered = ff + fr
    short = np.abs(delivered - force_n) > 1e-6 * (1 + np.abs(force_n))
    # when propelling, splits that miss the force rank after every one that delivers it
    cost = np.where(short & ~np.asarray(braking, dtype=bool), 1e15 + np.abs(delivered - force_n), p)
    best = np.argmin(cost, axis=0)
    pick = lambda a: np.take_along_axis(a, best[None, ...], axis=0)[0]
    return [pick(ff), pick(fr)]


def dc_power_total(vm: VehicleModel, forces, speed_m_s):
    """Sum of the drive units' DC power for given per-unit wheel forces [W]."""
    return sum(unit_dc_power(vm, k, f, speed_m_s)[0] for k, f in enumerate(forces))


def propulsion_feasible(vm: VehicleModel, force_n, speed_m_s, grade, road_load_n,
                        battery_power_w):
    """Whether each wheel force can be delivered: a braking force (<= 0) always can (friction
    brakes); a propulsive one within the drive units' envelopes, the tyre grip and
    ``battery_power_w``, the terminal power the battery can give (drive units and
    auxiliaries together). ``road_load_n`` is the road load without the grade force (for
    load transfer)."""
    force_n = np.asarray(force_n, dtype=float)
    limits = unit_force_limits(vm, speed_m_s)
    f_env = sum(lim[0] for lim in limits)
    grip = vm.grip_force_n(road_load_n, grade)
    ok = (force_n <= f_env * (1 + 1e-9) + 1e-6) & (force_n <= grip * (1 + 1e-9) + 1e-6)
    pos = np.maximum(force_n, 0.0)
    p = dc_power_total(vm, allocate(vm, pos, speed_m_s, limits=limits), speed_m_s)
    return (force_n <= 0) | (ok & within_power(p + vm.aux_power_w, battery_power_w))


FORCE_SEARCH_STEPS = 30
"""Most steps of the search for the battery-limited force in :func:`propulsion_force_max`."""
FORCE_SEARCH_TOLERANCE = 1e-9
"""The search stops where the force's DC power is this close to the available power
(relative), or the bracket of the force this narrow (relative to the unlimited force)."""


def propulsion_force_max(vm: VehicleModel, speed_m_s, grade, road_load_n, soc, grip=True):
    """Largest propulsive wheel force [N] at a speed: the drive units' envelopes, tyre grip
    with load transfer (left out where ``grip`` is false), and the battery's discharge power
    at the given SOC.

    Where the battery binds, the force F with P_dc(F) = P_available is found in the bracket
    [0, F_unlimited] by false position with the Illinois modification (Dowell & Jarratt,
    BIT 11, 1971), DC power rising monotonically with the force: each step takes the root of
    the chord, keeps the side whose power is within the limit as the lower end, and halves
    the stale end's residual when one end is kept twice. P_dc is linear in the force between
    the nodes of the loss map, so a few steps reach it, where bisection takes thirty. Each
    force stops on its own once within ``FORCE_SEARCH_TOLERANCE`` (or after
    ``FORCE_SEARCH_STEPS``); the lower end, whose power is within the limit, is returned.
    """
    speed_m_s = np.asarray(speed_m_s, dtype=float)
    limits = unit_force_limits(vm, speed_m_s)
    f_env = sum(lim[0] for lim in limits)
    f = f_env
    if grip:
        f = np.minimum(f_env, np.maximum(vm.grip_force_n(road_load_n, grade), 0.0))
    p_avail = vm.battery.power_discharge_limit_w(soc) - vm.aux_power_w
    p = dc_power_total(vm, allocate(vm, f, speed_m_s, braking=False), speed_m_s)
    over = p > p_avail
    if np.any(over):
        f = np.array(f, dtype=float, copy=True)
        sub_v = np.broadcast_to(speed_m_s, f.shape)[over]
        sub_p = np.broadcast_to(p_avail, f.shape)[over]
        f[over] = _battery_limited_force(vm, sub_v, sub_p, f[over], p[over])
    return f


def _battery_limited_force(vm: VehicleModel, speed_m_s, p_avail, f_hi, p_hi):
    """The force in [0, ``f_hi``] whose DC power is ``p_avail`` (``p_hi`` > ``p_avail`` at
    ``f_hi``), from below (see :func:`propulsion_force_max`)."""
    def residual(force, speed, target):
        return dc_power_total(vm, allocate(vm, force, speed, braking=False), speed) - target

    lo, hi = np.zeros_like(f_hi), f_hi.copy()
    r_lo = residual(lo, speed_m_s, p_avail)
    r_hi = p_hi - p_avail
    kept = np.zeros(lo.shape, dtype=int)  # +1: the lower end moved last, -1: the upper
    tol_p = FORCE_SEARCH_TOLERANCE * np.maximum(np.abs(p_avail), 1.0)
    tol_f = FORCE_SEARCH_TOLERANCE * np.maximum(f_hi, 1.0)
    active = (r_lo < -tol_p) & (hi - lo > tol_f)  # r_lo >= 0: no force is within the limit
    for _ in range(FORCE_SEARCH_STEPS):
        if not active.any():
            break
        a = np.flatnonzero(active)
        x = lo[a] - r_lo[a] * (hi[a] - lo[a]) / (r_hi[a] - r_lo[a])
        x = np.clip(x, lo[a], hi[a])
        r = residual(x, speed_m_s[a], p_avail[a])
        below = r <= 0
        new_lo, new_hi = np.where(below, x, lo[a]), np.where(below, hi[a], x)
        # Illinois: an end kept twice in a row has its residual halved
        stale_hi = below & (kept[a] == 1)
        stale_lo = ~below & (kept[a] == -1)
        r_lo[a] = np.where(below, r, np.where(stale_lo, 0.5 * r_lo[a], r_lo[a]))
        r_hi[a] = np.where(below, np.where(stale_hi, 0.5 * r_hi[a], r_hi[a]), r)
        kept[a] = np.where(below, 1, -1)
        lo[a], hi[a] = new_lo, new_hi
        active[a] = (r_lo[a] < -tol_p[a]) & (hi[a] - lo[a] > tol_f[a])
    return lo


def regen_blend(vm: VehicleModel, speed_m_s):
    """Share of the braking force offered to regeneration at this speed [-]."""
    b = vm.spec.brakes
    lo, hi = b.regen_speed_min_m_s, b.regen_speed_full_m_s
    if hi <= lo:
        share = (np.asarray(speed_m_s) >= lo).astype(float)
    else:
        share = np.clip((np.asarray(speed_m_s) - lo) / (hi - lo), 0.0, 1.0)
    return share * b.regen_share_max
