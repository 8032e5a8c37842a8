"""Sharing a joint cost between partners: cooperative cost games, the Shapley value, simple
splits, and the core.

A cost game on the players N gives every coalition S (a non-empty subset of N) its cost
c(S) [EUR]: what S pays if its members work together and without the others, e.g. the
optimum of the drive-unit family chosen for S's programmes alone; c(empty) = 0. A sharing
rule splits c(N) into an allocation x (one amount per player, sum x_i = c(N)); player i's
saving against going alone is c({i}) - x_i.

* **Shapley value** (Shapley, *A value for n-person games*, 1953): each player pays its
  marginal cost averaged over every order in which the coalition could form,

      phi_i = sum over S in N \\ {i} of |S|! (n - |S| - 1)! / n! (c(S + i) - c(S))      (1)

  the only rule that is efficient (sum phi_i = c(N)), symmetric, gives a player who adds no
  cost nothing, and is additive over games. In the airport game (c(S) the longest runway S
  needs) it charges each runway segment in equal shares to the planes that use it
  (Littlechild & Owen, *A simple expression for the Shapley value in a special case*, Mgmt.
  Sci. 20, 1973).
* **Equal split** c(N) / n, and **proportional** c(N) w_i / sum w (e.g. w the volumes).
* **Core**: the allocations that no coalition would leave, x(N) = c(N) and x(S) <= c(S) for
  every S. The *excess* of S under x is e(S) = x(S) - c(S); S blocks x when e(S) > 0.
  :func:`in_core` checks every coalition (exact). The **least core** (Maschler, Peleg &
  Shapley, 1979) is the smallest epsilon with an allocation x(S) <= c(S) + epsilon for every
  proper coalition S, solved as a linear programme on HiGHS (:func:`least_core`); the core
  is empty exactly when epsilon > 0 (:func:`core_is_empty`).
* **Nucleolus** (:func:`nucleolus`): the allocation whose excesses, sorted from the largest,
  are lexicographically smallest; in the least core, so in the core when the core is not
  empty.

Costs are held in an array indexed by bitmask: coalition S is the integer with bit i set
for each member ``players[i]``. Building a game takes 2^n - 1 coalition costs, so a game has
at most ``MAX_SHARING_PLAYERS`` players (10; environment variable
``EDRIVE_MAX_SHARING_PLAYERS``). Comparisons with c(S) allow a rounding tolerance of
``CORE_TOLERANCE`` times the largest coalition cost in EUR (or times 1, if that is larger).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import EdriveError, format_value, suggest
from ..limits import limit
from .solver import solve_lp

MAX_SHARING_PLAYERS = 10
CORE_TOLERANCE = 1e-9  # relative to the largest coalition cost
DUAL_TOLERANCE = 1e-9  # a row's dual below -this: the row is tight at every optimum
COALITION_CHARS_MAX = 200  # longest rendering of a coalition in a message


def _real(value, what: str, low: float | None = None) -> float:
    """``value`` as a finite float (at least ``low`` when given); a boolean, text or NaN is an
    error naming ``what``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer
                                                             | np.floating):
        raise EdriveError(f"{what}: {format_value(value)}; expected a number")
    number = float(value)
    if not math.isfinite(number):
        raise EdriveError(f"{what}: {format_value(value)}; expected a finite number")
    if low is not None and number < low:
        raise EdriveError(f"{what}: {format_value(value)}; allowed: {low:g} or more")
    return number


def _check_players(players) -> tuple[str, ...]:
    """The players as a tuple of distinct names, within the limit on their number."""
    if isinstance(players, str) or not isinstance(players, Iterable):
        raise EdriveError(f"cost game players: {format_value(players)}; expected a list of "
                          "names")
    players = tuple(players)
    most = limit("EDRIVE_MAX_SHARING_PLAYERS", MAX_SHARING_PLAYERS)
    if len(players) > most:
        raise EdriveError(f"cost game: {len(players):,} players; the limit is {most:,} "
                          "(EDRIVE_MAX_SHARING_PLAYERS), as every one of the 2^n - 1 "
                          "coalitions is costed")
    if not players:
        raise EdriveError("cost game: no players; expected at least one")
    seen = set()
    for p in players:
        if not isinstance(p, str) or not p.strip():
            raise EdriveError(f"cost game player {format_value(p)}: expected a name (text)")
        if p in seen:
            raise EdriveError(f"cost game player {format_value(p)}: given twice")
        seen.add(p)
    return players


