#!/usr/bin/env python3
"""Speed and gap of the drive-unit family choice (``edrive.alliance.family``) on synthetic
portfolios of two partners.

Usage::

    python benchmarks/bench_plan_family.py                      # 40 programmes x 30 variants
    python benchmarks/bench_plan_family.py --programmes 80 --variants 60 --seeds 1 2 3
    python benchmarks/bench_plan_family.py --alone --json out.json

The synthetic instance: programmes with a power class r in [0, 1], a lifetime volume of 7
years at 5,000 to 80,000 units a year and a pair cost of 3,000 to 9,000 EUR per unit (the
battery) plus 1,500 EUR per unit for each unit of class a variant is oversized; variants
with a class s in [0, 1] (the largest serves every programme) and a voltage class, serving
the programmes whose class they reach (a 400 V variant only up to class 0.7), a fixed cost
of 80 to 250 MEUR scaled with class, and a first-unit cost of 1,000 + 1,500 s EUR that falls
by an experience curve of 15.6 % per doubling after 50,000 units, as a total cost sampled at
``--breaks`` cumulative volumes from 0 to the variant's largest possible volume.

What is timed: building and checking the ``FamilyProblem``; ``solve_family`` (HiGHS through
SciPy, gap 1e-4, time limit ``--time-limit``), with its status, gap, binaries and the
number of variants chosen; with ``--alone`` also ``together_vs_alone`` (three solves).
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np


def synthetic_problem(n_programmes: int, n_variants: int, n_breaks: int = 5, seed: int = 1):
    """A random two-partner family problem of the shape described in the module's docstring."""
    from edrive.alliance.family import FamilyProblem

    rng = np.random.default_rng(seed)
    need = rng.uniform(0.0, 1.0, n_programmes)
    size = np.linspace(0.0, 1.0, n_variants)
    high_voltage = rng.random(n_variants) < 0.5
    high_voltage[-1] = True
    feasible = (size[None, :] >= need[:, None]) & (high_voltage[None, :] | (need[:, None] <= 0.7))
    volume = 7.0 * rng.uniform(5_000, 80_000, n_programmes).round()
    pair = (rng.uniform(3_000, 9_000, n_programmes)[:, None]
            + 1_500 * np.clip(size[None, :] - need[:, None], 0, None)
            + rng.uniform(0, 200, (n_programmes, n_variants)))
    fixed = rng.uniform(80e6, 250e6, n_variants) * (0.7 + size)
    first_unit = 1_000 + 1_500 * size + 300 * high_voltage
    most = feasible.T.astype(float) @ volume
    breaks = np.linspace(0.0, 1.0, n_breaks)[None, :] ** 2 * np.maximum(most, 1.0)[:, None]
    q0, b = 50_000.0, 0.245
    learned = q0 + q0 / (1 - b) * ((np.maximum(breaks, q0) / q0) ** (1 - b) - 1)
    totals = first_unit[:, None] * np.where(breaks <= q0, breaks, learned)
    partner = np.where(np.arange(n_programmes) % 2 == 0, "a", "b")
    return FamilyProblem.from_arrays(volume=volume, feasible=feasible, pair_cost_eur=pair,
                                     fixed_cost_eur=fixed, unit_cost_breaks=breaks,
                                     unit_cost_total=totals, partner_of=list(partner))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--programmes", type=int, default=40)
    ap.add_argument("--variants", type=int, default=30)
    ap.add_argument("--breaks", type=int, default=5)
    ap.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--alone", action="store_true", help="also time together_vs_alone")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    args = ap.parse_args()

    from edrive.alliance.family import solve_family, together_vs_alone

    print(f"family choice, {args.programmes} programmes x {args.variants} variants x "
          f"{args.breaks} breaks ({platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()})")
    print(f"{'seed':>4}  {'build s':>7}  {'solve s':>7}  {'status':>18}  {'gap':>8}  "
          f"{'binaries':>8}  {'chosen':>6}" + ("  alone+together s  saving %" if args.alone
                                              else ""))
    rows = []
    for seed in args.seeds:
        t0 = time.perf_counter()
        problem = synthetic_problem(args.programmes, args.variants, args.breaks, seed)
        build_s = time.perf_counter() - t0
        sol = solve_family(problem, time_limit_s=args.time_limit)
        binaries = int(problem.feasible.sum()) * (args.breaks - 1) + args.variants
        row = {"seed": seed, "build_s": build_s, "solve_s": sol.seconds, "status": sol.status,
               "gap": sol.gap, "binaries_at_most": binaries, "chosen": len(sol.chosen),
               "objective_eur": sol.objective, "bound_eur": sol.bound}
        line = (f"{seed:>4}  {build_s:>7.3f}  {sol.seconds:>7.2f}  {sol.status:>18}  "
                f"{sol.gap:>8.1e}  {binaries:>8}  {len(sol.chosen):>6}")
        if args.alone:
            t0 = time.perf_counter()
            versus = together_vs_alone(problem, time_limit_s=args.time_limit)
            row["together_vs_alone_s"] = time.perf_counter() - t0
            row["saving_share"] = versus["saving_share"]
            line += f"  {row['together_vs_alone_s']:>16.2f}  {100 * versus['saving_share']:>8.2f}"
        rows.append(row)
        print(line)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)


if __name__ == "__main__":
    main()
