"""Cost games: the Shapley value's axioms and textbook answers, simple splits, the core and
the least core, and the errors on bad games."""

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edrive.alliance.sharing import (
    CostGame,
    core_is_empty,
    cost_game,
    equal_split,
    in_core,
    least_core,
    nucleolus,
    proportional,
    savings,
    shapley,
    sharing_report,
)
from edrive.errors import EdriveError

# two makers: A alone 100, B alone 60, together 130 (EUR m)
TWO = {"A": 100.0, "B": 60.0, ("A", "B"): 130.0}


def games(min_players=1, max_players=5):
    """Random cost games: n players, 2^n - 1 costs in EUR."""
    return st.integers(min_players, max_players).flatmap(
        lambda n: st.lists(st.floats(-1e6, 1e6), min_size=2 ** n - 1, max_size=2 ** n - 1)
        .map(lambda c: cost_game([f"p{i}" for i in range(n)], [0.0, *c])))


def by_orders(game):
    """The Shapley value as the mean marginal cost over every order of arrival."""
    total = dict.fromkeys(game.players, 0.0)
    orders = list(itertools.permutations(game.players))
    for order in orders:
        before = []
        for p in order:
            total[p] += game.cost([*before, p]) - (game.cost(before) if before else 0.0)
            before.append(p)
    return {p: v / len(orders) for p, v in total.items()}


# --- the Shapley value ------------------------------------------------------------------------

def test_two_makers_by_hand():
    game = cost_game(["A", "B"], TWO)
    # A: (100 + (130 - 60)) / 2 = 85; B: (60 + (130 - 100)) / 2 = 45
    assert shapley(game) == pytest.approx({"A": 85.0, "B": 45.0})
    assert savings(game, shapley(game)) == pytest.approx({"A": 15.0, "B": 15.0})
    assert equal_split(game) == {"A": 65.0, "B": 65.0}
    # volumes 3:1
    assert proportional(game, {"A": 3, "B": 1}) == pytest.approx({"A": 97.5, "B": 32.5})
    assert proportional(game, [3, 1]) == pytest.approx({"A": 97.5, "B": 32.5})


def test_airport_game_shares_each_runway_segment_equally_among_its_users():
    # runways 1, 3 and 6 (EUR m): segment costs 1, 2, 3 used by 3, 2 and 1 planes
    game = cost_game(["small", "medium", "large"],
                     lambda s: max({"small": 1.0, "medium": 3.0, "large": 6.0}[p] for p in s))
    assert shapley(game) == pytest.approx({"small": 1 / 3, "medium": 1 / 3 + 1,
                                           "large": 1 / 3 + 1 + 3})


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1e4), min_size=1, max_size=6))
def test_airport_game_shapley_is_littlechild_owen(runways):
    names = [f"plane{i}" for i in range(len(runways))]
    need = dict(zip(names, runways))
    game = cost_game(names, lambda s: max(need[p] for p in s))
    # Littlechild & Owen: sort by runway; segment k costs r_k - r_(k-1), shared by n - k
    ordered = sorted(runways)
    share, expected = 0.0, {}
    for k, r in enumerate(ordered):
        share += (r - (ordered[k - 1] if k else 0.0)) / (len(ordered) - k)
        expected[r] = share
    phi = shapley(game)
    for p in names:
        assert phi[p] == pytest.approx(expected[need[p]], abs=1e-9)
    assert in_core(game, phi).in_core  # airport games are concave: Shapley is in the core


