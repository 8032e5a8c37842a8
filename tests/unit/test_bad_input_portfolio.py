"""Bad portfolio files: each refused up front with one line naming the field, the value and
what is allowed."""

from __future__ import annotations

import copy

import pytest
import yaml

from edrive.alliance.portfolio import load_portfolio, portfolio_from_mapping, portfolio_from_yaml
from edrive.errors import EdriveError
from test_portfolio import SMALL


def error_of(data, **kw) -> str:
    with pytest.raises(EdriveError) as err:
        portfolio_from_mapping(data, where="p.yaml", **kw)
    message = str(err.value)
    assert "\n" not in message and "np.float64" not in message and len(message) < 400
    return message


def changed(path: str, value):
    """SMALL with the value at a dotted path replaced (``None``: the key removed)."""
    data = copy.deepcopy(SMALL)
    keys = path.split(".")
    node = data
    for k in keys[:-1]:
        node = node[int(k)] if k.isdigit() else node[k]
    last = int(keys[-1]) if keys[-1].isdigit() else keys[-1]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return data


@pytest.mark.parametrize("path, value, message", [
    # unknown keys, with close matches
    ("programs", [], "p.yaml: unknown key 'programs' (did you mean 'programmes'?)"),
    ("programmes.0.requirement", {}, "p.yaml: programmes.0: unknown key 'requirement' (did "
                                     "you mean 'requirements' or 'segment'?); allowed keys: "
                                     "name, partner, brand, segment, vehicle, volumes, "
                                     "requirements"),
    ("programmes.0.requirements.range_km", 300,
     "programmes.0.requirements: unknown key 'range_km' (did you mean 'wltp_range_km'?)"),
    ("plants.0.capacity", 5, "plants.0: unknown key 'capacity' (did you mean "
                             "'capacity_units' or 'line_capacity_units'?)"),
    # names that point nowhere
    ("programmes.0.partner", "maker", "p.yaml: programmes.0.partner: 'maker': not a partner; "
                                      "partners: a, b"),
    ("programmes.2.partner", "aa", "programmes.2.partner: 'aa': not a partner (did you mean "
                                   "'a'?); partners: a, b"),
    ("programmes.0.volumes", {"EUR": 100},
     "p.yaml: programmes.0.volumes: 'EUR': not a market (did you mean 'EU'?); markets: EU, UK"),
    ("programmes.0.vehicle", "bmw_ix4",
     "p.yaml: programmes.0 (suv): vehicle: unknown vehicle 'bmw_ix4' (did you mean 'bmw_ix3'"),
    ("programmes.0.vehicle", "bmw_330i",
     "p.yaml: programmes.0 (suv): vehicle: 'bmw_330i' is a icev car; allowed: a "
     "battery-electric car (type bev), whose drive units the variants replace"),
    ("programmes.0.vehicle", "no/such/car.yaml",
     "p.yaml: programmes.0 (suv): vehicle: vehicle file 'no/such/car.yaml' does not exist"),
    ("plants.1.owner", "c", "p.yaml: plants.1.owner: 'c': not a partner; partners: a, b"),
    ("plants.0.country", "FR", "p.yaml: plants.0.country: unknown plant country 'FR'; "
                               "available: AT, CN, DE, GB, HU, US"),
    ("markets.0.logistics_eur_per_unit", {"p3": 10},
     "p.yaml: markets.0.logistics_eur_per_unit: 'p3': not a plant (did you mean 'p2' or 'p1'?)"
     "; plants: p1, p2"),
    ("markets.1.tariff_share", {"p2": 0.1, "p9": 0.1},
     "markets.1.tariff_share: 'p9': not a plant"),
    ("markets.0.tariff_share", {"p2": 0.1},
     "p.yaml: markets.0.tariff_share: 'p2': no route from this plant (logistics_eur_per_unit)"),
    ("markets.0.jurisdiction", "EUR", "p.yaml: markets.0.jurisdiction: unknown jurisdiction "
                                      "'EUR' (did you mean 'EU'?); available: EU, GB"),
    ("variants.family.base", "tesla_model3_ipm",
     "p.yaml: variants.family.base: unknown drive unit 'tesla_model3_ipm' (did you mean "
     "'tesla_model3_rear_ipm'?)"),
    ("variants.units", ["jaguar_ipace"], "p.yaml: variants.units.0: unknown drive unit "
                                         "'jaguar_ipace' (did you mean 'jaguar_ipace_pm'?)"),
    ("partners.1.fleets", ["jlr_like_gb_2026"], "p.yaml: partners.1.fleets.0: unknown fleet "
                                                "'jlr_like_gb_2026' (did you mean"),
    # a partner without programmes, a market without a route
    ("partners", [{"name": "a"}, {"name": "b"}, {"name": "c"}],
     "p.yaml: partners.2: 'c': has no programme; give it one or leave it out"),
    ("markets.0.logistics_eur_per_unit", {},
     "p.yaml: markets.0.logistics_eur_per_unit: 'EU': the market has no plant route; name at "
     "least one plant"),
    # values: signs, types, units, ranges
    ("plants.0.capacity_units", -5, "p.yaml: plants.0.capacity_units: -5: Input should be "
                                    "greater than or equal to 0"),
    ("plants.0.capacity_units", 1.5, "plants.0.capacity_units: 1.5: Input should be a valid "
                                     "integer, got a number with a fractional part"),
    ("plants.0.capacity_units", True, "plants.0.capacity_units: true: a yes/no value is not a "
                                      "number"),
    ("plants.0.capacity_units", 1e12, "plants.0.capacity_units: 1000000000000.0: Input should "
                                      "be less than or equal to 100000000"),
    ("plants.1.expansion.max_steps", -1, "plants.1.expansion.max_steps: -1: Input should be "
                                         "greater than or equal to 0"),
    ("plants.0.line_capacity_units", 20000,
     "p.yaml: plants.0.line_capacity_units: 20000: above the plant's capacity after expansion "
     "(10,000 units)"),
    ("plants.0.cost_factor", 0, "plants.0.cost_factor: 0: Input should be greater than 0"),
    ("programmes.0.volumes", {"EU": {2027: True}},
     "programmes.0.volumes.EU.2027: true: a yes/no value is not a number; allowed: a whole "
     "number"),
    ("programmes.0.volumes", {"EU": -3}, "programmes.0.volumes.EU: -3: Input should be greater "
                                         "than or equal to 0"),
    ("programmes.0.volumes", {"EU": 2.5}, "programmes.0.volumes.EU: 2.5: Input should be a "
                                          "valid integer, got a number with a fractional part"),
    ("programmes.0.volumes", {"EU": {2030: 10}},
     "p.yaml: programmes.0.volumes.EU: 2030: outside the plan years 2027-2029"),
    ("programmes.0.volumes", {"EU": 1e9}, "programmes.0.volumes.EU: 1000000000.0: Input should "
                                          "be less than or equal to 10000000"),
    ("programmes.0.volumes", {"EU": True}, "programmes.0.volumes.EU: true: a yes/no value is "
                                           "not a number; allowed: a number"),
    ("programmes.0.volumes", {"EU": "many"}, "programmes.0.volumes.EU: 'many': Input should be "
                                             "a valid integer"),
    ("programmes.0.volumes", {}, "programmes.0.volumes: Dictionary should have at least 1 item"),
    ("programmes.0.requirements.top_speed_kmh", "180 kg",
     "programmes.0.requirements.top_speed_kmh: '180 kg': has the wrong unit; expected a "
     "quantity convertible to km/h"),
    ("programmes.0.requirements.max_grade_pct", -10,
     "programmes.0.requirements.max_grade_pct: -10: Input should be greater than 0"),
    ("programmes.0.requirements.accel_0_100_kmh_s", "2*3 s",
     "programmes.0.requirements.accel_0_100_kmh_s: '2*3 s': cannot be read as a quantity"),
    ("markets.1.tariff_share", {"p1": 1.5}, "markets.1.tariff_share.p1: 1.5: Input should be "
                                            "less than or equal to 1"),
    ("markets.1.logistics_eur_per_unit", {"p1": "cheap"},
     "markets.1.logistics_eur_per_unit.p1: 'cheap': Input should be a valid number"),
    ("variants.family.length_factors", [1.0, 1.0],
     "variants.family.length_factors: a value appears twice; give each once"),
    ("variants.family.length_factors", [0.05], "variants.family.length_factors.0: 0.05: Input "
                                               "should be greater than or equal to 0.1"),
    ("variants.family.dc_voltages_v", ["800 A"], "variants.family.dc_voltages_v.0: '800 A': has "
                                                 "the wrong unit"),
    ("variants", {}, "p.yaml: variants: no variants; give a family, units, or both"),
    ("variants.units", ["jaguar_ipace_pm", "jaguar_ipace_pm"],
     "p.yaml: variants: 'jaguar_ipace_pm' appears twice (a unit given twice, a family member "
     "given again as a unit, or voltages that round to the same volt); give each once"),
    ("variants.family.dc_voltages_v", [400, 400.2],
     "p.yaml: variants: 'tesla_model3_rear_ipm_x0.9_400v' appears twice"),
    ("years", [2030, 2027], "p.yaml: years: 2030 then 2027; allowed: the first plan year, then "
                            "the last"),
    ("years", [2027], "p.yaml: years.1: required field is missing"),
    ("report_year", 1995, "p.yaml: report_year: 1995; the cost data's exchange rates and price "
                          "indices cover"),
    ("battery_price_year", 2034, "p.yaml: year: 2034; the battery pack price series covers 2020 "
                                 "to 2030"),
    ("batteries", [{"name": "x", "chemistry": "nca"}],
     "batteries.0.chemistry: 'nca': Input should be 'nmc' or 'lfp'"),
    ("batteries", [{"name": "x", "energy_kwh": "60 kW"}],
     "batteries.0.energy_kwh: '60 kW': has the wrong unit; expected a quantity convertible to "
     "kWh"),
    ("batteries", [{"name": "x"}, {"name": "x"}],
     "p.yaml: batteries: battery option name 'x' appears twice; names must be unique"),
    ("programmes.1.name", "suv", "p.yaml: programmes: programme name 'suv' appears twice"),
    ("purchasing", [{"component": "magnets", "tiers": [[0, 1]]}],
     "p.yaml: purchasing.0.component: unknown purchased material 'magnets' (did you mean "
     "'magnet'"),
    ("purchasing", [{"component": "magnet", "tiers": [[10, 1]]}],
     "purchasing.0.tiers: the first tier starts at 10; allowed: the first tier at quantity 0"),
    ("purchasing", [{"component": "magnet", "tiers": [[0, 1], [0, 0.9]]}],
     "purchasing.0.tiers: quantities 0 then 0; allowed: rising quantities"),
    ("purchasing", [{"component": "magnet", "tiers": [[0, 0.9], [10, 1.0]]}],
     "purchasing.0.tiers: factors 0.9 then 1; allowed: factors that do not rise with quantity"),
    ("purchasing", [{"component": "magnet", "tiers": [[0, True]]}],
     "purchasing.0.tiers.0.1: true: a yes/no value is not a number"),
    ("purchasing", [{"component": "magnet", "tiers": [[0, 1]]},
                    {"component": "magnet", "tiers": [[0, 1]]}],
     "p.yaml: purchasing: component 'magnet' appears twice; give each once"),
    ("energy", {"price_eur_per_kwh": 0.3, "km_per_year": -1, "years": 8},
     "energy.km_per_year: -1: Input should be greater than or equal to 0"),
    ("cost_overrides", "missing.yaml", "p.yaml: cost_overrides: cost overrides file "
                                       "'missing.yaml' does not exist"),
])
def test_bad_fields(path, value, message):
    assert message in error_of(changed(path, value))


