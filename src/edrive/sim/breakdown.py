"""Where a simulated cycle's energy went, in more detail than the energy audit, and how the
consumption splits over the cycle's phases.

:func:`energy_breakdown` starts from the audit every simulation closes
(``summary["energy_j"]``: energy in = kinetic + road load + grade + friction brakes +
driveline and machine losses + auxiliaries + battery loss) and splits two of its entries
where the model knows the parts:

* road load, F_road = f0 cos(theta) + f1 v + f2 v^2 (:meth:`edrive.vehicle.VehicleModel.
  road_load_parts`), into the aerodynamic term f2 v^2 (``aero_drag_j``) and the rest,
  f0 cos(theta) + f1 v, mostly tyre rolling resistance (``rolling_resistance_j``); this is
  the usual reading of coast-down coefficients (SAE J2263; f1 holds a little of both);
* the motor + inverter loss of an electric car, per drive unit, into copper, iron,
  mechanical (windage and friction) and inverter losses. A physics-based drive unit gives
  them at each operating point (:meth:`edrive.edu.machines.pmsm.MotorModel.operating_points`);
  the generic loss model gives its terms k_c T^2 (copper), k_i omega (iron), k_w omega^3
  (windage), k_s |T| + C (inverter and controls), eq. (3) of
  :mod:`edrive.components.drive_unit`. The cycle simulation interpolates the loss from a
  map, so at each interval the parts are scaled to the loss it used: the shares come from
  the component model, the total is the audit's. A unit whose losses come from a map file
  keeps one entry (``motor_inverter_loss_j``).

Energy put in is added with its own losses: the wall energy and the charging loss
(``charging_loss_j``, wall - chemical energy) of a battery-electric car; the fuel's energy
(lower heating value) and the engine's loss (fuel energy - engine work) of a combustion
engine. The entries then add up to the energy put in (``energy_in_j``), to the audit's
tolerance.
"""

from __future__ import annotations

import numpy as np

from ..errors import EdriveError

# display order of the parts, from the energy source to the road
PART_ORDER = ("charging_loss_j", "engine_loss_j", "battery_loss_j", "aux_j", "copper_loss_j",
              "iron_loss_j", "mechanical_loss_j", "inverter_loss_j", "motor_inverter_loss_j",
              "machine_loss_j", "gear_loss_j", "transmission_loss_j", "driveline_loss_j",
              "driveline_inertia_j", "friction_brakes_j", "aero_drag_j",
              "rolling_resistance_j", "road_load_j", "grade_j", "kinetic_j")


def _intervals(series: dict):
    """(dt [s], mean speed [m/s], mean grade) of each interval of a result's time series."""
    t = np.asarray(series["time_s"], dtype=float)
    v = np.asarray(series["speed_m_s"], dtype=float)
    g = np.asarray(series["grade"], dtype=float)
    return np.diff(t), 0.5 * (v[1:] + v[:-1]), 0.5 * (g[1:] + g[:-1])


def road_load_split_j(vehicle_model, result) -> dict:
    """Road-load energy [J] split into ``aero_drag_j`` (f2 v^2) and
    ``rolling_resistance_j`` (f0 cos(theta) + f1 v), from the result's speeds."""
    dt, v, grade = _intervals(result.series)
    road, _ = vehicle_model.road_load_parts(v, grade)
    aero = vehicle_model.f2 * v * v
    return {"aero_drag_j": float(np.sum(aero * v * dt)),
            "rolling_resistance_j": float(np.sum((road - aero) * v * dt))}


def _generic_parts_w(unit, tm, w) -> dict:
    from ..components.drive_unit import generic_loss_coefficients

    m = unit.spec.motor
    k_c, k_s, k_i, k_w, c = generic_loss_coefficients(m.power_peak_w, m.torque_peak_nm,
                                                      m.losses)
    w = np.abs(w)
    return {"copper_loss_j": k_c * tm * tm, "iron_loss_j": k_i * w,
            "mechanical_loss_j": k_w * w**3, "inverter_loss_j": k_s * np.abs(tm) + c}


def _edu_parts_w(unit, tm, w, base_dir) -> dict:
    from ..edu import load_edu

    edu = load_edu(unit.spec.edu, base_dir=base_dir).model()
    op = edu.motor.operating_points(tm, np.abs(w))
    mech = np.maximum(op["motor_loss_w"] - op["copper_loss_w"] - op["iron_loss_w"], 0.0)
    parts = {"copper_loss_j": op["copper_loss_w"], "iron_loss_j": op["iron_loss_w"],
             "mechanical_loss_j": mech, "inverter_loss_j": op["inverter_loss_w"]}
    ok = np.asarray(op["feasible"], dtype=bool)
    return {k: np.where(ok, np.nan_to_num(np.asarray(p, dtype=float)), 0.0)
            for k, p in parts.items()}


