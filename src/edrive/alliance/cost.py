"""What a drive unit costs: a bill of materials and processes from its physics.

The cost equations are written once, as array functions of a few sizing inputs, and serve
one unit and ten thousand alike: :func:`edu_cost` takes a drive-unit spec, reads its sizing
inputs (:func:`edu_cost_inputs`) and evaluates the arrays at N = 1; :func:`edu_cost_many`
evaluates them for arrays of inputs. The result is a breakdown (component, line, kg, EUR)
whose lines sum to the total.

Sizing inputs, read from the unit's model (:class:`edrive.edu.Edu`): the machine kind, the
peak shaft torque T and power of its envelope (torque and power caps included), the pole
pairs p, the largest phase current on the envelope, the DC voltage, the inverter's device
technology and voltage class, the field power of a current-excited machine at full field,
and the gear stages.

**Motor.** The spec has no stack length or bore, so the active size follows from the torque
per rotor volume (TRV; Hendershot & Miller, *Design of Brushless Permanent-Magnet Machines*,
2010, ch. 1; TRV = 2 sigma, sigma the air-gap shear stress) with the aspect ratio
chi = L / D_r:

    V_r = T / TRV,  D_r = (4 V_r / (pi chi))^(1/3),  L = chi D_r,  D_s = k_s D_r        (1)

and then

    stator lamination   m = rho_fe k_stack (pi/4)(D_s^2 - D_r^2) L (1 - a_slot)
    rotor lamination    m = rho_fe k_stack (pi/4)(D_r^2 - D_sh^2) L k_core,  D_sh = k_sh D_r
    steel bought        m = rho_fe k_stack D_s^2 L k_blank     (square blanks; rest is scrap)
    stator copper       m = rho_cu k_fill a_slot (pi/4)(D_s^2 - D_r^2) (L + k_ew tau_p)
    magnets (PM)        m = rho_mag a_mag V_r
    field winding (EE)  m = rho_cu k_f,fill a_f (pi/4) D_r^2 (L + k_ew tau_p)
    rotor cage (IM)     m = rho_cu a_cage (pi/4) D_r^2 L (1 + k_ring)
    housing             m = rho_al t (pi D_s (L + 2 h) + 2 (pi/4) D_s^2)
    shaft               m = rho_st (pi/4) D_sh^2 (L + l_ext)                             (2)

with tau_p = pi D_r / (2 p) the pole pitch. Given masses (``masses`` of an override file)
replace the rule's. A current-excited machine adds slip rings and brushes and an exciter
sized by its field power.

**Inverter.** Die area per switch A = I_pk / J, with J the current density of the device
technology (Si IGBT; SiC MOSFET = k_SiC J_Si) and a factor for the 1200 V class; Si adds a
free-wheeling diode of k_d A (SiC uses its body diode). The voltage class is the larger of
the inverter's and the one the DC voltage needs (a DC link of at most 500 V on 750 V
devices, else 1200 V). The DC-link capacitor is costed per kVA of ripple, V_dc times the
largest rms ripple current of eq. (7) of :mod:`edrive.edu.inverter` over the
modulation index and power factor (0.46 of the peak phase current); busbars from the rms
current at a current density; gate drivers, control board and current sensors as parts.

**Gearbox.** Each stage's gear pair from Stribeck's rolling pressure K (Niemann, Winter &
Hoehn, *Maschinenelemente* vol. 2):

    b d1^2 = 2 T_in (u + 1) / (K u),   m = rho_st (pi/4) b d1^2 (1 + s u^2) (1 + k_shaft)  (3)

with T_in the stage's input torque, u its ratio and s the wheel's solidity; a two-speed
unit adds a low-gear pair at the first stage and a shift system. Two bearings per shaft, a
differential, an aluminium housing in proportion to the gear mass, oil and seals.

**Integration** (cooling loop, HV cables, final assembly and end-of-line test), then per
component the manufacturing overhead (a share of direct labour) and the depreciation of the
plant (investment per unit of annual capacity over the depreciation years, shared by direct
labour hours).

**Volume.** Raw materials are bought at the figure's price; every other line (parts,
processes, labour, overhead, depreciation) follows the component's experience curve and the
plant's annual-volume factor (:mod:`edrive.alliance.volume`, eqs. 1 and 2). The markup
(EPA's retail price equivalent) applies to this variable cost; the variant's development and
tooling, spread over its annual volume and programme years (eq. 3 there), are added as the
fixed cost per unit:

    total = variable + (markup - 1) variable + fixed                                      (4)

At most ``MAX_COST_VARIANTS`` (10,000,000; environment variable ``EDRIVE_MAX_COST_VARIANTS``)
designs per call.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from ..edu import EduSpec, load_edu
from ..edu.inverter import INVERTER_PRESETS, dc_link_ripple_current_a
from ..errors import EdriveError, format_value, unknown_name
from ..limits import limit
from .cost_data import CostData, load_cost_data
from .volume import (
    MAX_ANNUAL_UNITS,
    MAX_CUMULATIVE_UNITS,
    check_units,
    experience_factor,
    fixed_cost_per_unit_eur,
    scale_factor,
)

MAX_COST_VARIANTS = 10_000_000
DEFAULT_ANNUAL_UNITS = 200_000
DEFAULT_PLANT = "DE"
DEFAULT_MAGNET_GRADE = "n42sh"
COMPONENTS = ("motor", "inverter", "gearbox", "integration")
MACHINES = ("pmsm", "eesm", "induction")
DEVICES = ("igbt", "sic")

# input -> (low, high, default or None when required); the rules for one unit and for many
INPUTS: dict[str, tuple[float, float, float | None]] = {
    "torque_nm": (1.0, 2.0e4, None),
    "power_w": (1.0e3, 2.0e6, None),
    "pole_pairs": (1, 20, None),
    "current_peak_a": (1.0, 5000.0, None),
    "dc_voltage_v": (24.0, 1500.0, None),
    "voltage_class_v": (0.0, 1700.0, 0.0),
    "field_power_w": (0.0, 1.0e5, 0.0),
    "stage_ratio_1": (0.2, 20.0, None),
    "stage_ratio_2": (0.0, 20.0, 0.0),
    "stage_ratio_3": (0.0, 20.0, 0.0),
    "low_gear_ratio": (0.0, 40.0, 0.0),
}
CHOICES = {"machine": MACHINES, "inverter": DEVICES}


# --- inputs ----------------------------------------------------------------------------------

def edu_cost_inputs(spec: EduSpec | str | Path) -> dict:
    """The sizing inputs of a drive unit (see module docstring), from its model."""
    spec = load_edu(spec)
    edu = spec.model()
    env_power = edu.env_tmax * edu.env_speed
    op = edu.motor.operating_points(edu.env_tmax, edu.env_speed)
    current = np.where(op["feasible"], op["current_a"], np.nan)
    current_peak = float(min(np.nanmax(current), spec.motor.current_max_a)) \
        if np.isfinite(current).any() else float(spec.motor.current_max_a)
    inv = INVERTER_PRESETS[spec.inverter] if isinstance(spec.inverter, str) else spec.inverter
    field_power = float(edu.motor.field_loss_w(spec.motor.field_current_max_a)) \
        if spec.motor.kind == "eesm" else 0.0
    ratios = [s.ratio for s in spec.gearbox.stages] + [0.0] * (3 - len(spec.gearbox.stages))
    return {"machine": spec.motor.kind, "torque_nm": float(edu.env_tmax.max()),
            "power_w": float(env_power.max()), "pole_pairs": spec.motor.pole_pairs,
            "current_peak_a": current_peak, "dc_voltage_v": spec.dc_voltage_v,
            "inverter": inv.kind, "voltage_class_v": inv.voltage_class_v,
            "field_power_w": field_power, "stage_ratio_1": ratios[0],
            "stage_ratio_2": ratios[1], "stage_ratio_3": ratios[2],
            "low_gear_ratio": spec.gearbox.low_gear_ratio or 0.0}


def _input_arrays(inputs: Mapping, *volumes: np.ndarray) -> tuple[dict[str, np.ndarray], int]:
    """Inputs (and the volumes) broadcast to one length and checked against :data:`INPUTS`
    and :data:`CHOICES`; choices become integer codes."""
    known = set(INPUTS) | set(CHOICES)
    for name in inputs:
        if name not in known:
            raise unknown_name("drive-unit cost input", str(name), known)
    arrays: dict[str, np.ndarray] = {}
    for name, choices in CHOICES.items():
        if name not in inputs:
            raise EdriveError(f"{name}: required; allowed: {', '.join(choices)}")
        raw = np.asarray(inputs[name])
        if raw.dtype.kind not in "UO":
            raise EdriveError(f"{name}: {format_value(inputs[name])}; allowed: {', '.join(choices)}")
        values, codes = np.unique(raw, return_inverse=True)
        for v in values:
            if v not in choices:
                raise unknown_name(name, str(v), choices)
        lookup = np.array([choices.index(v) for v in values])
        arrays[name] = lookup[codes].reshape(raw.shape)
    for name, (low, high, default) in INPUTS.items():
        if name not in inputs:
            if default is None:
                raise EdriveError(f"{name}: required")
            arrays[name] = np.asarray(default, dtype=float)
            continue
        raw = inputs[name]
        if isinstance(raw, bool) or np.asarray(raw).dtype.kind not in "iuf":
            raise EdriveError(f"{name}: {format_value(raw)}; expected numbers")
        arr = np.asarray(raw, dtype=float)
        bad = ~np.isfinite(arr) | (arr < low) | (arr > high)
        if name.startswith(("stage_ratio_", "low_gear")) and name != "stage_ratio_1":
            bad &= arr != 0  # zero: no such stage
            bad |= (arr != 0) & (arr < 0.2)
        if np.any(bad):
            value = arr[bad].flat[0] if arr.ndim else float(arr)
            raise EdriveError(f"{name}: {float(value):g}; allowed: {low:g} to {high:g}"
                              + (" (0: none)" if default == 0.0 else ""))
        arrays[name] = arr
    most = limit("EDRIVE_MAX_COST_VARIANTS", MAX_COST_VARIANTS)
    try:
        shape = np.broadcast_shapes(*(a.shape for a in (*arrays.values(), *volumes)))
    except ValueError:
        raise EdriveError("drive-unit cost inputs: the arrays (and volumes) have different "
                          "lengths") from None
    if len(shape) > 1:
        raise EdriveError(f"drive-unit cost inputs: expected one-dimensional arrays, got shape "
                          f"{shape}")
    n = int(np.prod(shape)) if shape else 1
    if n > most:
        raise EdriveError(f"drive-unit cost inputs: {n:,} designs; the limit is {most:,} "
                          "(EDRIVE_MAX_COST_VARIANTS)")
    return {k: np.broadcast_to(v, (n,)).astype(float) for k, v in arrays.items()}, n


# --- prices --------------------------------------------------------------------------------

class Prices:
    """Every figure in SI units, money in euros of the report year; the plant's labour rate
    and the magnet grade's price as ``labour_rate`` and ``magnet_price``."""

    def __init__(self, data: CostData, year: int, plant: str, magnet_grade: str):
        self.year = data.check_year(year)
        plants = data.names("labour")
        if plant not in plants:
            raise unknown_name("plant country", str(plant), plants)
        grades = [n.removeprefix("ndfeb_") for n in data.names("materials")
                  if n.startswith("ndfeb_")]
        if magnet_grade not in grades:
            raise unknown_name("magnet grade", str(magnet_grade), grades)
        self._v = {name: (data.eur(name, self.year) if fig.unit.currency else fig.si)
                   for name, fig in data.figures.items()}
        self._v["labour_rate"] = self._v[f"labour.{plant}"]
        self._v["magnet_price"] = self._v[f"materials.ndfeb_{magnet_grade}"]

    def __getitem__(self, name: str) -> float:
        return self._v[name]


