"""Cost figures: the bundled data files, users' override files, and money conversion.

Every figure carries its value and unit, a price year (for money), a range (``low`` /
``high``), a ``basis`` and its ``source``::

    materials.copper:
      value: 9380
      unit: USD/t          # a currency, "/", and a physical unit (any that pint reads)
      price_year: 2024
      low: 8287
      high: 10800
      basis: sourced       # sourced, derived, estimate, unverified, handbook (or override)
      source: LME copper cash settlement ...

A value may also carry its unit itself (``value: 9380 USD/t``). Inside, each figure is held
in SI units (EUR per kg, EUR per second of labour, N m/m^3 ...). Money is brought to euros of
the report's year ``R`` from the figure's currency ``c`` and price year ``Y`` by

    EUR_R = value * P_c(R) / P_c(Y) / fx_c(R)                                           (1)

with ``P_c`` the consumer price index of the currency (euro-area HICP, US CPI-U, UK CPI,
China CPI) and ``fx_c(R)`` the ECB annual average units of ``c`` per euro (the series in
``data/costs/economics.yaml``): inflate in the figure's own currency, then convert at the
report year's rate.

Time series (battery pack price by year, the annual-volume factor, exchange rates, price
indices) are ``series``: a ``key`` (``year`` or ``annual_units``) and ``values`` by key, each
a number or a mapping with its own ``value``, ``price_year``, ``low``, ``high``, ``basis``
and ``source``.

Bundled files live in ``edrive/data/costs`` and are read through a
:class:`~edrive.registry.Registry` (``COST_FILES``), which lists them and gives their
provenance. A user's override file (``type: cost_overrides``) replaces figures, entries of
series, scales figures or series by a factor (a scenario such as "magnet price x3"), and may
give measured motor masses::

    schema_version: 1
    type: cost_overrides
    description: NdFeB three times its 2024 price
    scale: {materials.ndfeb_n42sh: 3}
    figures:
      labour.DE: {value: 50, unit: EUR/h, price_year: 2025, source: own plant}
    series:
      battery.pack_price_bev: {2024: 105}
    masses: {magnet_kg: 1.6}

Names, units and values are checked: an unknown name is an error with close matches, a unit
must convert to the bundled figure's unit (same currency or none, same physical dimension),
no figure may be negative, and a money figure needs a price year inside its currency's price
index. Override files are limited to ``MAX_COST_FILE_BYTES`` (1 MB; environment variable
``EDRIVE_MAX_COST_FILE_BYTES``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, StrictInt

from ..errors import EdriveError, format_value, suggest, unknown_name
from ..limits import read_text_bounded
from ..registry import Registry, read_yaml_mapping
from ..spec import Spec, validate
from ..units import unit_to_si

CURRENCIES = ("EUR", "USD", "GBP", "CNY")
BASES = ("sourced", "derived", "estimate", "unverified", "handbook", "override")
MAX_COST_FILE_BYTES = 1_000_000
_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
_MONEY_UNIT = re.compile(r"^\s*([A-Za-z]{3})\s*(?:/\s*(.+?))?\s*$")

Basis = Literal["sourced", "derived", "estimate", "unverified", "handbook", "override"]
Year = Annotated[StrictInt, Field(ge=1900, le=2200)]


Amount = float | int | str  # a number, or a number with its unit (booleans are refused)


# --- units ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Unit:
    """A figure's unit: an optional currency and a physical part, with the factor that takes
    a value in this unit to SI (``si = value * factor``)."""

    text: str
    currency: str | None
    factor: float
    dimensions: tuple

    def describe(self) -> str:
        return self.text or "dimensionless"


@cache
def parse_unit(text: str) -> Unit:
    """Read ``"USD/t"``, ``"EUR"``, ``"kN*m/m**3"``, ``"%"`` or ``""`` (see module docstring)."""
    text = text.strip()
    currency, physical = None, text
    m = _MONEY_UNIT.match(text)
    if m and m.group(1).upper() == m.group(1):
        token = m.group(1)
        if token in CURRENCIES:
            currency, physical = token, (f"1/({m.group(2)})" if m.group(2) else "")
        elif not _is_unit(token):
            raise EdriveError(f"unit {text!r}: unknown currency {token!r}; allowed: "
                              f"{', '.join(CURRENCIES)}")
    try:
        factor, dims = unit_to_si(physical)
    except EdriveError:
        raise EdriveError(f"cannot read unit {format_value(text)}; write a physical unit such "
                          "as 'kg' or 'kN*m/m**3', or a price such as 'USD/t' (currencies: "
                          f"{', '.join(CURRENCIES)})") from None
    return Unit(text, currency, factor, dims)


def _is_unit(token: str) -> bool:
    try:
        unit_to_si(token)
        return True
    except EdriveError:
        return False


def _amount(value: Any, where: str) -> tuple[float, str | None]:
    """A number, or a string ``"9380 USD/t"``: (magnitude, unit or None)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise EdriveError(f"{where}: {format_value(value)}: expected a number (optionally with a unit)")
    if isinstance(value, str):
        m = _NUMBER_UNIT.match(value)
        if m is None:
            raise EdriveError(f"{where}: {format_value(value)}: expected a number (optionally with "
                              "a unit)")
        number, unit = float(m.group(1)), (m.group(2) or None)
    else:
        number, unit = float(value), None
    if not math.isfinite(number):
        raise EdriveError(f"{where}: {format_value(value)}: expected a finite number")
    return number, unit


