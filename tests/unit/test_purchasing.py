"""Joint purchasing: price tiers, each partner's quantity and spend alone and pooled, the
split of the pooled saving, the bill of materials from the cost model, and bad input."""

import numpy as np
import pandas as pd
import pytest

from edrive.alliance.cost import edu_cost_many
from edrive.alliance.purchasing import (
    MATERIALS,
    SAVING_SPLIT,
    BillOfMaterials,
    PriceTiers,
    PurchasingProblem,
    bill_of_materials,
    joint_purchasing,
    purchasing_summary,
)
from edrive.errors import EdriveError

MAGNET = [[0, 1.0], [200, 0.96], [500, 0.92]]  # kg a year -> price factor

# variant "big": 2 kg of magnet, EUR 100 a unit at list price; "small": 1 kg, EUR 50
BILL = BillOfMaterials(("big", "small"), {"magnet": [2.0, 1.0], "copper": [8.0, 6.0]},
                       {"magnet": [100.0, 50.0], "copper": [80.0, 60.0]},
                       {"magnet": "kg", "copper": "kg"})


def problem(kind="step", units=(90, 150), years=None, tiers=None):
    # maker A builds 90 "big" units a year, maker B 150 "small" ones
    return PurchasingProblem(["A", "B"], ["a_suv", "b_saloon"], [0, 1], [0, 1], units, BILL,
                             tiers or [PriceTiers.from_pairs("magnet", MAGNET, kind)], years)


def test_step_tiers():
    t = PriceTiers.from_pairs("magnet", MAGNET)
    assert t.factor([0, 199.9, 200, 499, 500, 1e9]).tolist() == [1.0, 1.0, 0.96, 0.96, 0.92,
                                                                   0.92]


def test_linear_tiers_hold_at_the_ends():
    t = PriceTiers.from_pairs("magnet", MAGNET, "linear")
    # halfway from 200 to 500 kg: 0.94; at 100 kg: 0.98
    assert t.factor([0, 100, 350, 500, 2000]).tolist() == pytest.approx([1, 0.98, 0.94, 0.92,
                                                                         0.92])


def test_pooling_reaches_the_next_tier_by_hand():
    table = joint_purchasing(problem())
    a, b = (table[table.partner == p].iloc[0] for p in ("A", "B"))
    # A: 90 x 2 = 180 kg, EUR 9000; B: 150 kg, EUR 7500; alone both below 200 kg
    assert (a.quantity, b.quantity, a.pooled_quantity) == (180, 150, 330)
    assert (a.factor_alone, b.factor_alone, a.factor_pooled) == (1.0, 1.0, 0.96)
    assert (a.spend_alone_eur, b.spend_alone_eur) == (9000, 7500)
    # pooled: 16500 x 0.96 = 15840, saving 660 split 180:150
    assert a.saving_eur == pytest.approx(360) and b.saving_eur == pytest.approx(300)
    assert a.spend_pooled_eur == pytest.approx(8640) and b.spend_pooled_eur == pytest.approx(7200)
    assert list(table.component) == ["magnet", "magnet"] and set(table.unit) == {"kg"}


def test_linear_pooling_by_hand():
    table = joint_purchasing(problem("linear")).set_index("partner")
    # alone: A 180 kg -> 0.964, B 150 kg -> 0.97; pooled 330 kg -> 0.96 - 0.04 x 130/300
    f_pooled = 0.96 - 0.04 * 130 / 300
    assert table.factor_alone.tolist() == pytest.approx([0.964, 0.97])
    assert table.factor_pooled.iloc[0] == pytest.approx(f_pooled)
    saving = 9000 * 0.964 + 7500 * 0.97 - 16500 * f_pooled
    assert table.saving_eur.tolist() == pytest.approx([saving * 180 / 330, saving * 150 / 330])
    assert table.spend_pooled_eur.sum() == pytest.approx(16500 * f_pooled)