@settings(max_examples=60, deadline=None)
@given(games())
def test_shapley_is_efficient_and_the_mean_over_arrival_orders(game):
    phi = shapley(game)
    assert math.fsum(phi.values()) == pytest.approx(game.grand_cost_eur, abs=1e-6)
    assert phi == pytest.approx(by_orders(game), abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(games(min_players=2), st.data())
def test_symmetric_players_pay_the_same(game, data):
    i, j = data.draw(st.lists(st.integers(0, game.n - 1), min_size=2, max_size=2, unique=True))

    def swap(m):
        bi, bj = m >> i & 1, m >> j & 1
        return m & ~(1 << i | 1 << j) | bi << j | bj << i

    cost = np.array([game.cost_eur[min(m, swap(m))] for m in range(2 ** game.n)])
    sym = CostGame(game.players, cost)
    phi = shapley(sym)
    assert phi[game.players[i]] == pytest.approx(phi[game.players[j]], abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(games(max_players=4))
def test_a_player_who_adds_no_cost_pays_nothing(game):
    # a new last player: c(S + null) = c(S)
    cost = np.concatenate([game.cost_eur, game.cost_eur])
    with_null = CostGame((*game.players, "null"), cost)
    phi = shapley(with_null)
    assert phi["null"] == pytest.approx(0.0, abs=1e-6)
    assert {p: phi[p] for p in game.players} == pytest.approx(shapley(game), abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(games(), st.data())
def test_shapley_is_additive(game, data):
    other = data.draw(st.lists(st.floats(-1e6, 1e6), min_size=2 ** game.n - 1,
                               max_size=2 ** game.n - 1))
    second = cost_game(game.players, [0.0, *other])
    both = CostGame(game.players, game.cost_eur + second.cost_eur)
    one, two = shapley(game), shapley(second)
    assert shapley(both) == pytest.approx({p: one[p] + two[p] for p in game.players},
                                          abs=1e-6)


# --- the core ---------------------------------------------------------------------------------

def test_equal_split_is_blocked_by_the_smaller_maker():
    game = cost_game(["A", "B"], TWO)
    ok, coalition, excess = in_core(game, equal_split(game))
    # B pays 65 together, 60 alone
    assert not ok and coalition == {"B"} and excess == pytest.approx(5.0)
    check = in_core(game, shapley(game))
    # each saves 15: the tightest coalition has excess -15
    assert check.in_core and check.excess_eur == pytest.approx(-15.0)


THREE = {"1": 6, "2": 6, "3": 6, ("1", "2"): 10, ("1", "3"): 10, ("2", "3"): 10,
         ("1", "2", "3"): 14}


def test_core_checks_by_hand():
    game = cost_game(["1", "2", "3"], THREE)
    # (5, 5, 4): {1,2} pays 10 = c, {1,3} and {2,3} 9, each alone at most 5
    ok, coalition, excess = in_core(game, [5, 5, 4])
    assert ok and coalition == {"1", "2"} and excess == pytest.approx(0.0)
    # (6, 6, 2): {1,2} pays 12 > 10
    ok, coalition, excess = in_core(game, {"1": 6, "2": 6, "3": 2})
    assert not ok and coalition == {"1", "2"} and excess == pytest.approx(2.0)
    # (4, 4, 4) recovers 12 of 14
    ok, coalition, excess = in_core(game, [4, 4, 4])
    assert not ok and coalition == {"1", "2", "3"} and excess == pytest.approx(-2.0)


def test_least_core_by_hand():
    game = cost_game(["1", "2", "3"], THREE)
    # adding the three pair rows: 2 x 14 <= 30 + 3 eps, so eps >= -2/3, at x = 14/3 each
    least = least_core(game)
    assert least.epsilon_eur == pytest.approx(-2 / 3, abs=1e-7)
    assert least.allocation == pytest.approx(dict.fromkeys("123", 14 / 3), abs=1e-7)
    assert least.solver["status"] == "optimal"
    assert not core_is_empty(game)


def test_glove_game_core_is_the_right_glove_owners_alone():
    # value v(S) = pairs of gloves S can make; as a cost game c = -v
    hands = {"left1": "L", "left2": "L", "right": "R"}
    game = cost_game(list(hands), lambda s: -min(sum(hands[p] == "L" for p in s),
                                                sum(hands[p] == "R" for p in s)))
    # the core's only point: the right glove's owner takes the whole gain
    assert in_core(game, {"left1": 0, "left2": 0, "right": -1}).in_core
    ok, coalition, excess = in_core(game, {"left1": -0.5, "left2": 0, "right": -0.5})
    assert not ok and coalition == {"left2", "right"} and excess == pytest.approx(0.5)
    # Shapley: the right glove 2/3 of the gain, each left 1/6; not in the core
    assert shapley(game) == pytest.approx({"left1": -1 / 6, "left2": -1 / 6, "right": -2 / 3})
    assert not in_core(game, shapley(game)).in_core
    least = least_core(game)
    assert least.epsilon_eur == pytest.approx(0.0, abs=1e-7) and not core_is_empty(game)
    assert least.allocation == pytest.approx({"left1": 0, "left2": 0, "right": -1}, abs=1e-7)


@pytest.mark.parametrize("scale", [1.0, 1e9])
def test_three_player_game_with_an_empty_core(scale):
    # alone 1, any pair 1, all three 1.8: the pairs allow at most 3/2 < 1.8
    game = cost_game(["a", "b", "c"], lambda s: scale * (1.8 if len(s) == 3 else 1.0))
    assert core_is_empty(game)
    least = least_core(game)
    # 2 x 1.8 <= 3 + 3 eps: eps = 0.2, every pair tight at 0.6 each
    assert least.epsilon_eur == pytest.approx(0.2 * scale, rel=1e-7)
    assert least.allocation == pytest.approx(dict.fromkeys("abc", 0.6 * scale), rel=1e-7)
    assert not in_core(game, shapley(game)).in_core


def test_one_player_game():
    game = cost_game(["solo"], {"solo": 7.0})
    assert shapley(game) == equal_split(game) == {"solo": 7.0}
    assert in_core(game, [7.0]).in_core and not in_core(game, [6.0]).in_core
    least = least_core(game)
    assert least.epsilon_eur == -math.inf and least.to_dict()["epsilon_eur"] is None
    assert not core_is_empty(game)


def test_sharing_report():
    game = cost_game(["A", "B"], TWO)
    out = sharing_report(game, weights={"A": 3, "B": 1})
    assert out["grand_coalition_eur"] == 130.0 and out["saving_eur"] == 30.0
    assert out["alone_eur"] == {"A": 100.0, "B": 60.0}
    assert set(out["rules"]) == {"shapley", "nucleolus", "equal_split", "proportional"}
    eq = out["rules"]["equal_split"]
    assert not eq["in_core"] and eq["tightest_coalition"] == ["B"]
    assert eq["saving_eur"] == {"A": 35.0, "B": -5.0}
    assert out["rules"]["proportional"]["in_core"] and not out["core_empty"]
    # the least core of two players: each saves half of 30
    assert out["least_core"]["epsilon_eur"] == pytest.approx(-15.0)
    assert json.loads(json.dumps(out, allow_nan=False)) == out


def test_nucleolus_by_hand():
    # two players: each saves half of the joint saving, as with Shapley
    assert nucleolus(cost_game(["A", "B"], TWO)) == pytest.approx({"A": 85, "B": 45})
    # airport game, runways 1, 3, 6. Step 1: x1 <= 1 + e and x1 >= -e (from {2,3}) give
    # e = -1/2, x1 = 1/2. Step 2: x2 <= 5/2 + e (from {1,2}) and x2 >= -e (from {1,3})
    # give e = -5/4, x2 = 5/4, x3 = 6 - 1/2 - 5/4
    airport = cost_game(["1", "2", "3"], lambda s: max({"1": 1.0, "2": 3.0, "3": 6.0}[p]
                                                       for p in s))
    assert nucleolus(airport) == pytest.approx({"1": 0.5, "2": 1.25, "3": 4.25}, abs=1e-7)
    assert nucleolus(cost_game(["solo"], [0, 3.0])) == {"solo": 3.0}


def test_nucleolus_is_the_core_point_or_the_least_core_centre():
    hands = {"left1": "L", "left2": "L", "right": "R"}
    glove = cost_game(list(hands), lambda s: -min(sum(hands[p] == "L" for p in s),
                                                 sum(hands[p] == "R" for p in s)))
    assert nucleolus(glove) == pytest.approx({"left1": 0, "left2": 0, "right": -1}, abs=1e-7)
    empty = cost_game(["a", "b", "c"], lambda s: 1.8 if len(s) == 3 else 1.0)
    assert nucleolus(empty) == pytest.approx(dict.fromkeys("abc", 0.6), abs=1e-7)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 1e4), min_size=2, max_size=6))
