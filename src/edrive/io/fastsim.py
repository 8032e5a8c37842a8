"""Read FASTSim 3 vehicle files (YAML) into edrive vehicle specs.

FASTSim (NREL; Brooker et al., "FASTSim: A Model to Estimate Vehicle Efficiency, Cost and
Performance", SAE 2015-01-0973) describes a car by its chassis (mass, C_d, A, C_rr, wheels)
and lumped components rated in power: an electric machine with a 1-D efficiency per share of
its rated output power, a battery with a round-trip efficiency, a combustion engine with a
1-D efficiency per share of rated power, and a transmission with one efficiency. It has no
torque, speed or gear ratio. This module maps such a file onto edrive's models, which do
have them, in one of two ways:

* ``same_efficiencies=False`` (default): edrive physics. edrive's generic components scaled
  to the FASTSim ratings: the lumped motor-and-inverter loss model and gear of
  :mod:`edrive.components.drive_unit`, the Willans-line engine of
  :mod:`edrive.components.engine` (``engine_from_rating``) behind a stepped automatic, with
  edrive's default gear, alternator and regenerative-braking parameters.
* ``same_efficiencies=True``: FASTSim's component efficiencies reproduced in edrive, to
  compare the two simulators on the same components:

  - motor: the loss map P_loss(T, omega) = P (1 / eta_m(P / P_max) - 1) for P = T omega >= 0
    (eta_m interpolated linearly or stepwise, as the file's ``strategy`` says)
    and P_loss = |P| (1 - eta_m(0)) when generating (FASTSim 3.1 applies the curve's value
    at zero output to every regenerating step, as its time series show), tabulated by
    :func:`edrive.components.drive_unit.loss_map_from_function` and written as a CSV next to
    the vehicle file;
  - gear: FASTSim's transmission efficiency as the mesh efficiency, no drag torque;
  - battery: the Rint resistance whose one-way efficiency equals FASTSim's at a reference
    power (below); FASTSim's auxiliary load; regeneration at every speed and deceleration;
  - engine: FASTSim's efficiency curve as an edrive ``efficiency_curve`` (eq. 5 of
    :mod:`edrive.components.engine`), with its idle fuel power, no fuel cut-off (FASTSim's
    ``dfco_enabled: false``), no stop-start unless FASTSim's control is ``StartStop``, no
    input inertia; a 6-speed gearbox with FASTSim's efficiency in every gear and no drag or
    launch slip, so the gear changes engine speed but not fuel.

Battery equivalence. FASTSim's battery has a constant one-way efficiency eta_b: it gives
P / eta_b of chemical power for P at the terminals. A Rint battery (open-circuit voltage V,
resistance R; :mod:`edrive.components.battery`) delivering P draws the current I with
V I - R I^2 = P, so its one-way efficiency is 1 - R I / V ~ 1 - R P / V^2 (first order). The
two agree at a reference power P_ref when

    R = (1 - eta_b) V^2 / P_ref                                                      (1)

with P_ref the C/3 power, E / (3 h), the rate at which cell capacity and efficiency are
commonly rated (IEC 62660-1 tests at C/3). Below P_ref the Rint battery loses less than
FASTSim's, above it more; the terminal energy, which both simulators report per km, does not
depend on it. The pack is 96 NMC cells in series (a 400 V class pack, an assumption: FASTSim
has no voltage) with the capacity that stores FASTSim's energy between SOC 0 and 1.

Assumptions for what FASTSim does not have (both modes): the motor reaches 12,000 rpm
(:data:`MOTOR_SPEED_MAX_RAD_S`) with a constant-power range of 3:1, and the reduction gear
gives 160 km/h at that speed (:data:`TOP_SPEED_M_S`); the engine's displacement follows from
a specific power of 55 kW/L (petrol) or 50 kW/L (diesel) and its rated speed is 6,000 rpm
(petrol) or 4,000 rpm (diesel). Air density is FASTSim's default environment, 22 degC at
180 m: p = 101.29 kPa (T_h / 288.08 K)^5.256 with T_h = 288.19 K - 6.49 K/km h (NASA Glenn
Research Center's atmosphere model, as FASTSim uses), rho = p / (R_air T), R_air =
287 J/(kg K). Not carried over: power ramp rates, thermal models, cabin and HVAC, component
masses (the vehicle mass is used as given).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import yaml

from ..components.battery import OCV_PRESETS
from ..components.drive_unit import MotorSpec, loss_map_csv_text, loss_map_from_function
from ..errors import EdriveError
from .output import check_output, refuse_input_as_output, write_outputs

RPM_RAD_S = np.pi / 30.0
MOTOR_SPEED_MAX_RAD_S = round(12000 * RPM_RAD_S, 3)  # assumption, typical of PM traction motors
MOTOR_FIELD_WEAKENING_RATIO = 3.0  # omega_max / omega_base, assumption
TOP_SPEED_M_S = 160 / 3.6  # speed at the motor's maximum speed, assumption
CELLS_SERIES = 96  # 400 V class NMC pack, assumption
REFERENCE_C_RATE_H = 3.0  # P_ref = E / 3 h, eq. (1)
# engine assumptions by fuel: edrive kind, specific power [W/m^3], rated speed [rad/s]
ENGINE_BY_FUEL = {"petrol": ("petrol", 55e6, 6000 * RPM_RAD_S),
                  "diesel": ("turbo_diesel", 50e6, 4000 * RPM_RAD_S)}
FUEL_TYPES = {None: "petrol", "Gasoline": "petrol", "Diesel": "diesel"}
# FASTSim's gasoline gallon equivalent, 33.7 kWh per US gallon, for comparisons in L/100 km
GGE_J_PER_L = 33.7 * 3.6e6 / 3.785411784
# loss-map grid of the reproduced motor (fine: the loss is a function of T * omega)
MAP_SPEEDS, MAP_TORQUES = 121, 161
SIX_SPEED = [3.77, 2.04, 1.32, 0.95, 0.76, 0.62]  # as the manual_6 preset (illustrative)
POWERTRAINS = {"BEV": "BEV", "BatteryElectricVehicle": "BEV", "Conv": "Conv",
               "ConventionalVehicle": "Conv", "HEV": "HEV", "HybridElectricVehicle": "HEV",
               "PHEV": "PHEV", "PlugInHybridElectricVehicle": "PHEV"}


def air_density_kg_m3(temperature_k: float = 295.15, elevation_m: float = 180.0) -> float:
    """Air density [kg/m^3] at a temperature [K] and elevation [m] (see module docstring)."""
    t_h = 15.04 - 0.00649 * elevation_m + 273.15
    p = 101.29e3 * (t_h / 288.08) ** 5.256
    return p / (287.0 * temperature_k)


# --- reading the FASTSim file -------------------------------------------------------------

class _Doc:
    """A parsed FASTSim file with field access whose errors name the field path."""

    def __init__(self, data: dict, where: str):
        self.data, self.where = data, where

    def get(self, *path, default=KeyError):
        node = self.data
        for i, key in enumerate(path):
            if not isinstance(node, dict) or key not in node or node[key] is None:
                if default is not KeyError:
                    return default
                field = ".".join(str(p) for p in path[:i + 1])
                raise EdriveError(f"{self.where}: {field}: required field is missing; not a "
                                  "complete FASTSim 3 vehicle file")
            node = node[key]
        return node

    def number(self, *path, lo: float = 0.0, hi: float = np.inf, default=KeyError) -> float:
        v = self.get(*path, default=default)
        field = ".".join(path)
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise EdriveError(f"{self.where}: {field}: {v!r} is not a number") from None
        if not (lo <= x <= hi) or not np.isfinite(x):
            raise EdriveError(f"{self.where}: {field}: {x!r}; allowed: {lo:g} to {hi:g}")
        return x

    def curve(self, *path, zero_at_origin: bool = False,
              strategies=("Linear",)) -> tuple[np.ndarray, np.ndarray, str]:
        """A 1-D efficiency interpolator: (grid, values, strategy); ``zero_at_origin`` allows
        0 at a grid value of 0; ``strategies`` are those accepted (``Linear``, ``Lower``
        and ``Upper`` for FASTSim's ``Step`` strategies)."""
        node = self.get(*path)
        field = ".".join(path)
        strategy = node.get("strategy", "Linear") if isinstance(node, dict) else "Linear"
        if isinstance(strategy, dict) and set(strategy) == {"Step"}:
            strategy = strategy["Step"]
        if strategy not in strategies:
            raise EdriveError(f"{self.where}: {field}.strategy: {strategy!r} is not supported "
                              f"yet; allowed: {', '.join(strategies)}")
        try:
            if "Interp1D" in node:
                x, y = node["Interp1D"]["x"], node["Interp1D"]["f_x"]
            else:
                grid, y = node["data"]["grid"], node["data"]["values"]
                if len(grid) != 1:
                    raise EdriveError(f"{self.where}: {field}: a {len(grid)}-D interpolator; "
                                      "allowed: 1-D")
                x = grid[0]
            x, y = (np.asarray(_array(a), dtype=float) for a in (x, y))
        except EdriveError:
            raise
        except (KeyError, TypeError, ValueError):
            raise EdriveError(f"{self.where}: {field}: not a FASTSim 1-D interpolator "
                              "(data.grid and data.values)") from None
        if x.ndim != 1 or x.shape != y.shape or len(x) < 2 or np.any(np.diff(x) <= 0):
            raise EdriveError(f"{self.where}: {field}: grid and values must be 1-D, of the same "
                              "length (>= 2), the grid increasing")
        low = (y < 0) if zero_at_origin else (y <= 0)
        if np.any(low | (y >= 1)) or np.any((y <= 0) & (x > 0)):
            raise EdriveError(f"{self.where}: {field}: efficiencies must lie in (0, 1)"
                              + (" (0 allowed at zero power)" if zero_at_origin else ""))
        return x, y, strategy

    def constant(self, *path) -> float:
        """A constant efficiency, given as a number or ``{Constant: x}``."""
        v = self.get(*path)
        if isinstance(v, dict):
            if set(v) != {"Constant"}:
                raise EdriveError(f"{self.where}: {'.'.join(path)}: {'/'.join(map(str, v))} "
                                  "efficiency is not supported yet; allowed: Constant")
            return self.number(*path, "Constant", lo=0.5, hi=1.0)
        return self.number(*path, lo=0.5, hi=1.0)


def interpolate(grid, values, strategy: str, q):
    """FASTSim's 1-D interpolation of ``values`` over ``grid`` at ``q``: ``Linear``, or a
    step holding the value of the grid point below (``Lower``) or above (``Upper``); held at
    the end values outside the grid."""
    q = np.asarray(q, dtype=float)
    if strategy == "Linear":
        return np.interp(q, grid, values)
    side = "right" if strategy == "Lower" else "left"
    i = np.searchsorted(grid, q, side=side) - (1 if strategy == "Lower" else 0)
    return np.asarray(values)[np.clip(i, 0, len(grid) - 1)]


def _array(a):
    """FASTSim writes arrays as lists or as ``{v: 1, dim: [n], data: [...]}``."""
    return a["data"] if isinstance(a, dict) else a


def read_fastsim_file(path: str | Path) -> tuple[dict, str]:
    """The parsed FASTSim vehicle file and the name its errors use (read by the one YAML
    reader: size limit, duplicate keys and alias expansion checked)."""
    from ..registry import read_spec_file, read_yaml_mapping

    path = Path(path)
    where = path.name
    data = read_yaml_mapping(read_spec_file(path, "FASTSim vehicle"), where,
                             "FASTSim vehicle")
    if "pt_type" not in data or "chassis" not in data:
        raise EdriveError(f"{where}: not a FASTSim 3 vehicle file (needs pt_type and chassis "
                          "at the top level)")
    return data, where


# --- mapping ------------------------------------------------------------------------------

def fastsim_vehicle_dict(path: str | Path, *, same_efficiencies: bool = False,
                         loss_map_file: str = "motor_losses.csv"):
    """An edrive vehicle dictionary for a FASTSim 3 vehicle file.

    Returns
    -------
    data : dict
        The vehicle (loadable with :func:`edrive.vehicle.vehicle_from_dict`).
    loss_maps : dict
        File name -> :class:`~edrive.components.drive_unit.LossMap` for the files ``data``
        names (the reproduced motor with ``same_efficiencies``; empty otherwise).
    """
    raw, where = read_fastsim_file(path)
    doc = _Doc(raw, where)
    pt = doc.get("pt_type")
    if not isinstance(pt, dict) or len(pt) != 1:
        raise EdriveError(f"{where}: pt_type: expected one powertrain; allowed: "
                          f"{', '.join(POWERTRAINS)}")
    key = next(iter(pt))
    kind = POWERTRAINS.get(key)
    if kind is None:
        raise EdriveError(f"{where}: pt_type: {key!r}; allowed: {', '.join(POWERTRAINS)}")
    if kind in ("HEV", "PHEV"):
        raise EdriveError(f"{where}: pt_type: {key!r}: hybrids are not supported yet by the "
                          "FASTSim import; allowed: BEV, Conv")
    base = _chassis(doc, same_efficiencies)
    base["sources"] = {"fastsim": f"{where} (FASTSim 3 vehicle file), imported by "
                                  "edrive.io.fastsim"
                                  + (" with FASTSim's component efficiencies"
                                     if same_efficiencies else " with edrive's component models")}
    if kind == "BEV":
        return _bev(doc, key, base, same_efficiencies, loss_map_file)
    return _conv(doc, key, base, same_efficiencies), {}


def _chassis(doc: _Doc, same: bool) -> dict:
    name = str(doc.get("name", default="") or Path(doc.where).stem)
    mass = doc.number("mass_kilograms", lo=1.0, hi=60000.0) if doc.get(
        "mass_kilograms", default=None) is not None else None
    if mass is None:
        raise EdriveError(f"{doc.where}: mass_kilograms: required field is missing (the "
                          "import takes the vehicle mass as given, not from component masses)")
    drive = doc.get("chassis", "drive_type")
    if drive not in ("FWD", "RWD", "AWD", "4WD"):
        raise EdriveError(f"{doc.where}: chassis.drive_type: {drive!r}; allowed: FWD, RWD, "
                          "AWD, 4WD")
    share = doc.number("chassis", "drive_axle_weight_frac", lo=0.0, hi=1.0, default=0.6)
    front = {"FWD": share, "RWD": 1.0 - share}.get(drive, 0.5)
    return {
        "schema_version": 1,
        "name": name,
        "description": f"imported from FASTSim ({'FASTSim' if same else 'edrive'} component "
                       "efficiencies)",
        "mass": {"test_mass_kg": mass},
        "road_load": {"physical": {
            "drag_coefficient": doc.number("chassis", "drag_coef", lo=0.01, hi=2.0),
            "frontal_area_m2": doc.number("chassis", "frontal_area_square_meters", lo=0.1,
                                          hi=20.0),
            "rolling_resistance": doc.number("chassis", "wheel_rr_coef", lo=1e-4, hi=0.05),
            "air_density_kg_m3": round(air_density_kg_m3(), 6)}},
        "wheels": {"radius_m": doc.number("chassis", "wheel_radius_meters", lo=0.1, hi=1.0),
                   "inertia_kg_m2": doc.number("chassis", "wheel_inertia_kilogram_square_meters",
                                               lo=0.0, hi=50.0, default=0.9),
                   "count": int(doc.number("chassis", "num_wheels", lo=2, hi=12, default=4))},
        "chassis": {
            "wheelbase_m": doc.number("chassis", "wheel_base_meters", lo=1.0, hi=8.0,
                                      default=2.85),
            # FASTSim 2's convention, kept in some FASTSim 3 files, writes the height of the
            # centre of gravity negative for rear-wheel drive: the height is its magnitude
            "cg_height_m": abs(doc.number("chassis", "cg_height_meters", lo=-2.0, hi=2.0,
                                          default=0.55)),
            "front_axle_load_share": min(max(front, 0.21), 0.79),
            "tyre_road_friction": doc.number("chassis", "wheel_fric_coef", lo=0.1, hi=2.0,
                                             default=1.0)},
        "_drive": drive,
    }


def _bev(doc: _Doc, key: str, base: dict, same: bool, loss_map_file: str):
    drive = base.pop("_drive")
    if drive not in ("FWD", "RWD"):
        raise EdriveError(f"{doc.where}: chassis.drive_type: {drive!r}: a battery-electric car "
                          "with one machine on both axles is not supported yet; allowed: FWD, "
                          "RWD")
    p_em = doc.number("pt_type", key, "em", "pwr_out_max_watts", lo=1e3, hi=2e6)
    frac, eff, strategy = doc.curve("pt_type", key, "em", "eff_interp_achieved",
                                    strategies=("Linear", "Lower", "Upper"))
    eta_tr = doc.constant("pt_type", key, "transmission", "eff_interp")
    radius = base["wheels"]["radius_m"]
    motor = {"power_peak_w": p_em,
             "torque_peak_nm": round(p_em * MOTOR_FIELD_WEAKENING_RATIO / MOTOR_SPEED_MAX_RAD_S,
                                     3),
             "speed_max_rad_s": MOTOR_SPEED_MAX_RAD_S}
    gear = {"ratio": round(MOTOR_SPEED_MAX_RAD_S * radius / TOP_SPEED_M_S, 4)}
    maps = {}
    data = dict(base)
    data["type"] = "bev"
    if same:
        motor["rotor_inertia_kg_m2"] = 0.0
        motor["losses"] = {"kind": "map", "file": loss_map_file}
        gear |= {"mesh_efficiency": eta_tr, "drag_torque_nm": 0.0}
        maps[loss_map_file] = fastsim_motor_loss_map(MotorSpec(**motor | {"losses": {}}),
                                                     frac, eff, p_em, strategy)
        data["aux_power_w"] = doc.number("pwr_aux_base_watts", lo=0.0, hi=20e3, default=0.0)
        data["brakes"] = {"regen_speed_min_m_s": 0.0, "regen_speed_full_m_s": 0.0,
                          "regen_share_max": 1.0, "regen_deceleration_max_m_s2": 15.0}
    data["drive_units"] = [{"name": "FASTSim electric machine",
                            "axle": "front" if drive == "FWD" else "rear",
                            "motor": motor, "gear": gear}]
    data["battery"] = fastsim_battery(doc, key)
    return data, maps


def fastsim_motor_loss_map(motor: MotorSpec, power_fraction, efficiency, power_max_w: float,
                           strategy: str = "Linear"):
    """Loss map reproducing FASTSim's electric machine (module docstring): motoring loss
    P (1 / eta(P / P_max) - 1), generating loss |P| (1 - eta(0)), P = T omega [W]; eta
    interpolated as FASTSim does (:func:`interpolate`)."""
    frac = np.asarray(power_fraction, dtype=float)
    eff = np.asarray(efficiency, dtype=float)

    def loss(torque_nm, speed_rad_s):
        p = torque_nm * speed_rad_s
        eta = interpolate(frac, eff, strategy, np.abs(p) / power_max_w)
        return np.where(p >= 0, p * (1.0 / eta - 1.0), -p * (1.0 - eff[0]))

    return loss_map_from_function(motor, loss, MAP_SPEEDS, MAP_TORQUES)


def fastsim_battery(doc: _Doc, key: str) -> dict:
    """An edrive battery holding FASTSim's energy, window and power, with the resistance of
    eq. (1)."""
    res = ("pt_type", key, "res")
    energy_j = doc.number(*res, "energy_capacity_joules", lo=1e5, hi=1e10)
    eta = doc.constant(*res, "eff_interp")
    p_max = doc.number(*res, "pwr_out_max_watts", lo=1e3, hi=1e9)
    soc_min = doc.number(*res, "min_soc", lo=0.0, hi=0.99, default=0.0)
    soc_max = doc.number(*res, "max_soc", lo=0.01, hi=1.0, default=1.0)
    soc, v_cell = (np.asarray(a, dtype=float) for a in OCV_PRESETS["nmc"])
    # capacity: E = Q * integral_0^1 V_oc dSOC (trapezoidal on the preset's points)
    v_mean = float(np.sum(0.5 * (v_cell[1:] + v_cell[:-1]) * np.diff(soc)))
    capacity_as = energy_j / (CELLS_SERIES * v_mean)
    v_pack = float(np.interp(0.5, soc, v_cell)) * CELLS_SERIES
    p_ref = energy_j / (REFERENCE_C_RATE_H * 3600.0)
    r_pack = (1.0 - eta) * v_pack**2 / p_ref
    return {"cells_series": CELLS_SERIES, "cells_parallel": 1,
            "cell_capacity_as": capacity_as, "cell_resistance_ohm": r_pack / CELLS_SERIES,
            "chemistry": "nmc", "soc_min": soc_min, "soc_max": soc_max,
            "power_discharge_max_w": min(p_max, 5e6), "power_charge_max_w": min(p_max, 5e6)}


def _conv(doc: _Doc, key: str, base: dict, same: bool) -> dict:
    from ..components.engine import engine_from_rating

    drive = base.pop("_drive")
    fc = ("pt_type", key, "fc")
    p_fc = doc.number(*fc, "pwr_out_max_watts", lo=2e3, hi=2e6)
    fuel_type = doc.get("pt_type", key, "fs", "fuel_type", default=None)
    if fuel_type not in FUEL_TYPES:
        raise EdriveError(f"{doc.where}: pt_type.{key}.fs.fuel_type: {fuel_type!r}; allowed: "
                          "Gasoline, Diesel")
    fuel = FUEL_TYPES[fuel_type]
    kind, specific_w_m3, w_rated = ENGINE_BY_FUEL[fuel]
    # FASTSim's StartStop control also stops the engine while braking; edrive's stop-start
    # only at standstill
    stop_start = doc.get("pt_type", key, "pt_cntrl", default="Normal") != "Normal"
    extra: dict = {"stop_start": stop_start}
    if same:
        frac, eff, _ = doc.curve(*fc, "eff_interp_from_pwr_out", zero_at_origin=True)
        extra["efficiency_curve"] = {
            "power_fraction": frac.tolist(), "efficiency": eff.tolist(),
            "idle_fuel_power_w": doc.number(*fc, "pwr_idle_fuel_watts", lo=0.0, hi=1e5,
                                            default=0.0)}
    engine = engine_from_rating(kind, p_fc / specific_w_m3, p_fc, w_rated,
                                name=f"{base['name']} engine (FASTSim rating)", **extra)
    if same:  # no fuel cut-off, as FASTSim without deceleration fuel cut-off
        engine = engine.replace(fuel_cut_speed_rad_s=engine.speed_max_rad_s)
    data = dict(base)
    data |= {"type": "icev",
             "driven_axle": {"FWD": "front", "RWD": "rear"}.get(drive, "all"),
             "engine": engine.model_dump(mode="json", exclude_none=True),
             "aux_power_w": doc.number("pwr_aux_base_watts", lo=0.0, hi=20e3, default=0.0)}
    if same:
        eta_tr = doc.constant("pt_type", key, "transmission", "eff_interp")
        data["transmission"] = {"kind": "manual", "gear_ratios": SIX_SPEED,
                                "final_drive_ratio": 3.65, "mesh_efficiency": eta_tr,
                                "drag_torque_nm": 0.0, "viscous_drag_nm_s": 0.0,
                                "launch_speed_rad_s": 1.0}
        data["alternator_efficiency"] = doc.number("pt_type", key, "alt_eff", lo=0.31, hi=1.0,
                                                   default=1.0)
        data["input_inertia_kg_m2"] = 0.0
    else:
        data["transmission"] = "zf_8hp"
    return data


# --- loading and writing ------------------------------------------------------------------

def load_fastsim_vehicle(path: str | Path, *, same_efficiencies: bool = False,
                         directory: str | Path | None = None):
    """A validated edrive vehicle spec for a FASTSim 3 vehicle file. With
    ``same_efficiencies`` the motor's loss map is written as a CSV into ``directory``
    (default: a new temporary folder)."""
    from ..vehicle import vehicle_from_dict

    data, maps = fastsim_vehicle_dict(path, same_efficiencies=same_efficiencies)
    folder = None
    if maps:
        folder = Path(directory) if directory is not None else Path(
            tempfile.mkdtemp(prefix="edrive-fastsim-"))
        write_outputs({folder / name: loss_map_csv_text(lm) for name, lm in maps.items()})
    return vehicle_from_dict(data, where=Path(path).name, base_dir=folder)


def import_fastsim(path: str | Path, out: str | Path, *, same_efficiencies: bool = False):
    """Write an edrive vehicle file ``out`` (and, with ``same_efficiencies``, the motor's
    loss map next to it, named after it) for a FASTSim 3 vehicle file. Everything is built
    and the vehicle validated first; then all files are written or none
    (:mod:`edrive.io.output`). An output that is the input file is refused. Returns the
    validated spec."""
    from ..vehicle import vehicle_from_dict

    out = Path(out)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise EdriveError(f"--out: {str(out)!r}; allowed: a .yaml or .yml file name")
    map_path = out.with_name(f"{out.stem}_motor_losses.csv")
    for target in (out, map_path) if same_efficiencies else (out,):
        check_output(target, "--out")
        refuse_input_as_output(target, path, "--out")
    data, maps = fastsim_vehicle_dict(path, same_efficiencies=same_efficiencies,
                                      loss_map_file=map_path.name)
    files: dict[Path, str] = {out.parent / name: loss_map_csv_text(lm)
                              for name, lm in maps.items()}
    with tempfile.TemporaryDirectory(prefix="edrive-fastsim-") as staging:
        for target, text in files.items():  # the vehicle is validated against these
            (Path(staging) / target.name).write_text(text)
        vehicle_from_dict(data, where=Path(path).name, base_dir=Path(staging))
    files[out] = yaml.safe_dump(data, sort_keys=False)
    write_outputs(files)
    return vehicle_from_dict(data, where=Path(path).name, base_dir=out.parent)


__all__ = ["GGE_J_PER_L", "air_density_kg_m3", "fastsim_battery", "fastsim_motor_loss_map",
           "fastsim_vehicle_dict", "import_fastsim", "interpolate", "load_fastsim_vehicle"]
