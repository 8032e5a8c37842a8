"""Energy management of the bundled hybrids on the WLTC: fuel and run time of dynamic
programming (the offline optimum) against ECMS and the rule-based strategy.

    python benchmarks/bench_hybrid_dp.py [--cycle wltc] [--repeat 3]

Prints, per car and strategy, the charge-balanced fuel consumption and the best wall time of
``--repeat`` runs of one simulation (DP: one backward and one forward pass; ECMS and rule:
including the charge-balance iterations).
"""

from __future__ import annotations

import argparse
import time

from edrive import list_vehicles, load_vehicle, simulate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycle", default="wltc")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cars = [n for n in list_vehicles() if load_vehicle(n).type == "hev"]
    print(f"{'vehicle':26s} {'strategy':8s} {'L/100 km':>9s} {'vs DP':>7s} {'time s':>7s}")
    for name in cars:
        car = load_vehicle(name)
        rows = {}
        for strategy in ("dp", "ecms", "rule"):
            best = float("inf")
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                res = simulate(car, args.cycle, strategy=strategy) if not car.plug_in else \
                    _cs(car, args.cycle, strategy)
                best = min(best, time.perf_counter() - t0)
            rows[strategy] = (res.summary["fuel_l_per_100km"], best)
        for strategy, (fuel, t) in rows.items():
            rel = fuel / rows["dp"][0] - 1
            print(f"{name:26s} {strategy:8s} {fuel:9.3f} {100 * rel:+6.1f}% {t:7.2f}")


def _cs(car, cycle, strategy):
    """Charge-sustaining run of a plug-in hybrid (without its depleting test)."""
    from edrive.cycles import load_cycle
    from edrive.sim.hev import simulate_hev

    return simulate_hev(car, load_cycle(cycle), strategy=strategy)


if __name__ == "__main__":
    main()
