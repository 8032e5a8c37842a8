"""Each kind of ``edrive report`` opens in Chromium with the network cut off: nothing is
requested from anywhere, every figure renders, and the page shows the report's title.
Screenshots go to the artefacts folder."""

from __future__ import annotations

import pytest
from test_offline_html import open_offline

SWEEP = """schema_version: 1
base: tesla_model3_rwd
parameters:
  drive_units.0.motor.power_peak_w: [150 kW, 250 kW]
  drive_units.0.gear.ratio: [8.0, 10.0]
design: {method: grid, chunk_size: 4}
cycles: [udds]
outputs: [udds_wall_wh_per_km, udds_battery_wh_per_km]
"""

PLAN = {
    "portfolio": "two makers <b>not bold</b>", "variants": ["unit_a"],
    "assignment": [{"programme": "car_1", "partner": "m1", "variant": "unit_a",
                    "battery_kwh": 60.0, "units": 1000.0}],
    "total_cost_eur": 1.0e9, "standalone_cost_eur": {"m1": 1.1e9}, "savings_eur": 1.0e8,
    "savings_share": 0.09,
    "plants": {"plants": [{"plant": "p", "year": 2027, "volume_units": 9e4,
                           "capacity_units": 1e5}]},
    "fleet_co2": {"year": 2027, "jurisdictions": {"EU": {
        "currency": "EUR", "payments": {"m1": 0.0},
        "makers": [{"maker": "m1", "average_g_per_km": 90.0, "target_g_per_km": 93.0}],
        "pool": None}}},
}


def reports(tmp_path):
    from edrive.report import html
    from edrive.sweep.runner import run_sweep
    from edrive.sweep.sweep_file import load_sweep

    (tmp_path / "s.yaml").write_text(SWEEP)
    run_sweep(load_sweep(tmp_path / "s.yaml"), tmp_path / "sweep")
    return {
        "vehicle": html.vehicle_report_data("bmw_i3s", ["udds"], procedures=False),
        "compare": html.compare_report_data(["bmw_i3s", "bmw_330i"], ["udds"]),
        "sweep": html.sweep_report_data(tmp_path / "sweep"),
        "plan": html.plan_report_data(PLAN),
    }


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    from edrive.report.html import write_report

    folder = tmp_path_factory.mktemp("reports")
    out = {}
    for name, rep in reports(folder).items():
        write_report(rep, folder / f"{name}.html")
        out[name] = (rep, folder / f"{name}.html")
    return out


@pytest.mark.parametrize("name", ["vehicle", "compare", "sweep", "plan"])
def test_report_renders_offline(browser, artifacts, written, name):
    rep, path = written[name]
    context, page, blocked, broken = open_offline(browser, path, artifacts,
                                                  f"report_{name}.png")
    try:
        assert not blocked and not broken, (blocked, broken)
        assert page.inner_text("h1") == rep.title
        assert page.locator("img").count() == len(rep.figures) > 0
        widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
        assert min(widths) > 200
        assert page.locator("b").count() == 0  # the portfolio's markup stays text
    finally:
        context.close()
