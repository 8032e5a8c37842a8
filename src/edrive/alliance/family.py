"""Which drive-unit variants to develop and which car programme takes which: the commonality
model of a drive-unit family, solved on HiGHS, and what partners save by sharing it.

**Problem.** Programmes p (cars, each owned by one partner) with lifetime volumes n_p [units];
variants v (candidate drive units) with a fixed cost F_v [EUR] (development and tooling, paid
once if the variant is developed) and a total variable cost C_v(Q) [EUR] of its Q lifetime
units, concave and piecewise linear between the cumulative volumes b_v0 = 0 < b_v1 < ... with
C_v(0) = 0 (economies of scale and learning: the cost of one more unit falls with volume); a
pair cost c_pv [EUR per unit] that depends on the pair only (battery, life-cycle energy); and
``feasible[p, v]``, whether the pair meets every requirement of the programme. Choose the
variants to develop and one feasible variant per programme at least total cost

    sum_v F_v [Q_v > 0] + sum_v C_v(Q_v) + sum_p n_p c_p,v(p),    Q_v = sum_(p: v(p) = v) n_p.

**Formulation.** A concave piecewise-linear function is the lower envelope of its pieces,
C_v(Q) = min_s (a_vs + m_vs Q) with slope m_vs = (C_v(b_v,s+1) - C_v(b_vs)) / (b_v,s+1 - b_vs)
and intercept a_vs = C_v(b_vs) - m_vs b_vs >= 0; a minimisation may therefore choose the
segment s itself (every piece lies on or above C_v, the right one touches it), and no bounds
b_vs <= Q_v <= b_v,s+1 are needed. The assignment is disaggregated by segment (the variable
disaggregation of Croxton, Gendron & Magnanti, Operations Research 55(1), 2007): binary
x_pvs, programme p takes variant v priced on segment s, and z_vs, variant v is developed and
priced on segment s::

    min  sum_vs (F_v + a_vs) z_vs + sum_pvs n_p (c_pv + m_vs) x_pvs
    s.t. sum_vs x_pvs = 1          every programme takes exactly one variant
         x_pvs <= z_vs             ... a developed one, on the segment it is priced on
         sum_s z_vs <= 1           a variant is developed once
         x, z binary; x_pvs only for feasible pairs and segments starting below the most
         the variant can carry, U_v = sum_(p feasible) n_p (later ones are dominated).

This is an uncapacitated facility location over (variant, segment) pairs whose strong
linking x <= z keeps the relaxation tight; the textbook models of a piecewise-linear cost
on an aggregate Q_v (convex combination with SOS2 binaries, incremental, multiple choice)
all relax C_v to its lower convex envelope (Croxton, Gendron & Magnanti, Management Science
49(9), 2003), for a concave cost the chord from 0 to U_v, and leave the solver a weak bound.
Measured on the synthetic instances of ``benchmarks/bench_plan_family.py`` (2 cores, gap
1e-4): 40 programmes x 30 variants x 5 breaks solve in 0.1 s (the convex-combination model
with segment binaries: 0.7-1.0 s), 80 x 60 in 0.5 s (18 s), 150 x 100 in 1.4 s; symmetry
breaking and aggregation of programmes were not needed. The model is always feasible once
every programme has a feasible variant, which :class:`FamilyProblem` checks (a programme no
variant serves is a one-line error naming it), so it needs no slack.

The breaks of each variant must reach U_v (no extrapolation beyond the cost data). Size:
the model has one binary per feasible pair and cost segment, at most
``MAX_FAMILY_BINARIES`` (1,000,000; environment variable ``EDRIVE_MAX_FAMILY_BINARIES``).

Every solve reports HiGHS's status, the objective (the exact cost of the assignment found),
the best bound, the relative gap and the time; a time limit returns the best assignment
found with its gap. :func:`together_vs_alone` solves each partner alone (its programmes
only, bearing the whole fixed cost of what it develops) and all together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ..errors import EdriveError, format_value, unknown_name
from ..limits import limit
from .solver import DEFAULT_MIP_GAP, DEFAULT_TIME_LIMIT_S, check_settings, solve_milp
from .volume import MAX_CUMULATIVE_UNITS, check_units

MAX_FAMILY_BINARIES = 1_000_000
CONCAVITY_TOLERANCE = 1e-9  # relative rise of a segment's slope still taken as concave


@dataclass(frozen=True, eq=False)
class FamilyProblem:
    """A family-choice instance as plain arrays, checked on construction (one-line errors
    naming the field, the programme or variant, the value and what is allowed).

    ``unit_cost_breaks`` may be given as one row (K,) shared by every variant. Pair costs
    of infeasible pairs are ignored (they may be NaN)."""

    programmes: list[str]
    partner_of: np.ndarray       # (P,) int: index of the owning partner
    partners: list[str]
    variants: list[str]
    volume: np.ndarray           # (P,) lifetime units of each programme
    feasible: np.ndarray         # (P, V) bool: the pair meets every requirement
    pair_cost_eur: np.ndarray    # (P, V) EUR per unit depending on the pair only, >= 0
    fixed_cost_eur: np.ndarray   # (V,) development + tooling if the variant is developed
    unit_cost_breaks: np.ndarray  # (V, K) cumulative volumes [units], from 0, increasing
    unit_cost_total: np.ndarray  # (V, K) total variable cost at the breaks [EUR], concave

    def __post_init__(self):
        _check_problem(self)

    @classmethod
    def from_arrays(cls, *, volume, feasible, pair_cost_eur, fixed_cost_eur, unit_cost_breaks,
                    unit_cost_total, partner_of=None, programmes=None, partners=None,
                    variants=None) -> FamilyProblem:
        """A checked problem from array-likes. Names default to ``programme 1``, ...,
        ``variant 1``, ...; ``partner_of`` may give partner names (``partners`` then defaults
        to them in order of appearance) or indices into ``partners`` (default ``partner 1``,
        ...); without it every programme belongs to one partner, ``partner 1``."""
        n_p, n_v = _array(feasible, "feasible", None, "(programmes, variants)").shape
        programmes = _names(programmes, "programme", n_p)
        variants = _names(variants, "variant", n_v)
        if partner_of is None:
            partner_of = [0] * len(programmes)
            partners = ["partner 1"] if partners is None else partners
        elif all(isinstance(p, str) for p in partner_of):
            partners = list(dict.fromkeys(partner_of)) if partners is None else partners
            partner_of = [_index(name, partners, "partner") for name in partner_of]
        elif partners is None:
            indices = np.asarray(partner_of)
            count = int(indices.max()) + 1 if indices.dtype.kind in "iu" and indices.size else 1
            partners = _names(None, "partner", max(count, 1))
        partners = _names(partners, "partner", 0)
        return cls(programmes, partner_of, partners, variants, volume, feasible, pair_cost_eur,
                   fixed_cost_eur, unit_cost_breaks, unit_cost_total)

    def partner_programmes(self, partners: Sequence[str] | None = None) -> np.ndarray:
        """(P,) bool: the programmes owned by ``partners`` (all programmes for None)."""
        if partners is None:
            return np.ones(len(self.programmes), dtype=bool)
        if isinstance(partners, str):
            partners = [partners]
        wanted = [_index(name, self.partners, "partner") for name in partners]
        return np.isin(self.partner_of, wanted)


@dataclass(frozen=True, eq=False)
class FamilyCost:
    """The cost of an assignment: per variant its lifetime volume, fixed cost (if developed)
    and total variable cost C_v(Q_v); per programme its pair cost n_p c_pv [EUR]."""

    volume_units: np.ndarray   # (V,)
    fixed_eur: np.ndarray      # (V,)
    variable_eur: np.ndarray   # (V,)
    pair_eur: np.ndarray       # (P,), 0 for programmes outside the plan

    @property
    def total_eur(self) -> float:
        return float(self.fixed_eur.sum() + self.variable_eur.sum() + self.pair_eur.sum())

    def parts(self) -> dict:
        """Total and parts [EUR] (JSON-ready)."""
        return {"total_eur": self.total_eur, "fixed_eur": float(self.fixed_eur.sum()),
                "variable_eur": float(self.variable_eur.sum()),
                "pair_eur": float(self.pair_eur.sum())}


@dataclass(frozen=True, eq=False)
class FamilySolution:
    """The family chosen for a coalition of partners: ``variant_of[p]`` the variant index
    of each programme (-1 for programmes outside the coalition), its cost, and the solve's
    status, best bound, gap and time."""

    problem: FamilyProblem
    partners: tuple[str, ...]
    variant_of: np.ndarray
    cost: FamilyCost
    status: str
    bound: float
    gap: float
    seconds: float

    @property
    def objective(self) -> float:
        return self.cost.total_eur

    @property
    def assignment(self) -> dict[str, str]:
        """Programme name -> variant name, for the programmes in the coalition."""
        return {self.problem.programmes[p]: self.problem.variants[v]
                for p, v in enumerate(self.variant_of) if v >= 0}

    @property
    def chosen(self) -> list[str]:
        """The variants developed, in the problem's order."""
        return [self.problem.variants[v] for v in np.unique(self.variant_of[self.variant_of >= 0])]

    def report(self) -> dict:
        """The solution for a report (JSON-ready): solver figures, cost parts, the variants
        chosen with their volume and cost per unit, and the assignment."""
        c = self.cost
        variants = []
        for v in np.unique(self.variant_of[self.variant_of >= 0]):
            q = float(c.volume_units[v])
            variants.append({"variant": self.problem.variants[v], "volume_units": q,
                             "fixed_eur": float(c.fixed_eur[v]),
                             "variable_eur": float(c.variable_eur[v]),
                             "variable_eur_per_unit": float(c.variable_eur[v]) / q,
                             "programmes": [self.problem.programmes[p]
                                            for p in np.flatnonzero(self.variant_of == v)]})
        return {"partners": list(self.partners), "status": self.status,
                "objective": self.objective, "bound": self.bound, "gap": self.gap,
                "seconds": self.seconds, "solver": "HiGHS (scipy)", **c.parts(),
                "variants": variants, "assignment": self.assignment}


