"""Figures of results (edrive.report.charts) and the energy breakdown they draw
(edrive.sim.breakdown): numbers that add up to the energy audit, axes with units, motor or
output shaft named, labels that do not collide, files written."""

from __future__ import annotations

import re

import numpy as np
import pytest

from edrive import simulate
from edrive.cycles import DriveCycle
from edrive.report import charts
from edrive.sim.breakdown import energy_breakdown, phase_figures
from tests.conftest import make_vehicle

UNIT = re.compile(r"\[[^\]]+\]")
CATEGORIES = {"cycle phase", "year"}  # axes of categories, which have no unit


def short_cycle() -> DriveCycle:
    t = np.arange(0.0, 121.0)
    v = np.interp(t, [0, 20, 60, 80, 100, 120], [0, 60, 60, 100, 0, 0]) / 3.6
    return DriveCycle("short", t, v, np.zeros_like(t), (("town", 0, 60), ("road", 61, 120)))


@pytest.fixture(scope="module")
def bev():
    car = make_vehicle()
    return car, simulate(car, short_cycle())


@pytest.fixture(scope="module")
def wltc_bev():
    return simulate("tesla_model3_rwd", "wltc")


def labelled_axes(fig):
    """Axes of the figure that are plots (not colour bars, not an empty Sankey canvas)."""
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.axison]


def check_figure(fig, path):
    assert charts.overlapping_labels(fig) == []
    for ax in labelled_axes(fig):
        for label in (ax.get_xlabel(), ax.get_ylabel()):
            if label and label not in CATEGORIES:
                assert UNIT.search(label), f"no unit in axis label {label!r}"
    charts.save_figure(fig, path)
    assert path.read_bytes()[:4] == b"\x89PNG"


def parts_total(parts):
    return sum(v for k, v in parts.items() if k != "energy_in_j")


@pytest.mark.parametrize("car", ["tesla_model3_rwd", "bmw_ix3", "bmw_330i", "bmw_330e"])
def test_breakdown_adds_up_to_the_energy_in_and_keeps_the_audit(car):
    res = simulate(car, "wltc")
    parts = energy_breakdown(car, res)
    assert parts_total(parts) == pytest.approx(parts["energy_in_j"], rel=2e-3)
    audit = res.summary["energy_j"]
    assert parts["aero_drag_j"] + parts["rolling_resistance_j"] == pytest.approx(
        audit["road_load_j"], rel=1e-9)
    if "motor_inverter_loss_j" in audit:
        split = sum(parts[k] for k in ("copper_loss_j", "iron_loss_j", "mechanical_loss_j",
                                       "inverter_loss_j"))
        assert split == pytest.approx(audit["motor_inverter_loss_j"], rel=1e-6)


def test_a_motor_with_only_copper_loss_puts_it_all_in_copper():
    car = make_vehicle(drive_units__0__motor__losses={
        "kind": "generic", "copper_fraction": 0.01, "iron_fraction": 0.0,
        "windage_fraction": 0.0, "constant_fraction": 0.0, "inverter_fraction": 0.0})
    parts = energy_breakdown(car, simulate(car, short_cycle()))
    assert parts["copper_loss_j"] > 0
    assert parts["iron_loss_j"] == parts["mechanical_loss_j"] == parts["inverter_loss_j"] == 0


def test_aero_drag_follows_the_drag_coefficient(bev):
    car, res = bev
    half = make_vehicle(road_load__physical__drag_coefficient=0.15)
    a = energy_breakdown(car, res)["aero_drag_j"]
    b = energy_breakdown(half, simulate(half, short_cycle()))["aero_drag_j"]
    assert b == pytest.approx(a / 2, rel=1e-6)


def test_phases_add_up_to_the_cycle(wltc_bev):
    rows = phase_figures(wltc_bev)
    assert [r["phase"] for r in rows] == ["low", "medium", "high", "extra_high"]
    km = sum(r["distance_km"] for r in rows)
    assert km == pytest.approx(wltc_bev.summary["distance_m"] / 1e3, rel=1e-9)
    mean = sum(r["battery_wh_per_km"] * r["distance_km"] for r in rows) / km
    assert mean == pytest.approx(wltc_bev.summary["battery_wh_per_km"], rel=1e-9)
    assert rows[-1]["battery_wh_per_km"] > rows[1]["battery_wh_per_km"]  # aero at 130 km/h


def test_phases_of_a_petrol_car_add_up_to_its_fuel():
    res = simulate("bmw_330i", "wltc")
    rows = phase_figures(res)
    km = sum(r["distance_km"] for r in rows)
    litres = sum(r["fuel_l_per_100km"] * r["distance_km"] / 100 for r in rows)
    assert litres / km * 100 == pytest.approx(res.summary["fuel_l_per_100km"], rel=1e-9)


