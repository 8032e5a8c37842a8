"""Fleet CO2 rule packs: the constants of a jurisdiction's law, year by year, as data.

A rule pack is a YAML file (``type: fleet_co2_rules``) listing, for each constant, the years
it applies to, its value, its legal source (act, provision, URL) and whether the value was
read in the legal text (``verified: true``) or rests on another source named in its
``note`` (``verified: false``, the note is then required). The bundled packs are ``eu``
(Regulation (EU) 2019/631 and its amendments, 2020-2035) and ``gb`` (the retained
regulation 2021-2023, the Vehicle Emissions Trading Schemes Order 2023 from 2024); a user's
own pack is read from a path the same way (``edrive fleet-co2 --rules my_rules.yaml``).

:meth:`RulePack.year` gives the constants of one year as a :class:`YearRules`, checking that
every constant the year's target method needs is there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..errors import EdriveError, format_value, suggest, unknown_name
from ..registry import Registry, read_yaml_mapping
from ..spec import Spec, validate

TARGET_METHODS = ("nedc_mass_2020", "wltp_transition", "test_mass", "zero", "zev_mandate")

# constant name -> what it is (its unit is in its name; shares and factors are fractions)
CONSTANTS = {
    "target_method": "how the maker's specific emissions target is found: "
                     + ", ".join(TARGET_METHODS),
    "fleet_target_g_per_km": "EU fleet-wide target",
    "mass_slope_g_per_km_per_kg": "slope a of the target against the mass (signed)",
    "reference_mass_kg": "M0 (mass in running order, to 2024) or TM0 (test mass, 2025-)",
    "reference_mass_2020_kg": "M0 of 2020, in the 2021-2024 transition formula",
    "target_floor_g_per_km": "lowest specific emissions target",
    "phase_in_share": "share of the least-emitting new cars counted in the average",
    "super_credit_multiplier": "how many cars a car below the super-credit threshold counts as",
    "super_credit_threshold_g_per_km": "cars below this count as super-credit cars",
    "super_credit_cap_g_per_km": "most super-credits may lower the average over 2020-2022",
    "zlev_benchmark_share": "ZLEV benchmark x",
    "zlev_factor_max_increase": "largest increase of the target by the ZLEV factor",
    "zlev_weighting_coefficient": "k in the ZLEV count 1 - k CO2 / threshold",
    "zlev_threshold_g_per_km": "zero- and low-emission vehicle: CO2 up to this",
    "zlev_low_uptake_multiplier": "ZLEVs registered in low-uptake Member States count this much",
    "eco_innovation_cap_g_per_km": "most eco-innovations may lower the average",
    "premium_per_g_per_km_per_car": "excess emissions premium per g/km per car",
    "excess_rounding_decimals": "decimals the excess emissions are rounded to",
    "averaging_first_year": "first year of the multi-year averaging period",
    "averaging_last_year": "last year of the multi-year averaging period",
    "zev_share_required": "share of new cars that must be zero-emission (ZEV mandate)",
    "zev_payment_per_car": "payment per non-ZEV car without an allowance",
    "non_zev_co2_payment_per_g_per_km_per_car": "payment per g/km above the non-ZEV CO2 "
                                                "target, per non-ZEV car",
}

# constants each target method needs in its years (others are optional)
REQUIRED = {
    "nedc_mass_2020": ("fleet_target_g_per_km", "mass_slope_g_per_km_per_kg",
                       "reference_mass_kg"),
    "wltp_transition": ("mass_slope_g_per_km_per_kg", "reference_mass_kg",
                        "reference_mass_2020_kg"),
    "test_mass": ("fleet_target_g_per_km", "mass_slope_g_per_km_per_kg", "reference_mass_kg"),
    "zero": ("fleet_target_g_per_km",),
    "zev_mandate": ("zev_share_required", "zev_payment_per_car",
                    "non_zev_co2_payment_per_g_per_km_per_car"),
}
REQUIRED_ALWAYS = ("phase_in_share",)
REQUIRED_UNLESS_ZEV = ("premium_per_g_per_km_per_car", "excess_rounding_decimals")
ZLEV_SET = ("zlev_benchmark_share", "zlev_factor_max_increase", "zlev_weighting_coefficient",
            "zlev_threshold_g_per_km", "zlev_low_uptake_multiplier")
SUPER_CREDIT_SET = ("super_credit_threshold_g_per_km", "super_credit_cap_g_per_km")

Year = Annotated[int, Field(ge=1990, le=2100)]


class Sourced(Spec):
    """One value of a constant for a span of years, with its legal source."""

    years: tuple[Year, Year]
    value: float | str
    source: Annotated[str, Field(min_length=5)]
    url: Annotated[str, Field(pattern=r"^https?://\S+$")]
    verified: bool
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self):
        if self.years[0] > self.years[1]:
            raise ValueError(f"years {list(self.years)}: the first year is after the last")
        if not self.verified and not self.note.strip():
            raise ValueError("an unverified value needs a note saying where it comes from")
        return self


class Flexibility(Spec):
    """A rule of the law that is reported, not computed (its numbers are inputs)."""

    name: str
    rule: str
    years: tuple[Year, Year]
    source: Annotated[str, Field(min_length=5)]
    url: Annotated[str, Field(pattern=r"^https?://\S+$")]
    verified: bool
    note: str = ""

    @model_validator(mode="after")
    def _noted(self):
        if not self.verified and not self.note.strip():
            raise ValueError("an unverified rule needs a note saying where it comes from")
        return self


class RulePack(Spec):
    """A jurisdiction's fleet CO2 constants, year by year (see the module docstring)."""

    schema_version: Literal[1] = 1
    type: Literal["fleet_co2_rules"] = "fleet_co2_rules"
    jurisdiction: Annotated[str, Field(min_length=1, max_length=40)]
    title: str
    currency: Literal["EUR", "GBP"]
    first_year: Year
    last_year: Year
    constants: dict[str, list[Sourced]]
    flexibilities: list[Flexibility] = []

    @model_validator(mode="after")
    def _coherent(self):
        if self.first_year > self.last_year:
            raise ValueError(f"first_year {self.first_year} is after last_year {self.last_year}")
        for name, entries in self.constants.items():
            if name not in CONSTANTS:
                raise ValueError(f"constants: unknown constant {name!r}"
                                 f"{suggest(name, CONSTANTS)}; allowed: {', '.join(CONSTANTS)}")
            spans = sorted(e.years for e in entries)
            for (a0, a1), (b0, _) in zip(spans, spans[1:], strict=False):
                if b0 <= a1:
                    raise ValueError(f"constants.{name}: years {a0}-{a1} and from {b0} overlap")
            for e in entries:
                if e.years[0] < self.first_year or e.years[1] > self.last_year:
                    raise ValueError(f"constants.{name}: years {list(e.years)} outside the "
                                     f"pack's {self.first_year}-{self.last_year}")
                kind = str if name == "target_method" else float
                if not isinstance(e.value, kind) or (kind is str
                                                      and e.value not in TARGET_METHODS):
                    allowed = ", ".join(TARGET_METHODS) if kind is str else "a number"
                    raise ValueError(f"constants.{name}: {format_value(e.value)}; allowed: "
                                     f"{allowed}")
        for y in range(self.first_year, self.last_year + 1):
            if _covering(self.constants.get("target_method", []), y) is None:
                raise ValueError(f"constants.target_method: no value for {y}")
        return self

    def year(self, year: int) -> YearRules:
        """The constants that apply in ``year``; a year outside the pack, or a constant the
        year's target method needs but the pack lacks, is an :class:`EdriveError`."""
        if isinstance(year, bool) or not isinstance(year, int) or not (
                self.first_year <= year <= self.last_year):
            raise EdriveError(f"year: {format_value(year)}; the {self.jurisdiction} rule pack covers "
                              f"{self.first_year}-{self.last_year}")
        found = {n: e for n in self.constants
                 if (e := _covering(self.constants[n], year)) is not None}
        method = str(found["target_method"].value)
        needed = [*REQUIRED[method], *REQUIRED_ALWAYS]
        if method != "zev_mandate":
            needed += REQUIRED_UNLESS_ZEV
        if "zlev_benchmark_share" in found:
            needed += ZLEV_SET
        if found.get("super_credit_multiplier") and found["super_credit_multiplier"].value != 1:
            needed += SUPER_CREDIT_SET
        for n in needed:
            if n not in found:
                raise EdriveError(f"{self.jurisdiction} rule pack: constants.{n}: no value for "
                                  f"{year} (the {method!r} target method needs it)")
        values = {n: e.value for n, e in found.items()}
        return YearRules(jurisdiction=self.jurisdiction, currency=self.currency, year=year,
                         method=method, values=values, sources=found,
                         flexibilities=tuple(f for f in self.flexibilities
                                             if f.years[0] <= year <= f.years[1]))


