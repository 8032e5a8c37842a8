"""The US EPA Test Car List: read any model year's file, build a car from each test record,
simulate the test and compare with the measured result.

EPA publishes one file per model year ("Data on Cars Used for Testing Fuel Economy"). The
forms differ between years: latin-1 text, an optional UTF-8 byte-order mark, quoted or bare
header names, and in some years carriage-return-only line ends. :func:`read_testcar` accepts
all of them, and refuses a damaged file (a cut-off last row, a stray byte) with an error
naming the line rather than scoring a wrong number.

From each record a car is built (:func:`vehicle_from_record`) with the record's equivalent
test weight as the simulated mass, its target road-load coefficients A/B/C, its rated power,
drive system and N/V ratio, and documented generic defaults for everything the file does not
hold (see ``GENERIC`` and ``docs/validation.md``). No value is tuned per car.

Battery-electric records (``Charge Depleting UDDS`` / ``Charge Depleting Highway``, fuel type
``Electricity``) are results in MPGe computed from AC (wall) recharge energy at 33,705 Wh per
gallon-equivalent. Some makers file kWh/100 mi under the MPG label: unadjusted electric
results on these cycles lie well above 60 MPGe, while kWh/100 mi values lie between about 15
and 50, so a value below 60 is read as kWh/100 mi and converted.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..constants import HP_W, LB_KG, MILE_M, MPGE_WH_PER_GALLON, MPH_M_S, RPM_RAD_S
from ..errors import EdriveError
from ..vehicle import VehicleSpec, vehicle_from_dict
from .epa_hybrid import hev_from_record
from .epa_icev import GENERIC_ICE, cold_start_fuel_l, icev_from_record
from .epa_screen import (
    DERIVED_COLUMN,
    KWH_PER_100MI_BELOW,
    NV_RANGE_RPM_PER_MPH,
    Record,
    is_awd,
    is_gear_ratio,
    screen,
    simulated,
    status_code,
)

COL = {
    "make": "Represented Test Veh Make",
    "model": "Represented Test Veh Model",
    "test_number": "Test Number",
    "procedure": "Test Procedure Description",
    "fuel": "Test Fuel Type Description",
    "fe": "RND_ADJ_FE",
    "fe_unit": "FE_UNIT",
    "etw_lb": "Equivalent Test Weight (lbs.)",
    "hp": "Rated Horsepower",
    "drive_code": "Drive System Code",
    "drive": "Drive System Description",
    "nv": "N/V Ratio",
    "axle": "Axle Ratio",
    "a": "Target Coef A (lbf)",
    "b": "Target Coef B (lbf/mph)",
    "c": "Target Coef C (lbf/mph**2)",
    "gears": "# of Gears",
    "trans": "Tested Transmission Type Code",
    "lockup": "Transmission Lockup?",
    "displacement_l": "Test Veh Displacement (L)",
    "bag1": "FE Bag 1",
    "bag2": "FE Bag 2",
    "bag3": "FE Bag 3",
    "vehicle_id": "Test Vehicle ID",
    "cylinders": "# of Cylinders and Rotors",
}
REQUIRED = ("procedure", "fe", "etw_lb", "a", "b", "c")

PROCEDURES = {
    "Charge Depleting UDDS": ("udds", "bev"),
    "Charge Depleting Highway": ("hwfet", "bev"),
    "Federal fuel 2-day exhaust (w/can load)": ("ftp75", "icev"),
    "Federal fuel 3-day exhaust": ("ftp75", "icev"),
    "HWFE": ("hwfet", "icev"),
}
# Results above these are not measurements (the 2022 file holds 10000 MPG placeholders): the
# most efficient cars on these cycles reach about 150 MPG (hybrids) and 250 MPGe (EVs).
PLAUSIBLE_MAX = {"bev": 400.0, "icev": 250.0, "hev": 250.0}

# Generic defaults for what the Test Car List does not hold (battery-electric cars).
GENERIC = {
    "wheel_radius_m": 0.34,  # typical passenger-car rolling radius; only r/G matters (N/V)
    "nv_ratio_rpm_per_mph": 110.0,  # when the record has no plausible N/V ratio
    "speed_top_mph": 120.0,  # motor maximum speed = N/V x this
    "constant_power_speed_ratio": 3.0,  # maximum / base speed of the motor
    "battery_cells_series": 96,  # ~355 V nominal NMC pack
    "battery_cell_capacity_ah": 150.0,
    "battery_cell_resistance_ohm": 1.05e-3,  # 0.10 ohm pack per 100 kW of rated power
    "battery_power_per_parallel_string_w": 100e3,
    "specific_power_w_per_kg": 75.0,  # when the rated power is implausible (below 25 W/kg)
    "losses": {},  # GenericLosses fields; empty = the library defaults
    "charger_efficiency": None,  # None = the library default
    "aux_power_w": None,
}


# Hybrids among the petrol records. The file has no powertrain column for them, and a model
# name need not say "hybrid" (Toyota Sienna, Honda CR-V, Ford Maverick). A petrol record is
# taken as a hybrid's when (a) its model name says so, (b) the same test vehicle also has
# charge-depleting (plug-in) records, or (c) the same test vehicle's HWFET result is less
# than HYBRID_HIGHWAY_OVER_CITY times its FTP-75 result. A conventional car spends more
# fuel per mile in the city (braking dissipates the kinetic energy, the engine idles and
# runs at light load), so its highway/city ratio lies well above one; regenerative braking
# and engine-off driving bring a hybrid's near or below one. In the 2022 file 745 of the 822
# petrol test vehicles with both tests lie at 1.2 or above, and the 77 below are all hybrids:
# by name, by their plug-in records, or models sold in 2022 only as hybrids (Prius, Insight,
# Ioniq, Niro, Venza, Sienna, NSX) or hybrid-like results (CR-V AWD and Maverick at 56 MPG
# city). The conventional cars nearest the limit sit at 1.22-1.25 (Buick Encore GX, Ford
# Bronco).
HYBRID_HIGHWAY_OVER_CITY = 1.2
HYBRID_NAME = re.compile(r"hybrid|\b[pf]?hev\b|plug-in|recharge|\b4xe\b|tfsie|\b\d{3}[he]\b"
                         r"|xdrive\d{2}e\b|\bt8\b", re.IGNORECASE)
FTP_COLD_WEIGHT = 0.43  # 40 CFR 600.113: city = 1 / (0.43 / FE_cold + 0.57 / FE_hot)


def _known_fuel(fuel: str) -> bool:
    f = fuel.lower()
    return "gasoline" in f and "e85" not in f and "cold co" not in f or "diesel" in f


def read_testcar(path: str | Path) -> pd.DataFrame:
    """Read an EPA Test Car List file of any model year into a DataFrame (text columns).

    The text is UTF-8 (with or without a byte-order mark) or, in a file with no UTF-8
    character beyond ASCII, Windows-1252 (which reads latin-1's printable characters
    alike). Refused with an error naming the line, not guessed: a byte that is neither (in
    a UTF-8 file: one stray byte), a row with more or fewer fields than the header (a
    download cut off ends in one), broken quoting; refused as well: a file without records.
    A last line without its line end but with all its fields is taken as complete.
    """
    path = Path(path)
    if not path.is_file():
        raise EdriveError(f"EPA file {str(path)!r} does not exist")
    where = f"EPA file {path.name}"
    text = _decode(path.read_bytes(), where).replace("\r\n", "\n").replace("\r", "\n")
    header, *records = _csv_rows(text, where)
    columns = [c.strip().strip('"').strip() for c in header]
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise EdriveError(f"{where}: column(s) {', '.join(map(repr, twice))} appear more than "
                          "once in the header")
    missing = [COL[k] for k in REQUIRED if COL[k] not in columns]
    if missing:
        raise EdriveError(f"{where}: missing column(s) {', '.join(repr(m) for m in missing)}"
                          "; is this an EPA Test Car List file?")
    if not records:
        raise EdriveError(f"{where}: no test records, only the header")
    return pd.DataFrame(records, columns=columns, dtype=str)


# a character of two to four bytes in UTF-8
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                             rb"|[\xf0-\xf4][\x80-\xbf]{3}")


def _decode(raw: bytes, where: str) -> str:
    """UTF-8, or Windows-1252 when no character of the file is UTF-8 beyond ASCII (see
    :func:`read_testcar`)."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        error, encoding = exc, "UTF-8 (as the rest of the file)"
    if not _UTF8_MULTIBYTE.search(raw):
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            error, encoding = exc, "UTF-8 or Windows-1252 (latin-1) text"
    line = 1 + len(re.findall(rb"\r\n|\r|\n", raw[:error.start]))
    raise EdriveError(f"{where}: line {line}: byte 0x{raw[error.start]:02x} is not "
                      f"{encoding}; correct or remove it")


