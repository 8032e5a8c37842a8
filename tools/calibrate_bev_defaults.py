"""Fit the generic battery-electric defaults used by ``edrive epa validate`` (the generic
loss model of :mod:`edrive.components.drive_unit`, eq. 3, the charger efficiency and the
auxiliary power) to a Test Car List file: one set for all cars, every parameter bounded to
a physically plausible range.

    python tools/calibrate_bev_defaults.py FILE.csv [--half a|b|all] [--nfev N] [--bar]

The makes with battery-electric UDDS or HWFET records in the error statistics (status ``ok``
after the screening of :mod:`edrive.io.epa_screen`), sorted by name in upper case, are dealt
alternately to halves ``a`` and ``b`` (as ``tools/calibrate_ice_defaults.py`` does), so that
the other half is a held-out check. Powell's method minimises the mean absolute percentage
error over the records of the chosen half (at most ``--nfev`` evaluations), starting from
the library defaults. It prints the makes of the fitting half
(:data:`edrive.report.epa_report.CALIBRATION_MAKES` ``bev`` lists those of ``--half a``), the
fitted values, and the mean absolute error, bias and median absolute error per cycle on the
fitting half, the held-out half and the whole file.

``--bar`` prints, instead of fitting, the bar a physical model has to clear: a
three-constant formula per cycle, wall energy per mile E = a + b E_road + c m, with E_road
the road-load energy per mile of the record's own simulation (eq. 1 of
:mod:`edrive.components.road` over the cycle) and m the test mass, fitted by least squares
of the relative error on the fitting half and scored on every half, beside the library
defaults' errors of the same records.
"""

from __future__ import annotations

import argparse
from multiprocessing import Pool

import numpy as np
from scipy.optimize import minimize

from edrive.chassis import ChargerSpec
from edrive.components.drive_unit import GenericLosses
from edrive.constants import MILE_M, MPGE_WH_PER_GALLON
from edrive.errors import EdriveError
from edrive.io.epa_testcar import classify, predict, read_testcar, vehicle_from_record
from edrive.vehicle import VehicleSpec

# name, lower bound, upper bound. The start is the library default. Bounds: copper losses
# 0-15 % and inverter losses 0-8 % of the loss scale at peak torque, iron and windage losses
# 0-5 % at 1000 rad/s, a constant (controls, gate drivers, cooling pump) of 0-1 %, the size
# exponent between 0.2 and 1.2 (IEC 60034-30-1 efficiency classes rise with size), the AC
# charging efficiency (charger, cabling and the battery's charging loss) 0.83-0.95 (SAE
# J2954/J1772 level-2 chargers 0.85-0.95), the auxiliaries of a car on the dynamometer
# (12 V loads, pumps, no climate control) 100-600 W.
PARAMETERS = [
    ("copper_fraction", 0.0, 0.15),
    ("inverter_fraction", 0.0, 0.08),
    ("iron_fraction", 0.0, 0.05),
    ("windage_fraction", 0.0, 0.05),
    ("constant_fraction", 0.0, 0.01),
    ("size_exponent", 0.2, 1.2),
    ("charger_efficiency", 0.83, 0.95),
    ("aux_power_w", 100.0, 600.0),
]
NAMES = [p[0] for p in PARAMETERS]
LOSS_NAMES = NAMES[:6]
LOW = np.array([p[1] for p in PARAMETERS])
HIGH = np.array([p[2] for p in PARAMETERS])
_RECORDS: list = []


def library_defaults() -> np.ndarray:
    """The library defaults, in the order of ``PARAMETERS``."""
    losses = GenericLosses()
    return np.array([getattr(losses, n) for n in LOSS_NAMES]
                    + [ChargerSpec().efficiency, VehicleSpec.model_fields["aux_power_w"].default])


def defaults_from(x) -> dict:
    """GENERIC overrides (:mod:`edrive.io.epa_testcar`) for the parameter vector ``x``."""
    v = dict(zip(NAMES, (float(a) for a in x), strict=True))
    return {"losses": {k: v[k] for k in LOSS_NAMES},
            "charger_efficiency": v["charger_efficiency"], "aux_power_w": v["aux_power_w"]}


def usable(records) -> list:
    """The battery-electric records in the error statistics."""
    return [r for r in records if r.status.startswith("ok") and r.powertrain == "bev"]


def halves(records) -> dict[str, np.ndarray]:
    """Record indices of halves ``a`` and ``b`` (makes sorted, dealt alternately) and all."""
    makes = sorted({r.make.strip().upper() for r in records})
    side = {m: "ab"[k % 2] for k, m in enumerate(makes)}
    tag = np.array([side[r.make.strip().upper()] for r in records])
    return {"a": np.flatnonzero(tag == "a"), "b": np.flatnonzero(tag == "b"),
            "all": np.arange(len(records))}


def _init(path):
    global _RECORDS
    _RECORDS = usable(classify(read_testcar(path), "bev"))


