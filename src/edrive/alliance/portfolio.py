"""Portfolio files: the cars of an alliance of makers, the drive-unit variants that may serve
them, the batteries, plants, markets and purchasing terms of the plan.

A portfolio file is YAML (``type: portfolio``)::

    schema_version: 1
    type: portfolio
    name: Two makers, one drive-unit family
    description: illustrative volumes and requirements, not company data
    report_year: 2024            # money in euros of this year
    years: [2027, 2034]          # plan years, first and last
    partners:
      - {name: maker_a, fleets: [maker_a_eu_2025]}   # fleet files: the maker's other cars
      - {name: maker_b}
    programmes:
      - name: a_suv
        partner: maker_a
        brand: A
        segment: C-SUV
        vehicle: bmw_ix3             # base car; each candidate unit replaces its drive units
        volumes: {EU: {2027: 40000, 2028: 90000}, UK: 5000}   # cars per market and year
        requirements: {accel_0_100_kmh_s: 7.0, top_speed_kmh: 180, wltp_range_km: 450,
                       max_grade_pct: 30, continuous_power_kw: 80}   # each optional
    variants:
      family: {base: bmw_gen5_eesm, length_factors: [0.8, 1.0, 1.2], dc_voltages_v: [400, 800]}
      units: [jaguar_ipace_pm]       # units as they are (bundled names or EDU files)
    batteries:                       # pack options of every programme (optional)
      - {name: nmc_60, chemistry: nmc, energy_kwh: 60}
      - {name: nmc_sized, chemistry: nmc}              # no energy: sized for the range
    plants:
      - {name: plant_a, owner: maker_a, country: DE, capacity_units: 300000,
         line_capacity_units: 60000, cost_factor: 1.0,
         expansion: {step_units: 60000, fixed_cost_eur: 40e6, max_steps: 3}}
    markets:
      - {name: EU, jurisdiction: EU, logistics_eur_per_unit: {plant_a: 40},
         tariff_share: {plant_a: 0.0}}
    purchasing:                      # price factor of a material against pooled quantity
      - {component: magnet, tiers: [[0, 1.0], [150000, 0.97], [400000, 0.94]]}   # kg a year
    energy: {price_eur_per_kwh: 0.30, km_per_year: 15000, years: 8}   # optional

**Meaning of the fields.** ``volumes`` give cars (not drive units) per market: a number is
the same every plan year, a mapping gives years (years left out have none). An all-wheel
drive base car takes two drive units per car (``units_per_car``), and the plants' figures
(``capacity_units``, ``step_units``, ``line_capacity_units``) count drive units a year.
Requirements may carry units (``top_speed_kmh: 112 mph``, ``wltp_range_km: 280 mi``);
``max_grade_pct`` is the grade held from standstill. A family member is
:func:`edrive.edu.scale_edu` of ``base`` at each length factor and DC voltage (absent: the
base's voltage), named ``<base>_x<factor>_<volts>v``; a given unit is named after its file.
A battery option has a ``chemistry`` (``nmc``, ``lfp``), and either ``energy_kwh`` (a fixed
pack) or none (a pack sized for each programme's range, see :mod:`edrive.alliance.fit`);
``specific_energy_wh_per_kg`` (pack level) sets its mass, by default
:data:`PACK_SPECIFIC_ENERGY_WH_PER_KG` of the chemistry. Without ``batteries`` each
programme takes one range-sized NMC pack. A plant's ``country`` is a labour-cost country of
the cost data (AT, CN, DE, GB, HU, US); ``cost_factor`` multiplies its unit cost. A market
reaches the plants named in its ``logistics_eur_per_unit`` (EUR per drive unit shipped);
``tariff_share`` is the duty on a unit's value from each of them (absent: none);
``jurisdiction`` (optional) is the fleet-CO2 rule pack its cars count under (``EU``,
``GB``). A purchasing ``component`` is a material the drive units buy (:func:`purchasing_components`:
``magnet``, ``copper``, ``electrical_steel``, ``aluminium``, ``steel`` in kg, ``sic_dies``,
``si_dies`` in m2); each tier is [pooled annual quantity in that unit, price factor], from
quantity 0, quantities rising and factors not rising;
``kind: step`` holds a factor up to the next tier, ``linear`` interpolates between tiers.
``energy`` prices the electricity of the cars' lives (EUR per kWh from the wall, km a year,
years). ``cost_overrides`` names a cost overrides file (:mod:`edrive.alliance.cost_data`);
``battery_price_year`` the year whose pack prices apply (default: the first plan year).
Paths are taken from the portfolio file's folder.

**Checked up front**, each with a one-line error naming the field, the value and what is
allowed: unknown keys (with close matches), types, ranges and units of every value, names
given twice, a programme naming an unknown partner or market or a vehicle that does not
exist or is not battery-electric, a partner with no programme, volumes for years outside the
plan, an unknown drive unit, fleet, plant owner, plant country, rule pack or purchasing
component, a market with no plant route or naming an unknown plant, purchasing tiers out of
order, the report year outside the cost data, the battery price year outside the pack-price
series, the drive units demanded in a year beyond every plant's capacity after all expansion
steps (in all, or of the plants a market reaches), and the sizes below.

**Limits** (each a module constant and an environment variable of the same name with
``EDRIVE_`` in front, e.g. ``EDRIVE_MAX_PORTFOLIO_PROGRAMMES=5000``): at most
:data:`MAX_PORTFOLIO_PROGRAMMES` programmes, :data:`MAX_PORTFOLIO_VARIANTS` variants,
:data:`MAX_PORTFOLIO_PARTNERS` partners (the cost-sharing game solves 2^n - 1 coalitions),
:data:`MAX_PORTFOLIO_ENTRIES` battery options, plants, markets, purchasing components or
tiers of one, :data:`MAX_PLAN_YEARS` plan years, and :data:`MAX_PORTFOLIO_PAIRS`
programme x variant x battery combinations (the cars the fit simulates). Physical bounds:
at most :data:`MAX_CARS_PER_YEAR` cars of one programme in one market and year, and
:data:`MAX_PLANT_UNITS` drive units a year in one plant.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from ..constants import KMH_M_S
from ..errors import EdriveError, format_value, suggest, unknown_name
from ..limits import exists, limit
from ..registry import Registry, read_yaml_mapping
from ..spec import NUMBER, FieldError, Spec, validate
from ..units import quantity

SCHEMA_VERSION = 1

MAX_PORTFOLIO_PROGRAMMES = 1_000
MAX_PORTFOLIO_VARIANTS = 500
MAX_PORTFOLIO_PARTNERS = 10
MAX_PORTFOLIO_ENTRIES = 1_000
MAX_PLAN_YEARS = 50
MAX_PORTFOLIO_PAIRS = 200_000
MAX_CARS_PER_YEAR = 10_000_000   # above any car line's world sales in a year
MAX_PLANT_UNITS = 100_000_000    # drive units a year; above the world's car production

# Pack-level specific energy by chemistry [Wh/kg]; estimates (no figure in the project's
# sources): NMC packs of 2020-2024 battery-electric cars about 150-180, LFP cell-to-pack
# designs about 120-150. A battery option may give its own.
PACK_SPECIFIC_ENERGY_WH_PER_KG = {"nmc": 165.0, "lfp": 135.0}

# each requirement of a programme (in check order): its name in SI and the factor from the
# file's unit to SI
REQUIREMENT_SI = {"accel_0_100_kmh_s": ("accel_0_100_s", 1.0),
                  "top_speed_kmh": ("top_speed_m_s", KMH_M_S),
                  "wltp_range_km": ("range_m", 1e3), "max_grade_pct": ("max_grade", 0.01),
                  "continuous_power_kw": ("continuous_power_w", 1e3)}
REQUIREMENTS = tuple(REQUIREMENT_SI)


def _limit(name: str) -> tuple[int, str]:
    """The limit ``name`` (a constant of this module) and its environment variable."""
    var = f"EDRIVE_{name}"
    return limit(var, globals()[name]), var


def check_count(count: int, unit: str, name: str) -> None:
    """Refuse ``count`` above the limit ``name`` (ValueError: ``{count} {unit}; the limit is
    {limit} ({variable})``)."""
    most, var = _limit(name)
    if count > most:
        raise ValueError(f"{count:,} {unit}; the limit is {most:,} ({var})")


def _whole(value: Any) -> Any:
    """A count: a whole number (``40000`` or ``4.0e4``), never a yes/no value or a fraction."""
    if isinstance(value, bool):
        raise ValueError("a yes/no value is not a number; allowed: a whole number")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Name = Annotated[str, Field(min_length=1, max_length=100)]
Number = Annotated[float, NUMBER]
Cars = Annotated[int, BeforeValidator(_whole), Field(ge=0, le=MAX_CARS_PER_YEAR)]
PlantUnits = Annotated[int, BeforeValidator(_whole), Field(ge=0, le=MAX_PLANT_UNITS)]
Year = Annotated[int, BeforeValidator(_whole), Field(ge=1990, le=2100)]
Euros = Annotated[float, NUMBER, Field(ge=0, le=1e12)]
# cars of one market: a number (every plan year) or a mapping of years to numbers; only the
# member the value's shape names is checked, so that errors point into it (the tags are
# spelled as the message formatter drops union members from locations)
MarketCars = Annotated[
    Annotated[Cars, Tag("int")] | Annotated[dict[Year, Cars], Tag("dict[int, int]")],
    Discriminator(lambda v: "dict[int, int]" if isinstance(v, dict) else "int")]


def _unique(items: list, what: str) -> list:
    seen: set[str] = set()
    for item in items:
        if item.name in seen:
            raise ValueError(f"{what} name {format_value(item.name)} appears twice; names must "
                             "be unique")
        seen.add(item.name)
    return items


def _check_entries(items: list, what: str, one: str) -> list:
    check_count(len(items), what, "MAX_PORTFOLIO_ENTRIES")
    return _unique(items, one)


# --- the file's parts --------------------------------------------------------------------------

class Partner(Spec):
    """A maker of the alliance, and its fleet files (bundled names or paths) for fleet CO2."""

    name: Name
    fleets: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        default_factory=list)


class Requirements(Spec):
    """What a programme's car must achieve with its drive units (each optional)."""

    accel_0_100_kmh_s: Annotated[float, quantity("s"), Field(gt=0, le=100)] | None = None
    top_speed_kmh: Annotated[float, quantity("km/h"), Field(gt=0, le=500)] | None = None
    wltp_range_km: Annotated[float, quantity("km"), Field(gt=0, le=5000)] | None = None
    max_grade_pct: Annotated[float, Field(gt=0, le=500)] | None = None
    continuous_power_kw: Annotated[float, quantity("kW"), Field(gt=0, le=2000)] | None = None

    def si(self) -> dict[str, float]:
        """The requirements given, in SI units: ``accel_0_100_s`` [s], ``top_speed_m_s``,
        ``range_m``, ``max_grade`` (rise/run) and ``continuous_power_w``."""
        return {si: getattr(self, k) * factor for k, (si, factor) in REQUIREMENT_SI.items()
                if getattr(self, k) is not None}