def family_cost(problem: FamilyProblem, assignment) -> FamilyCost:
    """The cost of a given assignment: ``assignment`` maps programme names to variant names
    (programmes left out are outside the plan), or is a (P,) array of variant indices with
    -1 for programmes outside the plan. Each programme must take a feasible variant."""
    variant_of = _assignment_indices(problem, assignment)
    n_v = len(problem.variants)
    inside = variant_of >= 0
    volume = np.bincount(variant_of[inside], weights=problem.volume[inside], minlength=n_v)
    variable = np.array([np.interp(volume[v], problem.unit_cost_breaks[v],
                                   problem.unit_cost_total[v]) for v in range(n_v)])
    pair = np.zeros(len(problem.programmes))
    rows = np.flatnonzero(inside)
    pair[rows] = problem.volume[rows] * problem.pair_cost_eur[rows, variant_of[rows]]
    return FamilyCost(volume, np.where(volume > 0, problem.fixed_cost_eur, 0.0), variable, pair)


def solve_family(problem: FamilyProblem, partners: Sequence[str] | None = None, *,
                 time_limit_s: float = DEFAULT_TIME_LIMIT_S,
                 mip_gap: float = DEFAULT_MIP_GAP) -> FamilySolution:
    """The least-cost family for the programmes of ``partners`` (all partners for None; a
    coalition develops what it uses and bears its whole fixed cost); see the module's
    docstring for the model. A time limit returns the best assignment found with its gap;
    none found within it is a one-line error."""
    check_settings(time_limit_s, mip_gap)
    if isinstance(partners, str):
        partners = [partners]
    members = problem.partner_programmes(partners)
    names = tuple(problem.partners if partners is None else partners)
    variant_of = np.full(len(problem.programmes), -1)
    if not members.any():
        return FamilySolution(problem, names, variant_of, family_cost(problem, variant_of),
                              "optimal", 0.0, 0.0, 0.0)
    model = _Model(problem, members)
    sol = solve_milp(model.c, model.a, model.lb, model.ub, integrality=np.ones(model.c.size),
                     x_lb=0.0, x_ub=1.0, time_limit_s=time_limit_s, mip_gap=mip_gap)
    if not sol.feasible:
        if sol.status == "time limit reached":
            raise EdriveError(f"family: no assignment found within the time limit of "
                              f"{format_value(time_limit_s)} s; allowed: a longer time limit")
        raise EdriveError(f"family: HiGHS ended with status {sol.status!r} on a model that "
                          "always has a solution; nothing was chosen")
    take = sol.x[:model.pair_programme.size] > 0.5
    variant_of[model.pair_programme[take]] = model.pair_variant[take]
    if (variant_of[members] < 0).any():
        raise EdriveError(f"family: HiGHS ended with status {sol.status!r} but left programme "
                          f"{problem.programmes[np.flatnonzero(members & (variant_of < 0))[0]]!r}"
                          " without a variant; nothing was chosen")
    cost = family_cost(problem, variant_of)
    bound = min(sol.bound, cost.total_eur)
    gap = (cost.total_eur - bound) / max(abs(cost.total_eur), 1e-9)
    return FamilySolution(problem, names, variant_of, cost, sol.status, bound, gap,
                          sol.seconds)


