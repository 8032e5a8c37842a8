"""Plants and markets by year: hand-solved plans, shadow prices, shortfalls, work shares,
brute force over the expansion steps, and one-line errors on bad input."""

import itertools
import json

import numpy as np
import pytest
from scipy.optimize import linprog

from edrive.alliance.production import ProductionProblem, solve_production
from edrive.errors import EdriveError


def two_plants(**changes) -> ProductionProblem:
    """One variant (EUR 1000 a unit), plant A (factor 1.0, 100k a year, steps of 8k for
    EUR 3 m, at most 3) and B (factor 1.1, 50k, one step of 50k for EUR 20 m), markets EU and
    UK. Per unit: A->EU 1000 + 40 = 1040, A->UK 1000 + 10 % + 110 = 1210,
    B->EU 1100 + 10 % + 120 = 1330, B->UK 1100 + 30 = 1130."""
    data = {"variants": ["v"], "plants": ["A", "B"], "markets": ["EU", "UK"],
            "years": [2027, 2028], "demand_units": np.array([[[110e3, 120e3], [30e3, 30e3]]]),
            "unit_cost_eur": np.array([1000.0]), "capacity_units": np.array([100e3, 50e3]),
            "cost_factor": np.array([1.0, 1.1]),
            "logistics_eur_per_unit": np.array([[40.0, 110.0], [120.0, 30.0]]),
            "tariff_share": np.array([[0.0, 0.1], [0.1, 0.0]]),
            "step_units": np.array([8e3, 50e3]), "step_cost_eur": np.array([3e6, 20e6]),
            "max_steps": np.array([3, 1])}
    return ProductionProblem(**{**data, **changes})


def test_hand_solved_plan_two_plants_two_markets_two_years():
    # A builds for EU, B for UK and the EU overflow (1330 - 1040 = EUR 290 dearer a unit).
    # Steps at A (EUR 3 m, 8k units) against the overflow, e = (2027, 2028):
    #   (0,0) 290 x (10k + 20k) = 8.70 m      (1,1) 3 m + 290 x (2k + 12k) = 7.06 m
    #   (2,2) 6 m + 290 x 4k    = 7.16 m      (1,2) 6 m + 290 x (2k + 4k) = 7.74 m
    #   (0,1) 3 m + 290 x 22k   = 9.38 m      (3,3) 9 m
    # so one step, added in 2027: A full at 108k both years, B 2k + 30k and 12k + 30k.
    s = solve_production(two_plants())
    assert s.status == "optimal" and s.met and s.gap <= 1e-4
    assert s.steps.tolist() == [[1, 1], [0, 0]]
    a_eu, a_uk, b_eu, b_uk = (s.volume_units[0, i, j] for i in (0, 1) for j in (0, 1))
    assert a_eu == pytest.approx([108e3, 108e3]) and a_uk == pytest.approx([0, 0])
    assert b_eu == pytest.approx([2e3, 12e3]) and b_uk == pytest.approx([30e3, 30e3])
    # 2027: 108k x 1040 + 2k x 1330 + 30k x 1130 = 148.88 m; 2028: 162.18 m; step 3 m
    assert s.objective == pytest.approx(148.88e6 + 162.18e6 + 3e6)
    assert s.cost_eur["expansion"].tolist() == [[3e6, 0], [0, 0]]
    # B in 2027: 32k x 1100 built, duty 10 % on 2k x 1100, freight 2k x 120 + 30k x 30
    assert s.cost_eur["production"][1, 0] == pytest.approx(35.2e6)
    assert s.cost_eur["tariff"][1, 0] == pytest.approx(220e3)
    assert s.cost_eur["logistics"][1, 0] == pytest.approx(1.14e6)
    assert s.capacity_units.tolist() == [[108e3, 108e3], [50e3, 50e3]]
    assert s.utilisation == pytest.approx(np.array([[1.0, 1.0], [0.64, 0.84]]))
    # one more unit at A saves 290 each year; B has room
    assert s.shadow_price_eur_per_unit == pytest.approx(np.array([[290, 290], [0, 0]]))