def _csv_rows(text: str, where: str) -> list[list[str]]:
    """The header and the records, each with as many fields as the header (blank lines
    left out)."""
    reader = csv.reader(io.StringIO(text), skipinitialspace=True, strict=True)
    rows, width, start = [], None, 1
    try:
        for row in reader:
            if row and (len(row) > 1 or row[0].strip()):
                width = width or len(row)
                if len(row) != width:
                    raise EdriveError(_field_count_error(where, start, len(row), width,
                                                         reader.line_num, text))
                rows.append(row)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise EdriveError(f"{where}: line {start}: not readable as CSV ({exc})") from None
    if not rows:
        raise EdriveError(f"{where}: empty; expected a header and test records")
    return rows


def _field_count_error(where: str, line: int, found: int, width: int, last_line: int,
                       text: str) -> str:
    if text.count("\n") < last_line:  # the file's last line, without its line end
        return (f"{where}: line {line}, the last, has {found} fields, the header {width}, and "
                "no line end: the file is cut off (an interrupted download?); fetch it again "
                "or remove the line")
    return f"{where}: line {line} has {found} fields, the header {width}; correct or remove it"


def _num(value) -> float:
    try:
        x = float(str(value).strip())
    except ValueError:
        return math.nan
    return x if math.isfinite(x) else math.nan