@cache
def _ripple_per_peak_amp() -> float:
    """Largest eq. (7) ripple per ampere of peak phase current over M and power factor."""
    m = np.linspace(0.0, 2 / np.sqrt(3), 2001)[:, None]
    pf = np.linspace(-1.0, 1.0, 201)[None, :]
    return float(dc_link_ripple_current_a(1.0, m, pf).max())


# --- the equations --------------------------------------------------------------------------

@dataclass
class _Lines:
    """Cost lines in order: (component, line) -> (kind, kg or None, EUR array)."""

    n: int
    rows: dict = field(default_factory=dict)

    def add(self, component: str, line: str, kind: str, eur, kg=None) -> None:
        eur = np.broadcast_to(np.asarray(eur, dtype=float), (self.n,))
        kg = None if kg is None else np.broadcast_to(np.asarray(kg, dtype=float), (self.n,))
        self.rows[(component, line)] = (kind, kg, eur)


def _motor(x, p: Prices, masses, lines: _Lines, sizing: dict) -> None:
    pm, ee, im = (x["machine"] == i for i in range(3))
    trv = np.where(pm, p["motor.trv_pmsm"], np.where(ee, p["motor.trv_eesm"],
                                                      p["motor.trv_induction"]))
    v_rotor = x["torque_nm"] / trv
    chi = p["motor.aspect_ratio"]
    d_r = (4 * v_rotor / (np.pi * chi)) ** (1 / 3)
    length = chi * d_r
    d_s = p["motor.stator_to_rotor_diameter"] * d_r
    d_sh = p["motor.shaft_to_rotor_diameter"] * d_r
    rho_fe, k_st = p["materials.density_electrical_steel"], p["motor.stacking_factor"]
    rho_cu = p["materials.density_copper"]
    annulus = np.pi / 4 * (d_s**2 - d_r**2)
    slot = p["motor.stator_slot_share"]
    tau_p = np.pi * d_r / (2 * x["pole_pairs"])
    turn = length + p["motor.end_winding_per_pole_pitch"] * tau_p
    lamination = rho_fe * k_st * length * (annulus * (1 - slot) + np.pi / 4 * (d_r**2 - d_sh**2)
                                           * p["motor.rotor_core_share"])
    stator_cu = rho_cu * p["motor.slot_fill"] * slot * annulus * turn
    magnet = np.where(pm, p["materials.density_ndfeb"] * p["motor.magnet_volume_share"]
                      * v_rotor, 0.0)
    rotor_area = np.pi / 4 * d_r**2
    rotor_cu = np.where(ee, rho_cu * p["motor.rotor_winding_fill"] * p["motor.rotor_winding_share"]
                        * rotor_area * turn,
                        np.where(im, rho_cu * p["motor.cage_share"] * rotor_area * length
                                 * (1 + p["motor.end_ring_share"]), 0.0))
    housing = p["materials.density_aluminium"] * p["motor.housing_wall"] * (
        np.pi * d_s * (length + 2 * p["motor.housing_overhang"]) + 2 * np.pi / 4 * d_s**2)
    if masses.magnet_kg is not None:
        magnet = np.where(pm, masses.magnet_kg, 0.0)
    if masses.stator_copper_kg is not None:
        stator_cu = np.full(lines.n, masses.stator_copper_kg)
    if masses.rotor_copper_kg is not None:
        rotor_cu = np.where(pm, 0.0, masses.rotor_copper_kg)
    scale_blank = 1.0
    if masses.lamination_kg is not None:
        scale_blank = masses.lamination_kg / lamination
        lamination = np.full(lines.n, masses.lamination_kg)
    if masses.housing_kg is not None:
        housing = np.full(lines.n, masses.housing_kg)
    steel_bought = rho_fe * k_st * d_s**2 * length * p["motor.blank_margin"] * scale_blank
    shaft = p["materials.density_steel"] * np.pi / 4 * d_sh**2 * (length
                                                                 + p["motor.shaft_extension"])
    winding_cu = stator_cu + np.where(im, 0.0, rotor_cu)
    add = lines.add
    add("motor", "magnets", "material", magnet * p["magnet_price"], magnet)
    add("motor", "stator copper", "material", stator_cu * p["materials.copper"], stator_cu)
    add("motor", "rotor copper", "material", rotor_cu * p["materials.copper"], rotor_cu)
    add("motor", "electrical steel", "material", steel_bought * p["materials.electrical_steel"],
        steel_bought)
    add("motor", "housing aluminium", "material", housing * p["materials.aluminium"], housing)
    add("motor", "shaft steel", "material", shaft * p["materials.gear_steel"], shaft)
    add("motor", "winding", "process", (stator_cu + rotor_cu) * p["motor.winding_processing"])
    add("motor", "insulation", "process", winding_cu * p["motor.insulation"])
    add("motor", "lamination stamping", "process", lamination * p["motor.stamping"])
    add("motor", "housing casting", "process", housing * p["motor.casting"])
    add("motor", "shaft machining", "process", p["motor.shaft_machining"])
    add("motor", "bearings", "process", 2 * p["motor.bearing"])
    add("motor", "position sensor", "process", p["motor.position_sensor"])
    add("motor", "slip rings and brushes", "process",
        np.where(ee, p["motor.slip_rings_and_brushes"], 0.0))
    add("motor", "exciter", "process", x["field_power_w"] * p["motor.exciter"])
    sizing.update(rotor_diameter_m=d_r, stack_length_m=length, stator_diameter_m=d_s,
                  lamination_kg=lamination, scrap_kg=steel_bought - lamination)


