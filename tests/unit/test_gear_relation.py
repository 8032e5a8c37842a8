"""Eq. (4), the one gear relation of edrive, against its analytic cases."""

import numpy as np
import pytest
from numba import njit

from edrive.components.gear import input_torque_nm, output_torque_nm

G, ETA, DRAG = 9.0, 0.96, 0.5


def test_motoring_and_generating_by_hand():
    # driving: the input gives the output's torque over G, plus the mesh loss, plus drag
    assert input_torque_nm(270.0, G, ETA, DRAG) == pytest.approx(270.0 / (9.0 * 0.96) + 0.5)
    # recovering: the mesh keeps 4 % of the power, the input gets less than T/G
    assert input_torque_nm(-270.0, G, ETA, DRAG) == pytest.approx(-270.0 * 0.96 / 9.0 + 0.5)
    assert input_torque_nm(0.0, G, ETA, DRAG) == DRAG  # continuous through zero
    assert output_torque_nm(DRAG, G, ETA, DRAG) == 0.0


def test_power_through_the_mesh():
    """Driving, output power is eta times the input's (less drag); recovering, the input
    gets eta times the output's."""
    w_out = 50.0
    t_in = input_torque_nm(300.0, G, ETA, 0.0)
    assert 300.0 * w_out == pytest.approx(ETA * t_in * w_out * G)
    t_in = input_torque_nm(-300.0, G, ETA, 0.0)
    assert t_in * w_out * G == pytest.approx(ETA * -300.0 * w_out)


def test_arrays_scalars_and_compiled_code_agree_and_invert():
    t = np.linspace(-500.0, 500.0, 101)
    drag = np.linspace(0.0, 2.0, 101)
    t_in = input_torque_nm(t, G, ETA, drag)
    scalar = np.array([input_torque_nm(float(a), G, ETA, float(d)) for a, d in zip(t, drag)])
    assert np.array_equal(t_in, scalar)
    twice = njit(lambda a, g, e, d: input_torque_nm(a, g, e, d))
    assert np.array_equal(scalar, [twice(float(a), G, ETA, float(d)) for a, d in zip(t, drag)])
    assert np.array_equal(t_in, np.where(t >= 0, t / (G * ETA), t * ETA / G) + drag)
    np.testing.assert_allclose(output_torque_nm(t_in, G, ETA, drag), t, rtol=1e-12,
                               atol=1e-12)


def test_gears_of_a_transmission_broadcast():
    ratios, etas = np.array([14.0, 8.0, 5.0]), np.array([0.95, 0.96, 0.97])
    t = input_torque_nm(np.array([100.0, 100.0, -100.0]), ratios, etas, 0.0)
    np.testing.assert_allclose(t, [100 / (14 * 0.95), 100 / (8 * 0.96), -100 * 0.97 / 5])


def test_converter_pump_speed_solves_its_quadratics():
    """Eqs. (7)-(8) of the torque converter: the root found satisfies the branch it is on,
    both branches meet at the coupling point, and numpy, scalars and compiled code agree."""
    from edrive.components.transmission import converter_pump_speed_rad_s as pump

    k0, tr0, src = 0.01, 2.0, 0.85
    a = (tr0 - 1) / src
    for wt, tt in ((0.0, 200.0), (100.0, 300.0), (300.0, 20.0), (250.0, 0.0)):
        wp = pump(wt, tt, k0, tr0, src)
        if tt * (src * k0) ** 2 >= wt * wt:  # below the coupling point: eq. (7)
            assert tr0 * wp * wp - a * wt * wp - k0 * k0 * tt == pytest.approx(0, abs=1e-9)
        else:  # above it: eq. (8)
            assert wp * wp - wt * wp - k0 * k0 * (1 - src) * tt == pytest.approx(0, abs=1e-9)
    wt = 200.0
    tc = (wt / (src * k0)) ** 2  # the coupling point: omega_p = omega_t / SR_c on both sides
    assert pump(wt, tc, k0, tr0, src) == pytest.approx(wt / src)
    assert pump(wt, tc * (1 - 1e-12), k0, tr0, src) == pytest.approx(wt / src)
    assert pump(wt, -50.0, k0, tr0, src) == pump(wt, 0.0, k0, tr0, src) == wt
    w = np.linspace(0.0, 400.0, 41)
    t = np.linspace(0.0, 600.0, 41)
    arrays = pump(w, t, k0, tr0, src)
    compiled = njit(lambda x, y: pump(x, y, k0, tr0, src))
    for k in range(41):
        assert arrays[k] == pump(float(w[k]), float(t[k]), k0, tr0, src) == compiled(w[k], t[k])
