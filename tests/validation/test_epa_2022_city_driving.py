"""Conventional cars of the EPA 2022 Test Car List by group: city driving as real cars do it.

Reference data: US EPA Test Car List, model year 2022 (22tstcar.csv, the whole file:
``EDRIVE_EPA_2022_FILE`` or shared/data/epa beside the repository;
the tests skip where the file is not at hand), the measured unadjusted FTP-75 composite,
bags and HWFET fuel economy of every petrol and diesel record the screening keeps
(``edrive.io.epa_screen``). Each car is built from its record with the generic defaults
(``edrive.io.epa_testcar.icev_from_record``); nothing is tuned per car.

Groups and tolerances: the figures measured when the generic defaults were refitted
(tools/calibrate_ice_defaults.py --half a, docs/validation.md; last after the input inertia of
a slipping converter or clutch, the no-coasting-in-neutral rule of the economy shift and
the part-throttle overrun fuel of the engine; then, without a refit, the screening of tests in
another driver-selectable mode, the cold-start fuel per kW of rated power, the throttle of
a boosted engine wide open at the aspirated engine's full load, engine eq. 4, and the
knock-limited compression ratio of a boosted engine, eq. 2a, whose exponent alone was fitted,
and a continuously variable gearbox's own ratio spread, from makers' figures)
plus 0.3 points for rounding and for later changes of unrelated code; each group's figure
before the city-driving physics (converter creep, lock-up by gearbox, a driver's shift points
in manual cars, dual-clutch launch, fixed friction share, refit) is in the tuple beside it,
so a regression towards it fails. Held-out makes are those not in ``CALIBRATION_MAKES["icev"]``.

The diesel refit is repeated here as a test (it takes seconds): fitted on the diesel records
of half ``a``, checked on half ``b``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from edrive.constants import MPH_M_S, RPM_RAD_S
from edrive.io.epa_icev import CVT_CODES

#: the whole 2022 file (not bundled: 4,397 records); the tests that need it are skipped
#: without it
EPA_FILE = Path(os.environ.get("EDRIVE_EPA_2022_FILE", Path(__file__).resolve().parents[3]
                                / "shared" / "data" / "epa" / "22tstcar.csv"))
pytestmark = pytest.mark.skipif(not EPA_FILE.exists(),
                                reason="the EPA 2022 Test Car List is not at hand")
MARGIN = 0.3


@pytest.fixture(scope="module")
def icev():
    from edrive.io.epa_testcar import validate_file
    from edrive.report.epa_report import prepare

    ok = prepare(validate_file(EPA_FILE, "icev"))
    ok = ok[ok["powertrain"] == "icev"].copy()
    ok["diesel"] = ok["fuel"].str.lower().str.contains("diesel")
    return ok


def _mae(e) -> float:
    return float(np.mean(np.abs(np.asarray(e, dtype=float))))


def _above_100_kw_per_l(d):
    return ~d["diesel"] & (d["rated_power_kw"] > 100 * d["displacement_l"])


# (selector, cycle, split or None for all, measured MAE after [%], before [%])
GROUPS = {
    "petrol and diesel, held-out makes": (lambda d: d.index == d.index, "ftp75", "held out",
                                          6.03, 7.8),
    "petrol and diesel, held-out makes, highway": (lambda d: d.index == d.index, "hwfet",
                                                   "held out", 4.3, 5.4),
    "manual gearboxes": (lambda d: d["transmission"] == "M", "ftp75", None, 7.1, 11.0),
    "automatics and automated manuals of 5-6 gears": (
        lambda d: d["gears"].isin([5, 6]) & (d["transmission"] != "M"), "ftp75", None,
        4.6, 6.9),
    "three- and four-cylinder engines": (lambda d: d["cylinders"].isin([3, 4]), "ftp75",
                                         None, 6.2, 7.5),
    # "before": a CVT's 10 steps spread as a 10-speed automatic's (10.0, not 7.0)
    "continuously variable gearboxes": (lambda d: d["transmission"].isin(CVT_CODES), "ftp75",
                                        None, 5.2, 6.0),
    "diesel, highway": (lambda d: d["diesel"], "hwfet", None, 3.7, 8.5),
    # the knock-limited compression ratio of engine eq. (2a); "before": the boosted kinds'
    # one indicated efficiency (0.393) for every boosted engine
    "petrol engines above 100 kW/L": (_above_100_kw_per_l, "ftp75", None, 7.4, 10.4),
    "petrol engines above 100 kW/L, highway": (_above_100_kw_per_l, "hwfet", None, 6.1, 7.5),
}


@pytest.mark.parametrize("name", GROUPS)
def test_group_error_holds(icev, name):
    select, cycle, split, after, before = GROUPS[name]
    g = icev[select(icev) & (icev["cycle"] == cycle)]
    if split is not None:
        g = g[g["split"] == split]
    assert len(g) >= 10
    mae = _mae(g["error_pct"])
    assert mae <= after + MARGIN, f"{name}: {mae:.2f} % (measured {after} %, before {before} %)"


def test_manual_and_older_automatic_cars_no_longer_burn_too_little_in_the_city(icev):
    """The symptom: a positive FTP-75 bias (too little fuel) for manual cars (+10.0 % before,
    +1.8 % after) and automatics and automated manuals of 5-6 gears (+5.9 % before, +0.6 %
    after)."""
    city = icev[icev["cycle"] == "ftp75"]
    manual = city[city["transmission"] == "M"]["error_pct"].mean()
    older = city[city["gears"].isin([5, 6]) & (city["transmission"] != "M")]["error_pct"].mean()
    assert abs(manual) <= 4.0 and abs(older) <= 4.0, (manual, older)


def test_bags_by_the_same_records(icev):
    """FTP-75 bag errors (bag 1 cold, 2 stabilised, 3 hot): 6.6, 7.3, 6.2 % (before a CVT's
    own ratio spread 6.6, 7.5, 6.3 %; before engine eq. 2a 7.0, 7.8, 6.8 %; after the refit
    8.0, 8.3, 6.8 %; before the city-driving physics 8.4, 8.9, 7.2 %)."""
    city = icev[icev["cycle"] == "ftp75"]
    for bag, after in (("bag1", 6.6), ("bag2", 7.3), ("bag3", 6.2)):
        g = city.dropna(subset=[f"measured_{bag}", f"predicted_{bag}"])
        e = (g[f"predicted_{bag}"] / g[f"measured_{bag}"] - 1) * 100
        assert len(g) > 900 and _mae(e) <= after + MARGIN, (bag, _mae(e))


def test_diesel_refit_on_half_a_holds_on_half_b():
    """tools/calibrate_ice_defaults.py --fuel diesel: the two diesel parameters fitted on
    the diesel records of half a (12 HWFET records) predict half b's 4 within 4 % mean
    absolute error (measured 2.8 %; 6.6 % with the unfitted start values)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
    import calibrate_ice_defaults as cal
    from scipy.optimize import least_squares

    from edrive.io.epa_testcar import predict

    cal._init(EPA_FILE, "diesel")
    recs = cal._RECORDS
    sets = cal.halves(recs)
    assert len(sets["a"]) >= 10 and len(sets["b"]) >= 4
    low, x0, high = (np.array([p[k] for p in cal.DIESEL_PARAMETERS]) for k in (1, 2, 3))

    def errors(x, idx):
        d = cal.defaults_from(x, "diesel")
        return np.array([(predict(recs[i], d) / recs[i].measured - 1) * 100 for i in idx])

    res = least_squares(lambda z: errors(low + z * (high - low), sets["a"]) / 10,
                        (x0 - low) / (high - low), bounds=(0, 1), loss="soft_l1",
                        f_scale=0.5, diff_step=0.02, max_nfev=30)
    x = low + res.x * (high - low)
    held = _mae(errors(x, sets["b"]))
    assert held <= 4.0, (x, held)
    assert _mae(errors(x0, sets["b"])) > held