def _inverter(x, p: Prices, lines: _Lines, sizing: dict) -> None:
    sic = x["inverter"] == 1
    v_class = np.maximum(x["voltage_class_v"], np.where(x["dc_voltage_v"] <= 500, 750.0, 1200.0))
    high_voltage = v_class > 1000
    j_si = p["inverter.si_igbt_current_density"]
    j = np.where(sic, j_si * p["inverter.sic_to_si_current_density"], j_si) * np.where(
        high_voltage, np.where(sic, p["inverter.sic_1200v_current_density_factor"],
                               p["inverter.si_1200v_current_density_factor"]), 1.0)
    switch_area = 6 * x["current_peak_a"] / j
    diode_area = np.where(sic, 0.0, p["inverter.diode_to_igbt_area"] * switch_area)
    die_price = np.where(sic, p["materials.sic_mosfet_die"], p["materials.si_igbt_die"])
    i_rms = x["current_peak_a"] / np.sqrt(2)
    busbar = p["materials.density_copper"] * i_rms / p["inverter.busbar_current_density"] \
        * p["inverter.busbar_length"]
    ripple_kva = _ripple_per_peak_amp() * x["current_peak_a"] * x["dc_voltage_v"]
    housing = p["inverter.housing_mass"]
    add = lines.add
    add("inverter", "transistor dies", "process", switch_area * die_price)
    add("inverter", "diode dies", "process", diode_area * p["materials.si_igbt_die"])
    add("inverter", "module packaging", "process", p["inverter.module_base"]
        + (switch_area + diode_area) * p["inverter.substrate"])
    add("inverter", "gate drivers", "process", 6 * p["inverter.gate_driver_channel"])
    add("inverter", "control board", "process", p["inverter.control_board"])
    add("inverter", "current sensors", "process", 3 * p["inverter.current_sensor"])
    add("inverter", "DC-link capacitor", "process", ripple_kva * p["inverter.capacitor"])
    add("inverter", "busbar copper", "material", busbar * p["materials.copper"], busbar)
    add("inverter", "busbar fabrication", "process", busbar * p["inverter.busbar_fabrication"])
    add("inverter", "housing aluminium", "material", housing * p["materials.aluminium"], housing)
    add("inverter", "housing casting", "process", housing * p["motor.casting"])
    sizing.update(die_area_m2=switch_area + diode_area, voltage_class_v=v_class)


