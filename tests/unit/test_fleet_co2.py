"""Fleet CO2 compliance against hand calculations of Regulation (EU) 2019/631's formulas."""

import math

import numpy as np
import pytest

from edrive.alliance import fleet_file
from edrive.alliance.fleet_co2 import (
    Performance,
    ZevPerformance,
    average_period,
    compliance_report,
    eu_outcome,
    evaluate,
    pool,
    premium,
    round_half_up,
    zev_outcome,
)
from edrive.alliance.fleet_file import FleetSpec
from edrive.alliance.rules import load_rules
from edrive.spec import validate

EU = load_rules("eu")
TM0 = 1650.15


def fleet(year, models, **extra):
    data = {"name": "test fleet", "maker": extra.pop("maker", "m"),
            "jurisdiction": extra.pop("jurisdiction", "EU"), "year": year,
            "models": [{"name": f"m{i}", **m} for i, m in enumerate(models)], **extra}
    return validate(FleetSpec, data, "test.yaml")


def ice(n, co2, mass=TM0, **kw):
    return {"registrations": n, "co2_g_per_km": co2, "test_mass_kg": mass, **kw}


def test_2025_target_is_mass_adjusted_with_the_signed_slope():
    f = evaluate(fleet(2025, [ice(1000, 150, 1800), ice(1000, 130, 2000)])).figures
    reference = 93.6 - 0.0144 * (1900 - 1650.15)  # = 90.00216
    assert f["mass_kg"] == pytest.approx(1900)
    assert f["reference_target_g_per_km"] == pytest.approx(reference, abs=1e-12)
    assert f["zlev_factor"] == 1 and f["target_g_per_km"] == pytest.approx(reference)
    assert f["average_g_per_km"] == pytest.approx(140)
    assert f["excess_g_per_km"] == 49.998
    assert f["premium_eur"] == pytest.approx(49.998 * 95 * 2000)


def test_2020_phase_in_super_credits_and_target():
    models = [{"registrations": 50, "co2_g_per_km": 0, "mass_in_running_order_kg": 1700},
              {"registrations": 900, "co2_g_per_km": 120, "mass_in_running_order_kg": 1500},
              {"registrations": 50, "co2_g_per_km": 300, "mass_in_running_order_kg": 2000}]
    f = evaluate(fleet(2020, models)).figures
    # the least-emitting 95 %: the 50 electric cars and the 900 at 120 g/km
    assert f["registrations_counted"] == pytest.approx(950)
    assert f["average_unadjusted_g_per_km"] == pytest.approx(900 * 120 / 950)
    # electric cars count twice: 900 * 120 / (2 * 50 + 900) = 108 g/km
    assert f["average_g_per_km"] == pytest.approx(108.0)
    target = 95 + 0.0333 * (1535.0 - 1379.88)  # mean mass of all 1000 cars: 1535 kg
    assert f["target_g_per_km"] == pytest.approx(target, abs=1e-12)
    assert f["excess_g_per_km"] == 7.835
    assert f["premium_eur"] == pytest.approx(7.835 * 95 * 950)
    # super-credits already used in earlier years leave 7.5 - 4 = 3.5 g/km
    capped = evaluate(fleet(2020, models, super_credit_used_g_per_km=4)).figures
    assert capped["average_g_per_km"] == pytest.approx(900 * 120 / 950 - 3.5)


TRANSITION = {"wltp_co2_2020_g_per_km": 130, "nedc_co2_2020_g_per_km": 105,
              "nedc_target_2020_g_per_km": 100, "mass_in_running_order_2020_kg": 1480}


def test_2021_target_from_the_makers_2020_nedc_wltp_ratio():
    models = [{"registrations": 100, "co2_g_per_km": 120, "mass_in_running_order_kg": 1500}]
    f = evaluate(fleet(2021, models, transition_2021=TRANSITION)).figures
    expected = 130 * 100 / 105 + 0.0333 * ((1500 - 1379.88) - (1480 - 1379.88))
    assert f["target_g_per_km"] == pytest.approx(expected, abs=1e-12)  # 124.4755...
    zero = evaluate(fleet(2021, models, transition_2021=TRANSITION | {
        "nedc_co2_2020_g_per_km": 0})).figures  # Annex I Part A point 3a
    assert zero["target_g_per_km"] == pytest.approx(100 + 0.0333 * 20)


def test_2022_target_measures_the_mass_from_the_adjusted_m0():
    """2022-2024: M0 = 1 398,50 kg (Delegated Regulation (EU) 2021/1961), M0,2020 = 1 379,88."""
    models = [{"registrations": 100, "co2_g_per_km": 120, "mass_in_running_order_kg": 1500}]
    f = evaluate(fleet(2022, models, transition_2021=TRANSITION)).figures
    expected = 130 * 100 / 105 + 0.0333 * ((1500 - 1398.50) - (1480 - 1379.88))
    assert f["target_g_per_km"] == pytest.approx(expected, abs=1e-12)  # 0.62 g/km below 2021


