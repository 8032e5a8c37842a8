#!/usr/bin/env python3
"""Speed of fleet CO2 compliance (``edrive.alliance.fleet_co2``) for fleets of 10 to 10,000
models.

Usage::

    python benchmarks/bench_fleet_co2.py                 # 10, 100, 1000, 10000 models
    python benchmarks/bench_fleet_co2.py --models 100 --repeats 200 --json out.json

What is timed (median of ``--repeats`` calls after one untimed call), for a synthetic EU 2025
fleet with random registrations, WLTP CO2 (every fifth model electric) and test masses given
as figures (no vehicle simulation):

* ``validate``: the fleet dictionary checked into a ``FleetSpec`` (what reading a file costs
  after the YAML parse);
* ``evaluate``: one maker's compliance: the figures, the premium and the electric share that
  meets the target (the vectorised grid and the brentq refinement);
* ``pool``: ``compliance_report`` for a pool of two such fleets, with the first maker's
  electric share that makes the pool comply.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import numpy as np


def synthetic_fleet(n_models: int, seed: int, maker: str):
    from edrive.alliance.fleet_file import FleetSpec
    from edrive.spec import validate

    rng = np.random.default_rng(seed)
    models = [{"name": f"model {i}", "registrations": int(rng.integers(100, 20_000)),
               "co2_g_per_km": 0.0 if i % 5 == 0 else float(rng.uniform(20, 250)),
               "test_mass_kg": float(rng.uniform(1200, 2800))} for i in range(n_models)]
    data = {"name": f"synthetic {n_models}", "maker": maker, "jurisdiction": "EU",
            "year": 2025, "models": models}
    return data, validate(FleetSpec, data, "synthetic")


def median_ms(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", type=int, nargs="*", default=[10, 100, 1000, 10000])
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--json", help="also write the figures to this JSON file")
    args = ap.parse_args()

    from edrive.alliance.fleet_co2 import compliance_report, evaluate
    from edrive.alliance.fleet_file import FleetSpec
    from edrive.spec import validate

    rows = []
    print(f"fleet CO2 compliance, EU 2025, median of {args.repeats} calls "
          f"({platform.processor() or platform.machine()}, Python {platform.python_version()})")
    print(f"{'models':>7}  {'validate ms':>11}  {'evaluate ms':>11}  {'pool of two ms':>14}")
    for n in args.models:
        data, spec = synthetic_fleet(n, 1, "a")
        _, other = synthetic_fleet(n, 2, "b")
        repeats = max(3, args.repeats if n <= 1000 else args.repeats // 10)
        row = {"models": n,
               "validate_ms": median_ms(lambda d=data: validate(FleetSpec, d, "x"), repeats),
               "evaluate_ms": median_ms(lambda s=spec: evaluate(s), repeats),
               "pool_ms": median_ms(lambda s=spec, o=other: compliance_report(s, [o]), repeats)}
        rows.append(row)
        print(f"{n:>7}  {row['validate_ms']:>11.2f}  {row['evaluate_ms']:>11.2f}  "
              f"{row['pool_ms']:>14.2f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)


if __name__ == "__main__":
    main()