def test_expansion_that_does_not_pay_is_not_taken():
    # at EUR 6 m a step: (1,1) costs 6 m + 4.06 m = 10.06 m > 8.70 m with no step
    s = solve_production(two_plants(step_cost_eur=np.array([6e6, 20e6])))
    assert s.steps.tolist() == [[0, 0], [0, 0]]
    # 2027: 100k x 1040 + 10k x 1330 + 30k x 1130; 2028: 100k x 1040 + 20k x 1330 + 33.9 m
    assert s.objective == pytest.approx(151.2e6 + 164.5e6)
    assert s.shadow_price_eur_per_unit[0] == pytest.approx([290, 290])


def test_steps_are_added_in_the_year_they_are_first_needed():
    # 2027 fits A (100k); 2028 needs 20k more: steps of EUR 1 m, e = 0..3:
    # 290 x 20k = 5.8 m, 1 m + 3.48 m, 2 m + 1.16 m, 3 m -> three steps, bought in 2028
    s = solve_production(two_plants(demand_units=np.array([[[100e3, 120e3], [30e3, 30e3]]]),
                                    step_cost_eur=np.array([1e6, 20e6])))
    assert s.steps.tolist() == [[0, 3], [0, 0]]
    assert s.cost_eur["expansion"].tolist() == [[0, 3e6], [0, 0]]
    assert s.volume_units[0, 0, 0] == pytest.approx([100e3, 120e3])


def test_shadow_price_of_a_full_plant_by_hand_and_by_one_more_unit():
    # UK needs 60k; B (50k, no steps) is full and A ships the other 10k at 1210 instead
    # of 1130: one more unit of B's capacity saves 80
    base = {"demand_units": np.array([[[50e3, 50e3], [60e3, 60e3]]]),
            "capacity_units": np.array([200e3, 50e3]), "max_steps": np.array([0, 0])}
    s = solve_production(two_plants(**base))
    assert s.volume_units[0, 0, 1] == pytest.approx([10e3, 10e3])
    assert s.shadow_price_eur_per_unit == pytest.approx(np.array([[0, 0], [80, 80]]))
    more = solve_production(two_plants(**{**base, "capacity_units": np.array([200e3, 50_001])}))
    assert s.objective - more.objective == pytest.approx(2 * 80)


def test_demand_beyond_every_plant_names_what_had_to_give():
    # only A ships to EU; at its last step it builds 100k + 8k x 3 = 124k of the 130k
    s = solve_production(two_plants(demand_units=np.array([[[130e3, 110e3], [30e3, 30e3]]]),
                                    route=np.array([[True, False], [False, True]])))
    assert not s.met and len(s.shortfalls) == 1
    short = s.shortfalls[0]
    assert (short.variant, short.market, short.year) == ("v", "EU", 2027)
    assert short.units == pytest.approx(6e3) and short.full_plants == ("A",)
    assert str(short) == ("6,000 of 130,000 units of v for EU in 2027 not built (plants full "
                          "at their last expansion step: A)")
    # everything else is still planned: A at 124k in 2027 (steps bought then), UK from B
    assert s.volume_units[0, 0, 0] == pytest.approx([124e3, 110e3])
    assert s.volume_units[0, 1, 1] == pytest.approx([30e3, 30e3])
    assert s.steps[0].tolist() == [3, 3]
    assert json.loads(json.dumps(s.to_dict()))["shortfalls"] == [str(short)]


def test_the_dearest_demand_gives_when_capacity_is_short():
    # one plant of 100k, no steps; EU costs 1040 a unit, UK 1210: the 20k short are UK's
    s = solve_production(two_plants(plants=["A"], capacity_units=np.array([100e3]),
                                    cost_factor=np.array([1.0]),
                                    logistics_eur_per_unit=np.array([[40.0, 110.0]]),
                                    tariff_share=np.array([[0.0, 0.1]]),
                                    step_units=None, step_cost_eur=None, max_steps=None,
                                    demand_units=np.array([[[80e3, 80e3], [40e3, 40e3]]])))
    assert [(x.market, x.year, round(x.units)) for x in s.shortfalls] == [
        ("UK", 2027, 20_000), ("UK", 2028, 20_000)]
    assert s.volume_units[0, 0, 0] == pytest.approx([80e3, 80e3])