def _coalition_text(names: Iterable[str]) -> str:
    """Names for a message, ``{a, b}``, cut at ``COALITION_CHARS_MAX`` characters."""
    text = "{" + ", ".join(names) + "}"
    if len(text) > COALITION_CHARS_MAX:
        text = text[:COALITION_CHARS_MAX - 4] + "...}"
    return text


@dataclass(frozen=True, eq=False)
class CostGame:
    """A cost game: ``players`` and ``cost_eur[mask]``, the cost of the coalition whose
    members are the set bits of ``mask`` (``cost_eur[0]`` = 0). Build one with
    :func:`cost_game`."""

    players: tuple[str, ...]
    cost_eur: np.ndarray

    def __post_init__(self):
        players = _check_players(self.players)
        cost = np.asarray(self.cost_eur)
        if cost.dtype.kind not in "iuf" or cost.ndim != 1:
            raise EdriveError(f"cost game: costs {format_value(self.cost_eur)}; expected one "
                              "number per coalition")
        if cost.size != 2 ** len(players):
            raise EdriveError(f"cost game: {cost.size:,} costs for {len(players)} players; "
                              f"expected {2 ** len(players):,} (one per coalition, indexed "
                              "by bitmask, the empty coalition's first)")
        cost = cost.astype(float)
        bad = np.flatnonzero(~np.isfinite(cost))
        if bad.size:
            raise EdriveError(f"cost game: coalition {self.label(int(bad[0]))}: "
                              f"{format_value(cost[bad[0]])}; expected a finite number")
        if cost[0] != 0:
            raise EdriveError(f"cost game: the empty coalition costs {format_value(cost[0])}; "
                              "it must cost 0")
        cost.flags.writeable = False
        object.__setattr__(self, "players", players)
        object.__setattr__(self, "cost_eur", cost)

    @property
    def n(self) -> int:
        return len(self.players)

    @property
    def grand_mask(self) -> int:
        return (1 << self.n) - 1

    def mask(self, coalition: Iterable[str] | str) -> int:
        """The bitmask of ``coalition`` (names; one name alone is a coalition of one)."""
        names = (coalition,) if isinstance(coalition, str) else tuple(coalition)
        index = {p: i for i, p in enumerate(self.players)}
        mask = 0
        for name in names:
            if name not in index:
                raise EdriveError(f"cost game: coalition {_coalition_text(map(str, names))}: "
                                  f"unknown player {format_value(name)}"
                                  f"{suggest(str(name), self.players)}; players: "
                                  f"{_coalition_text(self.players)}")
            mask |= 1 << index[name]
        return mask

    def coalition(self, mask: int) -> frozenset[str]:
        return frozenset(p for i, p in enumerate(self.players) if mask >> i & 1)

    def label(self, mask: int) -> str:
        """The coalition of ``mask`` for a message: ``{a, b}`` in player order."""
        return _coalition_text(p for i, p in enumerate(self.players) if mask >> i & 1)

    def cost(self, coalition: Iterable[str] | str) -> float:
        """c(S) [EUR] of the coalition named."""
        return float(self.cost_eur[self.mask(coalition)])

    @property
    def grand_cost_eur(self) -> float:
        """c(N) [EUR]."""
        return float(self.cost_eur[self.grand_mask])

    @property
    def alone_eur(self) -> dict[str, float]:
        """Each player's cost alone, c({i}) [EUR]."""
        return {p: float(self.cost_eur[1 << i]) for i, p in enumerate(self.players)}

    def members(self) -> np.ndarray:
        """(2^n, n) 0/1 matrix: row ``mask`` marks the members of that coalition."""
        return (np.arange(2 ** self.n)[:, None] >> np.arange(self.n)[None, :]) & 1

    def tolerance_eur(self) -> float:
        return CORE_TOLERANCE * max(1.0, float(np.abs(self.cost_eur).max()))


