"""Compare drive units in a vehicle: the same car and cycle with each unit fitted.

Every drive unit of the vehicle is replaced by the drive unit under test (both axles of an
all-wheel-drive car get it), the cycle is simulated, and the consumption, the operating
points and the cycle efficiency of the drive units are reported. Cycle efficiency, per
direction of power flow:

    eta_drive = sum(P_out dt | P_dc > 0) / sum(P_dc dt | P_dc > 0)
    eta_regen = sum(-P_dc dt | P_dc < 0) / sum(-P_out dt | P_dc < 0)

with P_out the power at the wheel side of the gearbox.
"""

from __future__ import annotations

import os

import numpy as np

from ..edu import EduSpec, load_edu
from ..errors import EdriveError, format_value
from ..powertrains import powertrain_of
from ..vehicle import load_vehicle, vehicle_from_dict
from .bev import simulate


def with_edu(vehicle, edu) -> object:
    """A copy of ``vehicle`` with every drive unit replaced by ``edu``: a bundled name, an EDU
    file path, or an :class:`~edrive.edu.EduSpec` (e.g. from :func:`edrive.edu.scale_edu`),
    whose numeric model, once built, then serves every car it is fitted to."""
    spec = load_vehicle(vehicle)
    if not powertrain_of(spec).drive_units:
        raise EdriveError(f"vehicle {spec.name}: type {spec.type}; drive units are compared in "
                          "battery-electric cars (type bev)")
    if not isinstance(edu, str | os.PathLike | EduSpec):
        raise EdriveError(f"edu: {format_value(edu)}; allowed: a bundled drive-unit name, the "
                          "path of an EDU file, or a drive-unit spec")
    edu_spec = load_edu(edu)
    entry = edu_spec if isinstance(edu, EduSpec) else str(edu)
    data = spec.model_dump(mode="json", exclude_none=True)
    data["drive_units"] = [{"axle": d.axle, "name": edu_spec.name, "edu": entry}
                           for d in spec.drive_units]
    data["name"] = f"{spec.name} with {edu_spec.name}"
    return vehicle_from_dict(data, where=data["name"], base_dir=spec._base_dir)


def cycle_efficiency(result) -> dict:
    """Drive-unit efficiencies over a simulated cycle (see module docstring)."""
    ts = result.series
    dt = np.diff(ts["time_s"])
    out = {"drive": 0.0, "regen": 0.0}
    p_dc = sum(v[1:] for k, v in ts.items() if k.endswith("_dc_power_w"))
    p_out = ts["wheel_power_w"][1:] - (-ts["friction_brake_power_w"][1:])
    motoring = p_dc > 0
    e_in = float(np.sum(p_dc[motoring] * dt[motoring]))
    e_out = float(np.sum(p_out[motoring] * dt[motoring]))
    out["drive"] = e_out / e_in if e_in > 0 else float("nan")
    gen = p_dc < 0
    e_back = float(np.sum(-p_dc[gen] * dt[gen]))
    e_brake = float(np.sum(-p_out[gen] * dt[gen]))
    out["regen"] = e_back / e_brake if e_brake > 0 else float("nan")
    return out


def compare_edus(edu_a, edu_b, vehicle, cycle) -> dict:
    """Consumption and drive-unit efficiency of ``vehicle`` over ``cycle`` with each unit."""
    rows = []
    results = []
    for edu in (edu_a, edu_b):
        car = with_edu(vehicle, edu)
        res = simulate(car, cycle)
        eff = cycle_efficiency(res)
        results.append((car, res))
        rows.append({"edu": load_edu(edu).name, "wall_wh_per_km": res.summary["wall_wh_per_km"],
                     "battery_wh_per_km": res.summary["battery_wh_per_km"],
                     "drive_efficiency": eff["drive"], "regen_efficiency": eff["regen"],
                     "trace_missed_s": res.summary["trace_missed_s"]})
    a, b = rows
    return {
        "vehicle": load_vehicle(vehicle).name,
        "cycle": results[0][1].cycle,
        "a": a,
        "b": b,
        "wall_difference_pct": (b["wall_wh_per_km"] / a["wall_wh_per_km"] - 1) * 100,
        "_results": results,
    }