def together_vs_alone(problem: FamilyProblem, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S,
                      mip_gap: float = DEFAULT_MIP_GAP) -> dict:
    """Each partner's own optimum (its programmes only, bearing the whole fixed cost of what
    it develops), the joint optimum, the saving (alone minus together [EUR] and as a share
    of alone; ``saving_range_eur`` holds what the solves' gaps leave open), the programmes
    whose variant differs between alone and together, and the variants that serve more
    than one partner together (JSON-ready)."""
    together = solve_family(problem, time_limit_s=time_limit_s, mip_gap=mip_gap)
    alone = {name: solve_family(problem, [name], time_limit_s=time_limit_s, mip_gap=mip_gap)
             for name in problem.partners}
    alone_eur = sum(s.objective for s in alone.values())
    alone_bound = sum(s.bound for s in alone.values())
    saving = alone_eur - together.objective
    alone_of = np.max([s.variant_of for s in alone.values()], axis=0)
    switches = [{"programme": problem.programmes[p],
                 "partner": problem.partners[problem.partner_of[p]],
                 "alone": problem.variants[alone_of[p]],
                 "together": problem.variants[together.variant_of[p]]}
                for p in np.flatnonzero(alone_of != together.variant_of)]
    shared = []
    for v in np.unique(together.variant_of):
        owners = np.unique(problem.partner_of[together.variant_of == v])
        if owners.size > 1:
            shared.append({"variant": problem.variants[v],
                           "partners": [problem.partners[i] for i in owners]})
    return {"together": together.report(),
            "alone": {name: s.report() for name, s in alone.items()},
            "alone_total_eur": alone_eur, "together_total_eur": together.objective,
            "saving_eur": saving, "saving_share": saving / alone_eur if alone_eur > 0 else 0.0,
            "saving_range_eur": [alone_bound - together.objective, alone_eur - together.bound],
            "switches": switches, "shared_variants": shared}


