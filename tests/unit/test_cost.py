"""Drive-unit cost: hand-computed sizing and lines, the breakdown, volume, families."""

import math

import numpy as np
import pytest

from edrive.alliance.cost import edu_cost, edu_cost_inputs, edu_cost_many
from edrive.alliance.cost_data import bundled_cost_data, load_cost_data
from edrive.edu import list_edus, scale_edu

# A small unit with round figures, so that every number below can be checked by hand.
ROUND = {"figures": {
    "motor.trv_pmsm": {"value": 100, "unit": "kN*m/m**3"},
    "motor.aspect_ratio": {"value": 1},
    "motor.stator_to_rotor_diameter": {"value": 2},
    "motor.shaft_to_rotor_diameter": {"value": 0.5},
    "motor.stator_slot_share": {"value": 0.5},
    "motor.slot_fill": {"value": 0.5},
    "motor.end_winding_per_pole_pitch": {"value": 1},
    "motor.stacking_factor": {"value": 1},
    "motor.rotor_core_share": {"value": 1},
    "motor.blank_margin": {"value": 1},
    "motor.magnet_volume_share": {"value": 0.1},
    "materials.density_ndfeb": {"value": 8000, "unit": "kg/m**3"},
    "materials.density_copper": {"value": 8000, "unit": "kg/m**3"},
    "materials.density_electrical_steel": {"value": 8000, "unit": "kg/m**3"},
    "materials.density_steel": {"value": 8000, "unit": "kg/m**3"},
    "materials.ndfeb_n42sh": {"value": 100, "unit": "EUR/kg", "price_year": 2024},
    "materials.electrical_steel": {"value": 2, "unit": "EUR/kg", "price_year": 2024},
    "materials.copper": {"value": 10, "unit": "EUR/kg", "price_year": 2024},
    "materials.si_igbt_die": {"value": 2, "unit": "EUR/cm**2", "price_year": 2024},
    "inverter.si_igbt_current_density": {"value": 100, "unit": "A/cm**2"},
    "inverter.diode_to_igbt_area": {"value": 0.5},
    "gearbox.k_factor": {"value": 10, "unit": "MPa"},
    "gearbox.wheel_solidity": {"value": 0.5},
    "gearbox.shaft_share": {"value": 0},
}}
SMALL = {"machine": "pmsm", "torque_nm": 25 * math.pi, "power_w": 50e3, "pole_pairs": 2,
         "current_peak_a": 600.0, "dc_voltage_v": 400.0, "inverter": "igbt",
         "voltage_class_v": 750.0, "stage_ratio_1": 2.0}


@pytest.fixture(scope="module")
def small():
    # 100,000 a year: volume factor 1; cumulative volume Q0: experience factor 1
    return edu_cost_many(SMALL, annual_units=100_000, overrides=ROUND, lines=True).iloc[0]


def test_motor_sized_from_torque_per_rotor_volume(small):
    # V_r = 25 pi N m / 100 kN m/m3 = (pi/4) 1e-3 m3; chi = 1 -> D_r = L = 0.1 m, D_s = 0.2 m
    assert small["rotor_diameter_m"] == pytest.approx(0.1)
    assert small["stack_length_m"] == pytest.approx(0.1)
    assert small["stator_diameter_m"] == pytest.approx(0.2)
    # magnets: 8000 kg/m3 x 0.1 x (pi/4) 1e-3 m3 = 0.2 pi kg, at 100 EUR/kg
    assert small["motor_magnets_kg"] == pytest.approx(0.2 * math.pi)
    assert small["motor_magnets_eur"] == pytest.approx(20 * math.pi)
    # steel bought: square blanks, 8000 x 0.2^2 x 0.1 = 32 kg at 2 EUR/kg
    assert small["motor_electrical_steel_kg"] == pytest.approx(32.0)
    assert small["motor_electrical_steel_eur"] == pytest.approx(64.0)
    # laminations: 8000 x 0.1 x [(pi/4)(0.04 - 0.01)(1 - 0.5) + (pi/4)(0.01 - 0.0025)] = 4.5 pi
    assert small["lamination_kg"] == pytest.approx(4.5 * math.pi)
    assert small["scrap_kg"] == pytest.approx(32.0 - 4.5 * math.pi)
    # stator copper: 8000 x 0.5 x 0.5 x (pi/4)(0.03) x (0.1 + 1 x pi 0.1 / 4)
    copper = 15 * math.pi * (0.1 + 0.025 * math.pi)
    assert small["motor_stator_copper_kg"] == pytest.approx(copper)
    assert small["motor_stator_copper_eur"] == pytest.approx(10 * copper)
    assert small["motor_rotor_copper_kg"] == 0.0


