"""The drive-unit family choice: cases solved by hand, brute force on random small instances,
together against alone, and the one-line errors of bad input."""

import dataclasses
import importlib.util
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from edrive.alliance import family
from edrive.alliance.family import FamilyProblem, family_cost, solve_family, together_vs_alone
from edrive.errors import EdriveError

NAN = float("nan")


def two_makers(fixed_eur=500.0):
    """Programme A of maker a and B of maker b, 100 units each; va serves A and vb serves B
    at 10 EUR a unit, vs serves both at 12 EUR a unit; no variable cost."""
    return FamilyProblem.from_arrays(
        volume=[100, 100], partner_of=["a", "b"], programmes=["A", "B"],
        variants=["va", "vb", "vs"], feasible=[[1, 0, 1], [0, 1, 1]],
        pair_cost_eur=[[10, NAN, 12], [NAN, 10, 12]], fixed_cost_eur=[fixed_eur] * 3,
        unit_cost_breaks=[0, 1000], unit_cost_total=[[0, 0]] * 3)


def base_arrays():
    """A valid two-programme, two-variant instance as keyword arguments of from_arrays."""
    return {"volume": [100.0, 100.0], "partner_of": ["a", "b"], "programmes": ["A", "B"],
            "variants": ["va", "vb"], "feasible": [[True, True], [False, True]],
            "pair_cost_eur": [[1.0, 2.0], [NAN, 3.0]], "fixed_cost_eur": [10.0, 20.0],
            "unit_cost_breaks": [[0.0, 100.0, 300.0], [0.0, 100.0, 300.0]],
            "unit_cost_total": [[0.0, 1000.0, 1500.0], [0.0, 1000.0, 2000.0]]}


# ---- hand-solvable cases ----------------------------------------------------------------

@pytest.mark.parametrize("fixed_eur, expected, total", [
    # apart: 2 x 300 + 200 x 10 = 2600; shared: 300 + 200 x 12 = 2700
    (300.0, {"A": "va", "B": "vb"}, 2600.0),
    # apart: 2 x 500 + 2000 = 3000; shared: 500 + 2400 = 2900
    (500.0, {"A": "vs", "B": "vs"}, 2900.0),
])
def test_programmes_share_a_variant_only_when_the_fixed_cost_outweighs_the_pair_costs(
        fixed_eur, expected, total):
    sol = solve_family(two_makers(fixed_eur))
    assert sol.assignment == expected
    assert sol.objective == pytest.approx(total)
    assert sol.status == "optimal" and sol.gap <= 1e-9 and sol.bound == pytest.approx(total)
    assert sol.chosen == sorted(set(expected.values()))
    parts = sol.report()
    assert parts["fixed_eur"] == pytest.approx(fixed_eur * len(sol.chosen))
    assert parts["pair_eur"] == pytest.approx(total - fixed_eur * len(sol.chosen))


def test_concave_cost_by_hand():
    # breaks 0, 100, 300 units; totals 0, 1000, 2400 EUR: 10 EUR a unit to 100, then 7;
    # programmes of 50 and 150 units on the variant: Q = 200, C = 1000 + 7 x 100 = 1700
    problem = FamilyProblem.from_arrays(
        volume=[50, 150], feasible=[[True], [True]], pair_cost_eur=[[2.0], [0.0]],
        fixed_cost_eur=[400.0], unit_cost_breaks=[0, 100, 300],
        unit_cost_total=[[0, 1000, 2400]])
    cost = family_cost(problem, {"programme 1": "variant 1", "programme 2": "variant 1"})
    assert cost.volume_units.tolist() == [200.0]
    assert cost.variable_eur.tolist() == [pytest.approx(1700.0)]
    assert cost.pair_eur.tolist() == [100.0, 0.0]
    assert cost.total_eur == pytest.approx(400 + 1700 + 100)
    alone = family_cost(problem, [0, -1])  # only the first programme: 50 x 10 = 500
    assert alone.total_eur == pytest.approx(400 + 500 + 100)
    assert solve_family(problem).objective == pytest.approx(2200.0)