def motor_loss_split_j(vehicle_model, result, base_dir=None) -> dict | None:
    """Motor + inverter loss energy [J] by part (module docstring), or None where a drive
    unit's losses come from a map file (no parts known)."""
    from ..components.drive_unit import GenericLosses

    ts = result.series
    dt = np.diff(np.asarray(ts["time_s"], dtype=float))
    total = {k: 0.0 for k in ("copper_loss_j", "iron_loss_j", "mechanical_loss_j",
                              "inverter_loss_j")}
    for unit in vehicle_model.drive_units:
        tag = unit.spec.axle
        tm = np.asarray(ts[f"motor_{tag}_torque_nm"], dtype=float)[1:]
        w = np.asarray(ts[f"motor_{tag}_speed_rad_s"], dtype=float)[1:]
        loss_w = np.asarray(ts[f"motor_{tag}_dc_power_w"], dtype=float)[1:] - tm * w
        if unit.spec.edu is not None:
            parts = _edu_parts_w(unit, tm, w, base_dir)
        elif isinstance(unit.spec.motor.losses, GenericLosses):
            parts = _generic_parts_w(unit, tm, w)
        else:
            return None
        model_sum = sum(parts.values())
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(model_sum > 0, loss_w / model_sum, 0.0)
        # where the component model has no loss but the map has one (a map node's
        # interpolation at standstill), the loss stays with the inverter and controls
        rest = np.where(model_sum > 0, 0.0, loss_w)
        for k, p in parts.items():
            extra = rest if k == "inverter_loss_j" else 0.0
            total[k] += float(np.sum((p * scale + extra) * dt))
    return total


def energy_breakdown(vehicle, result) -> dict:
    """Energy by part over a simulated cycle [J], in :data:`PART_ORDER`, with
    ``energy_in_j`` the energy put in (module docstring). ``vehicle`` is the spec (or name
    or path) the result was simulated with."""
    from ..powertrains import powertrain_of
    from ..vehicle import load_vehicle

    spec = load_vehicle(vehicle)
    vm = spec.model()
    s = result.summary
    parts = dict(s["energy_j"])
    if "road_load_j" in parts:
        split = road_load_split_j(vm, result)
        del parts["road_load_j"]
        parts |= split
    if powertrain_of(spec).drive_units:
        motor = motor_loss_split_j(vm, result, spec._base_dir)
        if motor is not None:
            del parts["motor_inverter_loss_j"]
            parts |= motor
        e_chem, e_wall = s["battery_chemical_energy_j"], s["wall_energy_j"]
        if e_chem > 0:
            parts["charging_loss_j"] = e_wall - e_chem
            energy_in = e_wall
        else:
            energy_in = e_chem
    elif "engine_work_j" in s:
        fuel_j = s["engine_work_j"] / s["engine_efficiency"] if s["engine_efficiency"] > 0 \
            else 0.0
        parts["engine_loss_j"] = fuel_j - s["engine_work_j"]
        energy_in = fuel_j + s.get("battery_terminal_j", 0.0)
    else:  # pragma: no cover - every powertrain has one of the two
        raise EdriveError(f"result of {result.vehicle}: no energy source in its summary")
    ordered = {k: float(parts[k]) for k in PART_ORDER if k in parts}
    ordered |= {k: float(v) for k, v in parts.items() if k not in ordered}
    return ordered | {"energy_in_j": float(energy_in)}


def phase_figures(result, cycle=None) -> list[dict]:
    """Distance and consumption in each phase of the cycle (WLTC: low, medium, high,
    extra high), with the summary's names: ``distance_km``, ``duration_s`` and
    ``battery_wh_per_km`` (energy at the battery terminals) for electric cars, or
    ``fuel_l_per_100km`` (conventional cars) / ``fuel_l_per_100km_raw`` (hybrids: the
    fuel burnt in the phase, before any charge-balance correction). Interval k (from sample
    k-1 to k) belongs to the phase whose sample range holds k. A cycle without phases gives
    one entry for the whole cycle. ``cycle`` (a cycle or name) defaults to the result's."""
    from ..cycles import load_cycle

    cyc = load_cycle(cycle if cycle is not None else result.cycle)
    ts = result.series
    dt, v, _ = _intervals(ts)
    if len(dt) + 1 != len(cyc.time_s):
        raise EdriveError(f"cycle {cyc.name}: {len(cyc.time_s)} samples; the result has "
                          f"{len(dt) + 1}; allowed: the cycle the result was driven on")
    phases = cyc.phases or (("whole cycle", 0, len(dt)),)
    k = np.arange(1, len(dt) + 1)
    fuel_key = "fuel_l_per_100km_raw" if "soc" in ts and "fuel_rate_g_s" in ts \
        else "fuel_l_per_100km"
    out = []
    for name, i0, i1 in phases:
        inside = (k >= max(i0, 1)) & (k <= i1)
        dist_m = float(np.sum(v[inside] * dt[inside]))
        row = {"phase": name, "duration_s": float(np.sum(dt[inside])),
               "distance_km": dist_m / 1e3}
        km = dist_m / 1e3 if dist_m > 0 else np.nan
        if "battery_power_w" in ts and "fuel_rate_g_s" not in ts:
            e = float(np.sum(np.asarray(ts["battery_power_w"])[1:][inside] * dt[inside]))
            row["battery_wh_per_km"] = e / 3600.0 / km
        if "fuel_rate_g_s" in ts:
            kg = float(np.sum(np.asarray(ts["fuel_rate_g_s"])[1:][inside] * dt[inside])) / 1e3
            row["fuel_kg"] = kg
        out.append(row)
    if "fuel_rate_g_s" in ts:
        s = result.summary
        # litres per kilogram of the car's fuel, from its own summary (fuel_l / fuel_kg)
        l_per_kg = s["fuel_l"] / s["fuel_kg"] if s.get("fuel_kg", 0) > 0 else 0.0
        for row in out:
            km = row["distance_km"] if row["distance_km"] > 0 else np.nan
            row[fuel_key] = row.pop("fuel_kg") * l_per_kg / km * 100
    return out
