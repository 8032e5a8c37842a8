"""The compiled loop of conventional cars (:mod:`edrive.sim.batch_icev_kernel`) from specs:
its inputs (:func:`tables`, from each vehicle's numeric model), the run of N variants with
their summaries for :func:`edrive.sim.batch.simulate_many` (:func:`run_icev_chunk`) and the
run of one car with its time series recorded (:func:`run_one`, what
:func:`edrive.sim.icev.simulate_icev` builds its result from).

Every conventional car takes this loop: each gearbox and shift strategy (the WLTP
gearshift's gears are computed first, from the trace the car drives), engines by the Willans
line or an efficiency curve, cars that cannot follow the trace (the loop follows it as
closely as the car can).
"""

from __future__ import annotations

import numpy as np

from ..constants import MILE_M
from ..cycles import DriveCycle
from ..errors import EdriveError
from .batch_icev_kernel import MAX_GEARS, OUT_NAMES, PARAM_DTYPE, REC_NAMES, SHIFTS, run_variants
from .batch_kernel import REFUSED, cycle_arrays
from .threads import run_rows

US_GALLON_L = 3.785411784  # 231 cubic inches (exact)

KINDS = {"automatic": 0, "dct": 1, "manual": 2}
#: the energy audit's terms (the loop's outputs of these names) besides the engine's work
ENERGY_NAMES = ("kinetic_j", "driveline_inertia_j", "road_load_j", "grade_j",
                "friction_brakes_j", "transmission_loss_j", "aux_j")
DRIVES = {"fwd": 0, "rwd": 1, "awd": 2}
#: the route of a conventional car's run, alone or in a batch (its compiled loop)
ROUTE = "compiled_icev"


# the fields of PARAM_DTYPE by where they come from: the vehicle, its engine, its gearbox
_VEHICLE = ("mass_kg", "mass_effective_kg", "radius_m", "f0_n", "f1_n_s_m", "f2_n_s2_m2",
            "wheelbase_m", "cg_height_m", "front_share", "mu", "speed_max_m_s", "aux_power_w",
            "shift_hold_s", "input_inertia_kg_m2", "shift")
_ENGINE = ("speed_idle_rad_s", "speed_max_rad_s", "speed_rated_rad_s", "indicated_efficiency",
           "pmep0_pa", "friction_factor", "displacement_m3", "fuel_cut_speed_rad_s",
           "stop_start", "lhv_j_kg", "efficiency_curve", "power_rated_w", "idle_fuel_power_w")
_GEARBOX = ("kind", "n_gears", "drag_torque_nm", "viscous_drag_nm_s", "lockup_gear",
            "lockup_speed_rad_s", "k_stall", "torque_ratio_stall", "coupling_speed_ratio",
            "launch_speed_rad_s", "creeps")
assert sorted(_VEHICLE + _ENGINE + _GEARBOX) == sorted(PARAM_DTYPE.names)


def _vehicle_row(spec, vm) -> tuple:
    return (vm.mass_kg, vm.mass_effective_kg, vm.radius_m, vm.f0_n, vm.f1, vm.f2,
            vm.wheelbase_m, vm.cg_height_m, vm.front_share, vm.mu, vm.speed_max_m_s,
            vm.aux_mech_power_w, spec.shift_hold_s, vm.input_inertia_kg_m2,
            SHIFTS[spec.shift_strategy])


def _padded(x, fill_step: float, n: int):
    """``x`` extended to ``n`` values: by ``fill_step`` steps from its last (the power
    fractions, kept increasing) or repeating it (``fill_step`` 0, the efficiencies): the
    curve's values are unchanged, as beyond its last knot an interpolation gives the last
    value either way."""
    x = np.asarray(x, dtype=float)
    return np.concatenate([x, x[-1] + fill_step * np.arange(1, n - len(x) + 1)])


def _engine_row(eng) -> tuple:
    """(values of _ENGINE, full-load knot speeds, knot powers, (density, CO2 per kg, LHV),
    the efficiency curve's power fractions and efficiencies)."""
    es, fuel = eng.spec, eng.fuel
    *_, p_rated, fraction, efficiency, idle_fuel, with_curve = eng.fuel_parameters
    return ((es.speed_idle_rad_s, es.speed_max_rad_s, es.speed_rated_rad_s,
             es.indicated_efficiency, es.pmep0_pa, eng.friction_factor_effective,
             es.displacement_m3, es.fuel_cut_speed_rad_s, es.stop_start, fuel.lhv_j_kg,
             with_curve, p_rated, idle_fuel),
            eng._knot_speed, eng._knot_power,
            (fuel.density_kg_m3, fuel.co2_kg_per_kg, fuel.lhv_j_kg), fraction, efficiency)