def _gearbox(x, p: Prices, lines: _Lines, sizing: dict) -> None:
    k, solid = p["gearbox.k_factor"], p["gearbox.wheel_solidity"]

    def pair_kg(t_in, u):
        with np.errstate(divide="ignore", invalid="ignore"):
            bd2 = np.where(u > 0, 2 * t_in * (u + 1) / (k * np.maximum(u, 1e-9)), 0.0)
        return p["materials.density_steel"] * np.pi / 4 * bd2 * (1 + solid * u**2) \
            * (1 + p["gearbox.shaft_share"])

    t_in = x["torque_nm"]
    gears = np.zeros(lines.n)
    stages = np.zeros(lines.n)
    for i in (1, 2, 3):
        u = x[f"stage_ratio_{i}"]
        gears += pair_kg(t_in, u)
        stages += u > 0
        t_in = t_in * np.where(u > 0, u, 1.0)
    top = x["stage_ratio_1"] * np.where(x["stage_ratio_2"] > 0, x["stage_ratio_2"], 1.0) \
        * np.where(x["stage_ratio_3"] > 0, x["stage_ratio_3"], 1.0)
    two_speed = x["low_gear_ratio"] > 0
    gears += np.where(two_speed, pair_kg(x["torque_nm"], np.where(
        two_speed, x["stage_ratio_1"] * x["low_gear_ratio"] / top, 0.0)), 0.0)
    blank = gears / p["gearbox.blank_yield"]
    housing = p["gearbox.housing_per_gear_mass"] * gears
    add = lines.add
    add("gearbox", "gear steel", "material", blank * p["materials.gear_steel"], blank)
    add("gearbox", "gear machining", "process", gears * p["gearbox.machining"])
    add("gearbox", "bearings", "process", 2 * (stages + 1) * p["gearbox.bearing"])
    add("gearbox", "differential", "process", p["gearbox.differential"])
    add("gearbox", "shift system", "process", np.where(two_speed, p["gearbox.shift_system"], 0.0))
    add("gearbox", "housing aluminium", "material", housing * p["materials.aluminium"], housing)
    add("gearbox", "housing casting", "process", housing * p["motor.casting"])
    add("gearbox", "oil and seals", "process", p["gearbox.oil_and_seals"])
    sizing.update(gear_kg=gears, output_torque_nm=x["torque_nm"] * top)


