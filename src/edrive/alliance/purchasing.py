"""Joint purchasing: what partners save by buying a drive unit's materials and dies together.

Per purchased component c (NdFeB magnets, copper, electrical steel, aluminium, steel, SiC
and Si dies) and year, partner i buys the quantity

    q_i = sum over its programmes p of  units_p x quantity_c(variant_p)               (1)

[kg, m^2 of die] at the list spend L_i = sum units_p x spend_c(variant_p) [EUR]: the
component's lines of the bottom-up cost model (:func:`edrive.alliance.cost.edu_cost_many`
with ``lines=True``; :func:`bill_of_materials`). A supplier's price factor f(q) falls with
the annual quantity in tiers (:class:`PriceTiers`): a step at each break, or linear between
breaks, held at the ends. Alone, partner i pays f(q_i) L_i; pooled, the partners pay
f(Q) sum L_i with Q = sum q_i. The pooled saving

    S = sum f(q_i) L_i - f(Q) sum L_i  >= 0                                            (2)

is **split in proportion to quantity**: partner i saves S q_i / Q, so no partner pays more
than alone. Quantities are annual: the tiers apply year by year.

Dies: a unit's die area (``die_area_m2``: transistors and, for Si, their diodes) is bought
as SiC or Si by its inverter's device technology; its spend is the dies' lines of the cost
model. Annual units per programme are checked like plant volumes: at most
``MAX_ANNUAL_UNITS`` (10,000,000 a year; environment variable ``EDRIVE_MAX_ANNUAL_UNITS``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import EdriveError, format_value, unknown_name
from ..limits import limit
from .volume import MAX_ANNUAL_UNITS

# component -> (unit of quantity, cost-model lines bought as that component)
MATERIALS: dict[str, tuple[str, tuple[str, ...]]] = {
    "magnet": ("kg", ("motor_magnets",)),
    "copper": ("kg", ("motor_stator_copper", "motor_rotor_copper", "inverter_busbar_copper")),
    "electrical_steel": ("kg", ("motor_electrical_steel",)),
    "aluminium": ("kg", ("motor_housing_aluminium", "inverter_housing_aluminium",
                         "gearbox_housing_aluminium")),
    "steel": ("kg", ("motor_shaft_steel", "gearbox_gear_steel")),
}
DIES = {"sic": "sic_dies", "igbt": "si_dies"}  # inverter device -> component of its dies
DIE_LINES = ("inverter_transistor_dies", "inverter_diode_dies")
TIER_KINDS = ("step", "linear")
SAVING_SPLIT = "pooled saving shared in proportion to each partner's quantity"


def _number(value, what: str) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer
                                                             | np.floating):
        raise EdriveError(f"{what}: {format_value(value)}; expected a number")
    if not math.isfinite(float(value)):
        raise EdriveError(f"{what}: {format_value(value)}; expected a finite number")
    return float(value)


def _as_list(values) -> list:
    """The items of a list, tuple or 1-D array as given; anything else as one item."""
    if isinstance(values, np.ndarray) and values.ndim == 1 or isinstance(values, list | tuple):
        return list(values)
    return [values]


@dataclass(frozen=True, eq=False)
class PriceTiers:
    """A supplier's price factor on a component against the annual quantity bought:
    ``factors[k]`` from ``breaks[k]`` on (``kind`` ``"step"``), or linear between the breaks
    and held at the ends (``"linear"``). Breaks [kg or m^2 a year] start at 0 and increase;
    factors are above 0 and never rise. :meth:`from_pairs` reads ``[[0, 1.0], [200000,
    0.96], ...]``."""

    component: str
    breaks: np.ndarray
    factors: np.ndarray
    kind: str = "step"

    def __post_init__(self):
        what = f"purchasing tiers of {format_value(self.component)}"
        if self.kind not in TIER_KINDS:
            raise unknown_name(f"{what}: kind", str(self.kind), TIER_KINDS)
        breaks, factors = _as_list(self.breaks), _as_list(self.factors)
        if not breaks or len(breaks) != len(factors):
            raise EdriveError(f"{what}: {len(breaks)} breaks and {len(factors)} factors; "
                              "expected one factor per break, at least one")
        q = np.array([_number(b, f"{what}: tier {k + 1} quantity") for k, b in enumerate(breaks)])
        f = np.array([_number(v, f"{what}: tier {k + 1} factor") for k, v in enumerate(factors)])
        if q[0] != 0:
            raise EdriveError(f"{what}: the first tier starts at {format_value(breaks[0])}; "
                              "allowed: 0, so that every quantity has a price")
        for k in range(1, len(q)):
            if q[k] <= q[k - 1]:
                raise EdriveError(f"{what}: tier {k + 1} quantity {format_value(breaks[k])} is "
                                  f"not above tier {k}'s {format_value(breaks[k - 1])}; "
                                  "allowed: increasing quantities (tiers in order)")
        for k, v in enumerate(f):
            if v <= 0:
                raise EdriveError(f"{what}: tier {k + 1} factor {format_value(factors[k])}; "
                                  "allowed: above 0")
            if k and v > f[k - 1]:
                raise EdriveError(f"{what}: tier {k + 1} factor {format_value(factors[k])} is "
                                  f"above tier {k}'s {format_value(factors[k - 1])}; allowed: "
                                  "factors that never rise with quantity")
        q.flags.writeable = f.flags.writeable = False
        object.__setattr__(self, "breaks", q)
        object.__setattr__(self, "factors", f)

    @classmethod
    def from_pairs(cls, component: str, pairs, kind: str = "step") -> PriceTiers:
        """Tiers from ``[[quantity, factor], ...]``."""
        what = f"purchasing tiers of {format_value(component)}"
        if isinstance(pairs, str | bytes | Mapping) or not isinstance(pairs, Sequence) \
                or any(isinstance(t, str | bytes) or not isinstance(t, Sequence) or len(t) != 2
                       for t in pairs):
            raise EdriveError(f"{what}: {format_value(pairs)}; expected [quantity, factor] "
                              "pairs")
        return cls(component, [t[0] for t in pairs], [t[1] for t in pairs], kind)

    def factor(self, quantity) -> np.ndarray:
        """The price factor at annual ``quantity`` (>= 0; arrays too)."""
        q = np.asarray(quantity, dtype=float)
        if self.kind == "linear":
            return np.interp(q, self.breaks, self.factors)
        return self.factors[np.searchsorted(self.breaks, q, side="right") - 1]


@dataclass(frozen=True, eq=False)
class BillOfMaterials:
    """What one unit of each variant buys per component: ``quantity[c]`` [``unit[c]``] and
    its spend at list price, ``spend_eur[c]`` [EUR], each an array over ``variants``."""

    variants: tuple[str, ...]
    quantity: Mapping[str, np.ndarray]
    spend_eur: Mapping[str, np.ndarray]
    unit: Mapping[str, str]

    def __post_init__(self):
        variants = tuple(self.variants)
        if set(self.quantity) != set(self.spend_eur) or set(self.quantity) != set(self.unit):
            raise EdriveError("bill of materials: quantity, spend and unit name different "
                              "components")
        for field in ("quantity", "spend_eur"):
            table = {}
            for c, values in getattr(self, field).items():
                arr = np.asarray(values)
                if arr.dtype.kind not in "iuf" or arr.shape != (len(variants),):
                    raise EdriveError(f"bill of materials: {field} of {format_value(c)}: "
                                      f"{format_value(values)}; expected one number per "
                                      f"variant ({len(variants)})")
                bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
                if bad.size:
                    raise EdriveError(f"bill of materials: {field} of {format_value(c)} for "
                                      f"variant {format_value(variants[bad[0]])}: "
                                      f"{format_value(arr[bad[0]])}; allowed: 0 or more")
                table[c] = arr.astype(float)
            object.__setattr__(self, field, table)
        object.__setattr__(self, "variants", variants)
        object.__setattr__(self, "unit", dict(self.unit))


def bill_of_materials(costs, variants: Sequence[str], inverter: Sequence[str]
                      ) -> BillOfMaterials:
    """The purchased components of each variant from its cost breakdown: ``costs`` is the
    table of :func:`~edrive.alliance.cost.edu_cost_many` with ``lines=True``, one row per
    variant, and ``inverter`` each variant's device technology (``"sic"`` or ``"igbt"``,
    the cost input of that name), which decides whether its dies are bought as SiC or Si."""
    import pandas as pd

    if not isinstance(costs, pd.DataFrame):
        raise EdriveError(f"bill of materials: costs {format_value(costs)}; expected the table "
                          "of edu_cost_many(..., lines=True)")
    variants, inverter = list(variants), list(inverter)
    if not (len(costs) == len(variants) == len(inverter)):
        raise EdriveError(f"bill of materials: {len(costs)} cost rows, {len(variants)} variants "
                          f"and {len(inverter)} inverters; expected one of each per variant")
    needed = [f"{line}_{kind}" for _, lines in MATERIALS.values() for line in lines
              for kind in ("kg", "eur")] + [f"{line}_eur" for line in DIE_LINES] \
        + ["die_area_m2"]
    for column in needed:
        if column not in costs.columns:
            raise EdriveError(f"bill of materials: no column {format_value(column)}; expected "
                              "the table of edu_cost_many(..., lines=True)")
    for device in inverter:
        if not isinstance(device, str) or device not in DIES:
            raise unknown_name("inverter", str(device), DIES)
    quantity, spend, unit = {}, {}, {}
    for c, (u, lines) in MATERIALS.items():
        quantity[c] = sum(costs[f"{line}_kg"].to_numpy(float) for line in lines)
        spend[c] = sum(costs[f"{line}_eur"].to_numpy(float) for line in lines)
        unit[c] = u
    area = costs["die_area_m2"].to_numpy(float)
    die_spend = sum(costs[f"{line}_eur"].to_numpy(float) for line in DIE_LINES)
    kinds = np.array(inverter)
    for device, c in DIES.items():
        quantity[c] = np.where(kinds == device, area, 0.0)
        spend[c] = np.where(kinds == device, die_spend, 0.0)
        unit[c] = "m2"
    return BillOfMaterials(tuple(variants), quantity, spend, unit)


@dataclass(frozen=True, eq=False)
class PurchasingProblem:
    """Who buys what: each programme's owning partner (``partner_of``, index into
    ``partners``), its assigned variant (``variant_of``, index into ``bill.variants``), and
    its units a year (``annual_units``: one per programme, or one column per year of
    ``years``); the bill of materials and the price tiers of each pooled component."""

    partners: Sequence[str]
    programmes: Sequence[str]
    partner_of: Sequence[int]
    variant_of: Sequence[int]
    annual_units: Sequence[float] | np.ndarray
    bill: BillOfMaterials
    tiers: Sequence[PriceTiers]
    years: Sequence[int] | None = None

    def __post_init__(self):
        if not isinstance(self.bill, BillOfMaterials):
            raise EdriveError(f"purchasing: bill {format_value(self.bill)}; expected a "
                              "BillOfMaterials (see bill_of_materials)")
        if not isinstance(self.tiers, list | tuple):
            raise EdriveError(f"purchasing tiers: {format_value(self.tiers)}; expected a list "
                              "of PriceTiers")
        partners, programmes = tuple(self.partners), tuple(self.programmes)
        if not partners or len(set(partners)) != len(partners):
            raise EdriveError(f"purchasing: partners {format_value(list(partners))}; expected "
                              "distinct names, at least one")
        object.__setattr__(self, "partners", partners)
        object.__setattr__(self, "programmes", programmes)
        object.__setattr__(self, "partner_of", self._indices(self.partner_of, "partner",
                                                             partners))
        object.__setattr__(self, "variant_of", self._indices(self.variant_of, "variant",
                                                             self.bill.variants))
        object.__setattr__(self, "annual_units", self._units())
        components = list(self.bill.quantity)
        seen = set()
        for t in self.tiers:
            if not isinstance(t, PriceTiers):
                raise EdriveError(f"purchasing tiers: {format_value(t)}; expected PriceTiers")
            if t.component not in components:
                raise unknown_name("purchased component", str(t.component), components)
            if t.component in seen:
                raise EdriveError(f"purchasing tiers of {format_value(t.component)}: given "
                                  "twice")
            seen.add(t.component)
        object.__setattr__(self, "tiers", tuple(self.tiers))

    def _indices(self, values, what: str, names: Sequence[str]) -> np.ndarray:
        values = _as_list(values)
        if len(values) != len(self.programmes):
            raise EdriveError(f"purchasing: {len(values)} {what} entries for "
                              f"{len(self.programmes)} programmes; expected one per programme")
        out = np.empty(len(values), dtype=int)
        for k, (p, v) in enumerate(zip(self.programmes, values)):
            ok = isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)
            if not ok or not 0 <= v < len(names):
                raise EdriveError(f"programme {format_value(p)}: {what} {format_value(v)}; "
                                  f"allowed: an index from 0 to {len(names) - 1}")
            out[k] = v
        return out

    def _units(self) -> np.ndarray:
        try:
            raw = np.asarray(self.annual_units)
        except ValueError:  # rows of different lengths
            raw = np.asarray(None)
        if raw.dtype.kind not in "iuf" or raw.ndim not in (1, 2) \
                or len(raw) != len(self.programmes):
            raise EdriveError(f"purchasing: annual units {format_value(self.annual_units)}; "
                              f"expected one number per programme ({len(self.programmes)}), "
                              "or one row per programme of one number per year")
        units = raw.reshape(len(raw), 1) if raw.ndim == 1 else raw
        years = self.years
        if years is not None and len(years) != units.shape[1]:
            raise EdriveError(f"purchasing: {len(years)} years for {units.shape[1]} columns of "
                              "annual units; expected one year per column")
        most = limit("EDRIVE_MAX_ANNUAL_UNITS", MAX_ANNUAL_UNITS)
        bad = np.argwhere(~np.isfinite(units) | (units < 0) | (units > most))
        if bad.size:
            p, y = bad[0]
            when = f" in {years[y]}" if years is not None else ""
            raise EdriveError(f"programme {format_value(self.programmes[p])}: annual units"
                              f"{when} {format_value(units[p, y])}; allowed: 0 to {most:,} "
                              "units a year (EDRIVE_MAX_ANNUAL_UNITS)")
        return units.astype(float)


def joint_purchasing(problem: PurchasingProblem):
    """Eqs. (1) and (2) for each priced component, year and partner: a DataFrame with
    ``component``, ``unit``, ``year`` (the column index when no years are given),
    ``partner``, ``quantity`` and ``pooled_quantity`` [unit a year], ``factor_alone``,
    ``factor_pooled``, ``spend_alone_eur``, ``spend_pooled_eur`` (after its share of the
    pooled saving) and ``saving_eur``."""
    import pandas as pd

    n, n_years = len(problem.partners), problem.annual_units.shape[1]
    owner = np.zeros((n, len(problem.programmes)))
    owner[problem.partner_of, np.arange(len(problem.programmes))] = 1.0
    years = list(problem.years) if problem.years is not None else list(range(n_years))
    rows = []
    for tiers in problem.tiers:
        c = tiers.component
        q = owner @ (problem.annual_units * problem.bill.quantity[c][problem.variant_of, None])
        spend = owner @ (problem.annual_units * problem.bill.spend_eur[c][problem.variant_of, None])
        pooled_q = q.sum(axis=0)
        f_alone, f_pooled = tiers.factor(q), tiers.factor(pooled_q)
        alone = f_alone * spend
        saving = alone.sum(axis=0) - f_pooled * spend.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(pooled_q > 0, saving * q / pooled_q, 0.0)
        for i, partner in enumerate(problem.partners):
            for y, year in enumerate(years):
                rows.append({"component": c, "unit": problem.bill.unit[c], "year": year,
                             "partner": partner, "quantity": q[i, y],
                             "pooled_quantity": pooled_q[y], "factor_alone": f_alone[i, y],
                             "factor_pooled": f_pooled[y], "spend_alone_eur": alone[i, y],
                             "spend_pooled_eur": alone[i, y] - share[i, y],
                             "saving_eur": share[i, y]})
    columns = ["component", "unit", "year", "partner", "quantity", "pooled_quantity",
               "factor_alone", "factor_pooled", "spend_alone_eur", "spend_pooled_eur",
               "saving_eur"]
    return pd.DataFrame(rows, columns=columns)


def purchasing_summary(table) -> dict:
    """The saving of :func:`joint_purchasing`'s table in all, by partner and by component
    [EUR over its years], with the rule that split it; JSON-ready."""
    return {"split": SAVING_SPLIT,
            "spend_alone_eur": float(table["spend_alone_eur"].sum()),
            "spend_pooled_eur": float(table["spend_pooled_eur"].sum()),
            "saving_eur": float(table["saving_eur"].sum()),
            "by_partner_eur": {str(k): float(v) for k, v in
                               table.groupby("partner", sort=False)["saving_eur"].sum().items()},
            "by_component_eur": {str(k): float(v) for k, v in
                                 table.groupby("component", sort=False)["saving_eur"].sum()
                                 .items()}}
