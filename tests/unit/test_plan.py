"""The alliance plan joined end to end on a small synthetic portfolio: the joint optimum
against brute force, together never dearer than alone, shares that add up, production that
meets demand, the plan's cars in the fleets, reproducible scenarios."""

import itertools
import json

import numpy as np
import pytest

from edrive.alliance.family import family_cost
from edrive.alliance.plan import concave_majorant, plan_portfolio
from edrive.alliance.portfolio import portfolio_from_mapping
from edrive.alliance.synthetic_portfolio import synthetic_portfolio
from edrive.errors import EdriveError


def test_concave_majorant_by_hand():
    x = np.array([0.0, 1, 2, 3, 4])
    y = np.array([0.0, 2, 3, 3.5, 5])
    # (2, 3) lies on the chord from (1, 2) to (4, 5) and (3, 3.5) below it
    assert np.allclose(concave_majorant(x, y), [0, 2, 3, 4, 5])
    up = concave_majorant(x, y)
    assert np.all(up >= y) and np.all(np.diff(np.diff(up) / np.diff(x)) <= 1e-12)


def servable(programmes=4, variants=3, partners=2, **changes):
    """A small synthetic portfolio whose cars every variant can drive (0-100 km/h in 14 s)."""
    pf = synthetic_portfolio(programmes, variants, batteries=1, plants=2, markets=2, years=3,
                             partners=partners, seed=3)
    data = pf.model_dump(exclude_none=True)
    for prog in data["programmes"]:
        prog["requirements"]["accel_0_100_kmh_s"] = 14.0
    for key, value in changes.items():
        data[key] = value
    return portfolio_from_mapping(data, "p.yaml")


@pytest.fixture(scope="module")
def small():
    pf = servable()
    return pf, plan_portfolio(pf, draws=2, seed=7)


def test_the_joint_optimum_equals_brute_force(small):
    _, plan = small
    problem = plan.problem
    options = [np.flatnonzero(problem.feasible[p]) for p in range(len(problem.programmes))]
    best = min(family_cost(problem, np.array(a)).total_eur
               for a in itertools.product(*options))
    assert plan.joint.objective == pytest.approx(best, rel=1e-6)


def test_together_is_never_dearer_and_the_shares_add_up(small):
    _, plan = small
    rep = plan.to_dict()
    alone = sum(rep["standalone_cost_eur"].values())
    assert rep["savings_eur"] == pytest.approx(alone - rep["total_cost_eur"])
    assert rep["savings_eur"] >= -1e-6 * alone
    shares = rep["cost_shares"]
    for rule, r in shares["rules"].items():
        assert sum(r["total_eur"].values()) == pytest.approx(rep["total_cost_eur"], rel=1e-9)
        assert sum(r["development_eur"].values()) == pytest.approx(shares["development_eur"],
                                                                   rel=1e-9, abs=1e-3)
        for p, saving in r["saving_eur"].items():
            assert saving == pytest.approx(shares["alone_eur"][p] - r["total_eur"][p])
    # two partners: the Shapley value gives each the same saving
    s = list(shares["rules"]["shapley"]["saving_eur"].values())
    assert s[0] == pytest.approx(s[1], rel=1e-9)
    # a programme switches exactly where its variant alone differs from together
    together = {a["programme"]: a["variant"] for a in rep["assignment"]}
    alone = {name: plan.fit.variants[v] for sol in plan.alone.values()
             for name, v in zip(plan.fit.programmes, sol.variant_of, strict=True) if v >= 0}
    assert {x["programme"] for x in rep["switches"]} == {
        p for p in together if alone[p] != together[p]}


def test_production_builds_every_unit_demanded(small):
    pf, plan = small
    prod = plan.production
    assert prod.met and not prod.shortfalls
    assert prod.volume_units.sum() == pytest.approx(pf.demand_units().sum(), rel=1e-9)


def test_the_plans_cars_join_each_makers_fleet():
    pf = servable()
    data = pf.model_dump(exclude_none=True)
    data["partners"][0]["fleets"] = ["bmw_like_eu_2025"]
    data["markets"][0]["jurisdiction"] = "EU"
    spec = portfolio_from_mapping(data, "p.yaml")
    plan = plan_portfolio(spec, draws=0)
    entry = plan.fleet_co2["jurisdictions"]["EU"]
    year = plan.fleet_co2["year"]
    cars = spec.volume_cars()[:, 0, spec.plan_years().index(year)]
    mine = cars[spec.partner_index() == 0].sum()
    from edrive.alliance.fleet_file import load_fleet

    base = sum(m.registrations for m in load_fleet("bmw_like_eu_2025").models)
    assert entry["makers"][0]["registrations"] == pytest.approx(base + mine)
    assert entry["pool"] is None  # one maker in the jurisdiction: nothing to pool


def test_scenarios_are_reproducible_and_regret_is_never_negative(small):
    pf, plan = small
    again = plan_portfolio(pf, draws=2, seed=7)
    assert json.dumps(plan.uncertainty, sort_keys=True) == json.dumps(again.uncertainty,
                                                                      sort_keys=True)
    other = plan_portfolio(pf, draws=2, seed=8)
    costs = lambda u: [s["total_cost_eur"] for s in u["scenarios"]]  # noqa: E731
    assert costs(other.uncertainty)[-1] != costs(plan.uncertainty)[-1]
    for fam in plan.uncertainty["families"].values():
        assert fam["mean_regret_eur"] >= -1e-6 * plan.joint.objective
    n = len(plan.uncertainty["scenarios"])
    assert 0 <= plan.uncertainty["plan_family_best_share"] <= 1 and n == 5 + 2


def test_a_programme_no_unit_can_serve_is_named():
    data = servable(3, 2, partners=1).model_dump(exclude_none=True)
    data["programmes"][1]["requirements"] = {"accel_0_100_kmh_s": 1.0}
    spec = portfolio_from_mapping(data, "p.yaml")
    with pytest.raises(EdriveError, match=r"programme 'p001': no variant and battery meets "
                                          r"its requirements \(accel_0_100_kmh_s"):
        plan_portfolio(spec, draws=0)


@pytest.mark.parametrize("kwargs, message", [
    ({"draws": -1}, "draws: -1; allowed: a whole number >= 0"),
    ({"seed": 1.5}, "seed: 1.5; allowed: a whole number >= 0"),
    ({"co2_year": 1999}, "co2_year: 1999; allowed: a plan year"),
    ({"time_limit_s": 0}, "solver: time limit 0 s"),
])
def test_bad_settings_are_refused_before_any_work(kwargs, message, monkeypatch):
    import edrive.alliance.fit as fit

    monkeypatch.setattr(fit, "fit_portfolio", lambda *a, **k: pytest.fail("computed"))
    pf = synthetic_portfolio(2, 2, batteries=1, plants=1, markets=1, years=2, partners=1)
    with pytest.raises(EdriveError, match=message):
        plan_portfolio(pf, **kwargs)
