"""The alliance plan: one portfolio file in, the drive-unit family of both makers out, with
what it costs, what it saves against each maker alone, who pays what, what joint purchasing
saves, which plant builds what, and what it does to each maker's fleet CO2.

Steps (each a module of its own, joined here):

1. **Fit** (:func:`edrive.alliance.fit.fit_portfolio`): every programme x variant x battery
   option simulated and checked; each pair's cheapest battery that meets everything.
2. **Costs of the family choice.** For a group of partners S (the alliance, or a maker
   alone), with Q_S the drive units S needs over the plan (T years):

   * the variable cost of Q units of variant v, ``C_v(Q) = Q u_v(Q / T; Q_S)``, with u_v the
     bottom-up unit cost (:func:`edrive.alliance.cost.edu_cost_many`, direct cost, at the
     reference plant: the portfolio's first plant's country) at an annual volume of Q / T
     units (the plant's scale factor) and the experience of the group's whole family,
     Q_S units (every variant of a family shares its processes and most parts, so learning
     follows the family's volume, not one variant's). C_v is sampled at ``CURVE_POINTS``
     volumes and replaced by its least concave majorant (the table of scale factors has
     kinks where the marginal cost rises a little; the majorant is at most a few tenths of
     a percent above the samples), as the family model needs a concave cost;
   * the fixed cost of developing a variant: development plus tooling
     (``volume.development_per_variant`` + ``volume.tooling_per_variant``);
   * the cost of a programme-variant pair per drive unit: the battery pack of the pair
     and, when the portfolio prices energy, the electricity of the cars' lives
     (wall consumption x km a year x years x price), per drive unit of the car.

3. **Family choice** (:mod:`edrive.alliance.family`): the alliance's optimum, each maker's
   own (its programmes only, its own learning, the whole fixed cost of what it develops),
   the saving and which programmes switch.
4. **Sharing** (:mod:`edrive.alliance.sharing`): the cost game c(S) = the optimum of group S
   (2^n - 1 solves); each partner pays the variable cost of its own units at the joint unit
   cost and its pair costs, and the development cost D of the joint family is split equally,
   by drive units, or so that each partner's total is its Shapley value; each split is
   checked against the core.
5. **Purchasing** (:mod:`edrive.alliance.purchasing`): each priced material bought alone or
   pooled, year by year, for the joint assignment.
6. **Production** (:mod:`edrive.alliance.production`): the joint variants' units to plants
   and markets by year, plant expansion, shadow prices of capacity.
7. **Fleet CO2** (:mod:`edrive.alliance.fleet_co2`): each maker's fleet files with the plan's
   cars added (0 g/km, the test mass of the car with its unit and pack, the cars it sells in
   the fleet's jurisdiction in the assessment year), each maker alone and the makers pooled.
8. **Uncertainty**: named scenarios and Monte Carlo draws (seeded) of programme volumes and
   material prices; each re-solved; how often the plan's family stays the best and the regret
   of each family found (its assignment kept, costed in every scenario, minus that
   scenario's optimum).

Every solve reports its status, bound, gap and time; the plan's ``solver`` entry holds the
joint family solve's, and the worst gap of all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import EdriveError, format_value
from .family import FamilyProblem, family_cost, solve_family
from .solver import DEFAULT_MIP_GAP, DEFAULT_TIME_LIMIT_S

CURVE_POINTS = 8             # volumes at which each variant's variable cost is sampled: on
                             # 40 programmes x 30 variants, 8 points move the optimum's cost by
                             # 5e-5 against 24 points, at a sixth of the solve time
J_PER_KWH = 3.6e6
DEFAULT_DRAWS = 10           # Monte Carlo draws of the uncertainty analysis
DEFAULT_SEED = 1
VOLUME_RANGE = (0.7, 1.3)    # Monte Carlo: programme volume factors, uniform
MATERIAL_RANGE = (0.7, 2.0)  # Monte Carlo: material price factors (NdFeB, copper, dies)
MATERIALS = ("materials.ndfeb_n42", "materials.ndfeb_n42sh", "materials.ndfeb_n42uh",
             "materials.copper", "materials.sic_mosfet_die", "materials.si_igbt_die")
NAMED_SCENARIOS = {
    "base": {},
    "volumes -25 %": {"volume": 0.75},
    "volumes +25 %": {"volume": 1.25},
    "magnets x3": {"scale": {"materials.ndfeb_n42": 3, "materials.ndfeb_n42sh": 3,
                             "materials.ndfeb_n42uh": 3}},
    "SiC at half price": {"scale": {"materials.sic_mosfet_die": 0.5}},
}


# --- costs -------------------------------------------------------------------------------------

def concave_majorant(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The least concave function above the points (x increasing), at the x: the upper
    hull (Andrew's monotone chain), interpolated back."""
    hull: list[int] = []
    for k in range(len(x)):
        while len(hull) >= 2:
            i, j = hull[-2], hull[-1]
            # drop j when it lies on or below the chord from i to k
            if (y[j] - y[i]) * (x[k] - x[i]) <= (y[k] - y[i]) * (x[j] - x[i]):
                hull.pop()
            else:
                break
        hull.append(k)
    return np.interp(x, x[hull], y[hull])


