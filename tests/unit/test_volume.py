"""Experience curves, the annual-volume factor and fixed cost per unit."""

import numpy as np
import pytest

from edrive.alliance.cost_data import bundled_cost_data
from edrive.alliance.volume import (experience_factor, fixed_cost_per_unit_eur,
                                    learning_exponent, scale_factor)


@pytest.mark.parametrize("lr", [0.156, 0.18, 0.2, 0.24])
def test_one_doubling_costs_one_minus_the_learning_rate(lr):
    assert experience_factor(2e6, 1e6, lr) == pytest.approx(1 - lr, rel=1e-12)
    assert experience_factor(4e6, 1e6, lr) == pytest.approx((1 - lr) ** 2, rel=1e-12)
    assert experience_factor(1e6, 1e6, lr) == 1.0


def test_learning_exponent_of_the_epa_rate():
    # EPA OMEGA's exponent 0.245 is a 15.6 % learning rate: 1 - 2^-0.245 = 0.1564
    assert learning_exponent(1 - 2**-0.245) == pytest.approx(0.245)


def test_scale_factor_hits_the_table_and_interpolates_in_log_volume():
    data = bundled_cost_data()
    assert scale_factor(300_000, data) == pytest.approx(0.914)
    assert scale_factor(50_000, data) == 1.0  # held below the table
    assert scale_factor(5e6, data) == pytest.approx(0.821)  # held above it
    # halfway in log between 100k (1.0) and 150k (0.973)
    assert scale_factor(np.sqrt(100_000 * 150_000), data) == pytest.approx(0.9865)


def test_scale_factor_never_rises_with_volume():
    v = np.logspace(3, 7, 400)
    assert np.all(np.diff(scale_factor(v, bundled_cost_data())) <= 0)


def test_fixed_cost_is_spread_over_volume_and_programme_years():
    f = fixed_cost_per_unit_eur(100_000, bundled_cost_data(), 2024)
    # EUR 20 m development and EUR 15 m tooling over 100,000 units x 7 years
    assert f["development"] == pytest.approx(20e6 / 700_000)
    assert f["tooling"] == pytest.approx(15e6 / 700_000)
