"""Reduction gearboxes: one to three stages of helical or planetary gearing with a
differential.

Lumped loss model (load-dependent mesh losses plus load-independent spin losses; ISO/TR
14179-1 splits gearbox losses the same way):

    P_gb = (1 - eta_mesh) |T_in omega_in| + T_0 |omega_in| + c_v omega_in^2          (1)

eta_mesh is the product of the stages' mesh efficiencies (0.985-0.995 per stage for ground
helical gears), T_0 the bearing and seal drag torque at the input shaft and c_v a viscous
coefficient for oil churning. It is applied as the reduction gear of eq. (4) in
:mod:`edrive.components.drive_unit`, with drag torque T_0 + c_v omega_in, both in the vehicle
and in the drive-unit maps of :mod:`edrive.edu`.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from ..components.gear import GearSpec
from ..spec import Spec, validate
from ..units import Power, Torque


class GearStage(Spec):
    ratio: Annotated[float, Field(gt=0.2, le=20)]
    mesh_efficiency: Annotated[float, Field(gt=0.8, le=1)] = 0.985


class GearboxSpec(Spec):
    """A fixed-ratio reduction of one or more stages (see module docstring).

    ``churning_loss_at_max_speed_w`` sets c_v from the spin loss at the motor's maximum
    speed."""

    stages: Annotated[list[GearStage], Field(min_length=1, max_length=3)]
    drag_torque_nm: Annotated[Torque, Field(ge=0, le=50)] = 0.2
    churning_loss_at_max_speed_w: Annotated[Power, Field(ge=0, le=1e4)] = 150.0
    # two-speed option: the overall ratio in first gear (the stages give the top gear)
    low_gear_ratio: Annotated[float, Field(gt=0.5, le=40)] | None = None

    @property
    def ratio(self) -> float:
        return float(np.prod([s.ratio for s in self.stages]))

    @property
    def mesh_efficiency(self) -> float:
        return float(np.prod([s.mesh_efficiency for s in self.stages]))

    def gear(self, speed_max_rad_s: float) -> GearSpec:
        """The equivalent reduction gear for the vehicle model, checked by the gear's rules
        (the stages' overall ratio among them)."""
        c_v = self.churning_loss_at_max_speed_w / speed_max_rad_s**2
        return validate(GearSpec, {"ratio": self.ratio, "mesh_efficiency": self.mesh_efficiency,
                                   "drag_torque_nm": self.drag_torque_nm,
                                   "viscous_drag_nm_s": c_v, "low_ratio": self.low_gear_ratio},
                        where="gearbox (overall)")

