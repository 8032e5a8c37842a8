"""The engine's full-load curve and fuel cut-off (edrive.components.engine) and the full-load
torque left for the gearbox (edrive.components.transmission), each written
once: against their analytic cases, and numpy, scalar and compiled calls alike (the compiled
conventional-car kernel calls the same functions)."""

import math

import numpy as np
import pytest
from numba import njit

from edrive.components.engine import fuel_cut_off, full_load_torque_nm, load_engine
from edrive.components.transmission import full_load_input_torque_nm

RPM = math.pi / 30
IDLE, W1, W2, W_RATED, W_MAX = 800 * RPM, 1500 * RPM, 4000 * RPM, 5500 * RPM, 6500 * RPM
T_MAX, P_RATED = 300.0, 160e3
KS = np.array([IDLE, W1, W2, W_RATED, W_RATED, W_MAX])
KP = np.array([0.5 * T_MAX * IDLE, T_MAX * W1, T_MAX * W2, P_RATED, P_RATED, 0.9 * P_RATED])


@njit
def _compiled(w, ks, kp, idle, w_max):
    return full_load_torque_nm(w, ks, kp, idle, w_max)


@njit
def _cut(t, w, cut):
    return fuel_cut_off(t, w, cut)


def test_full_load_by_hand():
    f = lambda w: full_load_torque_nm(w, KS, KP, IDLE, W_MAX)
    assert f(2500 * RPM) == pytest.approx(T_MAX)  # plateau: constant torque
    assert f(IDLE) == pytest.approx(0.5 * T_MAX)
    assert f(100 * RPM) == pytest.approx(0.5 * T_MAX)  # below idle: the idle value
    assert f(W_RATED) == pytest.approx(P_RATED / W_RATED)  # rated power
    w = 0.5 * (W_RATED + W_MAX)  # power falls linearly to 0.9 P_rated at the limit
    assert f(w) * w == pytest.approx(0.95 * P_RATED)
    assert f(W_MAX) == pytest.approx(0.9 * P_RATED / W_MAX)
    assert f(W_MAX * (1 + 1e-9)) == 0.0  # above the limit: none


def test_full_load_numpy_scalar_and_compiled_agree():
    w = np.concatenate([np.linspace(0.0, 1.1 * W_MAX, 997), KS])
    arrays = full_load_torque_nm(w, KS, KP, IDLE, W_MAX)
    for k in range(w.size):
        one = full_load_torque_nm(float(w[k]), KS, KP, IDLE, W_MAX)
        assert arrays[k] == one == _compiled(float(w[k]), KS, KP, IDLE, W_MAX)


def test_engine_model_uses_it():
    eng = load_engine("bmw_b48_2l_turbo_petrol").model()
    s = eng.spec
    w = np.linspace(0.0, 1.05 * s.speed_max_rad_s, 301)
    want = full_load_torque_nm(w, eng._knot_speed, eng._knot_power, s.speed_idle_rad_s,
                               s.speed_max_rad_s)
    assert np.array_equal(eng.torque_max_nm(w), want)
    assert np.ndim(eng.torque_max_nm(2000 * RPM)) == 0


@pytest.mark.parametrize(("t", "w", "cut"), [
    (-10.0, 2000 * RPM, True),   # overrun above the cut-off speed: injectors off
    (-10.0, 1000 * RPM, False),  # overrun below it: idle control keeps fuelling
    (10.0, 2000 * RPM, False),   # firing
    (0.0, 2000 * RPM, False),    # zero torque is fired (idle-like)
    (10.0, 0.0, True),           # stopped
    (-10.0, -2000 * RPM, True),  # the speed's sign does not matter
])
def test_fuel_cut_off_by_hand(t, w, cut):
    assert bool(fuel_cut_off(t, w, 1200 * RPM)) is cut
    assert _cut(t, w, 1200 * RPM) is cut
    assert fuel_cut_off(np.array([t]), np.array([w]), 1200 * RPM).tolist() == [cut]


def test_fuel_power_is_zero_where_cut():
    """Above the cut-off speed the fuel falls to zero at the motoring torque (eq. 1b: a
    lighter overrun is still fuelled, less than at zero torque); below it idle control
    keeps fuelling; a stopped engine burns nothing."""
    eng = load_engine("bmw_b48_2l_turbo_petrol").model()
    cut = eng.spec.fuel_cut_speed_rad_s
    w_over = 1.1 * cut
    t_motoring = float(eng.torque_min_nm(w_over))
    t = np.array([t_motoring, -20.0, 0.0, 50.0, 0.5 * t_motoring, 0.0])
    w = np.array([w_over, 0.9 * cut, 0.0, 2000 * RPM, w_over, w_over])
    p = eng.fuel_power_w(t, w)
    assert p[0] == 0.0 and p[2] == 0.0
    assert p[1] > 0.0 and p[3] > p[1]
    assert 0.0 < p[4] < p[5]


@njit
def _input(t_max, w, aux, t0, cv):
    return full_load_input_torque_nm(t_max, w, aux, t0, cv)


def test_full_load_input_torque_by_hand():
    """T_max less the auxiliaries' torque and the gearbox drag (eq. 2 of the transmission)."""
    w = 2000 * RPM
    got = full_load_input_torque_nm(300.0, w, 1000.0, 1.5, 0.008)
    assert got == pytest.approx(300.0 - 1000.0 / w - 1.5 - 0.008 * w)
    assert full_load_input_torque_nm(300.0, w, 0.0, 0.0, 0.0) == 300.0
    ws = np.linspace(80.0, 700.0, 50)
    arrays = full_load_input_torque_nm(np.full(50, 250.0), ws, 800.0, 2.0, 0.005)
    for k in range(50):
        assert arrays[k] == _input(250.0, float(ws[k]), 800.0, 2.0, 0.005) == \
            full_load_input_torque_nm(250.0, float(ws[k]), 800.0, 2.0, 0.005)