def _integration(p: Prices, lines: _Lines) -> None:
    lines.add("integration", "cooling", "process", p["integration.cooling"])
    lines.add("integration", "HV cables", "process", p["integration.hv_cables"])


def _evaluate(x: dict, n: int, data: CostData, p: Prices, annual, cumulative):
    lines = _Lines(n)
    sizing: dict = {}
    _motor(x, p, data.masses, lines, sizing)
    _inverter(x, p, lines, sizing)
    _gearbox(x, p, lines, sizing)
    _integration(p, lines)
    hours = {c: p[f"{c}.labour_hours"] for c in COMPONENTS}
    total_hours = sum(hours.values())
    q0 = data.number("volume.reference_cumulative_units")
    volume = scale_factor(annual, data)
    capex = p["volume.plant_investment_per_annual_unit"] / p["volume.depreciation_years"]
    for c in COMPONENTS:
        labour = hours[c] * p["labour_rate"]
        lines.add(c, "assembly labour" if c != "integration" else "assembly and test labour",
                  "process", labour)
        lines.add(c, "overhead", "process", labour * p["volume.overhead_per_direct_labour"])
        lines.add(c, "depreciation", "process", capex * hours[c] / total_hours)
        factor = experience_factor(cumulative, q0, p[f"volume.learning_rate_{c}"]) * volume
        for (comp, name), (kind, kg, eur) in list(lines.rows.items()):
            if comp == c and kind == "process":
                lines.rows[(comp, name)] = (kind, kg, eur * factor)
    variable = sum(eur for _, _, eur in lines.rows.values())
    lines.add("price", "markup", "markup", (p["volume.markup"] - 1.0) * variable)
    for name, eur in fixed_cost_per_unit_eur(annual, data, p.year).items():
        lines.add("programme", name, "fixed", eur)
    order = (*COMPONENTS, "price", "programme")
    lines.rows = dict(sorted(lines.rows.items(), key=lambda item: order.index(item[0][0])))
    return lines, sizing