@dataclass(frozen=True)
class CostModel:
    """What the family choice of a group of partners costs (see the module docstring)."""

    data: object                 # CostData, scenario overrides applied
    report_year: int
    plant: str                   # the reference plant's country
    years: int                   # plan years T

    def unit_costs(self, inputs: list[dict], annual_units: np.ndarray, family_units: float):
        """Direct cost of one unit [EUR] of each variant ``inputs[v]`` at each annual volume
        ``annual_units[v, k]`` and the family's experience ``family_units``: the cost table of
        :func:`edrive.alliance.cost.edu_cost_many` (one row per v and k, lines included),
        evaluated in one vectorised call."""
        from .cost import edu_cost_many

        annual = np.atleast_2d(np.asarray(annual_units, dtype=float))
        n_k = annual.shape[1]
        columns = {key: [x[key] for x in inputs for _ in range(n_k)] for key in inputs[0]}
        return edu_cost_many(columns, year=self.report_year, plant=self.plant,
                             annual_units=annual.ravel(), cumulative_units=max(family_units, 1.0),
                             overrides=self.data, lines=True)

    def curves(self, inputs: list[dict], most_units: np.ndarray, family_units: float):
        """(breaks, totals), each (V, K): C_v over 0..``most_units[v]`` lifetime units,
        sampled at ``CURVE_POINTS`` volumes and made concave."""
        top = np.maximum(np.asarray(most_units, dtype=float), 1.0)
        low = np.maximum(np.minimum(top / 50.0, 1_000.0 * self.years), 1.0)
        q = np.column_stack([np.zeros_like(top), np.geomspace(low, top, CURVE_POINTS - 1,
                                                              axis=1)])
        annual = np.maximum(q[:, 1:] / self.years, 1.0)
        unit = self.unit_costs(inputs, annual, family_units)["direct_cost_eur"].to_numpy()
        totals = np.column_stack([np.zeros_like(top), q[:, 1:] * unit.reshape(annual.shape)])
        totals = np.array([concave_majorant(b, t) for b, t in zip(q, totals, strict=True)])
        return _strictly_increasing(q), totals

    def fixed_cost_eur(self) -> float:
        return (self.data.eur("volume.development_per_variant", self.report_year)
                + self.data.eur("volume.tooling_per_variant", self.report_year))


def _strictly_increasing(breaks: np.ndarray) -> np.ndarray:
    """Breaks with a repeated value (a variant that can carry a single unit at most) nudged
    up a unit at a time, so that every segment has a length."""
    out = breaks.copy()
    for row in out:
        for k in range(1, len(row)):
            row[k] = max(row[k], row[k - 1] + 1.0)
    return out


def _cost_model(pf, overrides=None) -> CostModel:
    from .cost_data import load_cost_data

    data = load_cost_data(pf.cost_overrides_path())
    if overrides:
        from .cost_data import overrides_from_mapping

        data = data.with_overrides(overrides_from_mapping(
            {"type": "cost_overrides", **overrides}, "scenario"), "scenario")
    return CostModel(data, pf.report_year, pf.plants[0].country, len(pf.plan_years()))