def cost_game(players: Sequence[str],
              costs: Mapping | Sequence[float] | np.ndarray | Callable[[frozenset], float]
              ) -> CostGame:
    """A cost game on ``players`` from ``costs``, one of

    * a mapping coalition -> EUR with every non-empty coalition once; a coalition is a
      frozenset (or any collection) of player names, or one name for a coalition of one;
    * an array of 2^n costs indexed by bitmask (bit i: ``players[i]``; the first, the empty
      coalition's, 0);
    * a callable ``coalition_cost(frozenset_of_names) -> EUR``, called once for each
      non-empty coalition, the singletons first (e.g. each coalition's standalone optimum of
      the family choice).
    """
    players = _check_players(players)
    n = len(players)
    if callable(costs):
        cost = np.zeros(2 ** n)
        for mask in sorted(range(1, 2 ** n), key=lambda m: (m.bit_count(), m)):
            names = [p for i, p in enumerate(players) if mask >> i & 1]
            cost[mask] = _real(costs(frozenset(names)),
                               f"cost game: coalition {_coalition_text(names)}")
        return CostGame(players, cost)
    if isinstance(costs, Mapping):
        return CostGame(players, _costs_from_mapping(players, costs))
    if not isinstance(costs, list | tuple | np.ndarray):
        raise EdriveError(f"cost game: costs {format_value(costs)}; expected a mapping "
                          "coalition -> EUR, an array by bitmask or a function")
    return CostGame(players, np.asarray(costs))


def _costs_from_mapping(players: tuple[str, ...], costs: Mapping) -> np.ndarray:
    index = {p: i for i, p in enumerate(players)}
    cost = np.full(2 ** len(players), np.nan)
    cost[0] = 0.0
    for key, value in costs.items():
        names = (key,) if isinstance(key, str) else tuple(key) if isinstance(key, Iterable) \
            else (key,)
        text = _coalition_text(map(str, names))
        mask = 0
        for name in names:
            if name not in index:
                raise EdriveError(f"cost game: coalition {text}: unknown player "
                                  f"{format_value(name)}{suggest(str(name), players)}; "
                                  f"players: {_coalition_text(players)}")
            mask |= 1 << index[name]
        value = _real(value, f"cost game: coalition {text}")
        if mask == 0:
            if value != 0:
                raise EdriveError(f"cost game: the empty coalition costs {format_value(value)}; "
                                  "it must cost 0")
            continue
        if not np.isnan(cost[mask]):
            raise EdriveError(f"cost game: coalition {text} given twice")
        cost[mask] = value
    missing = np.flatnonzero(np.isnan(cost))
    if missing.size:
        first = _coalition_text(p for i, p in enumerate(players) if missing[0] >> i & 1)
        raise EdriveError(f"cost game: coalition {first} has no cost ({missing.size} of "
                          f"{2 ** len(players) - 1} missing); every non-empty coalition needs "
                          "one")
    return cost


# --- sharing rules ----------------------------------------------------------------------------

def shapley(game: CostGame) -> dict[str, float]:
    """Eq. (1): each player's Shapley value [EUR], exact over all coalitions."""
    n = game.n
    masks = np.arange(2 ** n)
    size = np.array([m.bit_count() for m in range(2 ** n)])
    fact = np.array([math.factorial(k) for k in range(n + 1)], dtype=float)
    weight = fact[size] * fact[np.clip(n - size - 1, 0, None)] / fact[n]
    out = {}
    for i, p in enumerate(game.players):
        without = masks[(masks >> i & 1) == 0]
        marginal = game.cost_eur[without | 1 << i] - game.cost_eur[without]
        out[p] = float(np.dot(weight[without], marginal))
    return out


def equal_split(game: CostGame) -> dict[str, float]:
    """c(N) / n for every player [EUR]."""
    return {p: game.grand_cost_eur / game.n for p in game.players}


def proportional(game: CostGame, weights: Mapping[str, float] | Sequence[float]
                 ) -> dict[str, float]:
    """c(N) w_i / sum w [EUR] for weights ``w`` (e.g. volumes; >= 0, not all 0), given by
    player name or in player order."""
    w = _per_player(game, weights, "sharing weight", low=0.0)
    if w.sum() <= 0:
        raise EdriveError("sharing weights: all 0; at least one must be above 0")
    return {p: float(game.grand_cost_eur * wi / w.sum()) for p, wi in zip(game.players, w)}


