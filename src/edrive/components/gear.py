"""A reduction gear: ratio, mesh efficiency and drag, eq. (4) of
:mod:`edrive.components.drive_unit`,

    motoring:   T_in = T_out / (G eta) + T_d                              (4)
    generating: T_in = T_out eta / G + T_d

with the drag torque at the input shaft T_d (T_d0 + c_v omega_in for a drive unit's gear).
The mesh loses the share 1 - eta of the power that flows through it, whichever way it flows,
so the input torque is larger than the ideal T_out / G when driving and smaller when
recovering; both forms agree at T_out = 0. :func:`input_torque_nm` and its inverse
:func:`output_torque_nm` are the one implementation of this relation for every gear of
edrive (the electric drive units, the stepped transmissions of conventional cars through
each gear's overall ratio, and the compiled batch kernels): plain functions of scalars or
numpy arrays that numba also compiles inside its loops. The branch is written as a product
with the sign test, so one expression serves scalars and arrays; for finite torques it gives
exactly the numbers of the two-branch form.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from ..sim.jit import jitable
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


@jitable
def input_torque_nm(output_torque_nm, ratio, efficiency, drag_nm):
    """Eq. (4): input torque [N*m] for an output torque through a gear of ``ratio`` and mesh
    ``efficiency``, plus the drag torque ``drag_nm`` at the input (scalars or arrays)."""
    t = output_torque_nm
    return t / (ratio * efficiency) * (t >= 0) + t * efficiency / ratio * (t < 0) + drag_nm


@jitable
def output_torque_nm(input_torque_nm, ratio, efficiency, drag_nm):
    """Inverse of eq. (4): output torque [N*m] for an input torque (scalars or arrays)."""
    x = input_torque_nm - drag_nm
    return x * ratio * efficiency * (x >= 0) + x * ratio / efficiency * (x < 0)
