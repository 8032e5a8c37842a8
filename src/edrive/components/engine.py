"""Combustion engines (petrol and diesel): full-load torque and fuel use from a Willans line.

Fuel power (Willans line; Guzzella & Onder, *Introduction to Modeling and Control of Internal
Combustion Engine Systems*, Springer 2010, ch. 2; Rizzoni, Guzzella & Baumann, "Unified
modeling of hybrid electric vehicle drivetrains", IEEE/ASME Trans. Mechatronics 4(3), 1999):

    P_f = (P_e + P_loss(omega, T)) / e(omega)                                            (1)
    P_e = T omega                       brake power
    P_loss = (fmep + pmep) V_d omega / (4 pi)          four-stroke: one cycle per 2 revolutions

with e the indicated (thermodynamic) efficiency, varying gently with speed (heat transfer at
low speed, shorter combustion time at high speed; the curvature is an estimate):

    e(omega) = e_0 [1 - c_e (omega / omega_rated - x_opt)^2],   c_e = 0.15, x_opt = 0.4   (2)

Knock-limited compression of a generic boosted petrol engine (``engine_from_rating``). A
spark-ignition engine's compression ratio r is bounded by knock of the end gas, whose
temperature and pressure at the end of compression rise with the charge pressure: a boosted
engine runs a lower compression ratio than an aspirated one (Heywood 1988, ch. 9), and its
indicated efficiency falls as the air-standard Otto efficiency does (Heywood ch. 5):

    e_0(Pi) = e_0,NA (1 - r(Pi)^(1 - gamma)) / (1 - r_NA^(1 - gamma)),                   (2a)
    r(Pi) = r_NA Pi^(-k),   Pi = max(1, bmep_rated / bmep_atm),   bmep_rated = 4 pi P_rated / (V_d omega_rated)

with Pi the charge-pressure ratio an engine needs for its rated power (the aspirated kind
reaches bmep_atm of eq. 4 unboosted), gamma = 1.3, r_NA = 11 (``COMPRESSION_RATIO_ASPIRATED``,
estimate: aspirated engines run about 10-13) and e_0,NA the aspirated kind's indicated
efficiency. Holding the end-of-compression pressure p_in r^gamma constant would give
k = 1/gamma = 0.77; the engines' charge cooling (direct injection, intercooling) and spark
retard at full load let them run higher ratios, and k = 0.616 (``KNOCK_COMPRESSION_EXPONENT``)
was fitted on half of the makes of the EPA 2022 Test Car List (docs/validation.md, section 7).
The ratio is an effective one, lumping every part-load penalty of a high boost (low
compression, valve timing for power, turbine back-pressure). It sets the indicated efficiency
of engines known only by their rating (:func:`engine_from_rating`); an engine file gives its
own or takes its kind's (the boosted kinds' 0.393 is eq. 2a at Pi = 1.39, 87 kW per litre at
6,000 rpm; the boosted petrol records of that file have a median of 90 kW per litre).

Friction mean effective pressure, Barnes-Moss form for spark-ignition engines as given by
Heywood, *Internal Combustion Engine Fundamentals*, McGraw-Hill 1988, ch. 13:

    fmep [kPa] = k_f [97 + 15 (N / 1000) + 5 (N / 1000)^2],   N in rpm                    (3)

scaled for the engine's size by a fixed share (eq. 3a below), with k_f = 1 for the 1970s
petrol engines of the correlation; the defaults (``FUEL_DEFAULTS``) are fitted: 0.567 for
petrol and 0.86 for diesel engines (diesels carry higher friction from their higher
compression ratio and peak pressures, heavier pistons and the high-pressure fuel pump;
Heywood ch. 13 shows diesel motored fmep above SI values).

Fixed friction share (size scaling). Part of an engine's friction does not grow with its
displacement: the crankshaft seals and the main and big-end bearings, whose diameters vary
far less than the cylinder volume, and the accessory drives (oil, water and fuel pumps,
valve-train springs). In the component friction model of Patton, Nitschke & Heywood
(SAE 890836, 1989), revised by Sandoval & Heywood (SAE 2003-01-0725, 2003), these terms are
proportional to D_b / (B^2 S n_c), i.e. to the bearing size over the displacement, while
the piston and ring terms depend on the mean piston speed alone. With a share s of the
friction of a reference engine of displacement V_ref held fixed in torque:

    fmep(N, V_d) = fmep_BM(N) [(1 - s) + s V_ref / V_d]                                   (3a)

so a 1.0 L engine carries (1 + s) times the friction mep of the 2.0 L reference and a 4.0 L
one (1 - s / 2) times. s = ``friction_fixed_share`` (default 0.25, estimate: seals, main
bearings and auxiliaries make up about a quarter of the motored friction in the breakdowns
of Sandoval & Heywood 2003 and Heywood 1988, ch. 13), V_ref = 2.0 L (``FRICTION_REF_M3``);
s = 0 gives eq. (3) unscaled. Eq. (3a) is a factor on k_f (:func:`friction_size_factor`):
the engine's effective k_f (:attr:`Engine.friction_factor_effective`) enters eq. (3)
(:func:`friction_mep_pa`) and (1) in :class:`Engine` and in the compiled batch kernel.

Pumping mean effective pressure, a simplification for throttled petrol engines: it falls
linearly from pmep_0 at zero load to zero where the throttle is wide open,

    pmep = pmep_0 max(0, 1 - T / T_open(omega)),   T_open = min(T_max(omega), T_atm)       (4)
    T_atm = bmep_atm V_d / (4 pi),   bmep_atm = 1.25 MPa

(pmep_0 estimate, from intake-manifold pressure of about 0.3-0.4 bar at idle: Heywood ch. 13
puts light-load pumping mep at 50-80 kPa; an unthrottled diesel has almost none). The
throttling loss is set by the manifold pressure, that is by the air a cycle takes, so by the
brake mep, not by the share of the engine's own full load: a turbocharged petrol engine is
throttled at part load like a naturally aspirated one of its displacement, and its throttle
is wide open, with the manifold at ambient pressure, where that engine would be at full load;
above it the turbocharger raises the pressure and there is no throttling loss. bmep_atm
(``UNTHROTTLED_BMEP_PA``) is the maximum bmep of the naturally aspirated kind
(``KIND_DEFAULTS["petrol"]``), not fitted; for a naturally aspirated engine T_open is its
full-load curve wherever that lies below T_atm.

Full-load torque T_max(omega): a normalised shape per engine kind, scaled to the file's
rated power, rated speed and maximum torque. The full-load *power* is piecewise linear
between the knots

    (idle, f_idle T_max omega_idle), (omega_1, T_max omega_1), (omega_2, T_max omega_2),
    (omega_rated, P_rated), (omega_rated,to, P_rated), (omega_max, f_max P_rated)

so the torque is flat from omega_1 to omega_2 (the plateau of a boosted engine), the power
reaches P_rated at omega_rated and holds to the end of the rated band, and falls to f_max
P_rated at the speed limit. f_idle and f_max and the default plateau are per kind
(estimates, see ``KIND_DEFAULTS``).

Overrun: with the throttle closed and the injectors off above the fuel cut-off speed the
engine is motored and absorbs its friction and pumping losses, T_min = -P_loss(omega, 0) /
omega, at zero fuel. A negative brake torque between T_min and zero is not a fuel cut: the
engine must still produce indicated work P_loss + T omega > 0, so the driver eases the
throttle instead of closing it (overrun fuel cut-off acts on a released accelerator pedal:
Bosch *Automotive Handbook*, engine-management chapter) and eq. (1) holds at that torque,
falling to zero at T_min:

    P_f = max((T omega + P_loss(omega, T)) / e(omega), 0) = max((T - T_min) omega / e, 0)   (1b)

(:func:`overrun_fuel_power_w`; T <= T_min: cut off). Below the cut-off speed the engine is
kept fuelled as at zero brake torque (idle control), so the idle fuel rate is (1) at the idle
speed and T = 0. A stopped engine (omega = 0) uses no fuel.

Power-fraction efficiency curve (optional, ``efficiency_curve``). Simpler models, e.g.
ADVISOR (Wipke et al., IEEE TVT 48(6), 1999) and FASTSim (Brooker et al., SAE 2015-01-0973),
describe the engine by one brake efficiency per share of rated power, independent of speed:

    P_f = max(P_e / eta(P_e / P_rated), P_idle)   for P_e > 0,     P_idle   for P_e <= 0    (5)

with eta interpolated linearly in the table (held at its end values outside it) and P_idle
the least fuel power of a fired engine (FASTSim's ``pwr_idle_fuel_watts``, used this way in
its time series). When a curve is given it replaces
(1)-(4) for the fuel; the full-load and motoring torque still come from the rating and (3).
It exists to reproduce such models' results, e.g. vehicles imported from FASTSim.

Fuels: ``FUELS`` holds density, lower heating value, carbon mass fraction and tank-to-wheel
CO2 per litre (all the fuel's carbon oxidised to CO2, biogenic carbon included), for blends
computed by volume from the component properties of JEC Well-to-Wheels v5 (Prussi et al.,
JRC 2020, JEC WTT report appendix on fuel properties: petrol 745 kg/m^3, 43.2 MJ/kg,
86.4 % C; diesel 832 kg/m^3, 43.1 MJ/kg, 86.2 % C; ethanol 794 kg/m^3, 26.8 MJ/kg, 52.2 % C;
FAME 890 kg/m^3, 37.2 MJ/kg, 77.3 % C). E5 and E10 are 5 and 10 % v/v ethanol (EN 228),
B7 7 % v/v FAME (EN 590). Defaults are E10 and B7, the reference fuels of EU WLTP type
approval (Regulation (EU) 2017/1151, Annex IX). The results, e.g. 2.27 kg CO2/L for E10,
2.32 for E5 and 2.62 for B7, agree with the commonly used 2.3 and 2.6 kg/L.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, PrivateAttr, model_validator

from ..errors import EdriveError, unknown_name
from ..maps import interp
from ..registry import Registry, spec_from_yaml
from ..sim.jit import jitable
from ..spec import Spec, validate
from ..units import AngularSpeed, Power, Torque, quantity, to_si

Volume = Annotated[float, quantity("m**3")]
Pressure = Annotated[float, quantity("Pa")]

RPM = np.pi / 30.0  # rad/s per rpm
CO2_PER_C = 44.009 / 12.011  # kg CO2 per kg carbon
EFFICIENCY_SPEED_CURVATURE = 0.15  # c_e of eq. (2), estimate
EFFICIENCY_SPEED_OPTIMUM = 0.4  # x_opt of eq. (2), estimate
UNTHROTTLED_BMEP_PA = 1.25e6  # bmep_atm of eq. (4): the naturally aspirated kind's maximum bmep
COMPRESSION_RATIO_ASPIRATED = 11.0  # r_NA of eq. (2a), estimate
OTTO_GAMMA = 1.3  # gamma of eq. (2a): ratio of specific heats of the unburnt charge
KNOCK_COMPRESSION_EXPONENT = 0.616  # k of eq. (2a), fitted (module docstring)


# --- eqs. (1)-(4), one implementation for numpy arrays, scalars and compiled loops ----------

@jitable
def friction_mep_pa(speed_rad_s, friction_factor):
    """Eq. (3): friction mean effective pressure [Pa] (scalars or arrays)."""
    n = np.abs(speed_rad_s) / RPM / 1000.0
    return friction_factor * (97.0 + 15.0 * n + 5.0 * n * n) * 1e3


@jitable
def pumping_mep_pa(torque_nm, torque_max_nm, pmep0_pa, displacement_m3):
    """Eq. (4): pumping mean effective pressure [Pa] at a torque, the full-load torque at
    that speed and the displacement (scalars or arrays)."""
    t_open = np.minimum(torque_max_nm, UNTHROTTLED_BMEP_PA * displacement_m3 / (4 * np.pi))
    t_open = np.maximum(t_open, 1e-9)
    return pmep0_pa * np.minimum(np.maximum(1.0 - torque_nm / t_open, 0.0), 1.0)


@jitable
def indicated_efficiency_at(speed_rad_s, speed_rated_rad_s, efficiency_peak):
    """Eq. (2): indicated efficiency e(omega) (scalars or arrays)."""
    x = np.abs(speed_rad_s) / speed_rated_rad_s
    return efficiency_peak * (
        1.0 - EFFICIENCY_SPEED_CURVATURE * (x - EFFICIENCY_SPEED_OPTIMUM) ** 2)


def _number_in(name, value, low, high=math.inf, *, low_open=True):
    """``value`` as a float if it is a finite number (not a boolean) above ``low`` (or at
    it, without ``low_open``) and at most ``high``, else a one-line :class:`EdriveError`
    naming it and what is allowed."""
    ok = (not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
          and math.isfinite(value) and (low < value if low_open else low <= value)
          and value <= high)
    if not ok:
        span = (f"above {low:g}" if low_open else f"at least {low:g}") + (
            f" and at most {high:.4g}" if high < math.inf else "")
        raise EdriveError(f"{name}: {value!r}; allowed: a number {span}")
    return float(value)


def boost_ratio(power_rated_w, displacement_m3, speed_rated_rad_s):
    """Pi of eq. (2a): the charge-pressure ratio an engine needs for its rated power at its
    rated speed, max(1, bmep_rated / bmep_atm)."""
    bmep = 4 * np.pi * _number_in("power_rated_w", power_rated_w, 0.0) / (
        _number_in("displacement_m3", displacement_m3, 0.0)
        * _number_in("speed_rated_rad_s", speed_rated_rad_s, 0.0))
    return max(1.0, bmep / UNTHROTTLED_BMEP_PA)


def knock_limited_indicated_efficiency(efficiency_aspirated, boost,
                                       exponent=KNOCK_COMPRESSION_EXPONENT):
    """Eq. (2a): the indicated efficiency e_0 of a petrol engine boosted by the ratio
    ``boost`` (Pi >= 1), from the aspirated engine's ``efficiency_aspirated``."""
    e_na = _number_in("efficiency_aspirated", efficiency_aspirated, 0.0, 1.0)
    boost = _number_in("boost ratio", boost, 1.0, low_open=False)
    k = _number_in("knock exponent", exponent, 0.0, 1.0 / OTTO_GAMMA, low_open=False)
    r_na = COMPRESSION_RATIO_ASPIRATED
    r = r_na * boost ** -k
    return e_na * (1 - r ** (1 - OTTO_GAMMA)) / (1 - r_na ** (1 - OTTO_GAMMA))


