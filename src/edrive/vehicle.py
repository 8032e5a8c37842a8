"""Vehicle specifications of the battery-electric and conventional cars, the union of every
vehicle type (hybrids from :mod:`edrive.hybrid`) and the bundled-vehicle registry.

What every vehicle shares (mass, road load, wheels, chassis) is in :mod:`edrive.chassis`,
below both this module and :mod:`edrive.hybrid`; its names are importable from here too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import yaml
from pydantic import Field, field_validator, model_validator

from .arguments import checked_name_or_path
from .chassis import (
    SCHEMA_VERSION,
    ChargerSpec,
    ChassisModel,
    ChassisSpec,
    CoastdownRoadLoad,
    EpaRoadLoad,
    MassSpec,
    PhysicalRoadLoad,
    RoadLoadSpec,
    VehicleBase,
    WheelSpec,
    tyre_radius_m,
)
from .components.battery import Battery, BatterySpec
from .components.drive_unit import DriveUnit, DriveUnitSpec, MotorSpec, motor_loss_map
from .components.engine import EngineSpec, load_engine
from .components.transmission import TransmissionSpec, gear_force_max_n, preset
from .errors import EdriveError, format_value
from .hybrid import HevSpec
from .registry import Registry, check_kind, read_yaml_mapping
from .spec import Spec, validate
from .units import Acceleration, Inertia, Power, Speed


class BrakeSpec(Spec):
    """Regenerative braking blend: no regeneration below ``regen_speed_min_m_s``, full
    regeneration above ``regen_speed_full_m_s``, linear in between; the driven axles take at
    most ``regen_share_max`` of the braking force (the rest goes to the friction brakes)."""

    regen_speed_min_m_s: Annotated[Speed, Field(ge=0, le=10)] = 0.5
    regen_speed_full_m_s: Annotated[Speed, Field(ge=0, le=20)] = 3.0
    regen_share_max: Annotated[float, Field(ge=0, le=1)] = 1.0
    regen_deceleration_max_m_s2: Annotated[Acceleration, Field(gt=0, le=15)] = 3.0

    @model_validator(mode="after")
    def _order(self):
        if self.regen_speed_full_m_s < self.regen_speed_min_m_s:
            raise ValueError("regen_speed_full_m_s must not be below regen_speed_min_m_s")
        return self


class VehicleSpec(VehicleBase):
    """A battery-electric vehicle (``type: bev``)."""

    type: Literal["bev"] = "bev"
    drive_units: Annotated[list[DriveUnitSpec], Field(min_length=1, max_length=2)]
    battery: BatterySpec
    charger: ChargerSpec = ChargerSpec()
    brakes: BrakeSpec = BrakeSpec()
    # default: the dynamometer-test value fitted with the generic losses (no climate control)
    aux_power_w: Annotated[Power, Field(ge=0, le=20e3)] = 200.0

    @field_validator("drive_units")
    @classmethod
    def _axles_unique(cls, v):
        axles = [d.axle for d in v]
        if len(set(axles)) != len(axles):
            raise ValueError(f"one drive unit per axle; got axles {axles}")
        return v

    @property
    def drive(self) -> str:
        axles = {d.axle for d in self.drive_units}
        return "awd" if len(axles) == 2 else ("fwd" if "front" in axles else "rwd")


class StarterGeneratorSpec(Spec):
    """A starter-generator turning with the crankshaft, on the accessory belt (P0) or on the
    crankshaft itself (P1), with its own battery (a 48 V mild hybrid; model and operating
    rules in :mod:`edrive.sim.starter_generator`). ``motor``: the machine with its inverter
    at its own shaft; ``speed_ratio``: machine speed / engine speed (the belt's pulley ratio,
    1 on the crankshaft); ``belt_efficiency``: the belt's share of the power it passes (1 on
    the crankshaft); ``soc_target``: the state of charge above which the battery helps the
    engine."""

    motor: MotorSpec
    speed_ratio: Annotated[float, Field(gt=0.2, le=5)] = 1.0
    belt_efficiency: Annotated[float, Field(gt=0.8, le=1)] = 1.0
    battery: BatterySpec
    soc_target: Annotated[float, Field(gt=0, lt=1)] = 0.6

    @model_validator(mode="after")
    def _target_in_window(self):
        if not self.battery.soc_min < self.soc_target < self.battery.soc_max:
            raise ValueError(f"soc_target {self.soc_target} must lie inside the battery window "
                             f"{self.battery.soc_min}..{self.battery.soc_max}")
        return self


class IcevSpec(VehicleBase):
    """A conventional (petrol or diesel) vehicle (``type: icev``): an engine from
    :mod:`edrive.components.engine` (bundled name, path or inline) and a stepped
    transmission from :mod:`edrive.components.transmission` (preset name or inline); with a
    ``starter_generator``, a mild hybrid."""

    type: Literal["icev"] = "icev"
    driven_axle: Literal["front", "rear", "all"] = "rear"
    engine: str | dict
    transmission: str | dict
    # electrical loads through the alternator (efficiency about 0.6-0.7 at part load; Bosch
    # Automotive Handbook), with the engine running
    aux_power_w: Annotated[Power, Field(ge=0, le=20e3)] = 300.0
    alternator_efficiency: Annotated[float, Field(gt=0.3, le=1)] = 0.65
    shift_hold_s: Annotated[float, Field(ge=0, le=10)] = 2.0
    # gear choice: the economy shift of edrive.components.transmission, a driver's fixed
    # shift speeds (driver_gear there), or the WLTP gearshift procedure for manual cars
    # (UN GTR 15 Annex 2, edrive.procedures.wltp_gearshift)
    shift_strategy: Literal["economy", "driver", "wltp"] = "economy"
    # rotating inertia at the gearbox input speed: crankshaft, flywheel or converter and the
    # gearbox input (eq. 6 of edrive.components.transmission); None: INPUT_INERTIA_KG_M2_PER_M3
    # times the engine displacement
    input_inertia_kg_m2: Annotated[Inertia, Field(ge=0, le=5)] | None = None
    starter_generator: StarterGeneratorSpec | None = None

    @property
    def drive(self) -> str:
        return {"front": "fwd", "rear": "rwd", "all": "awd"}[self.driven_axle]


class VehicleModel(ChassisModel):
    """Numbers derived once from a :class:`VehicleSpec` for the simulation core."""

    def __init__(self, spec: VehicleSpec):
        drive_units = [DriveUnit(d, spec._base_dir) for d in spec.drive_units]
        r2 = spec.wheels.rolling_radius_m**2
        rotors = sum(d.rotor_inertia_kg_m2 * d.ratio**2 / r2 for d in drive_units)  # top gear
        super().__init__(spec, spec.drive, rotors)
        self.drive_units = drive_units
        self.battery = Battery(spec.battery)
        self.aux_power_w = spec.aux_power_w
        self._limit_speed(min(d.speed_max_rad_s * self.radius_m / d.ratio for d in drive_units))

# Default input inertia per displacement: 0.30 kg*m^2 per litre, fitted with the engine
# defaults to the EPA 2022 records (tools/calibrate_ice_defaults.py, docs/validation.md); at
# the bound of its fit, the top of the 0.1-0.3 kg*m^2 range of engine-plus-flywheel inertias
# of a 2 L engine used in effective-mass examples, so it likely also holds other fuel spent
# only while accelerating (transient enrichment, shift inertia phases).
INPUT_INERTIA_KG_M2_PER_M3 = 300.0


class IcevModel(ChassisModel):
    """Numbers derived once from an :class:`IcevSpec`."""

    def __init__(self, spec: IcevSpec):
        super().__init__(spec, spec.drive)
        eng = spec.engine
        self.engine_spec = (load_engine(eng, spec._base_dir) if isinstance(eng, str)
                            else validate(EngineSpec, eng, where="engine"))
        self.engine = self.engine_spec.model()
        tr = spec.transmission
        self.transmission = (preset(tr) if isinstance(tr, str)
                             else validate(TransmissionSpec, tr, where="transmission"))
        self.aux_mech_power_w = spec.aux_power_w / spec.alternator_efficiency
        self.input_inertia_kg_m2 = (
            INPUT_INERTIA_KG_M2_PER_M3 * self.engine_spec.displacement_m3
            if spec.input_inertia_kg_m2 is None else spec.input_inertia_kg_m2)
        top = float(self.transmission.overall_ratios[-1])
        self._limit_speed(self.engine_spec.speed_max_rad_s * self.radius_m / top)
        sg = spec.starter_generator
        self.starter_generator = None if sg is None else (
            motor_loss_map(sg.motor, spec._base_dir), Battery(sg.battery))

    def propulsion_force_max(self, speed_m_s, grade, road_load_n):
        """Largest propulsive wheel force over the gears [N]: full-load engine torque less
        the auxiliaries and the transmission drag, through each gear's ratio and efficiency,
        within the engine's speed range; bounded by grip."""
        v = np.asarray(speed_m_s, dtype=float)
        tr, eng, es = self.transmission, self.engine, self.engine_spec
        t0, cv = tr.drag
        best = np.zeros_like(v)
        for g, eta in zip(tr.overall_ratios, tr.efficiencies, strict=True):
            best = np.maximum(best, gear_force_max_n(
                v, g, eta, self.radius_m, eng._knot_speed, eng._knot_power,
                es.speed_idle_rad_s, es.speed_max_rad_s, tr.launch_speed,
                self.aux_mech_power_w, t0, cv))
        return np.minimum(best, np.maximum(self.grip_force_n(road_load_n, grade), 0.0))


