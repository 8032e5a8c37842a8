"""Pieces every powertrain's cycle simulation shares: following the trace with the forces
the powertrain can deliver, and reporting where it could not.

The trace is driven interval by interval at constant acceleration; where the force an
interval needs is more than the powertrain can deliver (``feasible`` false), the car
accelerates as hard as it can and rejoins the trace when it can: the end speed of such an
interval is the largest one whose force is feasible. ``feasible`` takes (force [N], mean
speed [m/s], grade, road load without grade [N]) and works on arrays; the end speed is found
by evaluating it on ``SEARCH_POINTS`` candidate speeds at once, then again inside the bracket
found, until the bracket is below ``SEARCH_TOLERANCE_M_S``. In a stretch below the trace the
first bracket is a narrow one (``GUESS_BRACKET_M_S``) around the speed the last interval's
acceleration would give. So a car too weak for its cycle costs a few vectorised calls per
missed interval, not a loop of scalar ones. The compiled loops search with
:func:`end_speed_search`, on the same candidate speeds one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import EdriveError, TraceMissError
from .jit import jitable

TRACE_TOLERANCE_M_S = 2 * 0.44704  # EPA speed tolerance, 2 mph (40 CFR 1066.425)
SEARCH_POINTS = 64
SEARCH_TOLERANCE_M_S = 1e-6
GUESS_BRACKET_M_S = 0.02


def follow_trace(chassis, t, v_target, grade, feasible):
    """Achieved speed at each sample: the trace where the car can follow it, otherwise as
    close as full power allows (never above the trace)."""
    dt = np.diff(t)
    v_target = np.minimum(v_target, chassis.speed_max_m_s)
    short = ~np.asarray(feasible(*interval_force_n(chassis, v_target[:-1], v_target[1:], dt,
                                                   grade)), dtype=bool)
    v_ach = v_target.copy()
    if not short.any():
        return v_ach
    searched = False
    for k in range(int(np.argmax(short)), len(dt)):
        a = v_ach[k]
        if a == v_target[k] and not short[k]:
            searched = False  # on the trace and the trace step is feasible
            continue
        guess = a + (a - v_ach[k - 1]) * dt[k] / dt[k - 1] if searched else None
        v_ach[k + 1] = largest_feasible_speed(chassis, a, v_target[k + 1], dt[k], grade[k],
                                              feasible, guess)
        searched = True
    return v_ach


def interval_force_n(chassis, v_start, v_end, dt, grade):
    """(wheel force [N], mean speed [m/s], grade, road load without grade [N]) of intervals
    driven from ``v_start`` to ``v_end`` at constant acceleration: the arguments of a
    ``feasible`` test."""
    vm = 0.5 * (v_start + v_end)
    road, climb = chassis.road_load_parts(vm, grade)
    return (chassis.mass_effective_kg * ((v_end - v_start) / dt) + road + climb, vm,
            grade + 0.0 * vm, road)


def largest_feasible_speed(chassis, v_start, v_end_max, dt, grade, feasible,
                           guess: float | None = None) -> float:
    """Largest end speed in [0, v_end_max] of an interval from ``v_start`` whose force is
    feasible (0 where none is), searched first near ``guess`` where given (module
    docstring). The feasible end speeds are those below a bound."""
    def ok(v):
        return np.asarray(feasible(*interval_force_n(chassis, v_start, v, dt, grade)),
                          dtype=bool)

    lo, hi = 0.0, float(v_end_max)
    if guess is not None and lo < guess < hi:
        near = np.linspace(max(lo, guess - GUESS_BRACKET_M_S),
                           min(hi, guess + GUESS_BRACKET_M_S), SEARCH_POINTS - 1)
        good = ok(np.append(near, hi))
        if good[-1]:
            return hi
        if not good[0]:
            hi = float(near[0])
        elif good[-2]:
            lo = float(near[-1])
        else:
            j = int(np.argmin(good))
            lo, hi = float(near[j - 1]), float(near[j])
    while hi - lo >= SEARCH_TOLERANCE_M_S:
        v = np.linspace(lo, hi, SEARCH_POINTS)
        good = ok(v)
        if good[-1]:
            return hi
        if not good[0]:
            return lo  # only at the start, with lo = 0: nothing is feasible
        j = int(np.argmin(good))
        lo, hi = float(v[j - 1]), float(v[j])
    return lo


@jitable
def _node(lo, hi, n, i):
    """Point ``i`` of np.linspace(lo, hi, n)."""
    if i == n - 1:
        return hi
    step = (hi - lo) / (n - 1)
    if step == 0.0:
        return i / (n - 1) * (hi - lo) + lo
    return i * step + lo


def end_speed_search(feasible):
    """:func:`largest_feasible_speed` for a compiled loop whose interval test is the compiled
    function ``feasible(v0, v1, d, *args)``: returns ``search(v0, v_end_max, d, guess,
    *args)``, for compiled code only (:func:`edrive.sim.jit.jitable`, compiled into its
    caller, which calls ``feasible`` directly and so keeps its disk cache), the largest end
    speed in [0, ``v_end_max``] of an interval of ``d`` seconds from ``v0`` that is feasible,
    searched on the same candidate speeds one at a time (the feasible ones lie below a bound,
    so the first infeasible one ends the scan): first near ``guess`` where it lies inside
    (0, ``v_end_max``), then in the bracket found, until it is below
    ``SEARCH_TOLERANCE_M_S``."""
    def search(v0, v_end_max, d, guess, *args):
        lo, hi = 0.0, v_end_max
        if lo < guess < hi:
            a, b = max(lo, guess - GUESS_BRACKET_M_S), min(hi, guess + GUESS_BRACKET_M_S)
            n = SEARCH_POINTS - 1
            if feasible(v0, hi, d, *args):
                return hi
            if not feasible(v0, _node(a, b, n, 0), d, *args):
                hi = _node(a, b, n, 0)
            elif feasible(v0, b, d, *args):
                lo = b
            else:
                j = 1
                while feasible(v0, _node(a, b, n, j), d, *args):
                    j += 1
                lo, hi = _node(a, b, n, j - 1), _node(a, b, n, j)
        while hi - lo >= SEARCH_TOLERANCE_M_S:
            n = SEARCH_POINTS
            if feasible(v0, hi, d, *args):
                return hi
            j = 0
            while j < n - 1 and feasible(v0, _node(lo, hi, n, j), d, *args):
                j += 1
            if j == 0:
                return lo  # only at the start, with lo = 0: nothing is feasible
            lo, hi = _node(lo, hi, n, j - 1), _node(lo, hi, n, j)
        return lo

    return jitable(search)


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
    pad = lambda a: np.concatenate([[0.0], np.asarray(a, dtype=float)])
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
