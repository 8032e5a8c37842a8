"""Electric drive units from physics: motor + inverter + gearbox, composed into maps.

An EDU file (YAML, ``type: edu``) names a machine from lumped parameters
(:mod:`edrive.edu.machines.pmsm`), an inverter (:mod:`edrive.edu.inverter`, a preset
name or parameters), a gearbox (:mod:`edrive.edu.gearbox`) and the DC-link voltage.
From it edrive computes

* the torque-speed envelope at the motor shaft (current and voltage limits, optional torque
  and power caps);
* the motor+inverter loss map over shaft torque x speed in both quadrants, which a vehicle
  uses directly (``drive_units: [{axle: rear, edu: NAME_OR_PATH}]``);
* the system map at the output shaft: DC power against output torque and speed,

    P_dc(T_out, omega_out) = T_m omega_m + P_motor(T_m, omega_m) + P_inv(T_m, omega_m)

  with omega_m = G omega_out and T_m from the gearbox relation (eq. 4 of
  :mod:`edrive.components.drive_unit`), and the efficiency T_out omega_out / P_dc when driving
  and P_dc / (T_out omega_out) when recovering.

The DC-link voltage is held at the file's value (the battery's voltage swing over a cycle
changes the field-weakening region a little; this is a simplification).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, PrivateAttr

from ..components.gear import GearSpec, input_torque_nm, output_torque_nm
from ..components.loss_map import LossMap
from ..errors import EdriveError, format_value, unknown_name
from ..limits import limit
from ..registry import Registry, spec_from_yaml
from ..spec import Spec, validate
from ..units import Power, Torque, Voltage
from .gearbox import GearboxSpec
from .inverter import INVERTER_PRESETS, InverterSpec, inverter_loss_w
from .machines.eesm import EesmModel, EesmSpec
from .machines.induction import InductionModel, InductionSpec
from .machines.pmsm import MotorModel, PmsmSpec

N_ENVELOPE = 240
N_MAP_SPEED = 61
N_MAP_TORQUE = 81
# Largest system map in speed x torque points (the environment variable
# EDRIVE_MAX_MAP_POINTS sets another): each point takes about 6 kB of memory while the map
# is computed, about 1.5 GB at this limit.
MAP_POINTS_MAX = 250_000


MachineSpec = Annotated[PmsmSpec | EesmSpec | InductionSpec, Field(discriminator="kind")]
_MODELS = {"pmsm": MotorModel, "eesm": EesmModel, "induction": InductionModel}


def machine_model(motor, dc_voltage_v: float, inverter_loss):
    """The operating-point model for a machine spec of any kind."""
    return _MODELS[motor.kind](motor, dc_voltage_v, inverter_loss=inverter_loss)


class EduSpec(Spec):
    """A physics-based electric drive unit (see module docstring)."""

    schema_version: Literal[1] = 1
    type: Literal["edu"] = "edu"
    name: str
    description: str = ""
    sources: dict[str, str] = Field(default_factory=dict)
    dc_voltage_v: Annotated[Voltage, Field(gt=24, le=1500)]
    motor: MachineSpec
    inverter: InverterSpec | str = "si_igbt_400v"
    gearbox: GearboxSpec
    torque_max_nm: Annotated[Torque, Field(gt=0, le=2e4)] | None = None
    power_max_w: Annotated[Power, Field(gt=0, le=2e6)] | None = None
    # share of the peak phase current the unit carries continuously (thermal limit); 0.5 is
    # typical of liquid-cooled traction drives (S1 rating about half the 10-30 s peak)
    continuous_current_fraction: Annotated[float, Field(gt=0.1, le=1.0)] = 0.5

    _model: object = PrivateAttr(default=None)

    def model(self) -> Edu:
        if self._model is None:
            self._model = Edu(self)
        return self._model  # type: ignore[return-value]


class Edu:
    """Numeric model of an :class:`EduSpec`."""

    def __init__(self, spec: EduSpec):
        self.spec = spec
        inv = spec.inverter
        if isinstance(inv, str):
            if inv not in INVERTER_PRESETS:
                raise unknown_name("inverter preset", inv, INVERTER_PRESETS)
            inv = INVERTER_PRESETS[inv]
        self.inverter = inv
        self.motor = machine_model(spec.motor, spec.dc_voltage_v,
                                   lambda i, m, pf, v: inverter_loss_w(inv, i, m, pf, v))
        self.speed_max_rad_s = spec.motor.speed_max_rad_s
        self.rotor_inertia_kg_m2 = spec.motor.rotor_inertia_kg_m2
        self.gear: GearSpec = spec.gearbox.gear(self.speed_max_rad_s)
        # envelope on a fine speed grid, with the caps
        w = np.linspace(0.0, self.speed_max_rad_s, N_ENVELOPE)
        tmax, tmin = self.motor.torque_envelope_nm(w)
        cap = np.full_like(w, np.inf)
        if spec.torque_max_nm is not None:
            cap = np.minimum(cap, spec.torque_max_nm)
        if spec.power_max_w is not None:
            cap = np.minimum(cap, spec.power_max_w / np.maximum(w, 1e-9))
        self.env_speed = w
        self.env_tmax = np.minimum(tmax, cap)
        self.env_tmin = np.maximum(tmin, -cap)
        if self.env_tmax[0] <= 0:
            raise EdriveError(f"EDU {spec.name}: the machine makes no torque at standstill "
                              f"(current limit {spec.motor.current_max_a:.0f} A)")
        reach = w[self.env_tmax > 1e-6 * self.env_tmax[0]]
        if reach[-1] < 0.999 * self.speed_max_rad_s:
            raise EdriveError(
                f"EDU {spec.name}: dc_voltage_v {spec.dc_voltage_v:.0f} V is too low to reach "
                f"the motor's speed_max_rad_s ({self.speed_max_rad_s * 30 / np.pi:.0f} rpm); "
                f"torque falls to zero at {reach[-1] * 30 / np.pi:.0f} rpm")
        self._loss_map: LossMap | None = None

    def continuous_envelope(self, speed_rad_s):
        """Envelope at the continuous current (``continuous_current_fraction`` of the peak),
        with the same caps [N*m]."""
        if not hasattr(self, "_cont"):
            m = self.spec.motor
            cont = m.replace(current_max_a=m.current_max_a * self.spec.continuous_current_fraction)
            model = machine_model(cont, self.spec.dc_voltage_v, None)
            tmax, tmin = model.torque_envelope_nm(self.env_speed)
            self._cont = (np.minimum(tmax, self.env_tmax), np.maximum(tmin, self.env_tmin))
        w = np.abs(np.asarray(speed_rad_s, dtype=float))
        return (np.interp(w, self.env_speed, self._cont[0], right=0.0),
                np.interp(w, self.env_speed, self._cont[1], right=0.0))

    def continuous_power_w(self) -> float:
        """Largest shaft power on the continuous envelope [W]: max over speed of
        T_cont(omega) omega."""
        t_cont = self.continuous_envelope(self.env_speed)[0]
        return float((t_cont * self.env_speed).max())

    def envelope(self, speed_rad_s):
        """(largest motoring, most negative generating) shaft torque at a speed [N*m]."""
        w = np.abs(np.asarray(speed_rad_s, dtype=float))
        return (np.interp(w, self.env_speed, self.env_tmax, right=0.0),
                np.interp(w, self.env_speed, self.env_tmin, right=0.0))

    @property
    def loss_map(self) -> LossMap:
        """Motor + inverter loss map at the motor shaft, for the vehicle model."""
        if self._loss_map is None:
            w = np.linspace(0.0, self.speed_max_rad_s, N_MAP_SPEED)
            t_hi, t_lo = float(self.env_tmax.max()), float(self.env_tmin.min())
            t = np.linspace(t_lo, t_hi, N_MAP_TORQUE)
            if not np.any(t == 0):
                t = np.sort(np.append(t, 0.0))
            T, W = np.meshgrid(t, w, indexing="ij")
            op = self.motor.operating_points(T, W)
            self._loss_map = LossMap(w, t, np.maximum(op["loss_w"], 0.0), self.envelope,
                                     self.speed_max_rad_s)
        return self._loss_map

    def loss_map_frame(self):
        """The motor+inverter loss map as a long table (speed_rpm, torque_nm, loss_w), the
        form a vehicle file reads with ``losses: {kind: map, file: ...}``."""
        import pandas as pd

        lm = self.loss_map
        T, W = np.meshgrid(lm.torque_nm, lm.speed_rad_s, indexing="ij")
        return pd.DataFrame({"speed_rpm": W.ravel() * 30 / np.pi, "torque_nm": T.ravel(),
                             "loss_w": lm.loss_w.ravel()})

    # --- maps at the output shaft -----------------------------------------------------------
    def system_map(self, n_speed: int = 100, n_torque: int = 100) -> SystemMap:
        """DC power, losses and efficiency over output torque x output speed (exact operating
        points, not interpolated); at least 5 x 5 and at most ``MAP_POINTS_MAX`` points
        (environment variable ``EDRIVE_MAX_MAP_POINTS``)."""
        if min(n_speed, n_torque) < 5:
            raise EdriveError(f"drive-unit map: {n_speed} speeds x {n_torque} torques; allowed: "
                              "at least 5 of each")
        max_points = limit("EDRIVE_MAX_MAP_POINTS", MAP_POINTS_MAX)
        if n_speed * n_torque > max_points:
            raise EdriveError(f"drive-unit map: {n_speed} speeds x {n_torque} torques = "
                              f"{n_speed * n_torque:,} points; the limit is {max_points:,} "
                              "(EDRIVE_MAX_MAP_POINTS)")
        g = self.gear
        w_out = np.linspace(0.0, self.speed_max_rad_s / g.ratio, n_speed)
        t_out_max = float(self._output_torque(self.env_tmax, self.env_speed).max())
        t_out_min = float(self._output_torque(self.env_tmin, self.env_speed).min())
        t_out = np.linspace(t_out_min, t_out_max, n_torque)
        T, W = np.meshgrid(t_out, w_out, indexing="ij")
        wm = W * g.ratio
        drag = g.drag_torque_nm + g.viscous_drag_nm_s * wm
        tm = input_torque_nm(T, g.ratio, g.mesh_efficiency, drag)
        op = self.motor.operating_points(tm, wm)
        tmax, tmin = self.envelope(wm)
        feasible = op["feasible"] & (tm <= tmax * (1 + 1e-9) + 1e-9) & (tm >= tmin * (1 + 1e-9) - 1e-9)
        p_out = T * W
        p_dc = op["dc_power_w"]
        gear_loss = tm * wm - p_out
        with np.errstate(divide="ignore", invalid="ignore"):
            eff = np.where(T >= 0, p_out / p_dc, p_dc / p_out)
        eff = np.where(feasible & (W > 0) & (T != 0), eff, np.nan)
        cmax, cmin = self.continuous_envelope(self.env_speed)
        return SystemMap(self.spec.name, w_out, t_out, p_dc, op["motor_loss_w"],
                         op["inverter_loss_w"], gear_loss, eff, feasible,
                         self._output_torque(self.env_tmax, self.env_speed),
                         self._output_torque(self.env_tmin, self.env_speed),
                         self.env_speed / g.ratio,
                         self._output_torque(cmax, self.env_speed),
                         self._output_torque(cmin, self.env_speed))

    def _output_torque(self, motor_torque, motor_speed):
        g = self.gear
        return output_torque_nm(motor_torque, g.ratio, g.mesh_efficiency,
                                g.drag_torque_nm + g.viscous_drag_nm_s * motor_speed)

    def summary(self, system: SystemMap | None = None) -> dict:
        """Peak torque and power at the motor shaft and the output, maximum speed, and peak
        efficiencies of the motor, the motor with inverter, and the whole unit."""
        sm = system or self.system_map()
        p = self.env_tmax * self.env_speed
        motor_only, with_inv = self._peak_component_efficiencies()
        t_cont = self.continuous_envelope(self.env_speed)[0]
        return {
            "name": self.spec.name,
            "peak_torque_nm": float(self.env_tmax.max()),
            "continuous_torque_nm": float(t_cont.max()),
            "continuous_power_kw": self.continuous_power_w() / 1e3,
            "peak_output_torque_nm": float(sm.envelope_max_nm.max()),
            "peak_power_kw": float(p.max() / 1e3),
            "speed_at_peak_power_rpm": float(self.env_speed[np.argmax(p)] * 30 / np.pi),
            "base_speed_rpm": float(self._base_speed() * 30 / np.pi),
            "max_speed_rpm": float(self.speed_max_rad_s * 30 / np.pi),
            "gear_ratio": self.gear.ratio,
            "dc_voltage_v": self.spec.dc_voltage_v,
            "peak_efficiency": float(np.nanmax(sm.efficiency)),
            "peak_motor_efficiency": motor_only,
            "peak_motor_inverter_efficiency": with_inv,
        }

    def _base_speed(self) -> float:
        drop = self.env_tmax < self.env_tmax[0] * 0.995
        return float(self.env_speed[np.argmax(drop)]) if drop.any() else self.speed_max_rad_s

    def _peak_component_efficiencies(self) -> tuple[float, float]:
        w = np.linspace(0.0, self.speed_max_rad_s, 60)[1:]
        T, W = np.meshgrid(np.linspace(0, self.env_tmax.max(), 60)[1:], w, indexing="ij")
        op = self.motor.operating_points(T, W)
        ok = op["feasible"] & (T <= self.envelope(W)[0])
        pm = T * W
        motor = np.where(ok, pm / (pm + op["motor_loss_w"]), np.nan)
        both = np.where(ok, pm / (pm + op["loss_w"]), np.nan)
        return float(np.nanmax(motor)), float(np.nanmax(both))


@dataclass
class SystemMap:
    """An EDU's map at the output shaft (rows: output torque, columns: output speed)."""

    name: str
    speed_rad_s: np.ndarray
    torque_nm: np.ndarray
    dc_power_w: np.ndarray
    motor_loss_w: np.ndarray
    inverter_loss_w: np.ndarray
    gear_loss_w: np.ndarray
    efficiency: np.ndarray
    feasible: np.ndarray
    envelope_max_nm: np.ndarray
    envelope_min_nm: np.ndarray
    envelope_speed_rad_s: np.ndarray
    continuous_max_nm: np.ndarray | None = None
    continuous_min_nm: np.ndarray | None = None

    def to_dataframe(self):
        """Long form: one row per grid point, SI units plus rpm for reading."""
        import pandas as pd

        T, W = np.meshgrid(self.torque_nm, self.speed_rad_s, indexing="ij")
        return pd.DataFrame({
            "output_speed_rad_s": W.ravel(), "output_speed_rpm": W.ravel() * 30 / np.pi,
            "output_torque_nm": T.ravel(), "dc_power_w": self.dc_power_w.ravel(),
            "motor_loss_w": self.motor_loss_w.ravel(),
            "inverter_loss_w": self.inverter_loss_w.ravel(), "gear_loss_w": self.gear_loss_w.ravel(),
            "efficiency": self.efficiency.ravel(), "feasible": self.feasible.ravel()})