VehicleSpec.model_class = VehicleModel
IcevSpec.model_class = IcevModel


# --- files and registry --------------------------------------------------------------------

def vehicle_from_yaml(text: str, where: str = "vehicle", base_dir: Path | None = None) -> VehicleSpec:
    """Parse and validate vehicle YAML text."""
    return vehicle_from_dict(read_yaml_mapping(text, where, "vehicle"), where=where,
                             base_dir=base_dir)


VEHICLES = Registry("vehicles", "vehicle", vehicle_from_yaml)
#: every vehicle type: the ``type`` field of a vehicle file -> its spec class (the
#: powertrain of each type is found in :mod:`edrive.powertrains`)
SPEC_TYPES: dict[str, type[VehicleBase]] = {"bev": VehicleSpec, "icev": IcevSpec, "hev": HevSpec}


def list_vehicles() -> list[str]:
    """Names of the bundled vehicles."""
    return VEHICLES.names()


def load_vehicle(name_or_path: str | Path | VehicleBase) -> VehicleBase:
    """A bundled vehicle by name (``"bmw_ix3"``) or a vehicle YAML file by path."""
    if isinstance(name_or_path, VehicleBase):
        return name_or_path
    return VEHICLES.load(checked_name_or_path(
        name_or_path, "vehicle", "a vehicle spec, a bundled vehicle name or a YAML file path"))


