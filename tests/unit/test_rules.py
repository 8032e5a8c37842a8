"""Fleet CO2 rule packs: every constant sourced, every year covered, bad packs refused."""

from importlib import resources

import pytest
import yaml

from edrive.alliance.rules import CONSTANTS, list_rule_packs, load_rules, rules_from_yaml
from edrive.errors import EdriveError


def _raw(name):
    return yaml.safe_load(resources.files("edrive").joinpath(f"data/rules/{name}.yaml")
                          .read_text("utf-8"))


@pytest.mark.parametrize("name", ["eu", "gb"])
def test_every_constant_has_a_source_a_url_and_a_verified_flag(name):
    raw = _raw(name)
    entries = [e for values in raw["constants"].values() for e in values] + raw["flexibilities"]
    assert len(entries) > 10
    for e in entries:
        assert len(e["source"]) > 10 and e["url"].startswith("https://"), e
        assert isinstance(e["verified"], bool), e
        if not e["verified"]:
            assert len(e.get("note", "")) > 10, e  # says where the value comes from instead
    assert set(raw["constants"]) <= set(CONSTANTS)


def test_bundled_packs_cover_every_year_they_claim():
    assert list_rule_packs() == ["eu", "gb"]
    for name in list_rule_packs():
        pack = load_rules(name)
        for year in range(pack.first_year, pack.last_year + 1):
            assert pack.year(year).method  # every constant the year's method needs is there
    assert (load_rules("EU").first_year, load_rules("EU").last_year) == (2020, 2035)
    assert load_rules("gb").year(2024).method == "zev_mandate"


def test_constants_read_in_the_legal_text():
    eu = load_rules("eu")
    y2020, y2021, y2025 = eu.year(2020), eu.year(2021), eu.year(2025)
    assert (y2020["fleet_target_g_per_km"], y2020["mass_slope_g_per_km_per_kg"],
            y2020["reference_mass_kg"]) == (95, 0.0333, 1379.88)  # Annex I Part A point 1
    assert y2020["phase_in_share"] == 0.95 and eu.year(2021)["phase_in_share"] == 1
    assert [eu.year(y)["super_credit_multiplier"] for y in (2020, 2021, 2022, 2023)] == \
        [2, 1.67, 1.33, 1]  # Article 5
    assert y2021["super_credit_cap_g_per_km"] == 7.5
    assert y2025["reference_mass_kg"] == 1650.15  # Delegated Regulation (EU) 2025/371
    assert y2025.averaging_years == (2025, 2027)  # Regulation (EU) 2025/1214
    assert "mass_slope_g_per_km_per_kg" in y2025.unverified  # a2025 not read in the OJ
    assert y2025["mass_slope_g_per_km_per_kg"] < 0 < y2020["mass_slope_g_per_km_per_kg"]
    assert load_rules("gb").year(2022)["super_credit_cap_g_per_km"] == 3.75


@pytest.mark.parametrize("year", [2022, 2023, 2024])
def test_m0_of_2022_to_2024_is_the_2017_2019_mean_mass(year):
    """Delegated Regulation (EU) 2021/1961: M0 = 1 398,50 kg in Annex I Part A point 4 for
    2022-2024, against which the maker's mean mass is measured; M0,2020 stays 1 379,88 kg."""
    r = load_rules("eu").year(year)
    assert r["reference_mass_kg"] == 1398.50 and r["reference_mass_2020_kg"] == 1379.88
    assert "reference_mass_kg" not in r.unverified


def test_premium_and_eco_innovation_caps_read_in_the_consolidated_text():
    eu = load_rules("eu")
    assert [eu.year(y)["eco_innovation_cap_g_per_km"] for y in (2024, 2025, 2029, 2030, 2034)] \
        == [7, 6, 6, 4, 4]  # Article 11(1)
    assert eu.year(2027)["premium_per_g_per_km_per_car"] == 95  # Article 8(2)
    for y in (2020, 2025, 2030):
        assert not {"premium_per_g_per_km_per_car", "eco_innovation_cap_g_per_km"} & \
            set(eu.year(y).unverified)
    # what was not read in the legal text stays flagged
    assert eu.year(2025).unverified == [
        "fleet_target_g_per_km", "mass_slope_g_per_km_per_kg", "zlev_benchmark_share",
        "zlev_factor_max_increase", "zlev_low_uptake_multiplier", "zlev_weighting_coefficient"]
    assert eu.year(2035).unverified == ["eco_innovation_cap_g_per_km"]


@pytest.mark.parametrize("year", [2019, 2036, True, "2025", 2025.0])
def test_a_year_outside_the_pack_is_one_line(year):
    with pytest.raises(EdriveError, match=r"year: .*; the EU rule pack covers 2020-2035"):
        load_rules("eu").year(year)


def test_unknown_jurisdiction_suggests():
    with pytest.raises(EdriveError, match=r"unknown jurisdiction 'GBR' \(did you mean 'GB'"):
        load_rules("GBR")


HEAD = ("schema_version: 1\ntype: fleet_co2_rules\njurisdiction: XX\ntitle: test\n"
        "currency: EUR\nfirst_year: 2030\nlast_year: 2031\nconstants:\n")
METHOD = ("  target_method:\n    - {years: [2030, 2031], value: zero, source: Some Act Art. 1, "
          "url: 'https://example.org/a', verified: true}\n")


def _entry(name, years, value, verified="true", note=""):
    extra = f", note: {note}" if note else ""
    return (f"  {name}:\n    - {{years: {years}, value: {value}, source: Some Act Art. 2, "
            f"url: 'https://example.org/b', verified: {verified}{extra}}}\n")


@pytest.mark.parametrize("body, message", [
    (METHOD + _entry("fleet_target_gkm", "[2030, 2031]", 0),
     "unknown constant 'fleet_target_gkm' (did you mean 'fleet_target_g_per_km'"),
    (METHOD + _entry("fleet_target_g_per_km", "[2030, 2031]", 0, verified="false"),
     "an unverified value needs a note"),
    (METHOD + _entry("fleet_target_g_per_km", "[2030, 2031]", "true"),
     "value: true: a yes/no value is not a number"),
    (METHOD + _entry("fleet_target_g_per_km", "[2029, 2031]", 0), "outside the pack's 2030-2031"),
    (METHOD + _entry("fleet_target_g_per_km", "[2030, 2031]", "zero"),
     "constants.fleet_target_g_per_km: 'zero'; allowed: a number"),
    (METHOD.replace("zero", "zeroo"), "'zeroo'; allowed: nedc_mass_2020"),
])
def test_bad_rule_pack_is_one_line(body, message):
    with pytest.raises(EdriveError, match="rules.yaml: ") as err:
        rules_from_yaml(HEAD + body, "rules.yaml")
    text = str(err.value)
    assert message in text and "\n" not in text and ": :" not in text


def test_a_constant_the_method_needs_is_reported_by_year():
    pack = rules_from_yaml(HEAD + METHOD + _entry("phase_in_share", "[2030, 2031]", 1)
                           + _entry("premium_per_g_per_km_per_car", "[2030, 2031]", 95)
                           + _entry("excess_rounding_decimals", "[2030, 2031]", 3), "r.yaml")
    with pytest.raises(EdriveError, match=r"constants.fleet_target_g_per_km: no value for 2030"):
        pack.year(2030)