def savings(game: CostGame, allocation: Mapping[str, float] | Sequence[float]
            ) -> dict[str, float]:
    """Each player's saving against going alone, c({i}) - x_i [EUR]."""
    x = _per_player(game, allocation, "allocation")
    return {p: float(game.alone_eur[p] - xi) for p, xi in zip(game.players, x)}


def _per_player(game: CostGame, values, what: str, low: float | None = None) -> np.ndarray:
    """One finite number (at least ``low``) per player, from a mapping by name or a sequence
    in player order."""
    if isinstance(values, Mapping):
        for name in values:
            if name not in game.players:
                raise EdriveError(f"{what}: unknown player {format_value(name)}"
                                  f"{suggest(str(name), game.players)}; players: "
                                  f"{_coalition_text(game.players)}")
        for p in game.players:
            if p not in values:
                raise EdriveError(f"{what}: no value for player {format_value(p)}; expected "
                                  "one per player")
        return np.array([_real(values[p], f"{what} of {format_value(p)}", low)
                         for p in game.players])
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise EdriveError(f"{what}: {format_value(values)}; expected one number per player")
    values = list(values)
    if len(values) != game.n:
        raise EdriveError(f"{what}: {len(values)} values for {game.n} players; expected one "
                          "per player")
    return np.array([_real(v, f"{what} of {format_value(p)}", low)
                     for p, v in zip(game.players, values)])


# --- the core ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CoreCheck:
    """Whether an allocation is in the core; unpacks as ``(in_core, coalition, excess_eur)``.

    For an allocation that shares exactly c(N), ``coalition`` is the proper coalition with
    the largest excess x(S) - c(S): it blocks the allocation when the excess is above 0, and
    otherwise ``-excess_eur`` is the core's slack, the least any coalition gains by staying.
    An allocation that does not add up to c(N) is not in the core: the coalition is then the
    grand coalition and the excess x(N) - c(N) (above 0: more than the cost is charged).
    """

    in_core: bool
    coalition: frozenset[str]
    excess_eur: float

    def __iter__(self):
        return iter((self.in_core, self.coalition, self.excess_eur))


def in_core(game: CostGame, allocation: Mapping[str, float] | Sequence[float]) -> CoreCheck:
    """Check ``allocation`` (EUR by player) against every coalition (exact)."""
    x = _per_player(game, allocation, "allocation")
    tol = game.tolerance_eur()
    full = game.grand_mask
    gap = float(x.sum()) - game.grand_cost_eur
    if abs(gap) > tol or game.n == 1:
        return CoreCheck(abs(gap) <= tol, game.coalition(full), gap)
    excess = game.members() @ x - game.cost_eur
    excess[[0, full]] = -np.inf
    worst = int(np.argmax(excess))
    return CoreCheck(bool(excess[worst] <= tol), game.coalition(worst), float(excess[worst]))


@dataclass(frozen=True)
class LeastCore:
    """The least-core epsilon [EUR] (<= 0: the core is not empty; -inf for a one-player
    game, which has no proper coalition), an allocation that attains it, and the solver's
    report."""

    epsilon_eur: float
    allocation: dict[str, float]
    solver: dict

    def to_dict(self) -> dict:
        eps = self.epsilon_eur if math.isfinite(self.epsilon_eur) else None
        return {"epsilon_eur": eps, "allocation_eur": self.allocation, "solver": self.solver}


def _excess_lp(game: CostGame, free: np.ndarray, fixed: list[int], fixed_eps: list[float]):
    """min epsilon s.t. x(S) - epsilon <= c(S) for the coalitions ``free`` (bitmasks),
    x(S) = c(S) + e_S for the coalitions ``fixed`` with their excesses ``fixed_eps``, and
    x(N) = c(N); costs scaled by the largest for the solve. The solution in EUR and the
    solver's duals of the ``free`` rows."""
    scale = max(1.0, float(np.abs(game.cost_eur).max()))
    cost = game.cost_eur / scale
    members = game.members().astype(float)
    a_ub = np.hstack([members[free], -np.ones((free.size, 1))])
    equal = [game.grand_mask, *fixed]
    a_eq = np.hstack([members[equal], np.zeros((len(equal), 1))])
    b_eq = cost[equal] + np.array([0.0, *fixed_eps]) / scale
    sol = solve_lp(np.append(np.zeros(game.n), 1.0), a_ub, cost[free], a_eq, b_eq,
                   x_lb=None, x_ub=None)
    if not sol.feasible:
        raise EdriveError(f"cost game: the least-core linear programme ended with status "
                          f"{format_value(sol.status)}")
    report = sol.report()
    report["objective"] = report["bound"] = sol.objective * scale
    return sol.x[:-1] * scale, float(sol.x[-1] * scale), sol.duals_ub, report


