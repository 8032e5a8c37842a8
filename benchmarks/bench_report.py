#!/usr/bin/env python3
"""Time to build reports and their figures.

Usage::

    python benchmarks/bench_report.py                 # tesla_model3_rwd and bmw_330i on wltc
    python benchmarks/bench_report.py --vehicle bmw_ix3 --cycle wltc --cycle udds

What is timed
-------------
* ``edrive report vehicle VEHICLE -c CYCLE --out FILE.html`` as a user runs it: a fresh
  ``python -m edrive.cli`` process, wall time seen from outside (imports, compilation of
  the numeric kernels on first use, simulation, performance, procedures, figures, writing);
* inside one process, after a warm-up: :func:`edrive.report.html.vehicle_report_data`
  (simulation, performance, procedures and figures) and ``Report.html()`` (encoding).

Prints one line per vehicle and the size of the page.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vehicle", action="append", help="vehicle (repeatable)")
    ap.add_argument("--cycle", action="append", help="cycle (repeatable; default wltc)")
    args = ap.parse_args()
    vehicles = args.vehicle or ["tesla_model3_rwd", "bmw_330i"]
    cycles = args.cycle or ["wltc"]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    from edrive.report.html import vehicle_report_data

    with tempfile.TemporaryDirectory() as tmp:
        for v in vehicles:
            out = Path(tmp) / f"{v}.html"
            cmd = [sys.executable, "-m", "edrive.cli", "report", "vehicle", v, "--out", str(out)]
            for c in cycles:
                cmd += ["--cycle", c]
            start = time.perf_counter()
            subprocess.run(cmd, check=True, env=env, capture_output=True)
            cold = time.perf_counter() - start
            vehicle_report_data(v, cycles)  # warm-up: kernels compiled, files cached
            start = time.perf_counter()
            rep = vehicle_report_data(v, cycles)
            build = time.perf_counter() - start
            start = time.perf_counter()
            page = rep.html()
            encode = time.perf_counter() - start
            print(f"{v} on {', '.join(cycles)}: command {cold:.1f} s (fresh process); in a "
                  f"warm process build {build:.2f} s, HTML {encode * 1e3:.0f} ms; "
                  f"{len(page.encode()) / 1e6:.2f} MB, {len(rep.figures)} figures")


if __name__ == "__main__":
    main()