@jitable
def willans_fuel_power_w(torque_nm, speed_rad_s, torque_max_nm, efficiency_peak,
                         speed_rated_rad_s, pmep0_pa, friction_factor, displacement_m3):
    """Eq. (1): fuel power [W] of a firing engine at a brake torque >= 0 (scalars or
    arrays); ``torque_max_nm`` is the full-load torque at that speed. The fuel cut-off is
    the caller's (:meth:`EngineModel.fuel_power_w`)."""
    w = np.abs(speed_rad_s)
    mep = (friction_mep_pa(w, friction_factor)
           + pumping_mep_pa(torque_nm, torque_max_nm, pmep0_pa, displacement_m3))
    loss = mep * displacement_m3 * w / (4 * np.pi)
    return (torque_nm * w + loss) / indicated_efficiency_at(w, speed_rated_rad_s,
                                                            efficiency_peak)


@jitable
def overrun_fuel_power_w(torque_nm, speed_rad_s, torque_max_nm, efficiency_peak,
                         speed_rated_rad_s, pmep0_pa, friction_factor, displacement_m3):
    """Eq. (1b): fuel power [W] at a negative brake torque above the fuel cut-off speed:
    eq. (1) at that torque, max(P_f(T), 0) = max((T - T_min) omega / e, 0), fired at part
    throttle down to the motoring torque T_min and cut off at it (scalars or arrays; within
    1e-9 of the zero-torque fuel power counts as cut off, so that T_min itself rounds to
    zero)."""
    args = (speed_rad_s, torque_max_nm, efficiency_peak, speed_rated_rad_s, pmep0_pa,
            friction_factor, displacement_m3)
    p = willans_fuel_power_w(np.minimum(torque_nm, 0.0), *args)
    p0 = willans_fuel_power_w(0.0 * torque_nm, *args)
    return p * (p > 1e-9 * p0)