@pytest.mark.parametrize("y_eur_per_unit, b_takes, total", [
    # both on x: C_x(200) = 1000 + 6 x 100 = 1600 (8 EUR a unit) < 1000 + 7 x 100 on x and y
    (7.0, "x", 1600.0),
    # B on y at 5 a unit: 1000 + 500 = 1500 < 1600
    (5.0, "y", 1500.0),
])
def test_economies_of_scale_decide_without_fixed_costs(y_eur_per_unit, b_takes, total):
    problem = FamilyProblem.from_arrays(
        volume=[100, 100], programmes=["A", "B"], variants=["x", "y"],
        feasible=[[1, 0], [1, 1]], pair_cost_eur=np.zeros((2, 2)), fixed_cost_eur=[0, 0],
        unit_cost_breaks=[[0, 100, 200], [0, 100, 200]],
        unit_cost_total=[[0, 1000, 1600], [0, 100 * y_eur_per_unit, 200 * y_eur_per_unit]])
    sol = solve_family(problem, mip_gap=0.0)
    assert sol.assignment == {"A": "x", "B": b_takes}
    assert sol.objective == pytest.approx(total)
    if b_takes == "x":
        assert sol.report()["variants"][0]["variable_eur_per_unit"] == pytest.approx(8.0)


def test_together_against_alone_by_hand():
    result = together_vs_alone(two_makers(500.0))
    assert result["alone"]["a"]["objective"] == pytest.approx(1500.0)  # 500 + 100 x 10
    assert result["alone"]["b"]["assignment"] == {"B": "vb"}
    assert result["alone_total_eur"] == pytest.approx(3000.0)
    assert result["together_total_eur"] == pytest.approx(2900.0)
    assert result["saving_eur"] == pytest.approx(100.0)
    assert result["saving_share"] == pytest.approx(100 / 3000)
    assert result["saving_range_eur"] == [pytest.approx(100.0), pytest.approx(100.0)]
    assert result["switches"] == [
        {"programme": "A", "partner": "a", "alone": "va", "together": "vs"},
        {"programme": "B", "partner": "b", "alone": "vb", "together": "vs"}]
    assert result["shared_variants"] == [{"variant": "vs", "partners": ["a", "b"]}]
    json.dumps(result)  # JSON-ready


def test_nothing_shared_means_no_saving_and_no_switch():
    result = together_vs_alone(two_makers(300.0))
    assert result["saving_eur"] == pytest.approx(0.0, abs=1e-9)
    assert result["switches"] == [] and result["shared_variants"] == []


def test_a_coalition_bears_the_whole_fixed_cost_of_what_it_develops():
    sol = solve_family(two_makers(500.0), partners=["b"])
    assert sol.assignment == {"B": "vb"} and sol.partners == ("b",)
    assert sol.variant_of.tolist() == [-1, 1]
    assert sol.objective == pytest.approx(1500.0)
    assert solve_family(two_makers(500.0), partners="a").assignment == {"A": "va"}


def test_a_partner_without_programmes_costs_nothing_alone():
    problem = FamilyProblem.from_arrays(
        volume=[100], partner_of=[0], partners=["a", "idle"], feasible=[[True]],
        pair_cost_eur=[[1.0]], fixed_cost_eur=[50.0], unit_cost_breaks=[0, 100],
        unit_cost_total=[[0, 200]])
    sol = solve_family(problem, partners=["idle"])
    assert sol.objective == 0.0 and sol.assignment == {} and sol.chosen == []
    assert together_vs_alone(problem)["saving_eur"] == pytest.approx(0.0)


def test_defaults_names_and_a_shared_row_of_breaks():
    problem = FamilyProblem.from_arrays(**{**base_arrays(), "partner_of": None,
                                           "programmes": None, "variants": None,
                                           "unit_cost_breaks": [0.0, 100.0, 300.0]})
    assert problem.programmes == ["programme 1", "programme 2"]
    assert problem.variants == ["variant 1", "variant 2"]
    assert problem.partners == ["partner 1"] and problem.partner_of.tolist() == [0, 0]
    assert problem.unit_cost_breaks.shape == (2, 3)
    assert not problem.volume.flags.writeable
    indexed = FamilyProblem.from_arrays(**{**base_arrays(), "partner_of": [1, 0],
                                           "partners": None})
    assert indexed.partners == ["partner 1", "partner 2"]
    assert indexed.partner_of.tolist() == [1, 0]


