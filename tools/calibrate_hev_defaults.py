"""Fit the generic operating rules of hybrids (``edrive.sim.energy_management``) to the
hybrid records of a Test Car List file, on half of the makes, and check them on the other.

    python tools/calibrate_hev_defaults.py FILE.csv [--quick]

Fitted, per group of records, on a grid: the electric-drive limits, as a share of the
engine's rated power (``ev_power_share``) and a vehicle speed (``ev_speed_max_m_s``); and,
for every group together, the fuel energy per litre of displacement that warms a cold engine
(``warmup_fuel_j_per_m3``). The groups: full hybrids with a single-ratio transmission
(power-split), full hybrids with a stepped gearbox (P2), and plug-in hybrids' charge-sustaining
records (``PLUG_IN_RULES``). Each record's error is computed once per grid point; the fit on
one half of the makes (half 0: the fixed list ``CALIBRATION_MAKES["hev"]`` of
:mod:`edrive.report.epa_report`, the makes in even positions of the sorted list of the 2022
file's hybrid makes before the records were screened; half 1: every other make) is the grid point
of least mean absolute error (city and highway together) on that half, and the other half is
the held-out check. Both halves are printed, then the fit on all records. ``--quick`` uses a
3-point grid.
"""

from __future__ import annotations

import itertools
import sys
from multiprocessing import Pool

import numpy as np

from edrive.errors import EdriveError
from edrive.io.epa_testcar import classify, predict, read_testcar
from edrive.report.epa_report import CALIBRATION_MAKES
from edrive.sim import energy_management as em

GROUPS = ("power_split", "p2", "plug_in")
GRID = {
    "ev_power_share": (0.0, 0.02, 0.05, 0.1, 0.2, 0.3),
    "ev_speed_max_m_s": (7.0, 10.0, 13.0, 16.0, 22.0),
    "warmup_fuel_j_per_m3": (2e9,),
}
QUICK = {"ev_power_share": (0.02, 0.1, 0.2), "ev_speed_max_m_s": (10.0, 16.0, 25.0),
         "warmup_fuel_j_per_m3": (2e9,)}

_RECORDS: list = []


def group_of(rec) -> str:
    if rec.fields.get("plug_in"):
        return "plug_in"
    from edrive.io.epa_hybrid import SINGLE_RATIO

    single = rec.fields["trans"] in SINGLE_RATIO or rec.fields["gears"] <= 1
    return "power_split" if single else "p2"


def hybrid_records(path):
    return [r for r in classify(read_testcar(path), "auto")
            if r.status.startswith("ok") and r.powertrain == "hev"]


def _init(path):
    global _RECORDS
    _RECORDS = hybrid_records(path)


def apply(share, speed, warm):
    """Set the rules of every group (in this process) to one grid point."""
    for arch in em.ARCHITECTURE_RULES:
        em.ARCHITECTURE_RULES[arch] = em.ARCHITECTURE_RULES[arch] | {
            "ev_power_share": share, "ev_speed_max_m_s": speed, "warmup_fuel_j_per_m3": warm}
    em.PLUG_IN_RULES.update({"ev_power_share": share, "ev_speed_max_m_s": speed})


def _errors_chunk(args):
    point, idx = args
    apply(*point)
    out = []
    for i in idx:
        r = _RECORDS[i]
        try:
            out.append((predict(r) - r.measured) / r.measured * 100)
        except EdriveError:  # counted as a 100 % error: a grid point must not hide it
            out.append(100.0)
    return out


def error_table(pool, points, n):
    """Per grid point, the percentage error of every record."""
    table = np.empty((len(points), n))
    for k, point in enumerate(points):
        chunks = [list(range(c, n, 2)) for c in range(2)]
        parts = pool.map(_errors_chunk, [(point, c) for c in chunks])
        for c, part in enumerate(parts):
            table[k, c::2] = part
        print(f"  grid point {k + 1}/{len(points)} {point}: MAPE "
              f"{np.mean(np.abs(table[k])):.2f} %", file=sys.stderr, flush=True)
    return table


def fit(table, points, groups, train):
    """Best grid point per group on ``train`` (the warm-up energy shared by all groups)."""
    warms = sorted({p[2] for p in points})
    best_total, best = np.inf, None
    for w in warms:
        choice, total = {}, 0.0
        for g in GROUPS:
            sel = train & (groups == g)
            if not sel.any():
                continue
            cost = [np.mean(np.abs(table[k, sel])) if points[k][2] == w else np.inf
                    for k in range(len(points))]
            k = int(np.argmin(cost))
            choice[g] = k
            total += cost[k] * sel.sum()
        if total < best_total:
            best_total, best = total, choice
    return best


def report(label, table, choice, groups, cycles, sel):
    for g in GROUPS:
        if g not in choice:
            continue
        for cyc in ("ftp75", "hwfet"):
            m = sel & (groups == g) & (cycles == cyc)
            if m.any():
                e = table[choice[g], m]
                print(f"  {label} {g} {cyc}: n={m.sum()} MAPE {np.mean(np.abs(e)):.2f} % "
                      f"bias {np.mean(e):+.2f} %")
    for cyc in ("ftp75", "hwfet"):
        m = sel & (cycles == cyc)
        e = np.array([table[choice[g], i] for i in np.flatnonzero(m) for g in [groups[i]]])
        if e.size:
            print(f"  {label} all hybrids {cyc}: n={e.size} MAPE {np.mean(np.abs(e)):.2f} % "
                  f"bias {np.mean(e):+.2f} %")


def main(path, quick=False):
    grid = QUICK if quick else GRID
    points = list(itertools.product(*grid.values()))
    _init(path)
    n = len(_RECORDS)
    groups = np.array([group_of(r) for r in _RECORDS])
    cycles = np.array([r.cycle for r in _RECORDS])
    fit_makes = CALIBRATION_MAKES["hev"]
    in_fit_list = np.array([r.make.strip().upper() in fit_makes for r in _RECORDS])
    with Pool(2, initializer=_init, initargs=(path,)) as pool:
        table = error_table(pool, points, n)
    for half in (0, 1):
        train = in_fit_list if half == 0 else ~in_fit_list
        choice = fit(table, points, groups, train)
        print(f"fit on half {half} ({train.sum()} records):",
              {g: dict(zip(grid, points[k], strict=True)) for g, k in choice.items()})
        report("fitting half", table, choice, groups, cycles, train)
        report("held-out half", table, choice, groups, cycles, ~train)
    choice = fit(table, points, groups, np.ones(n, bool))
    print("fit on all records:", {g: dict(zip(grid, points[k], strict=True))
                                  for g, k in choice.items()})
    report("all", table, choice, groups, cycles, np.ones(n, bool))


if __name__ == "__main__":
    main(sys.argv[1], "--quick" in sys.argv)