class _Model:
    """The MILP of the module's docstring for the programmes ``members``: columns are the
    x_pvs (pair and segment) and then the z_vs; rows the assignments, the links x <= z and
    one development per variant."""

    def __init__(self, problem: FamilyProblem, members: np.ndarray):
        feasible = problem.feasible & members[:, None]
        most = feasible.T.astype(float) @ problem.volume                     # U_v
        breaks, totals = problem.unit_cost_breaks, problem.unit_cost_total
        slope = np.diff(totals, axis=1) / np.diff(breaks, axis=1)            # m_vs
        intercept = totals[:, :-1] - slope * breaks[:, :-1]                  # a_vs
        segment_v, segment_s = np.nonzero(breaks[:, :-1] < most[:, None])    # z_vs columns
        segment_of = np.full(slope.shape, -1)
        segment_of[segment_v, segment_s] = np.arange(segment_v.size)
        pair_p, pair_v = np.nonzero(feasible)
        per_pair = (segment_of[pair_v] >= 0)                                 # (pairs, S)
        col_pair, col_s = np.nonzero(per_pair)
        p, v = pair_p[col_pair], pair_v[col_pair]
        z_col = segment_of[v, col_s]
        n_x, n_z = p.size, segment_v.size
        self.pair_programme, self.pair_variant = p, v
        self.c = np.concatenate([
            problem.volume[p] * (problem.pair_cost_eur[p, v] + slope[v, col_s]),
            problem.fixed_cost_eur[segment_v] + intercept[segment_v, segment_s]])
        rows_p = np.cumsum(members) - 1                                      # assignment rows
        n_assign = int(members.sum())
        x_cols = np.arange(n_x)
        assign = sparse.csr_matrix((np.ones(n_x), (rows_p[p], x_cols)),
                                   shape=(n_assign, n_x + n_z))
        link = sparse.csr_matrix((np.r_[np.ones(n_x), -np.ones(n_x)],
                                  (np.r_[x_cols, x_cols], np.r_[x_cols, n_x + z_col])),
                                 shape=(n_x, n_x + n_z))
        once = sparse.csr_matrix((np.ones(n_z), (segment_v, n_x + np.arange(n_z))),
                                 shape=(len(problem.variants), n_x + n_z))
        self.a = sparse.vstack([assign, link, once], format="csr")
        self.lb = np.r_[np.ones(n_assign), np.full(n_x, -np.inf),
                        np.full(len(problem.variants), -np.inf)]
        self.ub = np.r_[np.ones(n_assign), np.zeros(n_x), np.ones(len(problem.variants))]