@pytest.mark.parametrize("data, message", [
    ([1, 2], "p.yaml: expected a mapping of portfolio fields, got list"),
    ({**SMALL, "type": "fleet"}, "p.yaml: type: 'fleet'; allowed: 'portfolio'"),
    ({**SMALL, "schema_version": 2}, "p.yaml: schema_version: 2; allowed: 1"),
    ({**SMALL, "schema_version": True}, "p.yaml: schema_version: true; allowed: 1"),
    ({k: v for k, v in SMALL.items() if k != "plants"}, "p.yaml: plants: required field is "
                                                        "missing"),
])
def test_bad_documents(data, message):
    assert error_of(copy.deepcopy(data)) == message


def test_demand_beyond_every_plant_after_expansion():
    # 2029: 11,500 drive units; the plants make 10,000 + 1,000 + 2 x 1,000
    assert error_of(changed("plants.0.capacity_units", 8000)) == (
        "p.yaml: plants: 2029: 11,500 drive units demanded; every plant together makes at "
        "most 11,000 after all expansion steps; raise capacity_units or expansion.max_steps, "
        "or lower volumes")
    # EU reaches only p1: 7,000 EU units in 2029 against p1's 6,500
    data = changed("plants.0.capacity_units", 6500)
    data["plants"][1]["capacity_units"] = 9000
    assert error_of(data) == (
        "p.yaml: markets.0 (EU): 2029: 7,000 drive units demanded; the plants it is routed to "
        "(p1) make at most 6,500 after all expansion steps; add a route or capacity")