def test_years_and_a_partner_already_on_the_best_tier():
    # 2027: only A buys (300 big units = 600 kg, best tier alone); 2028: both
    table = joint_purchasing(problem(units=[[300, 300], [0, 150]], years=[2027, 2028]))
    y27 = table[table.year == 2027].set_index("partner")
    assert y27.saving_eur.tolist() == [0.0, 0.0] and y27.spend_alone_eur["B"] == 0
    y28 = table[table.year == 2028].set_index("partner")
    # 600 + 150 kg: A keeps 0.92; B's 150 kg drops from 1.0 to 0.92: 7500 x 0.08 = 600,
    # split 600:150
    assert y28.factor_alone.tolist() == [0.92, 1.0] and y28.factor_pooled.tolist() == [0.92] * 2
    assert y28.saving_eur.tolist() == pytest.approx([480, 120])
    summary = purchasing_summary(table)
    assert summary["split"] == SAVING_SPLIT
    assert summary["saving_eur"] == pytest.approx(600)
    assert summary["by_partner_eur"] == pytest.approx({"A": 480, "B": 120})
    assert summary["by_component_eur"] == pytest.approx({"magnet": 600})


def test_only_priced_components_are_reported_and_two_programmes_of_one_partner_add():
    tiers = [PriceTiers.from_pairs("copper", [[0, 1.0], [1000, 0.9]])]
    p = PurchasingProblem(["A", "B"], ["a1", "a2", "b1"], [0, 0, 1], [0, 1, 1],
                          [50, 100, 10], BILL, tiers)
    table = joint_purchasing(p).set_index("partner")
    # A: 50 x 8 + 100 x 6 = 1000 kg (the 0.9 tier alone), B: 60 kg
    assert set(table.component) == {"copper"}
    assert table.quantity.tolist() == [1000, 60]
    assert table.factor_alone.tolist() == [0.9, 1.0]
    # B saves 600 x 0.1 = 60, split 1000:60
    assert table.saving_eur.tolist() == pytest.approx([60 * 1000 / 1060, 60 * 60 / 1060])


def test_no_quantity_no_saving():
    table = joint_purchasing(problem(units=(0, 0)))
    assert table.saving_eur.tolist() == [0, 0] and table.spend_pooled_eur.tolist() == [0, 0]


def test_bill_of_materials_from_the_cost_model():
    inputs = {"machine": ["pmsm", "eesm"], "torque_nm": [300.0, 400.0], "power_w": 150e3,
              "pole_pairs": 4, "current_peak_a": 600.0, "dc_voltage_v": [400.0, 800.0],
              "inverter": ["sic", "igbt"], "stage_ratio_1": 9.0}
    costs = edu_cost_many(inputs, lines=True)
    bill = bill_of_materials(costs, ["pm", "ee"], inputs["inverter"])
    copper = costs[["motor_stator_copper_kg", "motor_rotor_copper_kg",
                    "inverter_busbar_copper_kg"]].sum(axis=1)
    assert bill.quantity["copper"] == pytest.approx(copper.to_numpy())
    assert bill.quantity["magnet"][1] == 0 and bill.quantity["magnet"][0] > 0
    assert bill.spend_eur["magnet"] == pytest.approx(costs["motor_magnets_eur"].to_numpy())
    area = costs["die_area_m2"].to_numpy()
    assert bill.quantity["sic_dies"].tolist() == [area[0], 0.0]
    assert bill.quantity["si_dies"].tolist() == [0.0, area[1]]
    dies = costs["inverter_transistor_dies_eur"] + costs["inverter_diode_dies_eur"]
    assert bill.spend_eur["si_dies"][1] == pytest.approx(dies[1])
    assert bill.unit["sic_dies"] == "m2" and set(MATERIALS) < set(bill.quantity)


@pytest.mark.parametrize("pairs, message", [
    ([[0, 1.0], [500, 0.92], [200, 0.96]], "tier 3 quantity 200 is not above tier 2's 500"),
    ([[0, 1.0], [200, 0.9], [500, 0.95]], "tier 3 factor 0.95 is above tier 2's 0.9"),
    ([[0, 1.0], [200, -0.1]], "tier 2 factor -0.1; allowed: above 0"),
    ([[-5, 1.0]], "the first tier starts at -5; allowed: 0"),
    ([[100, 1.0]], "the first tier starts at 100"),
    ([[0, 1.0], [200, True]], "tier 2 factor: true; expected a number"),
    ([[0, 1.0], ["200 kg", 0.9]], "tier 2 quantity: '200 kg'; expected a number"),
    ([[0, 1.0], [float("inf"), 0.9]], "tier 2 quantity: inf; expected a finite number"),
    ([[0, 1.0, 3]], "expected [quantity, factor] pairs"),
    ("cheap", "expected [quantity, factor] pairs"),
    ([], "0 breaks and 0 factors"),
])
def test_bad_tiers_are_one_line_errors(pairs, message):
    with pytest.raises(EdriveError) as err:
        PriceTiers.from_pairs("magnet", pairs)
    text = str(err.value)
    assert text.startswith("purchasing tiers of 'magnet'") and message in text
    assert "\n" not in text


