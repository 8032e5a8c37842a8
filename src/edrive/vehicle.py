"""Vehicle specification (battery-electric), road load and the bundled-vehicle registry.

Road load on a grade theta (rise/run ``grade``, theta = atan(grade)), in any of three forms:

* physical: F = m g C_rr cos(theta) + 1/2 rho C_d A v^2
  (Gillespie, *Fundamentals of Vehicle Dynamics*, SAE 1992, ch. 4);
* coast-down (WLTP, EU 2017/1151 Sub-Annex 4): F = f0 cos(theta) + f1 v + f2 v^2;
* EPA target coefficients (40 CFR 1066.305): F = A + B v + C v^2 with v in mph and F in lbf,
  converted to SI at load time.

plus the grade force m g sin(theta). The inertia force uses an effective mass that adds the
rotating parts referred to the wheel: m_eff = m + sum J_wheel / r^2 + sum J_rotor G^2 / r^2.

Tyre sizes such as ``235/55 R19`` give the dynamic rolling radius from the ETRTO rule that
the rolling circumference is 3.05 x the overall diameter for radial car tyres:
r_dyn = 3.05 D / (2 pi), D = rim diameter + 2 x width x aspect ratio.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, ClassVar, Literal

import numpy as np
import yaml
from pydantic import Field, PrivateAttr, field_validator, model_validator

from .arguments import checked_name_or_path
from .components import road
from .components.battery import Battery, BatterySpec
from .components.drive_unit import DriveUnit, DriveUnitSpec
from .components.engine import EngineSpec, load_engine
from .components.transmission import TransmissionSpec, preset
from .constants import AIR_DENSITY_KG_M3, GRAVITY_M_S2, LBF_N, MPH_M_S
from .errors import EdriveError, format_value
from .registry import Registry, check_kind, read_yaml_mapping
from .spec import Spec, validate
from .units import (
    Acceleration,
    Area,
    Force,
    ForcePerSpeed,
    ForcePerSpeed2,
    Inertia,
    Length,
    Mass,
    Power,
    Speed,
)

SCHEMA_VERSION = 1


class MassSpec(Spec):
    """Vehicle mass. ``test_mass_kg``, when given, is the mass simulated (e.g. the EPA
    equivalent test weight or the WLTP test mass); otherwise kerb mass plus payload."""

    kerb_mass_kg: Annotated[Mass, Field(gt=0, le=60000)] | None = None
    payload_kg: Annotated[Mass, Field(ge=0, le=40000)] = 0.0
    test_mass_kg: Annotated[Mass, Field(gt=0, le=60000)] | None = None

    @model_validator(mode="after")
    def _one(self):
        if self.kerb_mass_kg is None and self.test_mass_kg is None:
            raise ValueError("give kerb_mass_kg (with payload_kg) or test_mass_kg")
        return self

    @property
    def mass_kg(self) -> float:
        if self.test_mass_kg is not None:
            return self.test_mass_kg
        return self.kerb_mass_kg + self.payload_kg


class PhysicalRoadLoad(Spec):
    drag_coefficient: Annotated[float, Field(gt=0, le=2)]
    frontal_area_m2: Annotated[Area, Field(gt=0, le=20)]
    rolling_resistance: Annotated[float, Field(gt=0, le=0.05)]
    air_density_kg_m3: Annotated[float, Field(gt=0.5, le=1.5)] = AIR_DENSITY_KG_M3


class CoastdownRoadLoad(Spec):
    f0_n: Annotated[Force, Field(ge=0, le=5000)]
    f1_n_per_m_s: Annotated[ForcePerSpeed, Field(ge=-100, le=200)]
    f2_n_per_m2_s2: Annotated[ForcePerSpeed2, Field(gt=0, le=10)]


class EpaRoadLoad(Spec):
    """EPA target coefficients as printed: A [lbf], B [lbf/mph], C [lbf/mph^2]."""

    a_lbf: Annotated[float, Field(ge=0, le=1000)]
    b_lbf_per_mph: Annotated[float, Field(ge=-5, le=10)]
    c_lbf_per_mph2: Annotated[float, Field(gt=0, le=1)]


class RoadLoadSpec(Spec):
    """Exactly one of ``physical``, ``coastdown`` or ``epa``."""

    physical: PhysicalRoadLoad | None = None
    coastdown: CoastdownRoadLoad | None = None
    epa: EpaRoadLoad | None = None

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in ("physical", "coastdown", "epa") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of physical, coastdown or epa (found "
                             f"{', '.join(given) or 'none'})")
        return self

    def coefficients(self, mass_kg: float) -> tuple[float, float, float]:
        """(f0 [N], f1 [N/(m/s)], f2 [N/(m/s)^2]) on a flat road."""
        if self.physical:
            p = self.physical
            return (mass_kg * GRAVITY_M_S2 * p.rolling_resistance, 0.0,
                    0.5 * p.air_density_kg_m3 * p.drag_coefficient * p.frontal_area_m2)
        if self.coastdown:
            c = self.coastdown
            return c.f0_n, c.f1_n_per_m_s, c.f2_n_per_m2_s2
        e = self.epa
        return (e.a_lbf * LBF_N, e.b_lbf_per_mph * LBF_N / MPH_M_S,
                e.c_lbf_per_mph2 * LBF_N / MPH_M_S**2)


_TYRE = re.compile(r"^\s*P?(\d{3})\s*/\s*(\d{2})\s*Z?R\s*(\d{2}(?:\.\d)?)\s*$", re.IGNORECASE)


def tyre_radius_m(size: str) -> float:
    """Dynamic rolling radius of a tyre size such as ``235/55 R19`` [m] (ETRTO 3.05 rule)."""
    m = _TYRE.match(size)
    if not m:
        raise ValueError(f"tyre size {size!r} is not of the form 235/55 R19")
    width_mm, aspect, rim_in = float(m.group(1)), float(m.group(2)), float(m.group(3))
    if not (100 <= width_mm <= 400 and 20 <= aspect <= 90 and 10 <= rim_in <= 26):
        raise ValueError(f"tyre size {size!r} is outside 100-400 mm width, 20-90 aspect, "
                         "10-26 inch rim")
    diameter_m = rim_in * 0.0254 + 2 * width_mm * aspect / 100 / 1000
    return 3.05 * diameter_m / (2 * np.pi)


class WheelSpec(Spec):
    """Wheels: a tyre size or a rolling radius, and the inertia of one wheel with its tyre."""

    tyre: str | None = None
    radius_m: Annotated[Length, Field(gt=0.1, le=1.0)] | None = None
    inertia_kg_m2: Annotated[Inertia, Field(ge=0, le=50)] = 0.9
    count: Annotated[int, Field(ge=2, le=12)] = 4

    @model_validator(mode="after")
    def _radius(self):
        if (self.tyre is None) == (self.radius_m is None):
            raise ValueError("give either tyre (e.g. '235/55 R19') or radius_m")
        if self.tyre is not None:
            tyre_radius_m(self.tyre)
        return self

    @property
    def rolling_radius_m(self) -> float:
        return self.radius_m if self.radius_m is not None else tyre_radius_m(self.tyre)


class ChassisSpec(Spec):
    """Geometry for load transfer and grip (performance and trace following)."""

    wheelbase_m: Annotated[Length, Field(gt=1, le=8)] = 2.85
    cg_height_m: Annotated[Length, Field(gt=0.1, le=2)] = 0.55
    front_axle_load_share: Annotated[float, Field(gt=0.2, lt=0.8)] = 0.5
    tyre_road_friction: Annotated[float, Field(gt=0.1, le=2)] = 1.0


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


class ChargerSpec(Spec):
    """On-board charger: AC-to-DC efficiency at the charging power used for tests.

    The default, 0.86, is the value fitted with the generic drive-unit losses to the EPA 2022
    battery-electric records (AC recharge energy includes the charger, the cabling and the
    battery's own charging loss; the battery's resistive part is modelled separately)."""

    efficiency: Annotated[float, Field(gt=0.5, le=1)] = 0.86
    power_w: Annotated[Power, Field(gt=100, le=400e3)] = 7.4e3


class VehicleBase(Spec):
    """Fields every vehicle has, whatever its powertrain."""

    schema_version: Literal[1] = 1
    name: str
    description: str = ""
    sources: dict[str, str] = Field(default_factory=dict)
    mass: MassSpec
    road_load: RoadLoadSpec
    wheels: WheelSpec
    chassis: ChassisSpec = ChassisSpec()
    speed_limit_m_s: Annotated[Speed, Field(gt=1, le=150)] | None = None

    _base_dir: Path | None = PrivateAttr(default=None)
    _model: object = PrivateAttr(default=None)
    # the numeric model of the powertrain, set for each subclass below its model class
    model_class: ClassVar[type | None] = None

    def model(self):
        """The numeric model (built once and cached)."""
        if self._model is None:
            self._model = self.model_class(self)
        return self._model


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


class IcevSpec(VehicleBase):
    """A conventional (petrol or diesel) vehicle (``type: icev``): an engine from
    :mod:`edrive.components.engine` (bundled name, path or inline) and a stepped
    transmission from :mod:`edrive.components.transmission` (preset name or inline)."""

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
    # shift speeds (driver_shift there), or the WLTP gearshift procedure for manual cars
    # (UN GTR 15 Annex 2, edrive.components.wltp_gearshift)
    shift_strategy: Literal["economy", "driver", "wltp"] = "economy"
    # rotating inertia at the gearbox input speed: crankshaft, flywheel or converter and the
    # gearbox input (eq. 6 of edrive.components.transmission); None: INPUT_INERTIA_KG_M2_PER_M3
    # times the engine displacement
    input_inertia_kg_m2: Annotated[Inertia, Field(ge=0, le=5)] | None = None

    @property
    def drive(self) -> str:
        return {"front": "fwd", "rear": "rwd", "all": "awd"}[self.driven_axle]


class ChassisModel:
    """Mass, wheels, road load and grip: the numbers every powertrain's model shares."""

    def __init__(self, spec, drive: str, rotating_kg: float = 0.0):
        self.spec = spec
        self.mass_kg = spec.mass.mass_kg
        self.radius_m = spec.wheels.rolling_radius_m
        self.f0_n, self.f1, self.f2 = spec.road_load.coefficients(self.mass_kg)
        wheels = spec.wheels.count * spec.wheels.inertia_kg_m2 / self.radius_m**2
        self.mass_effective_kg = self.mass_kg + wheels + rotating_kg
        ch = spec.chassis
        self.wheelbase_m, self.cg_height_m = ch.wheelbase_m, ch.cg_height_m
        self.front_share, self.mu = ch.front_axle_load_share, ch.tyre_road_friction
        self.drive = drive
        self.speed_max_m_s = np.inf

    def _limit_speed(self, speed_max_m_s: float) -> None:
        self.speed_max_m_s = speed_max_m_s
        if self.spec.speed_limit_m_s is not None:
            self.speed_max_m_s = min(self.speed_max_m_s, self.spec.speed_limit_m_s)

    def road_load_parts(self, speed_m_s, grade=0.0):
        """(road load [N], grade force [N]): f0 cos(theta) + f1 v + f2 v^2 and m g sin(theta)."""
        theta = np.arctan(grade)
        v = np.asarray(speed_m_s)
        return (road.road_load_n(self.f0_n, self.f1, self.f2, v, np.cos(theta)),
                road.grade_force_n(self.mass_kg, np.sin(theta), v))

    def road_load_n(self, speed_m_s, grade=0.0):
        """Road load without inertia, including the grade force [N]."""
        road, climb = self.road_load_parts(speed_m_s, grade)
        return road + climb

    def grip_force_n(self, road_load_n, grade=0.0):
        """Largest tractive force the driven axles can put down [N].

        ``road_load_n`` is the road load without the grade force; quasi-static load
        transfer, eq. (2) of :mod:`edrive.components.road`."""
        return road.grip_force_n(road.DRIVE_CODES[self.drive], self.mass_kg,
                                 self.mass_effective_kg, self.cg_height_m, self.wheelbase_m,
                                 self.front_share, self.mu, road_load_n, np.arctan(grade))



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

