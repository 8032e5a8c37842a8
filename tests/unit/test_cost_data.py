"""Cost figures: bundled files, money conversion, override files."""

import math

import pytest

from edrive.alliance.cost_data import (COST_FILES, bundled_cost_data, load_cost_data,
                                       parse_unit)


def test_every_bundled_figure_has_value_unit_range_basis_and_source():
    data = bundled_cost_data()
    assert len(data.figures) > 80
    for fig in [*data.figures.values(),
                *(e for s in data.series.values() for e in s.entries.values())]:
        assert fig.low <= fig.value <= fig.high, fig.name
        assert fig.source and fig.basis in ("sourced", "derived", "estimate", "unverified",
                                            "handbook"), fig.name
        assert (fig.price_year is None) == (fig.unit.currency is None), fig.name


def test_registry_lists_the_files_with_provenance():
    assert {"materials", "labour", "battery", "economics", "drive_unit", "volume",
            "references"} <= set(COST_FILES.names())
    assert "materials.yaml" in bundled_cost_data().files


def test_units_convert_to_si():
    assert parse_unit("USD/t").currency == "USD"
    assert parse_unit("USD/t").factor == pytest.approx(1e-3)  # per kg
    assert parse_unit("EUR/h").factor == pytest.approx(1 / 3600)  # per second
    assert parse_unit("kN*m/m**3").factor == pytest.approx(1e3)
    assert parse_unit("A/cm**2").factor == pytest.approx(1e4)
    assert parse_unit("EUR").currency == "EUR" and parse_unit("EUR").factor == 1.0
    assert parse_unit("%").factor == pytest.approx(0.01)


def test_money_in_its_own_currency_is_inflated_then_converted():
    data = bundled_cost_data()
    # eq. (1): 100 USD of 2019 in EUR of 2023 = 100 * CPI(2023)/CPI(2019) / fx(2023)
    expected = 100 * 304.702 / 255.657 / 1.0813
    assert data.to_eur(100.0, "USD", 2019, 2023) == pytest.approx(expected, rel=1e-12)
    # euros of the same year are unchanged
    assert data.to_eur(42.0, "EUR", 2024, 2024) == 42.0
    # labour in GBP of 2019 to EUR of 2024, per second
    rate = 20.4 * 133.9 / 107.8 / 0.84662 / 3600
    assert data.eur("labour.GB", 2024) == pytest.approx(rate, rel=1e-12)


def test_override_changes_exactly_the_overridden_figure(tmp_path):
    path = tmp_path / "o.yaml"
    path.write_text("schema_version: 1\ntype: cost_overrides\nfigures:\n"
                    "  materials.copper: {value: 12000, unit: USD/t, price_year: 2024}\n")
    base, over = bundled_cost_data(), load_cost_data(path)
    changed = [n for n in base.figures if base.figures[n] != over.figures[n]]
    assert changed == ["materials.copper"]
    assert over.figure("materials.copper").value == 12000
    assert over.figure("materials.copper").basis == "override"
    assert all(base.series[n] == over.series[n] for n in base.series)


def test_scale_multiplies_a_figure_and_its_range(tmp_path):
    over = load_cost_data({"scale": {"materials.ndfeb_n42sh": 3}})
    base = bundled_cost_data().figure("materials.ndfeb_n42sh")
    fig = over.figure("materials.ndfeb_n42sh")
    assert (fig.value, fig.low, fig.high) == (3 * base.value, 3 * base.low, 3 * base.high)


def test_series_entries_can_be_added_so_later_years_can_be_reported():
    over = load_cost_data({"series": {"exchange_rates.USD": {2025: 1.13},
                                      "exchange_rates.GBP": {2025: 0.85},
                                      "exchange_rates.CNY": {2025: 8.1},
                                      "price_index.EUR": {2025: 128.8},
                                      "price_index.USD": {2025: 322.0},
                                      "price_index.GBP": {2025: 138.0},
                                      "price_index.CNY": {2025: 115.3}}})
    assert over.report_years() == (2015, 2025)
    assert over.to_eur(1.0, "EUR", 2024, 2025) == pytest.approx(128.8 / 126.15)


def test_a_value_may_carry_its_unit():
    over = load_cost_data({"figures": {"materials.copper": {"value": "9.5 USD/kg",
                                                            "price_year": 2024}}})
    assert over.eur("materials.copper", 2024) == pytest.approx(
        bundled_cost_data().eur("materials.copper", 2024) * 9.5e3 / 9380)
    assert math.isclose(over.figure("materials.copper").si, 9.5)
