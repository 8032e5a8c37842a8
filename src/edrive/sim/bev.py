"""Battery-electric vehicle over a drive cycle.

Backward-facing quasi-static model with a forward check (the usual structure of FASTSim and
ADVISOR; Wipke et al., "ADVISOR 2.1", IEEE TVT 48(6), 1999). Each interval between two trace
samples is driven at constant acceleration a = (v1 - v0) / dt; forces are taken at the mean
speed v = (v0 + v1) / 2, so that the inertia work m_eff a v dt equals the change of kinetic
energy exactly and the energy audit closes by construction of the bookkeeping, not by
accident of the time step:

    F_wheel = m_eff a + f0 cos(theta) + f1 v + f2 v^2 + m g sin(theta)

Where the powertrain cannot supply F_wheel (motor envelope, tyre grip, battery power), the
vehicle accelerates as hard as it can and rejoins the trace when it can: the achieved speed
is found step by step, and every shortfall is reported.

Braking: the share given by the regenerative blend (speed-dependent, limited by the motor's
generating envelope and the battery's charge power) goes to the motors, the rest to the
friction brakes. The battery follows the Rint model of :mod:`edrive.components.battery`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..constants import WH_J
from ..cycles import DriveCycle, load_cycle
from ..errors import EdriveError
from ..vehicle import VehicleSpec, load_vehicle
from . import powertrain as pt
from .core import (
    check_trace_option,
    follow_trace,
    intervals,
    raise_if_missed,
    series_head,
    trace_misses,
)

AUDIT_TOLERANCE = 1e-3


@dataclass
class Result:
    """Outcome of one simulation: a summary (SI units) and the time series.

    ``timeseries`` has one row per trace sample; row k > 0 holds the powers and losses of
    the interval from sample k-1 to k, row 0 the initial state.
    """

    vehicle: str
    cycle: str
    summary: dict
    series: dict = field(repr=False)
    trace_misses: list = field(default_factory=list, repr=False)

    @property
    def timeseries(self):
        """The time series as a pandas DataFrame (unit-suffixed columns)."""
        import pandas as pd

        return pd.DataFrame(self.series)

    def to_dataframe(self):
        """The time series as a pandas DataFrame (unit-suffixed columns)."""
        return self.timeseries

    def summary_frame(self):
        """The summary as a one-row DataFrame (energies by component flattened)."""
        import pandas as pd

        flat = {k: v for k, v in self.summary.items() if k != "energy_j"}
        flat |= {f"energy_{k}": v for k, v in self.summary["energy_j"].items()}
        return pd.DataFrame([{"vehicle": self.vehicle, "cycle": self.cycle, **flat}])

    def _head(self) -> dict:
        """Vehicle, cycle and distance: the first report entries of every powertrain."""
        return {"vehicle": self.vehicle, "cycle": self.cycle,
                "distance_km": self.summary["distance_m"] / 1e3}

    def _fuel(self) -> dict:
        """Fuel and CO2 report entries (conventional cars and hybrids)."""
        s = self.summary
        return {k: s[k] for k in ("fuel_l_per_100km", "co2_g_per_km", "mpg_us", "fuel_l")}

    def _trace_and_audit(self) -> dict:
        """The report entries every powertrain shares: trace following, the energy audit
        and the energy by component (kWh)."""
        s = self.summary
        return {
            "trace_missed_s": s["trace_missed_s"],
            "trace_max_shortfall_kmh": s["trace_max_shortfall_m_s"] * 3.6,
            "trace_misses": [{"start_s": a, "end_s": b, "max_shortfall_kmh": w * 3.6}
                             for a, b, w in self.trace_misses],
            "energy_audit_residual": s["audit_residual"],
            "losses_kwh": {k.removesuffix("_j"): v / 3.6e6 for k, v in s["energy_j"].items()},
        }

    def report(self) -> dict:
        """Summary in the units people read (km, Wh/km, kWh)."""
        s = self.summary
        return self._head() | {
            "battery_wh_per_km": s["battery_wh_per_km"],
            "wall_wh_per_km": s["wall_wh_per_km"],
            "battery_kwh": s["battery_energy_j"] / 3.6e6,
            "wall_kwh": s["wall_energy_j"] / 3.6e6,
            "recovered_kwh": s["regen_energy_j"] / 3.6e6,
            "soc_start": s["soc_start"],
            "soc_end": s["soc_end"],
        } | self._trace_and_audit()


def simulate(vehicle, cycle, *, soc_initial: float | None = None,
             trace_miss: str = "allow") -> Result:
    """Drive ``vehicle`` over ``cycle``.

    Parameters
    ----------
    vehicle : VehicleSpec or str or Path
        A spec, a bundled vehicle name or a YAML path.
    cycle : DriveCycle or str or Path
        A cycle, a bundled cycle name or a CSV path.
    soc_initial : float, optional
        Battery state of charge at the start [-]; defaults to the spec's, else its maximum.
    trace_miss : {"allow", "error"}
        What to do where the vehicle cannot follow the trace within 2 mph: ``"allow"`` follows
        as closely as possible and reports it in ``summary["trace_missed_s"]``; ``"error"``
        raises :class:`~edrive.errors.TraceMissError` naming where and by how much.
    """
    spec: VehicleSpec = load_vehicle(vehicle)
    cyc: DriveCycle = load_cycle(cycle)
    check_trace_option(trace_miss)
    vm = spec.model()
    bat = vm.battery
    soc0 = bat.soc_initial if soc_initial is None else float(soc_initial)
    if not (bat.soc_min - 1e-9 <= soc0 <= bat.soc_max + 1e-9):
        raise EdriveError(f"soc_initial: {soc0} is outside the usable window "
                          f"{bat.soc_min}..{bat.soc_max}")

    t = cyc.time_s
    dt = np.diff(t)
    grade = 0.5 * (cyc.grade[1:] + cyc.grade[:-1])
    v_ach = follow_trace(
        vm, t, cyc.speed_m_s, grade,
        feasible=lambda f, v, g, r: pt.propulsion_feasible(vm, f, v, g, r, soc0))
    iv = intervals(vm, t, v_ach, grade)
    v = iv.speed_m_s
    f_road, f_grade, f_inertia, f_wheel = iv.road_n, iv.grade_n, iv.inertia_n, iv.wheel_n

    braking = f_wheel < 0
    f_regen_want = np.where(braking, f_wheel * pt.regen_blend(vm, v), 0.0)
    f_regen_want = np.maximum(f_regen_want, -vm.spec.brakes.regen_deceleration_max_m_s2
                              * vm.mass_effective_kg)
    f_demand = np.where(braking, f_regen_want, f_wheel)
    forces = pt.allocate(vm, f_demand, v, braking=braking)
    units = _unit_states(vm, forces, v)
    p_bat = sum(u[3] for u in units) + vm.aux_power_w

    # battery charge-power limit: scale regeneration back where the battery cannot take it
    over = p_bat < -bat.power_charge_max_w
    if over.any():
        forces = _limit_charge(vm, forces, v, over, bat.power_charge_max_w)
        units = _unit_states(vm, forces, v)
        p_bat = sum(u[3] for u in units) + vm.aux_power_w
    p_dc_units = [u[3] for u in units]

    f_units = sum(forces)
    f_friction = np.where(braking, f_wheel - f_units, 0.0)
    current, soc, ocv, soc_end = bat.run(p_bat, dt, soc0)
    p_chem = ocv * current
    p_bat_loss = current * current * bat.resistance_ohm

    # losses by component
    motor_torques = [(tm, w) for tm, w, _, _ in units]
    motor_loss = sum(u[2] for u in units)
    gear_loss = sum(tm * w - f * v for (tm, w, _, _), f in zip(units, forces, strict=True))

    e = lambda p: float(np.sum(p * dt))
    energy = {
        "kinetic_j": e(f_inertia * v),
        "road_load_j": e(f_road * v),
        "grade_j": e(f_grade * v),
        "friction_brakes_j": e(-f_friction * v),
        "gear_loss_j": e(gear_loss),
        "motor_inverter_loss_j": e(motor_loss),
        "aux_j": vm.aux_power_w * float(np.sum(dt)),
        "battery_loss_j": e(p_bat_loss),
    }
    e_chem = e(p_chem)
    residual = e_chem - sum(energy.values())
    scale = max(e(np.abs(p_chem)), 1.0)
    audit = residual / scale

    e_bat = e(p_bat)
    charge_eff = bat.charge_efficiency(vm.spec.charger.efficiency * vm.spec.charger.power_w)
    e_wall = e_chem / (charge_eff * vm.spec.charger.efficiency) if e_chem > 0 else e_chem
    dist = float(np.sum(v * dt))

    shortfall, missed, misses = trace_misses(t, cyc.speed_m_s, v_ach)
    raise_if_missed(misses, trace_miss, spec.name, cyc.name)

    km = dist / 1e3 if dist > 0 else np.nan
    summary = {
        "distance_m": dist,
        "duration_s": cyc.duration_s,
        "battery_energy_j": e_bat,
        "battery_chemical_energy_j": e_chem,
        "wall_energy_j": e_wall,
        "battery_wh_per_km": e_bat / WH_J / km,
        "wall_wh_per_km": e_wall / WH_J / km,
        "regen_energy_j": e(np.maximum(-sum(p_dc_units), 0.0)),
        "soc_start": soc0,
        "soc_end": soc_end,
        "trace_missed_s": float(np.sum(dt[missed])),
        "trace_max_shortfall_m_s": float(max(shortfall.max(), 0.0)),
        "energy_j": energy,
        "audit_residual": audit,
    }
    if abs(audit) > AUDIT_TOLERANCE:  # pragma: no cover - a bookkeeping bug, never user input
        raise RuntimeError(f"energy audit does not close: residual {audit:.2e}")

    pad = lambda a: np.concatenate([[0.0], a])
    series = series_head(cyc, v_ach, shortfall, iv, f_friction)
    for k, (du, (tm, w)) in enumerate(zip(vm.drive_units, motor_torques, strict=True)):
        tag = du.spec.axle
        series[f"motor_{tag}_torque_nm"] = pad(tm)
        series[f"motor_{tag}_speed_rad_s"] = pad(w)
        series[f"motor_{tag}_dc_power_w"] = pad(p_dc_units[k])
    series |= {
        "motor_inverter_loss_w": pad(motor_loss),
        "gear_loss_w": pad(gear_loss),
        "battery_power_w": pad(p_bat),
        "battery_current_a": pad(current),
        "battery_voltage_v": pad(ocv - current * bat.resistance_ohm),
        "battery_loss_w": pad(p_bat_loss),
        "soc": np.concatenate([[soc0], soc[1:], [soc_end]]),
    }
    return Result(spec.name, cyc.name, summary, series, misses)


def _unit_states(vm, forces, v):
    """Per drive unit: motor torque [N*m], speed [rad/s], loss [W] and DC power [W]."""
    return [du.operate(f, v, vm.radius_m) for du, f in zip(vm.drive_units, forces, strict=True)]


def _limit_charge(vm, forces, v, over, p_charge_max):
    """Scale regeneration down where the battery's charge limit binds (bisection)."""
    idx = np.flatnonzero(over)
    sub_v = v[idx]
    base = [f[idx] for f in forces]
    lo, hi = np.zeros(len(idx)), np.ones(len(idx))
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        p = pt.dc_power_total(vm, [b * mid for b in base], sub_v) + vm.aux_power_w
        ok = p >= -p_charge_max
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
    forces = [f.copy() for f in forces]
    for f, b in zip(forces, base, strict=True):
        f[idx] = b * lo
    return forces


