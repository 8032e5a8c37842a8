"""Traction inverter losses: two-level B6 voltage-source inverter, average-value model.

The inverter feeds a three-phase machine with a sinusoidal phase current of peak î and
power factor cos φ (negative when the machine generates and power flows back to the DC link)
from a DC link at V_dc, with sine-triangle (SPWM) or space-vector (SVPWM) modulation at
switching frequency f_sw. The modulation index is

    M = û_ph / (V_dc / 2),   0 <= M <= 2/sqrt(3) in the linear range (SVPWM)      (1)

Losses are averaged over a fundamental period, with the switching period far shorter than
that (Graovac & Pürschel, *IGBT Power Losses Calculation Using the Data-Sheet Parameters*,
Infineon application note v1.1, 2009; Graovac, Pürschel & Kiep, *MOSFET Power Losses
Calculation Using the Data-Sheet Parameters*, Infineon application note v1.1, 2006; Mohan,
Undeland & Robbins, *Power Electronics*, 3rd ed., Wiley 2003, ch. 8). The formulas below are
per switch (per switch-diode pair); the inverter has six.

**Si IGBT with anti-parallel diode.** The on-state is a threshold plus a slope,
v_CE = V_CE0 + r_CE i and v_F = V_F0 + r_F i, which gives (Graovac & Pürschel, eqs. 12, 21)

    P_T = V_CE0 î (1/(2π) + M cos φ / 8) + r_CE î² (1/8 + M cos φ / (3π))         (2)
    P_D = V_F0  î (1/(2π) - M cos φ / 8) + r_F  î² (1/8 - M cos φ / (3π))         (3)

With the signed cos φ the same equations hold when generating: the diode then carries the
larger share. Each is clipped at zero (a bracket can turn negative beyond the linear range).

**Switching energies** scale from a datasheet point (E_ref at I_ref, V_ref, T_ref) as

    E(i) = E_ref (i / I_ref)^k_i (V_dc / V_ref)^k_v (1 + TC_E (T_j - T_ref))       (4)

with k_i ≈ 1 and k_v ≈ 1.3 to 1.4 for IGBTs (the exponent form of the SEMIKRON *Application
Manual Power Semiconductors*, Wintrich et al., 2nd ed., 2015). A switch switches during the
half period in which it carries current, so the average over i = î sin θ is

    P_sw = f_sw E(î) s(k_i),   s(k) = (1/2π) ∫_0^π sin^k θ dθ
                                    = Γ((k+1)/2) / (2 sqrt(π) Γ(k/2 + 1))        (5)

and s(1) = 1/π, the familiar P_sw = f_sw (E_on + E_off)(î) / π. Diode reverse recovery is
the same with E_rr: P_rr = f_sw E_rr(î) s(k_i).

**SiC MOSFET with synchronous rectification.** The channel conducts in both directions, so
one of the two channels of a leg always carries the phase current and each switch sees half
of its mean square, independent of M and cos φ:

    P_cond = R_DS,on(T_j) î² / 4,   R_DS,on(T_j) = R_ref (1 + α (T_j - T_ref))     (6)

The body diode conducts only during the two dead times t_d of each switching period (at
forward voltage V_SD), which adds P_dt = 2 t_d f_sw V_SD î / π per switch; the dead time is
zero by default, which neglects it. Switching follows eqs. (4) and (5) with E_rr ≈ 0 (small
reverse-recovery charge; a parameter, zero by default).

**Temperature.** Conduction parameters x (V_CE0, r_CE, V_F0, r_F, R_DS,on) scale linearly from
the reference temperature, x(T_j) = x_ref (1 + TC_x (T_j - T_ref)).

**DC link.** The DC current is i_dc = (3/4) î M cos φ (power balance of the lossless
inverter) and the DC-link capacitor carries the rms ripple current (Kolar & Round,
"Analytical calculation of the RMS current stress on the DC-link capacitor of voltage-PWM
converter systems", *IEE Proc. Electric Power Applications* 153(4), 2006)

    I_C,rms = (î / sqrt 2) sqrt(2 M (sqrt 3 / (4π) + cos² φ (sqrt 3 / π - 9 M / 16)))   (7)

(the root's argument clipped at zero), dissipating R_ESR I_C,rms². A constant gate-drive and
control power is added on top.

Default device data are typical, datasheet-level values, not a particular sample:

* :class:`IgbtInverterSpec`: the set used in PyEVPowerKit's setup data (P. A. Schirmer,
  github.com/pascme05/PyEVPowerKit), after the Infineon HybridPACK Drive FS820R08A6P2B
  datasheet (750 V, 820 A EDT2 IGBT six-pack): V_CE0 0.6 V, r_CE 0.46 mΩ, V_F0 0.7 V,
  r_F 0.67 mΩ, E_on 13.5 mJ, E_off 23 mJ, E_rr 7 mJ at 750 A, 650 V. The reference
  temperature of that set is taken to be 25 °C.
* :class:`SicInverterSpec`: rounded from the Wolfspeed CAB450M12XM3 datasheet (1200 V,
  450 A SiC half-bridge): R_DS,on 2.6 mΩ at 25 °C, rising about 1.6-fold to 175 °C, and
  E_on + E_off ≈ 9 mJ at 600 V, 300 A, split 5 mJ / 4 mJ.

The temperature coefficients are generic: +0.3 %/K for on-state resistances, -0.05 %/K for
IGBT and diode threshold voltages, +0.3 %/K for IGBT turn-on and turn-off energies and
+0.6 %/K for diode reverse recovery (values of the kind tabulated in the SEMIKRON manual),
none for SiC switching energies, which change little with temperature.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from ..errors import EdriveError
from ..spec import Spec
from ..units import Current, Energy, Power, Resistance, Temperature, Time, Voltage, quantity

T_25C_K = 298.15
T_100C_K = 373.15

Frequency = Annotated[float, quantity("Hz")]
PerKelvin = Annotated[float, quantity("1/K")]

# Field types with the bounds shared by both device families.
_ThresholdV = Annotated[Voltage, Field(ge=0, le=10)]
_OnResistance = Annotated[Resistance, Field(ge=0, le=1)]
_SwitchEnergy = Annotated[Energy, Field(ge=0, le=10)]
_RefCurrent = Annotated[Current, Field(gt=0, le=1e5)]
_RefVoltage = Annotated[Voltage, Field(gt=0, le=1e5)]
_JunctionT = Annotated[Temperature, Field(ge=200, le=500)]
_Exponent = Annotated[float, Field(gt=0, le=3)]
_TempCoeff = Annotated[PerKelvin, Field(ge=-0.01, le=0.02)]
_SwitchingFreq = Annotated[Frequency, Field(gt=0, le=1e6)]
_GatePower = Annotated[Power, Field(ge=0, le=1e4)]
_Esr = Annotated[Resistance, Field(ge=0, le=1)]
_Rating = Annotated[Current, Field(gt=0, le=1e5)]
_VoltageClass = Annotated[Voltage, Field(gt=0, le=1e5)]


def _check_temperature_factors(spec: Spec, coefficients: tuple[str, ...]) -> None:
    dt = spec.junction_temperature_k - spec.t_ref_k
    for name in coefficients:
        if 1 + getattr(spec, name) * dt <= 0:
            raise ValueError(f"{name} = {getattr(spec, name)} /K turns the scaled parameter "
                             f"negative at junction_temperature_k = "
                             f"{spec.junction_temperature_k} K")


class IgbtInverterSpec(Spec):
    """Si IGBT six-pack with anti-parallel diodes (eqs. 2 to 5); values per switch.

    Defaults: PyEVPowerKit setup data after the Infineon FS820R08A6P2B datasheet (typical,
    datasheet-level values; see the module docstring).
    """

    kind: Literal["igbt"] = "igbt"
    v_ce0_v: _ThresholdV = 0.6
    r_ce_ohm: _OnResistance = 0.46e-3
    v_f0_v: _ThresholdV = 0.7
    r_f_ohm: _OnResistance = 0.67e-3
    e_on_j: _SwitchEnergy = 13.5e-3
    e_off_j: _SwitchEnergy = 23e-3
    e_rr_j: _SwitchEnergy = 7e-3
    i_ref_a: _RefCurrent = 750.0
    v_ref_v: _RefVoltage = 650.0
    t_ref_k: _JunctionT = T_25C_K
    switching_frequency_hz: _SwitchingFreq = 10e3
    junction_temperature_k: _JunctionT = T_100C_K
    k_i: _Exponent = 1.0
    k_v: _Exponent = 1.3
    tc_v_ce0_per_k: _TempCoeff = -0.0005
    tc_r_ce_per_k: _TempCoeff = 0.003
    tc_v_f0_per_k: _TempCoeff = -0.0005
    tc_r_f_per_k: _TempCoeff = 0.003
    tc_e_per_k: _TempCoeff = 0.003
    tc_e_rr_per_k: _TempCoeff = 0.006
    gate_drive_power_w: _GatePower = 30.0
    dc_link_esr_ohm: _Esr = 0.0
    current_max_a: _Rating = 820.0
    voltage_class_v: _VoltageClass = 750.0

    @model_validator(mode="after")
    def _temperature_factors(self):
        _check_temperature_factors(self, ("tc_v_ce0_per_k", "tc_r_ce_per_k", "tc_v_f0_per_k",
                                          "tc_r_f_per_k", "tc_e_per_k", "tc_e_rr_per_k"))
        return self


class SicInverterSpec(Spec):
    """SiC MOSFET six-pack with synchronous rectification (eqs. 4 to 6); values per switch.

    Defaults: rounded from the Wolfspeed CAB450M12XM3 datasheet (1200 V, 450 A; typical,
    datasheet-level values; see the module docstring).
    """

    kind: Literal["sic"] = "sic"
    r_ds_on_ohm: _OnResistance = 2.6e-3
    alpha_per_k: _TempCoeff = 0.004  # R(175 degC) / R(25 degC) = 1.6
    e_on_j: _SwitchEnergy = 5e-3
    e_off_j: _SwitchEnergy = 4e-3
    e_rr_j: _SwitchEnergy = 0.0
    i_ref_a: _RefCurrent = 300.0
    v_ref_v: _RefVoltage = 600.0
    t_ref_k: _JunctionT = T_25C_K
    switching_frequency_hz: _SwitchingFreq = 10e3
    junction_temperature_k: _JunctionT = T_100C_K
    k_i: _Exponent = 1.0
    k_v: _Exponent = 1.3
    tc_e_per_k: _TempCoeff = 0.0
    dead_time_s: Annotated[Time, Field(ge=0, le=1e-5)] = 0.0
    body_diode_voltage_v: _ThresholdV = 3.0
    gate_drive_power_w: _GatePower = 30.0
    dc_link_esr_ohm: _Esr = 0.0
    current_max_a: _Rating = 450.0
    voltage_class_v: _VoltageClass = 1200.0

    @model_validator(mode="after")
    def _temperature_factors(self):
        _check_temperature_factors(self, ("alpha_per_k", "tc_e_per_k"))
        if self.dead_time_s * self.switching_frequency_hz >= 0.1:
            raise ValueError(f"dead_time_s {self.dead_time_s} s is 10 % or more of the "
                             f"switching period at {self.switching_frequency_hz} Hz")
        return self


InverterSpec = Annotated[IgbtInverterSpec | SicInverterSpec, Field(discriminator="kind")]


_IGBT_400V = IgbtInverterSpec()
_SIC_1200V = SicInverterSpec()

INVERTER_PRESETS: dict[str, IgbtInverterSpec | SicInverterSpec] = {
    # 400 V class: 750 V IGBT module, the defaults (FS820R08A6P2B-class).
    "si_igbt_400v": _IGBT_400V,
    # 400 V class: a 750 V SiC module. Assumed: the 1200 V data set below with the rating of
    # a 750 V part; a 750 V die of the same area would do a little better (conservative).
    "sic_mosfet_400v": _SIC_1200V.replace(voltage_class_v=750.0),
    # 800 V class: a 1200 V IGBT module in the same package, rated 520 A (as the Infineon
    # FS520R12A8P1LB). Assumed: threshold voltages 0.2 V higher (thicker drift region of
    # 1200 V chips); resistances and switching energies per ampere unchanged, so the higher
    # DC voltage raises the switching energies through eq. (4) alone: (800/650)^1.3 = 1.31.
    "si_igbt_800v": _IGBT_400V.replace(v_ce0_v=0.8, v_f0_v=0.9, current_max_a=520.0,
                                       voltage_class_v=1200.0),
    # 800 V class: the 1200 V SiC defaults (CAB450M12XM3-class).
    "sic_mosfet_800v": _SIC_1200V,
}


def _switching_average(k: float) -> float:
    """Eq. (5): (1/2π) ∫_0^π sin^k θ dθ, equal to 1/π for k = 1."""
    return math.gamma((k + 1) / 2) / (2 * math.sqrt(math.pi) * math.gamma(k / 2 + 1))


def _operating_point(current_peak_a, modulation_index, power_factor, dc_voltage_v):
    i = np.asarray(current_peak_a, dtype=float)
    m = np.asarray(modulation_index, dtype=float)
    pf = np.asarray(power_factor, dtype=float)
    v = np.asarray(dc_voltage_v, dtype=float)
    if np.any(i < 0):
        raise EdriveError("inverter: current_peak_a must not be negative (the sign of the "
                          "power flow goes in power_factor)")
    if np.any(m < 0):
        raise EdriveError("inverter: modulation_index must not be negative")
    if np.any(np.abs(pf) > 1 + 1e-9):
        raise EdriveError("inverter: power_factor must lie between -1 and 1")
    if np.any(v < 0):
        raise EdriveError("inverter: dc_voltage_v must not be negative")
    return i, m, np.clip(pf, -1.0, 1.0), v


def _temperature_factor(tc: float, tj, t_ref: float):
    return np.maximum(1 + tc * (tj - t_ref), 0.0)


def inverter_loss_breakdown(spec: IgbtInverterSpec | SicInverterSpec, current_peak_a,
                            modulation_index, power_factor, dc_voltage_v, *,
                            junction_temperature_k=None) -> dict[str, np.ndarray]:
    """Inverter losses by kind [W], for the whole inverter (six switches).

    Parameters
    ----------
    spec : IgbtInverterSpec or SicInverterSpec
    current_peak_a : array_like
        Peak phase current î [A], not negative.
    modulation_index : array_like
        M = û_ph / (V_dc / 2), eq. (1); the loss formulas are those of the linear range.
    power_factor : array_like
        cos φ in [-1, 1]; negative when generating.
    dc_voltage_v : array_like
        DC-link voltage [V].
    junction_temperature_k : array_like, optional
        Overrides the spec's junction temperature (e.g. from a thermal model).

    Returns
    -------
    dict of ndarray, broadcast over the inputs
        ``conduction_switch`` (IGBTs, or MOSFET channels), ``conduction_diode`` (IGBT
        free-wheeling diodes, or SiC body diodes in dead time), ``switching`` (E_on + E_off),
        ``recovery`` (E_rr), ``capacitor`` (DC-link ESR, eq. 7) and ``gate_drive``.
    """
    i, m, pf, v = _operating_point(current_peak_a, modulation_index, power_factor,
                                   dc_voltage_v)
    tj = spec.junction_temperature_k if junction_temperature_k is None else \
        np.asarray(junction_temperature_k, dtype=float)
    shape = np.broadcast_shapes(i.shape, m.shape, pf.shape, v.shape, np.shape(tj))
    terms = _loss_terms(spec, i, m, pf, v, tj)

    def full(x):
        return np.broadcast_to(np.asarray(x, dtype=float), shape).copy()

    return {k: full(val) for k, val in terms.items()}


def _power(x, k: float):
    return x if k == 1.0 else x**k


def _loss_terms(spec, i, m, pf, v, tj) -> dict:
    """The loss terms of :func:`inverter_loss_breakdown`, not yet broadcast to one shape."""
    t0 = spec.t_ref_k
    f = spec.switching_frequency_hz

    # Eq. (4) without E_ref, and the average of eq. (5).
    scale = _power(i / spec.i_ref_a, spec.k_i) * _power(v / spec.v_ref_v, spec.k_v)
    per_switch_sw = f * _switching_average(spec.k_i) * scale
    switching = per_switch_sw * (spec.e_on_j + spec.e_off_j) * \
        _temperature_factor(spec.tc_e_per_k, tj, t0)

    if isinstance(spec, IgbtInverterSpec):
        mc = m * pf
        v_ce0 = spec.v_ce0_v * _temperature_factor(spec.tc_v_ce0_per_k, tj, t0)
        r_ce = spec.r_ce_ohm * _temperature_factor(spec.tc_r_ce_per_k, tj, t0)
        v_f0 = spec.v_f0_v * _temperature_factor(spec.tc_v_f0_per_k, tj, t0)
        r_f = spec.r_f_ohm * _temperature_factor(spec.tc_r_f_per_k, tj, t0)
        # Eqs. (2) and (3), each term clipped at zero.
        i2 = i * i
        cond_switch = (v_ce0 * i * np.maximum(1 / (2 * np.pi) + mc / 8, 0.0)
                       + r_ce * i2 * np.maximum(1 / 8 + mc / (3 * np.pi), 0.0))
        cond_diode = (v_f0 * i * np.maximum(1 / (2 * np.pi) - mc / 8, 0.0)
                      + r_f * i2 * np.maximum(1 / 8 - mc / (3 * np.pi), 0.0))
        recovery = per_switch_sw * spec.e_rr_j * _temperature_factor(spec.tc_e_rr_per_k, tj, t0)
    else:
        r_ds = spec.r_ds_on_ohm * _temperature_factor(spec.alpha_per_k, tj, t0)
        cond_switch = r_ds * i * i / 4  # eq. (6)
        cond_diode = 2 * spec.dead_time_s * f * spec.body_diode_voltage_v * i / np.pi
        recovery = per_switch_sw * spec.e_rr_j * _temperature_factor(spec.tc_e_per_k, tj, t0)

    # Eq. (7), DC-link capacitor (one for the whole inverter).
    if spec.dc_link_esr_ohm > 0:
        capacitor = spec.dc_link_esr_ohm * dc_link_ripple_current_a(i, m, pf) ** 2
    else:
        capacitor = 0.0

    return {
        "conduction_switch": 6 * cond_switch,
        "conduction_diode": 6 * cond_diode,
        "switching": 6 * switching,
        "recovery": 6 * recovery,
        "capacitor": capacitor,
        "gate_drive": spec.gate_drive_power_w,
    }


def inverter_loss_w(spec: IgbtInverterSpec | SicInverterSpec, current_peak_a, modulation_index,
                    power_factor, dc_voltage_v, *, junction_temperature_k=None) -> np.ndarray:
    """Total inverter loss [W]: the sum of :func:`inverter_loss_breakdown`.

    Never below the gate-drive power, which is all that remains at zero current.
    """
    i, m, pf, v = _operating_point(current_peak_a, modulation_index, power_factor,
                                   dc_voltage_v)
    tj = spec.junction_temperature_k if junction_temperature_k is None else \
        np.asarray(junction_temperature_k, dtype=float)
    t = _loss_terms(spec, i, m, pf, v, tj)
    total = (t["conduction_switch"] + t["conduction_diode"] + t["switching"] + t["recovery"]
             + t["capacitor"] + t["gate_drive"])
    return np.broadcast_to(total, np.broadcast_shapes(i.shape, m.shape, pf.shape, v.shape,
                                                      np.shape(tj))) + 0.0


def dc_link_ripple_current_a(current_peak_a, modulation_index, power_factor) -> np.ndarray:
    """Rms ripple current of the DC-link capacitor, eq. (7) [A]."""
    i = np.asarray(current_peak_a, dtype=float)
    m = np.asarray(modulation_index, dtype=float)
    pf = np.asarray(power_factor, dtype=float)
    arg = 2 * m * (np.sqrt(3) / (4 * np.pi) + pf**2 * (np.sqrt(3) / np.pi - 9 * m / 16))
    return i / np.sqrt(2) * np.sqrt(np.maximum(arg, 0.0))


def dc_link_current_a(current_peak_a, modulation_index, power_factor) -> np.ndarray:
    """Mean DC-link current of the lossless inverter, i_dc = (3/4) î M cos φ [A].

    From the power balance V_dc i_dc = (3/2) (M V_dc / 2) î cos φ; negative when generating.
    """
    return 0.75 * np.asarray(current_peak_a, dtype=float) * np.asarray(modulation_index, float) \
        * np.asarray(power_factor, dtype=float)