def test_inverter_dies_from_current_density(small):
    # 6 x 600 A / 100 A/cm2 = 36 cm2 of IGBTs and 18 cm2 of diodes at 2 EUR/cm2
    assert small["die_area_m2"] == pytest.approx(54e-4)
    assert small["inverter_transistor_dies_eur"] == pytest.approx(72.0)
    assert small["inverter_diode_dies_eur"] == pytest.approx(36.0)
    # DC-link: the largest eq. (7) ripple is 5 / (pi sqrt 12) of the peak phase current
    ripple_kva = 5 / (math.pi * math.sqrt(12)) * 600 * 400 / 1e3
    price = bundled_cost_data().eur("inverter.capacitor", 2024) * 1e3  # EUR per kVA
    assert small["inverter_dc_link_capacitor_eur"] == pytest.approx(ripple_kva * price, rel=1e-6)


def test_gear_pair_from_rolling_pressure(small):
    # b d1^2 = 2 x 25 pi x (2 + 1) / (10 MPa x 2) = 7.5 pi e-6 m3; mass = 8000 (pi/4) b d1^2
    # (1 + 0.5 x 2^2) = 0.045 pi^2 kg
    assert small["gear_kg"] == pytest.approx(0.045 * math.pi**2)
    assert small["output_torque_nm"] == pytest.approx(50 * math.pi)


@pytest.mark.parametrize("name", list_edus())
def test_breakdown_sums_to_the_total(name):
    b = edu_cost(name)
    assert b.total_eur == math.fsum(r["eur"] for r in b.lines)
    parts = [b.component_eur(c) for c in ("motor", "inverter", "gearbox", "integration",
                                           "price", "programme")]
    assert math.fsum(parts) == pytest.approx(b.total_eur, rel=1e-14)
    assert all(r["eur"] >= 0 for r in b.lines)
    d = b.to_dict()
    assert d["total_eur"] == pytest.approx(d["direct_cost_eur"] + d["markup_eur"]
                                           + d["fixed_cost_eur"], rel=1e-14)


def test_one_unit_is_the_array_path_at_n_equals_one():
    names = list_edus()
    inputs = [edu_cost_inputs(n) for n in names]
    many = edu_cost_many({k: np.array([i[k] for i in inputs]) for k in inputs[0]})
    for name, total in zip(names, many["total_eur"], strict=True):
        assert total == pytest.approx(edu_cost(name).total_eur, rel=1e-13)


def test_more_volume_never_costs_more_per_unit():
    volumes = np.logspace(3, 7, 60)
    x = edu_cost_inputs("jaguar_ipace_pm")
    per_unit = edu_cost_many(x, annual_units=volumes)["total_eur"].to_numpy()
    assert np.all(np.diff(per_unit) <= 0) and per_unit[0] > per_unit[-1]
    cumulative = edu_cost_many(x, cumulative_units=volumes * 10)["total_eur"].to_numpy()
    assert np.all(np.diff(cumulative) < 0)


def test_one_doubling_of_cumulative_volume_takes_the_learning_rate_off_processes():
    q0 = bundled_cost_data().number("volume.reference_cumulative_units")
    x = edu_cost_inputs("chevrolet_bolt_pm")
    at_q0 = edu_cost_many(x, cumulative_units=q0, lines=True).iloc[0]
    doubled = edu_cost_many(x, cumulative_units=2 * q0, lines=True).iloc[0]
    assert doubled["motor_winding_eur"] == pytest.approx(at_q0["motor_winding_eur"] * (1 - 0.156))
    assert doubled["inverter_transistor_dies_eur"] == pytest.approx(
        at_q0["inverter_transistor_dies_eur"] * (1 - 0.20))
    assert doubled["motor_magnets_eur"] == at_q0["motor_magnets_eur"]  # raw material


