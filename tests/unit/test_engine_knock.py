"""Eq. (2a) of edrive.components.engine: the indicated efficiency of a boosted petrol engine
from a knock-limited compression ratio, by hand and in the generic engines built from a
rating (the EPA Test Car List's cars)."""

from itertools import pairwise

import numpy as np
import pytest

from edrive.components.engine import (
    COMPRESSION_RATIO_ASPIRATED,
    KIND_DEFAULTS,
    KNOCK_COMPRESSION_EXPONENT,
    OTTO_GAMMA,
    UNTHROTTLED_BMEP_PA,
    boost_ratio,
    engine_from_rating,
    knock_limited_indicated_efficiency,
)
from edrive.errors import EdriveError

RPM = np.pi / 30
E_NA = KIND_DEFAULTS["petrol"]["indicated_efficiency"]


def test_boost_ratio_by_hand():
    # 2.0 L, 190 kW at 6,000 rpm: bmep = 4 pi P / (V_d omega) = 1.900 MPa
    bmep = 4 * np.pi * 190e3 / (2e-3 * 6000 * RPM)
    assert bmep == pytest.approx(1.9e6, rel=1e-3)
    assert boost_ratio(190e3, 2e-3, 6000 * RPM) == pytest.approx(bmep / UNTHROTTLED_BMEP_PA)
    assert boost_ratio(100e3, 2e-3, 6000 * RPM) == 1.0  # within bmep_atm: unboosted


def test_otto_ratio_by_hand():
    # Pi = 2: r = 11 * 2^-k, e_0 = e_NA (1 - r^-0.3) / (1 - 11^-0.3)
    k = KNOCK_COMPRESSION_EXPONENT
    r = COMPRESSION_RATIO_ASPIRATED * 2.0 ** -k
    expected = E_NA * (1 - r ** (1 - OTTO_GAMMA)) / (1 - 11.0 ** (1 - OTTO_GAMMA))
    assert knock_limited_indicated_efficiency(E_NA, 2.0) == pytest.approx(expected, rel=1e-12)
    assert 0.85 * E_NA < expected < 0.9 * E_NA
    assert knock_limited_indicated_efficiency(E_NA, 1.0) == pytest.approx(E_NA)
    assert knock_limited_indicated_efficiency(E_NA, 2.0, exponent=0.0) == pytest.approx(E_NA)


def test_constant_end_of_compression_pressure_at_the_bound():
    # k = 1/gamma holds p_in r^gamma: Pi r(Pi)^gamma = r_NA^gamma
    k = 1 / OTTO_GAMMA
    e = knock_limited_indicated_efficiency(1.0, 1.8, exponent=k)
    r = (1 - e * (1 - COMPRESSION_RATIO_ASPIRATED ** (1 - OTTO_GAMMA))) ** (1 / (1 - OTTO_GAMMA))
    assert 1.8 * r ** OTTO_GAMMA == pytest.approx(COMPRESSION_RATIO_ASPIRATED ** OTTO_GAMMA)


def test_efficiency_falls_with_specific_power_of_generic_engines():
    e = [engine_from_rating("turbo_petrol", 2e-3, p, 6000 * RPM).indicated_efficiency
         for p in (120e3, 160e3, 200e3, 260e3, 300e3)]
    assert e[0] == pytest.approx(E_NA)  # 60 kW/L: within the aspirated bmep
    assert all(b < a for a, b in pairwise(e[1:]))
    # the boosted kinds' default 0.393 lies at 87 kW/L (module docstring)
    at_87 = engine_from_rating("turbo_petrol", 2e-3, 174e3, 6000 * RPM).indicated_efficiency
    assert at_87 == pytest.approx(KIND_DEFAULTS["turbo_petrol"]["indicated_efficiency"], abs=1e-3)
    # a given efficiency (the hybrids' Atkinson engines) wins; diesels keep their kind's
    given = engine_from_rating("petrol", 1.8e-3, 180e3, 6000 * RPM, indicated_efficiency=0.455)
    assert given.indicated_efficiency == 0.455
    d = engine_from_rating("turbo_diesel", 2e-3, 190e3, 4000 * RPM)
    assert d.indicated_efficiency == KIND_DEFAULTS["turbo_diesel"]["indicated_efficiency"]


@pytest.mark.parametrize("e_na, boost, k, field", [
    (E_NA, 0.9, 0.6, "boost ratio"), (E_NA, float("nan"), 0.6, "boost ratio"),
    (E_NA, float("inf"), 0.6, "boost ratio"), (E_NA, True, 0.6, "boost ratio"),
    (E_NA, 1.5, -0.1, "knock exponent"), (E_NA, 1.5, 0.77, "knock exponent"),
    (E_NA, 1.5, None, "knock exponent"), (E_NA, 1.5, "0.6", "knock exponent"),
    (-0.4, 1.5, 0.6, "efficiency_aspirated"), (2.0, 1.5, 0.6, "efficiency_aspirated"),
    (0.0, 1.5, 0.6, "efficiency_aspirated")])
def test_bad_arguments_rejected(e_na, boost, k, field):
    with pytest.raises(EdriveError, match=f"^{field}: "):
        knock_limited_indicated_efficiency(e_na, boost, exponent=k)


@pytest.mark.parametrize("args, field", [
    ((190e3, 0.0, 600.0), "displacement_m3"), ((190e3, float("nan"), 600.0), "displacement_m3"),
    ((float("nan"), 2e-3, 600.0), "power_rated_w"), ((190e3, 2e-3, -1.0), "speed_rated_rad_s")])
def test_boost_ratio_rejects_bad_ratings(args, field):
    with pytest.raises(EdriveError, match=f"^{field}: "):
        boost_ratio(*args)
    with pytest.raises(EdriveError, match=field):
        engine_from_rating("turbo_petrol", args[1], args[0], args[2])


def test_a_given_aspirated_efficiency_is_used_even_if_falsy_values_are_refused():
    e = engine_from_rating("petrol", 2e-3, 100e3, 6000 * RPM, efficiency_aspirated=0.40)
    assert e.indicated_efficiency == pytest.approx(0.40)  # 50 kW/L: unboosted
    with pytest.raises(EdriveError, match="^efficiency_aspirated: 0.0"):
        engine_from_rating("petrol", 2e-3, 100e3, 6000 * RPM, efficiency_aspirated=0.0)