def test_a_time_limit_returns_the_best_found_with_its_gap(monkeypatch):
    real = family.solve_milp

    def stopped_early(*args, **kwargs):
        sol = real(*args, **kwargs)
        return dataclasses.replace(sol, status="time limit reached", bound=0.9 * sol.objective)

    monkeypatch.setattr(family, "solve_milp", stopped_early)
    sol = solve_family(two_makers(500.0))
    assert sol.status == "time limit reached"
    assert sol.objective == pytest.approx(2900.0) and sol.gap == pytest.approx(0.1)

    def nothing_found(*args, **kwargs):
        return dataclasses.replace(real(*args, **kwargs), x=None, status="time limit reached")

    monkeypatch.setattr(family, "solve_milp", nothing_found)
    with pytest.raises(EdriveError, match=r"no assignment found within the time limit of 5 s"):
        solve_family(two_makers(500.0), time_limit_s=5)

    def unassigned(*args, **kwargs):
        sol = real(*args, **kwargs)
        return dataclasses.replace(sol, x=np.zeros_like(sol.x))

    monkeypatch.setattr(family, "solve_milp", unassigned)
    with pytest.raises(EdriveError, match=r"HiGHS ended with status 'optimal' but left "
                                          r"programme 'A' without a variant"):
        solve_family(two_makers(500.0))


# ---- brute force ------------------------------------------------------------------------

def random_problem(rng):
    """3-5 programmes of two partners, 2-4 variants, 2-3 breaks, random concave costs."""
    n_p, n_v, n_k = rng.integers(3, 6), rng.integers(2, 5), rng.integers(2, 4)
    feasible = rng.random((n_p, n_v)) < 0.6
    feasible[np.arange(n_p), rng.integers(0, n_v, n_p)] = True
    volume = rng.integers(1, 100, n_p) * 1000.0
    most = np.maximum(feasible.T.astype(float) @ volume, 1000.0)  # a variant serving none
    inner = np.sort(rng.uniform(0.05, 0.9, (n_v, n_k - 2)), axis=1)
    breaks = np.hstack([np.zeros((n_v, 1)), inner, np.ones((n_v, 1))]) * most[:, None]
    slopes = -np.sort(-rng.uniform(0, 50, (n_v, n_k - 1)), axis=1)  # falling: concave
    totals = np.hstack([np.zeros((n_v, 1)), np.cumsum(slopes * np.diff(breaks), axis=1)])
    fixed = rng.uniform(0, 3e6, n_v) * (rng.random(n_v) < 0.8)
    pair = np.where(feasible, rng.uniform(0, 40, (n_p, n_v)), NAN)
    return FamilyProblem.from_arrays(
        volume=volume, feasible=feasible, pair_cost_eur=pair, fixed_cost_eur=fixed,
        unit_cost_breaks=breaks, unit_cost_total=totals,
        partner_of=list(rng.integers(0, 2, n_p)), partners=["a", "b"])


def brute_force(problem, members):
    """The least cost over every assignment of the programmes ``members``, evaluated
    directly: fixed cost of each variant used, C_v by interpolation, pair costs."""
    rows = np.flatnonzero(members)
    if rows.size == 0:
        return 0.0
    combos = np.array(list(itertools.product(
        *[np.flatnonzero(problem.feasible[p]) for p in rows])))
    volume = np.zeros((len(combos), len(problem.variants)))
    pair = np.zeros(len(combos))
    for j, p in enumerate(rows):
        volume[np.arange(len(combos)), combos[:, j]] += problem.volume[p]
        pair += problem.volume[p] * problem.pair_cost_eur[p, combos[:, j]]
    variable = sum(np.interp(volume[:, v], problem.unit_cost_breaks[v],
                             problem.unit_cost_total[v]) for v in range(volume.shape[1]))
    fixed = (volume > 0) @ problem.fixed_cost_eur
    return float((fixed + variable + pair).min())


