"""Fleet CO2 compliance of a maker or a pool: average emissions, target, premium, and the
electric share that meets the target.

Equations (Regulation (EU) 2019/631; constants and their sources in the rule pack,
:mod:`edrive.alliance.rules`). For models i with registrations N_i, WLTP CO2 E_i [g/km] and
mass m_i [kg] (mass in running order to 2024, test mass from 2025):

* average specific emissions, on the counted cars c_i (2020: the least-emitting 95 %,
  Art. 4(3); otherwise all), less super-credits (Art. 5: cars below 50 g/km count s times,
  the saving capped) and eco-innovations (Art. 11, capped)::

      E = sum c_i E_i / sum c_i - min(sum c_i E_i / sum c_i - sum c_i s_i E_i / sum c_i s_i,
                                      cap_sc - used) - min(sum c_i e_i / sum c_i, cap_eco)

* mass term with the mean mass M = sum N_i m_i / sum N_i and the period's signed slope a:
  2020 ``T = 95 + a (M - M0)``; 2021-2024 ``T = T_WLTP + a [(M - M0) - (M_2020 - M0_2020)]``
  with ``T_WLTP = WLTP_CO2,2020 x NEDC_target,2020 / NEDC_CO2,2020`` (Annex I Part A points
  1-4; the 2020 figures come from the fleet file); 2025-2034 ``T_ref = T_EU + a (TM - TM0)``
  and, 2025-2029, ``T = T_ref x ZLEV factor`` with the ZLEV share
  ``y = sum N_i z_i / sum N_i``, ``z_i = (1 - k E_i / 50)(1 + (1.85 - 1) l_i)`` for
  ``E_i <= 50`` (l_i: share registered in low-uptake Member States) and
  ``ZLEV factor = 1 + min(max(y - x, 0), 0.05)``; a negative target is 0 (Art. 4(1)).
* premium (Art. 8): ``round(max(E - T, 0), 3) x EUR 95 x sum c_i``, rounded half up.
* pool (Art. 6): registration-weighted averages of the members' figures; from 2025 to 2029
  the ZLEV factor is the pool's own, from its pooled ZLEV share (see :func:`combine`).
* 2025-2027 (Reg. (EU) 2025/1214): registration-weighted three-year averages of E and T.
* GB from 2024 (ZEV mandate): non-ZEV allowances ``(1 - share) x N`` (fractional, an
  assumption), ``deficit = ceil(N_non-ZEV - allowances - extra allowances)``, payment per
  car; non-ZEV CO2 above the maker's target pays per g/km per non-ZEV car.

The electric share that meets the target is solved, not searched by the user: the chosen
electric model's share s of the fleet grows while every other model shrinks in proportion;
f(s) = E(s) - T(s) is evaluated for a grid of s at once (vectorised) and the first sign
change refined with :func:`scipy.optimize.brentq` (the ZEV mandate's is closed form).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import EdriveError, format_value
from .fleet_file import FleetArrays, FleetSpec, fleet_arrays, load_fleet
from .rules import RulePack, YearRules, load_rules

SHARE_GRID_POINTS = 65  # grid of electric shares searched for the first sign change


def round_half_up(value, decimals: int):
    """``value`` rounded half up to ``decimals`` (the law's rounding; Python's ``round``
    rounds half to even and floats hold 1.2345 as 1.23449...)."""
    scaled = np.round(np.asarray(value, dtype=float) * 10.0 ** decimals, 6)
    return np.floor(scaled + 0.5) / 10.0 ** decimals


@dataclass(frozen=True)
class Performance:
    """A maker's (or pool's) figures of one year: what pooling and averaging combine, and
    what pool members may exchange (Art. 6: average emissions, target, registrations)."""

    name: str
    year: int
    registrations: float
    registrations_counted: float
    average_g_per_km: float
    reference_target_g_per_km: float
    zlev_share: float
    target_g_per_km: float

    def __post_init__(self):
        _check(self.name, registrations=(self.registrations, 0, math.inf),
               registrations_counted=(self.registrations_counted, 0, self.registrations),
               average_g_per_km=(self.average_g_per_km, 0, math.inf),
               target_g_per_km=(self.target_g_per_km, 0, math.inf),
               zlev_share=(self.zlev_share, 0, math.inf))


@dataclass(frozen=True)
class ZevPerformance:
    """A maker's (or pool's) figures under the GB ZEV mandate."""

    name: str
    year: int
    registrations: float
    zev_registrations: float
    extra_zev_allowances: float
    non_zev_average_g_per_km: float
    non_zev_target_g_per_km: float  # NaN where not given

    def __post_init__(self):
        _check(self.name, registrations=(self.registrations, 0, math.inf),
               zev_registrations=(self.zev_registrations, 0, self.registrations),
               extra_zev_allowances=(self.extra_zev_allowances, 0, math.inf),
               non_zev_average_g_per_km=(self.non_zev_average_g_per_km, 0, math.inf))


def _check(name: str, **values) -> None:
    """Each value a number within [low, high] (registrations above 0): one-line errors for
    figures given directly to :func:`pool` or :func:`average_period`."""
    for key, (v, low, high) in values.items():
        if isinstance(v, bool) or not isinstance(v, int | float | np.floating) or \
                not math.isfinite(v) or not low <= v <= high or (key == "registrations"
                                                                   and v <= 0):
            raise EdriveError(f"{name[:60]}: {key}: {format_value(v)}; allowed: a finite number "
                              f"{'above' if key == 'registrations' else 'from'} {low}"
                              + ("" if high == math.inf else f" to {high:g}"))


@dataclass(frozen=True)
class Assessment:
    """One maker's compliance in one year: ``performance`` (for pools and averaging) and
    ``figures`` (every reported number, unit-suffixed)."""

    maker: str
    rules: YearRules = field(repr=False)
    performance: Performance | ZevPerformance
    figures: dict
    fleet: FleetSpec = field(repr=False)
    arrays: FleetArrays = field(repr=False)
    electric_index: int | None = field(repr=False)


# --- one maker ---------------------------------------------------------------------------------

def _weighted_mean(w, x):
    return (w * np.where(w > 0, x, 0.0)).sum(-1) / w.sum(-1)


def _counted(w, a: FleetArrays, share: float):
    """The registrations counted in the average: the least-emitting ``share`` of each fleet."""
    if share >= 1:
        return w
    order = np.argsort(a.co2_g_per_km, kind="stable")
    ws = w[..., order]
    before = np.cumsum(ws, axis=-1) - ws
    kept = np.clip(share * ws.sum(-1, keepdims=True) - before, 0.0, ws)
    counted = np.empty_like(w)
    counted[..., order] = kept
    return counted


def _eu_figures(w, a: FleetArrays, r: YearRules, fleet: FleetSpec) -> dict:
    """Every EU-method figure for fleets weighted by ``w`` [..., models] (vectorised)."""
    co2 = a.co2_g_per_km
    c = _counted(w, a, float(r["phase_in_share"]))
    n_counted = c.sum(-1)
    plain = (c * co2).sum(-1) / n_counted
    sc_saving = np.zeros_like(plain)
    if r.get("super_credit_multiplier", 1) != 1:
        factor = np.where(co2 < r["super_credit_threshold_g_per_km"],
                          r["super_credit_multiplier"], 1.0)
        credited = (c * factor * co2).sum(-1) / (c * factor).sum(-1)
        room = max(r["super_credit_cap_g_per_km"] - fleet.super_credit_used_g_per_km, 0.0)
        sc_saving = np.minimum(plain - credited, room)
    eco = np.minimum(_weighted_mean(c, a.eco_innovation_g_per_km),
                     r.get("eco_innovation_cap_g_per_km", 0.0))
    average = np.maximum(plain - sc_saving - eco, 0.0)

    method = r.method
    mass_kg = np.full_like(plain, math.nan)
    if method in ("nedc_mass_2020", "wltp_transition"):
        mass_kg = _weighted_mean(w, a.running_order_mass_kg)
    elif method == "test_mass":
        mass_kg = _weighted_mean(w, a.test_mass_kg)
    if method in ("nedc_mass_2020", "test_mass"):
        reference = r["fleet_target_g_per_km"] + r["mass_slope_g_per_km_per_kg"] * (
            mass_kg - r["reference_mass_kg"])
    elif method == "wltp_transition":
        t = fleet.transition_2021
        wltp_ref = (t.nedc_target_2020_g_per_km if t.wltp_co2_2020_g_per_km == 0
                    or t.nedc_co2_2020_g_per_km == 0 else t.wltp_co2_2020_g_per_km
                    * t.nedc_target_2020_g_per_km / t.nedc_co2_2020_g_per_km)
        reference = wltp_ref + r["mass_slope_g_per_km_per_kg"] * (
            (mass_kg - r["reference_mass_kg"])
            - (t.mass_in_running_order_2020_kg - r["reference_mass_2020_kg"]))
    else:  # zero
        reference = np.full_like(plain, r["fleet_target_g_per_km"])
    zlev_share = np.zeros_like(plain)
    if r.has_zlev:
        zlev_share = _weighted_mean(w, _zlev_counts(a, r))
    target = _target(reference, zlev_share, r)
    return {"registrations": w.sum(-1), "registrations_counted": n_counted,
            "average_unadjusted_g_per_km": plain, "super_credit_saving_g_per_km": sc_saving,
            "eco_innovation_saving_g_per_km": eco, "average_g_per_km": average,
            "mass_kg": mass_kg, "reference_target_g_per_km": reference,
            "zlev_share": zlev_share, "target_g_per_km": target}


def _zlev_counts(a: FleetArrays, r: YearRules):
    """How much one registration of each model counts towards the ZLEV share."""
    limit = r["zlev_threshold_g_per_km"]
    co2 = a.co2_g_per_km
    bonus = 1.0 + (r["zlev_low_uptake_multiplier"] - 1.0) * a.low_zlev_uptake_share
    return np.where(co2 <= limit, (1.0 - r["zlev_weighting_coefficient"] * co2 / limit) * bonus,
                    0.0)


def zlev_factor(zlev_share, r: YearRules):
    """``1 + min(max(y - x, 0), cap)`` for the years with a ZLEV factor, else 1."""
    if not r.has_zlev:
        return np.ones_like(np.asarray(zlev_share, dtype=float))
    return 1.0 + np.clip(np.asarray(zlev_share) - r["zlev_benchmark_share"], 0.0,
                         r["zlev_factor_max_increase"])


def _target(reference, zlev_share, r: YearRules):
    target = reference * zlev_factor(zlev_share, r)
    floor = r.get("target_floor_g_per_km")
    return target if floor is None else np.maximum(target, floor)


def premium(average_g_per_km, target_g_per_km, registrations_counted, r: YearRules):
    """Excess emissions premium (Art. 8): excess rounded half up to the pack's decimals,
    times the premium per g/km per car, times the cars counted. Returns (excess, premium)."""
    excess = round_half_up(np.maximum(np.asarray(average_g_per_km) - target_g_per_km, 0.0),
                           int(r["excess_rounding_decimals"]))
    return excess, excess * r["premium_per_g_per_km_per_car"] * registrations_counted


def _zev_figures(w, a: FleetArrays, r: YearRules, fleet: FleetSpec) -> dict:
    """GB ZEV mandate figures for fleets weighted by ``w`` (vectorised)."""
    gb = fleet.gb
    zev = a.co2_g_per_km == 0
    n = w.sum(-1)
    n_zev = (w * zev).sum(-1)
    nze = w * ~zev
    nze_avg = np.where(nze.sum(-1) > 0, (nze * a.co2_g_per_km).sum(-1)
                       / np.maximum(nze.sum(-1), 1e-300), 0.0)
    extra = gb.extra_zev_allowances if gb else 0
    target = (gb.non_zev_co2_target_g_per_km if gb and gb.non_zev_co2_target_g_per_km
              is not None else math.nan)
    return {"registrations": n, "zev_registrations": n_zev,
            "extra_zev_allowances": np.full_like(n, extra),
            "non_zev_average_g_per_km": nze_avg,
            "non_zev_target_g_per_km": np.full_like(n, target)}


def zev_outcome(p: ZevPerformance, r: YearRules) -> dict:
    """ZEV mandate result of a maker or pool: allowances, deficit and payments."""
    required = r["zev_share_required"]
    nze = p.registrations - p.zev_registrations
    allowances = (1.0 - required) * p.registrations
    deficit = max(math.ceil(nze - allowances - p.extra_zev_allowances - 1e-9), 0)
    co2_excess = (max(p.non_zev_average_g_per_km - p.non_zev_target_g_per_km, 0.0)
                  if not math.isnan(p.non_zev_target_g_per_km) else math.nan)
    co2_payment = (co2_excess * r["non_zev_co2_payment_per_g_per_km_per_car"] * nze
                   if not math.isnan(co2_excess) else math.nan)
    cur = r.currency.lower()
    return {
        "zev_share": p.zev_registrations / p.registrations,
        "zev_share_required": required,
        "non_zev_allowances": allowances,
        "zev_allowance_deficit": deficit,
        f"zev_payment_{cur}": deficit * r["zev_payment_per_car"],
        "non_zev_average_g_per_km": p.non_zev_average_g_per_km,
        "non_zev_target_g_per_km": p.non_zev_target_g_per_km,
        "non_zev_excess_g_per_km": co2_excess,
        f"non_zev_co2_payment_{cur}": co2_payment,
        "electric_share_needed": min(max(required - p.extra_zev_allowances / p.registrations,
                                         0.0), 1.0),
    }


def eu_outcome(p: Performance, r: YearRules) -> dict:
    """Distance to target, excess and premium of a maker or pool."""
    excess, prem = premium(p.average_g_per_km, p.target_g_per_km, p.registrations_counted, r)
    return {"zlev_factor": float(zlev_factor(p.zlev_share, r)),
            "distance_to_target_g_per_km": p.average_g_per_km - p.target_g_per_km,
            "excess_g_per_km": float(excess), f"premium_{r.currency.lower()}": float(prem)}


def _figures_fn(r: YearRules):
    return _zev_figures if r.method == "zev_mandate" else _eu_figures


def _check_masses(fleet: FleetSpec, a: FleetArrays, r: YearRules, extra: int | None) -> None:
    """Every model with registrations (and the electric model) has the mass the year needs."""
    if r.method in ("nedc_mass_2020", "wltp_transition"):
        name, values = "mass_in_running_order_kg", a.running_order_mass_kg
    elif r.method == "test_mass":
        name, values = "test_mass_kg", a.test_mass_kg
    else:
        return
    for i, m in enumerate(fleet.models):
        if (m.registrations > 0 or i == extra) and math.isnan(values[i]):
            raise EdriveError(f"{fleet.where}: models.{i} ({m.name[:60]}): {name} is "
                              f"missing; the {r.jurisdiction} {r.year} target needs each "
                              f"model's {name.removesuffix('_kg').replace('_', ' ')}")
    if r.method == "wltp_transition" and fleet.transition_2021 is None:
        raise EdriveError(f"{fleet.where}: transition_2021 is missing; the "
                          f"{r.jurisdiction} {r.year} target needs the maker's 2020 WLTP and "
                          "NEDC average CO2, NEDC target and mean mass in running order")


def _electric_index(fleet: FleetSpec, a: FleetArrays) -> int | None:
    if fleet.electric_model is not None:
        return a.names.index(fleet.electric_model)
    zero = np.flatnonzero(a.co2_g_per_km == 0)
    return int(zero[0]) if zero.size else None


def _share_weights(a: FleetArrays, e: int, shares):
    """Registrations with model ``e`` at ``shares`` of the total and the others in proportion."""
    n = a.registrations.sum()
    others = a.registrations.copy()
    others[e] = 0.0
    rest = others.sum()
    s = np.asarray(shares, dtype=float)[..., None]
    w = (1.0 - s) * n * (others / rest if rest > 0 else others)
    w[..., e] = s[..., 0] * n
    return w


def evaluate(fleet, year: int | None = None, rules: RulePack | str | None = None) -> Assessment:
    """A maker's compliance in ``year`` (default: the fleet file's) under ``rules`` (default:
    the bundled pack of the fleet's jurisdiction)."""
    fleet = load_fleet(fleet)
    r = load_rules(rules or fleet.jurisdiction).year(fleet.year if year is None else year)
    a = fleet_arrays(fleet)
    e = _electric_index(fleet, a)
    _check_masses(fleet, a, r, e)
    one = {k: float(v) for k, v in _figures_fn(r)(a.registrations, a, r, fleet).items()}
    perf = _performance(fleet.maker, r, one)
    figures = {"maker": fleet.maker, "fleet": fleet.name, "jurisdiction": r.jurisdiction,
               "year": r.year, "target_method": r.method}
    if isinstance(perf, ZevPerformance):
        figures |= {"registrations": one["registrations"], **zev_outcome(perf, r)}
        needed = figures.pop("electric_share_needed")
    else:
        figures |= {k: v for k, v in one.items() if k != "zlev_share"}
        figures |= {"zlev_share": one["zlev_share"], **eu_outcome(perf, r)}
        needed = _solve_share(fleet, a, r, e) if e is not None else None
    n = a.registrations.sum()
    figures |= {"electric_model": a.names[e] if e is not None else None,
                "electric_share": float(a.registrations[e] / n) if e is not None else None,
                "electric_share_needed": needed}
    return Assessment(fleet.maker, r, perf, figures, fleet, a, e)


def _performance(name: str, r: YearRules, f: dict) -> Performance | ZevPerformance:
    if r.method == "zev_mandate":
        return ZevPerformance(name, r.year, f["registrations"], f["zev_registrations"],
                              f["extra_zev_allowances"], f["non_zev_average_g_per_km"],
                              f["non_zev_target_g_per_km"])
    return Performance(name, r.year, f["registrations"], f["registrations_counted"],
                       f["average_g_per_km"], f["reference_target_g_per_km"], f["zlev_share"],
                       f["target_g_per_km"])


def _eu_gap(fleet, a, r, e, shares, others: list[Performance] = ()):
    """E - T of the maker (or of its pool with ``others``) at electric ``shares``."""
    f = _eu_figures(_share_weights(a, e, shares), a, r, fleet)
    if not others:
        return f["average_g_per_km"] - f["target_g_per_km"]
    pooled = combine([f, *[vars(p) for p in others]], r)
    return pooled["average_g_per_km"] - pooled["target_g_per_km"]


def _solve_share(fleet, a, r, e, others: list[Performance] = ()) -> float | None:
    """The electric share that meets the target; a fleet of the electric model alone cannot
    change its share: 1 if it meets the target, else None."""
    gap = lambda s: _eu_gap(fleet, a, r, e, s, others)
    if a.registrations.sum() == a.registrations[e]:
        return 1.0 if gap(np.array([1.0]))[0] <= 0 else None
    return electric_share_needed(gap)


def electric_share_needed(gap) -> float | None:
    """The smallest share s in [0, 1] with ``gap(s) <= 0`` (``gap`` is vectorised), or None
    when no share meets the target: a grid of :data:`SHARE_GRID_POINTS` shares locates the
    first sign change, :func:`scipy.optimize.brentq` refines it."""
    from scipy.optimize import brentq

    grid = np.linspace(0.0, 1.0, SHARE_GRID_POINTS)
    values = np.asarray(gap(grid), dtype=float)
    meets = np.flatnonzero(values <= 0)
    if meets.size == 0:
        return None
    k = int(meets[0])
    if k == 0:
        return 0.0
    return float(brentq(lambda s: float(gap(np.array([s]))[0]), grid[k - 1], grid[k],
                        xtol=1e-10))


# --- pools and averaging -------------------------------------------------------------------------

def combine(parts: list[dict], r: YearRules) -> dict:
    """Registration-weighted pool figures from members' figures (dicts or ``vars`` of a
    :class:`Performance`; values may be arrays of the same shape).

    The pool's average is weighted by the counted registrations, its reference target by all
    registrations; in the years with a ZLEV factor the factor is the pool's own, from the
    pooled ZLEV share, applied to the pooled reference target; in the other years the target
    is the weighted mean of the members' targets."""
    n = sum(p["registrations"] for p in parts)
    nc = sum(p["registrations_counted"] for p in parts)
    mean = lambda key, w: sum(p[w] * p[key] for p in parts) / (
        n if w == "registrations" else nc)
    out = {"registrations": n, "registrations_counted": nc,
           "average_g_per_km": mean("average_g_per_km", "registrations_counted"),
           "reference_target_g_per_km": mean("reference_target_g_per_km", "registrations"),
           "zlev_share": mean("zlev_share", "registrations")}
    out["target_g_per_km"] = (_target(out["reference_target_g_per_km"], out["zlev_share"], r)
                              if r.has_zlev else mean("target_g_per_km", "registrations"))
    return out


def pool(members: list[Performance | ZevPerformance], r: YearRules,
         name: str = "pool") -> Performance | ZevPerformance:
    """The pool of ``members`` as one maker (Art. 6; for the ZEV mandate, one participant)."""
    if not members:
        raise EdriveError("pool: no members; a pool needs at least one maker")
    if len({m.year for m in members}) > 1:
        raise EdriveError("pool: members of different years; a pool is of one year")
    if isinstance(members[0], ZevPerformance):
        n = sum(m.registrations for m in members)
        nze = [m.registrations - m.zev_registrations for m in members]
        targets = [m.non_zev_target_g_per_km for m in members]
        avg = (sum(k * m.non_zev_average_g_per_km for k, m in zip(nze, members, strict=True))
               / sum(nze) if sum(nze) else 0.0)
        target = (sum(k * t for k, t in zip(nze, targets, strict=True)) / sum(nze)
                  if sum(nze) and not any(map(math.isnan, targets)) else math.nan)
        return ZevPerformance(name, members[0].year, n,
                              sum(m.zev_registrations for m in members),
                              sum(m.extra_zev_allowances for m in members), avg, target)
    f = combine([vars(m) for m in members], r)
    return Performance(name, members[0].year, *(float(f[k]) for k in (
        "registrations", "registrations_counted", "average_g_per_km",
        "reference_target_g_per_km", "zlev_share", "target_g_per_km")))


def average_period(years: list[Performance], r: YearRules) -> dict:
    """Multi-year compliance (Reg. (EU) 2025/1214): registration-weighted averages of the
    annual average emissions and targets, and the premium on the period's cars. With years
    missing the averages of the years given are returned, ``complete`` False, no premium."""
    span = r.averaging_years
    if span is None:
        raise EdriveError(f"averaging: {r.jurisdiction} {r.year} is in no averaging period")
    period = list(range(span[0], span[1] + 1))
    seen = [p.year for p in years]
    for y in seen:
        if y not in period or seen.count(y) > 1:
            raise EdriveError(f"averaging: year {y} {'twice' if y in period else 'outside'} "
                              f"the averaging period {span[0]}-{span[1]}")
    n = sum(p.registrations for p in years)
    nc = sum(p.registrations_counted for p in years)
    avg = sum(p.registrations_counted * p.average_g_per_km for p in years) / nc
    tgt = sum(p.registrations * p.target_g_per_km for p in years) / n
    complete = sorted(seen) == period
    out = {"years": sorted(seen), "complete": complete, "registrations": n,
           "average_g_per_km": avg, "target_g_per_km": tgt,
           "distance_to_target_g_per_km": avg - tgt}
    if complete:
        excess, prem = premium(avg, tgt, nc, r)
        out |= {"excess_g_per_km": float(excess), f"premium_{r.currency.lower()}": float(prem)}
    return out


# --- the report --------------------------------------------------------------------------------

def compliance_report(fleet, pool_with=(), year: int | None = None,
                      rules: RulePack | str | None = None) -> dict:
    """Everything ``edrive fleet-co2`` shows: each maker's figures, the pool of ``fleet`` with
    ``pool_with`` (if any), the multi-year averaging (if the year is in a period and the
    fleet file gives the other years; a pool's values are used for the current year, as the
    law does for pooled years) and the rule pack's unverified constants and flexibilities."""
    fleets = [load_fleet(f) for f in [fleet, *pool_with]]
    pack = load_rules(rules or fleets[0].jurisdiction)
    for f in fleets[1:]:
        if f.jurisdiction.upper() != fleets[0].jurisdiction.upper():
            raise EdriveError(f"pool: {f.where} is a {f.jurisdiction} fleet; pool members "
                              f"must share the jurisdiction {fleets[0].jurisdiction}")
    makers = [evaluate(f, fleets[0].year if year is None else year, pack) for f in fleets]
    r = makers[0].rules
    names = [m.maker for m in makers]
    if len(set(names)) != len(names):
        raise EdriveError(f"pool: maker {next(n for n in names if names.count(n) > 1)!r} "
                          "appears twice")
    out = {"jurisdiction": r.jurisdiction, "year": r.year, "currency": r.currency,
           "target_method": r.method, "makers": [m.figures for m in makers], "pool": None,
           "averaging": None,
           "rules": {"unverified_constants": r.unverified,
                     "flexibilities": [f"{f.name}: {f.rule}" for f in r.flexibilities]}}
    current = makers[0].performance
    if len(makers) > 1:
        current = pool([m.performance for m in makers], r, name=" + ".join(names))
        out["pool"] = _pool_figures(current, makers, r)
    history = fleets[0].averaging
    if r.averaging_years and history and isinstance(current, Performance):
        others = [Performance(current.name, h.year, h.registrations, h.registrations,
                              h.average_g_per_km, h.target_g_per_km, 0.0, h.target_g_per_km)
                  for h in history if h.year != r.year]
        out["averaging"] = average_period([current, *others], r)
    return out


def _pool_figures(p, makers: list[Assessment], r: YearRules) -> dict:
    figures = {"members": [m.maker for m in makers]}
    if isinstance(p, ZevPerformance):
        return figures | {"registrations": p.registrations, **zev_outcome(p, r)}
    first = makers[0]
    needed = None
    if first.electric_index is not None:
        needed = _solve_share(first.fleet, first.arrays, r, first.electric_index,
                              [m.performance for m in makers[1:]])
    return figures | {k: v for k, v in vars(p).items() if k not in ("name", "year")} | \
        eu_outcome(p, r) | {"electric_model": first.figures["electric_model"],
                            "electric_share_needed_for_pool": needed}