def test_tests_in_another_selectable_mode_are_screened_out():
    """``selectable_mode`` (edrive.io.epa_screen): of the groups of two or more results of one
    test vehicle, procedure and configuration, those that agree lie within 10 % and the
    others 12.5 % or more apart; none between, where ``MODE_GAP`` draws the line. The 2022
    file has 54 such results, all petrol cars (M cars, Hyundai N, Stinger, G70/G80, WRX)."""
    from collections import defaultdict

    from edrive.io import epa_screen as s
    from edrive.io.epa_testcar import classify, read_testcar

    recs = classify(read_testcar(EPA_FILE))
    modes = [r for r in recs if s.status_code(r.status) == "selectable_mode"]
    assert len(modes) == 54 and {r.powertrain for r in modes} == {"icev"}
    groups = defaultdict(list)
    for r in recs:
        if s.status_code(r.status) in ("ok", "selectable_mode"):
            f = r.fields
            groups[(s._vehicle_key(r), r.procedure, r.unit,
                    *(f[k] for k in ("etw_lb", "a", "b", "c", "nv")))].append(r.measured)
    spread = np.array([max(v) / min(v) - 1 for v in groups.values() if len(v) > 1])
    assert not ((spread > 0.10) & (spread < 0.125)).any()
    assert (spread >= 0.125).sum() == 54 and 0.10 < s.MODE_GAP < 0.125