def vehicle_from_dict(data, where: str = "vehicle", base_dir: Path | None = None) -> VehicleSpec:
    """Validate a vehicle given as a dictionary (the parsed YAML)."""
    if not isinstance(data, dict):
        raise EdriveError(f"{where}: expected a mapping of vehicle fields, got "
                          f"{type(data).__name__}")
    check_kind(data, VehicleBase.model_fields, where, "vehicle")
    kind = data.get("type", "bev")
    types = SPEC_TYPES
    if not isinstance(kind, str) or kind not in types:
        problem = "is not supported yet" if isinstance(kind, str) else "is not a name"
        raise EdriveError(f"{where}: type: {format_value(kind)} {problem}; allowed: "
                          f"{', '.join(repr(k) for k in types)}")
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise EdriveError(f"{where}: schema_version: {format_value(version)}; allowed: "
                          f"{SCHEMA_VERSION}")
    spec = validate(types[kind], data, where=where)
    spec._base_dir = base_dir
    try:
        spec.model()
    except EdriveError as exc:
        raise EdriveError(f"{where}: {exc}") from None
    return spec


def vehicle_to_yaml(spec: VehicleSpec) -> str:
    """YAML text of a vehicle spec (SI numbers), loadable by :func:`vehicle_from_yaml`."""
    return yaml.safe_dump(spec.model_dump(mode="json", exclude_none=True), sort_keys=False)


# the names of edrive.chassis are importable from here too
__all__ = [
    "SCHEMA_VERSION",
    "SPEC_TYPES",
    "BrakeSpec",
    "ChargerSpec",
    "ChassisModel",
    "ChassisSpec",
    "CoastdownRoadLoad",
    "EpaRoadLoad",
    "HevSpec",
    "IcevModel",
    "IcevSpec",
    "MassSpec",
    "PhysicalRoadLoad",
    "RoadLoadSpec",
    "StarterGeneratorSpec",
    "VehicleBase",
    "VehicleModel",
    "VehicleSpec",
    "WheelSpec",
    "list_vehicles",
    "load_vehicle",
    "tyre_radius_m",
    "vehicle_from_dict",
    "vehicle_from_yaml",
]