def test_unknown_tier_kind():
    with pytest.raises(EdriveError, match="unknown purchasing tiers of 'magnet': kind 'stp' "
                                          r"\(did you mean 'step'"):
        PriceTiers.from_pairs("magnet", MAGNET, "stp")


@pytest.mark.parametrize("change, message", [
    ({"partner_of": [0, 2]}, "programme 'b_saloon': partner 2; allowed: an index from 0 to 1"),
    ({"partner_of": [0, True]}, "programme 'b_saloon': partner true"),
    ({"variant_of": [0]}, "1 variant entries for 2 programmes"),
    ({"annual_units": [90, -1]}, "programme 'b_saloon': annual units -1; allowed: 0 to"),
    ({"annual_units": [90, 2e7]}, "(EDRIVE_MAX_ANNUAL_UNITS)"),
    ({"annual_units": [[90, 1], [np.nan, 2]], "years": [2027, 2028]},
     "programme 'b_saloon': annual units in 2027 nan"),
    ({"annual_units": [[90, 1], [2]]}, "expected one number per programme (2)"),
    ({"annual_units": [True, False]}, "expected one number per programme"),
    ({"annual_units": [[90, 1], [3, 2]], "years": [2027]}, "1 years for 2 columns"),
    ({"partners": ["A", "A"]}, "expected distinct names"),
    ({"tiers": [PriceTiers.from_pairs("magnte", MAGNET)]},
     "unknown purchased component 'magnte' (did you mean 'magnet'"),
    ({"tiers": [PriceTiers.from_pairs("magnet", MAGNET)] * 2},
     "purchasing tiers of 'magnet': given twice"),
    ({"tiers": [[[0, 1.0]]]}, "expected PriceTiers"),
    ({"tiers": PriceTiers.from_pairs("magnet", MAGNET)}, "expected a list of PriceTiers"),
    ({"bill": {"magnet": [2.0, 1.0]}}, "expected a BillOfMaterials"),
])
def test_bad_problems_are_one_line_errors(change, message):
    args = {"partners": ["A", "B"], "programmes": ["a_suv", "b_saloon"], "partner_of": [0, 1],
            "variant_of": [0, 1], "annual_units": [90, 150], "bill": BILL,
            "tiers": [PriceTiers.from_pairs("magnet", MAGNET)], **change}
    with pytest.raises(EdriveError) as err:
        PurchasingProblem(**args)
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("args, message", [
    ((("v",), {"magnet": [-1.0]}, {"magnet": [1.0]}, {"magnet": "kg"}),
     "quantity of 'magnet' for variant 'v': -1.0; allowed: 0 or more"),
    ((("v",), {"magnet": [1.0, 2.0]}, {"magnet": [1.0]}, {"magnet": "kg"}),
     "expected one number per variant (1)"),
    ((("v",), {"magnet": [1.0]}, {"copper": [1.0]}, {"magnet": "kg"}),
     "name different components"),
])
def test_bad_bills_are_one_line_errors(args, message):
    with pytest.raises(EdriveError) as err:
        BillOfMaterials(*args)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_bill_of_materials_needs_the_cost_lines():
    with pytest.raises(EdriveError, match="no column 'motor_magnets_kg'; expected the table of "
                                          r"edu_cost_many\(..., lines=True\)"):
        bill_of_materials(pd.DataFrame({"total_eur": [1.0]}), ["v"], ["sic"])
    with pytest.raises(EdriveError, match="bill of materials: costs 3; expected the table"):
        bill_of_materials(3, ["v"], ["sic"])
    costs = edu_cost_many({"machine": "pmsm", "torque_nm": 300.0, "power_w": 150e3,
                           "pole_pairs": 4, "current_peak_a": 600.0, "dc_voltage_v": 400.0,
                           "inverter": "sic", "stage_ratio_1": 9.0}, lines=True)
    with pytest.raises(EdriveError, match="unknown inverter 'gan'"):
        bill_of_materials(costs, ["v"], ["gan"])
