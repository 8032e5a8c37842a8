#!/usr/bin/env python3
"""Speed of one car over UDDS, HWFET and WLTC: edrive vs NREL FASTSim 3 (battery-electric by
default; ``--vehicle`` takes any bundled car or vehicle file).

Usage::

    python benchmarks/bench_single.py                                  # edrive only
    python benchmarks/bench_single.py --fastsim-python ~/fastsim-venv/bin/python
    FASTSIM_PYTHON=/path/to/python python benchmarks/bench_single.py --json out.json

What is timed
-------------
edrive
    ``simulate(spec, cycle)`` with the vehicle spec and the cycle loaded once beforehand
    (the like-for-like figure: FASTSim is timed the same way), and ``simulate(name,
    "udds")`` as a user calls it, which parses and validates the vehicle YAML on every call.
    Median of ``--repeats`` calls after ``--warmup`` untimed calls.
FASTSim (optional)
    ``SimDrive(veh, cyc)`` + ``run()`` with its bundled vehicle (default "2022 Tesla Model 3
    RWD thrml.yaml"), median the same way, in a separate interpreter that has ``fastsim``
    installed (``benchmarks/_fastsim_timing.py`` runs there and answers in JSON). FASTSim
    3.1 ships UDDS and HWFET only; WLTC is edrive's class 3b trace handed over as a CSV in
    FASTSim's column layout. Timed with per-step history on (as its files ship) and off.
Cold start
    A fresh ``python`` process: ``import edrive.sim.run``, the first ``simulate(vehicle,
    "udds")`` and a second one, each timed inside the process, plus the whole process
    wall time seen from outside. Median of ``--cold-runs`` processes.

The two tools simulate *different vehicle models*: edrive's car and FASTSim's car share a
name at most, each with its own parameters and model physics. The times compare the cost of
one simulation of a comparable car over the same trace, not identical calculations.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
HELPER = HERE / "_fastsim_timing.py"
CYCLES = [("UDDS", "udds", "udds.csv"), ("HWFET", "hwfet", "hwfet.csv"), ("WLTC", "wltc", None)]
FASTSIM_VEHICLE = "2022 Tesla Model 3 RWD thrml.yaml"
PREFERRED_VEHICLE = "tesla_model3_rwd"


# --------------------------------------------------------------------------- edrive


def default_vehicle() -> str:
    from edrive.vehicle import list_vehicles

    names = list_vehicles()
    if PREFERRED_VEHICLE in names:
        return PREFERRED_VEHICLE
    if names:
        return names[0]
    raise SystemExit("no bundled vehicles found; pass --vehicle PATH_TO_VEHICLE.yaml")


def _median_ms(fn, repeats: int, warmup: int) -> tuple[float, float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3, min(times) * 1e3


def time_edrive(vehicle: str, repeats: int, warmup: int) -> dict:
    from edrive.cycles import load_cycle
    from edrive.sim.run import simulate
    from edrive.vehicle import load_vehicle

    spec = load_vehicle(vehicle)
    out = {"vehicle": vehicle, "vehicle_name": spec.name, "cycles": {}}
    for label, name, _ in CYCLES:
        cyc = load_cycle(name)
        ms, ms_min = _median_ms(lambda: simulate(spec, cyc), repeats, warmup)  # noqa: B023
        ms_name, ms_name_min = _median_ms(lambda: simulate(vehicle, name), repeats, warmup)  # noqa: B023
        r = simulate(spec, cyc)
        out["cycles"][label] = {
            "steps": len(cyc),
            "ms": ms,
            "ms_min": ms_min,
            "ms_by_name": ms_name,
            "ms_by_name_min": ms_name_min,
            "distance_km": r.summary["distance_m"] / 1e3,
            **{k: r.summary[k] for k in ("battery_wh_per_km", "fuel_l_per_100km")
               if k in r.summary},
            "trace_missed_s": r.summary["trace_missed_s"],
        }
    t0 = time.perf_counter()
    for _ in range(repeats):
        load_vehicle(vehicle)
    out["load_vehicle_ms"] = (time.perf_counter() - t0) / repeats * 1e3
    return out


COLD_SNIPPET = r"""
import json, sys, time
t0 = time.perf_counter()
from edrive.sim.run import simulate
t1 = time.perf_counter()
simulate(sys.argv[1], "udds")
t2 = time.perf_counter()
simulate(sys.argv[1], "udds")
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_sim_s": t2 - t1, "second_sim_s": t3 - t2}))
"""


def time_cold_start(vehicle: str, runs: int) -> dict:
    """Import + first simulation in fresh interpreters (median over ``runs`` processes)."""
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "-c", COLD_SNIPPET, vehicle],
                           capture_output=True, text=True, check=True)
        wall = time.perf_counter() - t0
        d = json.loads(p.stdout.strip().splitlines()[-1])
        d["process_wall_s"] = wall
        samples.append(d)
    med = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
    return {"runs": runs, **{f"{k}_median": v for k, v in med.items()}, "samples": samples}


# --------------------------------------------------------------------------- FASTSim


def write_fastsim_csv(cycle_name: str, path: Path) -> None:
    """edrive's trace in FASTSim 3's CSV layout (time_seconds, speed_meters_per_second, grade)."""
    from edrive.cycles import load_cycle

    cyc = load_cycle(cycle_name)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["time_seconds", "speed_meters_per_second", "grade"])
        for t, v, g in zip(cyc.time_s, cyc.speed_m_s, cyc.grade, strict=True):
            w.writerow([repr(float(t)), repr(float(v)), repr(float(g))])


def time_fastsim(python: str, vehicle: str, repeats: int, warmup: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cycles = []
        for label, name, resource in CYCLES:
            if resource is not None:
                cycles.append({"label": label, "resource": resource})
            else:
                p = Path(tmp) / f"{name}.csv"
                write_fastsim_csv(name, p)
                cycles.append({"label": label, "csv": str(p)})
        req = {"vehicle_resource": vehicle, "repeats": repeats, "warmup": warmup, "cycles": cycles}
        p = subprocess.run([python, str(HELPER)], input=json.dumps(req), check=False,
                           capture_output=True, text=True)
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()[-5:]
        raise RuntimeError("FASTSim helper failed:\n  " + "\n  ".join(tail))
    return json.loads(p.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- report


def machine_info() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import numpy

    try:
        from importlib.metadata import version

        edrive_version = version("edrive")
    except Exception:  # noqa: BLE001
        edrive_version = "unknown"
    commit = "unknown"
    try:
        commit = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(HERE), "status", "--porcelain", "--", "../src"],
                               capture_output=True, text=True, check=True).stdout.strip()
        commit += "+dirty-src" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        pass
    return {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "platform": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "edrive": edrive_version,
        "git": commit,
    }


def _fmt(x, spec=".2f") -> str:
    return "n/a" if x is None else format(x, spec)


def print_report(res: dict) -> None:
    m, ed, fs = res["machine"], res["edrive"], res.get("fastsim")
    print(f"# {m['date_utc']} UTC, {m['cpu']} ({m['cpu_count']} cpus), {m['platform']}, "
          f"python {m['python']}, numpy {m['numpy']}")
    print(f"# edrive {m['edrive']} (git {m['git']}), vehicle {ed['vehicle']!r} ({ed['vehicle_name']})")
    if fs:
        print(f"# FASTSim {fs['fastsim_version']} (python {fs['python']}), "
              f"vehicle {fs['vehicle_resource']!r}")
    print(f"# median of {res['repeats']} runs after {res['warmup']} warm-up runs, ms per simulation")
    print()
    hdr = (f"{'cycle':6s} {'steps':>5s} {'edrive ms':>9s} {'by-name ms':>10s} "
           f"{'FASTSim ms':>10s} {'FS nohist':>9s} {'speed-up':>8s}")
    print(hdr)
    print("-" * len(hdr))
    for label, _, _ in CYCLES:
        e = ed["cycles"][label]
        f = (fs or {}).get("cycles", {}).get(label, {})
        f_ms, f_nh = f.get("ms_hist"), f.get("ms_nohist")
        speedup = f"{f_ms / e['ms']:.1f}x" if f_ms else "n/a"
        print(f"{label:6s} {e['steps']:5d} {e['ms']:9.2f} {e['ms_by_name']:10.2f} "
              f"{_fmt(f_ms):>10s} {_fmt(f_nh):>9s} {speedup:>8s}")
    print("-" * len(hdr))
    print("edrive ms   = simulate(spec, cycle), vehicle and cycle loaded beforehand (like FASTSim)")
    print(f"by-name ms  = simulate({ed['vehicle']!r}, cycle_name): includes YAML parse + validation "
          f"(load_vehicle alone {ed['load_vehicle_ms']:.2f} ms)")
    if fs:
        print("FASTSim ms  = SimDrive(veh, cyc) + run(), per-step history on (as shipped); "
              "FS nohist = save_interval None")
        print("speed-up    = FASTSim ms / edrive ms")
        for label, f in fs["cycles"].items():
            if "default_params_error" in f:
                print(f"  note {label}: FASTSim default SimParams raised ({f['default_params_error']}); "
                      "timed with trace_miss_opts=AllowChecked")
            if "error" in f:
                print(f"  note {label}: FASTSim {f['error']}")
        print()
        print("energy (context only; different vehicle models): battery DC Wh/km at terminals")
        for label, _, _ in CYCLES:
            e = ed["cycles"][label]
            f = fs["cycles"].get(label, {})
            print(f"  {label:6s} edrive {_fmt(e.get('battery_wh_per_km'), '6.1f')}   "
                  f"FASTSim {_fmt(f.get('battery_wh_per_km'), '6.1f')}")
    else:
        print(f"FASTSim was not run: {res.get('fastsim_skipped', 'no FASTSim interpreter given')} "
              "(use --fastsim-python PATH or FASTSIM_PYTHON)")
    cold = res.get("cold_start")
    if cold:
        print()
        print(f"cold start (fresh process, median of {cold['runs']}): "
              f"import {cold['import_s_median'] * 1e3:.0f} ms, "
              f"first simulate(vehicle, 'udds') {cold['first_sim_s_median'] * 1e3:.0f} ms, "
              f"second {cold['second_sim_s_median'] * 1e3:.1f} ms; "
              f"whole process {cold['process_wall_s_median'] * 1e3:.0f} ms")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vehicle", default=None,
                    help=f"edrive vehicle: bundled name or YAML path (default {PREFERRED_VEHICLE!r} "
                         "if bundled, else the first bundled vehicle)")
    ap.add_argument("--repeats", type=int, default=30, help="timed runs per cycle (default 30)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")
    ap.add_argument("--fastsim-python", default=os.environ.get("FASTSIM_PYTHON"),
                    help="python interpreter with fastsim 3 installed (default: $FASTSIM_PYTHON)")
    ap.add_argument("--fastsim-vehicle", default=FASTSIM_VEHICLE,
                    help=f"FASTSim bundled vehicle resource (default {FASTSIM_VEHICLE!r})")
    ap.add_argument("--cold-runs", type=int, default=5,
                    help="fresh processes for the cold-start figure (0 to skip; default 5)")
    ap.add_argument("--json", type=Path, default=None, help="also write all results as JSON here")
    args = ap.parse_args(argv)

    vehicle = args.vehicle or default_vehicle()
    res: dict = {"machine": machine_info(), "repeats": args.repeats, "warmup": args.warmup}
    res["edrive"] = time_edrive(vehicle, args.repeats, args.warmup)
    if args.fastsim_python:
        try:
            res["fastsim"] = time_fastsim(args.fastsim_python, args.fastsim_vehicle,
                                          args.repeats, args.warmup)
        except (OSError, RuntimeError, ValueError) as exc:
            res["fastsim_skipped"] = f"{type(exc).__name__}: {exc}"
            print(f"warning: FASTSim not run: {exc}", file=sys.stderr)
    else:
        res["fastsim_skipped"] = "no FASTSim interpreter given"
    if args.cold_runs > 0:
        res["cold_start"] = time_cold_start(vehicle, args.cold_runs)
    print_report(res)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