def _covering(entries: list[Sourced], year: int) -> Sourced | None:
    return next((e for e in entries if e.years[0] <= year <= e.years[1]), None)


@dataclass(frozen=True)
class YearRules:
    """The constants of one jurisdiction and year; ``get(name)`` is ``None`` for a constant
    that does not apply that year."""

    jurisdiction: str
    currency: str
    year: int
    method: str
    values: dict = field(repr=False)
    sources: dict = field(repr=False)
    flexibilities: tuple = field(repr=False, default=())

    def get(self, name: str, default=None):
        return self.values.get(name, default)

    def __getitem__(self, name: str):
        return self.values[name]

    @property
    def has_zlev(self) -> bool:
        return "zlev_benchmark_share" in self.values

    @property
    def unverified(self) -> list[str]:
        """Names of this year's constants whose value was not read in the legal text."""
        return sorted(n for n, e in self.sources.items() if not e.verified)

    @property
    def averaging_years(self) -> tuple[int, int] | None:
        if "averaging_first_year" not in self.values:
            return None
        return int(self["averaging_first_year"]), int(self["averaging_last_year"])


# --- files and registry ----------------------------------------------------------------------

def rules_from_yaml(text: str, where: str = "rules", base_dir: Path | None = None) -> RulePack:
    """Parse and validate rule-pack YAML text."""
    return validate(RulePack, read_yaml_mapping(text, where, "rule pack"), where=where)


RULES = Registry("rules", "rule pack", rules_from_yaml)


def list_rule_packs() -> list[str]:
    """Names of the bundled rule packs (one per jurisdiction, lower case)."""
    return RULES.names()


def load_rules(name_or_path: str | Path | RulePack) -> RulePack:
    """A bundled rule pack by jurisdiction (``"eu"``, ``"GB"``) or a rule-pack file by path."""
    if isinstance(name_or_path, RulePack):
        return name_or_path
    key = str(name_or_path)
    if key.lower() in RULES.names():
        key = key.lower()
    elif not key.lower().endswith((".yaml", ".yml")) and not Path(key).exists():
        raise unknown_name("jurisdiction", key, [n.upper() for n in RULES.names()])
    return RULES.load(key)
