"""The Willans-line engine, eqs. (1)-(4) of edrive.components.engine, written once: each
function against its analytic case, and numpy, scalar and compiled calls alike."""

import math

import numpy as np
import pytest
from numba import njit

from edrive.components.engine import (
    KIND_DEFAULTS,
    UNTHROTTLED_BMEP_PA,
    friction_mep_pa,
    indicated_efficiency_at,
    pumping_mep_pa,
    willans_fuel_power_w,
)

RPM = math.pi / 30


def test_friction_pumping_and_efficiency_by_hand():
    assert friction_mep_pa(0.0, 1.0) == pytest.approx(97e3)
    assert friction_mep_pa(2000 * RPM, 1.3) == pytest.approx(1.3 * (97 + 30 + 20) * 1e3)
    assert friction_mep_pa(-2000 * RPM, 1.0) == friction_mep_pa(2000 * RPM, 1.0)
    big = 4.0e-3  # T_atm = 1.25 MPa * 4 L / (4 pi) = 398 N*m, above the full load
    assert pumping_mep_pa(0.0, 300.0, 78e3, big) == 78e3  # throttled shut: all of pmep_0
    assert pumping_mep_pa(150.0, 300.0, 78e3, big) == pytest.approx(39e3)
    assert pumping_mep_pa(300.0, 300.0, 78e3, big) == 0.0  # wide open
    assert pumping_mep_pa(400.0, 300.0, 78e3, big) == 0.0
    assert indicated_efficiency_at(0.4 * 600.0, 600.0, 0.4) == pytest.approx(0.4)
    assert indicated_efficiency_at(600.0, 600.0, 0.4) == pytest.approx(0.4 * (1 - 0.15 * 0.36))


def test_a_boosted_engine_is_throttled_like_an_aspirated_one_of_its_size():
    """Eq. (4): the throttle of a 2.0 L engine is wide open at T_atm = 1.25 MPa * 2 L /
    (4 pi) = 198.9 N*m whatever its boosted full load (380 N*m), as it is for a naturally
    aspirated 2.0 L engine whose full load lies above that."""
    t_atm = UNTHROTTLED_BMEP_PA * 2.0e-3 / (4 * math.pi)
    assert t_atm == pytest.approx(198.94, abs=0.01)
    assert UNTHROTTLED_BMEP_PA == KIND_DEFAULTS["petrol"]["bmep_pa"]
    for tmax in (380.0, 210.0):
        assert pumping_mep_pa(100.0, tmax, 90e3, 2.0e-3) == pytest.approx(90e3 * (1 - 100 / t_atm))
        assert pumping_mep_pa(t_atm, tmax, 90e3, 2.0e-3) == 0.0
    # below T_atm the engine's own full load opens the throttle
    assert pumping_mep_pa(90.0, 180.0, 90e3, 2.0e-3) == pytest.approx(45e3)
    # arrays of full loads, as the engine passes them
    got = pumping_mep_pa(100.0, np.array([380.0, 180.0]), 90e3, 2.0e-3)
    assert got == pytest.approx([90e3 * (1 - 100 / t_atm), 90e3 * (1 - 100 / 180)])


def test_fuel_power_is_brake_plus_loss_power_over_efficiency():
    w, t, tmax = 2000 * RPM, 100.0, 300.0
    disp, kf, pmep0, peak, rated = 2.0e-3, 1.0, 78e3, 0.4, 5500 * RPM
    t_open = min(tmax, UNTHROTTLED_BMEP_PA * disp / (4 * math.pi))
    loss = (friction_mep_pa(w, kf) + pmep0 * (1 - t / t_open)) * disp * w / (4 * math.pi)
    want = (t * w + loss) / indicated_efficiency_at(w, rated, peak)
    got = willans_fuel_power_w(t, w, tmax, peak, rated, pmep0, kf, disp)
    assert got == pytest.approx(want, rel=1e-14)
    # the Willans line: fuel power rises linearly with brake power at a fixed speed when the
    # pumping loss is nil (a diesel)
    p = [willans_fuel_power_w(x, w, tmax, peak, rated, 0.0, 1.3, disp) for x in (0, 100, 200)]
    assert p[2] - p[1] == pytest.approx(p[1] - p[0])


def test_arrays_scalars_and_compiled_code_agree():
    w = np.linspace(80.0, 700.0, 25)
    t = np.linspace(0.0, 350.0, 25)
    tmax = np.full(25, 320.0)
    args = (0.38, 600.0, 60e3, 1.0, 2.0e-3)
    arrays = willans_fuel_power_w(t, w, tmax, *args)
    compiled = njit(lambda a, b, c: willans_fuel_power_w(a, b, c, *args))
    for k in range(25):
        one = willans_fuel_power_w(float(t[k]), float(w[k]), 320.0, *args)
        assert arrays[k] == one == compiled(t[k], w[k], 320.0)
