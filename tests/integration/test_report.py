"""``edrive report`` and edrive.report.html: one HTML file that opens offline (figures
embedded, no address of anything elsewhere), under 5 MB, escaping what users wrote, and
showing the numbers the library returns."""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from edrive import cli, simulate
from edrive.report.html import (
    compare_report_data,
    fmt,
    plan_report_data,
    read_plan_json,
    sweep_report_data,
    vehicle_report_data,
)

DATA = Path(__file__).resolve().parents[1] / "data"
MAX_BYTES = 5_000_000


class Page(HTMLParser):
    """Tags, their attributes and the text of a page."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def check_page(text: str, no_address_in_text: bool = True) -> Page:
    assert len(text.encode()) < MAX_BYTES
    page = Page(text)
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "iframe", "object", "embed"), tag
        for name in ("src", "href"):
            if name not in attrs:
                continue
            value = attrs[name] or ""
            assert "http://" not in value and "https://" not in value and "//" not in \
                value.split(":", 1)[0], f"{tag} {name}={value[:80]}"
            if name == "src":
                assert value.startswith("data:image/png;base64,")
            if name == "href":
                assert value.startswith("#")
    if no_address_in_text:
        assert "http://" not in text and "https://" not in text
    return page


def run(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["edrive", *map(str, args)])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_vehicle_report_shows_the_library_numbers():
    rep = vehicle_report_data("tesla_model3_rwd", ["wltc", "udds"])
    text = rep.html()
    page = check_page(text)
    body = " ".join(page.text)
    for c in ("wltc", "udds"):
        r = simulate("tesla_model3_rwd", c).report()
        for key in ("wall_wh_per_km", "battery_wh_per_km", "distance_km"):
            assert fmt(r[key]) in body and key in body
    assert {"wltc_trace", "wltc_phases", "wltc_losses", "wltc_energy_flow", "udds_trace",
            "operating_points"} <= set(rep.figures)
    assert "range_km" in body and "combined_label_mpge" in body  # WLTP and EPA
    assert sum(1 for tag, _ in page.tags if tag == "img") == len(rep.figures)


@pytest.mark.parametrize("car", ["bmw_330i", "bmw_330e"])
def test_combustion_and_hybrid_reports(car):
    rep = vehicle_report_data(car, ["wltc"], procedures=False)
    page = check_page(rep.html())
    r = simulate(car, "wltc").report()
    assert fmt(r["fuel_l_per_100km"]) in " ".join(page.text)
    assert "engine_map" in rep.figures and "wltc_energy_flow" in rep.figures


def test_user_text_is_escaped(tmp_path):
    from edrive.vehicle import load_vehicle, vehicle_to_yaml

    hostile = '<script>alert("x")</script><img src="https://example.com/x.png">'
    import yaml

    data = yaml.safe_load(vehicle_to_yaml(load_vehicle("tesla_model3_rwd")))
    data["name"] = data["description"] = hostile
    car = tmp_path / "car.yaml"
    car.write_text(yaml.safe_dump(data))
    cycle = tmp_path / "c.csv"
    cycle.write_text("time_s,speed_kmh\n0,0\n10,36\n20,36\n30,0\n")
    page = vehicle_report_data(car, [str(cycle)], procedures=False).html()
    assert "<script" not in page and "&lt;script&gt;" in page
    check_page(page, no_address_in_text=False)  # the address is text, not a link


def test_compare_report():
    rep = compare_report_data(["tesla_model3_rwd", "bmw_330i"], ["udds"])
    body = " ".join(check_page(rep.html()).text)
    assert fmt(simulate("tesla_model3_rwd", "udds").report()["wall_wh_per_km"]) in body
    assert fmt(simulate("bmw_330i", "udds").report()["fuel_l_per_100km"]) in body
    assert "energy_in_wh_per_km" in body


SWEEP = """schema_version: 1
base: tesla_model3_rwd
parameters:
  drive_units.0.motor.power_peak_w: [150 kW, 250 kW]
  drive_units.0.gear.ratio: [8.0, 10.0]