# --- results ---------------------------------------------------------------------------------

@dataclass
class CostBreakdown:
    """One drive unit's cost: lines (component, line, kg, EUR) that sum to ``total_eur``."""

    name: str
    year: int
    plant: str
    annual_units: float
    cumulative_units: float
    lines: list[dict]
    sizing: dict
    power_w: float
    files: tuple[str, ...]

    @property
    def total_eur(self) -> float:
        return math.fsum(r["eur"] for r in self.lines)

    def component_eur(self, component: str) -> float:
        return math.fsum(r["eur"] for r in self.lines if r["component"] == component)

    @property
    def direct_cost_eur(self) -> float:
        """Variable (direct manufacturing) cost: every line but markup and programme."""
        return math.fsum(self.component_eur(c) for c in COMPONENTS)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(self.lines, columns=["component", "line", "kg", "eur"])

    def to_dict(self) -> dict:
        return {"edu": self.name, "year": self.year, "currency": "EUR", "plant": self.plant,
                "annual_units": self.annual_units, "cumulative_units": self.cumulative_units,
                "total_eur": self.total_eur,
                "direct_cost_eur": self.direct_cost_eur,
                "markup_eur": self.component_eur("price"),
                "fixed_cost_eur": self.component_eur("programme"),
                "components_eur": {c: self.component_eur(c) for c in (*COMPONENTS, "price",
                                                                       "programme")},
                "peak_power_kw": self.power_w / 1e3,
                "direct_cost_eur_per_kw": self.direct_cost_eur / (self.power_w / 1e3),
                "sizing": self.sizing, "lines": self.lines, "cost_data": list(self.files)}


