"""Screening the records of an EPA Test Car List: records that are not what they claim.

A Test Car List holds more than one measurement per test. Before a record's result is
compared with a simulation, :func:`screen` gives it one of these statuses (the part of
:attr:`Record.status` before the colon; the rest says why):

``ok``
    a measured result, used in the error statistics.
``duplicate``
    the same test as an earlier record: the same test number (a test filed under several
    represented models, or the same row twice), or (screened after ``label_value``) the
    same test vehicle, procedure, test weight, target coefficients and result under
    another test number (a copied test). Counting it again would weight that car twice.
``derived``
    an analytically derived result (column ``Analytically Derived FE?`` = ``Yes``): EPA
    allows a maker to compute the fuel economy of a configuration from a tested one with
    adjusted road-load power, test weight and N/V ratio (40 CFR 600.006 and EPA guidance
    CCD-04-14). It is an estimate made with the maker's own model, not a measurement.
``label_value``
    four or more results of one test vehicle on the simulated cycles, all whole numbers.
    Labels are published in whole MPG(e); the Test Car List gives measured results to
    0.1. With tenths spread evenly, four results of one vehicle are all whole by chance
    once in 10,000; the MY2022 Chevrolet Bolt EV's results (129, 132, 109, 109 MPGe) equal
    its label values (131, 109) and fail an energy balance (AC-to-wheel energy 2.38 on the
    UDDS against 1.6-2.0 for the Bolt's other years).
``mixed_units``
    a battery-electric test vehicle whose results are filed in two units: some above
    60 (MPGe) and some below (kWh/100 mi; see :mod:`edrive.io.epa_testcar`). The records
    in the smaller group (on a tie: the ones below 60, not in the MPG unit the file
    states) cannot be read in either unit with confidence: the MY2022 EQS 450+'s HWFET
    38.1 beside its UDDS 138.0 MPGe gives 88 MPGe as kWh/100 mi, 45 % below its city
    result, which no battery-electric car shows.
``selectable_mode``
    a result more than ``MODE_GAP`` below the best result of the same test vehicle on the
    same procedure in the same configuration (test weight, target coefficients, N/V ratio):
    a test in another of the car's driver-selectable modes (sport, track), which EPA has
    makers test beside the default mode where a mode can stay selected (e.g. guidance
    letter CD-2022-12). Repeat tests of one configuration agree far better: of the 258
    groups of two or more simulated results in the 2022 file, 204 agree within 10 % (191
    within 5 %), none spreads between 10 and 12.5 %, and 54 spread 12.5 to 55 % (BMW M5 CS
    21.5 and 13.9 MPG on the FTP-75; the M cars, Hyundai's N cars, the Kia Stinger and
    Genesis G70/G80, Subaru WRX and BRZ). The simulated car runs its default shift
    strategy, so the group's best result is the one it is compared with; the others are
    counted here, never averaged in.
``drive_mismatch``
    a battery-electric record whose model name names its motors or driven axles against
    its drive code: "Single Motor", "RWD", "FWD", "2WD" with an all-wheel-drive code
    (``A``, ``4``, ``P``), or "Dual Motor", "AWD", "quattro", "4MATIC", "xDrive", "twin"
    with a two-wheel-drive code. The car would be built with the wrong number of drive units
    (one per driven axle), so the record is kept out.
``placeholder_rating``
    a battery-electric record whose rated power is below ``POWER_MIN_W_PER_KG`` of its
    test weight (1 hp, 37 hp for a 150 kW Kona) or whose N/V ratio lies outside
    ``NV_RANGE_RPM_PER_MPH`` (0, 999.9): the car is built with the documented default in
    its place (``GENERIC`` in :mod:`edrive.io.epa_testcar`) and simulated, but its error is
    reported apart, not in the statistics. A petrol or diesel record with such an N/V
    ratio cannot be built (the final drive comes from it) and is not simulated. A
    battery-electric N/V ratio within ``GEAR_RATIO_RANGE`` is no placeholder but the
    reduction ratio typed in its place: the car is built with it as the gear ratio and the
    record stays ``ok`` (its reason says so).

Records already skipped (a procedure or fuel not simulated, no result, a placeholder
result) keep their ``skipped`` status. The screens look at the records that would be
simulated, in the order above (the second kind of duplicate after ``label_value``); the first
that applies sets the status. The 2022 file: 108 duplicates, 443 derived results, 4 label
values, 1 record in mixed units, 54 selectable-mode results, no drive mismatch, 14
placeholder ratings.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import defaultdict

from ..constants import HP_W, LB_KG


@dataclasses.dataclass(frozen=True)
class Record:
    """One test record, as the simulation needs it."""

    index: int
    test_number: str
    make: str
    model: str
    procedure: str
    cycle: str | None
    powertrain: str
    measured: float
    unit: str
    status: str
    fields: dict


STATUSES = ("ok", "duplicate", "derived", "label_value", "mixed_units", "selectable_mode",
            "drive_mismatch", "placeholder_rating", "skipped")
DERIVED_COLUMN = "Analytically Derived FE?"
LABEL_VALUE_MIN_RECORDS = 4
# a result this far below the best of its configuration is another mode's (module docstring):
# best / result - 1 > MODE_GAP, in the gap between repeat tests (<= 10 %) and modes (>= 12.5 %)
MODE_GAP = 0.11
POWER_MIN_W_PER_KG = 25.0  # below any road car: the slowest sold have about 40 W/kg
NV_RANGE_RPM_PER_MPH = {"bev": (40.0, 300.0), "icev": (10.0, 150.0), "hev": (10.0, 150.0)}
# A battery-electric "N/V ratio" in this range is the reduction ratio typed in its place: a
# motor turns 80-190 rpm per mph, while single-speed reductions lie between about 7 (Bolt
# 7.05) and 11 (E-GMP 10.65); no electric car's N/V ratio is below 40.
GEAR_RATIO_RANGE = (4.0, 20.0)
MULTI_MOTOR_NAME = re.compile(r"\b(awd|4wd|4x4|dual[- ]motor|twin|tri[- ]motor|quad[- ]motor|"
                              r"quattro|4matic\+?|xdrive\d*|e-4orce|all[- ]wheel)(?!\w)",
                              re.IGNORECASE)
ONE_MOTOR_NAME = re.compile(r"\b(rwd|fwd|2wd|4x2|single[- ]motor)\b", re.IGNORECASE)
KWH_PER_100MI_BELOW = 60.0  # MPG-labelled results below this are kWh/100 mi (epa_testcar)


def status_code(status: str) -> str:
    """The status of a record (``ok``, ``duplicate``, ...) without its reason."""
    return status.split(":", 1)[0].strip()


def _vehicle_key(rec) -> str:
    vid = rec.fields.get("vehicle_id", "")
    return vid or f"{rec.make}|{rec.model}"


def _set(rec, code: str, why: str):
    return dataclasses.replace(rec, status=f"{code}: {why}")


def screen(records: list, derived_flags: list[str] | None = None) -> list:
    """The records with the statuses of the module docstring set; ``derived_flags`` is the
    file's ``Analytically Derived FE?`` column, one value per record (None: no such
    column)."""
    out = list(records)

    def live(r) -> bool:
        return r.status.startswith("ok")

    # the same test filed twice under its test number
    first_number: dict[str, str] = {}
    for i, r in enumerate(out):
        if live(r) and r.test_number:
            if r.test_number in first_number:
                out[i] = _set(r, "duplicate", f"test {r.test_number} is also filed as "
                                              f"{first_number[r.test_number]}; counted once")
            else:
                first_number[r.test_number] = f"{r.make} {r.model}".strip()
    if derived_flags is not None:
        for i, r in enumerate(out):
            if live(r) and str(derived_flags[r.index]).strip().lower() in ("yes", "y"):
                out[i] = _set(r, "derived", "analytically derived result (not measured)")
    by_vehicle: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(out):
        if live(r):
            by_vehicle[_vehicle_key(r)].append(i)
    for idx in by_vehicle.values():
        values = [out[i].fields.get("fe_filed", math.nan) for i in idx]
        if len(values) >= LABEL_VALUE_MIN_RECORDS and all(float(v).is_integer() for v in values):
            for i in idx:
                out[i] = _set(out[i], "label_value",
                              f"all {len(values)} results of this vehicle are whole numbers "
                              f"({', '.join(f'{v:g}' for v in values)}): label values, "
                              "not measurements")
    # the same test under another number
    first_content: dict[tuple, str] = {}
    for i, r in enumerate(out):
        if not live(r):
            continue
        f = r.fields
        content = (_vehicle_key(r), r.procedure, r.measured,
                   *(f.get(k) for k in ("etw_lb", "a", "b", "c")))
        if content in first_content:
            out[i] = _set(r, "duplicate", f"same vehicle, procedure, test weight, road load "
                                          f"and result as test {first_content[content]}")
        else:
            first_content[content] = r.test_number or f"row {r.index + 1}"
    for idx in by_vehicle.values():
        idx = [i for i in idx if live(out[i])]
        if idx and out[idx[0]].powertrain == "bev":
            low = [i for i in idx if out[i].fields.get("fe_filed", math.inf) < KWH_PER_100MI_BELOW]
            high = [i for i in idx if i not in low]
            if low and high:
                minority = low if len(low) <= len(high) else high
                for i in minority:
                    out[i] = _set(out[i], "mixed_units",
                                  f"filed as {out[i].fields['fe_filed']:g} while the same "
                                  f"vehicle's other results are in the other unit (kWh/100 mi "
                                  f"below {KWH_PER_100MI_BELOW:g}, MPGe above)")
    _screen_modes(out, live)
    for i, r in enumerate(out):
        if not live(r) or r.powertrain != "bev":
            continue
        awd = is_awd(r.fields)
        name = r.model
        said = (MULTI_MOTOR_NAME.search(name) if not awd else ONE_MOTOR_NAME.search(name))
        if said:
            out[i] = _set(r, "drive_mismatch",
                          f"model name says {said.group(0)!r}, drive code "
                          f"{r.fields.get('drive_code', '')!r} ({r.fields.get('drive', '')})")
    for i, r in enumerate(out):
        if not live(r):
            continue
        f = r.fields
        lo, hi = NV_RANGE_RPM_PER_MPH[r.powertrain]
        gear = r.powertrain == "bev" and is_gear_ratio(f.get("nv", math.nan))
        nv_bad = not (lo <= f.get("nv", math.nan) <= hi) and not gear
        if r.powertrain == "bev":
            mass_kg = f["etw_lb"] * LB_KG
            power_bad = f["hp"] * HP_W < POWER_MIN_W_PER_KG * mass_kg
            power = f"rated power {f['hp']:g} hp (below {POWER_MIN_W_PER_KG:g} W/kg of test weight)"
            bad = ([power] if power_bad else []) + (
                [f"N/V ratio {f['nv']:g} (allowed {lo:g}-{hi:g} rpm/mph)"] if nv_bad else [])
            if bad:
                out[i] = _set(r, "placeholder_rating", " and ".join(bad)
                              + "; built with the documented default, reported apart")
            elif gear:
                why = r.status[len(status_code(r.status)):].lstrip(": ")
                note = f"N/V ratio {f['nv']:g} read as the reduction ratio"
                out[i] = dataclasses.replace(r, status=f"ok: {why}; {note}" if why
                                             else f"ok: {note}")
        elif nv_bad:
            out[i] = _set(r, "placeholder_rating",
                          f"N/V ratio {f['nv']:g} (allowed {lo:g}-{hi:g} rpm/mph); the final "
                          "drive cannot be built, not simulated")
    return out


def _screen_modes(out: list, live) -> None:
    """``selectable_mode`` (module docstring), set in place on ``out``."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, r in enumerate(out):
        if live(r):
            f = r.fields
            groups[(_vehicle_key(r), r.procedure, r.unit,
                    *(f.get(k) for k in ("etw_lb", "a", "b", "c", "nv")))].append(i)
    for idx in groups.values():
        best = max(idx, key=lambda i: out[i].measured)
        top = out[best].measured
        for i in idx:
            r = out[i]
            if top / r.measured - 1.0 > MODE_GAP:
                out[i] = _set(r, "selectable_mode",
                              f"{r.measured:g} {r.unit}, {100 * (1 - r.measured / top):.0f} % "
                              f"below test {out[best].test_number or out[best].index + 1} "
                              f"({top:g}) of the same vehicle and configuration: another "
                              "driver-selectable mode than the default")


def is_gear_ratio(nv: float) -> bool:
    """Whether a battery-electric record's N/V ratio is its reduction ratio instead."""
    return GEAR_RATIO_RANGE[0] <= nv <= GEAR_RATIO_RANGE[1]


def is_awd(f: dict) -> bool:
    """Whether a record's drive code or description says all-wheel drive."""
    code, desc = f.get("drive_code", ""), str(f.get("drive", "")).lower()
    return code in ("A", "4", "P") or "all" in desc or "4-wheel" in desc or "4wd" in desc


def simulated(status: str, powertrain: str) -> bool:
    """Whether a record of this status is simulated: the ``ok`` ones, and battery-electric
    placeholder ratings (built with defaults)."""
    code = status_code(status)
    return code == "ok" or (code == "placeholder_rating" and powertrain == "bev")
