"""The WLTP gear-shift procedure for cars with a manual transmission: UN GTR No. 15, Annex 2
("Gear selection and shift point determination for vehicles equipped with manual
transmissions"), as taken into EU law by Regulation (EU) 2017/1151, Annex XXI, Sub-Annex 2.

The regulation fixes the gear the driver uses in each second of the cycle from the car's
full-load power curve, gear ratios, road load and test mass, so that every laboratory drives
the same car the same way. Quantities below are in SI units; the regulation's km/h, kW and
min^-1 are only converted, never used.

Calculation, for each second j of a 1 Hz trace (Annex 2 §3):

* required power (§3.1), with the forward-difference acceleration
  a_j = (v_{j+1} - v_j) / (t_{j+1} - t_j) and kr = 1.03 for the drivetrain's rotating inertia:

      P_req,j = f0 v_j + f1 v_j^2 + f2 v_j^3 + kr a_j v_j TM                                 (1)

* engine speed in gear i (§3.2): n_i,j = (n/v)_i v_j; the car stands (neutral, clutch
  engaged, engine at idle) where v_j < 1 km/h, except in the last standing second before it
  moves off, when first gear is engaged with the clutch open;
* gears allowed by engine speed (§3.3): n_min_drive(i) <= n_i,j <= n_max(i), with

      n_min_drive = n_idle                              first gear
                    1.15 n_idle                         second gear while accelerating
                    0.9 n_idle                          second gear otherwise
                    n_idle + 0.125 (n_rated - n_idle)   third gear and above             (2)

  (or the higher value a manufacturer declares, ``speed_min_drive_rad_s``), and
  n_max = n_95,high (the highest engine speed at which the full-load power is 95 % of the
  rated power) for the gears below ng_vmax, and max(n_95,high, (n/v)_ng_vmax v_max,cycle,
  (n/v)_ng_vmax v_max,vehicle) from ng_vmax up. ng_vmax is the gear in which the car reaches
  its top speed: the top gear if its top speed (where the full-load power meets the road-load
  power) is not below that of the next lower gear, else the next lower gear (§2(i)). First
  gear has no lower limit: below n_idle (decelerating) or 1.15 n_idle (accelerating) the
  engine runs at that speed with the clutch slipping or open;
* available power (§3.4), with the safety margin SM = 10 % and the manufacturer's optional
  additional margin ASM, full from idle to n_start and decaying exponentially to 0.5 % at n_end:

      P_av,i,j = P_wot(n_i,j) (1 - SM - ASM(n_i,j))                                          (3)
      ASM(n) = ASM_0 exp(ln(0.005 / ASM_0) (n_start - n) / (n_start - n_end))   n > n_start

* the initial gear is the highest gear allowed by speed with P_av >= P_req (§3.5); from
  standstill only first gear. Where no gear has the power (the car cannot follow the trace
  with the margin), the allowed gear with the most available power is taken.

Corrections (Annex 2 §4), applied in this order, each over the whole trace, and the whole set
twice, as the regulation asks:

1. a one-second excursion to the next higher gear, with the same gear or one step lower on
   either side, goes back to the lower gear (n, n+1, n -> n, n, n; n-1, n+1, n -> n-1, n, n);
2. accelerations (speed >= 1 km/h and rising for more than 3 s): no gear is skipped on the way
   up and each gear is held at least 2 s (1, 2, 3, 3, 3, 3, 3 -> 1, 1, 2, 2, 3, 3, 3);
3. a higher gear used for 1 to 5 s between a gear one step lower before it and one or two
   steps lower after it is replaced by the higher of the two neighbours;
4. decelerations (speed >= 1 km/h and falling for more than 3 s): no upshift;
5. in a deceleration that ends in a stop, no downshift to first gear: second gear is kept
   while its engine speed is at least n_idle, then the clutch is opened (neutral); where
   second gear would be used for at most 2 s before the stop, the clutch is opened at once;
6. a gear still used for a single second is replaced: on the way down by the gear after it
   (a step skipped; neutral with the clutch open when the car is about to stop), on the way
   up or in a dip by the gear before it, where that gear has the power; else the gear is held
   one second longer where its speed range allows.

Not implemented: the downscaling of the cycle and its speed cap (Annex 1 §8-9), the sequence
i, i-1, i -> i, i, i with its count limit per phase, the separate n_min_drive values a
manufacturer may declare for up- and downshifts and for decelerations, the engine speed limit
n_lim, and the rule for the second gear in decelerations to a stop at exactly n_idle (the
accelerating/other split of (2) is used for second gear instead). A correction that would push
the engine outside its speed range is not made.

References: UN GTR No. 15 (ECE/TRANS/180/Add.15 and amendments), Annex 2; Commission
Regulation (EU) 2017/1151, Annex XXI, Sub-Annex 2, as amended by Regulation (EU) 2018/1832;
Tutuianu et al., "Development of the World-wide harmonized Light duty Test Cycle (WLTC) and a
possible pathway for its introduction in the European legislation", Transp. Res. D 40 (2015).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..constants import KMH_M_S
from ..errors import EdriveError, format_value

NEUTRAL = -1                 # gear index for neutral / clutch open
STANDSTILL_M_S = 1.0 * KMH_M_S
KR = 1.03                    # rotating-inertia factor of eq. (1)
SAFETY_MARGIN = 0.10         # SM of eq. (3)
PHASE_MIN_S = 3.0            # an acceleration/deceleration phase lasts more than 3 s
HOLD_S = 2                   # gears held at least 2 s in accelerations


class WltpShift(NamedTuple):
    """Outcome of :func:`wltp_gearshift`, one value per second of the trace."""

    gear: np.ndarray               # gear index, 0 = first, NEUTRAL (-1) = neutral/clutch open
    initial_gear: np.ndarray       # highest possible gear before the corrections (§3.5)
    engine_speed_rad_s: np.ndarray  # in the gear used (idle in neutral, clutch-slip speed)
    clutch_open: np.ndarray        # clutch open or slipping
    power_required_w: np.ndarray   # eq. (1)
    power_available_w: np.ndarray  # eq. (3) in the gear used (0 in neutral)
    power_short: np.ndarray        # no gear had P_av >= P_req (initial choice)
    limits: dict                   # n_min_drive per gear, n_95_high, n_max, ng_vmax, v_max


def wltp_gears(time_s, speed_m_s, engine_speed_per_speed_rad_m, **kwargs) -> np.ndarray:
    """Gear index per second (0 = first, -1 = neutral); arguments of :func:`wltp_gearshift`."""
    return wltp_gearshift(time_s, speed_m_s, engine_speed_per_speed_rad_m, **kwargs).gear


def wltp_gearshift(time_s, speed_m_s, engine_speed_per_speed_rad_m, *,
                   power_rated_w: float, speed_rated_rad_s: float, speed_idle_rad_s: float,
                   speed_max_rad_s: float, full_load_power_w: Callable[[np.ndarray], np.ndarray],
                   f0_n: float, f1_n_per_m_s: float, f2_n_per_m2_s2: float, test_mass_kg: float,
                   safety_margin: float = SAFETY_MARGIN, asm0: float = 0.0,
                   asm_speed_start_rad_s: float | None = None,
                   asm_speed_end_rad_s: float | None = None, kr: float = KR,
                   speed_min_drive_rad_s: float | None = None,
                   vehicle_speed_max_m_s: float | None = None) -> WltpShift:
    """Gears of a manual car over a 1 Hz speed trace by UN GTR 15 Annex 2 (module docstring).

    Parameters
    ----------
    time_s, speed_m_s : array_like
        Trace sampled every second [s], [m/s].
    engine_speed_per_speed_rad_m : array_like
        Engine speed per vehicle speed in each gear, first gear first, i.e. the overall ratio
        over the rolling radius, G_k / r [rad/m] (the regulation's n/v in min^-1/(km/h)).
    power_rated_w, speed_rated_rad_s : float
        Rated power [W] and the lowest engine speed at which it is reached [rad/s].
    speed_idle_rad_s, speed_max_rad_s : float
        Idle speed and the highest speed of the full-load curve [rad/s].
    full_load_power_w : callable
        P_wot(omega) [W], vectorised.
    f0_n, f1_n_per_m_s, f2_n_per_m2_s2 : float
        Road-load coefficients [N], [N/(m/s)], [N/(m/s)^2].
    test_mass_kg : float
        Test mass TM [kg].
    safety_margin, asm0 : float
        SM and ASM_0 of eq. (3) [-].
    asm_speed_start_rad_s, asm_speed_end_rad_s : float, optional
        n_start and n_end of the ASM [rad/s]; needed when ``asm0`` > 0.
    kr : float
        Rotating-inertia factor of eq. (1) [-].
    speed_min_drive_rad_s : float, optional
        The manufacturer's n_min_drive for third gear and above, if higher than eq. (2) [rad/s].
    vehicle_speed_max_m_s : float, optional
        The car's top speed [m/s]; by default where full-load power meets road load.
    """
    t = np.asarray(time_s, dtype=float)
    v = np.asarray(speed_m_s, dtype=float)
    ndv = np.asarray(engine_speed_per_speed_rad_m, dtype=float)
    _check(t, v, ndv, power_rated_w, speed_rated_rad_s, speed_idle_rad_s, speed_max_rad_s,
           test_mass_kg, safety_margin, asm0, asm_speed_start_rad_s, asm_speed_end_rad_s)
    ng, n = len(ndv), len(v)
    idle = float(speed_idle_rad_s)

    def p_wot(w):
        return np.asarray(full_load_power_w(np.asarray(w, dtype=float)), dtype=float)

    # --- limits (§2) ---------------------------------------------------------------------
    n_min3 = idle + 0.125 * (speed_rated_rad_s - idle)
    if speed_min_drive_rad_s is not None:
        n_min3 = max(n_min3, float(speed_min_drive_rad_s))
    w_grid = np.linspace(idle, speed_max_rad_s, 4001)
    above = p_wot(w_grid) >= 0.95 * power_rated_w * (1 - 1e-9)
    if not above.any():
        raise EdriveError(f"full_load_power_w: never reaches 95 % of power_rated_w "
                          f"({power_rated_w / 1e3:.1f} kW) between idle and speed_max_rad_s")
    n95_high = float(w_grid[np.nonzero(above)[0][-1]])
    vmax_gear = _top_speeds(ndv, p_wot, idle, speed_max_rad_s, f0_n, f1_n_per_m_s,
                            f2_n_per_m2_s2)
    ng_vmax = ng - 1 if vmax_gear[-1] >= vmax_gear[-2] else ng - 2
    v_max_vehicle = (float(vmax_gear.max()) if vehicle_speed_max_m_s is None
                     else float(vehicle_speed_max_m_s))
    n_max = max(n95_high, ndv[ng_vmax] * v.max(), ndv[ng_vmax] * v_max_vehicle)
    n_max_gear = np.where(np.arange(ng) < ng_vmax, n95_high, n_max)

    # --- required power and speeds (§3.1-3.3) ----------------------------------------------
    acc = np.zeros(n)
    acc[:-1] = np.diff(v) / np.diff(t)
    p_req = f0_n * v + f1_n_per_m_s * v**2 + f2_n_per_m2_s2 * v**3 + kr * acc * v * test_mass_kg
    moving = v >= STANDSTILL_M_S
    w = ndv[:, None] * v[None, :]                      # (gears, seconds)
    n_min = np.empty((ng, n))
    n_min[0] = idle
    if ng > 1:
        n_min[1] = np.where(acc > 0, 1.15 * idle, 0.9 * idle)
    n_min[2:] = n_min3
    w_run = w.copy()
    floor1 = np.where(acc > 0, 1.15 * idle, idle)       # first gear: clutch slips below this
    slip1 = w[0] < floor1
    w_run[0] = np.maximum(w[0], floor1)
    in_speed = (w_run >= n_min * (1 - 1e-12)) & (w_run <= n_max_gear[:, None] * (1 + 1e-12))
    in_speed[0] = w_run[0] <= n_max_gear[0] * (1 + 1e-12)

    # --- available power and initial gear (§3.4-3.5) ----------------------------------------
    p_av = p_wot(w_run) * (1 - safety_margin - _asm(w_run, asm0, asm_speed_start_rad_s,
                                                    asm_speed_end_rad_s))
    possible = in_speed & (p_av >= p_req[None, :])
    idx = np.arange(ng)[:, None]
    highest = np.max(np.where(possible, idx, -1), axis=0)
    short = moving & (highest < 0)
    best = np.argmax(np.where(in_speed, p_av, -np.inf), axis=0)
    initial = np.where(highest >= 0, highest, best)
    initial = np.where(in_speed.any(axis=0), initial, 0)
    start = moving & ~np.concatenate([[True], moving[:-1]])    # moving off from standstill
    initial = np.where(start, 0, initial)
    initial = np.where(moving, initial, NEUTRAL)
    # the last standing second before moving off: first gear, clutch open (§3.2)
    pre = np.nonzero(~moving[:-1] & moving[1:])[0]
    initial[pre] = 0

    # --- corrections (§4) -------------------------------------------------------------------
    ctx = _Context(v, moving, acc, in_speed, possible, w, idle)
    gear = initial.copy()
    for _ in range(2):
        gear = _one_second_upshift(gear, ctx)
        gear = _accelerations(gear, ctx)
        gear = _short_higher_gear(gear, ctx)
        gear = _decelerations(gear, ctx)
        gear = _stop_in_second(gear, ctx)
        gear = _single_seconds(gear, ctx)

    cols = np.arange(n)
    g = np.maximum(gear, 0)
    in_gear = moving & (gear >= 0)
    speed = np.where(in_gear, w_run[g, cols], idle)
    clutch = ~in_gear | ((gear == 0) & slip1)
    p_av_used = np.where(in_gear, p_av[g, cols], 0.0)
    limits = {"speed_min_drive_first_rad_s": idle,
              "speed_min_drive_second_accelerating_rad_s": 1.15 * idle,
              "speed_min_drive_second_rad_s": 0.9 * idle,
              "speed_min_drive_third_up_rad_s": float(n_min3),
              "speed_95_high_rad_s": n95_high, "speed_max_rad_s": float(n_max),
              "gear_vmax": int(ng_vmax), "vehicle_speed_max_m_s": v_max_vehicle,
              "top_speed_by_gear_m_s": vmax_gear.tolist()}
    return WltpShift(gear, initial, speed, clutch, p_req, p_av_used, short, limits)


def wltp_gears_for(spec, cycle, **kwargs) -> np.ndarray:
    """:func:`wltp_gears` with the numbers of an :class:`~edrive.vehicle.IcevSpec` (its
    engine's full-load curve and rating, its transmission's overall ratios, its mass and road
    load) over a :class:`~edrive.cycles.DriveCycle` sampled at 1 Hz."""
    return wltp_gearshift_for(spec, cycle, **kwargs).gear


def wltp_gearshift_for(spec, cycle, **kwargs) -> WltpShift:
    """:func:`wltp_gearshift` with the numbers of an IcevSpec (see :func:`wltp_gears_for`)."""
    if getattr(spec, "type", None) != "icev":
        raise EdriveError(f"vehicle type: {format_value(getattr(spec, 'type', None))}; allowed: "
                          "'icev' (the WLTP gearshift procedure needs an engine and gears)")
    vm = spec.model()
    es, eng, tr = vm.engine_spec, vm.engine, vm.transmission
    args = {"power_rated_w": es.power_rated_w, "speed_rated_rad_s": es.speed_rated_rad_s,
            "speed_idle_rad_s": es.speed_idle_rad_s, "speed_max_rad_s": es.speed_max_rad_s,
            "full_load_power_w": eng.power_max_w, "f0_n": vm.f0_n, "f1_n_per_m_s": vm.f1,
            "f2_n_per_m2_s2": vm.f2, "test_mass_kg": vm.mass_kg}
    args.update(kwargs)
    return wltp_gearshift(cycle.time_s, cycle.speed_m_s, tr.overall_ratios / vm.radius_m,
                          **args)


# --- helpers --------------------------------------------------------------------------------

def _check(t, v, ndv, p_rated, w_rated, w_idle, w_max, mass, sm, asm0, n_start, n_end):
    if t.ndim != 1 or t.shape != v.shape or len(t) < 2:
        raise EdriveError(f"time_s and speed_m_s: need equal 1-D arrays of 2 or more samples, "
                          f"got shapes {t.shape} and {v.shape}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(v))) or (v < 0).any():
        raise EdriveError("speed_m_s: allowed: finite values >= 0 (and finite times)")
    if not np.allclose(np.diff(t), 1.0, atol=1e-6):
        raise EdriveError(f"time_s: steps of {np.diff(t).min():g}-{np.diff(t).max():g} s; "
                          "allowed: 1 s (the procedure works second by second)")
    if ndv.ndim != 1 or not 2 <= len(ndv) <= 10 or (ndv <= 0).any() or (np.diff(ndv) >= 0).any():
        raise EdriveError(f"engine_speed_per_speed_rad_m: {ndv.tolist()}; allowed: 2 to 10 "
                          "positive values, decreasing from first gear")
    if not 0 < w_idle < w_rated <= w_max:
        raise EdriveError(f"engine speeds: idle {w_idle:g}, rated {w_rated:g}, max {w_max:g} "
                          "rad/s; allowed: 0 < idle < rated <= max")
    if not (p_rated > 0 and mass > 0):
        raise EdriveError(f"power_rated_w {format_value(p_rated)} and test_mass_kg "
                          f"{format_value(mass)}: allowed: > 0")
    if not 0 <= sm < 0.5 or not 0 <= asm0 < 0.5:
        raise EdriveError(f"safety_margin {format_value(sm)}, asm0 {format_value(asm0)}: "
                          "allowed: 0 to 0.5")
    if asm0 > 0 and (n_start is None or n_end is None or not w_idle <= n_start < n_end):
        raise EdriveError(f"asm_speed_start_rad_s {format_value(n_start)}, asm_speed_end_rad_s "
                          f"{format_value(n_end)}: "
                          "allowed with asm0 > 0: idle <= n_start < n_end")


def _asm(w, asm0, n_start, n_end):
    """Additional safety margin ASM(n) of eq. (3)."""
    if asm0 <= 0:
        return np.zeros_like(w)
    x = (n_start - w) / (n_start - n_end)
    return np.where(w <= n_start, asm0, asm0 * np.exp(np.log(0.005 / asm0) * x))


def _top_speeds(ndv, p_wot, idle, w_max, f0, f1, f2):
    """Top speed per gear: the highest speed at which the full-load power reaches the
    road-load power, engine speed within idle..max [m/s]."""
    out = np.zeros(len(ndv))
    for k, r in enumerate(ndv):
        vv = np.linspace(idle / r, w_max / r, 2001)
        ok = p_wot(r * vv) >= f0 * vv + f1 * vv**2 + f2 * vv**3
        out[k] = vv[np.nonzero(ok)[0][-1]] if ok.any() else 0.0
    return out


class _Context:
    """What the corrections need: speed, phases and the speed-feasible gears."""

    def __init__(self, v, moving, acc, in_speed, possible, w, idle):
        self.v, self.moving, self.in_speed, self.w, self.idle = v, moving, in_speed, w, idle
        self.possible = possible
        self.n = len(v)
        self.accelerating = _phase(moving & (acc > 0), PHASE_MIN_S)
        self.decelerating = _phase(moving & (acc < 0), PHASE_MIN_S)

    def ok(self, g, j) -> bool:
        return g >= 0 and bool(self.in_speed[g, j])


def _phase(mask, min_s):
    """Samples in runs of ``mask`` longer than ``min_s`` (1 Hz)."""
    out = np.zeros_like(mask)
    for a, b in _runs(mask):
        if b - a > min_s:
            out[a:b] = True
    return out


def _runs(mask):
    """(start, stop) of the runs of True."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    d = np.diff(m.astype(int))
    return list(zip(np.nonzero(d == 1)[0], np.nonzero(d == -1)[0], strict=True))


def _blocks(gear):
    """(start, stop, gear) of the runs of equal gear."""
    edges = np.nonzero(np.diff(gear))[0] + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [len(gear)]])
    return [(int(a), int(b), int(gear[a])) for a, b in zip(starts, stops, strict=True)]