def _names(names, kind: str, count: int) -> list[str]:
    if names is None:
        return [f"{kind} {i + 1}" for i in range(count)]
    if isinstance(names, str) or not isinstance(names, Sequence | np.ndarray):
        raise EdriveError(f"family: {kind} names: {format_value(names)}; allowed: a list of "
                          "names")
    return list(names)


def _index(name, names: Sequence[str], kind: str) -> int:
    if not isinstance(name, str):
        raise EdriveError(f"family: {kind} {format_value(name)}; allowed: a {kind} name, one "
                          f"of {', '.join(map(str, names))}")
    try:
        return list(names).index(name)
    except ValueError:
        raise unknown_name(kind, name, [str(n) for n in names]) from None


def _assignment_indices(problem: FamilyProblem, assignment) -> np.ndarray:
    n_p = len(problem.programmes)
    if isinstance(assignment, Mapping):
        variant_of = np.full(n_p, -1)
        for programme, variant in assignment.items():
            variant_of[_index(programme, problem.programmes, "programme")] = _index(
                variant, problem.variants, "variant")
    else:
        raw = np.asarray(assignment)
        if raw.shape != (n_p,) or raw.dtype.kind not in "iu":
            raise EdriveError(f"family: assignment: {_shown(assignment)}; allowed: a "
                              f"mapping of programme to variant names or {n_p} variant "
                              "indices (-1 for a programme outside the plan)")
        variant_of = raw.astype(int)
        bad = (variant_of < -1) | (variant_of >= len(problem.variants))
        if bad.any():
            p = int(np.flatnonzero(bad)[0])
            raise EdriveError(f"family: assignment[{p}] (programme "
                              f"{problem.programmes[p]!r}): {int(variant_of[p])}; allowed: -1 "
                              f"to {len(problem.variants) - 1}")
    inside = np.flatnonzero(variant_of >= 0)
    wrong = inside[~problem.feasible[inside, variant_of[inside]]]
    if wrong.size:
        p = int(wrong[0])
        raise EdriveError(f"family: programme {problem.programmes[p]!r} cannot take variant "
                          f"{problem.variants[variant_of[p]]!r}; it does not meet the "
                          "programme's requirements (feasible is false)")
    return variant_of


# ---- checks of a FamilyProblem ----------------------------------------------------------

