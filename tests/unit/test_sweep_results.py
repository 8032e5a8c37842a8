"""SQL and Pareto fronts over a sweep folder, checked on points whose front is known by hand."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from edrive.errors import EdriveError
from edrive.sweep.results import pareto, pareto_mask, query
from edrive.sweep.store import arrow_schema, open_folder, write_chunk
from edrive.sweep.sweep_file import load_sweep

# (x, y) per design id; minimising both, the front is 7, 0, 1, 6 (a duplicate of 1), 9, 4
POINTS = [(1, 5), (2, 3), (2, 4), (3, 3), (4, 1), (5, 1), (2, 3), (0.5, 9), (math.nan, 0),
          (3, 2)]
FRONT = [7, 0, 1, 6, 9, 4]


def test_pareto_mask_by_hand():
    x, y = np.array(POINTS).T
    assert np.flatnonzero(pareto_mask(x, y)).tolist() == sorted(FRONT)
    # maximise y: (0.5, 9) dominates every other point
    assert np.flatnonzero(pareto_mask(x, y, maximize_y=True)).tolist() == [7]
    # maximise x, minimise y: (5, 1) dominates all but nothing dominates it
    assert np.flatnonzero(pareto_mask(x, y, maximize_x=True)).tolist() == [5]
    assert pareto_mask(np.array([]), np.array([])).tolist() == []


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "s.yaml").write_text(
        "schema_version: 1\nbase: tesla_model3_rwd\nparameters: {drive_units.0.gear.ratio: "
        "{low: 8, high: 10}}\ndesign: {method: lhs, n: 10, chunk_size: 4}\ncycles: [hwfet]\n"
        "outputs: [hwfet_wall_wh_per_km, hwfet_battery_wh_per_km]\n"
        "constraints: ['hwfet_wall_wh_per_km <= 4.5']\n")
    s = load_sweep(tmp_path / "s.yaml")
    out = tmp_path / "out"
    with open_folder(out, s, resume=False):
        pass
    recs = [{"design_id": i, "gear_ratio": 8 + i / 10, "hwfet_wall_wh_per_km": x,
             "hwfet_battery_wh_per_km": y, "feasible": bool(x <= 4.5), "error": None}
            for i, (x, y) in enumerate(POINTS)]
    recs[2]["error"] = "design: something the spec refused"
    recs[2]["feasible"] = None
    for k in range(3):
        write_chunk(out, k, recs[4 * k:4 * k + 4], arrow_schema(s))
    return out


def test_query_counts_and_sums(folder):
    cols, rows = query(folder, "SELECT count(*) AS n, count(error) AS errors, "
                       "sum(CASE WHEN feasible THEN 1 ELSE 0 END) AS ok, max(design_id) "
                       "FROM results")
    assert cols[:3] == ["n", "errors", "ok"]
    assert rows == [(10, 1, 7, 9)]  # x <= 4.5 for ids 0, 1, 3, 4, 6, 7, 9 (2 has an error)
    with pytest.raises(EdriveError, match="SQL: .*no_such_column"):
        query(folder, "SELECT no_such_column FROM results")
    with pytest.raises(EdriveError, match="not a sweep folder"):
        query(folder.parent, "SELECT 1")


def test_pareto_front_of_the_folder(folder, tmp_path):
    f = pareto(folder, "hwfet_wall_wh_per_km", "hwfet_battery_wh_per_km",
               feasible_only=False)
    ids = [r[f.columns.index("design_id")] for r in f.rows]
    assert ids == FRONT  # sorted by x, then y, then id
    assert f.n_considered == 9  # the design in error is left out
    # only feasible designs (x <= 4.5): 5 (x = 5) was not on the front anyway
    f = pareto(folder, "hwfet_wall_wh_per_km", "hwfet_battery_wh_per_km")
    assert [r[0] for r in f.rows] == FRONT and f.n_considered == 7
    with pytest.raises(EdriveError, match="--x: unknown column 'nope'"):
        pareto(folder, "nope", "hwfet_battery_wh_per_km")


def test_cli_query_and_pareto(folder, tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "edrive.cli", "sweep", *args],
                              capture_output=True, text=True, timeout=120, check=False)

    proc = run("query", str(folder), "SELECT design_id FROM results WHERE feasible "
               "ORDER BY design_id", "--json")
    assert proc.returncode == 0, proc.stderr
    assert [r["design_id"] for r in json.loads(proc.stdout)] == [0, 1, 3, 4, 6, 7, 9]
    png = tmp_path / "front.png"
    proc = run("pareto", str(folder), "--x", "hwfet_wall_wh_per_km", "--y",
               "hwfet_battery_wh_per_km", "--maximize", "hwfet_battery_wh_per_km",
               "--plot", str(png))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("1 non-dominated of 7 designs")
    assert png.stat().st_size > 5000
