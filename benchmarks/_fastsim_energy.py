"""Energy use of NREL FASTSim 3.x vehicles over given cycles; run in an interpreter that has
``fastsim`` (edrive and FASTSim live in separate virtual environments).

Called by ``bench_fastsim_agreement.py`` as a subprocess. Reads one JSON request on stdin,
writes one JSON answer on stdout::

    {"dump_dir": "/tmp/x",
     "vehicles": ["2022_Renault_Zoe_ZE50_R135.yaml"],
     "cycles": [{"label": "UDDS", "csv": "/tmp/udds.csv"}]}

Each vehicle is one of FASTSim's bundled resources; it is also written to ``dump_dir`` as
FASTSim serialises it (``to_yaml``), for the edrive import to read. Each cycle is a CSV in
FASTSim 3's layout (``time_seconds,speed_meters_per_second,grade``). For every vehicle x
cycle the answer holds the distance, the battery energy at the terminals and chemical, the
fuel energy, and the fuel energy of the steps with negative tractive power (braking) and of
those at standstill, all from FASTSim's own state and history. With FASTSim's default ``SimParams`` a run raises when
the car falls behind the trace; then it is redone with ``trace_miss_opts = AllowChecked`` and
the error is recorded.
"""

from __future__ import annotations

import json
import sys
from itertools import pairwise
from pathlib import Path

import fastsim as fsim  # type: ignore[import-untyped]


def _params_allow():
    d = json.loads(fsim.SimParams.default().to_json())
    d["trace_miss_opts"] = "AllowChecked"
    return fsim.SimParams.from_json(json.dumps(d))


def run_one(veh, cyc) -> dict:
    out: dict = {}
    try:
        sd = fsim.SimDrive(veh, cyc)
        sd.walk()
    except Exception as exc:  # noqa: BLE001 - FASTSim raises plain exceptions on trace misses
        out["error"] = str(exc).splitlines()[0][:200]
        sd = fsim.SimDrive(veh, cyc, _params_allow())
        sd.walk()
    d = sd.to_dict()
    v = d["veh"]
    st, hist = v["state"], v["history"]
    t = d["cyc"]["time_seconds"]
    dt = [0.0] + [b - a for a, b in pairwise(t)]
    kind, pt = next(iter(v["pt_type"].items()))
    out |= {"powertrain": kind, "distance_m": st["dist_meters"],
            "cycle_met": bool(st["cyc_met_overall"]),
            "tractive_j": st["energy_tractive_joules"],
            "friction_brake_j": st["energy_brake_joules"],
            "aux_j": st["energy_aux_joules"]}
    braking = [p < 0 for p in hist["pwr_tractive_watts"]]
    speed = hist["speed_ach_meters_per_second"]
    stopped = [i > 0 and speed[i] == 0 and speed[i - 1] == 0 for i in range(len(speed))]
    if "res" in pt:
        rs = pt["res"]["state"]
        out["battery_terminal_j"] = rs["energy_out_electrical_joules"]
        out["battery_chemical_j"] = rs["energy_out_chemical_joules"]
    if "fc" in pt:
        fc = pt["fc"]
        out["fuel_j"] = fc["state"]["energy_fuel_joules"]
        fuel = fc["history"]["pwr_fuel_watts"]
        out["fuel_braking_j"] = sum(p * h for p, h, b in zip(fuel, dt, braking, strict=True)
                                    if b)
        out["fuel_stopped_j"] = sum(p * h for p, h, b in zip(fuel, dt, stopped, strict=True)
                                    if b)
    return out


def main() -> None:
    req = json.load(sys.stdin)
    dump = Path(req["dump_dir"])
    cycles = [(c["label"], fsim.Cycle.from_file(c["csv"])) for c in req["cycles"]]
    answer: dict = {"fastsim_version": getattr(fsim, "__version__", "?"), "vehicles": {}}
    for name in req["vehicles"]:
        veh = fsim.Vehicle.from_resource(name)
        path = dump / name.replace(" ", "_")
        path.write_text(veh.to_yaml())
        answer["vehicles"][name] = {"file": str(path), "name": veh.to_dict()["name"], "cycles": {
            label: run_one(fsim.Vehicle.from_resource(name), cyc) for label, cyc in cycles}}
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