def least_core(game: CostGame) -> LeastCore:
    """min epsilon s.t. x(S) - epsilon <= c(S) for every proper coalition S, x(N) = c(N),
    a linear programme on HiGHS."""
    if game.n == 1:
        return LeastCore(-math.inf, {game.players[0]: game.grand_cost_eur},
                         {"status": "not solved: no proper coalition"})
    x, eps, _, report = _excess_lp(game, np.arange(1, game.grand_mask), [], [])
    return LeastCore(eps, dict(zip(game.players, map(float, x))), report)


def nucleolus(game: CostGame) -> dict[str, float]:
    """The allocation that makes the largest excess as small as possible, then the next
    largest, and so on (Schmeidler, *The nucleolus of a characteristic function game*, SIAM
    J. Appl. Math. 17, 1969); in the core whenever the core is not empty.

    Solved as a sequence of least-core linear programmes: after each, the coalitions whose
    rows have a non-zero dual are tight at every optimum and are fixed at that excess;
    coalitions whose member vectors lie in the span of the fixed ones have a determined
    excess and leave too. Each step adds at least one independent coalition, so at most n
    programmes are solved.
    """
    if game.n == 1:
        return {game.players[0]: game.grand_cost_eur}
    members = game.members().astype(float)
    free = np.arange(1, game.grand_mask)
    fixed: list[int] = []
    fixed_eps: list[float] = []
    while True:
        x, eps, duals, _ = _excess_lp(game, free, fixed, fixed_eps)
        tight = np.flatnonzero(duals < -DUAL_TOLERANCE)
        if not tight.size:  # a dual solution sums to 1 over these rows: never empty
            tight = np.array([int(np.argmin(duals))])
        fixed += free[tight].tolist()
        fixed_eps += [eps] * tight.size
        span = members[[game.grand_mask, *fixed]]
        _, sv, vt = np.linalg.svd(span)
        basis = vt[:int((sv > 1e-9 * sv[0]).sum())]
        if len(basis) == game.n:
            return dict(zip(game.players, map(float, x)))
        rest = np.delete(free, tight)
        residual = members[rest] - members[rest] @ basis.T @ basis
        free = rest[np.linalg.norm(residual, axis=1) > 1e-9]


def core_is_empty(game: CostGame) -> bool:
    """Whether no allocation satisfies every coalition: the least-core epsilon is above 0
    (beyond the rounding tolerance)."""
    return least_core(game).epsilon_eur > game.tolerance_eur()


def sharing_report(game: CostGame, weights: Mapping[str, float] | Sequence[float] | None = None
                   ) -> dict:
    """c(N) split by each rule (Shapley, nucleolus, equal split, and proportional to
    ``weights`` when given), with each player's saving against going alone, whether the split is in the core
    and its tightest coalition; the least core; JSON-ready."""
    rules = {"shapley": shapley(game), "nucleolus": nucleolus(game),
             "equal_split": equal_split(game)}
    if weights is not None:
        rules["proportional"] = proportional(game, weights)
    least = least_core(game)
    out = {"players": list(game.players), "grand_coalition_eur": game.grand_cost_eur,
           "alone_eur": game.alone_eur,
           "saving_eur": sum(game.alone_eur.values()) - game.grand_cost_eur,
           "rules": {}, "core_empty": least.epsilon_eur > game.tolerance_eur(),
           "least_core": least.to_dict()}
    for name, allocation in rules.items():
        check = in_core(game, allocation)
        out["rules"][name] = {"allocation_eur": allocation,
                              "saving_eur": savings(game, allocation),
                              "in_core": check.in_core,
                              "tightest_coalition": [p for p in game.players
                                                     if p in check.coalition],
                              "excess_eur": check.excess_eur}
    return out
