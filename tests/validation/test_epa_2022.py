"""The EPA 2022 Test Car List: every battery-electric UDDS and HWFET record simulated with
generic defaults and compared with the measured unadjusted result.

Data: ``data/epa_2022_subset.csv`` (all charge-depleting records of the MY2022 file, see
``data/README.md``). Measured: MPGe from AC recharge energy (33,705 Wh per gallon-equivalent).

Records that are not measurements are screened out first (``edrive.io.epa_screen``): the
four MY2022 Bolt EV label values, the EQS 450+ HWFET result filed in the other unit, and
ten records with placeholder ratings (Rivian N/V 999.9, Kona and Niro 37-38 hp), which are
simulated with the defaults but reported apart. Figures with the defaults as fitted
(docs/validation.md), over the 96 UDDS and 95 HWFET records left: mean absolute error 8.6 %
and 4.8 %, bias +2.8 % and +1.0 % (before the screening, over 103 records each: 8.9 % and
5.8 %).
The project's target is 4 %; it is not met. The file holds no information that separates
efficient from inefficient drive units (the measured AC-to-wheel energy ratio spans 1.65-2.66
on UDDS), so even a free linear fit of that ratio on every column of the file leaves 7.4 % /
5.3 %. The bounds below guard the figures against regressions; they are not the target.
"""

from pathlib import Path

import numpy as np
import pytest

from edrive.io.epa_screen import STATUSES
from edrive.io.epa_testcar import status_counts, summarize, validate_file

DATA = Path(__file__).resolve().parent / "data" / "epa_2022_subset.csv"
COLUMNS = ["test_number", "make", "model", "procedure", "cycle", "measured", "predicted", "unit",
           "error_pct", "status"]


@pytest.fixture(scope="module")
def table():
    return validate_file(DATA)


def test_columns_and_statuses(table):
    assert all(c in table.columns for c in COLUMNS)
    assert table["status"].isin(STATUSES).all()
    assert (table.loc[table["status"] != "ok", "status_detail"].str.len() > 0).all()
    ok = table[table["status"] == "ok"]
    bev = ok[ok["powertrain"] == "bev"]
    assert len(bev) == 191
    assert np.isfinite(ok["predicted"]).all() and (bev["unit"] == "MPGe").all()
    counts = status_counts(table)
    assert (counts["label_value"], counts["mixed_units"], counts["placeholder_rating"]) == (4, 1, 10)
    bolt = table[table["test_number"].isin(["NGMX10068599", "NGMX10068600"])]
    assert (bolt["status"] == "label_value").all()
    apart = table[table["status"] == "placeholder_rating"]
    assert np.isfinite(apart["error_pct"]).all()  # simulated with the defaults, shown apart
    not_run = table[~table["status"].isin(["ok", "placeholder_rating"])]
    assert np.isnan(not_run["error_pct"]).all()


def test_accuracy_on_battery_electric_rows(table):
    groups = {(g["powertrain"], g["cycle"]): g for g in summarize(table)}
    udds, hwfet = groups[("bev", "udds")], groups[("bev", "hwfet")]
    assert (udds["count"], hwfet["count"]) == (96, 95)
    assert udds["mape_pct"] < 9.5 and hwfet["mape_pct"] < 5.5
    assert abs(udds["bias_pct"]) < 5 and abs(hwfet["bias_pct"]) < 4
    ok = table[table["status"] == "ok"]
    # most cars are close: the mean is driven by a few makes far from the generic losses
    assert np.median(np.abs(ok["error_pct"])) < 5.5