# --- files -----------------------------------------------------------------------------------

class FigureSpec(Spec):
    value: Amount
    unit: str = ""
    price_year: Year | None = None
    low: Amount | None = None
    high: Amount | None = None
    basis: Basis
    source: Annotated[str, Field(min_length=1, max_length=2000)]


class EntrySpec(Spec):
    value: Amount
    price_year: Year | None = None
    low: Amount | None = None
    high: Amount | None = None
    basis: Basis | None = None
    source: Annotated[str, Field(max_length=2000)] = ""


class SeriesSpec(Spec):
    key: Literal["year", "annual_units"]
    unit: str = ""
    price_year: Literal["same"] | Year | None = None
    basis: Basis
    source: Annotated[str, Field(min_length=1, max_length=2000)]
    values: Annotated[dict[StrictInt, Amount | EntrySpec], Field(min_length=1, max_length=500)]


class CostFileSpec(Spec):
    schema_version: Literal[1] = 1
    type: Literal["cost_data"] = "cost_data"
    name: str
    description: str
    figures: Annotated[dict[str, FigureSpec], Field(max_length=1000)] = Field(default_factory=dict)
    series: Annotated[dict[str, SeriesSpec], Field(max_length=100)] = Field(default_factory=dict)


class FigureOverride(Spec):
    value: Amount
    unit: str | None = None
    price_year: Year | None = None
    low: Amount | None = None
    high: Amount | None = None
    source: Annotated[str, Field(max_length=2000)] = ""


class MotorMasses(Spec):
    """Measured motor masses (e.g. from a teardown) that replace the sizing rule's."""

    magnet_kg: Annotated[float, Field(ge=0, le=100)] | None = None
    stator_copper_kg: Annotated[float, Field(ge=0, le=500)] | None = None
    rotor_copper_kg: Annotated[float, Field(ge=0, le=500)] | None = None
    lamination_kg: Annotated[float, Field(ge=0, le=2000)] | None = None
    housing_kg: Annotated[float, Field(ge=0, le=500)] | None = None


ScaleFactor = Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)]


class OverrideFileSpec(Spec):
    schema_version: Literal[1] = 1
    type: Literal["cost_overrides"] = "cost_overrides"
    description: str = ""
    figures: Annotated[dict[str, FigureOverride], Field(max_length=1000)] = \
        Field(default_factory=dict)
    scale: Annotated[dict[str, ScaleFactor], Field(max_length=1000)] = \
        Field(default_factory=dict)
    series: Annotated[dict[str, dict[StrictInt, Amount | EntrySpec]], Field(max_length=100)] = \
        Field(default_factory=dict)
    masses: MotorMasses | None = None