def pair_cost_per_unit(pf, fit) -> np.ndarray:
    """(P, V) EUR per drive unit of each feasible pair: its battery pack and, if the
    portfolio prices energy, the electricity of the car's life (NaN where infeasible)."""
    best = np.maximum(fit.best_battery, 0)
    cost = fit.pair_battery_cost_eur.copy()
    if pf.energy is not None:
        wall = np.take_along_axis(fit.wall_consumption_j_per_m, best[:, :, None], axis=2)[:, :, 0]
        e = pf.energy
        cost = cost + wall * e.km_per_year * 1e3 * e.years * e.price_eur_per_kwh / J_PER_KWH
    cost = cost / fit.units_per_car[:, None]
    return np.where(fit.pair_meets, cost, np.nan)


def family_problem(pf, fit, model: CostModel, volume_factor=1.0,
                   members: tuple[str, ...] | None = None) -> FamilyProblem:
    """The family-choice problem of the group ``members`` (default: every partner), its
    learning at the group's volume (``volume_factor`` scales each programme's volume)."""
    partners = [p.name for p in pf.partners]
    members = tuple(partners) if members is None else tuple(members)
    owner = pf.partner_index()
    volume = pf.demand_units().sum(axis=(1, 2)) * np.broadcast_to(
        np.asarray(volume_factor, dtype=float), owner.shape)
    in_group = np.isin(np.array(partners)[owner], members)
    group_units = float(volume[in_group].sum())
    feasible = fit.pair_meets
    most = feasible.T.astype(float) @ volume
    breaks, totals = model.curves(list(fit.variant_cost_inputs), most, group_units)
    return FamilyProblem.from_arrays(
        programmes=list(fit.programmes), partners=partners, partner_of=owner,
        variants=list(fit.variants), volume=volume, feasible=feasible,
        pair_cost_eur=pair_cost_per_unit(pf, fit),
        fixed_cost_eur=np.full(len(fit.variants), model.fixed_cost_eur()),
        unit_cost_breaks=breaks, unit_cost_total=totals)


# --- the plan ----------------------------------------------------------------------------------

@dataclass
class Plan:
    """Everything the plan found; :meth:`to_dict` is the JSON of ``edrive plan --json``."""

    portfolio: str
    fit: object
    joint: object                # FamilySolution of the alliance
    alone: dict                  # partner -> FamilySolution
    cost_shares: dict
    purchasing: dict
    production: object           # ProductionSolution
    fleet_co2: dict
    uncertainty: dict
    timing_s: dict
    problem: object = field(repr=False, default=None)

    def to_dict(self) -> dict:
        from ..report.text import json_clean

        fit, joint = self.fit, self.joint
        best = fit.best_battery
        assignment = []
        for p, name in enumerate(fit.programmes):
            v = int(joint.variant_of[p])
            b = int(best[p, v])
            assignment.append({
                "programme": name, "partner": self.problem.partners[self.problem.partner_of[p]],
                "variant": fit.variants[v], "battery": fit.batteries[b],
                "battery_capacity_kwh": fit.battery_energy_j[p, v, b] / J_PER_KWH,
                "wltc_consumption_wh_per_km": fit.consumption_j_per_m[p, v, b] / 3.6,
                "range_km": fit.range_m[p, v, b] / 1e3,
                "accel_0_100_kmh_s": fit.accel_0_100_s[p, v, b],
                "top_speed_kmh": fit.top_speed_m_s[p, v, b] * 3.6,
                "units": float(self.problem.volume[p])})
        alone_total = sum(s.objective for s in self.alone.values())
        switches = []
        for solution in self.alone.values():
            for p in np.flatnonzero(solution.variant_of >= 0):
                if solution.variant_of[p] != joint.variant_of[p]:
                    switches.append({"programme": fit.programmes[p],
                                     "partner": self.problem.partners[self.problem.partner_of[p]],
                                     "alone": fit.variants[solution.variant_of[p]],
                                     "together": fit.variants[joint.variant_of[p]]})
        worst_gap = max([joint.gap, *(s.gap for s in self.alone.values()),
                         self.production.gap])
        return json_clean({
            "portfolio": self.portfolio,
            "variants": joint.chosen,
            "assignment": assignment,
            "total_cost_eur": joint.objective,
            "cost_parts_eur": joint.cost.parts(),
            "standalone_cost_eur": {k: s.objective for k, s in self.alone.items()},
            "standalone_variants": {k: s.chosen for k, s in self.alone.items()},
            "savings_eur": alone_total - joint.objective,
            "savings_share": (alone_total - joint.objective) / alone_total
            if alone_total > 0 else 0.0,
            "switches": switches,
            "cost_shares": self.cost_shares,
            "purchasing": self.purchasing,
            "plants": self.production.to_dict(),
            "fleet_co2": self.fleet_co2,
            "uncertainty": self.uncertainty,
            "variant_costs": joint.report()["variants"],
            "solver": {"status": joint.status, "objective": joint.objective,
                       "bound": joint.bound, "gap": joint.gap, "seconds": joint.seconds,
                       "solver": "HiGHS (scipy)", "worst_gap": worst_gap},
            "timing_s": self.timing_s,
            "unserved_programmes": fit.unserved(),
        })


