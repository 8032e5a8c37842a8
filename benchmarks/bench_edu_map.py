"""Time to compute a drive unit's 100 x 100 map: loss-minimising machine control at every
point, inverter losses, gearbox, on one core.

    python benchmarks/bench_edu_map.py [--edu NAME ...] [--repeats 5] [--size 100]

Prints, per drive unit, the median wall time of ``Edu.system_map(size, size)`` (output
torque x output speed, every point solved exactly), of the motor-shaft loss map the vehicle
uses, and of building the unit (envelope) from its file.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from edrive.edu import Edu, list_edus, load_edu  # noqa: E402


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edu", action="append", help="drive unit (default: every bundled one)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--size", type=int, default=100)
    args = ap.parse_args()
    names = args.edu or list_edus()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}, one thread; median of {args.repeats}")
    print(f"{'drive unit':32s} {'build s':>8s} {'map ' + str(args.size) + 'x' + str(args.size) + ' s':>14s} "
          f"{'vehicle map s':>14s}")
    for name in names:
        spec = load_edu(name)
        build = timed(lambda s=spec: Edu(s), args.repeats)
        edu = Edu(spec)
        system = timed(lambda e=edu: e.system_map(args.size, args.size), args.repeats)
        vmap = timed(lambda s=spec: Edu(s).loss_map, args.repeats) - build
        print(f"{name:32s} {build:8.3f} {system:14.3f} {vmap:14.3f}")


if __name__ == "__main__":
    main()