class Programme(Spec):
    """A car line of one partner: its base car, volumes per market and requirements."""

    name: Name
    partner: Name
    brand: Annotated[str, Field(max_length=100)] = ""
    segment: Annotated[str, Field(max_length=100)] = ""
    vehicle: Annotated[str, Field(min_length=1, max_length=1000)]
    volumes: Annotated[dict[str, MarketCars], Field(min_length=1)]
    requirements: Requirements = Requirements()


class Family(Spec):
    """Members of one drive-unit family: ``base`` scaled to each length and DC voltage."""

    base: Annotated[str, Field(min_length=1, max_length=1000)]
    length_factors: Annotated[list[Annotated[float, Field(ge=0.1, le=10)]],
                              Field(min_length=1)]
    dc_voltages_v: Annotated[list[Annotated[float, quantity("V"), Field(gt=24, le=1500)]],
                             Field(min_length=1)] | None = None

    @field_validator("length_factors", "dc_voltages_v")
    @classmethod
    def _distinct(cls, values):
        if values is not None and len(set(values)) != len(values):
            raise ValueError("a value appears twice; give each once")
        return values


class Variants(Spec):
    """The candidate drive units: a family's members and units as they are."""

    family: Family | None = None
    units: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        default_factory=list)

    @model_validator(mode="after")
    def _some(self):
        if self.family is None and not self.units:
            raise ValueError("no variants; give a family, units, or both")
        return self