def test_a_result_with_another_cycle_is_refused(bev):
    from edrive.errors import EdriveError

    with pytest.raises(EdriveError, match="the cycle the result was driven on"):
        phase_figures(bev[1], "wltc")


def test_operating_shares_sum_to_one_and_follow_the_weights():
    edges = np.array([0.0, 1.0, 2.0])
    share = charts.operating_share([0.5, 1.5, 1.5], [0.5, 0.5, 1.5], [1.0, 1.0, 2.0],
                                   edges, edges)
    assert share.sum() == pytest.approx(1.0)
    assert share[0, 0] == pytest.approx(0.25) and share[1, 1] == pytest.approx(0.5)


def test_operating_points_figure(bev, tmp_path):
    car, res = bev
    fig = charts.operating_points_figure(car, [res])
    check_figure(fig, tmp_path / "op.png")
    ax = labelled_axes(fig)[0]
    assert "motor shaft" in ax.get_xlabel() and "motor shaft" in ax.get_ylabel()
    mesh = [c for c in ax.collections if hasattr(c, "get_array") and c.get_array() is not None
            and c.get_array().ndim > 0 and c.get_array().size > 100]
    assert mesh and float(np.ma.sum(mesh[-1].get_array())) == pytest.approx(100.0)


def test_energy_figures(bev, tmp_path):
    car, res = bev
    check_figure(charts.losses_figure(car, res), tmp_path / "losses.png")
    check_figure(charts.energy_flow_figure(car, res), tmp_path / "flow.png")
    check_figure(charts.trace_figure(res), tmp_path / "trace.png")
    check_figure(charts.phase_figure(res, short_cycle()), tmp_path / "phase.png")


def test_loss_bars_show_the_breakdown(bev):
    car, res = bev
    fig = charts.losses_figure(car, res)
    ax = labelled_axes(fig)[0]
    parts = energy_breakdown(car, res)
    km = res.summary["distance_m"] / 1e3
    widths = sorted(p.get_width() for p in ax.patches)
    expected = sorted(v / 3600 / km for k, v in parts.items()
                      if k != "energy_in_j" and abs(v) > 1e-6 * parts["energy_in_j"])
    assert widths == pytest.approx(expected)


def test_trace_figure_shades_the_misses(tmp_path):
    weak = make_vehicle(drive_units__0__motor__power_peak_w=20e3)
    res = simulate(weak, short_cycle())
    assert res.trace_misses
    fig = charts.trace_figure(res)
    check_figure(fig, tmp_path / "trace.png")
    assert len(labelled_axes(fig)[0].patches) >= len(res.trace_misses)


def test_edu_difference_is_zero_for_the_same_unit_and_names_the_output_shaft(tmp_path):
    fig = charts.edu_difference_figure("jaguar_ipace_pm", "jaguar_ipace_pm", 20, 20)
    check_figure(fig, tmp_path / "diff.png")
    ax = labelled_axes(fig)[2]
    assert "output shaft" in ax.get_xlabel() and "output shaft" in ax.get_ylabel()
    values = ax.collections[0].get_array()
    assert np.ma.count(values) > 0 and float(np.ma.max(np.abs(values))) == 0.0


def test_edu_difference_of_two_units(tmp_path):
    fig = charts.edu_difference_figure("tesla_model3_rear_ipm", "jaguar_ipace_pm", 20, 20)
    values = labelled_axes(fig)[2].collections[0].get_array()
    assert float(np.ma.max(np.abs(values))) > 0.1


@pytest.mark.parametrize("name,label,factor", [
    ("drive_units.0.motor.power_peak_w", "drive unit 1 motor power peak [kW]", 1e-3),
    ("wltc_wall_wh_per_km", "wltc wall [Wh/km]", 1.0),
    ("accel_0_100_kmh_s", "accel 0 100 [s]", 1.0),
    ("top_speed_kmh", "top speed [km/h]", 1.0),
    ("drive_units.0.gear.ratio", "drive unit 1 gear ratio", 1.0),
])
def test_column_labels(name, label, factor):
    assert charts.column_label(name) == (label, factor)


