"""What every vehicle has, whatever its powertrain: mass, road load, wheels, chassis and the
numbers derived from them that every powertrain's model shares.

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
from pydantic import Field, PrivateAttr, model_validator

from .components import road
from .constants import AIR_DENSITY_KG_M3, GRAVITY_M_S2, LBF_N, MPH_M_S
from .spec import Spec
from .units import Area, Force, ForcePerSpeed, ForcePerSpeed2, Inertia, Length, Mass, Power, Speed

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


def road_angle(grade):
    """The road angle theta = arctan(grade) [rad]: the number 0.0 where every grade is zero
    (a flat cycle), whose cosine and sine are exactly those of the zeros, so that a flat road
    costs no trigonometry over the arrays."""
    g = np.asarray(grade, dtype=float)
    return 0.0 if not g.any() else np.arctan(g)


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
        theta = road_angle(grade)
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
                                 self.front_share, self.mu, road_load_n, road_angle(grade))