class BatteryOption(Spec):
    """A pack a programme may take: a fixed energy, or (no energy) sized for its range."""

    name: Name
    chemistry: Literal["nmc", "lfp"] = "nmc"
    energy_kwh: Annotated[float, quantity("kWh"), Field(gt=1, le=1000)] | None = None
    specific_energy_wh_per_kg: Annotated[float, quantity("W*h/kg"),
                                         Field(ge=20, le=1000)] | None = None

    @property
    def sized(self) -> bool:
        """Whether the pack is sized for each programme's range."""
        return self.energy_kwh is None

    @property
    def pack_specific_energy_j_per_kg(self) -> float:
        wh_kg = self.specific_energy_wh_per_kg or PACK_SPECIFIC_ENERGY_WH_PER_KG[self.chemistry]
        return wh_kg * 3600.0


DEFAULT_BATTERY = BatteryOption(name="sized_nmc", chemistry="nmc")


class Expansion(Spec):
    """Capacity a plant may add: steps of ``step_units`` at ``fixed_cost_eur`` each."""

    step_units: Annotated[PlantUnits, Field(gt=0)]
    fixed_cost_eur: Euros
    max_steps: Annotated[int, BeforeValidator(_whole), Field(ge=0, le=1000)]


class Plant(Spec):
    """A drive-unit plant of one partner."""

    name: Name
    owner: Name
    country: Annotated[str, Field(min_length=1, max_length=10)]
    capacity_units: PlantUnits
    line_capacity_units: Annotated[PlantUnits, Field(gt=0)] | None = None
    cost_factor: Annotated[float, Field(gt=0, le=10)] = 1.0
    expansion: Expansion | None = None

    @property
    def capacity_max_units(self) -> int:
        """Drive units a year after every expansion step."""
        e = self.expansion
        return self.capacity_units + (e.step_units * e.max_steps if e else 0)

    @model_validator(mode="after")
    def _line_fits(self):
        if (self.line_capacity_units is not None
                and self.line_capacity_units > self.capacity_max_units):
            raise FieldError("line_capacity_units", self.line_capacity_units,
                             f"above the plant's capacity after expansion "
                             f"({self.capacity_max_units:,} units)")
        return self