# --- resolved figures -------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """One figure, its value in its own unit and in SI (``si``)."""

    name: str
    value: float
    unit: Unit
    price_year: int | None
    low: float
    high: float
    basis: str
    source: str

    @property
    def si(self) -> float:
        return self.value * self.unit.factor

    def as_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "unit": self.unit.text,
                "price_year": self.price_year, "low": self.low, "high": self.high,
                "basis": self.basis, "source": self.source}


@dataclass(frozen=True)
class Series:
    """A series: keys (years or annual units) and figures for each key."""

    name: str
    key: str
    unit: Unit
    entries: dict[int, Figure]
    basis: str
    source: str
    price_year: str | int | None = None

    @property
    def keys(self) -> np.ndarray:
        return np.array(sorted(self.entries), dtype=float)

    def values_si(self) -> np.ndarray:
        return np.array([self.entries[k].si for k in sorted(self.entries)])


def _figure(name: str, spec: FigureSpec | FigureOverride | EntrySpec, *, unit_text: str | None,
            price_year, basis: str, source: str) -> Figure:
    value, value_unit = _amount(spec.value, f"{name}.value")
    text = value_unit if value_unit is not None else (unit_text or "")
    if value_unit is not None and unit_text and parse_unit(unit_text) != parse_unit(value_unit):
        raise EdriveError(f"{name}.value: {format_value(spec.value)} is written in {value_unit!r} but "
                          f"unit is {unit_text!r}; give the unit once")
    unit = parse_unit(text)
    bounds = []
    for label in ("low", "high"):
        raw = getattr(spec, label)
        if raw is None:
            bounds.append(value)
            continue
        number, bound_unit = _amount(raw, f"{name}.{label}")
        if bound_unit is not None:
            number = _convert(number, parse_unit(bound_unit), unit, f"{name}.{label}")
        bounds.append(number)
    low, high = bounds
    for label, number, raw in (("value", value, spec.value), ("low", low, spec.low),
                               ("high", high, spec.high)):
        if number < 0:
            raise EdriveError(f"{name}.{label}: {format_value(raw)}; allowed: 0 or more")
    if not low <= value <= high:
        raise EdriveError(f"{name}: value {value:g} lies outside its range {low:g} to {high:g}; "
                          "allowed: low <= value <= high")
    if unit.currency is not None and price_year is None:
        raise EdriveError(f"{name}: a price in {unit.currency} needs a price_year")
    if unit.currency is None and price_year is not None:
        raise EdriveError(f"{name}: price_year {price_year} given for a figure that is not "
                          f"money (unit {unit.describe()!r})")
    return Figure(name, value, unit, price_year, low, high, basis, source)


def _convert(number: float, unit_from: Unit, unit_to: Unit, where: str) -> float:
    _check_compatible(unit_from, unit_to, where)
    return number * unit_from.factor / unit_to.factor


def _check_compatible(unit: Unit, expected: Unit, where: str) -> None:
    if unit.currency != expected.currency and (unit.currency is None
                                                or expected.currency is None):
        raise EdriveError(f"{where}: unit {unit.describe()!r} cannot be converted to "
                          f"{expected.describe()!r}" + (" (a price)" if expected.currency else
                                                        " (not a price)"))
    if unit.dimensions != expected.dimensions:
        raise EdriveError(f"{where}: unit {unit.describe()!r} cannot be converted to "
                          f"{expected.describe()!r}")


def _series(name: str, spec: SeriesSpec) -> Series:
    unit = parse_unit(spec.unit)
    entries = {}
    for key, raw in spec.values.items():
        entries[key] = _entry(name, key, raw, unit, spec.price_year, spec.basis, spec.source)
    return Series(name, spec.key, unit, entries, spec.basis, spec.source, spec.price_year)


