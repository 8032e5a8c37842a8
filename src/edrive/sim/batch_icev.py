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


# the columns of PARAM_NAMES by where they come from: the vehicle, its engine, its gearbox
_VEHICLE = ("mass", "mass_eff", "radius", "f0", "f1", "f2", "wheelbase", "cg", "front", "mu",
            "speed_max", "p_aux", "hold_s", "inertia")
_ENGINE = ("w_idle", "w_max", "w_rated", "ind_eff", "pmep0", "kf", "disp", "fuel_cut",
           "stop_start", "lhv")
_GEARBOX = ("kind", "n_gears", "t0", "cv", "lockup_gear", "lockup_speed", "k0", "tr0", "src",
            "launch", "creeps")
_COLUMNS = {name: PARAM_NAMES.index(name) for name in PARAM_NAMES}
assert sorted(_VEHICLE + _ENGINE + _GEARBOX) == sorted(PARAM_NAMES)


def _vehicle_row(spec, vm) -> tuple:
    return (vm.mass_kg, vm.mass_effective_kg, vm.radius_m, vm.f0_n, vm.f1, vm.f2,
            vm.wheelbase_m, vm.cg_height_m, vm.front_share, vm.mu, vm.speed_max_m_s,
            vm.aux_mech_power_w, spec.shift_hold_s, vm.input_inertia_kg_m2)


def _engine_row(eng) -> tuple:
    """(values of _ENGINE, full-load knot speeds, knot powers, (density, CO2 per kg, LHV))."""
    es, fuel = eng.spec, eng.fuel
    return ((es.speed_idle_rad_s, es.speed_max_rad_s, es.speed_rated_rad_s,
             es.indicated_efficiency, es.pmep0_pa, eng.friction_factor_effective,
             es.displacement_m3, es.fuel_cut_speed_rad_s, float(es.stop_start), fuel.lhv_j_kg),
            eng._knot_speed, eng._knot_power,
            (fuel.density_kg_m3, fuel.co2_kg_per_kg, fuel.lhv_j_kg))


def _gearbox_row(tr) -> tuple:
    """(values of _GEARBOX, overall ratios, mesh efficiencies), padded to MAX_GEARS."""
    t0, cv = tr.drag
    ratios = np.zeros(MAX_GEARS)
    etas = np.ones(MAX_GEARS)
    ratios[:tr.n_gears] = tr.overall_ratios
    etas[:tr.n_gears] = tr.efficiencies
    return ((KINDS[tr.kind], tr.n_gears, t0, cv, tr.lockup_gear, tr.lockup_speed_rad_s,
             tr.converter_k_stall, tr.converter_torque_ratio_stall,
             tr.converter_coupling_speed_ratio, tr.launch_speed, float(tr.creeps)),
            ratios, etas)


def _shared(objects, make, key=id):
    """(rows, index per variant): ``make`` applied once per distinct ``key(object)``
    (variants often share their engine model, and their gearbox's fields)."""
    seen: dict = {}
    rows, index = [], np.empty(len(objects), dtype=np.intp)
    for k, obj in enumerate(objects):
        i = seen.get(key(obj))
        if i is None:
            i = seen[key(obj)] = len(rows)
            rows.append(make(obj))
        index[k] = i
    return rows, index


def _fields(spec):
    """A key equal for specs of one class with equal field values (each variant has a spec
    object of its own); lists become tuples, anything else unhashable its repr."""
    key = tuple(tuple(v) if isinstance(v, list) else v for v in spec.__dict__.values())
    try:
        hash(key)
    except TypeError:
        return repr(spec.__dict__)
    return key


def tables(specs):
    """The kernel's inputs for conventional cars: (parameter table (n, len(PARAM_NAMES)),
    overall ratios (n, MAX_GEARS), mesh efficiencies, full-load knot speeds (n, 6), knot
    powers, fuel properties (n, 3): density [kg/m^3], CO2 [kg/kg], LHV [J/kg])."""
    vms = [s.model() for s in specs]
    p = np.empty((len(specs), len(PARAM_NAMES)))
    p[:, [_COLUMNS[c] for c in _VEHICLE]] = [_vehicle_row(s, vm)
                                            for s, vm in zip(specs, vms, strict=True)]
    eng, ie = _shared([vm.engine for vm in vms], _engine_row)
    p[:, [_COLUMNS[c] for c in _ENGINE]] = np.array([r[0] for r in eng])[ie]
    ks, kp = np.array([r[1] for r in eng])[ie], np.array([r[2] for r in eng])[ie]
    fuel = np.array([r[3] for r in eng])[ie]
    box, ib = _shared([vm.transmission for vm in vms], _gearbox_row, _fields)
    p[:, [_COLUMNS[c] for c in _GEARBOX]] = np.array([r[0] for r in box], dtype=float)[ib]
    ratios, etas = np.array([r[1] for r in box])[ib], np.array([r[2] for r in box])[ib]
    return p, ratios, etas, ks, kp, fuel


def run_icev_chunk(specs, cyc):
    """(status, columns) of conventional cars sharing a drive layout: the kernel's status
    per car (:data:`edrive.sim.batch_kernel.EXACT`, or why it must go the single-vehicle
    route) and the summary columns, meaningful where the status is EXACT."""
    p, ratios, etas, ks, kp, fuel = tables(specs)
    dt, v, acc, theta = cycle_arrays(cyc)
    v_t = cyc.speed_m_s
    res = run_variants(p, ratios, etas, ks, kp, v, acc, np.cos(theta), np.sin(theta), theta,
                       dt, np.ascontiguousarray(cyc.time_s[1:]), np.ascontiguousarray(v_t),
                       float(v_t.max()), DRIVES[specs[0].drive])
    col = {name: res[:, k] for k, name in enumerate(OUT_NAMES)}
    n = len(specs)
    dist = float(np.sum(v * dt))
    km = dist / 1e3 if dist > 0 else np.nan
    density, co2, lhv = fuel[:, 0], fuel[:, 1], fuel[:, 2]
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