def _settings(data, year, plant, magnet_grade, annual_units, cumulative_units):
    p = Prices(data, year, plant, magnet_grade)
    annual = check_units(annual_units, "annual volume", "EDRIVE_MAX_ANNUAL_UNITS",
                         MAX_ANNUAL_UNITS)
    cumulative = data.number("volume.reference_cumulative_units") if cumulative_units is None \
        else cumulative_units
    cumulative = check_units(cumulative, "cumulative volume", "EDRIVE_MAX_CUMULATIVE_UNITS",
                             MAX_CUMULATIVE_UNITS)
    return p, annual, cumulative


def edu_cost(spec: EduSpec | str | Path, *, year: int = 2024, plant: str = DEFAULT_PLANT,
             annual_units=DEFAULT_ANNUAL_UNITS, cumulative_units=None,
             magnet_grade: str = DEFAULT_MAGNET_GRADE,
             overrides: str | Path | dict | CostData | None = None) -> CostBreakdown:
    """Cost of one drive unit in euros of ``year``, built in ``plant`` (a country code).

    Parameters
    ----------
    spec : EduSpec, bundled name or EDU YAML path
    year : int
        Report year: every figure is brought to euros of this year.
    plant : str
        Plant country, one of the labour figures (AT, CN, DE, GB, HU, US).
    annual_units : float
        Units a year built in the plant (scale factor, fixed cost per unit) [1/year].
    cumulative_units : float, optional
        Units built so far (experience curve); default the reference volume Q0.
    magnet_grade : str
        NdFeB grade of a permanent-magnet machine (n42, n42sh, n42uh).
    overrides : path, mapping or CostData, optional
        A cost overrides file (see :mod:`edrive.alliance.cost_data`).
    """
    spec = load_edu(spec)
    data = load_cost_data(overrides)
    p, annual, cumulative = _settings(data, year, plant, magnet_grade, annual_units,
                                      cumulative_units)
    if annual.ndim or cumulative.ndim:
        raise EdriveError("edu_cost costs one unit at one volume; use edu_cost_many for arrays")
    raw = edu_cost_inputs(spec)
    x, n = _input_arrays(raw)
    lines, sizing = _evaluate(x, n, data, p, annual, cumulative)
    rows = [{"component": c, "line": name, "kg": None if kg is None else float(kg[0]),
             "eur": float(eur[0])} for (c, name), (_, kg, eur) in lines.rows.items()]
    return CostBreakdown(spec.name, p.year, plant, float(annual), float(cumulative), rows,
                         {k: float(np.asarray(v).flat[0]) for k, v in sizing.items()},
                         raw["power_w"], data.files)


