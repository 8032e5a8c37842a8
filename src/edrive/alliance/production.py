"""Production: which plant builds each drive-unit variant for which market, year by year, and
when a plant adds capacity.

For variants v, plants l, markets m and plan years t = 1..T, a mixed-integer linear
programme on HiGHS (:mod:`edrive.alliance.solver`)::

    min  sum_{v,l,m,t} c[v,l,m] x[v,l,m,t] + sum_l F_l e[l,T]                            (1)
    c[v,l,m] = u_v k_l (1 + tau_lm) + g_lm                                                 (2)
    sum_l x[v,l,m,t] = d[v,m,t]                                  demand met                (3)
    sum_{v,m} x[v,l,m,t] <= K_l + s_l e[l,t]                     capacity                  (4)
    0 <= e[l,1] <= ... <= e[l,T] <= n_l, e integer               expansion steps           (5)
    sum_{l owned by p} sum_{v,m} x[v,l,m,t] >= w_p sum_{v,l,m} x[v,l,m,t]   work share     (6)

with x the units a year [units], u_v the variable cost of one unit of variant v in a plant
of cost factor 1 [EUR], k_l the plant's cost factor, tau_lm the tariff into market m as a
share of the unit's value (its cost at the plant, u_v k_l), g_lm the logistics per unit
[EUR], K_l the plant's capacity [units a year], s_l the units one expansion step adds, F_l
the fixed cost of a step [EUR], n_l the most steps, and w_p the least share of each year's
units that partner p's own plants build (an alliance work-share agreement). x exists only
where the plant may build the variant (``eligible``: a partner that forbids a plant sets
it false for the variants its cars use) and ships to the market (``route``).

* Expansion is cumulative: a step added in year t adds capacity from year t on and its fixed
  cost falls in year t; the total is ``F_l e[l,T]`` (the yearly increments telescope). The
  solution adds each step in the first year the chosen volumes need it, which leaves the
  cost unchanged.
* x is continuous: plan volumes are thousands to hundreds of thousands of units per plant,
  market and year, so rounding to whole units moves the cost by less than one unit's cost
  per cell, far below the solver's gap; only the L x T expansion counts are integers.
* Demand beyond what the plants can build at their last expansion step does not make the
  plan fail. Unmet demand is a slack with a lexicographic penalty (any unit met outweighs
  any cost): a linear programme at full expansion finds the least unmet demand in each
  year, and, with work shares, a second one the least work-share shortfall given it; the
  programme (1)-(6) then allows at most those shortfalls, prices each unit of slack above
  any unit built, and chooses by cost which demand gives. The solution names each variant, market and year that had to give, how many
  units, and the plants that were full.
* Shadow prices: with the expansion steps fixed at the optimum and the demand as served,
  (1)-(4), (6) is a linear programme; the dual of (4) is what one more unit of capacity of
  plant l in year t would save [EUR per unit].

A problem has at most ``MAX_PRODUCTION_CELLS`` variant x plant x market x year cells
(500,000; environment variable ``EDRIVE_MAX_PRODUCTION_CELLS``); volumes and capacities
are at most ``volume.MAX_ANNUAL_UNITS`` units a year (``EDRIVE_MAX_ANNUAL_UNITS``), money
figures at most ``EUR_MAX`` (EUR 1e12), cost factors at most ``COST_FACTOR_MAX`` (100) and
tariff shares at most ``TARIFF_SHARE_MAX`` (10, a duty of 1000 %). The 30 variants x 3
plants x 5 markets x 8 years of ``benchmarks/bench_plan_production.py`` solve in about
0.3 s on two cores.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from itertools import pairwise

import numpy as np
import scipy.sparse as sp

from ..errors import EdriveError, format_value
from ..limits import limit
from .solver import (
    DEFAULT_MIP_GAP,
    DEFAULT_TIME_LIMIT_S,
    Solution,
    check_settings,
    solve_lp,
    solve_milp,
)
from .volume import MAX_ANNUAL_UNITS

MAX_PRODUCTION_CELLS = 500_000
EUR_MAX = 1e12          # the most any money figure may be [EUR]: far above any real one
COST_FACTOR_MAX = 100.0
TARIFF_SHARE_MAX = 10.0  # a duty of 1000 % of the unit's value


@dataclass
class ProductionProblem:
    """Plants, markets and demand by year (see the module's equations for the symbols).

    Arrays: ``demand_units`` (V, M, T) units a year; ``unit_cost_eur`` (V,) u;
    ``capacity_units`` (L,) K; ``cost_factor`` (L,) k; ``logistics_eur_per_unit`` and
    ``tariff_share`` (L, M) g and tau; ``step_units``, ``step_cost_eur``, ``max_steps`` (L,)
    s, F, n (None: no expansion); ``route`` (L, M) and ``eligible`` (V, L) booleans (None:
    every plant ships to every market and may build every variant); ``plant_owner`` (L,)
    index into ``partners`` and ``work_share_min`` (P,) w (None: no work shares).
    """

    variants: list[str]
    plants: list[str]
    markets: list[str]
    years: list[int]
    demand_units: np.ndarray
    unit_cost_eur: np.ndarray
    capacity_units: np.ndarray
    cost_factor: np.ndarray
    logistics_eur_per_unit: np.ndarray
    tariff_share: np.ndarray
    step_units: np.ndarray | None = None
    step_cost_eur: np.ndarray | None = None
    max_steps: np.ndarray | None = None
    route: np.ndarray | None = None
    eligible: np.ndarray | None = None
    partners: list[str] = field(default_factory=list)
    plant_owner: np.ndarray | None = None
    work_share_min: np.ndarray | None = None


@dataclass(frozen=True)
class Shortfall:
    """Demand of a variant in a market and year that no plant could build."""

    variant: str
    market: str
    year: int
    units: float
    demand_units: float
    full_plants: tuple[str, ...]

    def __str__(self) -> str:
        full = ", ".join(self.full_plants) or "none"
        return (f"{self.units:,.0f} of {self.demand_units:,.0f} units of {self.variant} for "
                f"{self.market} in {self.year} not built (plants full at their last expansion "
                f"step: {full})")


@dataclass(frozen=True)
class WorkShareShortfall:
    """Units a partner's plants built below its work share in a year."""

    partner: str
    year: int
    units: float
    required_units: float

    def __str__(self) -> str:
        return (f"{self.partner}'s plants built {self.units:,.0f} units fewer than its work "
                f"share of {self.required_units:,.0f} in {self.year}")


@dataclass(frozen=True)
class ProductionSolution:
    """The plan: ``volume_units`` (V, L, M, T), cumulative expansion ``steps`` (L, T), the
    ``capacity_units`` (L, T) they give, ``cost_eur`` per part (production, tariff,
    logistics, expansion; each (L, T)), ``shadow_price_eur_per_unit`` (L, T), the
    shortfalls, and the solver's figures (``objective`` is the plan's total cost [EUR])."""

    problem: ProductionProblem
    volume_units: np.ndarray
    steps: np.ndarray
    capacity_units: np.ndarray
    cost_eur: dict[str, np.ndarray]
    shadow_price_eur_per_unit: np.ndarray
    shortfalls: list[Shortfall]
    work_share_shortfalls: list[WorkShareShortfall]
    status: str
    objective: float
    bound: float
    gap: float
    seconds: float

    @property
    def plant_volume_units(self) -> np.ndarray:
        """Units built per plant and year (L, T)."""
        return self.volume_units.sum(axis=(0, 2))

    @property
    def utilisation(self) -> np.ndarray:
        """Units built over capacity per plant and year (L, T); 0 where capacity is 0."""
        cap = self.capacity_units
        return np.divide(self.plant_volume_units, cap, out=np.zeros_like(cap), where=cap > 0)

    @property
    def met(self) -> bool:
        """Whether all demand and every work share were met."""
        return not self.shortfalls and not self.work_share_shortfalls

    def plant_years(self) -> list[dict]:
        """One row per plant and year: volume, capacity, utilisation, steps, cost by part,
        shadow price."""
        p = self.problem
        vol, util = self.plant_volume_units, self.utilisation
        return [{"plant": plant, "year": year, "volume_units": float(vol[i, j]),
                 "capacity_units": float(self.capacity_units[i, j]),
                 "utilisation": float(util[i, j]), "steps": int(self.steps[i, j]),
                 "cost_eur": {k: float(v[i, j]) for k, v in self.cost_eur.items()},
                 "shadow_price_eur_per_unit": float(self.shadow_price_eur_per_unit[i, j])}
                for i, plant in enumerate(p.plants) for j, year in enumerate(p.years)]

    def to_dict(self) -> dict:
        """The plan as JSON-ready data."""
        p = self.problem
        flows = [{"variant": p.variants[v], "plant": p.plants[i], "market": p.markets[m],
                  "year": p.years[t], "units": float(self.volume_units[v, i, m, t])}
                 for v, i, m, t in zip(*np.nonzero(self.volume_units > 0), strict=True)]
        return {"solver": {"status": self.status, "objective": self.objective,
                           "bound": self.bound, "gap": self.gap, "seconds": self.seconds,
                           "solver": "HiGHS (scipy)"},
                "total_cost_eur": self.objective,
                "cost_eur": {k: float(v.sum()) for k, v in self.cost_eur.items()},
                "plants": self.plant_years(), "flows": flows,
                "shortfalls": [str(s) for s in self.shortfalls],
                "work_share_shortfalls": [str(s) for s in self.work_share_shortfalls]}


# --- checks -----------------------------------------------------------------------------

def _names(what: str, names) -> list[str]:
    if isinstance(names, np.ndarray):
        names = names.tolist()
    if isinstance(names, str) or not isinstance(names, (list, tuple)) or not names:
        raise EdriveError(f"production: {what}: {format_value(names)}; expected a non-empty "
                          "list of names")
    seen = set()
    for name in names:
        if not isinstance(name, str) or not name:
            raise EdriveError(f"production: {what}: {format_value(name)}; expected a name")
        if name in seen:
            raise EdriveError(f"production: {what}: {name!r} appears twice; names must be "
                              "unique")
        seen.add(name)
    return list(names)


def _years(years) -> list[int]:
    if isinstance(years, np.ndarray):
        years = years.tolist()
    if not isinstance(years, (list, tuple)) or not years:
        raise EdriveError(f"production: years: {format_value(years)}; expected a non-empty "
                          "list of years")
    for year in years:
        if isinstance(year, bool) or not isinstance(year, (int, np.integer)):
            raise EdriveError(f"production: years: {format_value(year)}; expected a whole "
                              "year such as 2027")
    if any(b <= a for a, b in pairwise(years)):
        raise EdriveError(f"production: years: {format_value(list(years))}; expected years in "
                          "increasing order, each once")
    return [int(y) for y in years]


def _label(name: str, index: tuple, labels: tuple) -> str:
    return f"{name}[{', '.join(str(lab[i]) for lab, i in zip(labels, index, strict=True))}]"


def _as_array(name: str, value, labels: tuple, kind: str) -> np.ndarray:
    """``value`` as an array of the shape ``labels`` gives; each entry a number (``kind``
    "number") or a boolean ("boolean"), else a one-line error naming the first that is not."""
    shape = tuple(len(lab) for lab in labels)
    if isinstance(value, np.ndarray) and value.dtype.kind in ("iuf" if kind == "number"
                                                              else "b"):
        arr = value
    else:
        try:
            arr = np.asarray(value, dtype=object)
        except ValueError:
            arr = np.empty(0, dtype=object)
    if arr.shape != shape:
        raise EdriveError(f"production: {name} has shape {arr.shape}; expected {shape}")
    if arr.dtype == object:
        is_bool = np.frompyfunc(lambda x: isinstance(x, (bool, np.bool_)), 1, 1)(arr)
        is_real = np.frompyfunc(lambda x: isinstance(x, (int, float, np.integer, np.floating)),
                                1, 1)(arr)
        good = is_bool if kind == "boolean" else is_real & ~is_bool
        if not np.all(good.astype(bool)):
            index = tuple(int(i[0]) for i in np.nonzero(~good.astype(bool)))
            expected = "true or false" if kind == "boolean" else "a number"
            raise EdriveError(f"production: {_label(name, index, labels)}: "
                              f"{format_value(arr[index])}; expected {expected}")
    return arr.astype(bool if kind == "boolean" else float)


def _numbers(name: str, value, labels: tuple, low: float = 0.0, high: float = math.inf, *,
             above_low: bool = False, where=None) -> np.ndarray:
    """``value`` as a float array of the shape ``labels`` gives, each finite and within
    [low, high] (above ``low`` if ``above_low``) where ``where`` is true."""
    arr = _as_array(name, value, labels, "number")
    bad = ~np.isfinite(arr) | (arr < low) | (arr > high)
    if above_low:
        bad |= arr <= low
    if where is not None:
        bad &= where
    if np.any(bad):
        index = tuple(int(i[0]) for i in np.nonzero(bad))
        allowed = (f"above {low:g}" if above_low else f"at least {low:g}") + \
            ("" if math.isinf(high) else f" and at most {high:,.10g}")
        raise EdriveError(f"production: {_label(name, index, labels)}: "
                          f"{format_value(np.asarray(value)[index])}; allowed: {allowed}")
    return arr


def _mask(name: str, value, labels: tuple) -> np.ndarray:
    if value is None:
        return np.ones(tuple(len(lab) for lab in labels), dtype=bool)
    return _as_array(name, value, labels, "boolean")


def check_problem(problem: ProductionProblem) -> ProductionProblem:
    """The problem with its arrays checked and defaults filled in; a one-line error names
    the first field that is wrong."""
    if not isinstance(problem, ProductionProblem):
        raise EdriveError(f"production: {format_value(problem)}; expected a ProductionProblem")
    variants, plants = _names("variants", problem.variants), _names("plants", problem.plants)
    markets, years = _names("markets", problem.markets), _years(problem.years)
    cells = len(variants) * len(plants) * len(markets) * len(years)
    most = limit("EDRIVE_MAX_PRODUCTION_CELLS", MAX_PRODUCTION_CELLS)
    if cells > most:
        raise EdriveError(f"production: {len(variants)} variants x {len(plants)} plants x "
                          f"{len(markets)} markets x {len(years)} years = {cells:,} cells; the "
                          f"limit is {most:,} (EDRIVE_MAX_PRODUCTION_CELLS)")
    annual = limit("EDRIVE_MAX_ANNUAL_UNITS", MAX_ANNUAL_UNITS)
    route = _mask("route", problem.route, (plants, markets))
    eligible = _mask("eligible", problem.eligible, (variants, plants))
    by_plant = (plants,)
    zeros = np.zeros(len(plants))
    step_units = _numbers("step_units", zeros if problem.step_units is None
                          else problem.step_units, by_plant)
    max_steps = _numbers("max_steps", zeros if problem.max_steps is None
                         else problem.max_steps, by_plant)
    if np.any(max_steps != np.round(max_steps)):
        i = int(np.nonzero(max_steps != np.round(max_steps))[0][0])
        raise EdriveError(f"production: max_steps[{plants[i]}]: {max_steps[i]:g}; allowed: a "
                          "whole number of steps, at least 0")
    capacity = _numbers("capacity_units", problem.capacity_units, by_plant, 0, annual)
    full = capacity + step_units * max_steps
    if np.any(full > annual):
        i = int(np.argmax(full > annual))
        raise EdriveError(f"production: plant {plants[i]}: {full[i]:,.10g} units a year after "
                          f"all expansion steps; allowed: at most {annual:,} units a year "
                          "(EDRIVE_MAX_ANNUAL_UNITS)")
    checked = replace(
        problem, variants=variants, plants=plants, markets=markets, years=years,
        demand_units=_numbers("demand_units", problem.demand_units,
                              (variants, markets, years), 0, annual),
        unit_cost_eur=_numbers("unit_cost_eur", problem.unit_cost_eur, (variants,), 0,
                               EUR_MAX),
        capacity_units=capacity,
        cost_factor=_numbers("cost_factor", problem.cost_factor, by_plant, 0,
                             COST_FACTOR_MAX, above_low=True),
        logistics_eur_per_unit=_numbers("logistics_eur_per_unit",
                                        problem.logistics_eur_per_unit, (plants, markets),
                                        0, EUR_MAX, where=route),
        tariff_share=_numbers("tariff_share", problem.tariff_share, (plants, markets), 0,
                              TARIFF_SHARE_MAX, where=route),
        step_units=step_units, max_steps=max_steps,
        step_cost_eur=_numbers("step_cost_eur", zeros if problem.step_cost_eur is None
                               else problem.step_cost_eur, by_plant, 0, EUR_MAX),
        route=route, eligible=eligible, **_work_shares(problem, plants))
    _check_served(checked)
    return checked


def _work_shares(problem: ProductionProblem, plants: list[str]) -> dict:
    if problem.work_share_min is None:
        return {"partners": list(problem.partners or []), "plant_owner": None,
                "work_share_min": None}
    partners = _names("partners", problem.partners)
    if problem.plant_owner is None:
        raise EdriveError("production: work_share_min is given without plant_owner; expected "
                          "the owning partner of each plant")
    owner = _numbers("plant_owner", problem.plant_owner, (plants,), 0, len(partners) - 1)
    if np.any(owner != np.round(owner)):
        i = int(np.nonzero(owner != np.round(owner))[0][0])
        raise EdriveError(f"production: plant_owner[{plants[i]}]: {owner[i]:g}; allowed: a "
                          f"whole partner index, 0 to {len(partners) - 1}")
    share = _numbers("work_share_min", problem.work_share_min, (partners,), 0, 1)
    if share.sum() > 1 + 1e-12:
        raise EdriveError(f"production: work_share_min adds up to {share.sum():g}; allowed: "
                          "at most 1")
    return {"partners": partners, "plant_owner": owner.astype(int), "work_share_min": share}


def _check_served(p: ProductionProblem) -> None:
    """Refuse demand for a variant in a market that no plant both may build and ships to."""
    reachable = (p.eligible[:, :, None] & p.route[None, :, :]).any(axis=1)  # (V, M)
    unserved = (p.demand_units > 0) & ~reachable[:, :, None]
    if np.any(unserved):
        v, m, t = (int(i[0]) for i in np.nonzero(unserved))
        raise EdriveError(f"production: demand for {p.variants[v]} in market {p.markets[m]} "
                          f"({p.demand_units[v, m, t]:,.0f} units in {p.years[t]}): no plant "
                          "that may build it ships there; allowed: demand only where a route "
                          "and an eligible plant exist")


# --- the model ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Model:
    """Index arrays and constraint blocks over the cells x[v, l, m, t] that exist."""

    vi: np.ndarray             # variant, plant, market and year index of each cell
    li: np.ndarray
    mi: np.ndarray
    ti: np.ndarray
    cost: np.ndarray           # c[v, l, m] of each cell, eq. (2)
    demand_rows: sp.csr_array  # (D, n): one row per (v, m, t) with demand, eq. (3)
    demand: np.ndarray         # (D,)
    demand_year: np.ndarray    # (D,) year index of each demand row
    demand_cells: tuple        # (v, m, t) index arrays of the demand rows
    capacity_rows: sp.csr_array  # (L T, n), eq. (4)
    share_rows: sp.csr_array   # (P' T, n): sum_own x - w_p sum x, eq. (6), P' partners w > 0
    share_partners: np.ndarray  # (P',) partner index of each block of T rows


def _model(p: ProductionProblem) -> _Model:
    n_l, n_t = len(p.plants), len(p.years)
    dmask = p.demand_units > 0
    cells = p.eligible[:, :, None, None] & p.route[None, :, :, None] & dmask[:, None, :, :]
    vi, li, mi, ti = np.nonzero(cells)
    n = len(vi)
    value = p.unit_cost_eur[vi] * p.cost_factor[li]
    cost = value * (1.0 + p.tariff_share[li, mi]) + p.logistics_eur_per_unit[li, mi]
    row_of = np.full(dmask.shape, -1)
    dv, dm, dt = np.nonzero(dmask)
    row_of[dv, dm, dt] = np.arange(len(dv))
    cols = np.arange(n)
    ones = np.ones(n)
    demand_rows = sp.csr_array((ones, (row_of[vi, mi, ti], cols)), shape=(len(dv), n))
    capacity_rows = sp.csr_array((ones, (li * n_t + ti, cols)), shape=(n_l * n_t, n))
    share_partners = (np.nonzero(p.work_share_min > 0)[0] if p.work_share_min is not None
                      else np.zeros(0, dtype=int))
    blocks = [sp.csr_array(((p.plant_owner[li] == k) - p.work_share_min[k], (ti, cols)),
                           shape=(n_t, n)) for k in share_partners]
    share_rows = sp.vstack(blocks, format="csr") if blocks else sp.csr_array((0, n))
    return _Model(vi, li, mi, ti, cost, demand_rows, p.demand_units[dv, dm, dt], dt,
                  (dv, dm, dt), capacity_rows, share_rows, share_partners)


def _year_sums(n_t: int, year: np.ndarray) -> sp.csr_array:
    """(T, k) rows that add up the k entries of each year."""
    return sp.csr_array((np.ones(len(year)), (year, np.arange(len(year)))),
                        shape=(n_t, len(year)))


def _least_shortfalls(p: ProductionProblem, mod: _Model, time_limit_s: float):
    """The least unmet demand per year at full expansion, then (with work shares) the least
    work-share shortfall per year given it: the lexicographic penalty of the slacks."""
    n_t, n, n_d = len(p.years), len(mod.vi), len(mod.demand)
    full = (p.capacity_units[:, None] + (p.step_units * p.max_steps)[:, None]
            + np.zeros((1, n_t))).ravel()
    eye_d = sp.eye_array(n_d, format="csr")
    sol = solve_lp(np.r_[np.zeros(n), np.ones(n_d)],
                   a_ub=sp.hstack([mod.capacity_rows, sp.csr_array((len(full), n_d))]),
                   b_ub=full, a_eq=sp.hstack([mod.demand_rows, eye_d]), b_eq=mod.demand,
                   time_limit_s=time_limit_s)
    _require(sol, "the least unmet demand")
    unmet = _year_sums(n_t, mod.demand_year) @ sol.x[n:]
    unmet = np.where(unmet > 1e-6 * np.maximum(1.0, unmet), unmet, 0.0)
    n_w = mod.share_rows.shape[0]
    if n_w == 0:
        return unmet, np.zeros(0)
    year_w = np.tile(np.arange(n_t), len(mod.share_partners))
    zeros = sp.csr_array
    a_ub = sp.vstack([
        sp.hstack([mod.capacity_rows, zeros((len(full), n_d + n_w))]),
        sp.hstack([-mod.share_rows, zeros((n_w, n_d)), -sp.eye_array(n_w)]),
        sp.hstack([zeros((n_t, n)), _year_sums(n_t, mod.demand_year), zeros((n_t, n_w))])])
    sol = solve_lp(np.r_[np.zeros(n + n_d), np.ones(n_w)], a_ub=a_ub.tocsr(),
                   b_ub=np.r_[full, np.zeros(n_w), _loose(unmet)],
                   a_eq=sp.hstack([mod.demand_rows, eye_d, zeros((n_d, n_w))]).tocsr(),
                   b_eq=mod.demand, time_limit_s=time_limit_s)
    _require(sol, "the least work-share shortfall")
    short = _year_sums(n_t, year_w) @ sol.x[n + n_d:]
    return unmet, np.where(short > 1e-6 * np.maximum(1.0, short), short, 0.0)


def _loose(amount: np.ndarray) -> np.ndarray:
    """A cap on a slack found by an earlier solve, loosened by the solver's tolerance."""
    return amount + 1e-6 * np.maximum(1.0, amount)


def _require(sol: Solution, what: str) -> None:
    if not sol.feasible:
        raise EdriveError(f"production: HiGHS found no solution for {what} ({sol.status}); "
                          "allowed: a longer time_limit_s or a smaller problem")


def _solve_plan(p: ProductionProblem, mod: _Model, unmet, ws_short, time_limit_s, mip_gap):
    """Eqs. (1)-(6) with the slacks capped at the least shortfalls: variables x (n), unmet
    demand (D), work-share shortfall (W), expansion steps e (L T). A unit of slack also costs
    more than any unit built, so that no more than the least shortfall is taken; the bound
    returned is the MILP's less that penalty."""
    n_l, n_t, n, n_d = len(p.plants), len(p.years), len(mod.vi), len(mod.demand)
    n_w, n_e = mod.share_rows.shape[0], n_l * n_t
    zeros = sp.csr_array
    steps = sp.csr_array((-np.repeat(p.step_units, n_t), (np.arange(n_e), np.arange(n_e))),
                         shape=(n_e, n_e))
    later = np.arange(n_e).reshape(n_l, n_t)[:, 1:].ravel()
    rise = sp.csr_array((np.r_[np.ones(len(later)), -np.ones(len(later))],
                         (np.r_[np.arange(len(later)), np.arange(len(later))],
                          np.r_[later, later - 1])), shape=(len(later), n_e))
    year_w = np.tile(np.arange(n_t), len(mod.share_partners))
    a = sp.vstack([
        sp.hstack([mod.demand_rows, sp.eye_array(n_d), zeros((n_d, n_w + n_e))]),
        sp.hstack([mod.capacity_rows, zeros((n_e, n_d + n_w)), steps]),
        sp.hstack([zeros((len(later), n + n_d + n_w)), rise]),
        sp.hstack([mod.share_rows, zeros((n_w, n_d)), sp.eye_array(n_w), zeros((n_w, n_e))]),
        sp.hstack([zeros((n_t, n)), _year_sums(n_t, mod.demand_year), zeros((n_t, n_w + n_e))]),
        sp.hstack([zeros((n_t, n + n_d)), _year_sums(n_t, year_w), zeros((n_t, n_e))]),
    ], format="csr")
    cap = np.repeat(p.capacity_units, n_t)
    lb = np.r_[mod.demand, np.full(n_e, -np.inf), np.zeros(len(later)), np.zeros(n_w),
               np.full(2 * n_t, -np.inf)]
    ub = np.r_[mod.demand, cap, np.full(len(later) + n_w, np.inf), _loose(unmet),
               _loose(ws_short) if n_w else np.zeros(n_t)]
    last = np.zeros((n_l, n_t))
    last[:, -1] = p.step_cost_eur
    penalty = 1.0 + 2.0 * (mod.cost.max() if n else 0.0)
    c = np.r_[mod.cost, np.full(n_d + n_w, penalty), last.ravel()]
    most = np.repeat(np.where(p.step_units > 0, p.max_steps, 0), n_t)
    sol = solve_milp(c, a, lb, ub, integrality=np.r_[np.zeros(n + n_d + n_w), np.ones(n_e)],
                     x_lb=0.0, x_ub=np.r_[np.full(n, np.inf), mod.demand,
                                          np.full(n_w, np.inf), most],
                     time_limit_s=time_limit_s, mip_gap=mip_gap)
    _require(sol, "the production plan")
    x = sol.x
    bound = sol.bound - penalty * x[n:n + n_d + n_w].sum()
    return sol, bound, x[n:n + n_d], x[n + n_d:n + n_d + n_w], np.round(
        x[n + n_d + n_w:]).reshape(n_l, n_t), mod.capacity_rows @ x[:n]


def _first_needed(p: ProductionProblem, load: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Each step added in the first year the load needs it (never more than ``steps``)."""
    n_t = len(p.years)
    load = load.reshape(-1, n_t)
    over = load - p.capacity_units[:, None]
    unit = np.where(p.step_units > 0, p.step_units, 1.0)[:, None]
    need = np.clip(np.ceil(over / unit - 1e-6), 0, None)
    return np.minimum(np.maximum.accumulate(need, axis=1), steps)


def _fixed_steps_lp(p: ProductionProblem, mod: _Model, steps, unmet_cells, ws_cells,
                    time_limit_s):
    """Eqs. (1)-(4), (6) with the steps fixed and the demand as served: the volumes and the
    duals of the capacity rows."""
    capacity = (p.capacity_units[:, None] + p.step_units[:, None] * steps).ravel()
    n_w = mod.share_rows.shape[0]
    a_ub = sp.vstack([mod.capacity_rows, -mod.share_rows], format="csr") if n_w else \
        mod.capacity_rows
    b_ub = np.r_[capacity, ws_cells] if n_w else capacity
    served = np.maximum(mod.demand - unmet_cells, 0.0)
    return solve_lp(mod.cost, a_ub=a_ub, b_ub=b_ub, a_eq=mod.demand_rows, b_eq=served,
                    time_limit_s=time_limit_s)


def solve_production(problem: ProductionProblem, time_limit_s: float = DEFAULT_TIME_LIMIT_S,
                     mip_gap: float = DEFAULT_MIP_GAP) -> ProductionSolution:
    """The least-cost plan of eqs. (1)-(6): volumes by variant, plant, market and year,
    expansion steps, cost by plant and year, shadow prices of capacity, shortfalls, and the
    solver's status, objective, bound, gap and time [s] (checks and every solve)."""
    check_settings(time_limit_s, mip_gap)
    start = time.perf_counter()
    p = check_problem(problem)
    mod = _model(p)
    n_l, n_t = len(p.plants), len(p.years)
    if len(mod.vi) == 0:  # no demand: nothing to build
        return _plan(p, mod, np.zeros(0), np.zeros((n_l, n_t)), np.zeros(n_l * n_t),
                     np.zeros(0), np.zeros(mod.share_rows.shape[0]), "optimal", 0.0, start)
    unmet, ws_short = _least_shortfalls(p, mod, time_limit_s)
    milp, bound, unmet_cells, ws_cells, steps, load = _solve_plan(p, mod, unmet, ws_short,
                                                                  time_limit_s, mip_gap)
    for candidate in (_first_needed(p, load, steps), steps):
        lp = _fixed_steps_lp(p, mod, candidate, unmet_cells, ws_cells, time_limit_s)
        if lp.feasible:
            steps = candidate
            break
    _require(lp, "the volumes at the chosen expansion steps")
    return _plan(p, mod, lp.x, steps, -lp.duals_ub[:n_l * n_t], unmet_cells, ws_cells,
                 milp.status, bound, start)


def _plan(p: ProductionProblem, mod: _Model, x, steps, shadow, unmet_cells, ws_cells,
          status: str, bound: float, start: float) -> ProductionSolution:
    """The solution of volumes ``x`` per cell at cumulative ``steps`` (L, T)."""
    n_l, n_t = len(p.plants), len(p.years)
    volume = np.zeros((len(p.variants), n_l, len(p.markets), n_t))
    volume[mod.vi, mod.li, mod.mi, mod.ti] = x
    capacity = p.capacity_units[:, None] + p.step_units[:, None] * steps
    cost = _cost_by_plant_year(p, mod, x, steps)
    objective = float(sum(part.sum() for part in cost.values()))
    bound = min(bound, objective)
    return ProductionSolution(
        p, volume, steps.astype(int), capacity, cost,
        np.maximum(shadow, 0.0).reshape(n_l, n_t),
        _shortfalls(p, mod, unmet_cells, capacity, volume),
        _share_shortfalls(p, mod, ws_cells, volume), status, objective, bound,
        (objective - bound) / max(abs(objective), 1e-9), time.perf_counter() - start)


def _cost_by_plant_year(p: ProductionProblem, mod: _Model, x, steps) -> dict[str, np.ndarray]:
    n_l, n_t = len(p.plants), len(p.years)
    value = x * p.unit_cost_eur[mod.vi] * p.cost_factor[mod.li]
    parts = {"production": value, "tariff": value * p.tariff_share[mod.li, mod.mi],
             "logistics": x * p.logistics_eur_per_unit[mod.li, mod.mi]}
    where = mod.li * n_t + mod.ti
    cost = {k: np.bincount(where, weights=w, minlength=n_l * n_t).reshape(n_l, n_t)
            for k, w in parts.items()}
    added = np.diff(steps, axis=1, prepend=0.0)
    cost["expansion"] = added * p.step_cost_eur[:, None]
    return cost


def _shortfalls(p, mod: _Model, unmet_cells, capacity, volume) -> list[Shortfall]:
    dv, dm, dt = mod.demand_cells
    load = volume.sum(axis=(0, 2))
    at_last = (p.capacity_units[:, None] + (p.step_units * p.max_steps)[:, None]) <= \
        capacity + 1e-9
    full = (load >= capacity * (1 - 1e-6)) & at_last  # (L, T)
    out = []
    for k in np.nonzero(unmet_cells > 1e-6 * np.maximum(1.0, mod.demand))[0]:
        v, m, t = dv[k], dm[k], dt[k]
        serving = p.eligible[v] & p.route[:, m] & full[:, t]
        out.append(Shortfall(p.variants[v], p.markets[m], p.years[t], float(unmet_cells[k]),
                             float(mod.demand[k]),
                             tuple(pl for pl, s in zip(p.plants, serving, strict=True) if s)))
    return out


def _share_shortfalls(p, mod: _Model, ws_cells, volume) -> list[WorkShareShortfall]:
    n_t = len(p.years)
    total = volume.sum(axis=(0, 1, 2))
    out = []
    for i, units in enumerate(ws_cells):
        k, t = mod.share_partners[i // n_t], i % n_t
        if units > 1e-6 * max(1.0, total[t]):
            out.append(WorkShareShortfall(p.partners[k], p.years[t], float(units),
                                          float(p.work_share_min[k] * total[t])))
    return out