@jitable
def full_load_torque_nm(speed_rad_s, knot_speed, knot_power, speed_idle_rad_s,
                        speed_max_rad_s):
    """Full-load brake torque T_max(omega) [N*m] (module docstring): the full-load power,
    piecewise linear between the knots (``knot_speed`` [rad/s], ``knot_power`` [W]), over the
    speed; below idle speed the value at idle, above the maximum speed zero (scalars or
    arrays; the one implementation for :meth:`Engine.torque_max_nm` and compiled loops)."""
    w = speed_rad_s
    wc = np.minimum(np.maximum(w, speed_idle_rad_s), speed_max_rad_s)
    t = interp(wc, knot_speed, knot_power) / wc
    return t * (w <= speed_max_rad_s * (1 + 1e-12))  # t >= 0 and finite: 0 above the limit


@jitable
def fuel_cut_off(torque_nm, speed_rad_s, fuel_cut_speed_rad_s):
    """Where the injectors may be cut (module docstring, overrun): negative brake torque at
    or above the fuel cut-off speed (fuel from eq. 1b, zero at and below the motoring torque),
    or the engine stopped (no fuel) (scalars or arrays of bool; the one implementation for
    :meth:`Engine.fuel_power_w` and compiled loops)."""
    w = np.abs(speed_rad_s)
    return ((torque_nm < 0) & (w >= fuel_cut_speed_rad_s)) | (w == 0)


@jitable
def motoring_torque_nm(speed_rad_s, friction_factor, pmep0_pa, displacement_m3):
    """Motoring (overrun, fuel cut) torque [N*m]: minus the friction (3) and the pumping
    losses (4) at zero load (scalars or arrays)."""
    return -(friction_mep_pa(speed_rad_s, friction_factor) + pmep0_pa) * displacement_m3 / (
        4 * np.pi)


@jitable
def curve_fuel_power_w(brake_power_w, power_rated_w, power_fraction, efficiency,
                       idle_fuel_power_w):
    """Eq. (5): fuel power [W] at a brake power >= 0 from the brake efficiency per share of
    rated power (scalars or arrays). The efficiency is above zero at every positive power
    (:class:`PowerFractionCurve`); at zero power, where it may be zero, the result is the
    idle fuel power."""
    eta = interp(brake_power_w / power_rated_w, power_fraction, efficiency)
    return np.maximum(brake_power_w / (eta + (eta <= 0)), idle_fuel_power_w)