def _entry(name: str, key: int, raw, unit: Unit, price_year, basis: str, source: str) -> Figure:
    where = f"{name}.{key}"
    entry = raw if isinstance(raw, EntrySpec) else EntrySpec(value=raw)
    year = entry.price_year if entry.price_year is not None else (
        key if price_year == "same" else price_year)
    if unit.currency is None:
        year = entry.price_year
    return _figure(where, entry, unit_text=unit.text, price_year=year,
                   basis=entry.basis or basis, source=entry.source or source)


class ReferenceSpec(Spec):
    """A published cost: value_per_kw x peak power + value_fixed, judged by factors
    ``low``/``high`` on it or by ``low_per_kw``/``high_per_kw``."""

    title: str
    scope: Literal["edu", "motor", "inverter", "gearbox", "motor_inverter"]
    value_per_kw: Annotated[float, Field(ge=0)]
    value_fixed: Annotated[float, Field(ge=0)]
    unit: Literal["EUR", "USD", "GBP", "CNY"]
    price_year: Year
    plant: str
    low: Annotated[float, Field(ge=0)] | None = None
    high: Annotated[float, Field(gt=0)] | None = None
    low_per_kw: Annotated[float, Field(ge=0)] | None = None
    high_per_kw: Annotated[float, Field(gt=0)] | None = None
    machines: list[Literal["pmsm", "eesm", "induction"]] | None = None
    basis: Basis
    source: str
    expected_outside: dict[str, str] = Field(default_factory=dict)


class ReferencesFileSpec(Spec):
    schema_version: Literal[1] = 1
    type: Literal["cost_references"] = "cost_references"
    name: str
    description: str
    comparison: dict[Literal["annual_units"], Annotated[float, Field(gt=0)]]
    references: dict[str, ReferenceSpec]


_FILE_TYPES = {"cost_data": CostFileSpec, "cost_references": ReferencesFileSpec}


def cost_file_from_yaml(text: str, where: str, base_dir: Path | None = None):
    """Parse and validate one bundled cost file (``type: cost_data`` or
    ``cost_references``)."""
    data = read_yaml_mapping(text, where, "cost data")
    kind = data.get("type")
    if kind not in _FILE_TYPES:
        raise EdriveError(f"{where}: type: {format_value(kind)}; allowed: "
                          f"{', '.join(repr(t) for t in _FILE_TYPES)}")
    return validate(_FILE_TYPES[kind], data, where=where)


COST_FILES = Registry("costs", "cost data file", cost_file_from_yaml)