def _gearbox_row(tr) -> tuple:
    """(values of _GEARBOX, overall ratios, mesh efficiencies), padded to MAX_GEARS."""
    t0, cv = tr.drag
    ratios = np.zeros(MAX_GEARS)
    etas = np.ones(MAX_GEARS)
    ratios[:tr.n_gears] = tr.overall_ratios
    etas[:tr.n_gears] = tr.efficiencies
    return ((KINDS[tr.kind], tr.n_gears, t0, cv, tr.lockup_gear, tr.lockup_speed_rad_s,
             tr.converter_k_stall, tr.converter_torque_ratio_stall,
             tr.converter_coupling_speed_ratio, tr.launch_speed, tr.creeps),
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
    """The kernel's inputs for conventional cars: (parameters (n,) of PARAM_DTYPE,
    overall ratios (n, MAX_GEARS), mesh efficiencies, full-load knot speeds (n, 6), knot
    powers, fuel properties (n, 3): density [kg/m^3], CO2 [kg/kg], LHV [J/kg]; efficiency
    curves (n, K), each padded to the longest one's K knots: power fractions, efficiencies)."""
    vms = [s.model() for s in specs]
    p = np.zeros(len(specs), dtype=PARAM_DTYPE)
    rows = [_vehicle_row(s, vm) for s, vm in zip(specs, vms, strict=True)]
    for j, name in enumerate(_VEHICLE):
        p[name] = [r[j] for r in rows]
    eng, ie = _shared([vm.engine for vm in vms], _engine_row)
    for j, name in enumerate(_ENGINE):
        p[name] = np.array([r[0][j] for r in eng])[ie]
    ks, kp = np.array([r[1] for r in eng])[ie], np.array([r[2] for r in eng])[ie]
    fuel = np.array([r[3] for r in eng])[ie]
    knots = max(len(r[4]) for r in eng)  # the curves padded to the longest one's length
    curve_x = np.array([_padded(r[4], 1.0, knots) for r in eng])[ie]
    curve_y = np.array([_padded(r[5], 0.0, knots) for r in eng])[ie]
    box, ib = _shared([vm.transmission for vm in vms], _gearbox_row, _fields)
    for j, name in enumerate(_GEARBOX):
        p[name] = np.array([r[0][j] for r in box])[ib]
    ratios, etas = np.array([r[1] for r in box])[ib], np.array([r[2] for r in box])[ib]
    return p, ratios, etas, ks, kp, fuel, curve_x, curve_y


def wltp_gears(spec, cyc: DriveCycle, speed_m_s) -> np.ndarray:
    """Gear per interval by the WLTP gearshift procedure on the speed trace ``speed_m_s`` at
    the times of ``cyc`` (the gear of the sample that ends the interval; neutral is first
    gear, which decouples at standstill and while braking below the launch speed)."""
    from ..procedures.wltp_gearshift import wltp_gears_for

    if not np.allclose(np.diff(cyc.time_s), 1.0):
        raise EdriveError(f"shift_strategy 'wltp' needs a trace sampled every second; "
                          f"{cyc.name} is not")
    driven = DriveCycle(cyc.name, cyc.time_s, speed_m_s, cyc.grade)
    return np.maximum(wltp_gears_for(spec, driven)[1:], 0)


def achieved_speed(cyc: DriveCycle, speed_max_m_s: float, rec) -> np.ndarray:
    """The speed the car drove at each sample of ``cyc`` [m/s]: the first sample's target
    within the car's top speed ``speed_max_m_s``, then the end speed of each interval the
    loop recorded (``rec``, REC_NAMES)."""
    return np.concatenate([[min(cyc.speed_m_s[0], speed_max_m_s)],
                           rec[REC_NAMES.index("speed_m_s")]])


def _run(tables_, gears, cyc: DriveCycle, drive: str, record: bool):
    p, ratios, etas, ks, kp, _, curve_x, curve_y = tables_
    dt, _, _, theta = cycle_arrays(cyc)
    rec = np.zeros((len(REC_NAMES), len(dt) if record else 0))
    res = run_rows(run_variants, (p, ratios, etas, ks, kp, curve_x, curve_y, gears), (
        np.ascontiguousarray(cyc.speed_m_s), np.cos(theta), np.sin(theta), theta, dt,
        np.ascontiguousarray(cyc.time_s[1:]), DRIVES[drive], rec))
    return res, rec


def run_loop(specs, cyc: DriveCycle, *, record: bool = False):
    """The compiled loop for conventional cars sharing a drive layout over ``cyc``: (its
    output (n, len(OUT_NAMES)), with the status REFUSED where the WLTP gearshift cannot be
    computed; the fuel properties (n, 3); the recorded time series, (len(REC_NAMES),
    intervals), of the one car when ``record``), the rows shared among threads
    (:func:`edrive.sim.threads.run_rows`).

    The WLTP gearshift takes the trace the car drives: it is computed on the cycle's, and
    where the car falls behind that (which the gears do not change: the reach of an interval
    is the largest force over the gears), on the car's own, and the car runs again."""
    t = tables(specs)
    n_int = len(cyc.time_s) - 1
    wltp = [k for k, s in enumerate(specs) if s.shift_strategy == "wltp"]
    gears = np.zeros((len(specs), n_int if wltp else 0), dtype=np.int64)
    refused = np.zeros(len(specs), dtype=bool)
    for k in wltp:
        try:
            gears[k] = wltp_gears(specs[k], cyc, cyc.speed_m_s)
        except EdriveError:
            if record:  # one car (run_one): simulate gives the message
                raise
            refused[k] = True
    res, rec = _run(t, gears, cyc, specs[0].drive, record)
    behind = [k for k in wltp if not refused[k] and res[k, OUT_NAMES.index(
        "trace_max_shortfall_m_s")] > 0]
    for k in behind:
        one = tuple(a[k:k + 1] for a in t)
        driven = rec if record else _run(one, gears[k:k + 1], cyc, specs[k].drive, True)[1]
        gears[k] = wltp_gears(specs[k], cyc,
                              achieved_speed(cyc, t[0]["speed_max_m_s"][k], driven))
        res_k, rec_k = _run(one, gears[k:k + 1], cyc, specs[k].drive, record)
        res[k] = res_k[0]
        if record:
            rec = rec_k
    res[refused, 0] = REFUSED
    return res, t[5], rec


def run_one(spec, cyc: DriveCycle):
    """One car through the compiled loop with its time series recorded: (the loop's output
    row, OUT_NAMES; the fuel properties; the series, (len(REC_NAMES), intervals))."""
    res, fuel, rec = run_loop([spec], cyc, record=True)
    return res[0], fuel[0], rec


def fuel_columns(fuel_kg, distance_m, density_kg_m3, co2_kg_per_kg, lhv_j_kg) -> dict:
    """The fuel figures of a run, or of arrays of runs, from its fuel [kg] and distance [m]:
    volume, per 100 km and CO2 per km (NaN without distance), US miles per gallon (infinite
    without fuel) and fuel energy. The one implementation for conventional cars, mild
    hybrids and hybrids."""
    with np.errstate(all="ignore"):
        dist = np.asarray(distance_m, dtype=float)
        km = np.where(dist > 0, dist / 1e3, np.nan)
        fuel_l = fuel_kg / density_kg_m3 * 1e3
        litres = np.asarray(fuel_l, dtype=float)
        mpg = np.where(litres > 0, (dist / MILE_M) / (litres / US_GALLON_L), np.inf)
        scalar = lambda x: x if np.ndim(x) else float(x)
        return {"fuel_kg": fuel_kg, "fuel_l": fuel_l,
                "fuel_l_per_100km": scalar(fuel_l / km * 100),
                "co2_g_per_km": scalar(fuel_kg * co2_kg_per_kg * 1e3 / km),
                "mpg_us": scalar(mpg), "fuel_energy_j": fuel_kg * lhv_j_kg}


def summary_columns(res, fuel, duration_s: float) -> dict:
    """The summary figures of conventional cars (arrays, one value per row of the loop's
    output ``res``, with the fuel properties ``fuel`` of :func:`tables`)."""
    col = {name: res[:, k] for k, name in enumerate(OUT_NAMES)}
    dist = col["distance_m"]
    with np.errstate(all="ignore"):  # rows that are not EXACT hold zeros
        density, co2, lhv = fuel[:, 0], fuel[:, 1], fuel[:, 2]
        fuel_kg = col["fuel_kg"]
        e_engine = col["engine_work_j"]
        energy = {f"energy_{nm}": col[nm] for nm in ENERGY_NAMES}
        audit = (e_engine - sum(energy.values())) / np.maximum(col["engine_abs_j"], 1.0)
        return {
            "distance_m": dist, "duration_s": np.full(len(res), duration_s),
            **fuel_columns(fuel_kg, dist, density, co2, lhv), "engine_work_j": e_engine,
            "engine_efficiency": e_engine / np.maximum(fuel_kg * lhv, 1e-9),
            "gear_shifts": col["gear_shifts"].astype(int),
            "trace_missed_s": col["trace_missed_s"],
            "trace_max_shortfall_m_s": col["trace_max_shortfall_m_s"],
        } | energy | {"audit_residual": audit}


def run_icev_chunk(specs, cyc):
    """(status, columns) of conventional cars sharing a drive layout: the kernel's status
    per car (:data:`edrive.sim.batch_kernel.EXACT`, or REFUSED) and the summary columns,
    meaningful where the status is EXACT."""
    res, fuel, _ = run_loop(specs, cyc)
    return res[:, 0], summary_columns(res, fuel, cyc.duration_s)