def plan_portfolio(portfolio, *, workers: int = 1, scheduler: str | None = None,
                   progress: Callable[[str, int, int], None] | None = None,
                   time_limit_s: float = DEFAULT_TIME_LIMIT_S, mip_gap: float = DEFAULT_MIP_GAP,
                   draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED,
                   co2_year: int | None = None) -> Plan:
    """Plan the alliance of ``portfolio`` (a :class:`~edrive.alliance.portfolio.
    PortfolioSpec`, bundled name or path): see the module docstring.

    ``progress(stage, done, total)`` reports the fit's cars and the uncertainty's draws;
    ``draws`` Monte Carlo draws (0: named scenarios only) from ``seed``; ``co2_year`` the
    fleet-CO2 assessment year (default: the first plan year the rule packs cover).
    """
    from ..arguments import whole_number
    from .fit import fit_portfolio
    from .portfolio import load_portfolio
    from .solver import check_settings

    check_settings(time_limit_s, mip_gap)
    draws = whole_number(draws, "draws", 0)
    seed = whole_number(seed, "seed", 0)
    pf = load_portfolio(portfolio)
    co2_year = _co2_year(pf, co2_year)
    timing = {}
    start = time.perf_counter()
    fit = fit_portfolio(pf, workers=workers, scheduler=scheduler,
                        progress=None if progress is None else
                        (lambda k, n: progress("fit", k, n)))
    timing["fit"] = time.perf_counter() - start
    unserved = fit.unserved()
    if unserved:
        raise EdriveError(f"programme {unserved[0]!r}: no variant and battery meets its "
                          f"requirements ({_why_unserved(fit, unserved[0])}); relax them or "
                          "add a larger variant or battery")
    start = time.perf_counter()
    model = _cost_model(pf)
    problem_of = _problems(pf, fit, model)
    problem = problem_of(None)
    joint = solve_family(problem, time_limit_s=time_limit_s, mip_gap=mip_gap)
    alone = {p: solve_family(problem_of((p,)), [p], time_limit_s=time_limit_s, mip_gap=mip_gap)
             for p in problem.partners}
    timing["family"] = time.perf_counter() - start
    start = time.perf_counter()
    shares = cost_shares(problem, problem_of, joint, time_limit_s, mip_gap)
    timing["sharing"] = time.perf_counter() - start
    start = time.perf_counter()
    buying = joint_purchasing_of(pf, fit, model, problem, joint)
    timing["purchasing"] = time.perf_counter() - start
    start = time.perf_counter()
    production = production_of(pf, fit, model, problem, joint, time_limit_s, mip_gap)
    timing["production"] = time.perf_counter() - start
    start = time.perf_counter()
    co2 = fleet_co2_of(pf, fit, joint, co2_year)
    timing["fleet_co2"] = time.perf_counter() - start
    start = time.perf_counter()
    risk = uncertainty(pf, fit, joint, draws, seed, time_limit_s, mip_gap, progress)
    timing["uncertainty"] = time.perf_counter() - start
    timing["total"] = sum(timing.values())
    return Plan(pf.name, fit, joint, alone, shares, buying, production, co2, risk, timing,
                problem)


def _co2_year(pf, co2_year) -> int:
    """The fleet-CO2 assessment year: a plan year (default the first)."""
    from ..arguments import whole_number

    years = pf.plan_years()
    if co2_year is None:
        return years[0]
    year = whole_number(co2_year, "co2_year", 1)
    if year not in years:
        raise EdriveError(f"co2_year: {format_value(co2_year)}; allowed: a plan year, "
                          f"{years[0]} to {years[-1]}")
    return year