def _check_problem(fp: FamilyProblem) -> None:
    names = {}
    for kind, field in (("programme", "programmes"), ("partner", "partners"),
                        ("variant", "variants")):
        values = _names(getattr(fp, field), kind, 0)
        if not values:
            raise EdriveError(f"family: {field}: none given; allowed: at least one {kind}")
        for i, name in enumerate(values):
            if not isinstance(name, str) or not name.strip():
                raise EdriveError(f"family: {field}[{i}]: {format_value(name)}; allowed: a "
                                  "non-empty name")
        values = [str(name) for name in values]
        seen = set()
        for name in values:
            if name in seen:
                raise EdriveError(f"family: {field}: {name!r} appears twice; allowed: "
                                  "unique names")
            seen.add(name)
        object.__setattr__(fp, field, values)
        names[kind] = values
    n_p, n_v = len(names["programme"]), len(names["variant"])

    feasible = _array(fp.feasible, "feasible", (n_p, n_v), "(programmes, variants)")
    if feasible.dtype != bool:
        if feasible.dtype.kind not in "iuf" or not np.isin(feasible, (0, 1)).all():
            raise EdriveError(f"family: feasible: {_shown(fp.feasible)}; allowed: true "
                              "or false (or 1 and 0) for each programme and variant")
        feasible = feasible.astype(bool)
    breaks_raw = _numbers(fp.unit_cost_breaks, "unit_cost_breaks")
    if breaks_raw.ndim == 1:
        breaks_raw = np.broadcast_to(breaks_raw, (n_v, breaks_raw.size))
    n_k = breaks_raw.shape[-1] if breaks_raw.ndim == 2 else 0
    arrays = {
        "partner_of": _array(fp.partner_of, "partner_of", (n_p,), "(programmes,)"),
        "volume": _numbers(_array(fp.volume, "volume", (n_p,), "(programmes,)"), "volume"),
        "pair_cost_eur": _numbers(_array(fp.pair_cost_eur, "pair_cost_eur", (n_p, n_v),
                                         "(programmes, variants)"), "pair_cost_eur"),
        "fixed_cost_eur": _numbers(_array(fp.fixed_cost_eur, "fixed_cost_eur", (n_v,),
                                          "(variants,)"), "fixed_cost_eur"),
        "unit_cost_breaks": _array(breaks_raw, "unit_cost_breaks", (n_v, max(n_k, 2)),
                                   "(variants, breaks) with at least 2 breaks"),
        "unit_cost_total": _numbers(_array(fp.unit_cost_total, "unit_cost_total",
                                           (n_v, max(n_k, 2)), "(variants, breaks) like "
                                           "unit_cost_breaks"), "unit_cost_total"),
        "feasible": feasible}
    partner_of = arrays["partner_of"]
    if partner_of.dtype.kind not in "iu" or partner_of.size and (
            partner_of.min() < 0 or partner_of.max() >= len(names["partner"])):
        bad = next(i for i, k in enumerate(partner_of.tolist()) if not (
            type(k) is int and 0 <= k < len(names["partner"])))
        raise EdriveError(f"family: partner_of[{bad}] (programme {names['programme'][bad]!r}): "
                          f"{format_value(partner_of[bad])}; allowed: a partner index from 0 "
                          f"to {len(names['partner']) - 1}")
    for name, value in zip(names["programme"], arrays["volume"]):
        check_units(value, f"family: volume of programme {name!r}",
                    "EDRIVE_MAX_CUMULATIVE_UNITS", MAX_CUMULATIVE_UNITS)
    _check_sizes(names, feasible, n_k)
    _check_costs(names, feasible, arrays)
    _check_curves(names, arrays["unit_cost_breaks"], arrays["unit_cost_total"])
    unserved = np.flatnonzero(~feasible.any(axis=1))
    if unserved.size:
        p = int(unserved[0])
        raise EdriveError(f"family: programme {names['programme'][p]!r} can be served by no "
                          f"variant (feasible[{p}] is false throughout); allowed: at least one "
                          "variant that meets its requirements")
    most = feasible.T.astype(float) @ arrays["volume"]
    short = np.flatnonzero(arrays["unit_cost_breaks"][:, -1] < most * (1 - 1e-12))
    if short.size:
        v = int(short[0])
        raise EdriveError(f"family: unit_cost_breaks[{v}] (variant {names['variant'][v]!r}) end "
                          f"at {arrays['unit_cost_breaks'][v, -1]:,.0f} units; the programmes "
                          f"it can serve need up to {most[v]:,.0f}; allowed: breaks that reach "
                          "the variant's largest possible volume")
    for field, value in arrays.items():
        value = np.array(value, dtype=int if field == "partner_of" else value.dtype)
        value.flags.writeable = False
        object.__setattr__(fp, field, value)


