#!/usr/bin/env python3
"""Time of a whole alliance plan (``edrive.alliance.plan.plan_portfolio``), and where it goes:
the fit (every programme x variant x battery simulated), the family choice together and
alone, the cost game, purchasing, production, fleet CO2 and the scenarios.

Usage::

    python benchmarks/bench_plan.py                     # the bundled portfolio and 40 x 30
    python benchmarks/bench_plan.py --workers 2 --draws 20
    python benchmarks/bench_plan.py --programmes 40 --variants 30 --plants 3 --markets 5 \\
        --years 8 --json out.json

The synthetic portfolio is :func:`edrive.alliance.synthetic_portfolio.synthetic_portfolio`
(seeded): 40 programmes x 30 variants x 3 battery options x 3 plants x 5 markets over 8
years by default. Times are wall-clock seconds of one run, after an untimed run of the
bundled portfolio that loads and compiles everything.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path


def run(portfolio, label: str, workers: int, draws: int) -> dict:
    from edrive.alliance.plan import plan_portfolio

    start = time.perf_counter()
    plan = plan_portfolio(portfolio, workers=workers, draws=draws)
    wall = time.perf_counter() - start
    rep = plan.to_dict()
    t = rep["timing_s"]
    fit = plan.fit
    cars = len(fit.programmes) * len(fit.variants) * len(fit.batteries)
    print(f"{label:34s} {wall:7.1f} s: fit {t['fit']:5.1f} s ({cars:,} cars), family "
          f"{t['family']:4.1f}, sharing {t['sharing']:4.1f}, purchasing {t['purchasing']:4.2f}, "
          f"production {t['production']:4.2f}, fleet CO2 {t['fleet_co2']:4.2f}, scenarios "
          f"{t['uncertainty']:4.1f} s; {len(rep['variants'])} variants, gap "
          f"{rep['solver']['gap']:.1e} (worst {rep['solver']['worst_gap']:.1e})", flush=True)
    return {"label": label, "wall_s": wall, "timing_s": t, "cars": cars,
            "variants_chosen": rep["variants"], "gap": rep["solver"]["gap"],
            "worst_gap": rep["solver"]["worst_gap"], "saving_share": rep["savings_share"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--programmes", type=int, default=40)
    ap.add_argument("--variants", type=int, default=30)
    ap.add_argument("--batteries", type=int, default=3)
    ap.add_argument("--plants", type=int, default=3)
    ap.add_argument("--markets", type=int, default=5)
    ap.add_argument("--years", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--draws", type=int, default=10)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    from edrive.alliance.plan import plan_portfolio
    from edrive.alliance.synthetic_portfolio import synthetic_portfolio

    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"{args.workers} workers, {args.draws} Monte Carlo draws", flush=True)
    plan_portfolio("illustrative_bmw_jlr", draws=0)  # warm: imports, numba caches
    rows = [run("illustrative_bmw_jlr", "bundled portfolio", args.workers, args.draws)]
    big = synthetic_portfolio(args.programmes, args.variants, batteries=args.batteries,
                              plants=args.plants, markets=args.markets, years=args.years)
    label = (f"synthetic {args.programmes} x {args.variants} x {args.batteries} x "
             f"{args.plants} x {args.markets} x {args.years}")
    rows.append(run(big, label, args.workers, args.draws))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
