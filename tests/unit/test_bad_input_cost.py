"""Bad input to the cost models: one line naming the field, the value and what is allowed."""

import numpy as np
import pytest

from edrive.alliance.battery_cost import battery_for_range, pack_price_eur_per_kwh
from edrive.alliance.cost import edu_cost, edu_cost_inputs, edu_cost_many
from edrive.alliance.cost_compare import compare_edu_costs
from edrive.alliance.cost_data import load_cost_data
from edrive.errors import EdriveError

COPPER = "materials.copper"


def _fails(fn, *match):
    with pytest.raises(EdriveError) as info:
        fn()
    message = str(info.value)
    assert "\n" not in message and len(message) < 400, message
    for m in match:
        assert m in message, message
    return message


def _override(tmp_path, text):
    path = tmp_path / "over.yaml"
    path.write_text("schema_version: 1\ntype: cost_overrides\n" + text)
    return path


@pytest.mark.parametrize("figure,match", [
    ({"value": 9, "unit": "USD/m", "price_year": 2024}, ["materials.copper", "'USD/m'",
                                                          "cannot be converted", "'USD/t'"]),
    ({"value": 9, "unit": "kg", "price_year": 2024}, ["'kg'", "cannot be converted", "price"]),
    ({"value": 9, "unit": "USD/kgg", "price_year": 2024}, ["cannot read unit 'USD/kgg'"]),
    ({"value": 9, "unit": "JPY/kg", "price_year": 2024}, ["unknown currency 'JPY'", "EUR, USD"]),
    ({"value": -3, "unit": "USD/t", "price_year": 2024}, ["materials.copper.value: -3",
                                                           "allowed: 0 or more"]),
    ({"value": True, "unit": "USD/t", "price_year": 2024}, ["materials.copper.value: true",
                                                             "not a number"]),
    ({"value": "nan", "unit": "USD/t", "price_year": 2024}, ["expected a number"]),
    ({"value": 9000, "unit": "USD/t"}, ["needs a price_year"]),
    ({"value": 9000}, ["unit: required", "'USD/t'"]),
    ({"value": 9000, "unit": "USD/t", "price_year": 2010}, ["price_year 2010", "2015 to 2024"]),
    ({"value": 9000, "unit": "USD/t", "price_year": 2024.5}, ["price_year", "2024.5"]),
    ({"value": 9000, "unit": "USD/t", "price_year": 2024, "low": 9500}, ["outside its range"]),
])
def test_bad_figure_in_an_overrides_file(tmp_path, figure, match):
    _fails(lambda: load_cost_data({"figures": {COPPER: figure}}), *match)


def test_unknown_material_is_named_with_close_matches():
    _fails(lambda: load_cost_data({"figures": {"materials.coper": {"value": 1}}}),
           "unknown figure 'materials.coper'", "did you mean 'materials.copper'")


def test_unknown_key_and_wrong_type_in_an_overrides_file(tmp_path):
    _fails(lambda: load_cost_data(_override(tmp_path, "figure: {}\n")),
           "unknown key 'figure'", "did you mean 'figures'")
    _fails(lambda: load_cost_data({"type": "edu"}), "type: 'edu'", "'cost_overrides'")
    _fails(lambda: load_cost_data(_override(tmp_path, "scale: {materials.copper: 0}\n")),
           "scale.materials.copper", "greater than 0")
    _fails(lambda: load_cost_data(_override(tmp_path, "scale: {materials.copper: true}\n")),
           "scale.materials.copper")
    _fails(lambda: load_cost_data(_override(tmp_path, "scale: {materials.copperr: 2}\n")),
           "materials.copperr", "did you mean")
    _fails(lambda: load_cost_data(_override(tmp_path, "series: {battery.pack: {2024: 1}}\n")),
           "unknown series 'battery.pack'", "battery.pack_price_bev")
    _fails(lambda: load_cost_data(_override(tmp_path, "masses: {magnet_kg: -1}\n")),
           "masses.magnet_kg", "-1")


def test_corrupt_truncated_or_huge_overrides_file(tmp_path, monkeypatch):
    path = tmp_path / "bad.yaml"
    path.write_text("figures: {materials.copper: [1, 2\n")
    _fails(lambda: load_cost_data(path), "not valid YAML")
    path.write_bytes(b"\xff\xfe\x00garbage")
    _fails(lambda: load_cost_data(path), "not UTF-8")
    path.write_text("- 1\n- 2\n")
    _fails(lambda: load_cost_data(path), "expected a mapping")
    _fails(lambda: load_cost_data(tmp_path / "missing.yaml"), "does not exist")
    path.write_text("schema_version: 1\ntype: cost_overrides\ndescription: " + "x" * 500 + "\n")
    monkeypatch.setenv("EDRIVE_MAX_COST_FILE_BYTES", "100")
    _fails(lambda: load_cost_data(path), "larger than the limit of 100 bytes (EDRIVE_MAX_COST_FILE_BYTES)",
           "EDRIVE_MAX_COST_FILE_BYTES")


def test_long_values_are_shown_short():
    message = _fails(lambda: load_cost_data({"figures": {COPPER: {"value": "x" * 5000}}}))
    assert len(message) < 200