def test_solver_equals_brute_force_on_200_random_instances():
    rng = np.random.default_rng(2024)
    for _ in range(200):
        problem = random_problem(rng)
        partners = None if rng.random() < 0.7 else ["a"]
        members = problem.partner_programmes(partners)
        sol = solve_family(problem, partners, mip_gap=0.0)
        best = brute_force(problem, members)
        assert sol.objective == pytest.approx(best, rel=1e-6, abs=1e-6)
        assert family_cost(problem, sol.variant_of).total_eur == pytest.approx(sol.objective)
        assert ((sol.variant_of >= 0) == members).all()


def test_scaling_40_programmes_by_30_variants(capsys):
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_plan_family.py"
    spec = importlib.util.spec_from_file_location("bench_plan_family", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    problem = bench.synthetic_problem(40, 30, 5, seed=1)
    sol = solve_family(problem)
    with capsys.disabled():
        print(f"\nfamily 40 x 30: {sol.seconds:.2f} s, {sol.status}, gap {sol.gap:.1e}")
    assert sol.status == "optimal" and sol.gap <= 1e-4
    assert len(sol.assignment) == 40 and sol.bound <= sol.objective


# ---- bad input --------------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    ({"feasible": [[True, True]]},
     r"feasible has shape \(1, 2\); expected \(programmes, variants\) = \(2, 2\)"),
    ({"volume": [100.0, NAN]}, r"volume of programme 'B': nan; allowed: more than 0"),
    ({"volume": [-5, 100]}, (r"volume of programme 'A': -5; allowed: more than 0 and at most "
                             r"1,000,000,000 units \(EDRIVE_MAX_CUMULATIVE_UNITS\)")),
    ({"volume": [True, False]}, r"volume: \[true, false\]; expected numbers"),
    ({"volume": [[1, 2], [3]]}, r"volume is not an array; expected \(programmes,\) = \(2,\)"),
    ({"pair_cost_eur": [[-1.0, 2.0], [NAN, 3.0]]},
     r"pair_cost_eur\[0, 0\] \(programme 'A', variant 'va'\): -1.0; allowed: a finite cost"),
    ({"pair_cost_eur": [[1.0, 2.0], [NAN, NAN]]}, r"pair_cost_eur\[1, 1\] .*: nan; allowed"),
    ({"fixed_cost_eur": [10.0, -20.0]},
     r"fixed_cost_eur\[1\] \(variant 'vb'\): -20.0; allowed: a finite cost of 0 EUR or more"),
    ({"unit_cost_breaks": [[0.0, 300.0, 200.0], [0.0, 100.0, 300.0]]},
     (r"unit_cost_breaks\[0\] \(variant 'va'\): \[0.0, 300.0, 200.0\]; allowed: cumulative "
      r"volumes in units that start at 0 and increase")),
    ({"unit_cost_breaks": [[10.0, 100.0, 300.0], [0.0, 100.0, 300.0]]},
     r"unit_cost_breaks\[0\] .*start at 0"),
    ({"unit_cost_total": [[5.0, 1000.0, 1500.0], [0.0, 1000.0, 2000.0]]},
     (r"unit_cost_total\[0\] \(variant 'va'\): \[5.0, 1000.0, 1500.0\]; allowed: total costs "
      r"in EUR that start at 0 \(no units\) and do not fall")),
    ({"unit_cost_total": [[0.0, 1000.0, 900.0], [0.0, 1000.0, 2000.0]]}, r"do not fall"),
    ({"unit_cost_total": [[0.0, 500.0, 2500.0], [0.0, 1000.0, 2000.0]]},
     (r"unit_cost_total\[0\] \(variant 'va'\): \[0.0, 500.0, 2500.0\]; the cost per extra unit "
      r"rises from 5 to 10 EUR after 100 units; allowed: a concave total cost")),
    ({"unit_cost_total": [[0.0, 1000.0], [0.0, 1000.0]]},
     (r"unit_cost_total has shape \(2, 2\); expected \(variants, breaks\) like "
      r"unit_cost_breaks = \(2, 3\)")),
    ({"feasible": [[True, True], [False, False]]},
     r"programme 'B' can be served by no variant \(feasible\[1\] is false throughout\)"),
    ({"feasible": [[1, 1], [0, 2]]}, r"feasible: .*; allowed: true or false"),
    ({"unit_cost_breaks": [[0.0, 100.0, 150.0], [0.0, 100.0, 300.0]],
      "feasible": [[True, True], [True, True]], "pair_cost_eur": [[1.0, 2.0], [1.0, 3.0]]},
     (r"unit_cost_breaks\[0\] \(variant 'va'\) end at 150 units; the programmes it can serve "
      r"need up to 200; allowed: breaks that reach the variant's largest possible volume")),
    ({"feasible": [[True, True], [True]]},
     r"feasible is not an array; expected \(programmes, variants\)$"),
    ({"feasible": [True, True]}, r"feasible has shape \(2,\); expected \(programmes, variants\)$"),
    ({"unit_cost_breaks": [0.0]}, (r"unit_cost_breaks has shape \(2, 1\); expected \(variants, "
                                   r"breaks\) with at least 2 breaks = \(2, 2\)")),
    ({"programmes": ["A", "A"]}, r"programmes: 'A' appears twice; allowed: unique names"),
    ({"variants": ["va", ""]}, r"variants\[1\]: ''; allowed: a non-empty name"),
    ({"partner_of": ["a", "c"], "partners": ["a", "b"]},
     r"unknown partner 'c'; available: a, b"),
    ({"partner_of": [0, 2], "partners": ["a", "b"]},
     r"partner_of\[1\] \(programme 'B'\): 2; allowed: a partner index from 0 to 1"),
    ({"partner_of": [0.0, 1.0], "partners": ["a", "b"]},
     r"partner_of\[0\] \(programme 'A'\): 0.0; allowed: a partner index"),
])
def test_bad_problems_are_one_line_errors(change, message):
    with pytest.raises(EdriveError, match=message) as err:
        FamilyProblem.from_arrays(**{**base_arrays(), **change})
    text = str(err.value)
    assert "\n" not in text and "np." not in text and text.startswith(("family: ", "unknown"))


