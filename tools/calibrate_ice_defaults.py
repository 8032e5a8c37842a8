"""Fit the generic petrol/diesel defaults used by ``edrive epa validate`` (engine efficiency
and losses, driveline inertia, transmission losses) to a Test Car List file: one set for all
cars, every parameter bounded to a physically plausible range.

    python tools/calibrate_ice_defaults.py FILE.csv [--half a|b|all] [--stride N] [--nfev N]
                                                   [--fuel petrol|diesel] [--only NAME,...]

``--fuel petrol`` (default) fits the petrol parameters (``PARAMETERS``) on the petrol
records; ``--fuel diesel`` fits the diesel engine's indicated efficiency and friction factor
(``DIESEL_PARAMETERS``) on the diesel records alone. ``--only`` fits the named parameters
and holds the others at their shipped values (the start values below).

The fit minimises a robust (soft-L1) sum of the percentage errors over the FTP-75 and HWFET
records of the chosen half of the makes (half ``a``: the makes of
``edrive.report.epa_report.CALIBRATION_MAKES["icev"]``, which are the 2022 file's makes with
petrol or diesel records sorted by name and dealt alternately, the first to ``a``; half
``b``: every other make), so that the other half is a held-out check; ``--stride`` takes
every N-th record of the fitting set to save time. It prints the fitted values and the mean
absolute error, bias and median absolute error per cycle on the fitting half, the held-out
half and the whole file.
"""

from __future__ import annotations

import argparse
from multiprocessing import Pool

import numpy as np
from scipy.optimize import least_squares

from edrive.errors import EdriveError
from edrive.io.epa_testcar import classify, predict, read_testcar
from edrive.report.epa_report import CALIBRATION_MAKES

# name, low, start, high (physical ranges; see docs/validation.md); the start values are
# the shipped defaults
PARAMETERS = [
    ("indicated_efficiency_petrol", 0.38, 0.418, 0.47),
    ("knock_compression_exponent", 0.0, 0.616, 0.769),  # k of engine eq. (2a), <= 1/gamma
    ("friction_factor_petrol", 0.5, 0.567, 1.2),
    ("pmep0_pa", 20e3, 90e3, 90e3),
    ("input_inertia_kg_m2_per_l", 0.03, 0.30, 0.30),
    ("drag_torque_nm", 0.5, 0.72, 5.0),
]
# kept at its estimate from the published component friction models (not fitted: with k_f
# free, fuel economy alone cannot tell the fixed share from the rest of the friction)
FRICTION_FIXED_SHARE = 0.25
# the 2022 file holds usable diesel HWFET records only (16), on which the indicated
# efficiency and the friction trade against each other; both are bounded to their physical
# ranges (passenger-car diesel friction mep about 0.6-1.3 times the Barnes-Moss SI values)
DIESEL_PARAMETERS = [
    ("indicated_efficiency_diesel", 0.40, 0.45, 0.52),
    ("friction_factor_diesel", 0.6, 1.3, 1.8),
]
TURBO_KINDS = ("turbo_petrol", "twin_turbo_v8_petrol", "supercharged_v8_petrol")
_RECORDS: list = []
_FUEL = "petrol"


def parameters(fuel: str) -> list[tuple]:
    return PARAMETERS if fuel == "petrol" else DIESEL_PARAMETERS


def defaults_from(x, fuel: str = "petrol") -> dict:
    """GENERIC_ICE overrides for the parameter vector ``x`` (see PARAMETERS or
    DIESEL_PARAMETERS)."""
    names = [p[0] for p in parameters(fuel)]
    v = dict(zip(names, (float(a) for a in x), strict=True))
    if fuel == "diesel":
        return {"engine_by_kind": {"turbo_diesel": {
            "indicated_efficiency": v["indicated_efficiency_diesel"],
            "friction_factor": v["friction_factor_diesel"]}}}
    petrol = {"friction_factor": v["friction_factor_petrol"], "pmep0_pa": v["pmep0_pa"],
              "friction_fixed_share": FRICTION_FIXED_SHARE}
    # every petrol record's engine is built by engine_from_rating, its indicated efficiency
    # from eq. (2a): the aspirated value and the exponent
    by_kind = {kind: petrol for kind in ("petrol", *TURBO_KINDS)}
    return {"engine_by_kind": by_kind,
            "indicated_efficiency_aspirated": v["indicated_efficiency_petrol"],
            "knock_compression_exponent": v["knock_compression_exponent"],
            "input_inertia_kg_m2_per_l": v["input_inertia_kg_m2_per_l"],
            "transmission": {"drag_torque_nm": v["drag_torque_nm"]}}