# --- files and registry ----------------------------------------------------------------------

def edu_from_yaml(text: str, where: str = "edu", base_dir: Path | None = None) -> EduSpec:
    """Parse and validate EDU YAML text (the model is built, so limits are checked too)."""
    return spec_from_yaml(text, where, "drive-unit", EduSpec)


EDUS = Registry("edus", "drive unit", edu_from_yaml)


def list_edus() -> list[str]:
    """Names of the bundled drive units."""
    return EDUS.names()


def load_edu(name_or_path: str | Path | EduSpec, base_dir: Path | None = None) -> EduSpec:
    """A bundled drive unit by name or an EDU YAML file by path (relative paths are taken
    from ``base_dir`` when given, e.g. the folder of the vehicle file naming it)."""
    if isinstance(name_or_path, EduSpec):
        return name_or_path
    return EDUS.load(name_or_path, base_dir)


# --- families ----------------------------------------------------------------------------------

END_WINDING_SHARE = 0.3  # share of phase resistance in the end windings (hairpin, 150-250 kW)

# field -> (how it follows the active length, exponent of the series turns)
#   "lin": proportional to the length; "res": end windings fixed, the rest proportional
_SCALING = {
    "pmsm": {"magnet_flux_linkage_vs": ("lin", 1), "d_inductance_h": ("lin", 2),
             "q_inductance_h": ("lin", 2), "stator_resistance_ohm": ("res", 2),
             "current_max_a": (None, -1), "iron_loss_no_load_w": ("lin", 0),
             "windage_loss_at_max_speed_w": ("lin", 0), "rotor_inertia_kg_m2": ("lin", 0)},
    "eesm": {"mutual_inductance_h": ("lin", 1), "d_inductance_h": ("lin", 2),
             "q_inductance_h": ("lin", 2), "stator_resistance_ohm": ("res", 2),
             "field_resistance_ohm": ("res", 0), "current_max_a": (None, -1),
             "iron_loss_no_load_w": ("lin", 0), "windage_loss_at_max_speed_w": ("lin", 0),
             "rotor_inertia_kg_m2": ("lin", 0)},
    "induction": {"magnetizing_inductance_h": ("lin", 2), "leakage_inductance_h": ("lin", 2),
                  "stator_resistance_ohm": ("res", 2), "rotor_resistance_ohm": ("res", 2),
                  "rated_flux_vs": ("lin", 1), "current_max_a": (None, -1),
                  "iron_loss_no_load_w": ("lin", 0), "windage_loss_at_max_speed_w": ("lin", 0),
                  "rotor_inertia_kg_m2": ("lin", 0)},
}


