"""Portfolio files (edrive.alliance.portfolio) and synthetic portfolios: what a valid file
gives the planner, checked against hand-counted figures."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml

from edrive.alliance.portfolio import (
    DEFAULT_BATTERY,
    PortfolioSpec,
    list_portfolios,
    load_portfolio,
    portfolio_from_mapping,
    portfolio_from_yaml,
    purchasing_components,
)
from edrive.alliance.synthetic_portfolio import synthetic_portfolio

# a small valid portfolio: two makers, three car lines, two markets, two plants
SMALL = {
    "schema_version": 1, "type": "portfolio", "name": "small", "report_year": 2024,
    "years": [2027, 2029],
    "partners": [{"name": "a"}, {"name": "b", "fleets": ["jlr_like_gb_2025"]}],
    "programmes": [
        {"name": "suv", "partner": "a", "vehicle": "bmw_ix3",
         "volumes": {"EU": {2027: 1000, 2029: 3000}, "UK": 500},
         "requirements": {"accel_0_100_kmh_s": 8, "top_speed_kmh": "112 mph",
                          "wltp_range_km": "250 mi", "max_grade_pct": 25,
                          "continuous_power_kw": "80000 W"}},
        {"name": "awd", "partner": "b", "vehicle": "jaguar_ipace_ev400",
         "volumes": {"UK": 2000}},
        {"name": "saloon", "partner": "b", "vehicle": "tesla_model3_rwd",
         "volumes": {"EU": 4.0e3}},
    ],
    "variants": {"family": {"base": "tesla_model3_rear_ipm", "length_factors": [0.9, 1.1],
                            "dc_voltages_v": [350, "0.7 kV"]},
                 "units": ["jaguar_ipace_pm"]},
    "plants": [{"name": "p1", "owner": "a", "country": "DE", "capacity_units": 10000},
               {"name": "p2", "owner": "b", "country": "GB", "capacity_units": 1000,
                "expansion": {"step_units": 1000, "fixed_cost_eur": 1e6, "max_steps": 2}}],
    "markets": [{"name": "EU", "jurisdiction": "EU", "logistics_eur_per_unit": {"p1": 40}},
                {"name": "UK", "jurisdiction": "gb",
                 "logistics_eur_per_unit": {"p1": 110, "p2": 30},
                 "tariff_share": {"p1": 0.02}}],
}


def small(**changes) -> PortfolioSpec:
    data = copy.deepcopy(SMALL)
    data.update(changes)
    return portfolio_from_mapping(data, where="small.yaml")


def test_the_bundled_portfolio_loads_with_both_makers_and_every_part():
    assert "illustrative_bmw_jlr" in list_portfolios()
    p = load_portfolio("illustrative_bmw_jlr")
    assert [x.name for x in p.partners] == ["bmw_like", "jlr_like"]
    assert 6 <= len(p.programmes) <= 10 and {x.partner for x in p.programmes} == {
        "bmw_like", "jlr_like"}
    assert [x.name for x in p.plants] == ["dingolfing", "steyr", "wolverhampton"]
    assert [m.name for m in p.markets] == ["EU", "UK", "US", "CN"]
    assert len(p.battery_options()) == 3 and len(p.purchasing) == 4
    names = [v.name for v in p.variant_definitions()]
    assert names[:2] == ["bmw_gen5_eesm_x0.8_400v", "bmw_gen5_eesm_x0.8_800v"]
    assert names[-2:] == ["jaguar_ipace_pm", "tesla_model3_rear_ipm"] and len(names) == 8
    # the I-PACE-like line is all-wheel drive: two drive units per car
    assert p.units_per_car()[[x.name for x in p.programmes].index("jlr_mid_suv")] == 2
    assert load_portfolio(p) is p


def test_volumes_demand_and_indices_are_counted_per_market_and_year():
    p = small()
    assert p.plan_years() == [2027, 2028, 2029]
    cars = p.volume_cars()  # (programme, market, year)
    assert cars.shape == (3, 2, 3)
    assert cars[0].tolist() == [[1000, 0, 3000], [500, 500, 500]]
    assert cars[1].tolist() == [[0, 0, 0], [2000, 2000, 2000]]
    assert cars[2].tolist() == [[4000, 4000, 4000], [0, 0, 0]]
    assert p.units_per_car().tolist() == [1, 2, 1]
    demand = p.demand_units()
    assert demand[1, 1].tolist() == [4000, 4000, 4000]  # two units per I-PACE-like car
    assert demand.sum(axis=(0, 1)).tolist() == [9500, 8500, 11500]
    assert p.partner_index().tolist() == [0, 1, 1]
    assert p.plants[1].capacity_max_units == 3000


def test_requirements_in_si_from_the_units_given():
    si = small().programmes[0].requirements.si()
    assert si == pytest.approx({"accel_0_100_s": 8.0, "top_speed_m_s": 112 * 0.44704,
                                "range_m": 250 * 1609.344, "max_grade": 0.25,
                                "continuous_power_w": 80e3})
    assert small().programmes[1].requirements.si() == {}


def test_variants_family_members_then_units():
    variants = small().variant_definitions()
    assert [v.name for v in variants] == [
        "tesla_model3_rear_ipm_x0.9_350v", "tesla_model3_rear_ipm_x0.9_700v",
        "tesla_model3_rear_ipm_x1.1_350v", "tesla_model3_rear_ipm_x1.1_700v",
        "jaguar_ipace_pm"]
    member, unit = variants[3], variants[4]
    assert (member.length_factor, member.dc_voltage_v) == (1.1, 700.0)
    built = member.build()
    assert built.dc_voltage_v == 700.0 and built.name == member.name
    assert unit.length_factor is None and unit.build().name.startswith("Jaguar I-PACE")
    # a family without voltages keeps the base's (350 V for this unit)
    fam = {"family": {"base": "tesla_model3_rear_ipm", "length_factors": [1.0]}}
    assert [v.name for v in small(variants=fam).variant_definitions()] == [
        "tesla_model3_rear_ipm_x1_350v"]


def test_batteries_default_to_one_range_sized_nmc_pack_and_prices_to_the_first_year():
    p = small()
    assert p.battery_options() == [DEFAULT_BATTERY] and DEFAULT_BATTERY.sized
    assert p.price_year() == 2027
    packs = [{"name": "lfp", "chemistry": "lfp", "energy_kwh": "55 kWh"},
             {"name": "own", "energy_kwh": 70, "specific_energy_wh_per_kg": 200}]
    q = small(batteries=packs, battery_price_year=2029)
    lfp, own = q.battery_options()
    assert not lfp.sized and lfp.energy_kwh == 55.0 and own.chemistry == "nmc"
    assert lfp.pack_specific_energy_j_per_kg == 135.0 * 3600  # the LFP default
    assert own.pack_specific_energy_j_per_kg == 200.0 * 3600
    assert q.price_year() == 2029


def test_files_named_in_a_portfolio_file_are_found_beside_it(tmp_path):
    from importlib import resources

    data = resources.files("edrive").joinpath("data")
    (tmp_path / "car.yaml").write_text(data.joinpath("vehicles/bmw_ix3.yaml").read_text())
    (tmp_path / "unit.yaml").write_text(data.joinpath("edus/jaguar_ipace_pm.yaml").read_text())
    (tmp_path / "fleet.yaml").write_text(data.joinpath("fleets/jlr_like_gb_2025.yaml")
                                         .read_text())
    d = copy.deepcopy(SMALL)
    d["programmes"][0]["vehicle"] = "car.yaml"
    d["variants"] = {"units": ["unit.yaml"]}
    d["partners"][1]["fleets"] = ["fleet.yaml"]
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(d))
    p = load_portfolio(path)
    assert p.vehicle_refs()[0] == str(tmp_path / "car.yaml")
    assert p.vehicle_refs()[1] == "jaguar_ipace_ev400"
    [unit] = p.variant_definitions()
    assert unit.name == "unit" and unit.edu == str(tmp_path / "unit.yaml")
    assert p.base_dir == tmp_path and p.where == str(path)


def test_purchasing_components_are_the_materials_bought():
    assert set(purchasing_components()) == {"magnet", "copper", "electrical_steel", "aluminium",
                                            "steel", "sic_dies", "si_dies"}
    tiers = [{"component": "magnet", "tiers": [[0, 1], [1e5, 0.95]], "kind": "linear"}]
    assert small(purchasing=tiers).purchasing[0].tiers == [(0.0, 1.0), (1e5, 0.95)]


def test_the_yaml_reader_gives_the_same_portfolio():
    p = portfolio_from_yaml(yaml.safe_dump(SMALL), where="small.yaml")
    assert p.model_dump() == small().model_dump()


# --- synthetic portfolios ------------------------------------------------------------------

def test_synthetic_portfolios_have_the_sizes_asked_for_and_depend_only_on_the_seed():
    p = synthetic_portfolio(5, 6, batteries=3, plants=2, markets=3, years=4, partners=2,
                            seed=7)
    assert len(p.programmes) == 5 and len(p.variant_definitions()) == 6
    assert len(p.battery_options()) == 3 and p.battery_options()[0].sized
    assert len(p.plants) == 2 and len(p.markets) == 3 and p.plan_years() == [2027, 2028,
                                                                            2029, 2030]
    assert [x.partner for x in p.programmes] == ["maker_0", "maker_1"] * 2 + ["maker_0"]
    # six variants: three lengths at 350 and 700 V
    assert {v.dc_voltage_v for v in p.variant_definitions()} == {350.0, 700.0}
    again = synthetic_portfolio(5, 6, batteries=3, plants=2, markets=3, years=4, seed=7)
    assert np.array_equal(p.volume_cars(), again.volume_cars())
    other = synthetic_portfolio(5, 6, batteries=3, plants=2, markets=3, years=4, seed=8)
    assert not np.array_equal(p.volume_cars(), other.volume_cars())
    cars = p.volume_cars()
    assert cars.min() >= 2000 and cars.max() <= 40000
    # the plants hold the busiest year's drive units with a quarter to spare
    peak = p.demand_units().sum(axis=(0, 1)).max()
    assert sum(x.capacity_units for x in p.plants) >= 1.25 * peak
    # an odd number of variants: lengths at the unit's own voltage
    assert [v.dc_voltage_v for v in synthetic_portfolio(2, 3).variant_definitions()] == [
        350.0] * 3


@pytest.mark.parametrize("kwargs, message", [
    ({"programmes": 0}, "programmes: 0; allowed: a whole number >= 1"),
    ({"variants": 2.5}, "variants: 2.5; allowed: a whole number >= 1"),
    ({"batteries": True}, "batteries: true; allowed: a whole number >= 1"),
    ({"seed": -1}, "seed: -1; allowed: a whole number >= 0"),
    ({"programmes": 1, "partners": 2}, "programmes: 1; allowed: at least one per partner (2)"),
])
def test_synthetic_sizes_are_checked(kwargs, message):
    from edrive.errors import EdriveError

    with pytest.raises(EdriveError) as err:
        synthetic_portfolio(**kwargs)
    assert str(err.value) == message


def test_the_documented_portfolio_file_loads(tmp_path):
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs/portfolio.md").read_text()
    block = re.search(r"```yaml\n(schema_version: 1\ntype: portfolio.*?)```", text, re.S)
    path = tmp_path / "plan.yaml"
    path.write_text(block.group(1))
    p = load_portfolio(path)
    assert [v.name for v in p.variant_definitions()][-1] == "jaguar_ipace_pm"
    assert p.demand_units()[:, :, 1].sum() == 90000 + 5000 + 2 * 5000
