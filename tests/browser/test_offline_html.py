"""HTML pages written by edrive open with the network cut off: every request that is not
for a local file is aborted and recorded, and the page must render all its figures
without one (the ``open_offline`` fixture of conftest.py). test_reports_offline.py opens
each kind of report made from small inputs; here, the reports of a hybrid and of a plan
computed by ``edrive plan``, a battery-electric car with its test procedures, and the
check itself shown to catch a page that needs the network."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from edrive.report.html import (
    plan_report_data,
    read_plan_json,
    vehicle_report_data,
    write_report,
)

DATA = Path(__file__).resolve().parents[1] / "data"
MAX_REPORT_BYTES = 5_000_000  # the target of a report's size


def _plan(tmp_path) -> dict:
    from edrive import cli

    out = tmp_path / "plan"
    mp = pytest.MonkeyPatch()
    mp.setattr(sys, "argv", ["edrive", "plan", str(DATA / "portfolio_small.yaml"), "--out",
                             str(out), "--draws", "0"])
    with pytest.raises(SystemExit) as done:
        cli.main()
    mp.undo()
    assert done.value.code == 0
    return read_plan_json(out / "plan.json")


REPORTS = {
    "vehicle_procedures": lambda tmp: vehicle_report_data("bmw_i3s", ["wltc", "udds"]),
    "vehicle_hybrid": lambda tmp: vehicle_report_data("toyota_prius_gen4", ["wltc"],
                                                      procedures=False),
    "plan_computed": lambda tmp: plan_report_data(_plan(tmp)),
}


@pytest.mark.parametrize("kind", list(REPORTS))
def test_each_report_renders_offline(kind, open_offline, tmp_path):
    report = REPORTS[kind](tmp_path)
    path = tmp_path / f"{kind}.html"
    write_report(report, path)
    assert path.stat().st_size < MAX_REPORT_BYTES
    _, page, blocked, broken = open_offline(path, f"report_{kind}.png")
    assert not blocked and not broken, (blocked, broken)
    assert page.inner_text("h1") == report.title
    shown = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.alt)")
    assert sorted(shown) == sorted(report.figures) and shown
    assert page.locator("table").count() >= 1


def test_the_check_sees_a_page_that_needs_the_network(open_offline, tmp_path):
    page_file = tmp_path / "online.html"
    page_file.write_text("<!DOCTYPE html><html><body><script src='https://cdn.example/x.js'>"
                         "</script><img alt='remote' src='https://cdn.example/x.png'></body>"
                         "</html>")
    _, _, blocked, broken = open_offline(page_file, "online_page.png")
    assert len(blocked) == 2 and broken == ["remote"]