def _chunk(args):
    x, idx = args
    d = defaults_from(x)
    out = []
    for i in idx:
        r = _RECORDS[i]
        try:
            out.append((predict(r, d) - r.measured) / r.measured * 100)
        except EdriveError:  # a parameter set this car cannot be built with
            out.append(np.nan)
    return out


def errors(pool, x, idx, workers: int = 2) -> np.ndarray:
    parts = pool.map(_chunk, [(x, idx[k::workers]) for k in range(workers)])
    e = np.empty(len(idx))
    for k, part in enumerate(parts):
        e[k::workers] = part
    return e


def bar_features(r) -> tuple[float, float]:
    """Road-load energy per mile [Wh/mi] of record ``r``'s simulation and its test mass [kg]."""
    from edrive.sim.bev import simulate

    veh = vehicle_from_record(r)
    s = simulate(veh, r.cycle).summary
    return (s["energy_j"]["road_load_j"] / 3600 / (s["distance_m"] / MILE_M),
            veh.mass.test_mass_kg)


def regression_bar(records, fit_idx, mapper=map) -> tuple[np.ndarray, dict]:
    """Errors [%] in MPGe of the three-constant formula (module docstring), fitted per cycle
    on the records ``fit_idx``, for every record, and its constants (a, b, c) per cycle;
    ``mapper`` maps :func:`bar_features` over the records (``map`` or a pool's)."""
    feats = np.array(list(mapper(bar_features, records)))
    wh = np.array([MPGE_WH_PER_GALLON / r.measured for r in records])
    cycles = np.array([r.cycle for r in records])
    x = np.column_stack([np.ones(len(wh)), feats])
    e, constants = np.full(len(wh), np.nan), {}
    for cyc in ("udds", "hwfet"):
        fit = np.intersect1d(fit_idx, np.flatnonzero(cycles == cyc))
        w = 1.0 / wh[fit]  # least squares of the relative error
        coef = np.linalg.lstsq(x[fit] * w[:, None], wh[fit] * w, rcond=None)[0]
        sel = cycles == cyc
        e[sel] = (wh[sel] / (x[sel] @ coef) - 1) * 100  # predicted MPGe / measured - 1
        constants[cyc] = coef
    return e, constants


def report(label, e, cycles):
    for cyc in ("udds", "hwfet"):
        sel = (cycles == cyc) & np.isfinite(e)
        print(f"  {label:9s} {cyc:5s}: n={sel.sum():4d}  MAE {np.mean(np.abs(e[sel])):5.2f} %  "
              f"bias {np.mean(e[sel]):+5.2f} %  median |e| {np.median(np.abs(e[sel])):5.2f} %")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--half", choices=("a", "b", "all"), default="a")
    ap.add_argument("--nfev", type=int, default=400)
    ap.add_argument("--bar", action="store_true",
                    help="score the three-constant formula instead of fitting")
    args = ap.parse_args(argv)
    try:
        _init(args.file)
    except EdriveError as exc:
        ap.exit(2, f"{ap.prog}: error: {exc}\n")
    cycles = np.array([r.cycle for r in _RECORDS])
    sets = halves(_RECORDS)
    fit_idx = sets[args.half]
    print(f"fit makes ({args.half}):",
          ", ".join(sorted({_RECORDS[i].make.strip().upper() for i in fit_idx})))
    x0 = library_defaults()
    with Pool(2, initializer=_init, initargs=(args.file,)) as pool:
        if args.bar:
            e_bar, constants = regression_bar(_RECORDS, fit_idx, pool.map)
            e_model = errors(pool, x0, sets["all"])
            for cyc, (a, b, c) in constants.items():
                print(f"{cyc}: E [Wh/mi] = {a:.1f} + {b:.3f} E_road [Wh/mi] + {c:.4f} m [kg]")
            for name, err in (("three-constant formula", e_bar), ("library defaults", e_model)):
                print(name)
                for label in ("a", "b", "all"):
                    tag = f"{label} (fit)" if label == args.half else label
                    report(tag, err[sets[label]], cycles[sets[label]])
            return
        def objective(z):
            e = errors(pool, LOW + z * (HIGH - LOW), fit_idx)
            return float(np.mean(np.abs(np.nan_to_num(e, nan=100.0))))

        res = minimize(objective, np.clip((x0 - LOW) / (HIGH - LOW), 0, 1), method="Powell",
                       bounds=[(0, 1)] * len(x0),
                       options={"maxfev": args.nfev, "xtol": 1e-3, "ftol": 1e-4})
        x = LOW + res.x * (HIGH - LOW)
        print("fitted:", {k: round(float(v), 5) for k, v in zip(NAMES, x, strict=True)})
        e0 = errors(pool, x0, sets["all"])
        e = errors(pool, x, sets["all"])
    for name, err in (("library defaults", e0), ("fitted", e)):
        print(name)
        for label in ("a", "b", "all"):
            tag = f"{label} (fit)" if label == args.half else label
            report(tag, err[sets[label]], cycles[sets[label]])


if __name__ == "__main__":
    main()
