"""Fit the generic petrol/diesel defaults used by ``edrive epa validate`` (engine losses,
transmission losses, auxiliary power) to a Test Car List file: one set for all cars.

    python tools/calibrate_ice_defaults.py FILE.csv

The objective is the mean absolute percentage error over the FTP-75 and HWFET records;
every parameter is bounded to a physically plausible range.
"""

from __future__ import annotations

import sys
from multiprocessing import Pool

import numpy as np
from scipy.optimize import minimize

from edrive.io.epa_testcar import classify, predict, read_testcar

NAMES = ["friction_factor", "pmep0_pa", "indicated_efficiency_petrol", "mesh_efficiency",
         "drag_torque_nm", "viscous_drag_nm_s", "aux_power_w"]
LOW = np.array([0.6, 10e3, 0.36, 0.95, 0.3, 0.0, 100.0])
HIGH = np.array([1.4, 90e3, 0.44, 0.99, 4.0, 0.01, 600.0])
X0 = np.array([1.0, 60e3, 0.40, 0.965, 3.0, 0.008, 300.0])
SCALE = HIGH - LOW
_RECORDS: list = []


def defaults_from(x, rec) -> dict:
    engine = {"pmep0_pa": float(x[1])}
    if "diesel" not in rec.fields["fuel"].lower():
        engine |= {"friction_factor": float(x[0]), "indicated_efficiency": float(x[2])}
    else:
        engine |= {"pmep0_pa": 0.0}
    return {"engine": engine,
            "transmission": {"mesh_efficiency": float(x[3]), "drag_torque_nm": float(x[4]),
                             "viscous_drag_nm_s": float(x[5])},
            "aux_power_w": float(x[6])}


def _init(path):
    global _RECORDS
    _RECORDS = [r for r in classify(read_testcar(path), "icev") if r.status.startswith("ok")]


def _chunk(args):
    x, idx = args
    out = []
    for i in idx:
        r = _RECORDS[i]
        try:
            out.append((predict(r, defaults_from(x, r)) - r.measured) / r.measured * 100)
        except Exception:  # an infeasible parameter set for this car
            out.append(100.0)
    return out


def errors(pool, x):
    idx = list(range(len(_RECORDS)))
    parts = pool.map(_chunk, [(x, idx[k::2]) for k in range(2)])
    e = np.empty(len(idx))
    for k, part in enumerate(parts):
        e[k::2] = part
    return e


def main(path):
    _init(path)
    cycles = np.array([r.cycle for r in _RECORDS])
    with Pool(2, initializer=_init, initargs=(path,)) as pool:
        res = minimize(lambda z: float(np.mean(np.abs(errors(pool, LOW + z * SCALE)))),
                       (X0 - LOW) / SCALE, method="Powell", bounds=[(0, 1)] * len(X0),
                       options={"maxfev": int(sys.argv[2]) if len(sys.argv) > 2 else 150,
                                "xtol": 1e-3, "ftol": 1e-4})
        x = LOW + res.x * SCALE
        print("fitted:", {k: round(float(v), 5) for k, v in zip(NAMES, x, strict=True)})
        e = errors(pool, x)
        for cyc in ("ftp75", "hwfet"):
            sel = cycles == cyc
            print(f"  {cyc}: n={sel.sum()} MAPE {np.mean(np.abs(e[sel])):.2f} % "
                  f"bias {np.mean(e[sel]):+.2f} %")


if __name__ == "__main__":
    main(sys.argv[1])
