"""Battery pack cost: year, chemistry, size and power terms, and the pack a range needs."""

import numpy as np
import pytest

from edrive.alliance.battery_cost import (battery_for_range, chemistry_factor,
                                          pack_cost_eur, pack_price_eur_per_kwh)
from edrive.alliance.cost_data import bundled_cost_data

KWH = 3.6e6


def test_reference_pack_in_a_survey_year_is_the_bnef_average_times_the_chemistry():
    data = bundled_cost_data()
    # 2024 BEV average 97 USD/kWh of 2024 in EUR of 2024 = 97 / 1.0824; 70 kWh is the reference
    nmc = 97 / 1.0824 * chemistry_factor("nmc", data)
    assert pack_price_eur_per_kwh(70 * KWH, 2024) == pytest.approx(nmc, rel=1e-12)


def test_chemistry_factors_split_the_average():
    data = bundled_cost_data()
    # eq. (1) with d = 0.32, c = 0.78, s = 0.4: NMC 1 / (1 - 0.4 x 0.32 x 0.78)
    nmc, lfp = chemistry_factor("nmc", data), chemistry_factor("lfp", data)
    assert nmc == pytest.approx(1 / (1 - 0.4 * 0.32 * 0.78))
    assert lfp == pytest.approx(nmc * (1 - 0.32 * 0.78))
    assert 0.4 * lfp + 0.6 * nmc == pytest.approx(1.0)  # the mix is the average


def test_years_between_data_points_are_interpolated():
    p2024, p2025, p2030 = (pack_price_eur_per_kwh(70 * KWH, y) for y in (2024, 2025, 2030))
    p2027 = pack_price_eur_per_kwh(70 * KWH, 2027)
    assert p2027 == pytest.approx(p2025 + (p2030 - p2025) * 2 / 5)
    assert p2024 > p2025 > p2030


def test_size_term_follows_the_epa_exponent():
    small, ref = pack_price_eur_per_kwh(np.array([35, 70]) * KWH, 2024)
    assert small / ref == pytest.approx(0.5**-0.184)


def test_power_term_only_above_the_reference_ratio():
    base = pack_price_eur_per_kwh(50 * KWH, 2024)
    # 150 kW from 50 kWh is 3 /h: the reference ratio, no surcharge
    assert pack_price_eur_per_kwh(50 * KWH, 2024, power_w=150e3) == pytest.approx(base)
    # 250 kW is 5 /h: 2 /h above, 4 % each
    assert pack_price_eur_per_kwh(50 * KWH, 2024, power_w=250e3) == pytest.approx(base * 1.08)


def test_battery_for_a_range():
    # 400 km at 180 Wh/km (648 J/m) with 90 % usable: 72 kWh usable, an 80 kWh pack
    out = battery_for_range(400e3, 648.0, 0.9, 2024, chemistry="lfp")
    assert out["usable_energy_j"] == pytest.approx(72 * KWH)
    assert out["energy_j"] == pytest.approx(80 * KWH)
    assert out["cost_eur"] == pytest.approx(
        pack_cost_eur(80 * KWH, 2024, chemistry="lfp"))
    assert out["cost_eur"] == pytest.approx(80 * out["price_eur_per_kwh"])


def test_report_year_moves_money_not_the_purchase_year():
    in_2023 = pack_price_eur_per_kwh(70 * KWH, 2023, report_year=2023)
    in_2024 = pack_price_eur_per_kwh(70 * KWH, 2023, report_year=2024)
    # a USD figure: US CPI 2023 to 2024, then the 2024 rate instead of the 2023 one
    assert in_2024 / in_2023 == pytest.approx(313.689 / 304.702 * 1.0813 / 1.0824)