def work_share(**changes) -> ProductionProblem:
    # one market, A (partner p, EUR 1000 + 40 a unit) and B (partner q, 1100 + 30)
    data = {"variants": ["v"], "plants": ["A", "B"], "markets": ["EU"], "years": [2027],
            "demand_units": np.array([[[100e3]]]), "unit_cost_eur": np.array([1000.0]),
            "capacity_units": np.array([200e3, 200e3]), "cost_factor": np.array([1.0, 1.1]),
            "logistics_eur_per_unit": np.array([[40.0], [30.0]]),
            "tariff_share": np.zeros((2, 1)), "partners": ["p", "q"],
            "plant_owner": np.array([0, 1]), "work_share_min": np.array([0.0, 0.25])}
    return ProductionProblem(**{**data, **changes})


def test_work_share_moves_units_to_the_partners_plant():
    # q's plants build at least 25 %: 75k x 1040 + 25k x 1130
    s = solve_production(work_share())
    assert s.volume_units[0, :, 0, 0] == pytest.approx([75e3, 25e3])
    assert s.objective == pytest.approx(75e3 * 1040 + 25e3 * 1130)


def test_work_share_beyond_the_partners_plant_is_named():
    # B holds 10k: q's share of 25k falls 15k short; all demand is still met
    s = solve_production(work_share(capacity_units=np.array([200e3, 10e3])))
    assert not s.shortfalls and len(s.work_share_shortfalls) == 1
    short = s.work_share_shortfalls[0]
    assert (short.partner, short.year) == ("q", 2027)
    assert short.units == pytest.approx(15e3) and short.required_units == pytest.approx(25e3)
    assert "q's plants built 15,000 units fewer than its work share of 25,000" in str(short)
    assert s.volume_units[0, :, 0, 0] == pytest.approx([90e3, 10e3])


def test_a_plant_not_eligible_for_a_variant_never_builds_it():
    s = solve_production(work_share(variants=["v", "w"], demand_units=np.full((2, 1, 1), 50e3),
                                    unit_cost_eur=np.array([1000.0, 1000.0]),
                                    eligible=np.array([[True, True], [False, True]]),
                                    work_share_min=None))
    assert s.volume_units[:, :, 0, 0] == pytest.approx(np.array([[50e3, 0], [0, 50e3]]))


