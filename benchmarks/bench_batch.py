#!/usr/bin/env python3
"""Batch throughput of ``edrive.simulate_many``: car-cycles per second against the number of
variants and the cycle length, peak memory, and NREL FASTSim 3.1 side by side.

Usage::

    python benchmarks/bench_batch.py                                   # edrive only
    python benchmarks/bench_batch.py --fastsim-python ~/fastsim-venv/bin/python \\
        --json out.json --plot docs/img/batch_throughput.png
    python benchmarks/bench_batch.py --hybrid-only                      # hybrids only

What is timed
-------------
edrive
    ``simulate_many(base, cycle, variants=...)`` for N = 1, 100, 10,000 and 100,000 variants
    of one battery-electric car (motor power and gear ratio drawn uniformly around the
    base's), over UDDS and WLTC; best of ``--repeats`` after one untimed warm-up call (the
    first call in a fresh environment also compiles the kernel; that time is reported
    separately). The base is ``--vehicle`` (bundled name or YAML path; default
    ``tesla_model3_rwd``). Cycle-length scaling: the UDDS repeated 1, 2, 4 and 8 times at
    N = 10,000. Peak memory: the process's maximum resident set size after each N.
    By default the base is FASTSim's own Renault Zoe ZE50 file (its Apache-2.0 copy in
    ``tests/data/fastsim``) imported with ``edrive.io.fastsim`` (edrive's component models),
    so that both tools run the same car; ``--vehicle`` takes a bundled name or YAML instead.
FASTSim (optional)
    ``SimDrive(veh, cyc)`` + ``run()`` of the same bundled file, one car at a time
    (FASTSim has no batch runner), in a separate interpreter with ``fastsim`` installed
    (``_fastsim_timing.py``), without per-step history (its faster setting); car-cycles per
    second = 1000 / median ms per run. N variants cost N runs, so its rate does not depend
    on N.
hybrids
    ``simulate_many`` for N = 1, 100 and 400 variants of a hybrid (``--hybrid``, default
    ``toyota_prius_gen4``: ECMS, charge-balanced; test mass and cell capacity drawn
    uniformly within +-10 % and +-20 %), over UDDS and WLTC; the median of ``--repeats``
    after one untimed warm-up call, and the routes the variants took. With FASTSim, its own
    ``2016_TOYOTA_Prius_Two.yaml`` one run at a time (FASTSim does not balance the charge,
    so each edrive variant does two to six runs of its strategy where FASTSim does one).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SIZES = (1, 100, 10_000, 100_000)
HYBRID_SIZES = (1, 100, 400)
FASTSIM_FILE = HERE.parent / "tests" / "data" / "fastsim" / "2022_Renault_Zoe_ZE50_R135.yaml"
#: FASTSim's bundled files timed beside the hybrid and conventional batches
FASTSIM_HYBRID = "2016_TOYOTA_Prius_Two.yaml"
FASTSIM_CONVENTIONAL = "2012_Ford_Fusion.yaml"


def _variants(base, n: int, rng):
    m = base.drive_units[0].motor
    g = base.drive_units[0].gear
    return {"drive_units.0.motor.power_peak_w": rng.uniform(0.8, 1.2, n) * m.power_peak_w,
            "drive_units.0.gear.ratio": rng.uniform(0.9, 1.1, n) * g.ratio}


def _time(fn, repeats: int) -> float:
    fn()
    return min(_timed(fn) for _ in range(repeats))


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def edrive_figures(vehicle: str | None, repeats: int) -> dict:
    import edrive
    from edrive import load_cycle, load_vehicle, simulate_many
    from edrive.io.fastsim import load_fastsim_vehicle

    base = load_vehicle(vehicle) if vehicle else load_fastsim_vehicle(FASTSIM_FILE)
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    simulate_many(base, "udds", variants=_variants(base, 2, rng))
    first_call_s = time.perf_counter() - t0
    out = {"vehicle": base.name, "first_call_s": first_call_s, "throughput": {}, "length": {},
           "peak_rss_mb": {}}
    for cyc in ("udds", "wltc"):
        c = load_cycle(cyc)
        for n in SIZES:
            var = _variants(base, n, rng)
            reps = repeats if n <= 10_000 else 1
            dt = _time(lambda v=var, c=c: simulate_many(base, c, variants=v), reps)
            out["throughput"][f"{cyc}/{n}"] = {"n": n, "seconds": dt, "per_s": n / dt,
                                               "steps": len(c) - 1}
            out["peak_rss_mb"][f"{cyc}/{n}"] = _peak_rss_mb()
            print(f"edrive  {cyc:5s} N={n:>7,d}: {dt:8.3f} s  {n / dt:10,.0f} car-cycles/s  "
                  f"peak RSS {_peak_rss_mb():6.0f} MB", flush=True)
    udds = load_cycle("udds")
    var = _variants(base, 10_000, rng)
    for k in (1, 2, 4, 8):
        c = udds.repeated(k)
        dt = _time(lambda c=c: simulate_many(base, c, variants=var), 1)
        out["length"][str(k)] = {"steps": len(c) - 1, "seconds": dt}
        print(f"edrive  UDDS x{k}: {len(c) - 1:6d} steps, N=10,000: {dt:.3f} s", flush=True)
    out["edrive_version"] = edrive.__version__
    return out


def _hybrid_variants(base, n: int, rng):
    cell = base.battery.cell_capacity_as
    return {"mass.test_mass_kg": rng.uniform(0.9, 1.1, n) * base.model().mass_kg,
            "battery.cell_capacity_as": rng.uniform(0.8, 1.2, n) * cell}


def hybrid_figures(vehicle: str, repeats: int) -> dict:
    """Throughput of ``simulate_many`` on variants of a hybrid (module docstring)."""
    from edrive import load_cycle, load_vehicle, simulate_many

    base = load_vehicle(vehicle)
    rng = np.random.default_rng(0)
    simulate_many(base, "udds", variants=_hybrid_variants(base, 2, rng))  # compiles
    out = {"vehicle": base.name, "throughput": {}}
    for cyc in ("udds", "wltc"):
        c = load_cycle(cyc)
        for n in HYBRID_SIZES:
            var = _hybrid_variants(base, n, rng)
            simulate_many(base, c, variants=var)
            times, routes = [], None
            for _ in range(repeats):
                t0 = time.perf_counter()
                df = simulate_many(base, c, variants=var)
                times.append(time.perf_counter() - t0)
                routes = df["route"].value_counts().to_dict()
            dt = float(np.median(times))
            out["throughput"][f"{cyc}/{n}"] = {"n": n, "seconds": dt, "per_s": n / dt,
                                               "routes": routes}
            print(f"edrive  {base.name} {cyc:5s} N={n:>5,d}: {dt:8.3f} s  "
                  f"{n / dt:8,.0f} car-cycles/s (median of {repeats})  routes {routes}",
                  flush=True)
    return out


def fastsim_figures(python: str, repeats: int, resource: str = FASTSIM_FILE.name) -> dict:
    """FASTSim 3.1's time per run of its bundled vehicle file ``resource`` on the UDDS and
    the WLTC, without per-step history, in the interpreter ``python``."""
    req = {"vehicle_resource": resource, "repeats": repeats,
           "warmup": 3, "cycles": [{"label": "UDDS", "resource": "udds.csv"}]}
    from edrive import load_cycle

    wltc = load_cycle("wltc")
    path = Path(os.environ.get("TMPDIR", "/tmp")) / "edrive_bench_wltc.csv"
    rows = ["time_seconds,speed_meters_per_second,grade"]
    rows += [f"{t},{v},{g}" for t, v, g in zip(wltc.time_s, wltc.speed_m_s, wltc.grade,
                                               strict=True)]
    path.write_text("\n".join(rows) + "\n")
    req["cycles"].append({"label": "WLTC", "csv": str(path)})
    res = subprocess.run([python, str(HERE / "_fastsim_timing.py")], input=json.dumps(req),
                         capture_output=True, text=True, check=True)
    ans = json.loads(res.stdout)
    out = {}
    for label, c in ans["cycles"].items():
        if "ms_nohist" not in c:
            print(f"FASTSim {label}: {c.get('error', 'not timed')}")
            continue
        ms = c["ms_nohist"]
        out[label.lower()] = {"ms_per_run": ms, "per_s": 1000.0 / ms}
        print(f"FASTSim {label:5s} ({resource}): {ms:.1f} ms per car-cycle = "
              f"{1000.0 / ms:.0f} car-cycles/s (any N)", flush=True)
    out["version"] = ans.get("fastsim_version")
    return out


def plot(fig_path: Path, ed: dict, fs: dict | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for cyc, color in (("udds", "tab:blue"), ("wltc", "tab:orange")):
        pts = [ed["throughput"][f"{cyc}/{n}"] for n in SIZES]
        ax.plot([p["n"] for p in pts], [p["per_s"] for p in pts], "o-", color=color,
                label=f"edrive simulate_many, {cyc.upper()}")
        if fs and cyc in fs:
            ax.plot(SIZES, [fs[cyc]["per_s"]] * len(SIZES), "--", color=color,
                    label=f"FASTSim 3.1, {cyc.upper()} (one car at a time)")
    ax.set(xscale="log", yscale="log", xlabel="variants in one call",
           ylabel="car-cycles per second", title="Batch throughput, 2-core VM")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = fig_path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=120)
    os.replace(tmp, fig_path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vehicle", default=None,
                    help="bundled name or YAML (default: FASTSim's Zoe file, imported)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--fastsim-python", default=os.environ.get("FASTSIM_PYTHON"))
    ap.add_argument("--hybrid", default="toyota_prius_gen4",
                    help="the hybrid of the hybrid case (bundled name or YAML)")
    ap.add_argument("--hybrid-only", action="store_true",
                    help="run the hybrid case only")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--plot", type=Path)
    args = ap.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()},"
          f" {os.cpu_count()} CPUs, Python {sys.version.split()[0]}", flush=True)
    hy = hybrid_figures(args.hybrid, args.repeats)
    if args.fastsim_python:  # FASTSim's own hybrid, one run at a time (no charge balance)
        hy["fastsim"] = fastsim_figures(args.fastsim_python, 20, FASTSIM_HYBRID)
        for cyc in ("udds", "wltc"):
            if cyc in hy["fastsim"]:
                best = hy["throughput"][f"{cyc}/{HYBRID_SIZES[-1]}"]["per_s"]
                print(f"hybrid {cyc.upper()}: edrive {best:,.0f}/s vs FASTSim "
                      f"{hy['fastsim'][cyc]['per_s']:,.0f}/s = "
                      f"{best / hy['fastsim'][cyc]['per_s']:.0f}x")
    if args.hybrid_only:
        if args.json:
            args.json.write_text(json.dumps({"hybrid": hy}, indent=1))
        return
    fs = fastsim_figures(args.fastsim_python, 20) if args.fastsim_python else None
    ed = edrive_figures(args.vehicle, args.repeats)
    if fs:
        for cyc in ("udds", "wltc"):
            best = ed["throughput"][f"{cyc}/{SIZES[-1]}"]["per_s"]
            print(f"{cyc.upper()}: edrive {best:,.0f}/s vs FASTSim {fs[cyc]['per_s']:,.0f}/s "
                  f"= {best / fs[cyc]['per_s']:.0f}x")
    if args.json:
        args.json.write_text(json.dumps({"edrive": ed, "fastsim": fs, "hybrid": hy}, indent=1))
    if args.plot:
        plot(args.plot, ed, fs)
        print(f"plot written to {args.plot}")


if __name__ == "__main__":
    main()