def hybrid_vehicles(df: pd.DataFrame) -> set[str]:
    """Test vehicle IDs of the hybrids and plug-in hybrids in a file (see
    ``HYBRID_HIGHWAY_OVER_CITY``); empty when the file has no vehicle ID column."""
    vid = COL["vehicle_id"]
    if vid not in df.columns:
        return set()
    proc = df[COL["procedure"]].str.strip()
    fuel = df[COL["fuel"]].str.strip().str.lower() if COL["fuel"] in df.columns else ""
    ids = df[vid].str.strip()
    fe = pd.to_numeric(df[COL["fe"]], errors="coerce")
    fe = fe.where((fe > 0) & (fe <= PLAUSIBLE_MAX["icev"]))
    out = set(ids[proc.str.startswith("Charge Depleting")])
    kind = proc.map(lambda p: PROCEDURES.get(p, (None, None))[0])
    petrol = fuel != "electricity"
    city = fe[(kind == "ftp75") & petrol].groupby(ids).median()
    highway = fe[(kind == "hwfet") & petrol].groupby(ids).median()
    ratio = (highway / city).dropna()
    out |= set(ratio.index[ratio < HYBRID_HIGHWAY_OVER_CITY])
    return {i for i in out if i}


def classify(df: pd.DataFrame, powertrain: str = "auto") -> list[Record]:
    """Turn each row into a :class:`Record` with its cycle, measured value and status
    (screened by :func:`edrive.io.epa_screen.screen`: duplicates, derived and label values,
    mixed units, placeholder ratings)."""
    get = lambda row, k: row.get(COL[k], "")
    hybrids = hybrid_vehicles(df)
    plug_ins = set()  # vehicles with charge-depleting records: plug-in hybrids (and BEVs)
    if COL["vehicle_id"] in df.columns:
        proc_all = df[COL["procedure"]].astype(str).str.strip()
        plug_ins = set(df[COL["vehicle_id"]].astype(str).str.strip()[
            proc_all.str.startswith("Charge Depleting")]) - {""}
    out = []
    for i, row in enumerate(df.to_dict("records")):
        proc = str(get(row, "procedure")).strip()
        fuel = str(get(row, "fuel")).strip()
        cycle, kind = PROCEDURES.get(proc, (None, None))
        is_electric = fuel.lower() == "electricity"
        model = str(get(row, "model")).strip()
        hybrid = not is_electric and (powertrain == "hev" or bool(HYBRID_NAME.search(model))
                                      or str(get(row, "vehicle_id")).strip() in hybrids)
        pt = "bev" if is_electric else ("hev" if hybrid else "icev")
        fe = _num(get(row, "fe"))
        unit = "MPGe" if pt == "bev" else "MPG"
        status = "ok"
        if powertrain not in ("auto", pt):
            status = f"skipped: not a {powertrain} record" + (
                " (a hybrid's record)" if pt == "hev" else "")
        elif cycle is None:
            status = f"skipped: procedure {proc!r} is not simulated"
        elif kind == "bev" and not is_electric:
            status = "skipped: charge-depleting record of a plug-in hybrid"
        elif pt != "bev" and not _known_fuel(fuel):
            status = f"skipped: test fuel {fuel!r} is not modelled"
        elif math.isnan(fe) or fe <= 0:
            status = "skipped: no measured result"
        elif fe > PLAUSIBLE_MAX[pt]:
            status = (f"skipped: measured {fe:g} {unit} is not a plausible result for this "
                      f"test (a placeholder?); allowed up to {PLAUSIBLE_MAX[pt]:g}")
        fields = {k: _num(get(row, k)) for k in ("etw_lb", "hp", "nv", "axle", "a", "b", "c",
                                                  "gears", "displacement_l", "cylinders",
                                                  "bag1", "bag2", "bag3")}
        fields["fe_filed"] = fe
        fields["vehicle_id"] = str(get(row, "vehicle_id")).strip()
        fields["trans"] = str(get(row, "trans")).strip().upper()
        fields["lockup"] = str(get(row, "lockup")).strip().upper() == "Y"
        fields["fuel"] = fuel
        fields["drive_code"] = str(get(row, "drive_code")).strip().upper()
        fields["drive"] = str(get(row, "drive")).strip()
        fields["plug_in"] = pt == "hev" and str(get(row, "vehicle_id")).strip() in plug_ins
        if status == "ok":
            bad = [COL[k] for k in ("etw_lb", "a", "b", "c", "hp") if math.isnan(fields[k])]
            if bad:
                status = f"skipped: missing {', '.join(bad)}"
            elif fields["c"] <= 0 or fields["etw_lb"] <= 0 or fields["hp"] <= 0:
                status = "skipped: non-positive test weight, power or C coefficient"
            elif pt != "bev" and not (fields["displacement_l"] > 0 and fields["nv"] > 0):
                status = "skipped: missing displacement or N/V ratio"
        if status == "ok" and pt == "bev" and fe < KWH_PER_100MI_BELOW:
            fe = 100.0 * MPGE_WH_PER_GALLON / 1e3 / fe  # kWh/100 mi -> MPGe
            status = "ok: filed as kWh/100 mi, converted to MPGe"
        out.append(Record(i, str(get(row, "test_number")).strip(), str(get(row, "make")).strip(),
                          str(get(row, "model")).strip(), proc, cycle, pt, fe, unit, status,
                          fields))
    derived = df[DERIVED_COLUMN].tolist() if DERIVED_COLUMN in df.columns else None
    return screen(out, derived)