def brute_force(p: ProductionProblem) -> float:
    """Least cost over every cumulative expansion path, each an LP over all cells."""
    n_v, n_l, n_m, n_t = len(p.variants), len(p.plants), len(p.markets), len(p.years)
    c = (p.unit_cost_eur[:, None, None] * p.cost_factor[None, :, None]
         * (1 + p.tariff_share[None]) + p.logistics_eur_per_unit[None])
    c = np.repeat(c[..., None], n_t, axis=3).ravel()
    idx = np.arange(c.size).reshape(n_v, n_l, n_m, n_t)
    a_eq = np.zeros((n_v * n_m * n_t, c.size))
    for r, (v, m, t) in enumerate(itertools.product(range(n_v), range(n_m), range(n_t))):
        a_eq[r, idx[v, :, m, t]] = 1
    a_ub = np.zeros((n_l * n_t, c.size))
    for r, (i, t) in enumerate(itertools.product(range(n_l), range(n_t))):
        a_ub[r, idx[:, i, :, t].ravel()] = 1
    paths = [list(itertools.combinations_with_replacement(range(int(n) + 1), n_t))
             for n in p.max_steps]
    best = np.inf
    for choice in itertools.product(*paths):
        e = np.array(choice, dtype=float)
        cap = (p.capacity_units[:, None] + p.step_units[:, None] * e).ravel()
        res = linprog(c, A_ub=a_ub, b_ub=cap, A_eq=a_eq, b_eq=p.demand_units.ravel(),
                      method="highs")
        if res.status == 0:
            best = min(best, res.fun + float(p.step_cost_eur @ e[:, -1]))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_random_instances_equal_brute_force_over_expansion_steps(seed):
    rng = np.random.default_rng(seed)
    n_v, n_l, n_m, n_t = 2, 2, 2, 3
    demand = rng.uniform(10, 60, (n_v, n_m, n_t))
    cap = rng.uniform(20, 80, n_l)
    step = rng.uniform(10, 40, n_l)
    most = rng.integers(1, 3, n_l)
    # room for all demand once every plant has taken its last step
    room = max(1.0, demand.sum(axis=(0, 1)).max() / (cap + step * most).sum())
    cap, step = cap * room, step * room
    p = ProductionProblem(
        variants=["v0", "v1"], plants=["A", "B"], markets=["M0", "M1"], years=[1, 2, 3],
        demand_units=demand, unit_cost_eur=rng.uniform(50, 150, n_v),
        capacity_units=cap, cost_factor=rng.uniform(0.8, 1.3, n_l),
        logistics_eur_per_unit=rng.uniform(0, 40, (n_l, n_m)),
        tariff_share=rng.choice([0.0, 0.1], (n_l, n_m)), step_units=step,
        step_cost_eur=rng.uniform(100, 3000, n_l), max_steps=most)
    s = solve_production(p, mip_gap=1e-9)
    assert s.met
    assert s.objective == pytest.approx(brute_force(p), rel=1e-7)
    # the plan it reports is the plan it costs: demand met, capacity kept
    assert s.volume_units.sum(axis=1) == pytest.approx(demand)
    assert np.all(s.plant_volume_units <= s.capacity_units * (1 + 1e-9))
    assert np.all(np.diff(s.steps, axis=1) >= 0) and np.all(s.steps[:, -1] <= most)


def test_report_rows_and_json():
    s = solve_production(two_plants())
    rows = s.plant_years()
    assert [(r["plant"], r["year"]) for r in rows] == [("A", 2027), ("A", 2028), ("B", 2027),
                                                      ("B", 2028)]
    assert rows[0]["volume_units"] == pytest.approx(108e3) and rows[0]["steps"] == 1
    d = json.loads(json.dumps(s.to_dict()))
    assert d["total_cost_eur"] == pytest.approx(s.objective)
    assert d["solver"]["status"] == "optimal" and d["solver"]["gap"] <= 1e-4
    assert sum(f["units"] for f in d["flows"]) == pytest.approx(290e3)
    assert sum(d["cost_eur"].values()) == pytest.approx(s.objective)