def _array(value, field: str, shape: tuple | None, meaning: str) -> np.ndarray:
    """``value`` as an array of ``shape`` (None: any shape with as many dimensions as
    ``meaning`` names)."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        arr = None
    wanted = meaning.count(",") + 1 if shape is None else None
    if arr is None or arr.dtype == object or (
            arr.ndim != wanted if shape is None else arr.shape != shape):
        found = "is not an array" if arr is None or arr.dtype == object else (
            f"has shape {arr.shape}")
        expected = meaning if shape is None else f"{meaning} = {shape}"
        raise EdriveError(f"family: {field} {found}; expected {expected}")
    return arr


def _shown(value) -> str:
    """A value for a message, an array shown as the list it was given as."""
    return format_value(value.tolist() if isinstance(value, np.ndarray) else value)


def _numbers(value, field: str) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        arr = np.asarray(None)
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise EdriveError(f"family: {field}: {_shown(value)}; expected numbers")
    return arr.astype(float)


def _check_sizes(names: dict, feasible: np.ndarray, n_k: int) -> None:
    most = limit("EDRIVE_MAX_FAMILY_BINARIES", MAX_FAMILY_BINARIES)
    binaries = int(feasible.sum()) * max(n_k - 1, 1)
    if binaries > most:
        raise EdriveError(f"family: {len(names['programme']):,} programmes x "
                          f"{len(names['variant']):,} variants x {n_k - 1} cost segments make "
                          f"{binaries:,} binaries; the limit is {most:,} "
                          "(EDRIVE_MAX_FAMILY_BINARIES)")


def _check_costs(names: dict, feasible: np.ndarray, arrays: dict) -> None:
    pair = arrays["pair_cost_eur"]
    bad = feasible & ~(np.isfinite(pair) & (pair >= 0))
    if bad.any():
        p, v = (int(i) for i in np.argwhere(bad)[0])
        raise EdriveError(f"family: pair_cost_eur[{p}, {v}] (programme {names['programme'][p]!r}"
                          f", variant {names['variant'][v]!r}): {format_value(pair[p, v])}; "
                          "allowed: a finite cost of 0 EUR per unit or more")
    fixed = arrays["fixed_cost_eur"]
    bad = np.flatnonzero(~(np.isfinite(fixed) & (fixed >= 0)))
    if bad.size:
        v = int(bad[0])
        raise EdriveError(f"family: fixed_cost_eur[{v}] (variant {names['variant'][v]!r}): "
                          f"{format_value(fixed[v])}; allowed: a finite cost of 0 EUR or more")


def _check_curves(names: dict, breaks: np.ndarray, totals: np.ndarray) -> None:
    for v, name in enumerate(names["variant"]):
        b, c = breaks[v], totals[v]
        if not (np.isfinite(b).all() and b[0] == 0 and (np.diff(b) > 0).all()):
            raise EdriveError(f"family: unit_cost_breaks[{v}] (variant {name!r}): "
                              f"{format_value(b.tolist())}; allowed: cumulative volumes in "
                              "units that start at 0 and increase")
        if not (np.isfinite(c).all() and c[0] == 0 and (np.diff(c) >= 0).all()):
            raise EdriveError(f"family: unit_cost_total[{v}] (variant {name!r}): "
                              f"{format_value(c.tolist())}; allowed: total costs in EUR that "
                              "start at 0 (no units) and do not fall")
        slope = np.diff(c) / np.diff(b)
        rise = np.flatnonzero(np.diff(slope) > CONCAVITY_TOLERANCE * slope.max())
        if rise.size:
            s = int(rise[0])
            raise EdriveError(f"family: unit_cost_total[{v}] (variant {name!r}): "
                              f"{format_value(c.tolist())}; the cost per extra unit rises from "
                              f"{slope[s]:.6g} to {slope[s + 1]:.6g} EUR after "
                              f"{b[s + 1]:,.0f} units; allowed: a concave total cost (the "
                              "cost per extra unit falls or stays with volume)")