_is_awd = is_awd  # (the screening's rule)


def vehicle_from_record(rec: Record, defaults: dict | None = None) -> VehicleSpec:
    """A battery-electric car built from a test record and the generic defaults."""
    f = rec.fields
    g = GENERIC | (defaults or {})
    nv = f["nv"]
    r = g["wheel_radius_m"]
    lo, hi = NV_RANGE_RPM_PER_MPH["bev"]
    if is_gear_ratio(nv):  # the reduction ratio typed as the N/V ratio
        nv = nv * MPH_M_S / (RPM_RAD_S * r)
    elif math.isnan(nv) or not (lo <= nv <= hi):
        nv = g["nv_ratio_rpm_per_mph"]
    # N/V: motor rpm per mph -> ratio G = omega_motor r / v
    ratio = nv * RPM_RAD_S * r / MPH_M_S
    power_w = f["hp"] * HP_W
    mass_kg = f["etw_lb"] * LB_KG
    if power_w < 25.0 * mass_kg:
        power_w = g["specific_power_w_per_kg"] * mass_kg
    awd = _is_awd(f)
    units = ["front", "rear"] if awd else (["front"] if f["drive_code"] == "F" else ["rear"])
    p_unit = power_w / len(units)
    w_max = nv * g["speed_top_mph"] * RPM_RAD_S
    t_peak = p_unit / (w_max / g["constant_power_speed_ratio"])
    ns = g["battery_cells_series"]
    data = {
        "name": f"{rec.make} {rec.model}".strip(),
        "description": f"built from EPA test {rec.test_number} with generic defaults",
        "mass": {"test_mass_kg": mass_kg},
        "road_load": {"epa": {"a_lbf": f["a"], "b_lbf_per_mph": f["b"],
                              "c_lbf_per_mph2": f["c"]}},
        # on a two-wheel-drive dynamometer only the driven wheels turn
        "wheels": {"radius_m": r, "count": 2 * len(units)},
        "drive_units": [{"axle": ax,
                         "motor": {"power_peak_w": p_unit, "torque_peak_nm": t_peak,
                                   "speed_max_rad_s": w_max, "losses": dict(g["losses"])},
                         "gear": {"ratio": ratio}} for ax in units],
        "battery": {"cells_series": ns,
                    "cells_parallel": math.ceil(power_w / g["battery_power_per_parallel_string_w"]),
                    "cell_capacity_as": g["battery_cell_capacity_ah"] * 3600,
                    "cell_resistance_ohm": g["battery_cell_resistance_ohm"],
                    "power_discharge_max_w": max(1.2 * power_w, 50e3),
                    "power_charge_max_w": max(0.6 * power_w, 50e3)},
    }
    if g["charger_efficiency"] is not None:
        data["charger"] = {"efficiency": g["charger_efficiency"]}
    if g["aux_power_w"] is not None:
        data["aux_power_w"] = g["aux_power_w"]
    return vehicle_from_dict(data, where=f"EPA test {rec.test_number}")


