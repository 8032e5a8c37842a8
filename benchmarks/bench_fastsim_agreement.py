#!/usr/bin/env python3
"""Side-by-side energy use: NREL FASTSim 3 and edrive on FASTSim's own bundled cars.

Usage::

    python benchmarks/bench_fastsim_agreement.py --fastsim-python /path/to/fastsim-venv/bin/python
    FASTSIM_PYTHON=/path/to/python python benchmarks/bench_fastsim_agreement.py --json out.json

For each FASTSim vehicle (default: every battery-electric and conventional car bundled with
FASTSim 3.1; one whose file the import does not support is reported and skipped) and each
cycle (edrive's UDDS, HWFET and WLTC class 3b
traces, handed to FASTSim as CSV files so that both tools drive the same trace):

1. FASTSim runs the car in its own interpreter (``benchmarks/_fastsim_energy.py``), which
   also writes the vehicle file as FASTSim serialises it;
2. edrive imports that file with :func:`edrive.io.fastsim.load_fastsim_vehicle`, once with
   FASTSim's component efficiencies (``same_efficiencies=True``) and once with edrive's own
   component models, and simulates the same trace.

Printed: battery energy at the terminals in kWh/100 km (battery-electric) or fuel in
L/100 km of gasoline equivalent (FASTSim's 33.7 kWh per US gallon, applied to both tools'
fuel energy so that fuel properties do not enter), and the difference from FASTSim in %.
For conventional cars the notes split the fuel (FASTSim / edrive with the same
efficiencies, same unit) into the steps where the car brakes (negative tractive power: FASTSim's
engine keeps running the auxiliaries from fuel, or is stopped by its StartStop control,
while edrive's engine, coupled in overrun, drives them from the wheels), the steps at
standstill, and the rest (driving), with the difference in the driving part.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
HELPER = HERE / "_fastsim_energy.py"
# FASTSim 3.1's bundled battery-electric and conventional cars ("thrml": with its thermal,
# cabin and HVAC models, which the import leaves out)
VEHICLES = ["2022_Renault_Zoe_ZE50_R135.yaml", "2016 Nissan Leaf 30 kWh thrml.yaml",
            "2022 Tesla Model 3 RWD thrml.yaml", "2020 Chevrolet Bolt EV thrml.yaml",
            "2012_Ford_Fusion.yaml", "2026_Chrysler_Pacifica_Select.yaml",
            "2026_Chrysler_Pacifica_Select_thrml.yaml"]
CYCLES = [("UDDS", "udds"), ("HWFET", "hwfet"), ("WLTC", "wltc")]


def write_fastsim_csv(cycle_name: str, path: Path) -> None:
    """An edrive cycle in FASTSim 3's CSV layout."""
    from edrive.cycles import load_cycle

    c = load_cycle(cycle_name)
    rows = ["time_seconds,speed_meters_per_second,grade"]
    rows += [f"{t!r},{v!r},{g!r}" for t, v, g in zip(c.time_s.tolist(), c.speed_m_s.tolist(),
                                                       c.grade.tolist(), strict=True)]
    path.write_text("\n".join(rows) + "\n")