def _one_second_upshift(gear, ctx):
    """Correction 1: n, n+1, n or n-1, n+1, n (n+1 for one second) -> n+1 becomes n."""
    g = gear.copy()
    for j in range(1, ctx.n - 1):
        a, b, c = g[j - 1], g[j], g[j + 1]
        if min(a, b, c) < 0:
            continue
        lower = max(a, c)
        if b == lower + 1 and min(a, c) >= b - 2 and ctx.ok(lower, j):
            g[j] = lower
    return g


def _accelerations(gear, ctx):
    """Correction 2: in acceleration phases, upshifts one step at a time, each gear held at
    least 2 s."""
    g = gear.copy()
    held = 1
    for j in range(1, ctx.n):
        prev = g[j - 1]
        if ctx.accelerating[j] and prev >= 0 and g[j] > prev:
            if held < HOLD_S and ctx.ok(prev, j):
                g[j] = prev
            elif g[j] > prev + 1 and ctx.ok(prev + 1, j):
                g[j] = prev + 1
        held = held + 1 if g[j] == prev else 1
    return g


def _short_higher_gear(gear, ctx):
    """Correction 3: gear i for 1-5 s, one step lower before and one or two steps lower after
    (or two lower before, one lower after) -> the higher neighbour."""
    g = gear.copy()
    blocks = _blocks(g)
    for k in range(1, len(blocks) - 1):
        a, b, gi = blocks[k]
        before, after = blocks[k - 1][2], blocks[k + 1][2]
        if before < 0 or after < 0 or not 1 <= b - a <= 5:
            continue
        steps = (gi - before, gi - after)
        if steps in ((1, 1), (1, 2), (2, 1)):
            new = max(before, after)
            if all(ctx.ok(new, j) for j in range(a, b)):
                g[a:b] = new
    return g


