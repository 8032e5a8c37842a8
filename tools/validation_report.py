"""Regenerate the validation report of an EPA Test Car List file and the generated tables of
docs/validation.md.

    python tools/validation_report.py FILE.csv [--report docs/epa_validation_report.md]
                                               [--docs docs/validation.md]
                                               [--baseline BEFORE.csv]

Runs ``edrive epa validate`` (:func:`edrive.io.epa_testcar.validate_file`) on FILE, writes the
whole report by group (:func:`edrive.report.epa_report.validation_report`) to ``--report``,
and replaces, in ``--docs``, the text between the lines ``<!-- generated: epa-overview -->``
and ``<!-- end generated -->`` with the records by status and the error by powertrain and
cycle (fit and held-out makes apart). The prose around the markers is not touched. With
``--baseline`` (a table written earlier by ``edrive epa validate --out``) every group also
gives that run's errors of the same records.
"""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime
from pathlib import Path

from edrive.errors import EdriveError
from edrive.io.epa_testcar import validate_file
from edrive.io.output import write_outputs
from edrive.report.epa_report import BASELINE_NOTE, read_baseline, validation_report

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- generated: epa-overview -->", "<!-- end generated -->"


def overview(report: str) -> str:
    """The status and powertrain-by-cycle sections of a report, one heading level down."""
    keep = []
    for section in report.split("\n## ")[1:]:
        title = section.split("\n", 1)[0]
        if title in ("Records by status", "By powertrain and cycle"):
            keep.append("#### " + section.strip())
    return "\n\n".join(keep)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--report", default=str(ROOT / "docs" / "epa_validation_report.md"))
    ap.add_argument("--docs", default=str(ROOT / "docs" / "validation.md"))
    ap.add_argument("--baseline", default=None)
    args = ap.parse_args(argv)
    try:
        before = read_baseline(args.baseline) if args.baseline else None
        table = validate_file(args.file)
    except EdriveError as exc:
        ap.exit(2, f"{ap.prog}: error: {exc}\n")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    report = validation_report(table, Path(args.file).name, baseline=before)
    report = report.replace("\n\n", f"\n\nGenerated on {stamp} by `python tools/validation_report.py "
                                   f"{Path(args.file).name}`.\n\n", 1)
    docs = Path(args.docs).read_text()
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(docs):
        raise SystemExit(f"{args.docs}: no {START} ... {END} block to replace")
    note = f"{BASELINE_NOTE}\n\n" if before is not None else ""
    block = f"{START}\n\n{note}{overview(report)}\n\n{END}"
    write_outputs({args.report: report, args.docs: pattern.sub(lambda m: block, docs)})
    print(f"wrote {args.report} and the generated block of {args.docs}")


if __name__ == "__main__":
    main()