def _why_unserved(fit, programme: str) -> str:
    """The requirement that rules out most of a programme's cars."""
    p = fit.programmes.index(programme)
    reasons, counts = np.unique(fit.failing[p], return_counts=True)
    order = np.argsort(-counts)
    return ", ".join(f"{r or 'none'}: {c} of {fit.failing[p].size} cars"
                     for r, c in zip(reasons[order], counts[order], strict=True))


def _problems(pf, fit, model: CostModel, volume_factor=1.0):
    """A cached builder of each group's family problem."""
    cache: dict = {}

    def problem_of(members):
        key = None if members is None else tuple(sorted(members))
        if key not in cache:
            cache[key] = family_problem(pf, fit, model, volume_factor, key)
        return cache[key]

    return problem_of


# --- sharing -----------------------------------------------------------------------------------

def cost_shares(problem, problem_of, joint, time_limit_s, mip_gap) -> dict:
    """Development cost of the joint family split equally, by drive units and by Shapley
    value; each split's totals checked against the core of the cost game."""
    from .sharing import cost_game, in_core, least_core, shapley

    partners = problem.partners
    game = cost_game(partners, lambda s: solve_family(
        problem_of(tuple(s)), sorted(s), time_limit_s=time_limit_s, mip_gap=mip_gap).objective)
    own = _own_costs(problem, joint)
    units = np.array([problem.volume[problem.partner_of == i].sum()
                      for i in range(len(partners))])
    development = float(joint.cost.fixed_eur.sum())
    splits = {"equal": np.full(len(partners), development / len(partners)),
              "by_units": development * units / units.sum()}
    phi = shapley(game)
    splits["shapley"] = np.array([phi[p] for p in partners]) - own
    out = {"development_eur": development,
           "own_costs_eur": dict(zip(partners, own.tolist(), strict=True)),
           "alone_eur": {p: float(game.alone_eur[p]) for p in partners},
           "least_core_epsilon_eur": least_core(game).epsilon_eur, "rules": {}}
    for rule, dev in splits.items():
        total = own + dev
        check = in_core(game, dict(zip(partners, total.tolist(), strict=True)))
        out["rules"][rule] = {
            "development_eur": dict(zip(partners, dev.tolist(), strict=True)),
            "total_eur": dict(zip(partners, total.tolist(), strict=True)),
            "saving_eur": {p: float(game.alone_eur[p] - t) for p, t in
                           zip(partners, total, strict=True)},
            "in_core": bool(check.in_core),
            "tightest_coalition": sorted(check.coalition) if check.coalition else None,
            "excess_eur": check.excess_eur}
    return out


def _own_costs(problem, joint) -> np.ndarray:
    """Each partner's variable cost at the joint unit cost (its units' share of each
    variant's) and its pair costs [EUR]."""
    c = joint.cost
    units = c.volume_units
    own = np.zeros(len(problem.partners))
    for p, v in enumerate(joint.variant_of):
        if v < 0:
            continue
        share = problem.volume[p] / units[v] if units[v] > 0 else 0.0
        own[problem.partner_of[p]] += c.variable_eur[v] * share + c.pair_eur[p]
    return own


# --- purchasing and production -----------------------------------------------------------------

def _variant_tables(fit, model: CostModel, problem, joint):
    """Each variant's cost lines at its joint annual volume (one row per variant)."""

    units = joint.cost.volume_units
    family_units = float(problem.volume.sum())
    annual = np.maximum(units / model.years, 1.0)[:, None]
    return model.unit_costs(list(fit.variant_cost_inputs), annual, family_units)


def joint_purchasing_of(pf, fit, model: CostModel, problem, joint) -> dict:
    """Joint purchasing of the portfolio's priced materials for the joint assignment."""
    from .purchasing import (
        PriceTiers,
        PurchasingProblem,
        bill_of_materials,
        joint_purchasing,
        purchasing_summary,
    )

    if not pf.purchasing:
        return {"saving_eur": 0.0, "note": "the portfolio prices no purchasing tiers"}
    table = _variant_tables(fit, model, problem, joint)
    bill = bill_of_materials(table, list(fit.variants),
                             [x["inverter"] for x in fit.variant_cost_inputs])
    tiers = [PriceTiers.from_pairs(t.component, [list(x) for x in t.tiers], t.kind)
             for t in pf.purchasing]
    annual = pf.demand_units().sum(axis=1)  # (P, Y)
    result = joint_purchasing(PurchasingProblem(
        [p.name for p in pf.partners], list(fit.programmes), problem.partner_of,
        np.maximum(joint.variant_of, 0), annual, bill, tiers, pf.plan_years()))
    tiers_reached = {}
    for component, rows in result.groupby("component", sort=False):
        tiers_reached[str(component)] = {
            "unit": str(rows["unit"].iloc[0]),
            "pooled_quantity_peak": float(rows["pooled_quantity"].max()),
            "factor_pooled_best": float(rows["factor_pooled"].min()),
            "factor_alone_best": {str(k): float(v) for k, v in
                                  rows.groupby("partner", sort=False)["factor_alone"].min()
                                  .items()}}
    return purchasing_summary(result) | {"tiers_reached": tiers_reached}


