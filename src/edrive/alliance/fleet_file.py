"""Fleet files: one maker's new cars of one year in one jurisdiction, and their loading.

A fleet file (``type: fleet``) names the maker, the jurisdiction (a rule pack, e.g. ``EU``),
the year and the models: each with its registrations and either its WLTP CO2 and test mass
or an edrive vehicle (bundled name or path) simulated to get them
(:func:`vehicle_wltp`). Values may carry units (``co2_g_per_km: 230 g/mi``,
``test_mass_kg: 3900 lb``); unknown keys are errors. Example::

    schema_version: 1
    type: fleet
    name: Example maker, EU 2025
    maker: example
    jurisdiction: EU
    year: 2025
    models:
      - {name: petrol saloon, registrations: 90000, co2_g_per_km: 140, test_mass_kg: 1700}
      - {name: electric SUV, vehicle: bmw_ix3, registrations: 30000}

Limits: at most :data:`MAX_FLEET_MODELS` models (environment variable
``EDRIVE_MAX_FLEET_MODELS``) and :data:`MAX_MODEL_REGISTRATIONS` registrations per model (a
physical bound: more than the whole EU market of a year).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import (
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..errors import EdriveError, suggest
from ..limits import limit
from ..registry import Registry, read_yaml_mapping
from ..spec import Spec, validate
from ..units import quantity

MAX_FLEET_MODELS = 10_000
MAX_MODEL_REGISTRATIONS = 50_000_000
MAX_CO2_G_PER_KM = 1000.0  # above any car ever type-approved
WLTP_CYCLE = "wltc"  # the WLTC class 3b trace of the WLTP


def max_fleet_models() -> int:
    """The models limit: :data:`MAX_FLEET_MODELS` or ``EDRIVE_MAX_FLEET_MODELS``."""
    return limit("EDRIVE_MAX_FLEET_MODELS", MAX_FLEET_MODELS)


# Booleans are refused by every Spec's numeric fields; units are read by edrive.units.
Co2 = Annotated[float, quantity("g/km"), Field(ge=0, le=MAX_CO2_G_PER_KM)]
MassKg = Annotated[float, quantity("kg"), Field(gt=0, le=10_000)]
Share = Annotated[float, Field(ge=0, le=1)]


class FleetModel(Spec):
    """One model line of the fleet: registrations and either its figures or a vehicle."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    registrations: Annotated[int, Field(ge=0, le=MAX_MODEL_REGISTRATIONS)]
    co2_g_per_km: Co2 | None = None
    test_mass_kg: MassKg | None = None
    mass_in_running_order_kg: MassKg | None = None
    vehicle: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    eco_innovation_g_per_km: Annotated[float, quantity("g/km"), Field(ge=0, le=50)] = 0.0
    low_zlev_uptake_share: Share = 0.0

    @model_validator(mode="after")
    def _one_source(self):
        if self.vehicle is None and self.co2_g_per_km is None:
            raise ValueError("give co2_g_per_km (WLTP) or a vehicle to simulate")
        if self.vehicle is not None and (self.co2_g_per_km is not None
                                         or self.test_mass_kg is not None):
            raise ValueError("a simulated vehicle gives co2_g_per_km and test_mass_kg; give "
                             "either the vehicle or the figures, not both")
        return self


class Transition2021(Spec):
    """The maker's 2020 figures for its 2021-2024 target (Reg. (EU) 2019/631 Annex I Part A
    points 3-4)."""

    wltp_co2_2020_g_per_km: Co2
    nedc_co2_2020_g_per_km: Co2
    nedc_target_2020_g_per_km: Annotated[float, quantity("g/km"), Field(gt=0, le=1000)]
    mass_in_running_order_2020_kg: MassKg


class AveragingYear(Spec):
    """The maker's (or its pool's) figures of another year of a multi-year averaging period."""

    year: Annotated[int, Field(ge=1990, le=2100)]
    registrations: Annotated[int, Field(ge=1, le=MAX_MODEL_REGISTRATIONS)]
    average_g_per_km: Co2
    target_g_per_km: Co2


class GbInputs(Spec):
    """Inputs of the GB ZEV mandate: the maker's non-ZEV CO2 target and its allowances from
    banking, borrowing, conversion or trading."""

    non_zev_co2_target_g_per_km: Co2 | None = None
    extra_zev_allowances: Annotated[int, Field(ge=0, le=MAX_MODEL_REGISTRATIONS)] = 0


class FleetSpec(Spec):
    """A maker's fleet of new cars in one jurisdiction and year (see the module docstring)."""

    schema_version: Literal[1] = 1
    type: Literal["fleet"] = "fleet"
    name: Annotated[str, Field(min_length=1, max_length=200)]
    maker: Annotated[str, Field(min_length=1, max_length=100)]
    jurisdiction: Annotated[str, Field(min_length=1, max_length=40)]
    year: Annotated[int, Field(ge=1990, le=2100)]
    description: str = ""
    sources: dict[str, str] = Field(default_factory=dict)
    models: list[FleetModel]
    electric_model: str | None = None
    transition_2021: Transition2021 | None = None
    super_credit_used_g_per_km: Annotated[float, quantity("g/km"), Field(ge=0, le=50)] = 0.0
    averaging: list[AveragingYear] = Field(default_factory=list)
    gb: GbInputs | None = None

    _base_dir: Path | None = PrivateAttr(default=None)
    _where: str = PrivateAttr(default="fleet")

    @field_validator("models")
    @classmethod
    def _some_cars(cls, models: list[FleetModel]) -> list[FleetModel]:
        if not models:
            raise ValueError("the fleet has no models; give at least one model with "
                             "registrations")
        limit = max_fleet_models()
        if len(models) > limit:
            raise ValueError(f"{len(models)} models; the limit is {limit:,} "
                             "(EDRIVE_MAX_FLEET_MODELS)")
        if sum(m.registrations for m in models) == 0:
            raise ValueError("the fleet has no cars: every model has 0 registrations")
        seen: set[str] = set()
        for m in models:
            if m.name in seen:
                raise ValueError(f"model name {m.name[:60]!r} appears twice; names must be "
                                 "unique")
            seen.add(m.name)
        return models

    @field_validator("electric_model")
    @classmethod
    def _known_model(cls, name: str | None, info: ValidationInfo) -> str | None:
        names = [m.name for m in info.data.get("models", [])]
        if name is not None and names and name not in names:
            raise ValueError(f"not a model of the fleet{suggest(name, names)}")
        return name

    @property
    def base_dir(self) -> Path | None:
        """The folder vehicle paths are taken from (the fleet file's)."""
        return self._base_dir

    @property
    def where(self) -> str:
        """The file (or bundled name) the fleet was read from, for messages."""
        return self._where