def ftp75_composite_mpg(car, cold_start_fuel_l: float) -> float:
    """FTP-75 city fuel economy [mpg]: bags 1 and 3 are the first 505 s cold and hot, bag 2
    the stabilised part; FE = 1 / (0.43 / FE_cold + 0.57 / FE_hot) with FE_cold from bags 1+2
    and FE_hot from bags 3+2 (40 CFR 600.113). The cold start adds ``cold_start_fuel_l`` to
    bag 1."""
    return ftp75_bags_mpg(car, cold_start_fuel_l)["composite"]


def ftp75_bags_mpg(car, cold_start_fuel_l: float) -> dict[str, float]:
    """Fuel economy of each FTP-75 bag (``bag1``, ``bag2``, ``bag3``) and the composite of
    :func:`ftp75_composite_mpg` [mpg]."""
    from ..cycles import load_cycle
    from ..powertrains import powertrain_of
    from ..sim.icev import US_GALLON_L
    from ..sim.run import simulate

    cyc = load_cycle("ftp75")
    powertrain = powertrain_of(car)
    if powertrain.cold_start:  # the engine starts bag 1 cold (catalyst heating, warm-up)
        res = powertrain.simulate(car, cyc, cold_start=True)
    else:
        res = simulate(car, cyc)
    ts = res.series
    dt = np.diff(ts["time_s"])
    v = 0.5 * (ts["speed_m_s"][1:] + ts["speed_m_s"][:-1])
    fuel_l = ts["fuel_rate_g_s"][1:] * 1e-3 * dt / car.model().engine.fuel.density_kg_m3 * 1e3
    dist, fuel = [], []
    for _, i0, i1 in cyc.phases:
        sl = slice(max(i0 - 1, 0), i1)
        dist.append(float(np.sum(v[sl] * dt[sl])) / MILE_M)
        fuel.append(float(np.sum(fuel_l[sl])) / US_GALLON_L)
    fuel[0] += cold_start_fuel_l / US_GALLON_L
    fe_cold = (dist[0] + dist[1]) / (fuel[0] + fuel[1])
    fe_hot = (dist[2] + dist[1]) / (fuel[2] + fuel[1])
    composite = 1.0 / (FTP_COLD_WEIGHT / fe_cold + (1 - FTP_COLD_WEIGHT) / fe_hot)
    return {"bag1": dist[0] / fuel[0], "bag2": dist[1] / fuel[1], "bag3": dist[2] / fuel[2],
            "composite": composite}


def predict(rec: Record, defaults: dict | None = None) -> float:
    """Predicted result in the record's unit (MPGe for battery-electric records, MPG for
    petrol, diesel and hybrid records; hybrids charge-balanced,
    :mod:`edrive.io.epa_hybrid`)."""
    return predict_detail(rec, defaults)[0]


