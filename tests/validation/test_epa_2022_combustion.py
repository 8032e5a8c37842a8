"""Petrol and diesel records of the EPA 2022 Test Car List, simulated with generic defaults
(``edrive.io.epa_testcar.icev_from_record``): FTP-75 composite (with the empirical cold-start
fuel) and HWFET fuel economy against the measured, unadjusted MPG. Hybrids' records
(``hybrid_vehicles``) are simulated as generic hybrids (``edrive.io.epa_hybrid``),
charge-balanced.

Measured on the whole 2022 file (docs/validation.md, generated block): mean absolute error
6.5 % on 1,053 screened FTP-75 records (bias +0.1 %) and 4.8 % on 1,075 HWFET records (bias
-1.5 %), with the generic engine and driveline values fitted on half of the makes. On every
15th record (this subset) the errors are 7.9 % and 5.7 % (bias -2.0 % and -1.0 %) over the
80 and 82 measured records left after screening (26 analytically derived results and one
placeholder N/V ratio are kept out); the bounds below guard these figures against
regressions: the errors before the fit were 12-16 % and 10-14 %. The subset's 12 hybrid
records: 13.8 % FTP-75 and 6.7 % HWFET.
"""

from pathlib import Path

import numpy as np

from edrive.io.epa_testcar import summarize, validate_file
from edrive.report.epa_report import prepare

DATA = Path(__file__).resolve().parent / "data" / "epa_2022_combustion_subset.csv"


def test_combustion_rows_are_simulated_and_bounded():
    table = validate_file(DATA)
    ok = table[table["status"] == "ok"]
    assert (table["status"] == "derived").sum() == 26
    assert len(ok) > 160 and (ok["unit"] == "MPG").all() and np.isfinite(ok["predicted"]).all()
    assert (ok["powertrain"] == "hev").sum() >= 10
    groups = {(g["powertrain"], g["cycle"]): g for g in summarize(table)}
    assert groups[("hev", "ftp75")]["mape_pct"] < 35 and groups[("hev", "hwfet")]["mape_pct"] < 12
    ftp, hwy = groups[("icev", "ftp75")], groups[("icev", "hwfet")]
    assert ftp["mape_pct"] < 10 and hwy["mape_pct"] < 7
    assert abs(ftp["bias_pct"]) < 4 and abs(hwy["bias_pct"]) < 4
    # the held-out-makes protocol of the report (edrive.report.epa_report): the makes the
    # petrol defaults were not fitted on do about as well as those they were (whole file:
    # 6.3 % / 4.8 % held out, 6.6 % / 4.9 % fitted, docs/validation.md; this subset: 6.1 % /
    # 5.5 % held out, 10.0 % / 6.0 % fitted, over 34-48 records each)
    ok = prepare(table)
    icev = ok[ok["powertrain"] == "icev"]
    for cycle, bound in (("ftp75", 11.0), ("hwfet", 8.0)):
        by_split = icev[icev["cycle"] == cycle].groupby("split")["error_pct"]
        mae = by_split.apply(lambda e: float(np.mean(np.abs(e))))
        assert set(mae.index) == {"fit", "held out"} and (by_split.size() >= 20).all()
        assert (mae < bound).all(), mae.to_dict()


def test_held_out_makes_protocol_refits_on_one_half_and_checks_the_other():
    """The protocol of edrive.report.epa_report, run end to end on a small scale: refit one
    generic default (the transmission drag torque, bounded to 0.5-6 N*m) on the subset's
    petrol HWFET records of the fit makes, then check it on the held-out makes. The fitted
    value must stay inside its physical range and carry over: the held-out error may not
    exceed the fitting half's by more than 2 points. Measured: 34 fitting and 48 held-out
    records; the drag goes to 0.58 N*m, near its lower bound (the model's HWFET fuel economy
    lies about 2 % below these results), with 5.8 % on the fitting half and 5.4 % held out;
    the library's 2.6 N*m (fitted on the whole half a of the file) gives 6.1 % and 5.7 %."""
    from scipy.optimize import minimize_scalar

    from edrive.io.epa_testcar import GENERIC_ICE, classify, predict, read_testcar
    from edrive.report.epa_report import split_of

    recs = [r for r in classify(read_testcar(DATA), "icev")
            if r.status.startswith("ok") and r.cycle == "hwfet"]
    halves = {s: [r for r in recs if split_of(r.make, "icev") == s] for s in ("fit", "held out")}
    assert min(len(h) for h in halves.values()) >= 20

    def mae(records, drag):
        d = {"transmission": GENERIC_ICE["transmission"] | {"drag_torque_nm": drag}}
        return float(np.mean([abs(predict(r, d) / r.measured - 1) * 100 for r in records]))

    fit = minimize_scalar(lambda x: mae(halves["fit"], x), bounds=(0.5, 6.0),
                          method="bounded", options={"xatol": 0.2, "maxiter": 12})
    held_out = mae(halves["held out"], fit.x)
    assert 0.5 <= fit.x <= 6.0
    assert held_out <= fit.fun + 2.0, (
        f"drag {fit.x:.2f} N*m: fit half {fit.fun:.2f} %, held-out half {held_out:.2f} %")