# --- the cost data ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CostData:
    """All cost figures and series, with provenance; see the module docstring."""

    figures: dict[str, Figure]
    series: dict[str, Series]
    files: tuple[str, ...]
    masses: MotorMasses = field(default_factory=MotorMasses)

    # --- look-up ---------------------------------------------------------------------------
    def figure(self, name: str) -> Figure:
        try:
            return self.figures[name]
        except KeyError:
            raise unknown_name("cost figure", name, self.figures) from None

    def number(self, name: str) -> float:
        """A figure that is not money, in SI units."""
        fig = self.figure(name)
        if fig.unit.currency is not None:
            raise EdriveError(f"{name} is a price; it needs a report year")
        return fig.si

    def eur(self, name: str, year: int) -> float:
        """A money figure in euros of ``year`` per SI unit (eq. 1)."""
        fig = self.figure(name)
        return self.to_eur(fig.si, fig.unit.currency, fig.price_year, year, name)

    def names(self, prefix: str) -> list[str]:
        """The last parts of the names of the figures ``prefix.*``."""
        return sorted(n[len(prefix) + 1:] for n in self.figures if n.startswith(prefix + "."))

    # --- money ----------------------------------------------------------------------------
    def report_years(self) -> tuple[int, int]:
        """First and last years that every exchange rate and price index covers."""
        firsts, lasts = [], []
        for c in CURRENCIES:
            for kind in ("price_index", "exchange_rates"):
                if kind == "exchange_rates" and c == "EUR":
                    continue
                keys = self.series[f"{kind}.{c}"].entries
                firsts.append(min(keys))
                lasts.append(max(keys))
        return max(firsts), min(lasts)

    def check_year(self, year, what: str = "year") -> int:
        first, last = self.report_years()
        if isinstance(year, bool) or not isinstance(year, int | np.integer):
            raise EdriveError(f"{what}: {format_value(year)}; allowed: a whole year, {first} to {last}")
        if not first <= year <= last:
            raise EdriveError(f"{what}: {int(year)}; the cost data's exchange rates and price "
                              f"indices cover {first} to {last} (extend them with an overrides "
                              "file)")
        return int(year)

    def to_eur(self, amount, currency: str | None, price_year: int | None, year: int,
               what: str = "value"):
        """Eq. (1): an amount in ``currency`` of ``price_year`` in euros of ``year``."""
        if currency is None:
            raise EdriveError(f"{what} is not money")
        index = self.series[f"price_index.{currency}"].entries
        for y, label in ((price_year, "price_year"), (year, "year")):
            if y not in index:
                raise EdriveError(f"{what}: {label} {y} is outside the {currency} price index "
                                  f"({min(index)} to {max(index)})")
        ratio = index[year].value / index[price_year].value
        fx = 1.0 if currency == "EUR" else \
            self.series[f"exchange_rates.{currency}"].entries[year].value
        return amount * ratio / fx

    # --- overrides ---------------------------------------------------------------------------
    def with_overrides(self, overrides: OverrideFileSpec, where: str) -> CostData:
        figures, series = dict(self.figures), dict(self.series)
        source = f"override file {where}"
        for name, spec in overrides.figures.items():
            old = self.figure_for_override(name, where)
            unit_text = spec.unit
            if unit_text is None and isinstance(spec.value, int | float):
                if old.unit.text:
                    raise EdriveError(f"{where}: figures.{name}.unit: required (the bundled "
                                      f"figure is in {old.unit.text!r})")
                unit_text = ""
            value_unit = _amount(spec.value, f"{where}: figures.{name}.value")[1]
            _check_compatible(parse_unit(value_unit or unit_text or ""), old.unit,
                              f"{where}: figures.{name}.unit")
            new = _figure(name, spec, unit_text=unit_text, price_year=spec.price_year,
                          basis="override", source=spec.source or source)
            figures[name] = new
        for name, entries in overrides.series.items():
            old_series = self.series_for_override(name, where)
            merged = dict(old_series.entries)
            for key, raw in entries.items():
                merged[key] = _entry(name, key, raw, old_series.unit, old_series.price_year,
                                     "override", source)
            series[name] = replace(old_series, entries=merged)
        for name, factor in overrides.scale.items():
            factor = float(factor)
            if name in figures:
                f = figures[name]
                figures[name] = replace(f, value=f.value * factor, low=f.low * factor,
                                        high=f.high * factor, basis="override",
                                        source=f"{f.source} [x{factor:g}: {source}]")
            elif name in series:
                s = series[name]
                series[name] = replace(s, entries={
                    k: replace(e, value=e.value * factor, low=e.low * factor,
                               high=e.high * factor) for k, e in s.entries.items()},
                    source=f"{s.source} [x{factor:g}: {source}]")
            else:
                raise EdriveError(f"{where}: scale: unknown figure or series {name!r}"
                                  f"{suggest(name, [*figures, *series])}; 'edrive cost data' "
                                  "lists them")
        data = CostData(figures, series, (*self.files, where),
                        overrides.masses or self.masses)
        data.check()
        return data

    def figure_for_override(self, name: str, where: str) -> Figure:
        if name not in self.figures:
            hint = suggest(name, self.figures)
            raise EdriveError(f"{where}: figures: unknown figure {name!r}{hint}; "
                              f"'edrive cost data' lists them")
        return self.figures[name]

    def series_for_override(self, name: str, where: str) -> Series:
        if name not in self.series:
            raise EdriveError(f"{where}: series: unknown series {name!r}"
                              f"{suggest(name, self.series)}; allowed: "
                              f"{', '.join(sorted(self.series))}")
        return self.series[name]

    # --- consistency -----------------------------------------------------------------------
    def check(self) -> None:
        """Every money figure's price year inside its currency's price index; the scale
        factor not rising with volume; exchange rates and indices positive."""
        for c in CURRENCIES:
            for kind in ("price_index", "exchange_rates"):
                if kind == "exchange_rates" and c == "EUR":
                    continue
                name = f"{kind}.{c}"
                if name not in self.series:
                    raise EdriveError(f"cost data: series {name!r} is missing")
                bad = [k for k, e in self.series[name].entries.items() if e.value <= 0]
                if bad:
                    raise EdriveError(f"{name}.{bad[0]}: must be positive")
        for fig in [*self.figures.values(),
                    *(e for s in self.series.values() for e in s.entries.values())]:
            if fig.unit.currency is not None:
                index = self.series[f"price_index.{fig.unit.currency}"].entries
                if fig.price_year not in index:
                    raise EdriveError(f"{fig.name}: price_year {fig.price_year} is outside the "
                                      f"{fig.unit.currency} price index ({min(index)} to "
                                      f"{max(index)})")
        scale = self.series["volume.scale_factor"]
        values = [scale.entries[k].value for k in sorted(scale.entries)]
        if any(b > a for a, b in zip(values, values[1:], strict=False)) or min(values) <= 0:
            raise EdriveError("volume.scale_factor: factors must be positive and must not rise "
                              "with the annual volume")