def run_fastsim(python: str, vehicles: list[str], folder: Path) -> dict:
    cycles = []
    for label, name in CYCLES:
        p = folder / f"{name}.csv"
        write_fastsim_csv(name, p)
        cycles.append({"label": label, "csv": str(p)})
    req = {"dump_dir": str(folder), "vehicles": vehicles, "cycles": cycles}
    out = subprocess.run([python, str(HELPER)], input=json.dumps(req), capture_output=True,
                         text=True, check=False, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"FASTSim helper failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout)


def run_edrive(path: str, same: bool, folder: Path) -> dict:
    from edrive.io.fastsim import load_fastsim_vehicle
    from edrive.sim.run import simulate

    sub = folder / ("same" if same else "edrive") / Path(path).stem
    sub.mkdir(parents=True, exist_ok=True)
    spec = load_fastsim_vehicle(path, same_efficiencies=same, directory=sub)
    out = {}
    for label, name in CYCLES:
        res = simulate(spec, name)
        s = res.summary
        out[label] = {"distance_m": s["distance_m"], "trace_missed_s": s["trace_missed_s"]}
        if spec.type == "bev":
            out[label]["battery_terminal_j"] = s["battery_energy_j"]
            out[label]["battery_chemical_j"] = s["battery_chemical_energy_j"]
        else:
            out[label]["fuel_j"] = s["fuel_energy_j"]
            out[label]["fuel_l_per_100km_own"] = s["fuel_l_per_100km"]
            out[label] |= _fuel_split(spec, res.series)
    return out


def _fuel_split(spec, series) -> dict:
    """edrive's fuel energy [J] while braking (negative wheel power) and at standstill."""
    import numpy as np

    lhv = spec.model().engine.fuel.lhv_j_kg
    t = np.asarray(series["time_s"])
    v = np.asarray(series["speed_m_s"])
    p_fuel = np.asarray(series["fuel_rate_g_s"])[1:] * 1e-3 * lhv
    dt = np.diff(t)
    braking = np.asarray(series["wheel_power_w"])[1:] < 0
    stopped = (v[1:] == 0) & (v[:-1] == 0)
    return {"fuel_braking_j": float(np.sum((p_fuel * dt)[braking])),
            "fuel_stopped_j": float(np.sum((p_fuel * dt)[stopped]))}


def per_100km(energy_j: float, distance_m: float, bev: bool) -> float:
    from edrive.io.fastsim import GGE_J_PER_L

    return energy_j / (3.6e6 if bev else GGE_J_PER_L) / distance_m * 1e5


def compare(fs: dict, folder: Path) -> list[dict]:
    rows = []
    from edrive.errors import EdriveError

    for resource, v in fs["vehicles"].items():
        name = v["name"] + (" (thrml)" if "thrml" in resource else "")
        try:
            ed = {same: run_edrive(v["file"], same, folder) for same in (True, False)}
        except EdriveError as exc:
            print(f"# {name}: not imported: {exc}")
            continue
        for label, _ in CYCLES:
            f = v["cycles"][label]
            bev = "battery_terminal_j" in f
            key = "battery_terminal_j" if bev else "fuel_j"
            ref = per_100km(f[key], f["distance_m"], bev)
            row = {"vehicle": name, "cycle": label, "unit": "kWh/100km" if bev else
                   "L/100km gge", "fastsim": ref, "fastsim_error": f.get("error"),
                   "fastsim_distance_m": f["distance_m"]}
            for same, tag in ((True, "same"), (False, "edrive")):
                e = ed[same][label]
                val = per_100km(e[key], e["distance_m"], bev)
                row[tag] = val
                row[f"{tag}_diff_pct"] = 100 * (val / ref - 1)
                row[f"{tag}_trace_missed_s"] = e["trace_missed_s"]
            if bev:
                row["fastsim_chemical"] = per_100km(f["battery_chemical_j"], f["distance_m"], True)
                row["same_chemical"] = per_100km(ed[True][label]["battery_chemical_j"],
                                                 ed[True][label]["distance_m"], True)
            else:
                e = ed[True][label]
                for part in ("braking", "stopped"):
                    row[f"fastsim_{part}"] = per_100km(f[f"fuel_{part}_j"], f["distance_m"], False)
                    row[f"same_{part}"] = per_100km(e[f"fuel_{part}_j"], e["distance_m"], False)
                rest_fs = row["fastsim"] - row["fastsim_braking"] - row["fastsim_stopped"]
                rest_ed = row["same"] - row["same_braking"] - row["same_stopped"]
                row["fastsim_driving"], row["same_driving"] = rest_fs, rest_ed
                row["same_driving_diff_pct"] = 100 * (rest_ed / rest_fs - 1)
            rows.append(row)
    return rows


def print_rows(rows: list[dict], fs_version: str) -> None:
    print(f"# FASTSim {fs_version} vs edrive, same traces (edrive's cycles); "
          f"python {platform.python_version()}")
    print(f"{'vehicle':40s} {'cycle':6s} {'unit':12s} {'FASTSim':>8s} {'same eff':>8s} "
          f"{'diff %':>7s} {'edrive':>8s} {'diff %':>7s}  notes")
    for r in rows:
        note = []
        if "fastsim_braking" in r:
            note.append(f"braking {r['fastsim_braking']:.2f}/{r['same_braking']:.2f}, standstill "
                        f"{r['fastsim_stopped']:.2f}/{r['same_stopped']:.2f}, driving "
                        f"{r['fastsim_driving']:.2f}/{r['same_driving']:.2f} "
                        f"({r['same_driving_diff_pct']:+.2f} %)")
        if "fastsim_chemical" in r:
            note.append(f"chemical {r['fastsim_chemical']:.2f} vs {r['same_chemical']:.2f}")
        if r["fastsim_error"]:
            note.append("FASTSim trace miss (AllowChecked)")
        if r["same_trace_missed_s"] or r["edrive_trace_missed_s"]:
            note.append(f"edrive missed {r['same_trace_missed_s']:.0f}/"
                        f"{r['edrive_trace_missed_s']:.0f} s")
        print(f"{r['vehicle'][:40]:40s} {r['cycle']:6s} {r['unit']:12s} {r['fastsim']:8.3f} "
              f"{r['same']:8.3f} {r['same_diff_pct']:+7.2f} {r['edrive']:8.3f} "
              f"{r['edrive_diff_pct']:+7.2f}  {'; '.join(note)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fastsim-python", default=os.environ.get("FASTSIM_PYTHON"),
                    help="python interpreter with fastsim 3 installed (default: $FASTSIM_PYTHON)")
    ap.add_argument("--vehicle", action="append",
                    help="FASTSim bundled vehicle resource (repeatable; default: every "
                         "battery-electric and conventional one)")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = ap.parse_args()
    if not args.fastsim_python:
        raise SystemExit("give --fastsim-python PATH (or FASTSIM_PYTHON): an interpreter "
                         "with fastsim 3 installed")
    with tempfile.TemporaryDirectory(prefix="edrive-fastsim-bench-") as tmp:
        folder = Path(tmp)
        fs = run_fastsim(args.fastsim_python, args.vehicle or VEHICLES, folder)
        rows = compare(fs, folder)
    print_rows(rows, fs["fastsim_version"])
    if args.json:
        args.json.write_text(json.dumps({"fastsim_version": fs["fastsim_version"],
                                         "rows": rows}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