class Market(Spec):
    """Where cars are sold: the plants that ship to it, at what logistics cost and duty."""

    name: Name
    jurisdiction: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    logistics_eur_per_unit: dict[str, Annotated[float, NUMBER, Field(ge=0, le=1e5)]]
    tariff_share: dict[str, Annotated[float, NUMBER, Field(ge=0, le=1)]] = Field(
        default_factory=dict)


class Purchasing(Spec):
    """Price factors of one cost line against the pooled annual volume [units]."""

    component: Annotated[str, Field(min_length=1, max_length=200)]
    tiers: Annotated[list[tuple[Annotated[float, NUMBER, Field(ge=0, le=1e12)],
                                Annotated[float, NUMBER, Field(gt=0, le=2)]]],
                     Field(min_length=1)]
    kind: Literal["step", "linear"] = "step"

    @field_validator("tiers")
    @classmethod
    def _ordered(cls, tiers):
        check_count(len(tiers), "tiers", "MAX_PORTFOLIO_ENTRIES")
        if tiers[0][0] != 0:
            raise ValueError(f"the first tier starts at {tiers[0][0]:g}; allowed: the "
                             "first tier at quantity 0")
        for (v0, f0), (v1, f1) in zip(tiers, tiers[1:], strict=False):
            if v1 <= v0:
                raise ValueError(f"quantities {v0:g} then {v1:g}; allowed: rising quantities")
            if f1 > f0:
                raise ValueError(f"factors {f0:g} then {f1:g}; allowed: factors that do not "
                                 "rise with quantity")
        return tiers


class Energy(Spec):
    """Electricity over the cars' lives, for a life-cycle energy cost."""

    price_eur_per_kwh: Annotated[float, Field(ge=0, le=10)]
    km_per_year: Annotated[float, Field(ge=0, le=200_000)]
    years: Annotated[float, Field(ge=0, le=40)]


