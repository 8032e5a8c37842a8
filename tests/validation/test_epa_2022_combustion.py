"""Petrol and diesel records of the EPA 2022 Test Car List, simulated with generic defaults
(``edrive.io.epa_testcar.icev_from_record``): FTP-75 composite (with the empirical cold-start
fuel) and HWFET fuel economy against the measured, unadjusted MPG.

Measured on the whole 2022 file (docs/validation.md): mean absolute error 12.2 % on 1,466
FTP-75 records (bias +3.2 %) and 10.6 % on 1,525 HWFET records (bias -9.4 %); the target is
5 % and is not met yet: the generic transmission spin losses and the engines' part-load
efficiency are not yet calibrated, and hybrids cannot be told from conventional cars in the
file. The bounds below, on every 15th record, guard these figures against regressions.
"""

from pathlib import Path

import numpy as np

from edrive.io.epa_testcar import summarize, validate_file

DATA = Path(__file__).resolve().parent / "data" / "epa_2022_combustion_subset.csv"


def test_combustion_rows_are_simulated_and_bounded():
    table = validate_file(DATA)
    ok = table[table["status"].str.startswith("ok")]
    assert len(ok) > 180 and (ok["unit"] == "MPG").all() and np.isfinite(ok["predicted"]).all()
    groups = {(g["powertrain"], g["cycle"]): g for g in summarize(table)}
    ftp, hwy = groups[("icev", "ftp75")], groups[("icev", "hwfet")]
    assert ftp["mape_pct"] < 16 and hwy["mape_pct"] < 15
    assert abs(ftp["bias_pct"]) < 8 and abs(hwy["bias_pct"]) < 14