@jitable
def engine_fuel_power_w(torque_nm, speed_rad_s, torque_max_nm, efficiency_peak,
                        speed_rated_rad_s, pmep0_pa, friction_factor, displacement_m3,
                        fuel_cut_speed_rad_s, power_rated_w, power_fraction, efficiency,
                        idle_fuel_power_w, with_curve):
    """Fuel power [W] of :meth:`Engine.fuel_power_w` (scalars or arrays): eq. (1), or eq. (5)
    where ``with_curve``, at the brake torque or zero if it is negative; zero at standstill;
    for a negative torque above the fuel cut-off speed eq. (1b), zero at and below the
    motoring torque (eq. 5: zero). ``torque_max_nm`` is the full-load torque at ``|speed|``."""
    w = np.abs(speed_rad_s)
    t_fired = np.maximum(torque_nm, 0.0)
    cut = fuel_cut_off(torque_nm, w, fuel_cut_speed_rad_s)
    if with_curve:
        p = curve_fuel_power_w(t_fired * w, power_rated_w, power_fraction, efficiency,
                               idle_fuel_power_w)
        return p * (1 - cut)
    p = willans_fuel_power_w(t_fired, w, torque_max_nm, efficiency_peak, speed_rated_rad_s,
                             pmep0_pa, friction_factor, displacement_m3)
    p_over = overrun_fuel_power_w(torque_nm, w, torque_max_nm, efficiency_peak,
                                  speed_rated_rad_s, pmep0_pa, friction_factor,
                                  displacement_m3)  # eq. (1b)
    return p * (1 - cut) + p_over * (cut & (w > 0))


# --- fuels ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fuel:
    """Properties of a motor fuel (SI units)."""

    name: str
    family: Literal["petrol", "diesel"]
    density_kg_m3: float
    lhv_j_kg: float
    carbon_mass_fraction: float
    source: str

    @property
    def co2_kg_per_kg(self) -> float:
        """CO2 from burning 1 kg of fuel completely [kg/kg]."""
        return self.carbon_mass_fraction * CO2_PER_C

    @property
    def co2_kg_per_l(self) -> float:
        """CO2 from burning 1 litre of fuel [kg/L]."""
        return self.co2_kg_per_kg * self.density_kg_m3 / 1000.0


# JEC WTW v5 component properties: density [kg/m^3], LHV [J/kg], carbon mass fraction
_COMPONENTS = {
    "petrol": (745.0, 43.2e6, 0.864),
    "diesel": (832.0, 43.1e6, 0.862),
    "ethanol": (794.0, 26.8e6, 0.522),
    "fame": (890.0, 37.2e6, 0.773),
}
_JEC = ("JEC Well-to-Wheels v5 (Prussi et al., JRC 2020), fuel-property appendix of the WTT "
        "report; blend by volume")


def blend(name: str, family: Literal["petrol", "diesel"], bio: str, bio_volume_share: float,
          note: str) -> Fuel:
    """A fossil fuel with ``bio_volume_share`` (v/v) of ethanol or FAME: density mixes by
    volume; LHV and carbon fraction by mass."""
    parts = [(family, 1.0 - bio_volume_share), (bio, bio_volume_share)]
    rho = sum(_COMPONENTS[c][0] * x for c, x in parts)
    w = [(_COMPONENTS[c], _COMPONENTS[c][0] * x / rho) for c, x in parts]
    return Fuel(name, family, rho, sum(p[1] * wi for p, wi in w),
                sum(p[2] * wi for p, wi in w), f"{_JEC}; {note}")


FUELS: dict[str, Fuel] = {
    "petrol_e0": blend("petrol_e0", "petrol", "ethanol", 0.0,
                       "E0, ethanol-free (like the former EU and US certification fuels)"),
    "petrol_e5": blend("petrol_e5", "petrol", "ethanol", 0.05, "E5: 5 % v/v ethanol (EN 228)"),
    "petrol_e10": blend("petrol_e10", "petrol", "ethanol", 0.10,
                        "E10: 10 % v/v ethanol (EN 228), EU WLTP reference petrol "
                        "(Regulation (EU) 2017/1151, Annex IX)"),
    "diesel_b0": blend("diesel_b0", "diesel", "fame", 0.0, "B0, FAME-free"),
    "diesel_b7": blend("diesel_b7", "diesel", "fame", 0.07,
                       "B7: 7 % v/v FAME (EN 590), EU WLTP reference diesel "
                       "(Regulation (EU) 2017/1151, Annex IX)"),
}
DEFAULT_FUEL = {"petrol": "petrol_e10", "diesel": "diesel_b7"}


# --- kinds ----------------------------------------------------------------------------------

EngineKind = Literal["turbo_petrol", "petrol", "twin_turbo_v8_petrol", "supercharged_v8_petrol",
                     "turbo_diesel"]

