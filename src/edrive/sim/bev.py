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

The battery's usable window (eq. 3 of :mod:`edrive.components.battery`, with the discharge
limit at the initial SOC as the pack's limit). Each interval is driven with the terminal
power the window allows at its SOC: regeneration is cut back at the top; at the bottom the
drive units get only what the battery can still give after the auxiliaries, so the car falls
behind the trace (coasting, once the usable energy is spent), regeneration still charges,
the drive units switch off where they cannot be powered and the auxiliaries get what is
left. ``summary["battery_empty_at_s"]`` is when the
SOC first reaches ``soc_min``. A car standing still with an empty battery stays where it is
(until a slope would roll it), so the rest of the cycle costs nothing to drive.

One code drives the cycle: the compiled loop of :mod:`edrive.sim.batch_kernel`, run for
this one car with its time series recorded, the same loop that :func:`edrive.simulate_many`
runs for N variants (``Result.route`` is ``"compiled_bev"``): every car with one or two
drive units (the torque split of :mod:`edrive.sim.powertrain`), each with a single-speed or
two-speed gear (the gear of least DC power, ``DriveUnit.operate``) and any loss map (the
generic model, a measured map, a physics-based drive unit's), following the trace as
closely as it can (the search of :func:`edrive.sim.core.follow_trace`, interval by
interval), within the battery's usable window as above.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..arguments import soc_in_window
from ..components.battery import SOC_TOLERANCE
from ..constants import WH_J
from ..cycles import DriveCycle, load_cycle
from ..report.text import Report
from ..vehicle import VehicleSpec, load_vehicle
from .batch_kernel import OUT_NAMES, REC_NAMES, UNIT_REC_NAMES
from .bev_loop import ROUTE, run_one
from .core import Intervals, check_trace_option, raise_if_missed, series_head, trace_misses

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
    #: the code that computed the run: ``"compiled_bev"`` (the compiled loop of
    #: :mod:`edrive.sim.batch_kernel`), ``"compiled_icev"`` (that of
    #: :mod:`edrive.sim.batch_icev_kernel`), ``"compiled_hev"`` (a hybrid's compiled table and
    #: strategy loop) or ``"dynamic_programming"`` (a hybrid's dynamic programming)
    route: str = field(default="", repr=False)

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

    def report(self) -> Report:
        """Summary in the units people read (km, Wh/km, kWh); ``print()`` shows it as
        ``name  value`` lines."""
        s = self.summary
        return Report(self._head() | {
            "battery_wh_per_km": s["battery_wh_per_km"],
            "wall_wh_per_km": s["wall_wh_per_km"],
            "battery_kwh": s["battery_energy_j"] / 3.6e6,
            "wall_kwh": s["wall_energy_j"] / 3.6e6,
            "recovered_kwh": s["regen_energy_j"] / 3.6e6,
            "soc_start": s["soc_start"],
            "soc_end": s["soc_end"],
            "battery_empty_at_s": s["battery_empty_at_s"],
        } | self._trace_and_audit())


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
    soc0 = (bat.soc_initial if soc_initial is None
            else soc_in_window(soc_initial, "soc_initial", bat.soc_min, bat.soc_max))

    t = cyc.time_s
    dt = np.diff(t)
    route = ROUTE
    v_ach, iv, drive, current, soc, ocv, soc_end = _recorded(vm, cyc, *run_one(spec, cyc, soc0))
    v = iv.speed_m_s
    f_road, f_grade, f_inertia = iv.road_n, iv.grade_n, iv.inertia_n
    units, forces, p_bat = drive.units, drive.forces, drive.battery_w
    p_dc_units = [u[3] for u in units]
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
        "friction_brakes_j": e(-drive.friction_n * v),
        "gear_loss_j": e(gear_loss),
        "motor_inverter_loss_j": e(motor_loss),
        "aux_j": e(drive.aux_w),
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

    soc_series = np.concatenate([[soc0], soc[1:], [soc_end]])
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
        "battery_empty_at_s": _empty_at_s(t, soc_series, bat.soc_min),
        "trace_missed_s": float(np.sum(dt[missed])),
        "trace_max_shortfall_m_s": float(max(shortfall.max(), 0.0)),
        "energy_j": energy,
        "audit_residual": audit,
    }
    if abs(audit) > AUDIT_TOLERANCE:  # pragma: no cover - a bookkeeping bug, never user input
        raise RuntimeError(f"energy audit does not close: residual {audit:.2e}")
    bat.check_window(soc_series, f"{spec.name} on {cyc.name}")

    pad = lambda a: np.concatenate([[0.0], a])
    series = series_head(cyc, v_ach, shortfall, iv, drive.friction_n)
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
        "soc": soc_series,
    }
    return Result(spec.name, cyc.name, summary, series, misses, route)


def _recorded(vm, cyc, out, rec):
    """What :func:`simulate` reports, from the compiled loop's output row and recorded
    series (:func:`edrive.sim.bev_loop.run_one`)."""
    col = dict(zip(REC_NAMES, rec, strict=True))
    dt = np.diff(cyc.time_s)
    v_ach = np.concatenate([[min(cyc.speed_m_s[0], vm.speed_max_m_s)], col["speed_end_m_s"]])
    v_start, v_end = v_ach[:-1], v_ach[1:]
    iv = Intervals(dt, 0.5 * (v_start + v_end), (v_end - v_start) / dt, col["road_n"],
                   col["grade_n"], col["inertia_n"], col["wheel_force_n"])
    units = [tuple(col[f"unit{k}_{name}"] for name in UNIT_REC_NAMES[1:])
             for k in range(len(vm.drive_units))]
    forces = [col[f"unit{k}_force_n"] for k in range(len(vm.drive_units))]
    drive = _Drive(forces, units, col["aux_w"], col["battery_power_w"], col["friction_n"])
    soc_end = float(out[OUT_NAMES.index("soc_end")])
    return v_ach, iv, drive, col["battery_current_a"], col["soc"], col["ocv_v"], soc_end


def _empty_at_s(t, soc, soc_min: float) -> float | None:
    """Time of the first sample at which the SOC is at ``soc_min`` (None if never)."""
    empty = np.flatnonzero(soc <= soc_min + SOC_TOLERANCE)
    return float(t[empty[0]]) if empty.size else None


@dataclass
class _Drive:
    """Per interval: the drive units' wheel forces and states (torque, speed, loss, DC
    power), what the auxiliaries get, the battery's terminal power and the friction brakes'
    force."""

    forces: list
    units: list
    aux_w: np.ndarray
    battery_w: np.ndarray
    friction_n: np.ndarray
