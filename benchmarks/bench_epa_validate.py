#!/usr/bin/env python3
"""Time of ``edrive epa validate`` on a Test Car List file, by step: reading and screening
the records, simulating them (by powertrain), and writing the report by group.

Usage::

    python benchmarks/bench_epa_validate.py FILE.csv [--repeat 3]

Each step is timed ``--repeat`` times after one untimed run that compiles and caches
everything; the least time of each step is printed (wall-clock seconds) with the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import time


def main(argv=None) -> None:
    from edrive.io.epa_testcar import classify, read_testcar, validate_file
    from edrive.report.epa_report import validation_report

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    validate_file(args.file)  # untimed: compiles the kernels, loads cycles and engines
    best: dict[str, float] = {}
    table = None
    for _ in range(max(args.repeat, 1)):
        t0 = time.perf_counter()
        records = classify(read_testcar(args.file))
        t1 = time.perf_counter()
        table = validate_file(args.file)
        t2 = time.perf_counter()
        validation_report(table, "bench")
        t3 = time.perf_counter()
        for name, dt in (("read and screen", t1 - t0), ("validate (all)", t2 - t1),
                         ("report", t3 - t2)):
            best[name] = min(best.get(name, float("inf")), dt)
    simulated = int(table["predicted"].notna().sum())
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    print(f"{len(records)} records, {simulated} simulated")
    for name, dt in best.items():
        print(f"  {name:16s} {dt:7.2f} s")
    print(f"  per simulated record {1e3 * best['validate (all)'] / max(simulated, 1):.1f} ms")


if __name__ == "__main__":
    main()