# Per kind (all estimates unless stated): indicated efficiency (fitted for petrol, see
# FUEL_DEFAULTS); fuel family; plateau start and end as shares of the
# rated speed (end is also capped at P_rated / T_max); full-load torque at idle as a share of
# T_max; full-load power at the speed limit as a share of P_rated; speed limit / rated speed;
# maximum bmep [Pa] for engine_from_rating; idle speed [rpm].
KIND_DEFAULTS: dict[str, dict[str, Any]] = {
    # BMW B48: 400 Nm 1,550-4,400 rpm, 190 kW 5,000-6,500 rpm (see the bundled file)
    "turbo_petrol": {"indicated_efficiency": 0.393, "fuel": "petrol", "plateau": (0.30, 0.85), "idle_torque": 0.55,
                     "max_power": 0.93, "max_speed": 1.3, "bmep_pa": 2.4e6, "idle_rpm": 750},
    # naturally aspirated: a broad torque hump near 60-70 % of rated speed
    "petrol": {"indicated_efficiency": 0.418, "fuel": "petrol", "plateau": (0.60, 0.70), "idle_torque": 0.75,
               "max_power": 0.92, "max_speed": 1.12, "bmep_pa": 1.25e6, "idle_rpm": 750},
    # BMW S63: 750 Nm 1,800-5,600 rpm (M5 F90), rated 5,600-6,700 rpm
    "twin_turbo_v8_petrol": {"indicated_efficiency": 0.393, "fuel": "petrol", "plateau": (0.30, 0.90), "idle_torque": 0.5,
                             "max_power": 0.95, "max_speed": 1.15, "bmep_pa": 2.15e6,
                             "idle_rpm": 650},
    # positive-displacement supercharger: boost from low speed, a broad plateau
    "supercharged_v8_petrol": {"indicated_efficiency": 0.393, "fuel": "petrol", "plateau": (0.40, 0.80), "idle_torque": 0.65,
                               "max_power": 0.95, "max_speed": 1.1, "bmep_pa": 1.5e6,
                               "idle_rpm": 650},
    # BMW B47/B57: plateau about 1,750-2,750 rpm, rated 4,000-4,400 rpm
    "turbo_diesel": {"indicated_efficiency": 0.446, "fuel": "diesel", "plateau": (0.44, 0.66), "idle_torque": 0.45,
                     "max_power": 0.75, "max_speed": 1.25, "bmep_pa": 2.5e6, "idle_rpm": 800},
}
# Per fuel: part-load pumping mep pmep_0 [Pa] and friction factor k_f; per kind (in
# KIND_DEFAULTS): the indicated efficiency e_0. Petrol values were fitted once for all cars to
# the FTP-75 and HWFET records of half of the makes of the EPA 2022 Test Car List
# (tools/calibrate_ice_defaults.py; figures and the held-out check in docs/validation.md):
# e_0 0.418 for naturally aspirated and 0.393 for boosted engines (lower compression ratio
# against knock; Heywood 1988, ch. 5 and 9; engines known only by their rating take eq. 2a
# instead, whose exponent was fitted after the values here), k_f 0.567 (modern low-friction engines against
# Barnes-Moss's 1970s data) and pmep_0 90 kPa (the top of its fitting range), refitted with
# the converter creep, lock-up schedules, driver shift points of manual cars, the fixed
# friction share (0.25, not fitted), the input inertia of a slipping converter or clutch
# (eqs. 6a-6b of edrive.components.transmission) and the part-throttle overrun fuel (1b) in
# the model. Diesel: e_0 0.446 and k_f 0.86 fitted on
# the diesel HWFET records of the same half of the makes (``--fuel diesel``; the file holds
# no usable diesel FTP-75 record; pmep_0 0 for an unthrottled engine); with them the bundled
# diesels peak at about 42 % brake efficiency, in the 40-45 % of passenger-car diesels
# (Heywood 1988 ch. 1 and 15).
FUEL_DEFAULTS = {
    "petrol": {"pmep0_pa": 90e3, "friction_factor": 0.567},
    "diesel": {"pmep0_pa": 0.0, "friction_factor": 0.86},
}
FRICTION_REF_M3 = 2.0e-3  # V_ref of eq. (3a)
FRICTION_FIXED_SHARE = 0.25  # s of eq. (3a), estimate (module docstring)
FUEL_CUT_OVER_IDLE = 1.6  # fuel cut-off above 1.6 x idle speed (about 1,100-1,300 rpm), estimate


def friction_size_factor(displacement_m3, fixed_share):
    """The size factor of eq. (3a), (1 - s) + s V_ref / V_d, for a displacement V_d [m^3]
    and a fixed share s: the engine's k_f in eqs. (1) and (3) is its ``friction_factor``
    times this (:attr:`Engine.friction_factor_effective`)."""
    return (1.0 - fixed_share) + fixed_share * FRICTION_REF_M3 / displacement_m3


class PowerFractionCurve(Spec):
    """Brake efficiency per share of rated brake power, eq. (5): ``power_fraction`` rising
    from 0, ``efficiency`` one value per point; ``idle_fuel_power_w`` [W] is P_idle."""

    power_fraction: Annotated[list[Annotated[float, Field(ge=0, le=2)]], Field(min_length=2)]
    efficiency: Annotated[list[Annotated[float, Field(ge=0, lt=1)]], Field(min_length=2)]
    idle_fuel_power_w: Annotated[Power, Field(ge=0, le=1e5)] = 0.0

    @model_validator(mode="after")
    def _table(self):
        if len(self.power_fraction) != len(self.efficiency):
            raise ValueError(f"power_fraction has {len(self.power_fraction)} points but "
                             f"efficiency {len(self.efficiency)}")
        if any(b <= a for a, b in pairwise(self.power_fraction)):
            raise ValueError("power_fraction must increase strictly")
        if any(e <= 0 for f, e in zip(self.power_fraction, self.efficiency, strict=True)
               if f > 0):
            raise ValueError("efficiency must be above 0 wherever power_fraction is")
        return self