def test_nan_pair_costs_of_infeasible_pairs_are_ignored():
    problem = FamilyProblem.from_arrays(**base_arrays())
    assert solve_family(problem).assignment == {"A": "vb", "B": "vb"}


def test_size_limit_names_its_variable(monkeypatch):
    monkeypatch.setenv("EDRIVE_MAX_FAMILY_BINARIES", "5")
    with pytest.raises(EdriveError, match=r"2 programmes x 2 variants x 2 cost segments make 6 "
                                          r"binaries; the limit is 5 "
                                          r"\(EDRIVE_MAX_FAMILY_BINARIES\)"):
        FamilyProblem.from_arrays(**base_arrays())
    monkeypatch.setenv("EDRIVE_MAX_FAMILY_BINARIES", "6")
    FamilyProblem.from_arrays(**base_arrays())


def test_bad_calls_are_one_line_errors():
    problem = FamilyProblem.from_arrays(**base_arrays())
    with pytest.raises(EdriveError, match=r"unknown partner 'bb' \(did you mean 'b'\?\)"):
        solve_family(problem, partners=["bb"])
    with pytest.raises(EdriveError, match=r"solver: time limit 0 s"):
        solve_family(problem, time_limit_s=0)
    with pytest.raises(EdriveError, match=r"solver: time limit .* gap true"):
        together_vs_alone(problem, mip_gap=True)
    with pytest.raises(EdriveError, match=r"programme 'B' cannot take variant 'va'; it does "
                                          r"not meet the programme's requirements"):
        family_cost(problem, {"A": "va", "B": "va"})
    with pytest.raises(EdriveError, match=r"family: partner 5; allowed: a partner name, one of "
                                          r"a, b$"):
        solve_family(problem, partners=[5])
    with pytest.raises(EdriveError, match=r"unknown programme 'C'"):
        family_cost(problem, {"C": "va"})
    with pytest.raises(EdriveError, match=r"unknown variant 'vc' \(did you mean 'vb' or 'va'\?\); "
                                          r"available: va, vb"):
        family_cost(problem, {"A": "vc"})
    with pytest.raises(EdriveError, match=r"assignment\[1\] \(programme 'B'\): 2; allowed: -1 "
                                          r"to 1"):
        family_cost(problem, [0, 2])
    with pytest.raises(EdriveError, match=r"assignment: \[0.5, 1.0\]; allowed: a mapping"):
        family_cost(problem, [0.5, 1.0])
