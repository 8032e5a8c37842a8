"""Fit the generic petrol/diesel defaults used by ``edrive epa validate`` (engine efficiency
and losses, driveline inertia, transmission losses) to a Test Car List file: one set for all
cars, every parameter bounded to a physically plausible range.

    python tools/calibrate_ice_defaults.py FILE.csv [--half a|b|all] [--stride N] [--nfev N]

The fit minimises a robust (soft-L1) sum of the percentage errors over the FTP-75 and HWFET
records of the chosen half of the makes (makes sorted by name and dealt alternately to
halves ``a`` and ``b``), so that the other half is a held-out check; ``--stride`` takes
every N-th record of the fitting set to save time. It prints the fitted values and the mean
absolute error, bias and median absolute error per cycle on the fitting half, the held-out
half and the whole file.
"""

from __future__ import annotations

import argparse
from multiprocessing import Pool

import numpy as np
from scipy.optimize import least_squares

from edrive.io.epa_testcar import classify, predict, read_testcar

# name, low, start, high (physical ranges; see docs/validation.md)
PARAMETERS = [
    ("indicated_efficiency_petrol", 0.38, 0.42, 0.47),
    ("indicated_efficiency_turbo_petrol", 0.36, 0.40, 0.45),
    ("friction_factor_petrol", 0.5, 0.8, 1.2),
    ("pmep0_pa", 20e3, 50e3, 90e3),
    ("input_inertia_kg_m2_per_l", 0.03, 0.10, 0.25),
    ("drag_torque_nm", 0.5, 2.0, 5.0),
]
NAMES = [p[0] for p in PARAMETERS]
LOW, X0, HIGH = (np.array([p[k] for p in PARAMETERS]) for k in (1, 2, 3))
TURBO_KINDS = ("turbo_petrol", "twin_turbo_v8_petrol", "supercharged_v8_petrol")
_RECORDS: list = []


def defaults_from(x) -> dict:
    """GENERIC_ICE overrides for the parameter vector ``x`` (see PARAMETERS)."""
    v = dict(zip(NAMES, (float(a) for a in x), strict=True))
    petrol = {"friction_factor": v["friction_factor_petrol"], "pmep0_pa": v["pmep0_pa"]}
    by_kind = {"petrol": petrol | {"indicated_efficiency": v["indicated_efficiency_petrol"]}}
    for kind in TURBO_KINDS:
        by_kind[kind] = petrol | {"indicated_efficiency": v["indicated_efficiency_turbo_petrol"]}
    return {"engine_by_kind": by_kind,
            "input_inertia_kg_m2_per_l": v["input_inertia_kg_m2_per_l"],
            "transmission": {"drag_torque_nm": v["drag_torque_nm"]}}


def _init(path):
    global _RECORDS
    _RECORDS = [r for r in classify(read_testcar(path), "icev") if r.status.startswith("ok")]


def _chunk(args):
    x, idx = args
    out = []
    d = defaults_from(x)
    for i in idx:
        r = _RECORDS[i]
        try:
            out.append((predict(r, d) - r.measured) / r.measured * 100)
        except Exception:  # an infeasible parameter set for this car
            out.append(np.nan)
    return out


def errors(pool, x, idx, workers: int = 2) -> np.ndarray:
    parts = pool.map(_chunk, [(x, idx[k::workers]) for k in range(workers)])
    e = np.empty(len(idx))
    for k, part in enumerate(parts):
        e[k::workers] = part
    return e


def halves(records) -> dict[str, np.ndarray]:
    makes = sorted({r.make.upper() for r in records})
    side = {m: "ab"[k % 2] for k, m in enumerate(makes)}
    tag = np.array([side[r.make.upper()] for r in records])
    return {"a": np.flatnonzero(tag == "a"), "b": np.flatnonzero(tag == "b"),
            "all": np.arange(len(records))}


def report(label, e, cycles):
    for cyc in ("ftp75", "hwfet"):
        sel = (cycles == cyc) & np.isfinite(e)
        print(f"  {label:9s} {cyc}: n={sel.sum():4d}  MAE {np.mean(np.abs(e[sel])):5.2f} %  "
              f"bias {np.mean(e[sel]):+5.2f} %  median |e| {np.median(np.abs(e[sel])):5.2f} %")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--half", choices=("a", "b", "all"), default="a")
    ap.add_argument("--stride", type=int, default=3)
    ap.add_argument("--nfev", type=int, default=40)
    args = ap.parse_args(argv)
    _init(args.file)
    cycles = np.array([r.cycle for r in _RECORDS])
    sets = halves(_RECORDS)
    fit_idx = sets[args.half][::args.stride]
    with Pool(2, initializer=_init, initargs=(args.file,)) as pool:
        def residuals(z):
            e = errors(pool, LOW + z * (HIGH - LOW), fit_idx)
            return np.nan_to_num(e, nan=100.0) / 10.0

        res = least_squares(residuals, (X0 - LOW) / (HIGH - LOW), bounds=(0, 1),
                            loss="soft_l1", f_scale=0.5, diff_step=0.02,
                            max_nfev=args.nfev, x_scale=1.0)
        x = LOW + res.x * (HIGH - LOW)
        print("fitted:", {k: round(float(v), 4) for k, v in zip(NAMES, x, strict=True)})
        e = errors(pool, x, sets["all"])
    for label in ("a", "b", "all"):
        tag = f"{label} (fit)" if label == args.half else label
        idx = sets[label]
        report(tag, e[idx], cycles[idx])


if __name__ == "__main__":
    main()