def production_of(pf, fit, model: CostModel, problem, joint, time_limit_s, mip_gap):
    """The joint variants' drive units to plants and markets by year."""
    from .production import ProductionProblem, solve_production

    chosen = sorted(set(int(v) for v in joint.variant_of if v >= 0))
    demand = pf.demand_units()  # (P, M, Y)
    d = np.zeros((len(chosen), demand.shape[1], demand.shape[2]))
    for p, v in enumerate(joint.variant_of):
        d[chosen.index(int(v))] += demand[p]
    table = _variant_tables(fit, model, problem, joint)
    unit = table["direct_cost_eur"].to_numpy()[chosen]
    plants = [pl.name for pl in pf.plants]
    markets = pf.markets
    logistics = np.array([[m.logistics_eur_per_unit.get(pl, 0.0) for m in markets]
                          for pl in plants])
    tariff = np.array([[m.tariff_share.get(pl, 0.0) for m in markets] for pl in plants])
    route = np.array([[pl in m.logistics_eur_per_unit for m in markets] for pl in plants])
    step = np.array([pl.expansion.step_units if pl.expansion else 0.0 for pl in pf.plants])
    step_cost = np.array([pl.expansion.fixed_cost_eur if pl.expansion else 0.0
                          for pl in pf.plants])
    steps = np.array([pl.expansion.max_steps if pl.expansion else 0 for pl in pf.plants])
    partners = [p.name for p in pf.partners]
    return solve_production(ProductionProblem(
        variants=[fit.variants[v] for v in chosen], plants=plants,
        markets=[m.name for m in markets], years=pf.plan_years(), demand_units=d,
        unit_cost_eur=unit,
        capacity_units=np.array([pl.capacity_units for pl in pf.plants], dtype=float),
        cost_factor=np.array([pl.cost_factor for pl in pf.plants]),
        logistics_eur_per_unit=logistics, tariff_share=tariff, step_units=step,
        step_cost_eur=step_cost, max_steps=steps, route=route, partners=partners,
        plant_owner=np.array([partners.index(pl.owner) for pl in pf.plants])),
        time_limit_s=time_limit_s, mip_gap=mip_gap)


# --- fleet CO2 ---------------------------------------------------------------------------------

def fleet_co2_of(pf, fit, joint, co2_year: int | None) -> dict:
    """Each maker's fleets with the plan's cars, alone and pooled per jurisdiction."""
    from .fleet_co2 import compliance_report
    from .fleet_file import load_fleet

    by_jurisdiction: dict[str, list] = {}
    years = pf.plan_years()
    year = _co2_year(pf, co2_year)
    cars = pf.volume_cars()[:, :, years.index(year)]  # (P, M)
    owner = pf.partner_index()
    for i, partner in enumerate(pf.partners):
        for ref in partner.fleets:
            fleet = load_fleet(_resolve_fleet(pf, ref))
            models = [m.model_dump(exclude_none=True) for m in fleet.models]
            for p in np.flatnonzero(owner == i):
                n = sum(cars[p, m] for m, market in enumerate(pf.markets)
                        if (market.jurisdiction or "").upper() == fleet.jurisdiction.upper())
                if n <= 0:
                    continue
                v = int(joint.variant_of[p])
                b = int(fit.best_battery[p, v])
                models.append({"name": f"plan: {fit.programmes[p]}",
                               "registrations": int(round(n)), "co2_g_per_km": 0.0,
                               "test_mass_kg": float(fit.mass_kg[p, v, b])})
            data = fleet.model_dump(exclude_none=True) | {"models": models,
                                                         "name": f"{fleet.name} with the plan"}
            from ..spec import validate
            from .fleet_file import FleetSpec

            spec = validate(FleetSpec, data, where=f"{fleet.name} with the plan")
            by_jurisdiction.setdefault(fleet.jurisdiction.upper(), []).append(spec)
    out = {"year": year, "jurisdictions": {}}
    for jur, fleets in by_jurisdiction.items():
        makers = [compliance_report(f, year=year) for f in fleets]
        entry = {"currency": makers[0]["currency"], "makers": [m["makers"][0] for m in makers],
                 "payments": {m["makers"][0]["maker"]: payment(m["makers"][0]) for m in makers},
                 "pool": None, "pool_payment": None, "pool_gain": None}
        if len(fleets) > 1:
            pooled = compliance_report(fleets[0], pool_with=fleets[1:], year=year)
            entry["pool"] = pooled["pool"]
            entry["pool_payment"] = payment(pooled["pool"])
            entry["pool_gain"] = sum(entry["payments"].values()) - entry["pool_payment"]
        out["jurisdictions"][jur] = entry
    return out


