#!/usr/bin/env python3
"""Throughput of the compiled conventional-car route of ``edrive.simulate_many``.

Usage::

    python benchmarks/bench_batch_icev.py [--n 2000] [--repeats 3] [--vehicle bmw_330i]

What is timed: ``simulate_many(cars, cycle)`` for ``--n`` variants of one bundled
conventional car (test mass drawn uniformly within +-10 % of the base's; the specs are built
before the clock starts), over the UDDS and the WLTC; best of ``--repeats`` after one
untimed warm-up call (which also compiles the kernel in a fresh environment). Prints
car-cycles per second of wall time, the CPU time of that run (all threads of the process;
on a machine shared with other jobs it moves less than the wall time does), the load
average at the start, and the routes taken (all must be ``compiled_icev``). With
``--fastsim-python`` (or ``FASTSIM_PYTHON``), FASTSim 3.1's own conventional car (its
``2012_Ford_Fusion.yaml``) is timed one run at a time beside it (it has no batch runner).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--vehicle", default="bmw_330i")
    ap.add_argument("--fastsim-python", default=os.environ.get("FASTSIM_PYTHON"),
                    help="an interpreter with fastsim 3.1: its 2012 Ford Fusion timed beside")
    args = ap.parse_args(argv)

    from edrive import __version__
    from edrive.sim.batch import simulate_many
    from edrive.vehicle import load_vehicle, vehicle_from_dict

    base = load_vehicle(args.vehicle)
    data = base.model_dump(mode="json", exclude_none=True)
    rng = np.random.default_rng(1)
    m0 = base.model().mass_kg
    cars = [vehicle_from_dict(data | {"mass": {"test_mass_kg": float(m)}})
            for m in rng.uniform(0.9, 1.1, args.n) * m0]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"edrive {__version__}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {load:.2f}, {args.n} variants of "
          f"{args.vehicle}")
    rates = {}
    for cycle in ("udds", "wltc"):
        out = simulate_many(cars, cycle)
        routes = sorted(set(out["route"]))
        best, cpu = np.inf, np.inf
        for _ in range(args.repeats):
            t, c = time.perf_counter(), time.process_time()
            simulate_many(cars, cycle)
            wall = time.perf_counter() - t
            if wall < best:
                best, cpu = wall, time.process_time() - c
        print(f"  {cycle:5s}: {best:6.3f} s, {args.n / best:8.0f} car-cycles/s, CPU {cpu:6.3f} s, "
              f"routes {routes}")
        rates[cycle] = args.n / best
    if args.fastsim_python:
        from bench_batch import FASTSIM_CONVENTIONAL, fastsim_figures

        fs = fastsim_figures(args.fastsim_python, 20, FASTSIM_CONVENTIONAL)
        for cycle, rate in rates.items():
            if cycle in fs:
                print(f"{cycle.upper()}: edrive {rate:,.0f}/s vs FASTSim "
                      f"{fs[cycle]['per_s']:,.0f}/s = {rate / fs[cycle]['per_s']:.0f}x")


if __name__ == "__main__":
    main()
