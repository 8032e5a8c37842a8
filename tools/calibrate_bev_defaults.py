"""Fit the generic battery-electric defaults used by ``edrive epa validate`` to a Test Car
List file, and estimate how well they carry over with leave-one-make-out cross-validation.

    python tools/calibrate_bev_defaults.py ../shared/data/epa/22tstcar.csv

The fitted parameters are the five generic loss-model coefficients (copper, iron, windage,
constant fractions and the size exponent), the charger efficiency and the auxiliary power:
one set for all cars. The objective is the mean absolute percentage error over all battery-
electric UDDS and HWFET rows.
"""

from __future__ import annotations

import sys

import numpy as np
from scipy.optimize import minimize

from edrive.io.epa_testcar import classify, predict, read_testcar

NAMES = ["copper_fraction", "iron_fraction", "windage_fraction", "constant_fraction",
         "size_exponent", "charger_efficiency", "aux_power_w"]
X0 = np.array([0.06, 0.02, 0.005, 0.002, 1.0, 0.9, 300.0])
SCALE = np.array([0.05, 0.01, 0.005, 0.002, 0.5, 0.05, 300.0])
LOW = np.array([0.0, 0.0, 0.0, 0.0, 0.2, 0.8, 0.0])
HIGH = np.array([0.3, 0.2, 0.1, 0.05, 1.2, 0.97, 2000.0])


def defaults_from(x):
    x = np.clip(x, LOW, HIGH)
    return {"losses": dict(zip(NAMES[:5], map(float, x[:5]), strict=True)),
            "charger_efficiency": float(x[5]), "aux_power_w": float(x[6])}


def errors(records, x):
    d = defaults_from(x)
    return np.array([(predict(r, d) - r.measured) / r.measured * 100 for r in records])


def fit(records, x0=X0):
    obj = lambda z: float(np.mean(np.abs(errors(records, X0 * 0 + z * SCALE))))  # noqa: E731
    res = minimize(obj, x0 / SCALE, method="Nelder-Mead",
                   options={"maxfev": 600, "xatol": 1e-3, "fatol": 1e-3})
    return np.clip(res.x * SCALE, LOW, HIGH), res.fun


def main(path):
    recs = [r for r in classify(read_testcar(path), "bev")
            if r.status.startswith("ok") and r.powertrain == "bev"]
    x, mape = fit(recs)
    print("fitted:", dict(zip(NAMES, np.round(x, 5), strict=True)), f"MAPE {mape:.2f} %")
    e = errors(recs, x)
    for cyc in ("udds", "hwfet"):
        sel = np.array([r.cycle == cyc for r in recs])
        print(f"{cyc}: n={sel.sum()} MAPE {np.mean(np.abs(e[sel])):.2f} % bias {np.mean(e[sel]):+.2f} %")
    if "--cv" in sys.argv:
        makes = sorted({r.make.lower() for r in recs})
        cv = np.empty(len(recs))
        for m in makes:
            train = [r for r in recs if r.make.lower() != m]
            test = [i for i, r in enumerate(recs) if r.make.lower() == m]
            xm, _ = fit(train, x)
            cv[test] = errors([recs[i] for i in test], xm)
        print(f"leave-one-make-out MAPE {np.mean(np.abs(cv)):.2f} %")


if __name__ == "__main__":
    main(sys.argv[1])