class EngineSpec(Spec):
    """A combustion engine (see module docstring). Left out, ``fuel``, ``fuel_grade``,
    ``indicated_efficiency``, ``pmep0_pa``, ``friction_factor``, ``fuel_cut_speed_rad_s``,
    the plateau speeds and the end of the rated-power band take the defaults of the kind."""

    schema_version: Literal[1] = 1
    type: Literal["engine"] = "engine"
    name: str
    description: str = ""
    sources: dict[str, str] = Field(default_factory=dict)
    kind: EngineKind
    fuel: Literal["petrol", "diesel"]
    fuel_grade: str
    displacement_m3: Annotated[Volume, Field(gt=1e-4, le=0.02)]
    cylinders: Annotated[int, Field(ge=1, le=16)]
    power_rated_w: Annotated[Power, Field(gt=1e3, le=2e6)]
    speed_rated_rad_s: Annotated[AngularSpeed, Field(gt=100, le=1500)]
    speed_rated_to_rad_s: Annotated[AngularSpeed, Field(gt=100, le=1500)]
    torque_max_nm: Annotated[Torque, Field(gt=1, le=5000)]
    speed_torque_max_from_rad_s: Annotated[AngularSpeed, Field(gt=0, le=1500)]
    speed_torque_max_to_rad_s: Annotated[AngularSpeed, Field(gt=0, le=1500)]
    speed_idle_rad_s: Annotated[AngularSpeed, Field(gt=20, le=200)]
    speed_max_rad_s: Annotated[AngularSpeed, Field(gt=100, le=1500)]
    indicated_efficiency: Annotated[float, Field(gt=0.2, lt=0.6)]
    pmep0_pa: Annotated[Pressure, Field(ge=0, le=2e5)]
    friction_factor: Annotated[float, Field(gt=0.3, le=3)]
    friction_fixed_share: Annotated[float, Field(ge=0, le=0.6)] = FRICTION_FIXED_SHARE
    fuel_cut_speed_rad_s: Annotated[AngularSpeed, Field(gt=0, le=1500)]
    stop_start: bool = True
    efficiency_curve: PowerFractionCurve | None = None

    _model: object = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("kind") not in KIND_DEFAULTS:
            return data
        data = dict(data)
        kd = KIND_DEFAULTS[data["kind"]]

        def missing(key):
            return data.get(key) is None

        if missing("fuel"):
            data["fuel"] = kd["fuel"]
        if missing("fuel_grade") and data["fuel"] in DEFAULT_FUEL:
            data["fuel_grade"] = DEFAULT_FUEL[data["fuel"]]
        for key, value in FUEL_DEFAULTS.get(data["fuel"], {}).items():
            if missing(key):
                data[key] = value
        if missing("indicated_efficiency"):
            data["indicated_efficiency"] = kd["indicated_efficiency"]
        try:  # the defaults below need numbers; a bad value is reported by its field later
            w_r = to_si(data["speed_rated_rad_s"], "rad/s")
            t_max = to_si(data["torque_max_nm"], "N*m")
            p_r = to_si(data["power_rated_w"], "W")
            w_idle = to_si(data["speed_idle_rad_s"], "rad/s")
        except (KeyError, EdriveError):
            return data
        if missing("speed_rated_to_rad_s"):
            data["speed_rated_to_rad_s"] = w_r
        if missing("speed_torque_max_from_rad_s"):
            data["speed_torque_max_from_rad_s"] = max(kd["plateau"][0] * w_r, 1.1 * w_idle)
        if missing("speed_torque_max_to_rad_s"):
            w1 = to_si(data["speed_torque_max_from_rad_s"], "rad/s", "speed_torque_max_from")
            data["speed_torque_max_to_rad_s"] = max(w1, min(kd["plateau"][1] * w_r, p_r / t_max))
        if missing("fuel_cut_speed_rad_s"):
            data["fuel_cut_speed_rad_s"] = FUEL_CUT_OVER_IDLE * w_idle
        return data

    @model_validator(mode="after")
    def _consistent(self):
        if self.fuel_grade not in FUELS:
            raise unknown_name("fuel_grade", self.fuel_grade, FUELS)
        if FUELS[self.fuel_grade].family != self.fuel:
            raise ValueError(f"fuel_grade {self.fuel_grade!r} is not a {self.fuel} fuel")
        if KIND_DEFAULTS[self.kind]["fuel"] != self.fuel:
            raise ValueError(f"a {self.kind} engine burns {KIND_DEFAULTS[self.kind]['fuel']}, "
                             f"not {self.fuel}")
        order = [("speed_idle_rad_s", self.speed_idle_rad_s),
                 ("speed_torque_max_from_rad_s", self.speed_torque_max_from_rad_s),
                 ("speed_torque_max_to_rad_s", self.speed_torque_max_to_rad_s),
                 ("speed_rated_rad_s", self.speed_rated_rad_s),
                 ("speed_rated_to_rad_s", self.speed_rated_to_rad_s),
                 ("speed_max_rad_s", self.speed_max_rad_s)]
        for (k1, v1), (k2, v2) in pairwise(order):
            strict = k1 == "speed_idle_rad_s"
            if v2 < v1 * (1 - 1e-9) or (strict and v2 <= v1):
                raise ValueError(f"{k2} ({v2 / RPM:.0f} rpm) must not be below {k1} "
                                 f"({v1 / RPM:.0f} rpm)")
        if not self.speed_idle_rad_s < self.fuel_cut_speed_rad_s <= self.speed_max_rad_s:
            raise ValueError("fuel_cut_speed_rad_s must lie above the idle speed and at most "
                             "the maximum speed")
        p_plateau = self.torque_max_nm * self.speed_torque_max_to_rad_s
        if p_plateau > self.power_rated_w * (1 + 1e-3):
            raise ValueError(
                f"torque_max_nm {self.torque_max_nm:.0f} N*m at speed_torque_max_to_rad_s "
                f"({self.speed_torque_max_to_rad_s / RPM:.0f} rpm) is {p_plateau / 1e3:.0f} kW, "
                f"above power_rated_w ({self.power_rated_w / 1e3:.0f} kW)")
        if self.power_rated_w > self.torque_max_nm * self.speed_rated_rad_s * (1 + 1e-3):
            raise ValueError(
                f"power_rated_w {self.power_rated_w / 1e3:.0f} kW needs more than torque_max_nm "
                f"{self.torque_max_nm:.0f} N*m at speed_rated_rad_s "
                f"({self.speed_rated_rad_s / RPM:.0f} rpm)")
        return self

    def model(self) -> Engine:
        if self._model is None:
            self._model = Engine(self)
        return self._model  # type: ignore[return-value]


