"""Time to cost drive units: one unit's full breakdown, and many variants in one call.

    python benchmarks/bench_cost.py [--variants 10000] [--repeats 5]

Prints the median wall time of ``edu_cost`` on a bundled unit (its sizing inputs read from
the unit's model, which is built once and cached), of ``edu_cost_many`` on ``--variants``
random designs (torque, power, current, voltage, gear ratios, machine and device kinds,
annual volumes), and of the battery sizing of as many packs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from edrive.alliance.battery_cost import battery_for_range  # noqa: E402
from edrive.alliance.cost import edu_cost, edu_cost_inputs, edu_cost_many  # noqa: E402
from edrive.alliance.cost_data import bundled_cost_data  # noqa: E402


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def designs(n: int, rng: np.random.Generator) -> dict:
    return {"machine": rng.choice(["pmsm", "eesm", "induction"], n),
            "inverter": rng.choice(["igbt", "sic"], n),
            "torque_nm": rng.uniform(150, 600, n), "power_w": rng.uniform(80e3, 300e3, n),
            "pole_pairs": rng.integers(2, 7, n), "current_peak_a": rng.uniform(300, 1200, n),
            "dc_voltage_v": rng.choice([350.0, 400.0, 800.0], n),
            "stage_ratio_1": rng.uniform(2.5, 4.0, n), "stage_ratio_2": rng.uniform(2.0, 3.5, n)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    bundled_cost_data()  # data files read once, as in any session
    edu_cost_inputs("jaguar_ipace_pm")  # the unit's model built once
    x = designs(args.variants, rng)
    volumes = rng.uniform(5e4, 1e6, args.variants)
    edu_cost_many(x, annual_units=volumes)  # warm caches
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{platform.processor() or platform.machine()}, python {platform.python_version()}, "
          f"one thread; median of {args.repeats}")
    one = timed(lambda: edu_cost("jaguar_ipace_pm"), args.repeats)
    many = timed(lambda: edu_cost_many(x, annual_units=volumes), args.repeats)
    lines = timed(lambda: edu_cost_many(x, annual_units=volumes, lines=True), args.repeats)
    packs = timed(lambda: battery_for_range(rng.uniform(300e3, 600e3, args.variants), 600.0,
                                            0.92, 2024), args.repeats)
    print(f"{'one unit, full breakdown (edu_cost)':48s} {one * 1e3:9.2f} ms")
    print(f"{f'{args.variants:,} variants, totals (edu_cost_many)':48s} {many * 1e3:9.2f} ms")
    print(f"{f'{args.variants:,} variants, every line':48s} {lines * 1e3:9.2f} ms")
    print(f"{f'{args.variants:,} battery packs for a range':48s} {packs * 1e3:9.2f} ms")


if __name__ == "__main__":
    main()