class PortfolioSpec(Spec):
    """A portfolio file (see the module docstring). Built by :func:`portfolio_from_mapping`
    (or loaded by :func:`load_portfolio`), which also checks what the file names."""

    schema_version: Literal[1] = 1
    type: Literal["portfolio"] = "portfolio"
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: str = ""
    sources: dict[str, str] = Field(default_factory=dict)
    report_year: Year
    years: tuple[Year, Year]
    partners: Annotated[list[Partner], Field(min_length=1)]
    programmes: Annotated[list[Programme], Field(min_length=1)]
    variants: Variants
    batteries: list[BatteryOption] = Field(default_factory=list)
    plants: Annotated[list[Plant], Field(min_length=1)]
    markets: Annotated[list[Market], Field(min_length=1)]
    purchasing: list[Purchasing] = Field(default_factory=list)
    energy: Energy | None = None
    cost_overrides: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    battery_price_year: Year | None = None

    _base_dir: Path | None = PrivateAttr(default=None)
    _where: str = PrivateAttr(default="portfolio")
    _vehicles: tuple[str, ...] = PrivateAttr(default=())
    _units_per_car: tuple[int, ...] = PrivateAttr(default=())

    @field_validator("years")
    @classmethod
    def _plan_years(cls, years):
        first, last = years
        if last < first:
            raise ValueError(f"{first} then {last}; allowed: the first plan year, then the last")
        check_count(last - first + 1, "plan years", "MAX_PLAN_YEARS")
        return years

    @field_validator("partners")
    @classmethod
    def _partners(cls, partners):
        check_count(len(partners), "partners", "MAX_PORTFOLIO_PARTNERS")
        return _unique(partners, "partner")

    @field_validator("programmes")
    @classmethod
    def _programmes(cls, programmes):
        check_count(len(programmes), "programmes", "MAX_PORTFOLIO_PROGRAMMES")
        return _unique(programmes, "programme")

    @field_validator("batteries", "plants", "markets")
    @classmethod
    def _entries(cls, items, info):
        one = {"batteries": "battery option", "plants": "plant", "markets": "market"}
        return _check_entries(items, info.field_name, one[info.field_name])

    @field_validator("purchasing")
    @classmethod
    def _components(cls, items):
        check_count(len(items), "components", "MAX_PORTFOLIO_ENTRIES")
        seen: set[str] = set()
        for p in items:
            if p.component in seen:
                raise ValueError(f"component {format_value(p.component)} appears twice; give "
                                 "each once")
            seen.add(p.component)
        return items

    @model_validator(mode="after")
    def _references(self):
        partners = [p.name for p in self.partners]
        markets = [m.name for m in self.markets]
        plants = [p.name for p in self.plants]
        first, last = self.years
        for i, prog in enumerate(self.programmes):
            if prog.partner not in partners:
                raise FieldError(f"programmes.{i}.partner", prog.partner,
                                 f"not a partner{suggest(prog.partner, partners)}; partners: "
                                 f"{', '.join(partners)}")
            for market, cars in prog.volumes.items():
                if market not in markets:
                    raise FieldError(f"programmes.{i}.volumes", market,
                                     f"not a market{suggest(market, markets)}; markets: "
                                     f"{', '.join(markets)}")
                for year in cars if isinstance(cars, dict) else ():
                    if not first <= year <= last:
                        raise FieldError(f"programmes.{i}.volumes.{market}", year,
                                         f"outside the plan years {first}-{last}")
        served = {p.partner for p in self.programmes}
        for i, partner in enumerate(self.partners):
            if partner.name not in served:
                raise FieldError(f"partners.{i}", partner.name,
                                 "has no programme; give it one or leave it out")
        for i, plant in enumerate(self.plants):
            if plant.owner not in partners:
                raise FieldError(f"plants.{i}.owner", plant.owner,
                                 f"not a partner{suggest(plant.owner, partners)}; partners: "
                                 f"{', '.join(partners)}")
        for i, market in enumerate(self.markets):
            if not market.logistics_eur_per_unit:
                raise FieldError(f"markets.{i}.logistics_eur_per_unit", market.name,
                                 "the market has no plant route; name at least one plant")
            for key in ("logistics_eur_per_unit", "tariff_share"):
                for plant in getattr(market, key):
                    if plant not in plants:
                        raise FieldError(f"markets.{i}.{key}", plant,
                                         f"not a plant{suggest(plant, plants)}; plants: "
                                         f"{', '.join(plants)}")
            for plant in market.tariff_share:
                if plant not in market.logistics_eur_per_unit:
                    raise FieldError(f"markets.{i}.tariff_share", plant,
                                     "no route from this plant (logistics_eur_per_unit)")
        fam = self.variants.family
        n_variants = len(self.variants.units) + (
            0 if fam is None else len(fam.length_factors) * len(fam.dc_voltages_v or [0]))
        try:
            check_count(n_variants, "variants", "MAX_PORTFOLIO_VARIANTS")
            check_count(len(self.programmes) * n_variants * len(self.battery_options()),
                        "combinations", "MAX_PORTFOLIO_PAIRS")
        except ValueError as exc:
            what = "variants" if "variants" in str(exc) else "programmes x variants x batteries"
            raise ValueError(f"{what}: {exc}") from None
        return self

    # --- what the plan's modules read -----------------------------------------------------------

    @property
    def base_dir(self) -> Path | None:
        """The folder that paths in the file are taken from (the file's)."""
        return self._base_dir

    @property
    def where(self) -> str:
        """The file (or bundled name) the portfolio was read from, for messages."""
        return self._where

    def plan_years(self) -> list[int]:
        """Every plan year, first to last."""
        return list(range(self.years[0], self.years[1] + 1))

    def partner_index(self) -> np.ndarray:
        """(P,) index into ``partners`` of each programme's partner."""
        names = [p.name for p in self.partners]
        return np.array([names.index(p.partner) for p in self.programmes], dtype=int)

    def volume_cars(self) -> np.ndarray:
        """(P, M, Y) cars of each programme in each market and plan year."""
        years = self.plan_years()
        markets = [m.name for m in self.markets]
        out = np.zeros((len(self.programmes), len(markets), len(years)))
        for i, prog in enumerate(self.programmes):
            for market, cars in prog.volumes.items():
                m = markets.index(market)
                if isinstance(cars, dict):
                    for year, n in cars.items():
                        out[i, m, year - years[0]] = n
                else:
                    out[i, m, :] = cars
        return out

    def units_per_car(self) -> np.ndarray:
        """(P,) drive units in each programme's car (two for an all-wheel-drive base car)."""
        return np.array(self._units_per_car, dtype=int)

    def demand_units(self) -> np.ndarray:
        """(P, M, Y) drive units each programme needs in each market and plan year."""
        return self.volume_cars() * self.units_per_car()[:, None, None]

    def vehicle_refs(self) -> tuple[str, ...]:
        """Each programme's base car as :func:`edrive.load_vehicle` finds it (a bundled name or
        a path resolved against the file's folder)."""
        return self._vehicles

    def variant_definitions(self) -> list[Variant]:
        """The candidate drive units, family members first (length factor, then voltage)."""
        from ..edu import load_edu

        out = []
        fam = self.variants.family
        if fam is not None:
            base = _resolve(fam.base, self._base_dir)
            for k in fam.length_factors:
                for v in fam.dc_voltages_v or [load_edu(base).dc_voltage_v]:
                    out.append(Variant(f"{_stem(fam.base)}_x{k:g}_{v:.0f}v", base, k, v))
        out.extend(Variant(_stem(u), _resolve(u, self._base_dir)) for u in self.variants.units)
        return out

    def battery_options(self) -> list[BatteryOption]:
        """The pack options; one range-sized NMC pack where the file gives none."""
        return list(self.batteries) or [DEFAULT_BATTERY]

    def price_year(self) -> int:
        """The year whose battery pack prices apply."""
        return self.battery_price_year or self.years[0]

    def cost_overrides_path(self) -> str | None:
        """The cost overrides file, resolved against the portfolio file's folder."""
        return None if self.cost_overrides is None else _resolve(self.cost_overrides,
                                                                 self._base_dir)


