"""What every electric machine kind shares: the fields of the stator winding, the limits and
the lumped losses (Krause, Wasynczuk & Sudhoff, *Analysis of Electric Machinery and Drive
Systems*, Wiley 2013), used by :mod:`~edrive.edu.machines.pmsm`,
:mod:`~edrive.edu.machines.eesm` and :mod:`~edrive.edu.machines.induction`:

* copper: P_cu = 1.5 R_s(T_w, f) (i_d^2 + i_q^2), R_s = R_20 (1 + 0.00393 (T_w - 20 degC))
  k_ac(f), with k_ac = 1 + (k_ac,max - 1) (f / f_max)^2 for the AC (skin and proximity) rise;
* iron, lumped Bertotti/Steinmetz form in flux-linkage terms (Bertotti, *Hysteresis in
  Magnetism*, 1998; the lumped machine form follows SyR-e and femagtools):
  P_fe = P_fe0 [k_h (f/f_0) (psi/psi_f)^2 + (1 - k_h) (f/f_0)^2 (psi/psi_f)^2], with
  psi = |psi_dq| and P_fe0 the no-load iron loss at electrical frequency f_0;
* mechanical: P_mech = T_fric omega_m + P_w,max (omega_m / omega_max)^3 (bearings, windage).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from ...spec import Spec
from ...units import AngularSpeed, Current, Inertia, Power, Resistance, Torque

ALPHA_CU_PER_K = 0.00393  # copper resistance temperature coefficient at 20 degC (IEC 60028)
T20_K = 293.15


class MachineSpec(Spec):
    """Fields every machine kind has: the stator winding, the limits, and the lumped iron and
    mechanical losses (see module docstring)."""

    pole_pairs: Annotated[int, Field(ge=1, le=20)]
    stator_resistance_ohm: Annotated[Resistance, Field(gt=0, le=1)]
    current_max_a: Annotated[Current, Field(gt=0, le=5000)]
    speed_max_rad_s: Annotated[AngularSpeed, Field(gt=0, le=6000)]
    winding_temperature_k: Annotated[float, Field(gt=200, le=500)] = 373.15
    ac_resistance_factor_at_max_speed: Annotated[float, Field(ge=1, le=5)] = 1.2
    iron_loss_no_load_w: Annotated[Power, Field(ge=0, le=1e5)] = 1000.0
    iron_loss_reference_hz: Annotated[float, Field(gt=0, le=5000)] = 400.0
    iron_loss_hysteresis_share: Annotated[float, Field(ge=0, le=1)] = 0.5
    friction_torque_nm: Annotated[Torque, Field(ge=0, le=50)] = 0.2
    windage_loss_at_max_speed_w: Annotated[Power, Field(ge=0, le=1e5)] = 150.0
    rotor_inertia_kg_m2: Annotated[Inertia, Field(ge=0, le=10)] = 0.05
    modulation_margin: Annotated[float, Field(gt=0.5, le=1.0)] = 0.95


def hot_resistance_ohm(r20_ohm: float, temperature_k: float, alpha_per_k: float = ALPHA_CU_PER_K):
    """Winding resistance at temperature: R_20 (1 + alpha (T - 20 degC)) [ohm]."""
    return r20_ohm * (1 + alpha_per_k * (temperature_k - T20_K))


class MachineLosses:
    """Loss pieces shared by every machine model. A model sets ``spec`` (a
    :class:`MachineSpec`), ``p`` (pole pairs), ``f_max`` (electrical frequency at maximum
    speed), ``r_hot`` (hot stator resistance) and ``psi_ref`` (the flux linkage at which
    ``iron_loss_no_load_w`` is given)."""

    def __init__(self, spec, dc_voltage_v: float, inverter_loss=None):
        """The supply every machine model shares: the phase-voltage limit of space-vector
        modulation at the DC link, u_max = m V_dc / sqrt(3), and the inverter's loss model
        (callable(i_peak, m, cos_phi, v_dc) -> W, or None)."""
        self.spec = spec
        self.dc_voltage_v = float(dc_voltage_v)
        self.u_max = spec.modulation_margin * self.dc_voltage_v / np.sqrt(3.0)
        self.inverter_loss = inverter_loss
        self.p = spec.pole_pairs

    def resistance_ohm(self, speed_rad_s):
        """Hot stator resistance with the AC rise k_ac(f) [ohm]."""
        f = self.p * np.abs(speed_rad_s) / (2 * np.pi)
        kac = 1 + (self.spec.ac_resistance_factor_at_max_speed - 1) * (f / self.f_max) ** 2
        return self.r_hot * kac

    def iron_loss_w(self, speed_rad_s, psi_vs):
        """Lumped iron loss at flux linkage ``psi_vs`` (module docstring) [W]."""
        s = self.spec
        r = self.p * np.abs(speed_rad_s) / (2 * np.pi) / s.iron_loss_reference_hz
        kh = s.iron_loss_hysteresis_share
        return s.iron_loss_no_load_w * (np.asarray(psi_vs) / self.psi_ref) ** 2 * (
            kh * r + (1 - kh) * r * r)

    def mechanical_loss_w(self, speed_rad_s):
        """Bearing friction and windage [W]."""
        s = self.spec
        w = np.abs(speed_rad_s)
        return s.friction_torque_nm * w + s.windage_loss_at_max_speed_w * (w / s.speed_max_rad_s) ** 3

    def _shaft_envelope(self, w, t_em_max, t_em_min, psi_max, psi_min):
        """Shaft-torque envelope from the electromagnetic one: the iron loss at each envelope
        point's flux and the mechanical losses take their share; zero above the maximum
        speed."""
        p_mech = self.mechanical_loss_w(w)
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_w = np.where(w > 0, 1.0 / np.maximum(w, 1e-9), 0.0)
        drag_max = (p_mech + self.iron_loss_w(w, psi_max)) * inv_w
        drag_min = (p_mech + self.iron_loss_w(w, psi_min)) * inv_w
        over = w > self.spec.speed_max_rad_s * (1 + 1e-9)
        return (np.where(over, 0.0, np.maximum(t_em_max - drag_max, 0.0)),
                np.where(over, 0.0, np.minimum(t_em_min - drag_min, 0.0)))

    def base_speed_rad_s(self) -> float:
        """Speed at which the peak torque starts to fall (the corner of the envelope)."""
        w = np.linspace(1.0, self.spec.speed_max_rad_s, 2000)
        t, _ = self.torque_envelope_nm(w, 200)
        return float(w[np.argmax(t < t[0] * 0.995)]) if (t < t[0] * 0.995).any() else float(w[-1])