def test_pareto_figure_labels_both_axes_with_units(tmp_path):
    from edrive.sweep.results import Front

    x = np.array([1.0, 2.0, 3.0])
    y = np.array([3.0, 1.0, 2.0])
    front = Front("wltc_wall_wh_per_km", "accel_0_100_kmh_s", [], [], x, y, x[:2], y[:2],
                  False, False, 3)
    fig = charts.pareto_figure(front)
    check_figure(fig, tmp_path / "pareto.png")
    ax = labelled_axes(fig)[0]
    assert ax.get_xlabel() == "wltc wall [Wh/km], lower is better"
    assert ax.get_ylabel() == "accel 0 100 [s], lower is better"


PLAN = {
    "plants": {"plants": [
        {"plant": "a", "year": 2027, "volume_units": 90e3, "capacity_units": 100e3},
        {"plant": "a", "year": 2028, "volume_units": 95e3, "capacity_units": 100e3},
        {"plant": "b", "year": 2027, "volume_units": 0.0, "capacity_units": 50e3},
        {"plant": "b", "year": 2028, "volume_units": 20e3, "capacity_units": 50e3}]},
    "fleet_co2": {"year": 2027, "jurisdictions": {
        "EU": {"makers": [{"maker": "m1", "average_g_per_km": 95.0, "target_g_per_km": 93.0},
                          {"maker": "m2", "average_g_per_km": 88.0, "target_g_per_km": 96.0}],
               "pool": {"average_g_per_km": 92.0, "target_g_per_km": 94.0}},
        "GB": {"makers": [{"maker": "m1", "zev_share": 0.24, "zev_share_required": 0.38}],
               "pool": None}}},
}


def test_plan_figures(tmp_path):
    fig = charts.plant_load_figure(PLAN)
    check_figure(fig, tmp_path / "plants.png")
    heights = sorted(p.get_height() for p in labelled_axes(fig)[0].patches if p.get_fill())
    assert heights == pytest.approx([0.0, 20.0, 90.0, 95.0])
    fig = charts.fleet_co2_figure(PLAN)
    check_figure(fig, tmp_path / "co2.png")
    eu, gb = labelled_axes(fig)
    assert [p.get_height() for p in eu.patches] == [95.0, 88.0, 92.0, 93.0, 96.0, 94.0]
    assert [p.get_height() for p in gb.patches] == pytest.approx([24.0, 38.0])
    assert charts.fleet_co2_figure({"fleet_co2": {"jurisdictions": {}}}) is None


def test_overlapping_labels_finds_a_collision():
    fig = charts.new_figure(4, 3)
    ax = fig.subplots()
    ax.set_title("a title")
    fig.suptitle("a title")
    t = ax.text(0.5, 1.02, "a title over the title", transform=ax.transAxes, ha="center")
    t._edrive_label = True
    assert charts.overlapping_labels(fig)


@pytest.mark.parametrize("car", ["tesla_model3_rwd", "bmw_330i", "bmw_330e"])
def test_simulate_plots_have_units_and_no_colliding_labels(car, monkeypatch, tmp_path):
    """The figures of ``edrive simulate --plot``, checked before they are written."""
    from edrive.report import plots
    from edrive.vehicle import load_vehicle

    seen = []
    real_save = plots._save

    def check_then_save(fig, path):
        seen.append(fig)
        check_figure(fig, tmp_path / "check.png")
        real_save(fig, path)

    monkeypatch.setattr(plots, "_save", check_then_save)
    spec = load_vehicle(car)
    res = simulate(spec, "udds")
    out = tmp_path / "plot.png"
    if spec.type == "bev":
        plots.plot_result(spec.model(), [res], out)
    elif spec.type == "hev":
        plots.plot_hev_result([res], out, engine=spec.model().engine)
    else:
        plots.plot_icev_result([res], out, engine=spec.model().engine)
    assert seen and out.read_bytes()[:4] == b"\x89PNG"
    shares = [c.get_array() for ax in labelled_axes(seen[0]) for c in ax.collections
              if c.get_array() is not None and c.get_array().ndim == 2]
    assert shares and float(np.ma.sum(shares[-1])) == pytest.approx(100.0)


def test_energy_flow_downhill_says_there_is_none(tmp_path):
    t = np.arange(0.0, 301.0)
    v = np.interp(t, [0, 30, 270, 300], [0, 50, 50, 0]) / 3.6
    hill = DriveCycle("downhill", t, v, np.full_like(t, -0.08))
    car = make_vehicle()
    res = simulate(car, hill, soc_initial=0.5)  # room in the battery for what it recovers
    assert energy_breakdown(car, res)["energy_in_j"] < 0
    fig = charts.energy_flow_figure(car, res)
    assert "no energy flow" in fig.axes[0].get_title()
    check_figure(fig, tmp_path / "flow.png")
    check_figure(charts.losses_figure(car, res), tmp_path / "losses.png")