def test_nucleolus_is_in_a_non_empty_core(runways):
    names = [f"plane{i}" for i in range(len(runways))]
    game = cost_game(names, lambda s: max(runways[names.index(p)] for p in s))
    x = nucleolus(game)
    assert math.fsum(x.values()) == pytest.approx(game.grand_cost_eur, abs=1e-6)
    assert in_core(game, x).excess_eur <= 1e-6 * max(1.0, max(runways))


@settings(max_examples=30, deadline=None)
@given(games(min_players=2, max_players=4))
def test_nucleolus_is_in_the_least_core(game):
    x = nucleolus(game)
    assert math.fsum(x.values()) == pytest.approx(game.grand_cost_eur, abs=1e-6)
    excess = game.members() @ np.array(list(x.values())) - game.cost_eur
    # HiGHS solves each LP to a feasibility tolerance relative to the game's scale
    tolerance = 1e-5 + 1e-6 * float(np.abs(game.cost_eur).max())
    assert excess[1:game.grand_mask].max() == pytest.approx(least_core(game).epsilon_eur,
                                                            abs=tolerance)


# --- building games ---------------------------------------------------------------------------

def test_the_three_ways_to_give_costs_agree():
    calls = []

    def cost(s):
        calls.append(s)
        return TWO[next(iter(s))] if len(s) == 1 else TWO[("A", "B")]

    by_function = cost_game(["A", "B"], cost)
    assert calls == [frozenset({"A"}), frozenset({"B"}), frozenset({"A", "B"})]
    by_mapping = cost_game(["A", "B"], {frozenset({"A"}): 100, frozenset({"B"}): 60,
                                        frozenset({"A", "B"}): 130, frozenset(): 0})
    by_array = cost_game(["A", "B"], np.array([0, 100, 60, 130]))
    for game in (by_function, by_mapping, by_array):
        assert game.cost_eur.tolist() == [0.0, 100.0, 60.0, 130.0]
        assert game.cost({"B", "A"}) == 130.0 and game.cost("B") == 60.0