@pytest.mark.parametrize("variable, value, message", [
    ("EDRIVE_MAX_PORTFOLIO_PROGRAMMES", "2",
     "p.yaml: programmes: 3 programmes; the limit is 2 (EDRIVE_MAX_PORTFOLIO_PROGRAMMES)"),
    ("EDRIVE_MAX_PORTFOLIO_PARTNERS", "1",
     "p.yaml: partners: 2 partners; the limit is 1 (EDRIVE_MAX_PORTFOLIO_PARTNERS)"),
    ("EDRIVE_MAX_PORTFOLIO_VARIANTS", "4",
     "p.yaml: variants: 5 variants; the limit is 4 (EDRIVE_MAX_PORTFOLIO_VARIANTS)"),
    ("EDRIVE_MAX_PORTFOLIO_PAIRS", "14",
     "p.yaml: programmes x variants x batteries: 15 combinations; the limit is 14 "
     "(EDRIVE_MAX_PORTFOLIO_PAIRS)"),
    ("EDRIVE_MAX_PLAN_YEARS", "2",
     "p.yaml: years: 3 plan years; the limit is 2 (EDRIVE_MAX_PLAN_YEARS)"),
    ("EDRIVE_MAX_PORTFOLIO_ENTRIES", "1",
     "p.yaml: plants: 2 plants; the limit is 1 (EDRIVE_MAX_PORTFOLIO_ENTRIES)"),
    ("EDRIVE_MAX_PORTFOLIO_PROGRAMMES", "many",
     "EDRIVE_MAX_PORTFOLIO_PROGRAMMES: 'many'; allowed: a positive integer"),
])
def test_size_limits_name_their_variable(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    assert message in error_of(copy.deepcopy(SMALL))


def test_a_limit_raised_lets_the_portfolio_through(monkeypatch):
    monkeypatch.setenv("EDRIVE_MAX_PORTFOLIO_PAIRS", "15")
    assert len(portfolio_from_mapping(copy.deepcopy(SMALL)).programmes) == 3


def test_damaged_files_give_one_line(tmp_path):
    text = yaml.safe_dump(SMALL, sort_keys=False)
    for cut in range(0, len(text), max(len(text) // 40, 1)):
        path = tmp_path / f"cut{cut}.yaml"
        path.write_text(text[:cut])
        try:
            load_portfolio(path)
        except EdriveError as exc:
            assert "\n" not in str(exc) and len(str(exc)) < 600, str(exc)
    path = tmp_path / "twice.yaml"
    path.write_text(text + "name: again\n")
    with pytest.raises(EdriveError, match=r"line \d+: key 'name' appears again"):
        load_portfolio(path)
    with pytest.raises(EdriveError, match=r"^bad.yaml: not valid YAML at line 2$"):
        portfolio_from_yaml("a: [\n", where="bad.yaml")


def test_names_and_paths_that_are_not_portfolios(tmp_path):
    with pytest.raises(EdriveError, match=r"^unknown portfolio 'illustrative_bmw' \(did you "
                                          r"mean 'illustrative_bmw_jlr'\?\)"):
        load_portfolio("illustrative_bmw")
    with pytest.raises(EdriveError, match=r"^portfolio file '.*nope.yaml' does not exist$"):
        load_portfolio(str(tmp_path / "nope.yaml"))
    with pytest.raises(EdriveError, match=r"^portfolio file .* is a directory; expected a YAML"):
        load_portfolio(tmp_path)
    with pytest.raises(EdriveError, match=r"^portfolio: 7; allowed: a bundled portfolio name "
                                          r"or the path of a portfolio file$"):
        load_portfolio(7)