@pytest.mark.parametrize("bev_share, phev, low_uptake, factor", [
    (0.10, 0, 0.0, 1.0),          # below the 25 % benchmark: no relief
    (0.27, 0, 0.0, 1.02),
    (0.40, 0, 0.0, 1.05),         # 15 points above, capped at 5 %
    (0.0, 0.40, 0.0, 1.01),       # PHEVs at 25 g/km count 1 - 0.7 * 25 / 50 = 0.65
    (0.20, 0, 0.5, 1.035),        # 0.2 * (1 + 0.85 * 0.5) = 0.285
    (0.20, 0, 1.0, 1.05),         # 0.2 * 1.85 = 0.37, capped
])
def test_zlev_factor_and_its_cap(bev_share, phev, low_uptake, factor):
    n = 10_000
    models = [ice(round(n * (1 - bev_share - phev)), 130),
              ice(round(n * bev_share), 0, low_zlev_uptake_share=low_uptake),
              ice(round(n * phev), 25)]
    f = evaluate(fleet(2025, models)).figures
    assert f["zlev_factor"] == pytest.approx(factor, abs=1e-12)
    assert f["target_g_per_km"] == pytest.approx(93.6 * factor, abs=1e-9)


def test_zlev_threshold_is_inclusive_and_no_factor_outside_2025_2029():
    at = evaluate(fleet(2025, [ice(100, 120), ice(100, 50)])).figures
    above = evaluate(fleet(2025, [ice(100, 120), ice(100, 50.1)])).figures
    assert at["zlev_share"] == pytest.approx(0.5 * 0.3) and above["zlev_share"] == 0
    assert evaluate(fleet(2030, [ice(50, 120), ice(50, 0)])).figures["zlev_factor"] == 1


def test_a_negative_target_is_zero():
    f = evaluate(fleet(2030, [ice(10, 100, 9000)])).figures
    assert f["reference_target_g_per_km"] == pytest.approx(49.5 - 0.0076 * (9000 - TM0))
    assert f["reference_target_g_per_km"] < 0 and f["target_g_per_km"] == 0


def test_premium_rounds_the_excess_half_up_to_three_decimals():
    assert round_half_up(1.2345, 3) == 1.235  # float 1.2345 is 1.23449999...; round() -> 1.234
    assert round_half_up(0.0005, 3) == 0.001 and round_half_up(0.00049, 3) == 0.0
    r = EU.year(2025)
    excess, prem = premium(95.2345, 94.0, 1000, r)
    assert excess == 1.235 and prem == pytest.approx(1.235 * 95 * 1000)
    assert premium(93.0, 94.0, 1000, r)[1] == 0
    assert premium(94.0004, 94.0, 10**6, r)[1] == 0  # 0.0004 g/km rounds to nothing


def perf(name, n, average, target, reference=None, zlev=0.0, year=2030):
    return Performance(name, year, n, n, average, target if reference is None else reference,
                       zlev, target)


def test_pool_arithmetic_of_the_illustrative_pooling():
    """business.md 1.8: A 900k cars at 110 vs 95, B 80k at 140 vs 92, C 300k at 0 vs 93."""
    r = EU.year(2030)  # a year without ZLEV factor
    a, b, c = (perf("A", 900_000, 110, 95), perf("B", 80_000, 140, 92), perf("C", 300_000, 0, 93))
    assert eu_outcome(a, r)["premium_eur"] == pytest.approx(1_282_500_000)
    assert eu_outcome(b, r)["premium_eur"] == pytest.approx(364_800_000)
    ab = pool([a, b], r)
    assert ab.average_g_per_km == pytest.approx((900_000 * 110 + 80_000 * 140) / 980_000)
    assert ab.target_g_per_km == pytest.approx((900_000 * 95 + 80_000 * 92) / 980_000)
    out = eu_outcome(ab, r)
    assert out["excess_g_per_km"] == 17.694
    assert out["premium_eur"] == pytest.approx(17.694 * 95 * 980_000)  # EUR 1,647.3 m
    assert eu_outcome(pool([a, b, c], r), r)["premium_eur"] == 0


def test_pool_zlev_factor_is_the_pools_own():
    r = EU.year(2025)
    a = perf("A", 100_000, 100, 95.0, reference=95.0, zlev=0.10, year=2025)
    c = perf("C", 100_000, 0, 90 * 1.05, reference=90.0, zlev=1.0, year=2025)
    p = pool([a, c], r)
    assert p.zlev_share == pytest.approx(0.55)
    assert p.target_g_per_km == pytest.approx(92.5 * 1.05)  # not the members' mean, 94.75


