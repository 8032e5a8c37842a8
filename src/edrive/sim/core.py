"""Pieces every powertrain's cycle simulation shares: following the trace with the forces
the powertrain can deliver, and reporting where it could not.

The trace is driven interval by interval at constant acceleration; where the force an
interval needs is more than the powertrain can deliver (``feasible`` false), the car
accelerates as hard as it can (``force_max``) and rejoins the trace when it can. Both
callables take (force [N], mean speed [m/s], grade, road load without grade [N]) and work on
arrays or scalars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import EdriveError, TraceMissError

TRACE_TOLERANCE_M_S = 2 * 0.44704  # EPA speed tolerance, 2 mph (40 CFR 1066.425)


def follow_trace(chassis, t, v_target, grade, feasible, force_max):
    """Achieved speed at each sample: the trace where the car can follow it, otherwise as
    close as full power allows (never above the trace)."""
    dt = np.diff(t)
    v_target = np.minimum(v_target, chassis.speed_max_m_s)
    v0, v1 = v_target[:-1], v_target[1:]
    v = 0.5 * (v0 + v1)
    road, climb = chassis.road_load_parts(v, grade)
    need = chassis.mass_effective_kg * (v1 - v0) / dt + road + climb
    short = ~feasible(need, v, grade, road)
    if not short.any():
        return v_target.copy()
    v_ach = v_target.copy()
    m = chassis.mass_effective_kg
    for k in range(int(np.argmax(short)), len(dt)):
        a, b = v_ach[k], v_target[k + 1]
        if a == v_target[k] and not short[k]:
            continue  # on the trace and the trace step is feasible
        vm_ = 0.5 * (a + b)
        r, c = chassis.road_load_parts(vm_, grade[k])
        if feasible(m * (b - a) / dt[k] + r + c, vm_, grade[k], r):
            continue
        nxt = b
        for _ in range(4):  # fixed point on the mean speed of the interval
            vm_ = 0.5 * (a + nxt)
            r, c = chassis.road_load_parts(vm_, grade[k])
            fmax = force_max(vm_, grade[k], r)
            nxt = min(b, max(0.0, a + (fmax - r - c) / m * dt[k]))
        v_ach[k + 1] = _largest_feasible_speed(chassis, a, nxt, b, dt[k], grade[k], feasible)
    return v_ach


def _largest_feasible_speed(chassis, a, guess, b, dt, grade, feasible):
    """Refine the end speed of an interval by bisection so that the force it needs is
    feasible (the fixed point above lands within a few mm/s of the limit)."""
    def ok(v1):
        vm_ = 0.5 * (a + v1)
        r, c = chassis.road_load_parts(vm_, grade)
        return bool(feasible(chassis.mass_effective_kg * (v1 - a) / dt + r + c, vm_, grade, r))

    lo, hi = max(0.0, guess - 0.05), min(b, guess + 0.05)
    if not ok(lo):
        lo, hi = 0.0, lo
        if not ok(lo):
            return 0.0
    if ok(hi):
        return hi
    for _ in range(20):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


def trace_misses(t, v_target, v_achieved):
    """Shortfall per sample [m/s], the missed-interval mask and the stretches missed:
    (t_start, t_end, worst shortfall [m/s])."""
    shortfall = v_target - v_achieved
    missed = shortfall[1:] > TRACE_TOLERANCE_M_S
    return shortfall, missed, _episodes(t, shortfall, missed)


def _episodes(t, shortfall, missed):
    """Stretches where the trace was missed: (t_start, t_end, worst shortfall [m/s])."""
    out = []
    if not missed.any():
        return out
    k = 0
    n = len(missed)
    while k < n:
        if missed[k]:
            j = k
            while j + 1 < n and missed[j + 1]:
                j += 1
            out.append((float(t[k]), float(t[j + 1]), float(shortfall[k + 1:j + 2].max())))
            k = j + 1
        else:
            k += 1
    return out


def check_trace_option(trace_miss: str) -> None:
    if trace_miss not in ("allow", "error"):
        raise EdriveError(f"trace_miss: {trace_miss!r}; allowed: 'allow', 'error'")


def raise_if_missed(misses, trace_miss: str, vehicle: str, cycle: str) -> None:
    """With ``trace_miss="error"``, raise :class:`TraceMissError` naming the first miss."""
    if misses and trace_miss == "error":
        t0, t1, worst = misses[0]
        raise TraceMissError(
            f"{vehicle} cannot follow {cycle}: {len(misses)} stretch(es), first at "
            f"t = {t0:.0f}-{t1:.0f} s, up to {worst * 3.6:.1f} km/h below the trace")


@dataclass
class Intervals:
    """Per interval between samples: duration, mean speed, acceleration and the wheel
    forces F_wheel = m_eff a + road load + grade force (all arrays)."""

    dt: np.ndarray
    speed_m_s: np.ndarray
    acceleration_m_s2: np.ndarray
    road_n: np.ndarray
    grade_n: np.ndarray
    inertia_n: np.ndarray
    wheel_n: np.ndarray


def intervals(chassis, t, v_achieved, grade) -> Intervals:
    """Kinematics and forces of each interval at constant acceleration (mean speed)."""
    dt = np.diff(t)
    v0, v1 = v_achieved[:-1], v_achieved[1:]
    acc = (v1 - v0) / dt
    v = 0.5 * (v0 + v1)
    road, climb = chassis.road_load_parts(v, grade)
    inertia = chassis.mass_effective_kg * acc
    return Intervals(dt, v, acc, road, climb, inertia, inertia + road + climb)


def series_head(cyc, v_achieved, shortfall, iv: Intervals, friction_n) -> dict:
    """The time-series columns every powertrain reports (row 0 is the initial state)."""
    pad = lambda a: np.concatenate([[0.0], np.asarray(a, dtype=float)])  # noqa: E731
    return {
        "time_s": cyc.time_s,
        "speed_target_m_s": cyc.speed_m_s,
        "speed_m_s": v_achieved,
        "trace_shortfall_m_s": shortfall,
        "acceleration_m_s2": pad(iv.acceleration_m_s2),
        "grade": cyc.grade,
        "wheel_force_n": pad(iv.wheel_n),
        "wheel_power_w": pad(iv.wheel_n * iv.speed_m_s),
        "friction_brake_power_w": pad(-friction_n * iv.speed_m_s),
    }
