"""Fitting drive units to cars (edrive.alliance.fit): packs, requirement checks, and a small
portfolio's figures against the functions they are composed of."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from test_portfolio import SMALL

from edrive import load_vehicle
from edrive.alliance.battery_cost import pack_cost_eur
from edrive.alliance.fit import (
    CHECKS,
    _wltc,
    car_with_pack,
    check_requirements,
    fit_portfolio,
    pack_energy_j,
)
from edrive.alliance.portfolio import BatteryOption, portfolio_from_mapping
from edrive.components.battery import Battery
from edrive.edu import load_edu, scale_edu
from edrive.errors import EdriveError
from edrive.powertrains.api import performance
from edrive.sim.edu_compare import with_edu
from edrive.sim.run import simulate

KWH = 3.6e6


def tiny(**changes):
    """Two programmes (a rear-drive SUV with requirements, an all-wheel-drive SUV without),
    two variants, a range-sized NMC pack and a fixed 60 kWh LFP pack."""
    data = copy.deepcopy(SMALL)
    data["programmes"] = [
        {"name": "suv", "partner": "a", "vehicle": "bmw_ix3", "volumes": {"EU": 1000},
         "requirements": {"accel_0_100_kmh_s": 7.5, "top_speed_kmh": 180,
                          "wltp_range_km": 420, "max_grade_pct": 30,
                          "continuous_power_kw": 120}},
        {"name": "awd", "partner": "b", "vehicle": "jaguar_ipace_ev400", "volumes": {"UK": 500}},
    ]
    data["variants"] = {"family": {"base": "tesla_model3_rear_ipm", "length_factors": [1.0]},
                        "units": ["jaguar_ipace_pm"]}
    data["batteries"] = [{"name": "sized", "chemistry": "nmc"},
                         {"name": "lfp_60", "chemistry": "lfp", "energy_kwh": 60}]
    data.update(changes)
    return portfolio_from_mapping(data, where="tiny.yaml")


@pytest.fixture(scope="module")
def fit():
    return fit_portfolio(tiny())


# --- packs ----------------------------------------------------------------------------------

def test_a_pack_of_another_energy_scales_the_cells_the_power_and_the_mass():
    ix3 = load_vehicle("bmw_ix3")
    own = pack_energy_j(ix3)  # the iX3's 94s2p pack of 116 Ah NMC cells
    assert own == pytest.approx(Battery(ix3.battery).energy_total_j)
    car = car_with_pack(ix3, BatteryOption(name="n", energy_kwh=60), 60 * KWH)
    k = 60 * KWH / own
    assert pack_energy_j(car) == pytest.approx(60 * KWH, rel=1e-12)
    b = car.battery
    assert (b.cells_series, b.cells_parallel, b.chemistry) == (94, 2, "nmc")
    assert b.cell_capacity_as == pytest.approx(116 * 3600 * k)
    assert b.cell_resistance_ohm == pytest.approx(0.87e-3 / k)
    assert b.power_discharge_max_w == pytest.approx(233e3 * k)
    assert b.power_charge_max_w == pytest.approx(150e3 * k)
    assert (b.soc_min, b.soc_max) == (ix3.battery.soc_min, ix3.battery.soc_max)
    # 165 Wh/kg for both NMC packs: the kerb mass changes by (60 kWh - own) / 165 Wh/kg
    assert car.mass.kerb_mass_kg == pytest.approx(2185 + (60e3 - own / 3600) / 165)
    assert car.mass.payload_kg == ix3.mass.payload_kg


def test_a_pack_of_another_chemistry_takes_its_voltage_curve_and_specific_energy():
    ipace = load_vehicle("jaguar_ipace_ev400")  # given by test mass, 90 kWh NMC
    own = pack_energy_j(ipace)
    car = car_with_pack(ipace, BatteryOption(name="l", chemistry="lfp", energy_kwh=55),
                        55 * KWH)
    assert car.battery.chemistry == "lfp" and pack_energy_j(car) == pytest.approx(55 * KWH)
    # the LFP cells hold less per ampere-hour, so they are scaled from the LFP energy
    lfp_cells = Battery(ipace.battery.replace(chemistry="lfp")).energy_total_j
    assert car.battery.cell_capacity_as == pytest.approx(
        ipace.battery.cell_capacity_as * 55 * KWH / lfp_cells)
    assert car.mass.test_mass_kg == pytest.approx(2268 + 55e3 / 135 - own / 3600 / 165)
    heavy = car_with_pack(ipace, BatteryOption(name="h", energy_kwh=55,
                                               specific_energy_wh_per_kg=110), 55 * KWH)
    assert heavy.mass.test_mass_kg == pytest.approx(2268 + 55e3 / 110 - own / 3600 / 165)


def test_a_fitted_units_model_is_kept_when_the_pack_changes():
    unit = scale_edu("tesla_model3_rear_ipm", length_factor=1.1)
    fitted = with_edu("bmw_ix3", unit)
    car = car_with_pack(fitted, BatteryOption(name="n", energy_kwh=70), 70 * KWH)
    assert car.drive_units[0].edu is unit


# --- requirements ---------------------------------------------------------------------------

FIGURES = {"follows_wltc": True, "accel_0_100_s": 7.0, "top_speed_m_s": 50.0,
           "range_m": 400e3, "max_grade": 0.3, "continuous_power_w": 100e3}


@pytest.mark.parametrize("required, failing", [
    ({}, ""),
    ({"accel_0_100_s": 7.0, "top_speed_m_s": 50.0, "range_m": 400e3, "max_grade": 0.3,
      "continuous_power_w": 100e3}, ""),  # each met exactly
    ({"accel_0_100_s": 7.0 * (1 - 1e-10)}, ""),  # within the tolerance of unit conversions
    ({"accel_0_100_s": 6.9}, "accel_0_100_kmh_s"),
    ({"top_speed_m_s": 50.1}, "top_speed_kmh"),
    ({"range_m": 401e3, "max_grade": 0.31}, "wltp_range_km"),  # the first failing, in order
    ({"max_grade": 0.31}, "max_grade_pct"),
    ({"continuous_power_w": 100.1e3}, "continuous_power_kw"),
])
def test_requirements_are_checked_in_order(required, failing):
    assert check_requirements(FIGURES, required) == failing


def test_a_car_that_cannot_follow_the_wltc_fails_first_there():
    assert check_requirements({**FIGURES, "follows_wltc": False}, {}) == "wltc"
    assert CHECKS[0] == "wltc"


# --- a small portfolio ----------------------------------------------------------------------

def test_the_fit_has_every_figure_for_every_programme_variant_and_pack(fit):
    assert fit.programmes == ("suv", "awd")
    assert fit.variants == ("tesla_model3_rear_ipm_x1_350v", "jaguar_ipace_pm")
    assert fit.batteries == ("sized", "lfp_60")
    for name in ("consumption_j_per_m", "wall_consumption_j_per_m", "range_m", "accel_0_100_s",
                 "top_speed_m_s", "max_grade", "mass_kg", "battery_energy_j",
                 "battery_cost_eur", "meets", "failing", "errors"):
        assert getattr(fit, name).shape == (2, 2, 2), name
    assert fit.best_battery.shape == fit.continuous_power_w.shape == (2, 2)
    assert (fit.errors == "").all() and np.isfinite(fit.range_m).all()
    assert np.array_equal(fit.meets, fit.failing == "")
    assert fit.units_per_car.tolist() == [1, 2]
    assert [d["machine"] for d in fit.variant_cost_inputs] == ["pmsm", "pmsm"]
    assert fit.seconds > 0


def test_a_fixed_pack_figures_are_those_of_the_car_simulated_directly(fit):
    unit = scale_edu("tesla_model3_rear_ipm", length_factor=1.0,
                     name="tesla_model3_rear_ipm_x1_350v")
    lfp = BatteryOption(name="lfp_60", chemistry="lfp", energy_kwh=60)
    car = car_with_pack(with_edu("bmw_ix3", unit), lfp, 60 * KWH)
    s = simulate(car, "wltc").summary
    usable = car.model().battery.energy_usable_j
    assert fit.consumption_j_per_m[0, 0, 1] == pytest.approx(
        s["battery_energy_j"] / s["distance_m"], rel=1e-12)
    assert fit.wall_consumption_j_per_m[0, 0, 1] == pytest.approx(
        s["wall_energy_j"] / s["distance_m"], rel=1e-12)
    # eq. (1): the usable energy over the cells' energy per metre
    assert fit.range_m[0, 0, 1] == pytest.approx(
        usable / (s["battery_chemical_energy_j"] / s["distance_m"]), rel=1e-12)
    perf = performance(car, grade_speeds_m_s=(0.0,), speed_step_m_s=0.1)
    assert fit.accel_0_100_s[0, 0, 1] == pytest.approx(perf.accel_0_100_kmh_s, rel=1e-12)
    assert fit.top_speed_m_s[0, 0, 1] == pytest.approx(perf.top_speed_m_s, rel=1e-12)
    assert fit.max_grade[0, 0, 1] == pytest.approx(perf.max_grade[0], rel=1e-12)
    assert fit.mass_kg[0, 0, 1] == pytest.approx(car.mass.mass_kg)
    assert fit.battery_energy_j[0, 0, 1] == pytest.approx(60 * KWH)
    assert fit.battery_cost_eur[0, 0, 1] == pytest.approx(float(pack_cost_eur(
        60 * KWH, 2027, chemistry="lfp", power_w=car.battery.power_discharge_max_w,
        report_year=2024)), rel=1e-12)


def test_continuous_power_counts_the_units_of_each_car(fit):
    unit_w = [scale_edu("tesla_model3_rear_ipm", length_factor=1.0).model().continuous_power_w(),
              load_edu("jaguar_ipace_pm").model().continuous_power_w()]
    assert fit.continuous_power_w[0] == pytest.approx(unit_w)
    assert fit.continuous_power_w[1] == pytest.approx([2 * w for w in unit_w])


def test_a_sized_pack_is_the_smallest_that_gives_the_range(fit):
    range_m = 420e3
    for v in range(2):
        assert range_m <= fit.range_m[0, v, 0] <= range_m * (1 + 1e-4)
    unit = scale_edu("tesla_model3_rear_ipm", length_factor=1.0)
    fitted = with_edu("bmw_ix3", unit)
    nmc = BatteryOption(name="sized")
    smaller = car_with_pack(fitted, nmc, 0.995 * fit.battery_energy_j[0, 0, 0])
    usable = smaller.model().battery.energy_usable_j
    assert usable / _wltc(smaller, "wltc")["chemical_j_per_m"] < range_m
    # without a range requirement the sized pack has the car's own energy
    own = pack_energy_j(load_vehicle("jaguar_ipace_ev400"))
    assert fit.battery_energy_j[1, :, 0] == pytest.approx([own, own])


def test_the_cheapest_pack_that_meets_everything_is_chosen(fit):
    for p in range(2):
        for v in range(2):
            ok = np.flatnonzero(fit.meets[p, v])
            if ok.size == 0:
                assert fit.best_battery[p, v] == -1 and math.isnan(
                    fit.pair_battery_cost_eur[p, v])
                continue
            best = ok[np.argmin(fit.battery_cost_eur[p, v, ok])]
            assert fit.best_battery[p, v] == best
            assert fit.pair_battery_cost_eur[p, v] == fit.battery_cost_eur[p, v, best]
    # the I-PACE-like car asks nothing: every pack of every variant serves it
    assert fit.meets[1].all() and fit.pair_meets[1].all()
    # the iX3 with the 147 kW I-PACE unit cannot reach 100 km/h in 7.5 s
    assert fit.failing[0, 1, 0] == "accel_0_100_kmh_s" and fit.best_battery[0, 1] == -1
    assert fit.unserved() == []


def test_each_check_has_its_own_verdict(fit):
    assert list(fit.checks) == list(CHECKS)
    every = np.logical_and.reduce([fit.checks[c] for c in CHECKS])
    assert np.array_equal(fit.meets, every)
    assert not fit.checks["accel_0_100_kmh_s"][0, 1, 0] and fit.checks["wltc"][0, 1, 0]
    # the 147 kW unit's continuous rating is below the 120 kW the SUV asks for
    assert not fit.checks["continuous_power_kw"][0, 1].any()
    assert fit.checks["continuous_power_kw"][0, 0].all()
    # a programme that asks nothing passes every requirement
    assert all(fit.checks[c][1].all() for c in CHECKS)


def test_progress_counts_cars_and_workers_give_the_same_fit(fit):
    calls = []
    again = fit_portfolio(tiny(), progress=lambda done, total: calls.append((done, total)),
                          workers=2)
    assert calls == [(0, 8), (4, 8), (8, 8)]
    for name in ("consumption_j_per_m", "range_m", "accel_0_100_s", "battery_cost_eur"):
        assert np.array_equal(getattr(again, name), getattr(fit, name)), name
    assert np.array_equal(again.failing, fit.failing)


def test_a_car_that_cannot_be_built_is_recorded_not_raised():
    # 1000 kWh from the iX3's 188 cells would need cells of 1450 A h
    huge = [{"name": "huge", "energy_kwh": 1000}]
    fit = fit_portfolio(tiny(programmes=[SMALL["programmes"][0]] + [
        {"name": "awd", "partner": "b", "vehicle": "jaguar_ipace_ev400", "volumes": {"UK": 5}}],
        batteries=huge, variants={"units": ["jaguar_ipace_pm"]}))
    assert fit.failing[0, 0, 0] == "error" and not fit.meets[0, 0, 0]
    assert "with a 1000.0 kWh nmc pack: battery.cell_capacity_as" in fit.errors[0, 0, 0]
    assert "\n" not in fit.errors[0, 0, 0]
    assert math.isnan(fit.range_m[0, 0, 0]) and math.isnan(fit.battery_cost_eur[0, 0, 0])
    assert fit.best_battery[0, 0] == -1 and fit.unserved() == ["suv"]
    # the I-PACE-like car's 432 cells can hold it (617 A h each), and it asks nothing
    assert fit.meets[1, 0, 0] and fit.battery_energy_j[1, 0, 0] == pytest.approx(1000 * KWH)


def test_a_variant_that_cannot_be_built_names_itself():
    family = {"family": {"base": "tesla_model3_rear_ipm", "length_factors": [1.0],
                         "dc_voltages_v": [60]}}
    with pytest.raises(EdriveError) as err:
        fit_portfolio(tiny(variants=family))
    # rewound for 60 V, the unit would need 8,000 A
    assert str(err.value) == ("variant tesla_model3_rear_ipm_x1_60v: motor.pmsm.current_max_a: "
                              "8009.166666666666: Input should be less than or equal to 5000")


@pytest.mark.parametrize("kwargs, message", [
    ({"workers": 0}, "--workers: 0; allowed: a whole number >= 1"),
    ({"workers": True}, "--workers: true; allowed: a whole number >= 1"),
    ({"scheduler": 5}, "scheduler: 5; allowed: the address of a Dask scheduler, e.g. "
                       "'tcp://host:8786'"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(EdriveError) as err:
        fit_portfolio(tiny(), **kwargs)
    assert str(err.value) == message
    with pytest.raises(EdriveError, match=r"^unknown portfolio 'nope'"):
        fit_portfolio("nope")


def test_a_car_that_does_not_move_is_an_error_not_a_division_by_zero(monkeypatch):
    from edrive.sim import run

    class Stuck:
        summary = {"distance_m": 0.0, "battery_energy_j": 0.0, "wall_energy_j": 0.0,
                   "battery_chemical_energy_j": 0.0, "trace_missed_s": 1800.0,
                   "battery_empty_at_s": None}

    monkeypatch.setattr(run, "simulate", lambda car, cycle: Stuck())
    with pytest.raises(EdriveError, match=r"^BMW iX3 \(G08, 2021\): does not move on the WLTC "
                                          r"\(distance 0 m\)$"):
        _wltc(load_vehicle("bmw_ix3"), "wltc")


def test_a_dask_cluster_gives_the_same_fit():
    distributed = pytest.importorskip("distributed")
    from edrive.alliance.synthetic_portfolio import synthetic_portfolio

    portfolio = synthetic_portfolio(1, 1, batteries=1, partners=1)
    here = fit_portfolio(portfolio)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        there = fit_portfolio(portfolio, scheduler=cluster.scheduler_address)
    assert np.array_equal(here.range_m, there.range_m)
    assert np.array_equal(here.failing, there.failing)
