"""The road's part: road load, grade force and the grip of the driven tyres, each written
once for every simulation (one car in numpy, many in the compiled batch kernels, where numba
compiles these same functions into its loops).

Road load (the coast-down form, SAE J2263 / EPA target coefficients) and grade force at a
road angle theta = arctan(grade):

    R = f0 cos(theta) + f1 v + f2 v^2,        F_grade = m g sin(theta)             (1)

Grip (quasi-static load transfer, Gillespie, *Fundamentals of Vehicle Dynamics*, SAE 1992,
ch. 2): the longitudinal force at the centre of gravity X = m a + m g sin(theta), with
m a = (m / m_eff)(F - R - m g sin(theta)), moves X h / L of load onto the rear axle,

    N_rear  = m g cos(theta) (1 - w_f) + X h / L
    N_front = m g cos(theta) w_f       - X h / L                                    (2)

and F <= mu N on the driven axle gives the largest tractive force; all-wheel drive with a
loss-minimising split is bounded by mu m g cos(theta) (both axles at the limit).
"""

from __future__ import annotations

import numpy as np

from ..constants import GRAVITY_M_S2
from ..sim.jit import jitable

#: drive layouts as the compiled code takes them
DRIVE_CODES = {"fwd": 0, "rwd": 1, "awd": 2}


@jitable
def road_load_n(f0_n, f1, f2, speed_m_s, cos_theta):
    """Eq. (1): road load without the grade force [N] (scalars or arrays)."""
    return f0_n * cos_theta + f1 * speed_m_s + f2 * speed_m_s * speed_m_s


@jitable
def grade_force_n(mass_kg, sin_theta, speed_m_s):
    """Eq. (1): grade force [N], shaped like ``speed_m_s`` (scalars or arrays)."""
    return mass_kg * GRAVITY_M_S2 * sin_theta + 0.0 * speed_m_s


@jitable
def grip_force_n(drive, mass_kg, mass_effective_kg, cg_height_m, wheelbase_m, front_share, mu,
                 road_load, theta):
    """Eq. (2): largest tractive force the driven axles put down [N]; ``drive`` is a code of
    :data:`DRIVE_CODES`, ``road_load`` the road load without the grade force (scalars or
    arrays)."""
    m, h, wb = mass_kg, cg_height_m, wheelbase_m
    g_cos = GRAVITY_M_S2 * np.cos(theta)
    climb = m * GRAVITY_M_S2 * np.sin(theta)
    q = m / mass_effective_kg
    x0 = -q * road_load + (1 - q) * climb  # X = q (F - R) + (1 - q) climb
    k = mu * q * h / wb
    if drive == 0:
        return np.maximum(mu * (m * g_cos * front_share - x0 * h / wb) / (1 + k), 0.0)
    if drive == 1:
        denom = max(1 - k, 1e-3)  # k >= 1 would mean unbounded grip: wheelie territory
        return np.maximum(mu * (m * g_cos * (1 - front_share) + x0 * h / wb) / denom, 0.0)
    return mu * m * g_cos + 0 * road_load
