"""Time NREL FASTSim 3.x on a few drive cycles; run in an interpreter that has ``fastsim``.

Called by ``bench_single.py`` as a subprocess (edrive and FASTSim live in separate
virtual environments). Reads one JSON request on stdin, writes one JSON answer on stdout::

    {"vehicle_resource": "2022 Tesla Model 3 RWD thrml.yaml",
     "repeats": 20, "warmup": 3,
     "cycles": [{"label": "UDDS", "resource": "udds.csv"},
                {"label": "WLTC", "csv": "/tmp/wltc.csv"}]}

A cycle is either one of FASTSim's bundled resources or a CSV file in FASTSim 3's own
column layout (``time_seconds,speed_meters_per_second,grade``), read with
``Cycle.from_file``. For each cycle the wall time of ``SimDrive(veh, cyc)`` + ``run()`` is
measured ``repeats`` times after ``warmup`` untimed runs, twice: with per-step history as
the bundled vehicle files ship (``save_interval = 1``) and without (``None``). Vehicle and
cycle are loaded once, outside the timed region.

With FASTSim's default ``SimParams`` a run raises when the car falls behind the trace; in
that case the error is recorded and the run is redone with ``trace_miss_opts =
AllowChecked``.

Can also be run by hand:  echo '{}' | /path/to/fastsim-python benchmarks/_fastsim_timing.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time

DEFAULT_REQUEST = {
    "vehicle_resource": "2022 Tesla Model 3 RWD thrml.yaml",
    "repeats": 20,
    "warmup": 3,
    "cycles": [{"label": "UDDS", "resource": "udds.csv"},
               {"label": "HWFET", "resource": "hwfet.csv"}],
}


def _params(relaxed: bool):
    import fastsim

    if not relaxed:
        return None
    d = fastsim.SimParams.default().to_dict()
    d["trace_miss_opts"] = "AllowChecked"
    return fastsim.SimParams.from_dict(d)


def _one_run(fastsim, veh, cyc, params) -> tuple[float, object]:
    t0 = time.perf_counter()
    sd = fastsim.SimDrive(veh, cyc) if params is None else fastsim.SimDrive(veh, cyc, params)
    sd.run()
    return time.perf_counter() - t0, sd


def _median_ms(fastsim, veh, cyc, params, repeats: int, warmup: int) -> tuple[float, float, object]:
    for _ in range(warmup):
        _one_run(fastsim, veh, cyc, params)
    times = []
    sd = None
    for _ in range(repeats):
        dt, sd = _one_run(fastsim, veh, cyc, params)
        times.append(dt)
    return statistics.median(times) * 1e3, min(times) * 1e3, sd


def _energy(sd) -> dict:
    """Distance and battery energy from a solved SimDrive (read via to_dict, as FASTSim
    exposes results by serialisation)."""
    veh = sd.to_dict()["veh"]
    state = veh["state"]
    dist_km = state["dist_meters"] / 1e3
    out = {"distance_km": dist_km, "cycle_met": bool(state["cyc_met_overall"])}
    pt = next(iter(veh["pt_type"].values()))
    res = pt.get("res") if isinstance(pt, dict) else None
    if res is not None and dist_km > 0:
        out["battery_wh_per_km"] = res["state"]["energy_out_electrical_joules"] / 3600.0 / dist_km
    return out


def run(request: dict) -> dict:
    import fastsim

    req = {**DEFAULT_REQUEST, **request}
    repeats, warmup = int(req["repeats"]), int(req["warmup"])
    veh0 = fastsim.Vehicle.from_resource(req["vehicle_resource"])
    answer = {
        "fastsim_version": fastsim.__version__,
        "python": sys.version.split()[0],
        "vehicle_resource": req["vehicle_resource"],
        "repeats": repeats,
        "warmup": warmup,
        "cycles": {},
    }
    for c in req["cycles"]:
        label = c["label"]
        entry: dict = {}
        try:
            if "resource" in c:
                cyc = fastsim.Cycle.from_resource(c["resource"])
            else:
                cyc = fastsim.Cycle.from_file(c["csv"])
        except Exception as exc:  # noqa: BLE001 - report, do not fail the whole benchmark
            answer["cycles"][label] = {"error": f"cycle not loadable: {type(exc).__name__}: {exc}"}
            continue
        entry["steps"] = cyc.len()
        relaxed = False
        try:
            fastsim.SimDrive(veh0.copy(), cyc).run()
        except Exception as exc:  # noqa: BLE001 - FASTSim raises RuntimeError on trace miss
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            entry["default_params_error"] = first[:300]
            relaxed = True
        params = _params(relaxed)
        entry["trace_miss_opts"] = "AllowChecked" if relaxed else "Error (default)"
        try:
            for mode, interval in (("hist", 1), ("nohist", None)):
                veh = veh0.copy()
                veh.set_save_interval(interval)
                med, best, sd = _median_ms(fastsim, veh, cyc, params, repeats, warmup)
                entry[f"ms_{mode}"] = med
                entry[f"ms_{mode}_min"] = best
                if mode == "nohist":
                    entry.update(_energy(sd))
        except Exception as exc:  # noqa: BLE001
            entry["error"] = f"{type(exc).__name__}: {str(exc).strip()[:300]}"
        answer["cycles"][label] = entry
    return answer


def main() -> int:
    text = sys.stdin.read() if not sys.stdin.isatty() else ""
    request = json.loads(text) if text.strip() else {}
    json.dump(run(request), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
