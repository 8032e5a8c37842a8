"""Results print as readable ``name  value`` lines under the names of ``--json``."""

import json

import edrive
from edrive.report.text import Report, json_clean, pairs_text


def test_pairs_text_aligns_nested_values_and_rounds_to_four_digits():
    text = pairs_text({"wall_wh_per_km": 123.456789, "losses_kwh": {"aux": 0.0123456},
                       "empty": {}, "cycle": "udds"})
    lines = text.splitlines()
    assert lines[0].split() == ["wall_wh_per_km", "123.5"]
    assert lines[1] == "losses_kwh"
    assert lines[2].split() == ["aux", "0.01235"]
    # nested values start in the same column as the top-level ones
    assert lines[2].index("0.01235") == lines[0].index("123.5")
    assert "empty" not in text  # an empty group is left out
    assert lines[3].split() == ["cycle", "udds"]


def test_simulation_and_performance_reports_print_as_text_and_stay_dicts():
    res = edrive.simulate("bmw_i3s", "udds")
    rep = res.report()
    assert isinstance(rep, Report) and isinstance(rep, dict)
    text = str(rep)
    assert f"{rep['wall_wh_per_km']:.4g}" in text
    assert text.splitlines()[0].split()[0] == "vehicle"
    json.dumps(json_clean(rep))  # still what --json writes
    perf = edrive.performance("bmw_i3s").report()
    assert isinstance(perf, Report)
    assert f"{perf['accel_0_100_kmh_s']:.4g}" in str(perf)