def test_override_moves_only_the_lines_that_use_the_figure():
    base = edu_cost("jaguar_ipace_pm")
    over = edu_cost("jaguar_ipace_pm", overrides={"scale": {"materials.ndfeb_n42sh": 3}})
    changed = {r["line"] for r, s in zip(base.lines, over.lines, strict=True)
               if r["eur"] != s["eur"]}
    assert changed == {"magnets", "markup"}
    magnets = [r["eur"] for r in base.lines if r["line"] == "magnets"][0]
    assert over.total_eur - base.total_eur == pytest.approx(2 * magnets * 1.5)


def test_excited_machine_has_no_magnets_but_rotor_copper_brushes_and_exciter():
    lines = {r["line"]: r for r in edu_cost("bmw_gen5_eesm").lines if r["component"] == "motor"}
    assert lines["magnets"]["eur"] == 0 and lines["rotor copper"]["kg"] > 2
    assert lines["slip rings and brushes"]["eur"] > 0 and lines["exciter"]["eur"] > 0
    pm = {r["line"]: r for r in edu_cost("jaguar_ipace_pm").lines if r["component"] == "motor"}
    assert pm["magnets"]["kg"] > 1 and pm["exciter"]["eur"] == 0


def test_sic_dies_cost_more_per_amp_than_igbt_dies():
    x = edu_cost_inputs("jaguar_ipace_pm")
    both = edu_cost_many({**x, "inverter": np.array(["igbt", "sic"])}, lines=True)
    igbt, sic = both.iloc[0], both.iloc[1]
    assert sic["die_area_m2"] < igbt["die_area_m2"] / 2
    assert sic["inverter_transistor_dies_eur"] + sic["inverter_diode_dies_eur"] > \
        igbt["inverter_transistor_dies_eur"] + igbt["inverter_diode_dies_eur"]


def test_a_family_costs_its_own_bill_of_materials():
    base = edu_cost("jaguar_ipace_pm")
    longer = edu_cost(scale_edu("jaguar_ipace_pm", length_factor=1.25))
    at_800v = edu_cost(scale_edu("jaguar_ipace_pm", dc_voltage_v=780))
    kg = lambda b, line: [r["kg"] for r in b.lines if r["line"] == line][0]  # noqa: E731
    assert kg(longer, "magnets") == pytest.approx(1.25 * kg(base, "magnets"), rel=1e-6)
    assert longer.component_eur("motor") > base.component_eur("motor")
    # rewound for twice the voltage: half the current, the 1200 V device class
    assert at_800v.sizing["voltage_class_v"] == 1200
    assert at_800v.component_eur("inverter") < base.component_eur("inverter")


def test_given_masses_replace_the_sizing_rule():
    b = edu_cost("jaguar_ipace_pm", overrides={"masses": {"magnet_kg": 1.2,
                                                          "stator_copper_kg": 7.0}})
    kg = {r["line"]: r["kg"] for r in b.lines if r["component"] == "motor"}
    assert kg["magnets"] == 1.2 and kg["stator copper"] == 7.0


def test_plant_and_year_change_labour_and_money():
    de, hu = edu_cost("jaguar_ipace_pm", plant="DE"), edu_cost("jaguar_ipace_pm", plant="HU")
    labour = lambda b: sum(r["eur"] for r in b.lines if "labour" in r["line"])  # noqa: E731
    assert labour(hu) / labour(de) == pytest.approx(14.1 / 48.3)
    cost_2019 = edu_cost("jaguar_ipace_pm", year=2019)
    assert cost_2019.total_eur < de.total_eur  # in euros of 2019: less inflation


def test_overrides_file_path_is_accepted(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text("schema_version: 1\ntype: cost_overrides\nscale: {materials.copper: 2}\n")
    assert edu_cost("chevrolet_bolt_pm", overrides=path).total_eur > \
        edu_cost("chevrolet_bolt_pm").total_eur
    assert str(path) in edu_cost("chevrolet_bolt_pm", overrides=path).files
    assert load_cost_data(path).figure("materials.copper").value == 2 * 9380