# Default input inertia per displacement: 0.255 kg*m^2 per litre, fitted with the engine
# defaults to the EPA 2022 records (tools/calibrate_ice_defaults.py, docs/validation.md); at
# the top of the 0.1-0.3 kg*m^2 range of engine-plus-flywheel inertias of a 2 L engine used
# in effective-mass examples, so it likely also holds other fuel spent only while
# accelerating (transient enrichment, shift inertia phases).
INPUT_INERTIA_KG_M2_PER_M3 = 255.0


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

    def propulsion_force_max(self, speed_m_s, grade, road_load_n):
        """Largest propulsive wheel force over the gears [N]: full-load engine torque less
        the auxiliaries and the transmission drag, through each gear's ratio and efficiency,
        within the engine's speed range; bounded by grip."""
        v = np.asarray(speed_m_s, dtype=float)
        tr, eng = self.transmission, self.engine
        t0, cv = tr.drag
        idle = self.engine_spec.speed_idle_rad_s
        w_max = self.engine_spec.speed_max_rad_s
        best = np.zeros_like(v)
        for g, eta in zip(tr.overall_ratios, tr.efficiencies, strict=True):
            w_lock = v / self.radius_m * g
            w_e = np.maximum(w_lock, max(idle, tr.launch_speed))
            t_e = eng.torque_max_nm(w_e) - self.aux_mech_power_w / w_e - t0 - cv * w_e
            f = np.where(w_lock <= w_max, np.maximum(t_e, 0.0) * g * eta / self.radius_m, 0.0)
            best = np.maximum(best, f)
        return np.minimum(best, np.maximum(self.grip_force_n(road_load_n, grade), 0.0))


VehicleSpec.model_class = VehicleModel
IcevSpec.model_class = IcevModel


# --- files and registry --------------------------------------------------------------------

def vehicle_from_yaml(text: str, where: str = "vehicle", base_dir: Path | None = None) -> VehicleSpec:
    """Parse and validate vehicle YAML text."""
    return vehicle_from_dict(read_yaml_mapping(text, where, "vehicle"), where=where,
                             base_dir=base_dir)


VEHICLES = Registry("vehicles", "vehicle", vehicle_from_yaml)
SPEC_TYPES: dict[str, type[VehicleBase]] = {"bev": VehicleSpec, "icev": IcevSpec}


def _spec_types() -> dict[str, type[VehicleBase]]:
    """Every vehicle type; hybrids live in :mod:`edrive.hybrid`, which builds on this module."""
    if "hev" not in SPEC_TYPES:
        from .hybrid import HevSpec

        SPEC_TYPES["hev"] = HevSpec
    return SPEC_TYPES


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
    types = _spec_types()
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


__all__ = ["VehicleSpec", "VehicleModel", "list_vehicles", "load_vehicle", "vehicle_from_yaml",
           "vehicle_from_dict", "tyre_radius_m"]