@dataclass(frozen=True)
class Variant:
    """A candidate drive unit named ``name``: ``edu`` (a bundled name or a path) as it is, or,
    with ``length_factor``, the member of the family of ``edu`` at that active-length factor
    and DC voltage."""

    name: str
    edu: str
    length_factor: float | None = None
    dc_voltage_v: float | None = None

    def build(self):
        """The drive-unit spec, its numeric model built (errors name the variant)."""
        from ..edu import load_edu, scale_edu

        try:
            if self.length_factor is None:
                spec = load_edu(self.edu)
            else:
                spec = scale_edu(self.edu, length_factor=self.length_factor,
                                 dc_voltage_v=self.dc_voltage_v, name=self.name)
            spec.model()
        except EdriveError as exc:
            raise EdriveError(f"variant {self.name}: "
                              f"{str(exc).removeprefix(self.name + ': ')}") from None
        return spec


def _stem(name_or_path: str) -> str:
    return Path(name_or_path).stem if name_or_path.lower().endswith((".yaml", ".yml")) \
        else name_or_path


def _resolve(name_or_path: str, base_dir: Path | None) -> str:
    """A path relative to ``base_dir`` where such a file exists, else ``name_or_path``."""
    path = Path(name_or_path)
    if base_dir is not None and not path.is_absolute() and exists(base_dir / path):
        return str(base_dir / path)
    return name_or_path


