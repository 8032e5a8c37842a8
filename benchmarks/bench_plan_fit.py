"""Time to fit drive units to a portfolio's cars: the bundled portfolio and a synthetic one.

    python benchmarks/bench_plan_fit.py [--programmes 40] [--variants 30] [--batteries 3]
                                        [--workers 2]

Prints the wall time of :func:`edrive.alliance.fit.fit_portfolio` (every programme x variant x
battery option simulated and checked: drive units built, WLTC, full-throttle figures, packs
sized and priced) for the bundled ``illustrative_bmw_jlr`` portfolio and for a synthetic
portfolio of the sizes given, on ``--workers`` local processes, with the cars per second.
Loading and checking the portfolio is timed apart.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from edrive.alliance.fit import fit_portfolio  # noqa: E402
from edrive.alliance.portfolio import load_portfolio  # noqa: E402
from edrive.alliance.synthetic_portfolio import synthetic_portfolio  # noqa: E402


def report(label: str, make, workers: int) -> None:
    t0 = time.perf_counter()
    portfolio = make()
    t1 = time.perf_counter()
    fit = fit_portfolio(portfolio, workers=workers)
    t2 = time.perf_counter()
    cars = fit.meets.size
    print(f"{label}: {len(fit.programmes)} programmes x {len(fit.variants)} variants x "
          f"{len(fit.batteries)} batteries = {cars} cars; load {t1 - t0:.1f} s, fit "
          f"{t2 - t1:.1f} s ({cars / (t2 - t1):.0f} cars/s); {int(fit.meets.sum())} meet "
          f"their requirements, unserved: {', '.join(fit.unserved()) or 'none'}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--programmes", type=int, default=40)
    ap.add_argument("--variants", type=int, default=30)
    ap.add_argument("--batteries", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}, {args.workers} worker process(es)")
    report("bundled illustrative_bmw_jlr", lambda: load_portfolio("illustrative_bmw_jlr"),
           args.workers)
    report("synthetic", lambda: synthetic_portfolio(
        args.programmes, args.variants, batteries=args.batteries, plants=3, markets=4,
        years=8), args.workers)


if __name__ == "__main__":
    main()
