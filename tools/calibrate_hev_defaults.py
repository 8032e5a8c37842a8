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

    python tools/calibrate_hev_defaults.py FILE.csv --p2-plug-in

fits instead the rules of charge-sustaining P2 plug-ins (``PLUG_IN_ARCHITECTURE_RULES["p2"]``:
whether the engine, once started, is held running, and the floor of the gearbox input speed
with the engine pulling), the other rules at their shipped values, on the plug-in records
whose generic hybrid is a P2 (the only records these rules touch); same halves, same
objective.
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

P2_PLUG_IN_GRID = {
    "cs_engine_held": (False, True),
    "engine_speed_min_rpm": (0.0, 1100.0, 1300.0, 1500.0, 1700.0),
}

_RECORDS: list = []


def architecture_of(rec) -> str:
    """The architecture of a record's generic hybrid (:mod:`edrive.io.epa_hybrid`)."""
    from edrive.io.epa_hybrid import hybrid_architecture

    return hybrid_architecture(rec.fields)


def group_of(rec) -> str:
    if rec.fields.get("plug_in"):
        return "plug_in"
    return architecture_of(rec)


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


def apply_p2_plug_in(held, rpm):
    """Set the rules of charge-sustaining P2 plug-ins (in this process) to one grid point."""
    em.PLUG_IN_ARCHITECTURE_RULES["p2"] = {
        "cs_engine_held": bool(held), "engine_speed_min_rad_s": rpm * em.RPM_RAD_S}


def _errors_chunk(args):
    point, idx = args
    (apply_p2_plug_in if len(point) == 2 else apply)(*point)
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


def main_p2_plug_in(path):
    """Fit of ``PLUG_IN_ARCHITECTURE_RULES["p2"]`` (module docstring)."""
    points = list(itertools.product(*P2_PLUG_IN_GRID.values()))
    _init(path)
    keep = [k for k, r in enumerate(_RECORDS)
            if group_of(r) == "plug_in" and architecture_of(r) == "p2"]
    recs = [_RECORDS[k] for k in keep]
    n = len(recs)
    cycles = np.array([r.cycle for r in recs])
    in_fit = np.array([r.make.strip().upper() in CALIBRATION_MAKES["hev"] for r in recs])
    with Pool(2, initializer=_init_subset, initargs=(path, keep)) as pool:
        table = error_table(pool, points, n)

    def mae(k, sel):
        return float(np.mean(np.abs(table[k, sel])))

    for half in (0, 1):
        train = in_fit if half == 0 else ~in_fit
        k = int(np.argmin([mae(j, train) for j in range(len(points))]))
        print(f"fit on half {half} ({train.sum()} records):",
              dict(zip(P2_PLUG_IN_GRID, points[k], strict=True)))
        for label, sel in (("fitting half", train), ("held-out half", ~train)):
            for cyc in ("ftp75", "hwfet"):
                m = sel & (cycles == cyc)
                e = table[k, m]
                print(f"  {label} P2 plug-ins {cyc}: n={m.sum()} MAPE "
                      f"{np.mean(np.abs(e)):.2f} % bias {np.mean(e):+.2f} %")


def _init_subset(path, keep):
    global _RECORDS
    _RECORDS = [hybrid_records(path)[k] for k in keep]


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
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    unknown = sorted(flags - {"--p2-plug-in", "--quick"})
    if len(args) != 1 or unknown:
        print("usage: calibrate_hev_defaults.py FILE.csv [--quick | --p2-plug-in]"
              + (f"; unknown option {unknown[0]!r}" if unknown else ""), file=sys.stderr)
        sys.exit(2)
    try:
        if "--p2-plug-in" in flags:
            main_p2_plug_in(args[0])
        else:
            main(args[0], "--quick" in flags)
    except EdriveError as exc:
        print(f"calibrate_hev_defaults.py: error: {exc}", file=sys.stderr)
        sys.exit(2)