class Engine:
    """Numeric model of an :class:`EngineSpec`; every method takes arrays (broadcast)."""

    def __init__(self, spec: EngineSpec):
        self.spec = spec
        self.fuel = FUELS[spec.fuel_grade]
        s, kd = spec, KIND_DEFAULTS[spec.kind]
        t = s.torque_max_nm
        self._knot_speed = np.array([
            s.speed_idle_rad_s, s.speed_torque_max_from_rad_s, s.speed_torque_max_to_rad_s,
            s.speed_rated_rad_s, s.speed_rated_to_rad_s, s.speed_max_rad_s])
        self._knot_power = np.array([
            kd["idle_torque"] * t * s.speed_idle_rad_s, t * s.speed_torque_max_from_rad_s,
            t * s.speed_torque_max_to_rad_s, s.power_rated_w, s.power_rated_w,
            kd["max_power"] * s.power_rated_w])
        #: k_f of eqs. (1) and (3) with the size factor of eq. (3a)
        self.friction_factor_effective = s.friction_factor * friction_size_factor(
            s.displacement_m3, s.friction_fixed_share)
        self._operating_lines: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._idle_fuel_kg_s: float | None = None

    def operating_line(self, levels: int) -> tuple[np.ndarray, np.ndarray]:
        """The engine's line of least fuel: for ``levels`` powers from 5 % to 100 % of its
        maximum, the speed of least fuel rate on a 120-point speed grid from idle to maximum
        speed (T = P / omega within full load). Returns (powers [W], speeds [rad/s]),
        computed once per engine and count of levels (read-only arrays; the hybrids'
        candidate tables, and their variants, share it)."""
        line = self._operating_lines.get(levels)
        if line is None:
            s = self.spec
            w = np.linspace(s.speed_idle_rad_s, s.speed_max_rad_s, 120)
            p = float(np.max(self.power_max_w(w))) * np.linspace(0.05, 1.0, levels)
            W, P = np.meshgrid(w, p)
            T = P / W
            fuel = np.where(T <= self.torque_max_nm(W) * (1 + 1e-9), self.fuel_rate_kg_s(T, W),
                            np.inf)
            line = (p, w[np.argmin(fuel, axis=1)])
            for a in line:
                a.flags.writeable = False
            self._operating_lines[levels] = line
        return line

    # --- full load ---------------------------------------------------------------------------
    def torque_max_nm(self, speed_rad_s):
        """Full-load brake torque [N*m]: the piecewise-linear power curve / speed; the idle
        value below idle speed, zero above the maximum speed."""
        return np.asarray(full_load_torque_nm(
            np.asarray(speed_rad_s, dtype=float), self._knot_speed, self._knot_power,
            self.spec.speed_idle_rad_s, self.spec.speed_max_rad_s))

    def power_max_w(self, speed_rad_s):
        """Full-load brake power [W]."""
        return self.torque_max_nm(speed_rad_s) * np.asarray(speed_rad_s, dtype=float)

    def torque_min_nm(self, speed_rad_s):
        """Motoring (overrun, fuel cut) torque: minus the friction and pumping losses at zero
        load [N*m]."""
        return motoring_torque_nm(np.asarray(speed_rad_s, dtype=float),
                                  self.friction_factor_effective, self.spec.pmep0_pa,
                                  self.spec.displacement_m3)

    # --- losses ------------------------------------------------------------------------------
    def fmep_pa(self, speed_rad_s):
        """Friction mean effective pressure, eqs. (3) and (3a) [Pa]."""
        return friction_mep_pa(np.asarray(speed_rad_s, dtype=float),
                               self.friction_factor_effective)

    def pmep_pa(self, torque_nm, speed_rad_s):
        """Pumping mean effective pressure, eq. (4) [Pa]."""
        return pumping_mep_pa(np.asarray(torque_nm, dtype=float),
                              self.torque_max_nm(speed_rad_s), self.spec.pmep0_pa,
                              self.spec.displacement_m3)

    def loss_power_w(self, torque_nm, speed_rad_s):
        """Friction and pumping power, (fmep + pmep) V_d omega / (4 pi) [W]."""
        w = np.abs(np.asarray(speed_rad_s, dtype=float))
        mep = self.fmep_pa(w) + self.pmep_pa(torque_nm, w)
        return mep * self.spec.displacement_m3 * w / (4 * np.pi)

    def indicated_efficiency(self, speed_rad_s):
        """e(omega), eq. (2)."""
        return indicated_efficiency_at(np.asarray(speed_rad_s, dtype=float),
                                       self.spec.speed_rated_rad_s,
                                       self.spec.indicated_efficiency)

    # --- fuel --------------------------------------------------------------------------------
    def fuel_power_w(self, torque_nm, speed_rad_s):
        """Fuel power (mass rate x LHV), eq. (1) [W]. Negative torque: eq. (1b) above the fuel
        cut-off speed (zero at and below the motoring torque; an efficiency-curve engine, eq.
        5: zero), the zero-torque (idle-control) value below it. Points outside the map are
        evaluated by the same formulas; see :meth:`feasible`."""
        t = np.asarray(torque_nm, dtype=float)
        w = np.abs(np.asarray(speed_rad_s, dtype=float))
        return engine_fuel_power_w(t, w, self.torque_max_nm(w), *self.fuel_parameters)

    @cached_property
    def fuel_parameters(self) -> tuple:
        """The arguments of :func:`engine_fuel_power_w` after the full-load torque (for
        compiled loops: numbers and arrays only)."""
        sp, curve = self.spec, self.spec.efficiency_curve
        return (sp.indicated_efficiency, sp.speed_rated_rad_s, sp.pmep0_pa,
                self.friction_factor_effective, sp.displacement_m3,
                sp.fuel_cut_speed_rad_s, sp.power_rated_w,
                np.array(curve.power_fraction if curve else [0.0, 1.0], dtype=float),
                np.array(curve.efficiency if curve else [1.0, 1.0], dtype=float),
                float(curve.idle_fuel_power_w) if curve else 0.0, curve is not None)

    def fuel_rate_kg_s(self, torque_nm, speed_rad_s):
        """Fuel mass rate [kg/s]."""
        return self.fuel_power_w(torque_nm, speed_rad_s) / self.fuel.lhv_j_kg

    def fuel_rate_l_s(self, torque_nm, speed_rad_s):
        """Fuel volume rate [L/s]."""
        return self.fuel_rate_kg_s(torque_nm, speed_rad_s) / self.fuel.density_kg_m3 * 1000.0

    def co2_rate_kg_s(self, torque_nm, speed_rad_s):
        """Tank-to-wheel CO2 rate, all fuel carbon to CO2 [kg/s]."""
        return self.fuel_rate_kg_s(torque_nm, speed_rad_s) * self.fuel.co2_kg_per_kg

    def idle_fuel_rate_kg_s(self) -> float:
        """Fuel rate at idle speed and zero brake torque [kg/s] (computed once per engine)."""
        if self._idle_fuel_kg_s is None:
            self._idle_fuel_kg_s = float(self.fuel_rate_kg_s(0.0, self.spec.speed_idle_rad_s))
        return self._idle_fuel_kg_s

    def feasible(self, torque_nm, speed_rad_s):
        """True where the engine can run: idle to maximum speed, motoring to full-load
        torque."""
        t = np.asarray(torque_nm, dtype=float)
        w = np.asarray(speed_rad_s, dtype=float)
        tol = 1e-9
        return ((w >= self.spec.speed_idle_rad_s * (1 - tol))
                & (w <= self.spec.speed_max_rad_s * (1 + tol))
                & (t <= self.torque_max_nm(w) * (1 + tol) + tol)
                & (t >= self.torque_min_nm(w) * (1 + tol) - tol))

    def brake_efficiency(self, torque_nm, speed_rad_s):
        """Brake thermal efficiency T omega / P_f; NaN outside the map and at T <= 0."""
        t = np.asarray(torque_nm, dtype=float)
        w = np.asarray(speed_rad_s, dtype=float)
        pf = self.fuel_power_w(t, w)
        with np.errstate(divide="ignore", invalid="ignore"):
            eta = t * w / pf
        return np.where(self.feasible(t, w) & (t > 0) & (pf > 0), eta, np.nan)

    def bsfc_g_kwh(self, torque_nm, speed_rad_s):
        """Brake-specific fuel consumption [g/kWh]; NaN where the efficiency is."""
        return 3.6e9 / (self.brake_efficiency(torque_nm, speed_rad_s) * self.fuel.lhv_j_kg)

    def best_efficiency(self, n_speed: int = 121, n_torque: int = 121) -> dict:
        """Peak brake thermal efficiency over the map, where it lies, and the BSFC there."""
        w = np.linspace(self.spec.speed_idle_rad_s, self.spec.speed_max_rad_s, n_speed)
        frac = np.linspace(0.0, 1.0, n_torque)[1:]
        W, F = np.meshgrid(w, frac, indexing="ij")
        T = F * self.torque_max_nm(W)
        eta = self.brake_efficiency(T, W)
        i = np.unravel_index(np.nanargmax(eta), eta.shape)
        e = float(eta[i])
        return {"efficiency": e, "speed_rad_s": float(W[i]), "speed_rpm": float(W[i] / RPM),
                "torque_nm": float(T[i]), "bsfc_g_kwh": 3.6e9 / (e * self.fuel.lhv_j_kg)}

    def summary(self) -> dict:
        """Rating, peak efficiency and idle fuel."""
        s = self.spec
        w = np.linspace(s.speed_idle_rad_s, s.speed_max_rad_s, 400)
        p = self.power_max_w(w)
        best = self.best_efficiency()
        idle = self.idle_fuel_rate_kg_s()
        return {"name": s.name, "kind": s.kind, "fuel_grade": s.fuel_grade,
                "displacement_l": s.displacement_m3 * 1e3,
                "peak_power_kw": float(p.max() / 1e3),
                "speed_at_peak_power_rpm": float(w[np.argmax(p)] / RPM),
                "peak_torque_nm": float(self.torque_max_nm(w).max()),
                "peak_efficiency": best["efficiency"], "best_bsfc_g_kwh": best["bsfc_g_kwh"],
                "best_point_rpm": best["speed_rpm"], "best_point_torque_nm": best["torque_nm"],
                "idle_fuel_l_h": idle / self.fuel.density_kg_m3 * 1e3 * 3600,
                "idle_fuel_kg_h": idle * 3600}