def test_three_year_averaging():
    r = EU.year(2026)
    years = [perf("m", 100, 110, 95, year=2025), perf("m", 200, 94, 95, year=2026),
             perf("m", 100, 90, 96, year=2027)]
    out = average_period(years, r)
    assert out["complete"] and out["registrations"] == 400
    assert out["average_g_per_km"] == pytest.approx((11000 + 18800 + 9000) / 400)  # 97.0
    assert out["target_g_per_km"] == pytest.approx((9500 + 19000 + 9600) / 400)  # 95.25
    assert out["premium_eur"] == pytest.approx(1.75 * 95 * 400)
    partial = average_period(years[:2], r)
    assert not partial["complete"] and "premium_eur" not in partial
    with pytest.raises(Exception, match="year 2028 outside the averaging period 2025-2027"):
        average_period([*years, perf("m", 1, 1, 1, year=2028)], r)


def test_averaging_from_the_fleet_file():
    history = [{"year": 2026, "registrations": 200, "average_g_per_km": 94,
                "target_g_per_km": 95},
               {"year": 2027, "registrations": 100, "average_g_per_km": 90,
                "target_g_per_km": 96}]
    rep = compliance_report(fleet(2025, [ice(100, 110, TM0)], averaging=history))
    assert rep["averaging"]["average_g_per_km"] == pytest.approx(97.0)
    assert rep["averaging"]["target_g_per_km"] == pytest.approx((100 * 93.6 + 19000 + 9600)
                                                                / 400)


def test_electric_share_that_meets_the_target_closed_form():
    # 2030: E(s) = 120 (1 - s), T = 49.5 with equal masses: s = 1 - 49.5 / 120
    f = evaluate(fleet(2030, [ice(1000, 120), ice(0, 0)])).figures
    assert f["electric_model"] == "m1" and f["electric_share"] == 0
    assert f["electric_share_needed"] == pytest.approx(1 - 49.5 / 120, abs=1e-9)
    # a heavier electric car lowers the target: 120 - 120 s = 49.5 - 0.0076 * 500 s
    heavy = evaluate(fleet(2030, [ice(1000, 120), ice(0, 0, TM0 + 500)])).figures
    assert heavy["electric_share_needed"] == pytest.approx(70.5 / (120 - 3.8), abs=1e-9)


def test_electric_share_with_zlev_factor_solves_the_gap():
    from edrive.alliance.fleet_co2 import _eu_gap

    spec = fleet(2025, [ice(5000, 140, 1700), ice(3000, 120, 1500), ice(500, 0, 2100)])
    a = evaluate(spec)
    s = a.figures["electric_share_needed"]
    gap = lambda x: _eu_gap(spec, a.arrays, a.rules, 2, np.array([x]))[0]  # noqa: E731
    assert abs(gap(s)) < 1e-7 and gap(s - 1e-4) > 0 > gap(s + 1e-4)


def test_electric_share_when_none_or_no_change_is_needed():
    assert evaluate(fleet(2035, [ice(100, 120), ice(0, 30)], electric_model="m1")
                    ).figures["electric_share_needed"] is None  # 30 g/km never meets 0
    assert evaluate(fleet(2030, [ice(100, 40), ice(10, 0)])
                    ).figures["electric_share_needed"] == 0.0


def test_gb_zev_mandate_worked_example():
    """50,000 cars in 2024: allowances for 78 % (39,000), so 11,000 must be ZEVs (UHY)."""
    gb = load_rules("gb").year(2024)
    out = zev_outcome(ZevPerformance("A", 2024, 50_000, 10_000, 0, 150.0, 140.0), gb)
    assert out["non_zev_allowances"] == pytest.approx(39_000)
    assert out["zev_allowance_deficit"] == 1_000 and out["zev_payment_gbp"] == 15_000_000
    assert out["non_zev_co2_payment_gbp"] == pytest.approx(10 * 86 * 40_000)
    assert out["electric_share_needed"] == pytest.approx(0.22)
    bought = zev_outcome(ZevPerformance("A", 2024, 50_000, 10_000, 1_000, 150.0, math.nan), gb)
    assert bought["zev_allowance_deficit"] == 0 and math.isnan(bought["non_zev_co2_payment_gbp"])
    f = evaluate(fleet(2025, [ice(40_000, 150), ice(10_000, 0)], jurisdiction="GB",
                       gb={"non_zev_co2_target_g_per_km": 140})).figures
    assert f["zev_allowance_deficit"] == 4_000 and f["zev_payment_gbp"] == 4_000 * 12_000


