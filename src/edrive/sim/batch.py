"""Many vehicle variants over one cycle in one pass: ``simulate_many``.

The battery-electric model of :mod:`edrive.sim.bev` is evaluated for a whole set of variants
in one compiled pass (:mod:`edrive.sim.batch_kernel`, parallel over the variants): the same
equations as the single-vehicle simulation, so the results agree with :func:`edrive.simulate`
to rounding error (the test suite checks 1e-9 relative). A battery-electric variant takes the
batched path when it has one drive unit with a lumped motor and generic losses, a
single-speed gear, and a preset open-circuit-voltage curve; a conventional car when its
engine is a Willans-line model and it uses the economy shift (:mod:`edrive.sim.batch_icev`);
either only when it follows the cycle exactly (no trace miss, no speed cap, within the
battery's limits). Every other variant (two drive units, loss maps, physics-based drive
units, hybrids, the WLTP gearshift, trace misses) is simulated one by one with
:func:`edrive.simulate`, so that every variant gets the same numbers either way.

Two ways to give the variants:

* a list of vehicles (specs, bundled names or paths);
* a base vehicle and ``variants``, a mapping from spec paths to arrays of values, e.g.
  ``{"drive_units.0.motor.power_peak_w": p, "drive_units.0.gear.ratio": g}``. For the paths
  in :data:`FAST_PATHS` the numbers are derived directly, without building a validated spec
  per variant (the spec's own checks are repeated on the arrays); other paths build one spec
  per variant.

Variants are processed in chunks of ``chunk_size``; memory grows with the chunk, not with
the number of variants (the kernel keeps no time series).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..components.battery import OCV_PRESETS, check_soc_window
from ..components.drive_unit import GenericLosses, generic_loss_coefficients
from ..constants import GRAVITY_M_S2, WH_J
from ..cycles import DriveCycle, load_cycle
from ..errors import EdriveError
from ..spec_paths import check_value_path, copy_for_paths, set_path
from ..vehicle import load_vehicle, vehicle_from_dict

CHUNK_SIZE = 2000

#: spec paths whose variation :func:`simulate_many` derives without building specs
FAST_PATHS = (
    "mass.test_mass_kg", "mass.kerb_mass_kg", "mass.payload_kg", "aux_power_w",
    "drive_units.0.motor.power_peak_w", "drive_units.0.motor.torque_peak_nm",
    "drive_units.0.motor.speed_max_rad_s", "drive_units.0.gear.ratio",
    "drive_units.0.gear.mesh_efficiency", "battery.cells_series", "battery.cells_parallel",
    "battery.cell_capacity_as", "battery.cell_resistance_ohm",
    "battery.power_discharge_max_w", "battery.power_charge_max_w",
)


PARAM_NAMES = (
    "mass", "mass_eff", "radius", "f0", "f1", "f2", "wheelbase", "cg", "front", "mu",
    "speed_max", "p_peak", "t_peak", "w_max", "p_gen", "k_c", "k_s", "k_i", "k_w", "c", "g",
    "eta", "d0", "cv", "n_s", "r", "q", "soc0", "soc_min", "soc_max", "p_dis", "p_chg", "aux",
    "regen_lo", "regen_hi", "regen_share", "regen_dec", "charger_eff", "charger_p")
DRIVE_CODES = {"fwd": 0, "rwd": 1, "awd": 2}


@dataclass
class _Params:
    """Per-variant numbers (rows of ``table``, columns PARAM_NAMES) of eligible
    battery-electric cars sharing a drive layout and an open-circuit-voltage curve."""

    table: np.ndarray
    drive: str
    ocv_soc: np.ndarray
    ocv_cell: np.ndarray

    def col(self, name: str) -> np.ndarray:
        return self.table[:, PARAM_NAMES.index(name)]

    def set(self, name: str, values) -> None:
        self.table[:, PARAM_NAMES.index(name)] = values


def _eligible(spec) -> bool:
    if spec.type != "bev" or len(spec.drive_units) != 1:
        return False
    du = spec.drive_units[0]
    return (du.edu is None and isinstance(du.motor.losses, GenericLosses)
            and du.gear.low_ratio is None and spec.battery.ocv is None)


def _params_from_specs(specs, soc_initial) -> _Params:
    rows = []
    for s in specs:
        vm = s.model()
        du, m, gear = vm.drive_units[0], s.drive_units[0].motor, s.drive_units[0].gear
        b = vm.battery
        kc, ks, ki, kw, c = generic_loss_coefficients(m.power_peak_w, m.torque_peak_nm, m.losses)
        soc0 = b.soc_initial if soc_initial is None else float(soc_initial)
        rows.append((vm.mass_kg, vm.mass_effective_kg, vm.radius_m, vm.f0_n, vm.f1, vm.f2,
                     vm.wheelbase_m, vm.cg_height_m, vm.front_share, vm.mu, vm.speed_max_m_s,
                     m.power_peak_w, m.torque_peak_nm, du.speed_max_rad_s,
                     m.regen_power_peak_w or m.power_peak_w, kc, ks, ki, kw, c, gear.ratio,
                     gear.mesh_efficiency, gear.drag_torque_nm, gear.viscous_drag_nm_s,
                     s.battery.cells_series, b.resistance_ohm, b.capacity_as, soc0, b.soc_min,
                     b.soc_max, b.power_discharge_max_w, b.power_charge_max_w, vm.aux_power_w,
                     s.brakes.regen_speed_min_m_s, s.brakes.regen_speed_full_m_s,
                     s.brakes.regen_share_max, s.brakes.regen_deceleration_max_m_s2,
                     s.charger.efficiency, s.charger.power_w))
    soc, cell = OCV_PRESETS[specs[0].battery.chemistry]
    return _Params(np.array(rows, dtype=float), specs[0].drive, np.asarray(soc, dtype=float),
                   np.asarray(cell, dtype=float))


def _run_chunk(P: _Params, cyc: DriveCycle):
    """Summaries of a chunk of eligible variants (compiled kernel); None where a variant
    must go the single-vehicle route (trace miss, speed cap, battery limit)."""
    from .batch_kernel import OUT_NAMES, cycle_arrays, run_variants

    dt, v, acc, theta = cycle_arrays(cyc)
    res = run_variants(np.ascontiguousarray(P.table), v, acc, np.cos(theta), np.sin(theta),
                       theta, dt, float(cyc.speed_m_s.max()), P.ocv_soc, P.ocv_cell,
                       DRIVE_CODES[P.drive])
    col = {name: res[:, k] for k, name in enumerate(OUT_NAMES)}
    n_s, r = P.col("n_s"), P.col("r")
    v50 = np.interp(0.5, P.ocv_soc, P.ocv_cell) * n_s
    ch_eff, ch_p = P.col("charger_eff"), P.col("charger_p")
    charge_eff = 1.0 - (ch_eff * ch_p / v50) * r / v50
    e_chem = col["battery_chemical_energy_j"]
    e_wall = np.where(e_chem > 0, e_chem / (charge_eff * ch_eff), e_chem)
    aux_j = P.col("aux") * float(np.sum(dt))
    names = ("kinetic_j", "road_load_j", "grade_j", "friction_brakes_j", "gear_loss_j",
             "motor_inverter_loss_j")
    dist = float(np.sum(v * dt))
    km = dist / 1e3 if dist > 0 else np.nan
    soc0 = P.col("soc0")
    out = []
    for k in range(len(res)):
        if not col["exact"][k]:
            out.append(None)
            continue
        energy = {nm: float(col[nm][k]) for nm in names}
        energy |= {"aux_j": float(aux_j[k]), "battery_loss_j": float(col["battery_loss_j"][k])}
        audit = (float(e_chem[k]) - sum(energy.values())) / max(float(col["chemical_abs_j"][k]),
                                                               1.0)
        e_bat = float(col["battery_energy_j"][k])
        check_soc_window(col["soc_low"][k], col["soc_high"][k], P.col("soc_min")[k],
                         P.col("soc_max")[k], f"variant {k} on {cyc.name}")
        empty = int(col["empty_sample"][k])
        out.append({
            "distance_m": dist, "duration_s": cyc.duration_s, "battery_energy_j": e_bat,
            "battery_chemical_energy_j": float(e_chem[k]), "wall_energy_j": float(e_wall[k]),
            "battery_wh_per_km": e_bat / WH_J / km, "wall_wh_per_km": float(e_wall[k]) / WH_J / km,
            "regen_energy_j": float(col["regen_energy_j"][k]), "soc_start": float(soc0[k]),
            "soc_end": float(col["soc_end"][k]),
            "battery_empty_at_s": float(cyc.time_s[empty]) if empty >= 0 else None,
            "trace_missed_s": 0.0,
            "trace_max_shortfall_m_s": 0.0, "energy_j": energy, "audit_residual": audit,
        })
    return out


# --- entry point ------------------------------------------------------------------------------

def simulate_many(vehicles, cycle, *, variants: Mapping[str, Sequence] | None = None,
                  soc_initial: float | None = None, chunk_size: int = CHUNK_SIZE) -> list[dict]:
    """Simulate many vehicles (or variants of one) over ``cycle``; one summary per vehicle,
    equal to ``edrive.simulate(vehicle, cycle).summary`` (see module docstring). A variant
    whose spec is invalid gives ``{"error": message}`` instead of a summary."""
    cyc = load_cycle(cycle)
    if variants is not None:
        specs_or_params = _variants(vehicles, variants, soc_initial)
    else:
        items = [vehicles] if isinstance(vehicles, str) else list(vehicles)
        specs_or_params = [load_vehicle(v) for v in items]
    if isinstance(specs_or_params, tuple):  # fast path: (params, errors)
        params, errors = specs_or_params
        return _run_params(params, errors, cyc, chunk_size, vehicles, variants, soc_initial)
    return _run_specs(specs_or_params, cyc, soc_initial, chunk_size)


def _single(spec, cyc, soc_initial):
    from .run import simulate

    try:
        return simulate(spec, cyc, soc_initial=soc_initial).summary
    except EdriveError as exc:
        return {"error": str(exc)}


def _run_specs(specs, cyc, soc_initial, chunk_size):
    from .batch_icev import eligible_icev, run_icev_chunk

    out: list[dict | None] = [None] * len(specs)
    groups: dict[tuple, list[int]] = {}
    for k, s in enumerate(specs):
        if isinstance(s, dict):
            out[k] = s
        elif _eligible(s):
            groups.setdefault(("bev", s.drive, s.battery.chemistry), []).append(k)
        elif soc_initial is None and eligible_icev(s):
            groups.setdefault(("icev", s.drive), []).append(k)
        else:
            out[k] = _single(s, cyc, soc_initial)
    for key, idx in groups.items():
        for a in range(0, len(idx), chunk_size):
            part = idx[a:a + chunk_size]
            chunk = [specs[i] for i in part]
            res = (_run_chunk(_params_from_specs(chunk, soc_initial), cyc) if key[0] == "bev"
                   else run_icev_chunk(chunk, cyc))
            for i, r in zip(part, res, strict=True):
                out[i] = r if r is not None else _single(specs[i], cyc, soc_initial)
    return out


def _variants(base, variants, soc_initial):
    """Specs per variant, or (for fast paths only) the parameter arrays directly."""
    spec = load_vehicle(base)
    cols = {k: np.asarray(v, dtype=float) for k, v in variants.items()}
    n = {len(v) for v in cols.values()}
    if len(n) != 1:
        raise EdriveError(f"variants: every path needs the same number of values; got "
                          f"{sorted(n)}")
    n = n.pop()
    data = spec.model_dump(mode="json", exclude_none=True)
    full = spec.model_dump(mode="json")
    for path in cols:
        check_value_path(data, full, path, "variants", f"variants: {path}")
    if _eligible(spec) and all(k in FAST_PATHS for k in cols):
        return _fast_params(spec, cols, n, soc_initial)
    out = []
    for k in range(n):
        d = _with(data, {p: float(v[k]) for p, v in cols.items()})
        try:
            out.append(vehicle_from_dict(d, where=f"variant {k}"))
        except EdriveError as exc:
            out.append({"error": str(exc)})
    return out


def _with(data, changes):
    """A copy of a spec dict with the values at the given paths replaced."""
    d = copy_for_paths(data, list(changes))
    for path, value in changes.items():
        set_path(d, path, value)
    return d


def _fast_params(spec, cols, n, soc_initial):
    """Parameter arrays for variants of an eligible base on FAST_PATHS, with the spec's
    checks repeated on the arrays (errors per variant)."""
    P = _params_from_specs([spec], soc_initial)
    P.table = np.repeat(P.table, n, axis=0)
    m = spec.drive_units[0].motor
    gear = spec.drive_units[0].gear
    b = spec.battery
    get = lambda path, default: cols.get(path, np.full(n, float(default)))
    mass_spec = spec.mass
    if mass_spec.test_mass_kg is not None and ("mass.kerb_mass_kg" in cols
                                               or "mass.payload_kg" in cols):
        raise EdriveError("variants: the base vehicle gives test_mass_kg; vary "
                          "mass.test_mass_kg")
    if mass_spec.test_mass_kg is not None:
        mass = get("mass.test_mass_kg", mass_spec.test_mass_kg)
    else:
        if "mass.test_mass_kg" in cols:
            mass = get("mass.test_mass_kg", 0.0)
        else:
            mass = get("mass.kerb_mass_kg", mass_spec.kerb_mass_kg) + get(
                "mass.payload_kg", mass_spec.payload_kg)
    p_peak = get("drive_units.0.motor.power_peak_w", m.power_peak_w)
    t_peak = get("drive_units.0.motor.torque_peak_nm", m.torque_peak_nm)
    w_max = get("drive_units.0.motor.speed_max_rad_s", m.speed_max_rad_s)
    ratio = get("drive_units.0.gear.ratio", gear.ratio)
    eta = get("drive_units.0.gear.mesh_efficiency", gear.mesh_efficiency)
    n_s = get("battery.cells_series", b.cells_series)
    n_p = get("battery.cells_parallel", b.cells_parallel)
    q_cell = get("battery.cell_capacity_as", b.cell_capacity_as)
    r_cell = get("battery.cell_resistance_ohm", b.cell_resistance_ohm)
    errors = {}
    checks = [
        (mass > 0, "mass must be > 0 kg"), (p_peak > 0, "power_peak_w must be > 0"),
        (t_peak > 0, "torque_peak_nm must be > 0"), (w_max > 0, "speed_max_rad_s must be > 0"),
        (p_peak / t_peak < w_max, "base speed P_peak/T_peak is not below speed_max_rad_s"),
        ((ratio > 0.5) & (ratio <= 30), "gear ratio must lie in (0.5, 30]"),
        ((eta > 0.5) & (eta <= 1), "mesh_efficiency must lie in (0.5, 1]"),
        ((n_s >= 1) & (n_s == np.round(n_s)), "cells_series must be a whole number >= 1"),
        ((n_p >= 1) & (n_p == np.round(n_p)), "cells_parallel must be a whole number >= 1"),
        ((q_cell > 0) & (r_cell > 0), "cell capacity and resistance must be > 0"),
    ]
    for ok, msg in checks:
        for k in np.flatnonzero(~ok):
            errors.setdefault(int(k), f"variant {k}: {msg}")
    radius = P.col("radius")
    if spec.road_load.physical is not None:  # rolling resistance scales with the mass
        P.set("f0", mass * GRAVITY_M_S2 * spec.road_load.physical.rolling_resistance)
    wheels = spec.wheels.count * spec.wheels.inertia_kg_m2 / radius**2
    speed_max = w_max * radius / ratio
    if spec.speed_limit_m_s is not None:
        speed_max = np.minimum(speed_max, spec.speed_limit_m_s)
    kc, ks, ki, kw, c = generic_loss_coefficients(p_peak, t_peak, m.losses)
    p_gen = p_peak if m.regen_power_peak_w is None else np.full(n, m.regen_power_peak_w)
    for name, value in (
            ("mass", mass), ("mass_eff", mass + wheels + m.rotor_inertia_kg_m2 * ratio**2
                             / radius**2),
            ("speed_max", speed_max), ("p_peak", p_peak), ("t_peak", t_peak), ("w_max", w_max),
            ("p_gen", p_gen), ("k_c", kc), ("k_s", ks), ("k_i", ki), ("k_w", kw), ("c", c),
            ("g", ratio), ("eta", eta), ("n_s", n_s), ("r", r_cell * n_s / n_p),
            ("q", q_cell * n_p),
            ("p_dis", get("battery.power_discharge_max_w", b.power_discharge_max_w)),
            ("p_chg", get("battery.power_charge_max_w", b.power_charge_max_w)),
            ("aux", get("aux_power_w", spec.aux_power_w))):
        P.set(name, value)
    return P, errors


def _run_params(P, errors, cyc, chunk_size, base, variants, soc_initial):
    n = len(P.table)
    out: list[dict | None] = [None] * n
    good = np.array([k not in errors for k in range(n)])
    for k, msg in errors.items():
        out[k] = {"error": msg}
    idx = np.flatnonzero(good)
    for a in range(0, len(idx), chunk_size):
        part = idx[a:a + chunk_size]
        res = _run_chunk(_Params(P.table[part], P.drive, P.ocv_soc, P.ocv_cell), cyc)
        for i, r in zip(part, res, strict=True):
            out[i] = r
    missing = [k for k in range(n) if out[k] is None]
    if missing:  # trace misses or speed caps: the single route with a built spec
        data = load_vehicle(base).model_dump(mode="json", exclude_none=True)
        for k in missing:
            d = _with(data, {p: float(np.asarray(v)[k]) for p, v in variants.items()})
            try:
                out[k] = _single(vehicle_from_dict(d, where=f"variant {k}"), cyc, soc_initial)
            except EdriveError as exc:
                out[k] = {"error": str(exc)}
    return out