def _is_diesel(r) -> bool:
    return "diesel" in r.fields["fuel"].lower()


def _init(path, fuel="petrol"):
    global _RECORDS, _FUEL
    _FUEL = fuel
    _RECORDS = [r for r in classify(read_testcar(path), "icev")
                if r.status.startswith("ok") and _is_diesel(r) == (fuel == "diesel")]


def _chunk(args):
    x, idx = args
    out = []
    d = defaults_from(x, _FUEL)
    for i in idx:
        r = _RECORDS[i]
        try:
            out.append((predict(r, d) - r.measured) / r.measured * 100)
        except Exception:  # noqa: BLE001 - an infeasible parameter set for this car scores NaN
            out.append(np.nan)
    return out


def errors(pool, x, idx, workers: int = 2) -> np.ndarray:
    parts = pool.map(_chunk, [(x, idx[k::workers]) for k in range(workers)])
    e = np.empty(len(idx))
    for k, part in enumerate(parts):
        e[k::workers] = part
    return e


def halves(records) -> dict[str, np.ndarray]:
    tag = np.array(["a" if r.make.strip().upper() in CALIBRATION_MAKES["icev"] else "b"
                    for r in records])
    return {"a": np.flatnonzero(tag == "a"), "b": np.flatnonzero(tag == "b"),
            "all": np.arange(len(records))}


def report(label, e, cycles):
    for cyc in ("ftp75", "hwfet"):
        sel = (cycles == cyc) & np.isfinite(e)
        if not sel.any():
            continue
        print(f"  {label:9s} {cyc}: n={sel.sum():4d}  MAE {np.mean(np.abs(e[sel])):5.2f} %  "
              f"bias {np.mean(e[sel]):+5.2f} %  median |e| {np.median(np.abs(e[sel])):5.2f} %")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--half", choices=("a", "b", "all"), default="a")
    ap.add_argument("--stride", type=int, default=3)
    ap.add_argument("--nfev", type=int, default=40)
    ap.add_argument("--fuel", choices=("petrol", "diesel"), default="petrol")
    ap.add_argument("--only", default="", help="comma-separated parameter names to fit")
    args = ap.parse_args(argv)
    params = parameters(args.fuel)
    names = [p[0] for p in params]
    low, x0, high = (np.array([p[k] for p in params]) for k in (1, 2, 3))
    free = np.ones(len(names), dtype=bool)
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = sorted(set(wanted) - set(names))
        if not wanted:
            ap.error(f"--only: {args.only!r} names no parameter; allowed: {', '.join(names)}")
        if unknown:
            ap.error(f"--only: unknown parameter {unknown[0]!r}; allowed: {', '.join(names)}")
        free = np.array([n in wanted for n in names])
    try:
        _init(args.file, args.fuel)
    except EdriveError as exc:
        ap.exit(2, f"{ap.prog}: error: {exc}\n")
    cycles = np.array([r.cycle for r in _RECORDS])
    sets = halves(_RECORDS)
    fit_idx = sets[args.half][::args.stride]
    with Pool(2, initializer=_init, initargs=(args.file, args.fuel)) as pool:
        print("start:")
        e0 = errors(pool, x0, sets["all"])
        for label in ("a", "b"):
            report(label, e0[sets[label]], cycles[sets[label]])

        z0 = (x0 - low) / (high - low)

        def vector(zf):
            z = z0.copy()
            z[free] = zf
            return low + z * (high - low)

        def residuals(zf):
            e = errors(pool, vector(zf), fit_idx)
            return np.nan_to_num(e, nan=100.0) / 10.0

        res = least_squares(residuals, z0[free], bounds=(0, 1),
                            loss="soft_l1", f_scale=0.5, diff_step=0.02,
                            max_nfev=args.nfev, x_scale=1.0)
        x = vector(res.x)
        print("fitted:", {k: round(float(v), 4) for k, v in zip(names, x, strict=True)})
        e = errors(pool, x, sets["all"])
    for label in ("a", "b", "all"):
        tag = f"{label} (fit)" if label == args.half else label
        idx = sets[label]
        report(tag, e[idx], cycles[idx])


if __name__ == "__main__":
    main()