def predict_detail(rec: Record, defaults: dict | None = None) -> tuple[float, dict]:
    """:func:`predict` and what else the simulation tells: the FTP-75 bags' fuel economy
    (``bag1``-``bag3`` [mpg]) and a hybrid's ``architecture``."""
    from ..sim.bev import simulate

    if rec.powertrain in ("icev", "hev"):
        from ..sim.run import simulate as run

        car = (icev_from_record if rec.powertrain == "icev" else hev_from_record)(rec, defaults)
        extra = {"architecture": getattr(car, "architecture", "")}
        if rec.cycle == "ftp75":
            bags = ftp75_bags_mpg(car, cold_start_fuel_l(car))
            return bags.pop("composite"), extra | bags
        return run(car, rec.cycle).summary["mpg_us"], extra
    veh = vehicle_from_record(rec, defaults)
    res = simulate(veh, rec.cycle)
    wh_per_mile = res.summary["wall_wh_per_km"] * MILE_M / 1e3
    return MPGE_WH_PER_GALLON / wh_per_mile, {"drive_units": len(veh.drive_units)}


def validate_file(path: str | Path, powertrain: str = "auto",
                  progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Simulate every usable record of an EPA file; one row per test (see module docstring).

    ``status`` is the record's status (:mod:`edrive.io.epa_screen`: ``ok``, ``skipped``,
    ``duplicate``, ``derived``, ``label_value``, ``mixed_units``, ``selectable_mode``,
    ``drive_mismatch``, ``placeholder_rating``),
    ``status_detail`` the reason. Only ``ok`` records enter the error statistics
    (:func:`summarize`); battery-electric placeholder ratings are simulated with the
    documented defaults and their error is given, to be reported apart."""
    if powertrain not in ("auto", "bev", "icev", "hev"):
        raise EdriveError(f"powertrain: {powertrain!r}; allowed: auto, bev, icev, hev")
    records = classify(read_testcar(path), powertrain)
    plug_ins = {r.fields["vehicle_id"] for r in records
                if "charge-depleting record of a plug-in" in r.status and r.fields["vehicle_id"]}
    rows = []
    for k, rec in enumerate(records):
        predicted, extra = math.nan, {}
        status = rec.status
        if simulated(status, rec.powertrain):
            try:
                predicted, extra = predict_detail(rec)
            except EdriveError as exc:
                status = f"skipped: {exc}"
        err = (predicted - rec.measured) / rec.measured * 100 \
            if simulated(status, rec.powertrain) else math.nan
        code = status_code(status)
        f = rec.fields
        rows.append({"test_number": rec.test_number, "make": rec.make, "model": rec.model,
                     "procedure": rec.procedure, "cycle": rec.cycle or "",
                     "powertrain": rec.powertrain, "measured": rec.measured,
                     "predicted": predicted, "unit": rec.unit, "error_pct": err,
                     "status": code, "status_detail": status[len(code):].lstrip(": "),
                     "vehicle_id": f["vehicle_id"], "transmission": f["trans"],
                     "gears": f["gears"], "cylinders": f["cylinders"],
                     "displacement_l": f["displacement_l"], "fuel": f["fuel"],
                     "rated_power_kw": f["hp"] * HP_W / 1e3,
                     "architecture": extra.get("architecture", ""),
                     "plug_in": rec.powertrain == "hev" and f["vehicle_id"] in plug_ins,
                     "drive_units": extra.get("drive_units", math.nan),
                     **{f"measured_{b}": f[b] if rec.cycle == "ftp75" else math.nan
                        for b in ("bag1", "bag2", "bag3")},
                     **{f"predicted_{b}": extra.get(b, math.nan)
                        for b in ("bag1", "bag2", "bag3")}})
        if progress:
            progress(k + 1, len(records))
    return pd.DataFrame(rows)


def summarize(df: pd.DataFrame, worst: int = 3) -> list[dict]:
    """Count, mean absolute percentage error and bias per powertrain and cycle, over the
    ``ok`` records only (screened records are counted by :func:`status_counts`)."""
    ok = df[df["status"] == "ok"]
    out = []
    for (pt, cyc), g in ok.groupby(["powertrain", "cycle"]):
        e = g["error_pct"].to_numpy()
        w = g.reindex(g["error_pct"].abs().sort_values(ascending=False).index).head(worst)
        out.append({"powertrain": pt, "cycle": cyc, "count": len(g),
                    "mape_pct": float(np.mean(np.abs(e))), "bias_pct": float(np.mean(e)),
                    "worst": [(r.test_number, f"{r.make} {r.model}", float(r.error_pct))
                              for r in w.itertuples()]})
    return out


def status_counts(df: pd.DataFrame) -> dict[str, int]:
    """Records per status (:mod:`edrive.io.epa_screen`), every status listed, in order."""
    from .epa_screen import STATUSES

    counts = df["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}