def test_gb_retained_regime_super_credit_cap():
    models = [{"registrations": 100, "co2_g_per_km": 0, "mass_in_running_order_kg": 1500},
              {"registrations": 900, "co2_g_per_km": 120, "mass_in_running_order_kg": 1500}]
    f = evaluate(fleet(2022, models, jurisdiction="GB", transition_2021=TRANSITION)).figures
    # 1.33 x: 900 * 120 / 1033 = 104.55, a saving of 3.45 g/km, under GB's 3.75 cap
    assert f["average_g_per_km"] == pytest.approx(900 * 120 / (1.33 * 100 + 900))
    eu = evaluate(fleet(2021, models, transition_2021=TRANSITION)).figures
    assert eu["super_credit_saving_g_per_km"] == pytest.approx(108 - 108000 / 1067)
    gb21 = evaluate(fleet(2021, models, jurisdiction="GB", transition_2021=TRANSITION)).figures
    assert gb21["super_credit_saving_g_per_km"] == pytest.approx(3.75)
    assert "premium_gbp" in gb21 and gb21["premium_gbp"] == 0


def test_simulated_models(monkeypatch):
    bev = evaluate(fleet(2025, [ice(100, 120), {"registrations": 100,
                                                  "vehicle": "bmw_i4_edrive40"}])).figures
    assert bev["average_g_per_km"] == pytest.approx(60)
    assert bev["mass_kg"] == pytest.approx((TM0 + 2268.0) / 2)  # the vehicle file's mass
    calls = []

    def procedure(spec, name):
        calls.append((spec.name, name))
        return {"combined": {"co2_g_per_km": 42.0}}

    class Summary:
        summary = {"co2_g_per_km": 210.0}

    monkeypatch.setattr("edrive.powertrains.api.test_procedure", procedure)
    monkeypatch.setattr("edrive.sim.run.simulate", lambda spec, cycle: Summary)
    fleet_file._simulated_wltp.cache_clear()
    try:
        assert fleet_file.vehicle_wltp("bmw_330e")[0] == 42.0  # plug-in: utility-weighted WLTP
        assert calls == [("BMW 330e (G20)", "wltp")]
        assert fleet_file.vehicle_wltp("bmw_330i") == (210.0, pytest.approx(1757.7, abs=0.1))
    finally:
        fleet_file._simulated_wltp.cache_clear()


@pytest.mark.parametrize("year, mass_kg, published, decimals", [
    (2020, 1379.88, 95.0, 3),     # Annex I Part A point 1 at the EU mean mass
    (2020, 1479.88, 98.33, 3),    # 100 kg more: +3.33 g/km
    (2025, 1650.15, 93.6, 3),     # EU fleet-wide target 2025 at TM0
    (2030, 1650.15, 49.5, 3),     # EU fleet-wide target 2030 at TM0
    (2025, 1600, 94.3, 1),        # research notes' illustration of a2025 = -0.0144
    (2025, 1900, 90.0, 1),
    (2025, 2200, 85.7, 1),
])
def test_published_target_figures(year, mass_kg, published, decimals):
    key = "mass_in_running_order_kg" if year < 2025 else "test_mass_kg"
    f = evaluate(fleet(year, [{"registrations": 1, "co2_g_per_km": 100, key: mass_kg}])).figures
    assert round(f["target_g_per_km"], decimals) == published


def test_vehicle_path_relative_to_the_fleet_file_and_read_again_when_changed(tmp_path):
    import os

    from edrive.alliance.fleet_file import load_fleet
    from edrive.vehicle import load_vehicle, vehicle_to_yaml

    car = tmp_path / "cars" / "small_ev.yaml"
    car.parent.mkdir()
    text = vehicle_to_yaml(load_vehicle("mini_cooper_se"))
    car.write_text(text)
    (tmp_path / "fleet.yaml").write_text(
        "schema_version: 1\ntype: fleet\nname: f\nmaker: m\njurisdiction: EU\nyear: 2025\n"
        "models: [{name: ev, vehicle: cars/small_ev.yaml, registrations: 10}]\n")
    assert evaluate(load_fleet(tmp_path / "fleet.yaml")).figures["mass_kg"] == \
        pytest.approx(1587.6, abs=0.1)
    car.write_text(text.replace("test_mass_kg: 1587.6", "test_mass_kg: 1700.0"))
    os.utime(car, ns=(car.stat().st_atime_ns, car.stat().st_mtime_ns + 10**9))
    assert evaluate(load_fleet(tmp_path / "fleet.yaml")).figures["mass_kg"] == 1700.0


def test_a_fleet_of_the_electric_model_alone():
    assert evaluate(fleet(2030, [ice(10, 0)])).figures["electric_share_needed"] == 1.0
    assert evaluate(fleet(2035, [ice(10, 20)], electric_model="m0")
                    ).figures["electric_share_needed"] is None
