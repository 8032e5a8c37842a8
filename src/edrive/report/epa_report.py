"""A validation report of an EPA Test Car List run, by group, in Markdown.

:func:`validation_report` takes the table of :func:`edrive.io.epa_testcar.validate_file` and
writes, for the records in the error statistics (status ``ok``), the count, the mean
absolute error, the median absolute error and the mean signed error (bias) by powertrain and
cycle, by hybrid architecture, by gearbox type, gear count and cylinder count, by rated power
per litre of displacement, by FTP-75 bag,
by make, and for battery-electric cars by number of drive units; records screened out
(:mod:`edrive.io.epa_screen`) are counted per status. An error of +x % means that edrive
predicts x % more MPG(e) (less fuel or energy) than was measured.

Held-out makes
--------------
The generic defaults were fitted to records of the 2022 file, so a figure on that file mixes
in-sample and held-out cars. Each table therefore also gives the figures apart for the makes
the defaults were fitted on (``fit``) and for the others (``held out``), by powertrain:

* petrol and diesel (``icev``): ``tools/calibrate_ice_defaults.py --half a`` deals the makes
  with petrol or diesel records of the 2022 file, sorted by name, alternately to halves
  ``a`` and ``b`` and fits on ``a``; those 22 makes are :data:`CALIBRATION_MAKES` ``icev``;
* battery-electric (``bev``): ``tools/calibrate_bev_defaults.py --half a`` deals the makes
  with battery-electric UDDS or HWFET records of the 2022 file in the error statistics,
  sorted by name, alternately to halves ``a`` and ``b`` and fits on ``a``; those 9 makes are
  :data:`CALIBRATION_MAKES` ``bev`` (the library defaults are that fit's optimum, see
  docs/validation.md section 1);
* hybrids (``hev``): the operating rules marked "fitted" in
  :mod:`edrive.sim.energy_management` were fitted with ``tools/calibrate_hev_defaults.py``
  on the makes in even positions of the sorted list of the 2022 file's makes with hybrid
  records (10 makes, 82 records, before the screening); the sizing rules of
  :mod:`edrive.io.epa_hybrid` are estimates from published specifications, not fitted.

The lists are fixed (names as the 2022 file spells them, compared in upper case), so that a
file of another model year is split the same way: a make the fit never saw is held out.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import EdriveError, format_path
from ..io.epa_screen import STATUSES
from ..limits import read_text_bounded

MAX_BASELINE_FILE_BYTES = 200_000_000
"""Largest baseline file read (``EDRIVE_MAX_BASELINE_FILE_BYTES``); a whole year's table is
about 1 MB."""
BASELINE_COLUMNS = ("test_number", "procedure", "status", "error_pct")

CALIBRATION_MAKES: dict[str, frozenset[str]] = {
    "icev": frozenset({
        "ACURA", "ASTON MARTIN", "BENTLEY", "BMX", "BUICK", "CHEVROLET", "DODGE", "FIAT",
        "GENESIS", "HONDA", "INFINITI", "JEEP", "LAMBORGHINI", "LEXUS", "MASERATI", "MCLAREN",
        "MINI", "NISSAN", "RAM", "ROLLS ROYCE", "TOYOTA", "VOLVO"}),
    "bev": frozenset({
        "2022", "BMW", "FORD", "JAGUAR", "MAZDA", "NISSAN", "POLESTAR2 DUAL MOTOR", "RIVIAN",
        "VOLKSWAGEN"}),
    "hev": frozenset({
        "ACURA", "BMW", "FERRARI", "HONDA", "JEEP", "LAND ROVER", "LINCOLN", "MITSUBISHI",
        "SUBARU", "VOLVO"}),
}
CYCLE_NAMES = {"udds": "UDDS", "hwfet": "HWFET", "ftp75": "FTP-75"}
POWERTRAIN_NAMES = {"bev": "battery-electric", "icev": "petrol and diesel", "hev": "hybrid"}


def split_of(make: str, powertrain: str) -> str:
    """``fit`` when the defaults of this powertrain were fitted on this make's 2022 records,
    else ``held out`` (see the module docstring)."""
    fit = CALIBRATION_MAKES.get(powertrain, frozenset())
    return "fit" if str(make).strip().upper() in fit else "held out"


def _stats(e: np.ndarray) -> list[str]:
    if len(e) == 0:
        return ["0", "", "", ""]
    return [str(len(e)), f"{np.mean(np.abs(e)):.1f} %", f"{np.median(np.abs(e)):.1f} %",
            f"{np.mean(e):+.1f} %"]


def _before_stats(g: pd.DataFrame) -> list[str]:
    if "error_before" not in g.columns:
        return []
    e = g["error_before"].to_numpy(dtype=float)
    e = e[np.isfinite(e)]
    if len(e) == 0:
        return ["0", "", ""]
    return [str(len(e)), f"{np.mean(np.abs(e)):.1f} %", f"{np.mean(e):+.1f} %"]


def _split_stats(g: pd.DataFrame) -> list[str]:
    out = []
    for side in ("fit", "held out"):
        e = g.loc[g["split"] == side, "error_pct"].to_numpy()
        out += [str(len(e)), f"{np.mean(np.abs(e)):.1f} %" if len(e) else "",
                f"{np.mean(e):+.1f} %" if len(e) else ""]
    return out


def _label(value) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "unknown"
        return f"{value:g}"
    if value == "":
        return "unknown"
    return CYCLE_NAMES.get(value, POWERTRAIN_NAMES.get(value, str(value)))


def _cell(text: str) -> str:
    """A table cell from file text, inert in Markdown: one line, no column break, no HTML
    tag, no emphasis or link syntax (the file's names are data, never markup)."""
    text = " ".join(str(text).split())
    for ch in "\\|*_`[]<>#!":
        text = text.replace(ch, "\\" + ch)
    return text


def _md(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


STAT_HEADER = ["records", "mean abs. error", "median abs. error", "bias",
               "fit makes", "MAE", "bias", "held-out makes", "MAE", "bias"]


BEFORE_HEADER = ["records before", "MAE before", "bias before"]


def group_table(ok: pd.DataFrame, by: Iterable[str]) -> str:
    """A Markdown table of the error statistics of ``ok`` records grouped by the columns
    ``by`` (their values as labels), with the fit and held-out makes apart, and, where
    ``ok`` has an ``error_before`` column (:func:`with_baseline`), the baseline's errors of
    the same records."""
    by = list(by)
    rows = []
    for key, g in ok.groupby(by, sort=True, dropna=False, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        rows.append([_label(k) for k in key] + _stats(g["error_pct"].to_numpy())
                    + _split_stats(g) + _before_stats(g))
    before = BEFORE_HEADER if "error_before" in ok.columns else []
    return _md(rows, [b.replace("_", " ") for b in by] + STAT_HEADER + before)


def read_baseline(path: str | Path) -> pd.DataFrame:
    """A table written earlier by ``edrive epa validate --out`` (columns ``test_number``,
    ``procedure``, ``status``, ``error_pct`` at least): its ``ok`` records' errors, one per
    test number and procedure. Refused with one line: a file too large
    (``EDRIVE_MAX_BASELINE_FILE_BYTES``), not UTF-8 CSV, or without those columns."""
    path = Path(path)
    what = "baseline file"
    expected = "a CSV written by edrive epa validate --out"
    text = read_text_bounded(path, what, expected, "EDRIVE_MAX_BASELINE_FILE_BYTES",
                             MAX_BASELINE_FILE_BYTES, encoding="utf-8-sig")
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EdriveError(f"{what} {format_path(path)}: not readable as CSV ({first}); "
                          f"expected {expected}") from None
    missing = [c for c in BASELINE_COLUMNS if c not in table.columns]
    if missing:
        raise EdriveError(f"{what} {format_path(path)}: missing column(s) "
                          f"{', '.join(missing)}; expected {expected}")
    # "ok", or "ok: <reason>" as tables written before the status_detail column have it
    ok = table[table["status"].str.split(":").str[0].str.strip() == "ok"]
    err = pd.to_numeric(ok["error_pct"], errors="coerce")
    out = pd.DataFrame({"test_number": ok["test_number"].str.strip(),
                        "procedure": ok["procedure"].str.strip(), "error_before": err})
    out = out[np.isfinite(out["error_before"])]
    return out.drop_duplicates(["test_number", "procedure"])


def with_baseline(ok: pd.DataFrame, baseline: pd.DataFrame | None) -> pd.DataFrame:
    """``ok`` with the baseline's error of each record (matched by test number and
    procedure; NaN where the baseline has none) as ``error_before``."""
    if baseline is None:
        return ok
    return ok.merge(baseline, how="left", on=["test_number", "procedure"], validate="m:1")


def _bag_table(ok: pd.DataFrame) -> str:
    rows = []
    ftp = ok[ok["cycle"] == "ftp75"]
    for pt, g in ftp.groupby("powertrain", sort=True):
        for b in ("bag1", "bag2", "bag3"):
            m, p = g[f"measured_{b}"], g[f"predicted_{b}"]
            sel = (m > 0) & np.isfinite(p)
            h = g[sel].assign(error_pct=(p[sel] - m[sel]) / m[sel] * 100)
            rows.append([_label(pt), f"bag {b[-1]}"] + _stats(h["error_pct"].to_numpy())
                        + _split_stats(h))
    return _md(rows, ["powertrain", "bag"] + STAT_HEADER)


def _status_table(df: pd.DataFrame) -> str:
    rows = []
    for pt, g in df.groupby("powertrain", sort=True):
        counts = g["status"].value_counts()
        rows.append([_label(pt)] + [str(int(counts.get(s, 0))) for s in STATUSES]
                    + [str(len(g))])
    total = df["status"].value_counts()
    rows.append(["all"] + [str(int(total.get(s, 0))) for s in STATUSES] + [str(len(df))])
    return _md(rows, ["powertrain", *STATUSES, "all"])


SPECIFIC_POWER_BANDS_KW_L = (70.0, 100.0, 130.0)
"""Bands of rated power per litre of displacement: up to 70 kW/L the generic engine of a
record has the aspirated kind's full-load shape (``GENERIC_ICE["turbo_specific_power_w_per_l"]``),
above it the boosted kind's; engine eq. 2a lowers the indicated efficiency of every rating
above the aspirated bmep (62.5 kW/L at the generic 6,000 rpm), the more the higher it is."""


def specific_power_band(rated_power_kw: pd.Series, displacement_l: pd.Series) -> pd.Series:
    """Each record's band of rated power per litre (:data:`SPECIFIC_POWER_BANDS_KW_L`) as an
    ordered category; no rating or displacement: missing."""
    edges = SPECIFIC_POWER_BANDS_KW_L
    labels = ([f"up to {edges[0]:g} kW/L"]
              + [f"{a:g}-{b:g} kW/L" for a, b in pairwise(edges)]
              + [f"above {edges[-1]:g} kW/L"])
    kw_l = rated_power_kw / displacement_l.where(displacement_l > 0)
    return pd.cut(kw_l, [0.0, *edges, math.inf], labels=labels)


def prepare(df: pd.DataFrame) -> pd.DataFrame:
    """The ``ok`` records with their ``split`` (fit or held-out make)."""
    ok = df[df["status"] == "ok"].copy()
    ok["split"] = [split_of(m, p) for m, p in zip(ok["make"], ok["powertrain"])]
    return ok


INTRO = ("An error of +x % means that edrive predicts x % more MPG or MPGe (less fuel or "
         "energy) than was measured. Only records with status `ok` are in the statistics; "
         "\"fit makes\" are the makes the generic defaults of that powertrain were fitted on, "
         "\"held-out makes\" the others (`edrive.report.epa_report`).")
SPLIT_ICE = ("* petrol and diesel: fitted on half `a` of the 2022 file's makes "
             "(`tools/calibrate_ice_defaults.py --half a`): ")
SPLIT_BEV = ("* battery-electric: fitted on the makes in even positions of the sorted list of "
             "the 2022 file's battery-electric makes (`tools/calibrate_bev_defaults.py "
             "--half a`): ")
SPLIT_HEV = ("* hybrids: operating rules fitted on the makes in even positions of the sorted "
             "list of the 2022 file's hybrid makes (`tools/calibrate_hev_defaults.py`): ")
BASELINE_NOTE = ("\"before\": the baseline run's errors of the same records (matched by test "
                 "number and procedure, where the baseline simulated them as `ok`).")
BAGS = ("Each bag's fuel economy against the file's `FE Bag 1-3`; the cold-start fuel is "
        "added to bag 1.")


def validation_report(df: pd.DataFrame, source: str, heading_level: int = 1,
                      baseline: pd.DataFrame | None = None) -> str:
    """The Markdown report of a :func:`~edrive.io.epa_testcar.validate_file` table (see the
    module docstring); ``source`` names the file in the title. With a ``baseline``
    (:func:`read_baseline`: an earlier run's table), each group also gives the baseline's
    errors of the same records, so that a modelling change is judged group by group."""
    h = "#" * heading_level
    ok = with_baseline(prepare(df), baseline)
    ice = ok[ok["powertrain"].isin(["icev", "hev"])]
    hev = ok[ok["powertrain"] == "hev"].assign(
        kind=lambda d: np.where(d["plug_in"].astype(bool), "plug-in (charge-sustaining)",
                                "full hybrid"))
    bev = ok[ok["powertrain"] == "bev"]
    apart = df[(df["status"] == "placeholder_rating") & df["error_pct"].notna()]
    parts = [
        f"{h} Validation report: {source}",
        INTRO,
        *([BASELINE_NOTE] if baseline is not None else []),
        f"{h}# Records by status",
        _status_table(df),
        f"{h}# Calibration and held-out makes",
        SPLIT_ICE + ", ".join(sorted(CALIBRATION_MAKES["icev"])) + "; every other make is held out.",
        SPLIT_BEV + ", ".join(sorted(CALIBRATION_MAKES["bev"]))
        + "; every other make is held out.",
        SPLIT_HEV + ", ".join(sorted(CALIBRATION_MAKES["hev"])) + "; every other make is held out.",
        f"{h}# By powertrain and cycle",
        group_table(ok, ["powertrain", "cycle"]),
    ]
    if len(hev):
        parts += [f"{h}# Hybrids by architecture", group_table(hev, ["architecture", "kind",
                                                                     "cycle"])]
    if len(ice):
        parts += [f"{h}# Petrol, diesel and hybrid cars by gearbox type (EPA code)",
                  group_table(ice, ["powertrain", "transmission", "cycle"]),
                  f"{h}# By gear count",
                  group_table(ice, ["powertrain", "gears", "cycle"]),
                  f"{h}# By cylinder count",
                  group_table(ice, ["powertrain", "cylinders", "cycle"])]
        if "rated_power_kw" in ice.columns:
            parts += [f"{h}# By rated power per litre of displacement",
                      group_table(ice.assign(specific_power=specific_power_band(
                          ice["rated_power_kw"], ice["displacement_l"])),
                          ["powertrain", "specific_power", "cycle"])]
        if ice["cycle"].eq("ftp75").any():
            parts += [f"{h}# FTP-75 by bag (bag 1 cold start, 2 stabilised, 3 hot start)",
                      BAGS, _bag_table(ice)]
    if len(ice):
        parts += [f"{h}# Petrol, diesel and hybrid cars by make",
                  group_table(ice.assign(make=ice["make"].str.strip().str.upper()),
                              ["powertrain", "make", "cycle"])]
    if len(bev):
        parts += [f"{h}# Battery-electric cars by drive units",
                  group_table(bev, ["drive_units", "cycle"]),
                  f"{h}# Battery-electric cars by make",
                  group_table(bev.assign(make=bev["make"].str.strip().str.upper()),
                              ["make", "cycle"])]
    if len(apart):
        e = apart["error_pct"].to_numpy()
        apart_text = (f"{len(e)} battery-electric records with a placeholder rating were built "
                      f"with the documented defaults: mean absolute error "
                      f"{np.mean(np.abs(e)):.1f} %, bias {np.mean(e):+.1f} %.")
        parts += [f"{h}# Placeholder ratings (not in the statistics)", apart_text]
    return "\n\n".join(parts) + "\n"
