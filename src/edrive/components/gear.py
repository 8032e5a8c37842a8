"""The reduction gear of an electric drive unit: ratio, mesh efficiency and drag, eq. (4) of
:mod:`edrive.components.drive_unit`:

    motoring:   T_motor = T_wheel / (G eta) + T_d
    generating: T_motor = T_wheel eta / G + T_d

with the drag torque at the motor shaft T_d = T_d0 + c_v omega_motor.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from ..spec import Spec
from ..units import Torque


class GearSpec(Spec):
    """Reduction between motor and wheels, eq. (4); the drag torque at the motor shaft is
    T_d = T_d0 + c_v omega_motor (bearings and seals, plus oil churning).

    ``low_ratio`` makes it a two-speed unit (as in the Porsche Taycan's rear axle): at every
    step the simulation uses whichever gear needs the least DC power among those whose motor
    torque and speed fit the envelope (an ideal economy shift strategy without shift time)."""

    ratio: Annotated[float, Field(gt=0.5, le=30)]
    low_ratio: Annotated[float, Field(gt=0.5, le=40)] | None = None
    mesh_efficiency: Annotated[float, Field(gt=0.5, le=1)] = 0.975
    drag_torque_nm: Annotated[Torque, Field(ge=0, le=50)] = 0.3
    viscous_drag_nm_s: Annotated[float, Field(ge=0, le=1)] = 0.0

    @model_validator(mode="after")
    def _low_below_high(self):
        if self.low_ratio is not None and self.low_ratio <= self.ratio:
            raise ValueError(f"low_ratio {self.low_ratio} must exceed ratio {self.ratio} "
                             "(the first gear multiplies torque more)")
        return self
