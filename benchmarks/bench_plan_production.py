#!/usr/bin/env python3
"""Speed and optimality gap of the production plan (``edrive.alliance.production``): drive-unit
variants to plants and markets by year, with integer expansion steps.

Usage::

    python benchmarks/bench_plan_production.py                  # 30 variants x 3 x 5 x 8
    python benchmarks/bench_plan_production.py --variants 10 30 60 --repeats 5 --json out.json

The synthetic alliance: ``--variants`` variants (EUR 1,500 to 4,000 a unit), 3 plants
(DE, GB, HU: cost factors 1.0, 1.05, 0.85; 30 % to 45 % of the first year's demand each,
steps of 10 % of it for EUR 20 to 60 m, at most 2), 5 markets with logistics EUR 20 to 150 a
unit and duties of 0 or 10 % on some routes, and 8 years of demand growing 8 % a year from
2,000 to 20,000 units per variant and market. Demand outgrows the plants, so the plan must
buy steps; in the last year it is beyond every plant (1.08^7 = 1.71 times the first year's,
against 1.70 at full expansion) and the shortfall is named.
What is timed is one ``solve_production`` call (checks, the least-shortfall LP, the MILP
and the LP of the shadow prices), median of ``--repeats`` after one untimed call.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import numpy as np


def synthetic(n_variants: int, n_years: int = 8, seed: int = 1):
    from edrive.alliance.production import ProductionProblem

    rng = np.random.default_rng(seed)
    plants, markets = ["DE", "GB", "HU"], ["EU", "UK", "US", "CN", "KR"]
    base = rng.uniform(2_000, 20_000, (n_variants, len(markets)))
    demand = base[:, :, None] * 1.08 ** np.arange(n_years)
    first = demand[:, :, 0].sum()
    return ProductionProblem(
        variants=[f"v{i}" for i in range(n_variants)], plants=plants, markets=markets,
        years=list(range(2027, 2027 + n_years)), demand_units=demand,
        unit_cost_eur=rng.uniform(1_500, 4_000, n_variants),
        capacity_units=first * np.array([0.45, 0.30, 0.35]),
        cost_factor=np.array([1.0, 1.05, 0.85]),
        logistics_eur_per_unit=rng.uniform(20, 150, (len(plants), len(markets))),
        tariff_share=rng.choice([0.0, 0.1], (len(plants), len(markets))),
        step_units=np.full(3, 0.10 * first), step_cost_eur=rng.uniform(20e6, 60e6, 3),
        max_steps=np.full(3, 2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", type=int, nargs="*", default=[30])
    ap.add_argument("--years", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", help="also write the figures to this JSON file")
    args = ap.parse_args()

    from edrive.alliance.production import solve_production

    print(f"production plan, 3 plants x 5 markets x {args.years} years, median of "
          f"{args.repeats} ({platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()})")
    print(f"{'variants':>8}  {'cells':>7}  {'seconds':>7}  {'status':>8}  {'gap':>8}  "
          f"{'steps':>5}  {'short units':>11}  {'cost EUR bn':>11}")
    rows = []
    for n in args.variants:
        problem = synthetic(n, args.years)
        solve_production(problem)
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            sol = solve_production(problem)
            times.append(time.perf_counter() - t0)
        row = {"variants": n, "cells": n * 3 * 5 * args.years,
               "seconds": statistics.median(times), "status": sol.status, "gap": sol.gap,
               "steps": int(sol.steps[:, -1].sum()),
               "shortfall_units": float(sum(s.units for s in sol.shortfalls)),
               "cost_eur": sol.objective}
        rows.append(row)
        print(f"{n:>8}  {row['cells']:>7}  {row['seconds']:>7.2f}  {row['status']:>8}  "
              f"{row['gap']:>8.1e}  {row['steps']:>5}  {row['shortfall_units']:>11,.0f}  "
              f"{row['cost_eur'] / 1e9:>11.3f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"machine": platform.machine(), "python": platform.python_version(),
                       "rows": rows}, fh, indent=2)


if __name__ == "__main__":
    main()
