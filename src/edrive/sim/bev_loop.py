"""The compiled loop of a battery-electric car (:mod:`edrive.sim.batch_kernel`) from specs:
its inputs (:class:`LoopInputs`, built from the vehicle's numeric model, so that a change of
a component's model flows through), the cars it cannot run (:func:`bev_reason`), and the
run itself, for N variants (:func:`run_kernel`, summaries) or for one car with its time
series recorded (:func:`run_one`, what :func:`edrive.sim.bev.simulate` builds its result
from).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components.battery import OCV_PRESETS
from ..cycles import DriveCycle
from ..errors import EdriveError
from .batch_kernel import (
    MAX_UNITS,
    PARAM_DTYPE,
    REC_NAMES,
    TWO_SPEED_UNIT_DTYPE,
    TWO_UNIT_PARAM_DTYPE,
    UNIT_DTYPE,
    cycle_arrays,
    run_variants,
    stack_envelopes,
    stack_maps,
)
from .powertrain import SPLITS
from .threads import run_rows

#: the route of a battery-electric car run in the compiled loop
ROUTE = "compiled_bev"

DRIVE_CODES = {"fwd": 0, "rwd": 1, "awd": 2}


@dataclass
class LoopInputs:
    """The compiled loop's numbers for eligible battery-electric cars sharing a drive layout
    and an open-circuit-voltage curve: per car a row of ``table``
    (:data:`~edrive.sim.batch_kernel.PARAM_DTYPE`) and of ``units``
    (:data:`~edrive.sim.batch_kernel.UNIT_DTYPE`, one per drive unit), and the loss maps and
    tabulated envelopes the units name by index."""

    table: np.ndarray
    units: np.ndarray
    drive: str
    ocv_soc: np.ndarray
    ocv_cell: np.ndarray
    loss_maps: list
    envelopes: list

    def col(self, name: str) -> np.ndarray:
        """A car's field, or the first drive unit's."""
        return self.table[name] if name in PARAM_DTYPE.names else self.units[name][:, 0]

    def set(self, name: str, values) -> None:
        """Set a car's field, or the first drive unit's."""
        if name in PARAM_DTYPE.names:
            self.table[name] = values
        else:
            self.units[name][:, 0] = values

    def rows(self, idx) -> LoopInputs:
        return LoopInputs(self.table[idx], self.units[idx], self.drive, self.ocv_soc,
                          self.ocv_cell, self.loss_maps, self.envelopes)


def bev_reason(spec) -> str | None:
    """Why the battery-electric car ``spec`` cannot run in the compiled loop
    (:mod:`edrive.sim.batch_kernel`), or None when it can (every car whose spec builds a
    model)."""
    if len(spec.drive_units) > MAX_UNITS:
        return f"more than {MAX_UNITS} drive units"
    try:
        spec.model()
    except EdriveError:
        return "refused"  # simulate gives the message
    return None


def ocv_curve(battery_spec) -> tuple:
    """The cell open-circuit-voltage curve (SOC points, volts) of a battery spec."""
    if battery_spec.ocv is not None:
        return tuple(battery_spec.ocv.soc), tuple(battery_spec.ocv.voltage_v)
    return OCV_PRESETS[battery_spec.chemistry]


def params_from_specs(specs, soc_initial: float | None) -> LoopInputs:
    """The kernel's inputs for eligible battery-electric specs sharing a drive layout and an
    open-circuit-voltage curve (``soc_initial``: None for each car's own)."""
    two_units = any(len(s.drive_units) == 2 for s in specs)
    table = np.zeros(len(specs), dtype=TWO_UNIT_PARAM_DTYPE if two_units else PARAM_DTYPE)
    two_speed = any(len(du.ratios) == 2 for s in specs for du in s.model().drive_units)
    units = np.zeros((len(specs), MAX_UNITS),
                     dtype=TWO_SPEED_UNIT_DTYPE if two_speed else UNIT_DTYPE)
    maps: dict[int, int] = {}
    envelopes: dict[int, int] = {}
    map_list, env_list = [], []
    for k, s in enumerate(specs):
        vm = s.model()
        b = vm.battery
        row = table[k]
        row["drive_units"] = len(vm.drive_units)
        for du, du_spec, unit in zip(vm.drive_units, s.drive_units, units[k], strict=False):
            if id(du.map) not in maps:
                maps[id(du.map)] = len(map_list)
                map_list.append(du.map)
            unit["loss_map"], unit["loss_scale"], unit["loss_torque_scale"] = (
                maps[id(du.map)], 1, 1)
            unit["envelope"] = -1
            if du.envelope_table is not None:
                key = id(du.envelope_table)
                if key not in envelopes:
                    envelopes[key] = len(env_list)
                    env_list.append(du.envelope_table)
                unit["envelope"] = envelopes[key]
            else:
                m = du_spec.motor
                unit["power_peak_w"], unit["torque_peak_nm"] = m.power_peak_w, m.torque_peak_nm
                unit["regen_power_peak_w"] = m.regen_power_peak_w or m.power_peak_w
            unit["speed_max_rad_s"] = du.speed_max_rad_s
            unit["gear_ratio"], unit["mesh_efficiency"] = du.ratio, du.eta
            if two_speed:
                unit["low_gear_ratio"] = du.ratios[0] if len(du.ratios) == 2 else 0.0
            unit["drag_torque_nm"], unit["viscous_drag_nm_s"] = du.drag_nm, du.viscous_nm_s
        for name, value in (
                ("mass_kg", vm.mass_kg), ("mass_effective_kg", vm.mass_effective_kg),
                ("radius_m", vm.radius_m), ("f0_n", vm.f0_n), ("f1_n_s_m", vm.f1),
                ("f2_n_s2_m2", vm.f2), ("wheelbase_m", vm.wheelbase_m),
                ("cg_height_m", vm.cg_height_m), ("front_share", vm.front_share),
                ("mu", vm.mu), ("speed_max_m_s", vm.speed_max_m_s),
                ("cells_series", s.battery.cells_series), ("resistance_ohm", b.resistance_ohm),
                ("capacity_as", b.capacity_as),
                ("soc_initial", b.soc_initial if soc_initial is None else float(soc_initial)),
                ("soc_min", b.soc_min), ("soc_max", b.soc_max),
                ("power_discharge_max_w", b.power_discharge_max_w),
                ("power_charge_max_w", b.power_charge_max_w), ("aux_power_w", vm.aux_power_w),
                ("regen_speed_min_m_s", s.brakes.regen_speed_min_m_s),
                ("regen_speed_full_m_s", s.brakes.regen_speed_full_m_s),
                ("regen_share_max", s.brakes.regen_share_max),
                ("regen_deceleration_max_m_s2", s.brakes.regen_deceleration_max_m_s2),
                ("charger_efficiency", s.charger.efficiency),
                ("charger_power_w", s.charger.power_w)):
            row[name] = value
    soc, cell = ocv_curve(specs[0].battery)
    return LoopInputs(table, units, specs[0].drive, np.asarray(soc, dtype=float),
                      np.asarray(cell, dtype=float), map_list, env_list)


def run_kernel(P: LoopInputs, cyc: DriveCycle, record: bool = False):
    """The compiled loop over the rows of ``P``: (its output, (n, len(OUT_NAMES)), and the
    recorded time series, (len(REC_NAMES), intervals), of the one row when ``record``), the
    rows shared among threads (:func:`edrive.sim.threads.run_rows`)."""
    dt, _, _, theta = cycle_arrays(cyc)
    rec = np.zeros((len(REC_NAMES), len(dt) if record else 0))
    args = (np.ascontiguousarray(P.table), np.ascontiguousarray(P.units), cyc.speed_m_s,
            np.cos(theta), np.sin(theta), theta, dt, P.ocv_soc, P.ocv_cell,
            DRIVE_CODES[P.drive], stack_maps(P.loss_maps), stack_envelopes(P.envelopes),
            SPLITS, rec)
    return run_rows(run_variants, args[:2], args[2:]), rec


def run_one(spec, cyc: DriveCycle, soc_initial: float):
    """One car through the compiled loop with its time series recorded: (the loop's output
    row, :data:`~edrive.sim.batch_kernel.OUT_NAMES`; the series, (len(REC_NAMES),
    intervals))."""
    res, rec = run_kernel(params_from_specs([spec], soc_initial), cyc, record=True)
    return res[0], rec