def scale_edu(spec: EduSpec | str, *, length_factor: float = 1.0,
              dc_voltage_v: float | None = None, name: str | None = None) -> EduSpec:
    """One member of a drive-unit family: the same lamination with another active length,
    rewound so that the speed range stays, and optionally for another DC voltage.

    Classical sizing laws (Pyrhonen, Jokinen & Hrabovcova, *Design of Rotating Electrical
    Machines*, Wiley 2014, ch. 1 and 6): with the active length L the flux linkage per turn
    grows as L; the series turns N are set to k_V / k_L (k_V the ratio of DC voltages), so
    the flux linkage, and with it the corner and maximum speeds, follow the voltage; the
    current at the same current density goes as 1/N. Then flux linkage ~ L N, inductances
    ~ L N^2, phase resistance ~ N^2 (L share plus fixed end windings), current limit ~ 1/N,
    iron and windage losses and inertia ~ L. Torque and peak power scale with L, the speeds
    with the DC voltage's share of the rewinding; torque and power caps scale with L.
    """
    spec = load_edu(spec)
    if not (np.isfinite(length_factor) and 0.1 <= length_factor <= 10):
        raise EdriveError(f"length_factor: {format_value(length_factor)}; allowed: 0.1..10")
    v_new = spec.dc_voltage_v if dc_voltage_v is None else float(dc_voltage_v)
    if not 24 < v_new <= 1500:
        raise EdriveError(f"dc_voltage_v: {format_value(v_new)}; allowed: 24..1500 V")
    k_l = length_factor
    k_n = v_new / spec.dc_voltage_v / k_l
    motor = spec.motor.model_dump()
    for field, (length_rule, turns_exp) in _SCALING[spec.motor.kind].items():
        f_l = {"lin": k_l, "res": END_WINDING_SHARE + (1 - END_WINDING_SHARE) * k_l,
               None: 1.0}[length_rule]
        motor[field] = motor[field] * f_l * k_n**turns_exp
    data = spec.model_dump()
    data["motor"] = motor
    data["dc_voltage_v"] = v_new
    if data.get("torque_max_nm") is not None:
        data["torque_max_nm"] *= k_l
    if data.get("power_max_w") is not None:
        data["power_max_w"] *= k_l
    data["name"] = name or f"{spec.name} (length x{k_l:g}, {v_new:.0f} V)"
    scaled = validate(EduSpec, data, where=data["name"])
    scaled.model()
    return scaled