# --- files and registry ----------------------------------------------------------------------

def fleet_from_yaml(text: str, where: str = "fleet", base_dir: Path | None = None) -> FleetSpec:
    """Parse and validate fleet YAML text (vehicle paths are taken from ``base_dir``)."""
    spec = validate(FleetSpec, read_yaml_mapping(text, where, "fleet"), where=where)
    spec._base_dir, spec._where = base_dir, where
    return spec


FLEETS = Registry("fleets", "fleet", fleet_from_yaml)


def list_fleets() -> list[str]:
    """Names of the bundled (illustrative) fleets."""
    return FLEETS.names()


def load_fleet(name_or_path: str | Path | FleetSpec) -> FleetSpec:
    """A bundled fleet by name or a fleet file by path."""
    if isinstance(name_or_path, FleetSpec):
        return name_or_path
    return FLEETS.load(name_or_path)


# --- models as arrays ------------------------------------------------------------------------

@dataclass(frozen=True)
class FleetArrays:
    """A fleet's models as arrays (one entry per model), ready for the compliance sums."""

    names: tuple[str, ...]
    registrations: np.ndarray
    co2_g_per_km: np.ndarray
    test_mass_kg: np.ndarray           # NaN where not given
    running_order_mass_kg: np.ndarray  # NaN where not given
    eco_innovation_g_per_km: np.ndarray
    low_zlev_uptake_share: np.ndarray


def fleet_arrays(spec: FleetSpec) -> FleetArrays:
    """The fleet's models as arrays, simulating the models given as vehicles."""
    co2, tm = [], []
    for i, m in enumerate(spec.models):
        if m.vehicle is None:
            co2.append(m.co2_g_per_km)
            tm.append(m.test_mass_kg if m.test_mass_kg is not None else math.nan)
            continue
        try:
            c, t = vehicle_wltp(m.vehicle, str(spec.base_dir) if spec.base_dir else None)
        except EdriveError as exc:
            raise EdriveError(f"{spec.where}: models.{i} ({m.name[:60]}): vehicle: {exc}") \
                from None
        co2.append(c)
        tm.append(t)
    arr = lambda values: np.asarray(values, dtype=float)
    return FleetArrays(
        names=tuple(m.name for m in spec.models),
        registrations=arr([m.registrations for m in spec.models]),
        co2_g_per_km=arr(co2), test_mass_kg=arr(tm),
        running_order_mass_kg=arr([m.mass_in_running_order_kg if m.mass_in_running_order_kg
                                   is not None else math.nan for m in spec.models]),
        eco_innovation_g_per_km=arr([m.eco_innovation_g_per_km for m in spec.models]),
        low_zlev_uptake_share=arr([m.low_zlev_uptake_share for m in spec.models]))


def vehicle_wltp(vehicle: str, base_dir: str | None = None) -> tuple[float, float]:
    """WLTP CO2 [g/km] and test mass [kg] of an edrive vehicle (bundled name or path).

    Battery-electric cars emit 0 g/km; plug-in hybrids give the utility-factor weighted CO2
    of :func:`edrive.powertrains.api.test_procedure` (``"wltp"``, ``combined``); conventional
    cars and hybrids the CO2 of one charge-balanced WLTC class 3b. The test mass is the
    vehicle file's simulated mass (``mass.test_mass_kg``, else kerb mass plus payload): the
    regulation's test-mass derivation is not modelled. Results are kept for the session,
    for a vehicle file as long as it is not modified."""
    from ..vehicle import list_vehicles

    path = Path(vehicle)
    if base_dir is not None and not path.is_absolute() and (Path(base_dir) / path).exists():
        path = Path(base_dir) / path
    if vehicle in list_vehicles() or not path.is_file():
        return _simulated_wltp(vehicle, None)
    return _simulated_wltp(str(path.resolve()), path.stat().st_mtime_ns)


@cache
def _simulated_wltp(vehicle: str, modified_ns: int | None) -> tuple[float, float]:
    from ..powertrains import powertrain_of
    from ..powertrains.api import test_procedure
    from ..sim.run import simulate
    from ..vehicle import load_vehicle

    spec = load_vehicle(vehicle)
    powertrain = powertrain_of(spec)
    if not powertrain.tailpipe:
        co2 = 0.0
    elif "wltp" in powertrain.procedures:  # a plug-in hybrid: the utility-weighted figure
        co2 = float(test_procedure(spec, "wltp")["combined"]["co2_g_per_km"])
    else:
        co2 = float(simulate(spec, WLTP_CYCLE).summary["co2_g_per_km"])
    return co2, float(spec.mass.mass_kg)
