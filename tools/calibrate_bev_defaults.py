"""Fit the generic battery-electric defaults used by ``edrive epa validate`` to a Test Car
List file, and check how well they carry over to makes left out of the fit.

    python tools/calibrate_bev_defaults.py FILE.csv [--holdout]

Fitted, as one set for every car: the generic loss-model fractions (copper, inverter,
iron, windage, constant), its size exponent, the charger efficiency and the auxiliary power,
each bounded to a physically plausible range. The objective is the mean absolute percentage
error over all battery-electric UDDS and HWFET records. ``--holdout`` fits on the makes in even positions of the sorted make list and
reports the error on the others (and the reverse).
"""

from __future__ import annotations

import sys
from multiprocessing import Pool

import numpy as np
from scipy.optimize import minimize

from edrive.io.epa_testcar import classify, predict, read_testcar

NAMES = ["copper_fraction", "inverter_fraction", "iron_fraction", "windage_fraction",
         "constant_fraction", "size_exponent", "charger_efficiency", "aux_power_w"]
LOW = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.2, 0.83, 100.0])
HIGH = np.array([0.15, 0.08, 0.05, 0.05, 0.01, 1.2, 0.95, 600.0])
X0 = np.array([0.02, 0.04, 0.002, 0.002, 0.0005, 1.0, 0.87, 200.0])
SCALE = HIGH - LOW

_RECORDS: list = []


def defaults_from(x) -> dict:
    return {"losses": dict(zip(NAMES[:6], map(float, x[:6]), strict=True)),
            "charger_efficiency": float(x[6]), "aux_power_w": float(x[7])}


def _init(path):
    global _RECORDS
    _RECORDS = [r for r in classify(read_testcar(path), "bev")
                if r.status.startswith("ok") and r.powertrain == "bev"]


def _errors_chunk(args):
    x, idx = args
    d = defaults_from(x)
    return [(predict(_RECORDS[i], d) - _RECORDS[i].measured) / _RECORDS[i].measured * 100
            for i in idx]


def errors(pool, x, idx):
    chunks = [idx[k::2] for k in range(2)]
    parts = pool.map(_errors_chunk, [(x, c) for c in chunks])
    out = np.empty(len(idx))
    for k, part in enumerate(parts):
        out[k::2] = part
    return out


def fit(pool, idx, x0=X0):
    """Minimise the mean absolute percentage error (Powell's method within the bounds)."""
    res = minimize(lambda z: float(np.mean(np.abs(errors(pool, LOW + z * SCALE, idx)))),
                   (x0 - LOW) / SCALE, method="Powell", bounds=[(0, 1)] * len(X0),
                   options={"maxfev": 400, "xtol": 1e-3, "ftol": 1e-4})
    return LOW + res.x * SCALE


def report(label, e, cycles):
    for cyc in ("udds", "hwfet"):
        sel = cycles == cyc
        print(f"  {label} {cyc}: n={sel.sum()} MAPE {np.mean(np.abs(e[sel])):.2f} % "
              f"bias {np.mean(e[sel]):+.2f} %")


def main(path):
    _init(path)
    n = len(_RECORDS)
    cycles = np.array([r.cycle for r in _RECORDS])
    with Pool(2, initializer=_init, initargs=(path,)) as pool:
        allidx = list(range(n))
        x = fit(pool, allidx)
        print("fitted:", {k: round(float(v), 5) for k, v in zip(NAMES, x, strict=True)})
        report("in-sample", errors(pool, x, allidx), cycles)
        if "--holdout" in sys.argv:
            makes = sorted({r.make.lower() for r in _RECORDS})
            for half in (0, 1):
                train_m = set(makes[half::2])
                tr = [i for i in allidx if _RECORDS[i].make.lower() in train_m]
                te = [i for i in allidx if _RECORDS[i].make.lower() not in train_m]
                xh = fit(pool, tr, x)
                report(f"held-out half {half}", errors(pool, xh, te), cycles[te])


if __name__ == "__main__":
    main(sys.argv[1])