# --- what the file names: vehicles, units, fleets, cost data, capacity -------------------------

def _check_files(spec: PortfolioSpec) -> None:
    """Everything the file names must exist and fit; sets the resolved vehicles."""
    from ..powertrains import powertrain_of
    from ..vehicle import load_vehicle

    refs, units = [], []
    for i, prog in enumerate(spec.programmes):
        ref = _resolve(prog.vehicle, spec.base_dir)
        try:
            car = load_vehicle(ref)
        except EdriveError as exc:
            raise EdriveError(f"programmes.{i} ({prog.name}): vehicle: {exc}") from None
        if not powertrain_of(car).drive_units:
            raise EdriveError(f"programmes.{i} ({prog.name}): vehicle: "
                              f"{format_value(prog.vehicle)} is a {car.type} car; allowed: a "
                              "battery-electric car (type bev), whose drive units the variants "
                              "replace")
        refs.append(ref)
        units.append(len(car.drive_units))
    spec._vehicles, spec._units_per_car = tuple(refs), tuple(units)
    _check_variants(spec)
    _check_fleets(spec)
    _check_cost_data(spec)
    _check_capacity(spec)


def _check_variants(spec: PortfolioSpec) -> None:
    from ..edu import load_edu

    fam = spec.variants.family
    if fam is not None:
        try:
            load_edu(_resolve(fam.base, spec.base_dir))
        except EdriveError as exc:
            raise EdriveError(f"variants.family.base: {exc}") from None
    for i, unit in enumerate(spec.variants.units):
        try:
            load_edu(_resolve(unit, spec.base_dir))
        except EdriveError as exc:
            raise EdriveError(f"variants.units.{i}: {exc}") from None
    names = [v.name for v in spec.variant_definitions()]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise EdriveError(f"variants: {format_value(twice[0])} appears twice (a unit given twice, "
                          "a family member given again as a unit, or voltages that round to "
                          "the same volt); give each once")


def _check_fleets(spec: PortfolioSpec) -> None:
    from .fleet_file import load_fleet
    from .rules import list_rule_packs

    for i, partner in enumerate(spec.partners):
        for j, fleet in enumerate(partner.fleets):
            try:
                load_fleet(_resolve(fleet, spec.base_dir))
            except EdriveError as exc:
                raise EdriveError(f"partners.{i}.fleets.{j}: {exc}") from None
    packs = list_rule_packs()
    for i, market in enumerate(spec.markets):
        if market.jurisdiction is not None and market.jurisdiction.lower() not in packs:
            raise EdriveError(f"markets.{i}.jurisdiction: " + str(unknown_name(
                "jurisdiction", market.jurisdiction, [p.upper() for p in packs])))


def purchasing_components() -> tuple[str, ...]:
    """The materials a purchasing entry may name (:mod:`edrive.alliance.purchasing`: NdFeB
    magnets, copper, electrical steel, aluminium and steel in kg, SiC and Si dies in m2)."""
    from .purchasing import DIES, MATERIALS

    return (*MATERIALS, *DIES.values())


