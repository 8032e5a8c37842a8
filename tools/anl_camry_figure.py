"""Simulate the bundled 2018 Toyota Camry on Argonne's four measured dynamometer traces of that
car and plot simulated against measured fuel (cumulative and rate); print the figures.

    python tools/anl_camry_figure.py [--out docs/img/anl_camry.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from edrive.io.anl import read_anl_trace
from edrive.io.anl_replay import replay_trace
from edrive.io.epa_icev import cold_start_fuel_l
from edrive.report.plots import plot_trace_comparison
from edrive.vehicle import load_vehicle

DATA = Path(__file__).resolve().parents[1] / "tests" / "validation" / "data" / "anl"
CONTENT = {"61811011": "FTP (cold UDDS, soak, hot UDDS)", "61811012": "hot UDDS",
           "61811013": "HWFET x2", "61811014": "US06 x2"}
COLD_START = {"61811011"}  # starts with a cold engine: the generic cold-start fuel is added


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("anl_camry.png"), help="PNG to write")
    ap.add_argument("--vehicle", default="toyota_camry_2018", help="bundled name or YAML path")
    args = ap.parse_args()
    car = load_vehicle(args.vehicle)
    cold_l = cold_start_fuel_l(car)
    comps = [replay_trace(car, read_anl_trace(DATA / f"{stem}_Test_Data.txt"),
                          cold_start_fuel_l=cold_l if stem in COLD_START else 0.0)
             for stem in CONTENT]
    print(f"{'trace':9} {'content':32} {'measured L':>10} {'simulated L':>11} {'error':>7} "
          f"{'r':>6} {'RMS':>5}")
    for stem, c in zip(CONTENT, comps, strict=True):
        print(f"{stem:9} {CONTENT[stem]:32} {c.fuel_meas_m3 * 1e3:10.3f} "
              f"{c.fuel_sim_m3 * 1e3:11.3f} {100 * c.fuel_error:+6.1f}% {c.correlation:6.3f} "
              f"{100 * c.rms_relative:4.0f}%")
    plot_trace_comparison(comps, args.out)
    print(f"figure written to {args.out}")


if __name__ == "__main__":
    main()