def test_cold_start_fuel_is_the_median_of_the_measured_excess(icev):
    """edrive.io.epa_icev.cold_start_fuel_l: v_cold is the median, over the petrol FTP-75
    records with all three bags, of the measured cold-start excess per kW of rated power;
    the excess per kW shows no trend with specific power, unlike the excess per litre."""
    from edrive.io.epa_icev import GENERIC_ICE

    city = icev[(icev["cycle"] == "ftp75") & ~icev["diesel"]].dropna(
        subset=["measured_bag1", "measured_bag3"])
    raw = pd.read_csv(EPA_FILE, encoding="utf-8-sig", low_memory=False,
                      usecols=["Test Number", "Rated Horsepower"]).drop_duplicates("Test Number")
    hp = city["test_number"].map(raw.set_index("Test Number")["Rated Horsepower"])
    kw = hp * 0.74569987
    excess_l = 3.59 * (1 / city["measured_bag1"] - 1 / city["measured_bag3"]) * 3.785411784
    assert len(city) > 900
    per_kw = excess_l / kw
    assert np.median(per_kw) == pytest.approx(GENERIC_ICE["cold_start_fuel_l_per_kw"], rel=0.01)
    specific = kw / city["displacement_l"]
    assert abs(np.corrcoef(per_kw * kw - np.median(per_kw) * kw, specific)[0, 1]) < 0.2
    per_l = excess_l / city["displacement_l"]
    assert np.corrcoef(excess_l - np.median(per_l) * city["displacement_l"], specific)[0, 1] > 0.4


def test_mild_hybrid_records_are_conventional_unless_asked():
    """The 2022 file's 14 screened 48 V mild hybrid records (Jaguar Land Rover's ``MHEV``):
    built as conventional cars by default; with the generic belt starter-generator
    (``GENERIC_MILD_HYBRID``, tools/mild_hybrids.py) each uses less fuel, more in town than
    on the highway (measured: FTP-75 +9.3 to +12.1 % MPG, HWFET +2.7 to +3.3 %)."""
    from edrive.io.epa_icev import GENERIC_MILD_HYBRID, MILD_HYBRID_NAME, icev_from_record
    from edrive.io.epa_testcar import classify, predict, read_testcar

    recs = [r for r in classify(read_testcar(EPA_FILE), "icev")
            if r.status.startswith("ok") and MILD_HYBRID_NAME.search(r.model)]
    assert len(recs) == 14
    mild = {"mild_hybrid": GENERIC_MILD_HYBRID}
    gain = {"ftp75": [], "hwfet": []}
    for r in recs:
        assert icev_from_record(r).starter_generator is None
        assert icev_from_record(r, mild).starter_generator is not None
        gain[r.cycle].append(predict(r, mild) / predict(r) - 1)
    assert min(gain["ftp75"]) > max(gain["hwfet"]) > 0


def test_a_cvt_spans_its_own_ratio_spread():
    """A continuously variable gearbox (codes CVT, SCV, AV) is built as ``cvt_steps`` fixed
    ratios over ``cvt_ratio_spread`` (7.0: makers' figures of 6.0-7.5), not over the spread
    of a stepped box of as many gears; its top ratio still gives the record's N/V ratio."""
    from edrive.io.epa_icev import GENERIC_ICE, icev_from_record
    from edrive.io.epa_testcar import classify, read_testcar

    recs = [r for r in classify(read_testcar(EPA_FILE), "icev") if r.status.startswith("ok")]
    cvt = next(r for r in recs if r.fields["trans"] in CVT_CODES)
    stepped = next(r for r in recs if r.fields["trans"] == "SA" and r.fields["gears"] == 10)
    for rec, spread in ((cvt, GENERIC_ICE["cvt_ratio_spread"]),
                        (stepped, GENERIC_ICE["ratio_spread"][10])):
        model = icev_from_record(rec).model()
        ratios = np.asarray(model.transmission.gear_ratios)
        assert len(ratios) == 10
        assert ratios[0] / ratios[-1] == pytest.approx(spread)
        top_rpm_per_mph = (ratios[-1] * model.transmission.final_drive_ratio
                           / model.radius_m * MPH_M_S / RPM_RAD_S)
        assert top_rpm_per_mph == pytest.approx(rec.fields["nv"])
    assert GENERIC_ICE["cvt_ratio_spread"] != GENERIC_ICE["ratio_spread"][10]