@pytest.mark.parametrize("kwargs,match", [
    ({"plant": "FR"}, ["unknown plant country 'FR'", "AT, CN, DE, GB, HU, US"]),
    ({"year": 2031}, ["year: 2031", "2015 to 2024"]),
    ({"year": 2014}, ["year: 2014"]),
    ({"year": 2024.5}, ["year: 2024.5", "a whole year"]),
    ({"year": True}, ["year: true"]),
    ({"annual_units": 0}, ["annual volume: 0", "more than 0",
                           "EDRIVE_MAX_ANNUAL_UNITS"]),
    ({"annual_units": -5}, ["annual volume: -5"]),
    ({"annual_units": float("nan")}, ["annual volume: nan"]),
    ({"annual_units": 1e12}, ["annual volume: 1e+12", "10,000,000"]),
    ({"annual_units": True}, ["annual volume: true"]),
    ({"annual_units": "many"}, ["annual volume: 'many'"]),
    ({"cumulative_units": 0}, ["cumulative volume: 0"]),
    ({"magnet_grade": "n52"}, ["unknown magnet grade 'n52'", "n42sh"]),
])
def test_bad_settings(kwargs, match):
    _fails(lambda: edu_cost("jaguar_ipace_pm", **kwargs), *match)


def test_limits_can_be_raised_by_environment(monkeypatch):
    monkeypatch.setenv("EDRIVE_MAX_ANNUAL_UNITS", "20000000000")
    assert edu_cost("jaguar_ipace_pm", annual_units=1e10).total_eur > 0
    monkeypatch.setenv("EDRIVE_MAX_ANNUAL_UNITS", "-1")
    _fails(lambda: edu_cost("jaguar_ipace_pm"), "EDRIVE_MAX_ANNUAL_UNITS", "positive integer")


def test_bad_arrays_of_designs(monkeypatch):
    x = edu_cost_inputs("jaguar_ipace_pm")
    _fails(lambda: edu_cost_many({**x, "torque_nm": np.array([300.0, -1.0])}),
           "torque_nm: -1", "allowed: 1 to 20000")
    _fails(lambda: edu_cost_many({**x, "torque_nm": np.array([300.0, np.inf])}),
           "torque_nm: inf")
    _fails(lambda: edu_cost_many({**x, "machine": "srm"}), "unknown machine 'srm'", "pmsm")
    _fails(lambda: edu_cost_many({**x, "machine": 1}), "machine: 1", "pmsm")
    _fails(lambda: edu_cost_many({**x, "torqe_nm": 1.0}), "unknown drive-unit cost input",
           "did you mean 'torque_nm'")
    _fails(lambda: edu_cost_many({k: v for k, v in x.items() if k != "current_peak_a"}),
           "current_peak_a: required")
    _fails(lambda: edu_cost_many({**x, "stage_ratio_2": 0.1}), "stage_ratio_2: 0.1",
           "(0: none)")
    _fails(lambda: edu_cost_many({**x, "torque_nm": np.ones(3) * 300,
                                  "power_w": np.ones(4) * 1e5}), "different lengths")
    monkeypatch.setenv("EDRIVE_MAX_COST_VARIANTS", "10")
    _fails(lambda: edu_cost_many({**x, "torque_nm": np.full(11, 300.0)}),
           "11 designs", "the limit is 10", "EDRIVE_MAX_COST_VARIANTS")


@pytest.mark.parametrize("call,match", [
    (lambda: pack_price_eur_per_kwh(70e6 * 3.6, 2019), ["year: 2019", "2020 to 2030"]),
    (lambda: pack_price_eur_per_kwh(70e6 * 3.6, 2031), ["year: 2031"]),
    (lambda: pack_price_eur_per_kwh(70e6 * 3.6, 2024.5), ["year: 2024.5"]),
    (lambda: pack_price_eur_per_kwh(70e6 * 3.6, 2024, chemistry="nca"),
     ["unknown battery chemistry 'nca'", "lfp, nmc"]),
    (lambda: pack_price_eur_per_kwh(-1.0, 2024), ["energy_j: -1", "more than 0"]),
    (lambda: pack_price_eur_per_kwh(70e6, 2024, power_w=-5.0), ["power_w: -5"]),
    (lambda: pack_price_eur_per_kwh(70e6, 2024, report_year=2040), ["report_year: 2040"]),
    (lambda: battery_for_range(400e3, 648, 1.5, 2024), ["usable_fraction: 1.5",
                                                        "at most 1"]),
    (lambda: battery_for_range(400e3, 0.0, 0.9, 2024), ["consumption_j_per_m: 0"]),
    (lambda: battery_for_range(True, 648, 0.9, 2024), ["range_m: true"]),
])
def test_bad_battery_input(call, match):
    _fails(call, *match)


def test_compare_needs_a_battery_electric_vehicle_and_drive_units():
    _fails(lambda: compare_edu_costs("jaguar_ipace_pm", "bmw_gen5_eesm", vehicle="bmw_330i"),
           "vehicle BMW 330i", "type icev", "(type bev)")
    from edrive.edu import scale_edu

    # a drive-unit spec (a scaled family member) is fitted to the car as a file would be
    longer = scale_edu("jaguar_ipace_pm", length_factor=1.2)
    out = compare_edu_costs(longer, "jaguar_ipace_pm", vehicle="bmw_ix3")
    assert out["a"]["edu"] == longer.name and out["b"]["battery_wh_per_km"] > 0
    _fails(lambda: compare_edu_costs(7, "bmw_gen5_eesm", vehicle="bmw_ix3"),
           "unknown drive unit '7'")