@cache
def bundled_cost_data() -> CostData:
    """The bundled figures (all ``data/costs`` files of type ``cost_data``)."""
    figures: dict[str, Figure] = {}
    series: dict[str, Series] = {}
    files = []
    for name in COST_FILES.names():
        spec = COST_FILES.load(name)
        if not isinstance(spec, CostFileSpec):
            continue
        files.append(f"{name}.yaml")
        for key, fig in spec.figures.items():
            if key in figures:
                raise EdriveError(f"{name}.yaml: figure {key!r} is defined twice")
            figures[key] = _figure(key, fig, unit_text=fig.unit, price_year=fig.price_year,
                                   basis=fig.basis, source=fig.source)
        for key, ser in spec.series.items():
            series[key] = _series(key, ser)
    data = CostData(figures, series, tuple(files))
    data.check()
    return data


def read_overrides(path: str | Path) -> tuple[OverrideFileSpec, str]:
    """A user's override file, checked (see module docstring)."""
    p = Path(path)
    where = str(path)
    text = read_text_bounded(p, "cost overrides file", "a YAML file",
                             "EDRIVE_MAX_COST_FILE_BYTES", MAX_COST_FILE_BYTES)
    return overrides_from_mapping(read_yaml_mapping(text, where, "cost override"), where), where


def overrides_from_mapping(data: dict, where: str) -> OverrideFileSpec:
    if data.get("type", "cost_overrides") != "cost_overrides":
        raise EdriveError(f"{where}: type: {format_value(data.get('type'))}; allowed: "
                          "'cost_overrides'")
    return validate(OverrideFileSpec, data, where=where)


def load_cost_data(overrides: str | Path | dict | CostData | None = None) -> CostData:
    """The bundled figures, with a user's overrides (a file path or the same mapping) applied."""
    if isinstance(overrides, CostData):
        return overrides
    base = bundled_cost_data()
    if overrides is None:
        return base
    if isinstance(overrides, dict):
        return base.with_overrides(overrides_from_mapping(overrides, "overrides"), "overrides")
    spec, where = read_overrides(overrides)
    return base.with_overrides(spec, where)