def payment(figures: dict | None) -> float:
    """What a maker or pool pays the regulator, in its rule pack's currency: the EU excess
    premium, or the GB ZEV-mandate payment and the non-ZEV CO2 payment."""
    if not figures:
        return 0.0
    return float(sum(v for k, v in figures.items()
                     if k in ("premium_eur", "zev_payment_gbp", "non_zev_co2_payment_gbp")
                     and v is not None))


def _resolve_fleet(pf, ref: str) -> str:
    from pathlib import Path

    path = Path(ref)
    if pf.base_dir is not None and not path.is_absolute() and (pf.base_dir / path).exists():
        return str(pf.base_dir / path)
    return ref


# --- uncertainty -------------------------------------------------------------------------------

def uncertainty(pf, fit, joint, draws: int, seed: int, time_limit_s, mip_gap,
                progress=None) -> dict:
    """Named scenarios and ``draws`` Monte Carlo draws: each scenario's optimal family, how
    often the plan's family is the best, and each family's regret."""
    rng = np.random.default_rng(seed)
    scenarios = list(NAMED_SCENARIOS.items())
    n_p = len(fit.programmes)
    for k in range(draws):
        scale = {name: float(rng.uniform(*MATERIAL_RANGE)) for name in MATERIALS}
        scenarios.append((f"draw {k + 1}", {"volume": rng.uniform(*VOLUME_RANGE, n_p),
                                             "scale": scale}))
    problems, optima = [], []
    for k, (name, sc) in enumerate(scenarios):
        model = _cost_model(pf, {"scale": sc["scale"]} if "scale" in sc else None)
        problem = family_problem(pf, fit, model, sc.get("volume", 1.0))
        problems.append(problem)
        optima.append(solve_family(problem, time_limit_s=time_limit_s, mip_gap=mip_gap))
        if progress is not None:
            progress("scenarios", k + 1, len(scenarios))
    plan_family = tuple(joint.chosen)
    families: dict[tuple, np.ndarray] = {plan_family: joint.variant_of}
    for sol in optima:
        families.setdefault(tuple(sol.chosen), sol.variant_of)
    regret = {}
    for fam, assignment in families.items():
        costs = np.array([family_cost(pr, assignment).total_eur for pr in problems])
        best = np.array([s.objective for s in optima])
        r = costs - best
        regret[" + ".join(fam)] = {"mean_regret_eur": float(r.mean()),
                                   "max_regret_eur": float(r.max()),
                                   "best_in": int(sum(tuple(s.chosen) == fam for s in optima))}
    stays = sum(tuple(s.chosen) == plan_family for s in optima)
    return {"scenarios": [{"name": name, "family": s.chosen, "total_cost_eur": s.objective,
                           "gap": s.gap} for (name, _), s in zip(scenarios, optima, strict=True)],
            "draws": draws, "seed": seed, "volume_range": list(VOLUME_RANGE),
            "material_range": list(MATERIAL_RANGE),
            "plan_family_best_share": stays / len(scenarios),
            "families": regret,
            "worst_gap": max(s.gap for s in optima)}


__all__ = ["Plan", "concave_majorant", "family_problem", "plan_portfolio"]