def test_player_limit_and_its_override(monkeypatch):
    players = [f"p{i}" for i in range(11)]
    with pytest.raises(EdriveError, match=r"11 players; the limit is 10 "
                                          r"\(EDRIVE_MAX_SHARING_PLAYERS\)"):
        cost_game(players, lambda s: 1.0)
    monkeypatch.setenv("EDRIVE_MAX_SHARING_PLAYERS", "11")
    game = cost_game(players, lambda s: float(len(s)))
    assert shapley(game) == pytest.approx(dict.fromkeys(players, 1.0))


@pytest.mark.parametrize("players, costs, message", [
    (["A", "B"], {"A": 1, "B": 2, ("A", "C"): 3},
     "coalition {A, C}: unknown player 'C'"),
    (["bmw_like", "jlr_like"], {"bmw_like": 1, "jlr_lke": 2},
     "unknown player 'jlr_lke' (did you mean 'jlr_like'"),
    (["A", "B"], {"A": 1, "B": 2}, r"coalition {A, B} has no cost (1 of 3 missing)"),
    (["A", "B"], {"A": 1, "B": 2, ("A", "B"): 3, ("B", "A"): 3},
     "coalition {B, A} given twice"),
    (["A", "B"], {"A": 1, "B": float("nan"), ("A", "B"): 3},
     "coalition {B}: nan; expected a finite number"),
    (["A", "B"], {"A": 1, "B": True, ("A", "B"): 3}, "coalition {B}: true; expected a number"),
    (["A", "B"], {"A": 1, "B": "60", ("A", "B"): 3}, "coalition {B}: '60'; expected a number"),
    (["A", "B"], {(): 5, "A": 1, "B": 2, ("A", "B"): 3}, "the empty coalition costs 5"),
    (["A", "B"], [0, 1, 2], "3 costs for 2 players; expected 4"),
    (["A", "B"], [1, 1, 2, 3], "the empty coalition costs 1"),
    (["A", "B"], [0, 1, np.inf, 3], "coalition {B}: inf"),
    (["A", "B"], np.array([False, True, True, True]), "expected one number per coalition"),
    (["A", "B"], "costs", "expected a mapping coalition -> EUR"),
    (["A", "B"], None, "costs null; expected a mapping coalition -> EUR"),
    (["A", "B"], lambda s: np.float64("nan"), "coalition {A}: nan"),
    (["A", "A"], [0, 1, 2, 3], "player 'A': given twice"),
    ([], [0], "no players"),
    ("AB", [0, 1, 2, 3], "expected a list of names"),
    ([1, 2], [0, 1, 2, 3], "player 1: expected a name"),
])
def test_bad_games_are_one_line_errors(players, costs, message):
    with pytest.raises(EdriveError) as err:
        cost_game(players, costs)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_long_names_are_cut_in_messages():
    long = "x" * 5000
    with pytest.raises(EdriveError) as err:
        cost_game([long, "B"], {long[:4000]: 1.0})
    text = str(err.value)
    assert "did you mean 'xxx" in text and len(text) < 700 and "\n" not in text


@pytest.mark.parametrize("call, message", [
    (lambda g: in_core(g, {"A": 65, "b": 65}), "allocation: unknown player 'b'"),
    (lambda g: in_core(g, {"A": 65}), "allocation: no value for player 'B'"),
    (lambda g: in_core(g, [65, 65, 0]), "allocation: 3 values for 2 players"),
    (lambda g: in_core(g, [65, None]), "allocation of 'B': null; expected a number"),
    (lambda g: savings(g, 130), "allocation: 130; expected one number per player"),
    (lambda g: proportional(g, {"A": -1, "B": 2}), "sharing weight of 'A': -1; allowed: 0 or"),
    (lambda g: proportional(g, [0, 0]), "sharing weights: all 0"),
    (lambda g: proportional(g, [1, np.float64("inf")]), "sharing weight of 'B': inf"),
    (lambda g: g.cost(["A", "C"]), "unknown player 'C'"),
])
def test_bad_allocations_and_weights_are_one_line_errors(call, message):
    game = cost_game(["A", "B"], TWO)
    with pytest.raises(EdriveError) as err:
        call(game)
    assert message in str(err.value) and "\n" not in str(err.value)
