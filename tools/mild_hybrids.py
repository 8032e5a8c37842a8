"""The 48 V mild hybrid records of a Test Car List, simulated as conventional cars (the
validation's default) and as mild hybrids with the generic belt starter-generator
(``edrive.io.epa_icev.GENERIC_MILD_HYBRID``, :mod:`edrive.sim.starter_generator`), beside
their conventional siblings (the same model name without ``MHEV``).

    python tools/mild_hybrids.py FILE.csv

Prints one row per screened record of a mild hybrid or of its siblings: the measured
result, the error as a conventional car and, for the mild hybrids, as a mild hybrid; then
the mean absolute error and bias per cycle.
"""

from __future__ import annotations

import argparse
import re
import sys

import numpy as np

from edrive.errors import EdriveError
from edrive.io.epa_icev import GENERIC_MILD_HYBRID, MILD_HYBRID_NAME
from edrive.io.epa_testcar import classify, predict, read_testcar


def _base(model: str) -> str:
    return re.sub(r"\s+", " ", MILD_HYBRID_NAME.sub("", model)).strip().upper()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    args = ap.parse_args(argv)
    try:
        table = read_testcar(args.file)
    except EdriveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    recs = [r for r in classify(table, "icev")
            if r.status.startswith("ok") and r.cycle in ("ftp75", "hwfet")]
    mild = [r for r in recs if MILD_HYBRID_NAME.search(r.model)]
    bases = {_base(r.model) for r in mild}
    siblings = [r for r in recs if not MILD_HYBRID_NAME.search(r.model)
                and _base(r.model) in bases]
    print(f"{'make':12} {'model':26} {'cycle':6} {'measured':>8} {'conventional':>12} "
          f"{'mild hybrid':>11}")
    errors = {}
    for r in sorted(mild + siblings, key=lambda r: (_base(r.model), r.model, r.cycle)):
        conv = (predict(r) / r.measured - 1) * 100
        line = f"{r.make:12} {r.model:26} {r.cycle:6} {r.measured:8.1f} {conv:+11.1f}%"
        if MILD_HYBRID_NAME.search(r.model):
            mhev = (predict(r, {"mild_hybrid": GENERIC_MILD_HYBRID}) / r.measured - 1) * 100
            line += f" {mhev:+10.1f}%"
            errors.setdefault(r.cycle, []).append((conv, mhev))
        print(line)
    for cycle, e in errors.items():
        e = np.array(e)
        print(f"mild hybrids, {cycle}: n = {len(e)}, as conventional cars MAE "
              f"{np.mean(np.abs(e[:, 0])):.1f} % (bias {np.mean(e[:, 0]):+.1f} %), as mild "
              f"hybrids MAE {np.mean(np.abs(e[:, 1])):.1f} % (bias {np.mean(e[:, 1]):+.1f} %)")


if __name__ == "__main__":
    main()