def _decelerations(gear, ctx):
    """Correction 4: no upshift during a deceleration phase."""
    g = gear.copy()
    for j in range(1, ctx.n):
        if ctx.decelerating[j] and g[j - 1] >= 0 and g[j] > g[j - 1] and ctx.ok(g[j - 1], j):
            g[j] = g[j - 1]
    return g


def _stop_in_second(gear, ctx):
    """Correction 5: in a deceleration that ends in a stop, no first gear: second gear while
    its engine speed is at least n_idle, else neutral; second gear for at most 2 s just before
    the stop (after a higher gear) -> neutral."""
    g = gear.copy()
    for a, b in _runs(ctx.decelerating):
        if b >= ctx.n or ctx.moving[b]:
            continue  # the phase does not end at a standstill
        for j in range(a, b):
            if g[j] == 0 or (g[j] == 1 and ctx.w[1, j] < ctx.idle):
                g[j] = 1 if ctx.w[1, j] >= ctx.idle else NEUTRAL
        j = b - 1
        while j >= a and g[j] == NEUTRAL:
            j -= 1
        k = j
        while k >= 0 and g[k] == 1:
            k -= 1
        if 1 <= j - k <= 2 and k >= 0 and g[k] > 1:
            g[k + 1:j + 1] = NEUTRAL
    return g


def _single_seconds(gear, ctx):
    """Correction 6: a gear still used for one second between two other gears. Downwards
    (a step skipped on the way down) it takes the gear after it, otherwise the gear before
    it, where that gear has the power; else the gear is held one second longer where the
    speed range allows; else the neighbour within the speed range."""
    g = gear.copy()
    for a, b, gi in _blocks(g)[1:-1]:
        if b - a != 1 or gi < 0 or g[a] != gi:
            continue
        before, after = int(g[a - 1]), int(g[b])
        if after == NEUTRAL and before > gi and ctx.decelerating[a]:
            g[a] = NEUTRAL  # the last second of a deceleration to a stop: clutch open
            continue
        if before < 0 or after < 0:
            continue
        order = [after, before] if before > after else [before, after]
        pick = next((c for c in order if ctx.ok(c, a) and ctx.possible[c, a]), None)
        if pick is not None:
            g[a] = pick
        elif ctx.ok(gi, b):
            g[b] = gi
        else:
            pick = next((c for c in order if ctx.ok(c, a)), None)
            if pick is not None:
                g[a] = pick
    return g
