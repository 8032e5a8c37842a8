"""Road load, grade force, grip and the battery's current: each written once, checked
against its analytic case, the same numbers from numpy, from scalars and compiled."""

import math

import numpy as np
import pytest
from numba import njit

from edrive.components.battery import rint_current_a
from edrive.components.road import DRIVE_CODES, grade_force_n, grip_force_n, road_load_n
from edrive.constants import GRAVITY_M_S2


def test_road_load_and_grade_force_by_hand():
    assert road_load_n(100.0, 2.0, 0.4, 20.0, 1.0) == pytest.approx(100 + 40 + 160)
    theta = math.atan(0.1)
    assert road_load_n(100.0, 0.0, 0.0, 0.0, math.cos(theta)) == pytest.approx(
        100 / math.sqrt(1.01))
    assert grade_force_n(1500.0, math.sin(theta), 10.0) == pytest.approx(
        1500 * GRAVITY_M_S2 * 0.1 / math.sqrt(1.01))
    v = np.array([0.0, 10.0, 30.0])
    assert grade_force_n(1500.0, 0.0, v).shape == (3,)


CAR = {"mass_kg": 1800.0, "mass_effective_kg": 1800.0, "cg_height_m": 0.5, "wheelbase_m": 2.8,
       "front_share": 0.5, "mu": 1.0}


def test_grip_on_the_flat_at_rest_with_no_load_transfer_from_inertia():
    """With m_eff = m and no road load, the load moved by accelerating at the limit: front
    drive loses grip, rear drive gains it, all-wheel drive gets mu m g."""
    m, h, wb, mu = 1800.0, 0.5, 2.8, 1.0
    mg = m * GRAVITY_M_S2
    # F = mu (m g w_f - F h / L)  ->  F = mu m g w_f / (1 + mu h / L), and likewise rear
    fwd = grip_force_n(DRIVE_CODES["fwd"], road_load=0.0, theta=0.0, **CAR)
    rwd = grip_force_n(DRIVE_CODES["rwd"], road_load=0.0, theta=0.0, **CAR)
    awd = grip_force_n(DRIVE_CODES["awd"], road_load=0.0, theta=0.0, **CAR)
    assert fwd == pytest.approx(mu * mg * 0.5 / (1 + mu * h / wb))
    assert rwd == pytest.approx(mu * mg * 0.5 / (1 - mu * h / wb))
    assert awd == pytest.approx(mu * mg)
    assert fwd < awd / 2 < rwd


def test_grip_arrays_scalars_and_compiled_code_agree():
    road = np.linspace(0.0, 2000.0, 7)
    theta = np.linspace(-0.2, 0.3, 7)
    compiled = njit(lambda d, r, t: grip_force_n(d, 1800.0, 1850.0, 0.5, 2.8, 0.55, 0.9, r, t))
    for drive in (0, 1, 2):
        arrays = grip_force_n(drive, 1800.0, 1850.0, 0.5, 2.8, 0.55, 0.9, road, theta)
        for k in range(7):
            one = grip_force_n(drive, 1800.0, 1850.0, 0.5, 2.8, 0.55, 0.9, road[k], theta[k])
            assert arrays[k] == one == compiled(drive, road[k], theta[k])


def test_battery_current_solves_the_rint_circuit():
    v, r = 400.0, 0.1
    for p in (50e3, -80e3, 0.0, 399_000.0):
        i = rint_current_a(p, v, r)
        assert v * i - r * i * i == pytest.approx(p, rel=1e-12, abs=1e-9)  # eq. (1)
        assert i == pytest.approx((v - math.sqrt(v * v - 4 * r * p)) / (2 * r))
    assert rint_current_a(100e3, 400.0, 0.0) == pytest.approx(250.0)  # no resistance: P / V
    with np.errstate(invalid="ignore"):
        assert np.isnan(rint_current_a(400.1e3, v, r))  # above V^2 / (4 R): no current
        p = np.array([50e3, -80e3, 500e3])
        arrays = rint_current_a(p, v, r)
    assert arrays[0] == rint_current_a(50e3, v, r) and np.isnan(arrays[2])
    assert njit(lambda a, b, c: rint_current_a(a, b, c))(50e3, v, r) == arrays[0]