def edu_cost_many(inputs: Mapping, *, year: int = 2024, plant: str = DEFAULT_PLANT,
                  annual_units=DEFAULT_ANNUAL_UNITS, cumulative_units=None,
                  magnet_grade: str = DEFAULT_MAGNET_GRADE,
                  overrides: str | Path | dict | CostData | None = None, lines: bool = False):
    """Cost of many drive units at once: a DataFrame with one row per design.

    ``inputs`` maps the sizing inputs (:func:`edu_cost_inputs` gives them for one unit;
    ``machine`` and ``inverter`` as strings) to arrays of one length, or scalars shared by all;
    ``annual_units`` and ``cumulative_units`` may be arrays too. Columns: ``total_eur``,
    ``direct_cost_eur``, ``markup_eur``, ``fixed_cost_eur``, ``<component>_eur`` and the
    sizing (``rotor_diameter_m``, ``die_area_m2``, ...); with ``lines`` also every line,
    ``<component>_<line>_eur`` and, for materials, ``<component>_<line>_kg``. The arithmetic
    is that of :func:`edu_cost`, which is this function at N = 1.
    """
    import pandas as pd

    data = load_cost_data(overrides)
    p, annual, cumulative = _settings(data, year, plant, magnet_grade, annual_units,
                                      cumulative_units)
    x, n = _input_arrays(inputs, annual, cumulative)
    rows, sizing = _evaluate(x, n, data, p, annual, cumulative)
    rows = rows.rows
    by_component = {c: np.zeros(n) for c in (*COMPONENTS, "price", "programme")}
    for (c, _), (_, _, eur) in rows.items():
        by_component[c] = by_component[c] + eur
    direct = sum(by_component[c] for c in COMPONENTS)
    out = {"total_eur": direct + by_component["price"] + by_component["programme"],
           "direct_cost_eur": direct, "markup_eur": by_component["price"],
           "fixed_cost_eur": by_component["programme"],
           **{f"{c}_eur": by_component[c] for c in COMPONENTS},
           **{k: np.broadcast_to(v, (n,)) for k, v in sizing.items()}}
    if lines:
        for (c, name), (_, kg, eur) in rows.items():
            key = f"{c}_{name}".lower().replace(" ", "_").replace("-", "_")
            out[f"{key}_eur"] = eur
            if kg is not None:
                out[f"{key}_kg"] = kg
    return pd.DataFrame(out)