@pytest.mark.parametrize("changes, message", [
    ({"capacity_units": np.array([100e3, -5.0])},
     r"^production: capacity_units\[B\]: -5.0; allowed: at least 0 and at most 10,000,000$"),
    ({"logistics_eur_per_unit": np.array([[40.0, np.nan], [120.0, 30.0]])},
     (r"^production: logistics_eur_per_unit\[A, UK\]: nan; allowed: at least 0 and at most "
      r"1e\+12$")),
    ({"unit_cost_eur": [True]}, r"^production: unit_cost_eur\[v\]: true; expected a number$"),
    ({"unit_cost_eur": np.array([1.0, 2.0])},
     r"^production: unit_cost_eur has shape \(2,\); expected \(1,\)$"),
    ({"demand_units": np.ones((1, 2, 3))}, r"demand_units has shape \(1, 2, 3\); expected"),
    ({"cost_factor": np.array([1.0, 0.0])}, r"cost_factor\[B\]: 0.0; allowed: above 0"),
    ({"max_steps": np.array([1.5, 1])}, r"max_steps\[A\]: 1.5; allowed: a whole number"),
    ({"years": [2028, 2027]}, r"years: \[2028, 2027\]; expected years in increasing order"),
    ({"years": [2027, 2028.0]}, r"years: 2028.0; expected a whole year"),
    ({"plants": ["A", "A"]}, r"plants: 'A' appears twice"),
    ({"markets": []}, r"markets: \[\]; expected a non-empty list of names"),
    ({"route": np.array([[True, False], [True, True]]),
      "eligible": np.array([[True, False]])},
     (r"^production: demand for v in market UK \(30,000 units in 2027\): no plant that may "
      r"build it ships there")),
    ({"route": np.ones((2, 2))}, r"^production: route\[A, EU\]: 1.0; expected true or false$"),
    ({"unit_cost_eur": np.array(["cheap"])}, r"unit_cost_eur\[v\]: 'cheap'; expected a number"),
    ({"capacity_units": [[1, 2]]}, r"capacity_units has shape \(1, 2\); expected \(2,\)"),
    ({"step_units": np.array([5e6, 50e3])},
     (r"^production: plant A: 15,100,000 units a year after all expansion steps; allowed: "
      r"at most 10,000,000 units a year \(EDRIVE_MAX_ANNUAL_UNITS\)$")),
    ({"unit_cost_eur": np.array([1e308])},
     r"^production: unit_cost_eur\[v\]: 1e\+308; allowed: at least 0 and at most 1e\+12$"),
    ({"tariff_share": np.array([[0.0, -0.1], [0.1, 0.0]])},
     r"tariff_share\[A, UK\]: -0.1; allowed: at least 0 and at most 10$"),
    ({"demand_units": np.full((1, 2, 2), 2e7)}, r"demand_units\[v, EU, 2027\]: 20000000.0"),
])
def test_bad_input_is_one_line(changes, message):
    with pytest.raises(EdriveError, match=message) as err:
        solve_production(two_plants(**changes))
    text = str(err.value)
    assert "\n" not in text and "np." not in text and "array(" not in text


def test_work_share_errors():
    with pytest.raises(EdriveError, match=r"work_share_min adds up to 1.2; allowed: at most 1"):
        solve_production(work_share(work_share_min=np.array([0.6, 0.6])))
    with pytest.raises(EdriveError, match=r"work_share_min is given without plant_owner"):
        solve_production(work_share(plant_owner=None))
    with pytest.raises(EdriveError, match=r"plant_owner\[B\]: 2; allowed: at least 0 and at "
                                          r"most 1"):
        solve_production(work_share(plant_owner=[0, 2]))
    with pytest.raises(EdriveError, match=r"plant_owner\[B\]: 0.5; allowed: a whole partner"):
        solve_production(work_share(plant_owner=np.array([0, 0.5])))


def test_names_and_years_may_be_arrays():
    s = solve_production(two_plants(plants=np.array(["A", "B"]), years=np.arange(2027, 2029)))
    assert s.problem.years == [2027, 2028] and s.problem.plants == ["A", "B"]
    assert s.objective == pytest.approx(314.06e6)


def test_no_demand_is_an_empty_plan():
    s = solve_production(two_plants(demand_units=np.zeros((1, 2, 2))))
    assert s.met and s.objective == 0 and s.steps.sum() == 0 and s.volume_units.sum() == 0


def test_size_limit_names_its_variable(monkeypatch):
    monkeypatch.setenv("EDRIVE_MAX_PRODUCTION_CELLS", "7")
    with pytest.raises(EdriveError, match=r"^production: 1 variants x 2 plants x 2 markets x 2 "
                                          r"years = 8 cells; the limit is 7 "
                                          r"\(EDRIVE_MAX_PRODUCTION_CELLS\)$"):
        solve_production(two_plants())
    monkeypatch.setenv("EDRIVE_MAX_PRODUCTION_CELLS", "8")
    assert solve_production(two_plants()).met


def test_bad_solver_settings():
    with pytest.raises(EdriveError, match="time limit 0 s"):
        solve_production(two_plants(), time_limit_s=0)
