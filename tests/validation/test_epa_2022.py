"""The EPA 2022 Test Car List: every battery-electric UDDS and HWFET record simulated with
generic defaults and compared with the measured unadjusted result.

Data: ``data/epa_2022_subset.csv`` (all charge-depleting records of the MY2022 file, see
``data/README.md``). Measured: MPGe from AC recharge energy (33,705 Wh per gallon-equivalent).

Figures with the defaults as fitted (docs/validation.md): mean absolute error 8.9 % on UDDS
and 5.8 % on HWFET (medians 6.4 % and 3.6 %), bias +3.2 % and +2.1 %, over 103 records each.
The project's target is 4 %; it is not met. The file holds no information that separates
efficient from inefficient drive units (the measured AC-to-wheel energy ratio spans 1.65-2.66
on UDDS), so even a free linear fit of that ratio on every column of the file leaves 7.4 % /
5.3 %. The bounds below guard the figures against regressions; they are not the target.
"""

from pathlib import Path

import numpy as np
import pytest

from edrive.io.epa_testcar import summarize, validate_file

DATA = Path(__file__).resolve().parent / "data" / "epa_2022_subset.csv"
COLUMNS = ["test_number", "make", "model", "procedure", "cycle", "measured", "predicted", "unit",
           "error_pct", "status"]


@pytest.fixture(scope="module")
def table():
    return validate_file(DATA)


def test_columns_and_statuses(table):
    assert all(c in table.columns for c in COLUMNS)
    assert table["status"].str.match(r"^(ok|skipped: .+)").all()
    ok = table[table["status"].str.startswith("ok")]
    bev = ok[ok["powertrain"] == "bev"]
    assert len(bev) == 206
    assert np.isfinite(ok["predicted"]).all() and (bev["unit"] == "MPGe").all()
    skipped = table[~table["status"].str.startswith("ok")]
    assert np.isnan(skipped["error_pct"]).all()


def test_accuracy_on_battery_electric_rows(table):
    groups = {(g["powertrain"], g["cycle"]): g for g in summarize(table)}
    udds, hwfet = groups[("bev", "udds")], groups[("bev", "hwfet")]
    assert udds["count"] == hwfet["count"] == 103
    assert udds["mape_pct"] < 9.5 and hwfet["mape_pct"] < 6.5
    assert abs(udds["bias_pct"]) < 5 and abs(hwfet["bias_pct"]) < 4
    ok = table[table["status"].str.startswith("ok")]
    # most cars are close: the mean is driven by a few makes far from the generic losses
    assert np.median(np.abs(ok["error_pct"])) < 5.5
