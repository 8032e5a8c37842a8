"""Conventional cars in :func:`edrive.sim.batch.simulate_many`: their numbers for the compiled
kernel (:mod:`edrive.sim.batch_icev_kernel`) and its summaries, equal to those of
:func:`edrive.sim.icev.simulate_icev`.

A conventional car takes this route when its engine uses the Willans-line model (no
``efficiency_curve``) and it uses the economy shift; the WLTP gearshift procedure and
engines given by an efficiency curve go the single-vehicle route.
"""

from __future__ import annotations

import numpy as np

from ..constants import MILE_M
from .batch_icev_kernel import MAX_GEARS, OUT_NAMES, PARAM_NAMES, run_variants
from .batch_kernel import cycle_arrays
from .icev import US_GALLON_L

KINDS = {"automatic": 0, "dct": 1, "manual": 2}
DRIVES = {"fwd": 0, "rwd": 1, "awd": 2}
ROUTE = "compiled_icev"  # the route of these summaries (batch.ROUTE_ICEV)


def _row(spec):
    vm = spec.model()
    es, eng, tr = vm.engine_spec, vm.engine, vm.transmission
    t0, cv = tr.drag
    values = {
        "mass": vm.mass_kg, "mass_eff": vm.mass_effective_kg, "radius": vm.radius_m,
        "f0": vm.f0_n, "f1": vm.f1, "f2": vm.f2, "wheelbase": vm.wheelbase_m,
        "cg": vm.cg_height_m, "front": vm.front_share, "mu": vm.mu,
        "speed_max": vm.speed_max_m_s, "w_idle": es.speed_idle_rad_s,
        "w_max": es.speed_max_rad_s, "w_rated": es.speed_rated_rad_s,
        "ind_eff": es.indicated_efficiency, "pmep0": es.pmep0_pa,
        "kf": eng.friction_factor_effective,
        "disp": es.displacement_m3, "fuel_cut": es.fuel_cut_speed_rad_s,
        "stop_start": float(es.stop_start), "lhv": eng.fuel.lhv_j_kg,
        "p_aux": vm.aux_mech_power_w, "kind": KINDS[tr.kind], "n_gears": tr.n_gears,
        "t0": t0, "cv": cv, "lockup_gear": tr.lockup_gear,
        "lockup_speed": tr.lockup_speed_rad_s, "k0": tr.converter_k_stall,
        "tr0": tr.converter_torque_ratio_stall, "src": tr.converter_coupling_speed_ratio,
        "launch": tr.launch_speed, "hold_s": spec.shift_hold_s,
        "inertia": vm.input_inertia_kg_m2, "creeps": float(tr.creeps),
    }
    ratios = np.zeros(MAX_GEARS)
    etas = np.ones(MAX_GEARS)
    ratios[:tr.n_gears] = tr.overall_ratios
    etas[:tr.n_gears] = tr.efficiencies
    return ([values[k] for k in PARAM_NAMES], ratios, etas, eng._knot_speed, eng._knot_power)


def run_icev_chunk(specs, cyc):
    """(status, columns) of conventional cars sharing a drive layout: the kernel's status
    per car (:data:`edrive.sim.batch_kernel.EXACT`, or why it must go the single-vehicle
    route) and the summary columns, meaningful where the status is EXACT."""
    rows = [_row(s) for s in specs]
    p = np.array([r[0] for r in rows], dtype=float)
    ratios = np.array([r[1] for r in rows])
    etas = np.array([r[2] for r in rows])
    ks = np.array([r[3] for r in rows])
    kp = np.array([r[4] for r in rows])
    dt, v, acc, theta = cycle_arrays(cyc)
    v_t = cyc.speed_m_s
    res = run_variants(p, ratios, etas, ks, kp, v, acc, np.cos(theta), np.sin(theta), theta,
                       dt, np.ascontiguousarray(cyc.time_s[1:]), np.ascontiguousarray(v_t),
                       float(v_t.max()), DRIVES[specs[0].drive])
    col = {name: res[:, k] for k, name in enumerate(OUT_NAMES)}
    n = len(specs)
    dist = float(np.sum(v * dt))
    km = dist / 1e3 if dist > 0 else np.nan
    fuels = [s.model().engine.fuel for s in specs]
    density = np.array([f.density_kg_m3 for f in fuels])
    co2 = np.array([f.co2_kg_per_kg for f in fuels])
    lhv = np.array([f.lhv_j_kg for f in fuels])
    fuel_kg = col["fuel_kg"]
    fuel_l = fuel_kg / density * 1e3
    e_engine = col["engine_work_j"]
    energy = {f"energy_{nm}": col[nm] for nm in (
        "kinetic_j", "driveline_inertia_j", "road_load_j", "grade_j", "friction_brakes_j",
        "transmission_loss_j", "aux_j")}
    audit = (e_engine - sum(energy.values())) / np.maximum(col["engine_abs_j"], 1.0)
    with np.errstate(all="ignore"):  # cars that are not EXACT hold zeros
        mpg = np.where(fuel_l > 0, (dist / MILE_M) / (fuel_l / US_GALLON_L), np.inf)
    columns = {
        "distance_m": np.full(n, dist), "duration_s": np.full(n, cyc.duration_s),
        "fuel_kg": fuel_kg, "fuel_l": fuel_l, "fuel_l_per_100km": fuel_l / km * 100,
        "co2_g_per_km": fuel_kg * co2 * 1e3 / km, "mpg_us": mpg,
        "fuel_energy_j": fuel_kg * lhv, "engine_work_j": e_engine,
        "engine_efficiency": e_engine / np.maximum(fuel_kg * lhv, 1e-9),
        "gear_shifts": col["gear_shifts"].astype(int), "trace_missed_s": np.zeros(n),
        "trace_max_shortfall_m_s": np.zeros(n),
    } | energy | {"audit_residual": audit}
    return col["status"], columns
