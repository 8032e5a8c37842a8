"""The torque converter of edrive.components.transmission, eqs. (3)-(4) and (7)-(9), written
once: speed ratio, torque ratio, capacity factor and pump torque against their analytic
cases, the closed-form pump speed as their inverse, and numpy, scalar and compiled calls
alike (the cycle simulation, full-throttle performance and the compiled conventional-car
kernel call the same functions)."""

import numpy as np
import pytest
from numba import njit

from edrive.components.transmission import (
    converter_capacity_factor,
    converter_creep_torque_nm,
    converter_pump_speed_rad_s,
    converter_pump_torque_nm,
    converter_speed_ratio,
    converter_torque_ratio,
)

K0, TR0, SRC = 12.0, 2.0, 0.85


def test_speed_ratio_by_hand():
    assert converter_speed_ratio(100.0, 200.0) == 0.5
    assert converter_speed_ratio(300.0, 200.0) == 1.0 - 1e-12  # held below 1
    assert converter_speed_ratio(-5.0, 100.0) == 0.0
    assert converter_speed_ratio(0.0, 0.0) == 0.0


def test_torque_ratio_by_hand():
    assert converter_torque_ratio(0.0, TR0, SRC) == TR0  # stall
    assert converter_torque_ratio(SRC / 2, TR0, SRC) == pytest.approx((TR0 + 1) / 2)
    assert converter_torque_ratio(SRC, TR0, SRC) == 1.0  # coupling point and above
    assert converter_torque_ratio(0.95, TR0, SRC) == 1.0
    below = converter_torque_ratio(SRC * (1 - 1e-12), TR0, SRC)
    assert below == pytest.approx(1.0, abs=1e-11)  # continuous at the coupling point


def test_capacity_factor_by_hand():
    assert converter_capacity_factor(0.0, K0, SRC) == K0
    assert converter_capacity_factor(SRC, K0, SRC) == pytest.approx(K0)
    sr = 1 - (1 - SRC) / 4  # a quarter of the slip left at the coupling point: K doubles
    assert converter_capacity_factor(sr, K0, SRC) == pytest.approx(2 * K0)


def test_pump_torque_by_hand():
    # stalled turbine: the stall torque of eq. (9)
    assert converter_pump_torque_nm(80.0, 0.0, K0, SRC) == converter_creep_torque_nm(80.0, K0)
    assert converter_pump_torque_nm(240.0, 120.0, K0, SRC) == pytest.approx((240.0 / K0) ** 2)
    sr = 1 - (1 - SRC) / 4
    assert converter_pump_torque_nm(200.0, 200.0 * sr, K0, SRC) == pytest.approx(
        (200.0 / (2 * K0)) ** 2)


@pytest.mark.parametrize("turbine_speed", [0.0, 50.0, 150.0, 300.0, 500.0])
@pytest.mark.parametrize("turbine_torque", [1.0, 30.0, 200.0, 600.0])
def test_pump_speed_solves_eq_3(turbine_speed, turbine_torque):
    """The closed form (7)-(8) is the inverse of T_t = TR(SR) T_p(omega_p) on both branches."""
    wp = converter_pump_speed_rad_s(turbine_speed, turbine_torque, K0, TR0, SRC)
    sr = converter_speed_ratio(turbine_speed, wp)
    tt = converter_torque_ratio(sr, TR0, SRC) * converter_pump_torque_nm(
        wp, turbine_speed, K0, SRC)
    assert tt == pytest.approx(turbine_torque, rel=1e-9)


@njit
def _compiled(wt, wp):
    sr = converter_speed_ratio(wt, wp)
    return (converter_torque_ratio(sr, TR0, SRC), converter_capacity_factor(sr, K0, SRC),
            converter_pump_torque_nm(wp, wt, K0, SRC))


def test_numpy_scalar_and_compiled_agree():
    rng = np.random.default_rng(5)
    wp = rng.uniform(60.0, 600.0, 400)
    wt = wp * rng.uniform(-0.1, 1.2, 400)
    sr = converter_speed_ratio(wt, wp)
    arrays = (converter_torque_ratio(sr, TR0, SRC), converter_capacity_factor(sr, K0, SRC),
              converter_pump_torque_nm(wp, wt, K0, SRC))
    for k in range(wp.size):
        srk = converter_speed_ratio(float(wt[k]), float(wp[k]))
        one = (converter_torque_ratio(srk, TR0, SRC), converter_capacity_factor(srk, K0, SRC),
               converter_pump_torque_nm(float(wp[k]), float(wt[k]), K0, SRC))
        assert tuple(a[k] for a in arrays) == one == _compiled(float(wt[k]), float(wp[k]))