def _check_cost_data(spec: PortfolioSpec) -> None:
    from .battery_cost import average_pack_price_eur_per_kwh
    from .cost_data import load_cost_data

    try:
        data = load_cost_data(spec.cost_overrides_path())
    except EdriveError as exc:
        raise EdriveError(f"cost_overrides: {exc}") from None
    data.check_year(spec.report_year, "report_year")
    average_pack_price_eur_per_kwh(spec.price_year(), data, spec.report_year)
    countries = data.names("labour")
    for i, plant in enumerate(spec.plants):
        if plant.country not in countries:
            raise EdriveError(f"plants.{i}.country: " + str(unknown_name(
                "plant country", plant.country, countries)))
    materials = purchasing_components()
    for i, p in enumerate(spec.purchasing):
        if p.component not in materials:
            raise EdriveError(f"purchasing.{i}.component: " + str(unknown_name(
                "purchased material", p.component, materials)))


def _check_capacity(spec: PortfolioSpec) -> None:
    """Drive units demanded in each year within the plants' capacity after expansion: in all,
    and for each market within the plants that ship to it."""
    demand = spec.demand_units()                     # (P, M, Y)
    years = spec.plan_years()
    cap = {p.name: p.capacity_max_units for p in spec.plants}
    total_cap = sum(cap.values())
    by_year = demand.sum(axis=(0, 1))
    for y, units in zip(years, by_year, strict=True):
        if units > total_cap:
            raise EdriveError(f"plants: {y}: {units:,.0f} drive units demanded; every plant "
                              f"together makes at most {total_cap:,} after all expansion steps; "
                              "raise capacity_units or expansion.max_steps, or lower volumes")
    for m, market in enumerate(spec.markets):
        reach = sum(cap[p] for p in market.logistics_eur_per_unit)
        for y, units in zip(years, demand[:, m, :].sum(axis=0), strict=True):
            if units > reach:
                raise EdriveError(
                    f"markets.{m} ({market.name}): {y}: {units:,.0f} drive units demanded; the "
                    f"plants it is routed to ({', '.join(market.logistics_eur_per_unit)}) make "
                    f"at most {reach:,} after all expansion steps; add a route or capacity")


# --- files, the registry and mappings ----------------------------------------------------------

def portfolio_from_mapping(data: Any, where: str = "portfolio",
                           base_dir: Path | None = None) -> PortfolioSpec:
    """A validated portfolio from a mapping (a parsed file): every check of the module
    docstring, errors prefixed with ``where``; paths are taken from ``base_dir``."""
    if not isinstance(data, dict):
        raise EdriveError(f"{where}: expected a mapping of portfolio fields, got "
                          f"{type(data).__name__}")
    if data.get("type", "portfolio") != "portfolio":
        raise EdriveError(f"{where}: type: {format_value(data.get('type'))}; allowed: "
                          "'portfolio'")
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise EdriveError(f"{where}: schema_version: {format_value(version)}; allowed: "
                          f"{SCHEMA_VERSION}")
    spec = validate(PortfolioSpec, data, where=where)
    spec._base_dir, spec._where = base_dir, where
    try:
        _check_files(spec)
    except EdriveError as exc:
        raise EdriveError(f"{where}: {exc}") from None
    return spec


def portfolio_from_yaml(text: str, where: str = "portfolio",
                        base_dir: Path | None = None) -> PortfolioSpec:
    """Parse and check portfolio YAML text (paths are taken from ``base_dir``)."""
    return portfolio_from_mapping(read_yaml_mapping(text, where, "portfolio"), where, base_dir)


PORTFOLIOS = Registry("portfolios", "portfolio", portfolio_from_yaml)


def list_portfolios() -> list[str]:
    """Names of the bundled (illustrative) portfolios."""
    return PORTFOLIOS.names()


def load_portfolio(name_or_path: str | Path | PortfolioSpec) -> PortfolioSpec:
    """A bundled portfolio by name or a portfolio file by path, checked."""
    if isinstance(name_or_path, PortfolioSpec):
        return name_or_path
    if not isinstance(name_or_path, str | Path):
        raise EdriveError(f"portfolio: {format_value(name_or_path)}; allowed: a bundled "
                          "portfolio name or the path of a portfolio file")
    return PORTFOLIOS.load(name_or_path)


__all__ = ["MAX_PORTFOLIO_PAIRS", "PACK_SPECIFIC_ENERGY_WH_PER_KG", "REQUIREMENTS",
           "BatteryOption", "PortfolioSpec", "Programme", "Variant", "list_portfolios",
           "load_portfolio", "portfolio_from_mapping", "portfolio_from_yaml"]