# --- generic maps scaled to a rating -----------------------------------------------------------

def engine_from_rating(kind: str, displacement_m3: float, power_rated_w: float,
                       speed_rated_rad_s: float, torque_max_nm: float | None = None, *,
                       cylinders: int | None = None, name: str | None = None,
                       knock_exponent: float = KNOCK_COMPRESSION_EXPONENT,
                       efficiency_aspirated: float | None = None,
                       **overrides: Any) -> EngineSpec:
    """A generic engine of ``kind`` scaled to a displacement and rating.

    The same Willans laws hold for every size (Guzzella & Onder 2010, ch. 2): e and the mean
    pressures are size-independent, so the losses scale with the displacement. Left out, the
    maximum torque follows from the kind's maximum bmep, T_max = bmep V_d / (4 pi), capped so
    that the plateau fits under the rated power and raised so that the rated power is
    reachable; the cylinders from 0.5 L each (estimate); idle and maximum speed from the
    kind; a petrol engine's indicated efficiency from eq. (2a) with the exponent
    ``knock_exponent`` and e_0,NA ``efficiency_aspirated`` (left out: the aspirated kind's),
    its boost ratio read off the rating (a rating within bmep_atm keeps e_0,NA).
    ``overrides`` are further :class:`EngineSpec` fields.
    """
    if kind not in KIND_DEFAULTS:
        raise unknown_name("engine kind", kind, KIND_DEFAULTS)
    kd = KIND_DEFAULTS[kind]
    vd = to_si(displacement_m3, "m**3", "displacement_m3")
    p_r = to_si(power_rated_w, "W", "power_rated_w")
    w_r = to_si(speed_rated_rad_s, "rad/s", "speed_rated_rad_s")
    if torque_max_nm is None:
        t = kd["bmep_pa"] * vd / (4 * np.pi)
        t = min(max(t, p_r / w_r), p_r / (kd["plateau"][0] * w_r))
    else:
        t = to_si(torque_max_nm, "N*m", "torque_max_nm")
    data = {"name": name or f"generic {kind} {vd * 1e3:.1f} L {p_r / 1e3:.0f} kW",
            "kind": kind, "displacement_m3": vd,
            "cylinders": cylinders or max(1, round(vd / 0.5e-3)),
            "power_rated_w": p_r, "speed_rated_rad_s": w_r, "torque_max_nm": t,
            "speed_idle_rad_s": kd["idle_rpm"] * RPM,
            "speed_max_rad_s": kd["max_speed"] * w_r,
            "description": f"generic {kind} map scaled to the rating (engine_from_rating)"}
    if kd["fuel"] == "petrol":
        e_na = (KIND_DEFAULTS["petrol"]["indicated_efficiency"] if efficiency_aspirated is None
                else efficiency_aspirated)
        data["indicated_efficiency"] = knock_limited_indicated_efficiency(
            e_na, boost_ratio(p_r, vd, w_r), knock_exponent)
    data.update(overrides)
    return validate(EngineSpec, data, where=data["name"])


# --- files and registry ------------------------------------------------------------------------

def engine_from_yaml(text: str, where: str = "engine", base_dir: Path | None = None) -> EngineSpec:
    """Parse and validate engine YAML text (the model is built too)."""
    return spec_from_yaml(text, where, "engine", EngineSpec)


ENGINES = Registry("engines", "engine", engine_from_yaml)


def list_engines() -> list[str]:
    """Names of the bundled engines."""
    return ENGINES.names()


def load_engine(name_or_path: str | Path | EngineSpec, base_dir: Path | None = None) -> EngineSpec:
    """A bundled engine by name or an engine YAML file by path (relative paths are taken from
    ``base_dir`` when given)."""
    if isinstance(name_or_path, EngineSpec):
        return name_or_path
    return ENGINES.load(name_or_path, base_dir)