design: {method: grid, chunk_size: 4}
cycles: [udds]
outputs: [udds_wall_wh_per_km, udds_battery_wh_per_km]
"""


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    from edrive.sweep.runner import run_sweep
    from edrive.sweep.sweep_file import load_sweep

    d = tmp_path_factory.mktemp("sweep")
    (d / "s.yaml").write_text(SWEEP)
    run_sweep(load_sweep(d / "s.yaml"), d / "out")
    return d / "out"


def test_sweep_report(sweep_dir):
    from edrive.sweep.results import pareto

    rep = sweep_report_data(sweep_dir)
    body = " ".join(check_page(rep.html()).text)
    assert "designs" in body and "pareto" in rep.figures
    front = pareto(sweep_dir, "udds_wall_wh_per_km", "udds_battery_wh_per_km")
    for row in front.rows:
        assert fmt(row[front.columns.index("udds_wall_wh_per_km")]) in body


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan") / "plan"
    mp = pytest.MonkeyPatch()
    mp.setattr(sys, "argv", ["edrive", "plan", str(DATA / "portfolio_small.yaml"), "--out",
                             str(out), "--draws", "0"])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    mp.undo()
    assert exc.value.code == 0
    return out


def test_plan_report(plan_dir):
    plan = read_plan_json(plan_dir / "plan.json")
    rep = plan_report_data(plan)
    body = " ".join(check_page(rep.html()).text)
    assert fmt(plan["total_cost_eur"]) in body and fmt(plan["savings_eur"]) in body
    for a in plan["assignment"]:
        assert a["programme"] in body and a["variant"] in body
    assert "plant_loads" in rep.figures


def test_cli_writes_the_report_and_the_pngs(monkeypatch, capsys, tmp_path, plan_dir):
    out, pngs = tmp_path / "plan.html", tmp_path / "figs"
    code, _, err = run(monkeypatch, capsys, "report", "plan", plan_dir, "--out", out,
                            "--png-dir", pngs)
    assert code == 0, err
    check_page(out.read_text())
    assert sorted(p.name for p in pngs.iterdir()) == ["plant_loads.png"]
    assert (pngs / "plant_loads.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("args,message", [
    (["vehicle", "no_such_car", "--out", "{t}/r.html"], "unknown vehicle"),
    (["vehicle", "tesla_model3_rwd", "--out", "{t}/r.txt"], "ending in .html"),
    (["vehicle", "tesla_model3_rwd", "-c", "no_such_cycle", "--out", "{t}/r.html"], "cycle"),
    (["vehicle", "tesla_model3_rwd", "--out", "{t}/r.html", "--png-dir", "{t}/a_file"],
     "not a folder"),
    (["compare", "tesla_model3_rwd", "--out", "{t}/r.html"], "two or more"),
    (["sweep", "{t}/a_file", "--out", "{t}/r.html"], "not a folder"),
    (["sweep", "{t}", "--out", "{t}/r.html"], "not a sweep folder"),
    (["plan", "{t}", "--out", "{t}/r.html"], "plan.json"),
    (["plan", "{t}/bad.json", "--out", "{t}/r.html"], "plan.json written by edrive plan"),
])
def test_bad_input_is_one_line_and_writes_nothing(monkeypatch, capsys, tmp_path, args,
                                                  message):
    (tmp_path / "a_file").write_text("keep\n")
    (tmp_path / "bad.json").write_text('{"portfolio": 3, "variants": []}')
    before = sorted(p.name for p in tmp_path.iterdir())
    code, _, err = run(monkeypatch, capsys, "report",
                         *[a.format(t=tmp_path) for a in args])
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error:") and message in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_sweep_pareto_plot_coloured_by_a_parameter(monkeypatch, capsys, tmp_path, sweep_dir):
    plot = tmp_path / "front.png"
    code, _, err = run(monkeypatch, capsys, "sweep", "pareto", sweep_dir, "--x",
                       "udds_wall_wh_per_km", "--y", "udds_battery_wh_per_km", "--plot", plot,
                       "--color", "gear_ratio")
    assert code == 0, err
    assert plot.read_bytes()[:4] == b"\x89PNG"
    code, _, err = run(monkeypatch, capsys, "sweep", "pareto", sweep_dir, "--x",
                       "udds_wall_wh_per_km", "--y", "udds_battery_wh_per_km", "--color",
                       "gear_ratio")
    assert code == 2 and "only with --plot" in err


def test_pareto_colour_bar_names_the_parameter(sweep_dir):
    from edrive.report.charts import pareto_figure
    from edrive.sweep.results import pareto

    front = pareto(sweep_dir, "udds_wall_wh_per_km", "udds_battery_wh_per_km")
    fig = pareto_figure(front, sweep_dir, "motor_power_peak_w")
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert "motor power peak [kW]" in labels
    assert fig.axes[0].get_xlabel() == "udds wall [Wh/km], lower is better"


def test_plan_report_with_fleets(plan_dir):
    plan = read_plan_json(plan_dir / "plan.json")
    plan["fleet_co2"] = {"year": 2027, "jurisdictions": {"EU": {
        "currency": "EUR", "payments": {"maker_a": 1.5e6, "maker_b": 0.0},
        "makers": [{"maker": "maker_a", "average_g_per_km": 95.0, "target_g_per_km": 93.0},
                   {"maker": "maker_b", "average_g_per_km": 88.0, "target_g_per_km": 96.0}],
        "pool": {"average_g_per_km": 92.0, "target_g_per_km": 94.0}, "pool_payment": 0.0,
        "pool_gain": 1.5e6}}}
    rep = plan_report_data(plan)
    body = " ".join(check_page(rep.html()).text)
    assert "fleet_co2" in rep.figures
    assert "maker_a pays EUR 1,500,000" in body and "gain EUR 1,500,000" in body


def test_plug_in_hybrid_report_shows_the_range_procedure():
    from edrive import test_procedure

    body = " ".join(check_page(vehicle_report_data("bmw_330e", ["udds"]).html()).text)
    wltp = test_procedure("bmw_330e", "wltp")
    assert "combined.utility_factor" in body
    assert fmt(wltp["electric_range_km"]) in body
    assert fmt(wltp["combined"]["co2_g_per_km"]) in body


def test_edu_compare_plot_has_the_difference_map(monkeypatch, capsys, tmp_path):
    from edrive.report import charts

    drawn = []
    real = charts.save_figure

    def keep(fig, path):
        drawn.append(fig)
        real(fig, path)

    monkeypatch.setattr(charts, "save_figure", keep)
    plot = tmp_path / "cmp.png"
    code, _, err = run(monkeypatch, capsys, "edu", "compare", "tesla_model3_rear_ipm",
                       "jaguar_ipace_pm", "--vehicle", "tesla_model3_rwd", "--cycle", "udds",
                       "--plot", plot)
    assert code == 0, err
    assert plot.read_bytes()[:4] == b"\x89PNG"
    labels = [ax.get_xlabel() for ax in drawn[0].axes]
    assert labels.count("motor shaft speed [rpm]") == 2
    assert labels.count("output shaft speed [rpm]") == 3
    assert any("B - A" in ax.get_ylabel() for ax in drawn[0].axes)
    assert charts.overlapping_labels(drawn[0]) == []


def test_sweep_ranges_are_in_the_units_of_their_labels(sweep_dir):
    rep = sweep_report_data(sweep_dir)
    table = next(t for s in rep.sections for t in s.items
                 if hasattr(t, "header") and t.header[0] == "column")
    power = next(r for r, n in zip(table.rows, table.names, strict=True)
                 if n == "motor_power_peak_w")
    assert power[0] == "motor power peak [kW]" and power[1:] == [150.0, 200.0, 250.0]
