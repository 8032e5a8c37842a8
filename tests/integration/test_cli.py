"""The command line, run as a user would (a separate process)."""

import json
import subprocess
import sys

import pytest


def run(*args, ok=True):
    proc = subprocess.run([sys.executable, "-m", "edrive.cli", *args], capture_output=True,
                          text=True, timeout=300)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_simulate_json_has_the_promised_fields(tmp_path):
    out = tmp_path / "series.csv"
    plot = tmp_path / "plot.png"
    proc = run("simulate", "bmw_ix3", "--cycle", "udds", "--cycle", "hwfet", "--json",
               "--out", str(out), "--plot", str(plot))
    data = json.loads(proc.stdout)
    assert [d["cycle"] for d in data] == ["udds", "hwfet"]
    for d in data:
        for key in ("cycle", "distance_km", "battery_wh_per_km", "wall_wh_per_km", "trace_missed_s"):
            assert key in d
        assert d["wall_wh_per_km"] > d["battery_wh_per_km"] > 50
    assert out.stat().st_size > 1000 and plot.stat().st_size > 1000
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


def test_performance_and_range_json():
    perf = json.loads(run("performance", "mini_cooper_se", "--json").stdout)
    assert 5 < perf["accel_0_100_kmh_s"] < 12
    rng = json.loads(run("range", "mini_cooper_se", "--procedure", "epa", "--json").stdout)
    assert 60 < rng["label_range_mi"] < 200


def test_performance_of_a_petrol_car():
    perf = json.loads(run("performance", "bmw_330i", "--shift-time", "0.1", "--json").stdout)
    assert 4 < perf["accel_0_100_kmh_s"] < 10 and perf["shift_time_s"] == 0.1
    assert "soc" not in perf and perf["upshift_speeds_kmh"]


def test_listing_commands():
    assert "bmw_ix3" in run("vehicles", "list").stdout
    assert "artemis_urban" in run("cycles", "list").stdout
    assert "road_load" in run("vehicles", "show", "bmw_i3s").stdout
    assert "relative_positive_acceleration" in run("cycles", "show", "nedc").stdout


@pytest.mark.parametrize("args,message", [
    (["simulate", "bmw_ix3", "--cycle", "udsd"], "unknown cycle 'udsd' (did you mean 'udds'"),
    (["simulate", "bmw_ix4", "--cycle", "udds"], "unknown vehicle 'bmw_ix4'"),
    (["simulate", "missing.yaml", "--cycle", "udds"], "does not exist"),
    (["range", "bmw_ix3", "--procedure", "nedc"], "allowed: wltp, epa"),
    (["epa", "validate", "nope.csv"], "does not exist"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    proc = run(*args, ok=False)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.strip().count("\n") == 0


def test_bad_vehicle_file(tmp_path):
    bad = tmp_path / "car.yaml"
    bad.write_text("name: x\nmass: {test_mass_kg: -1500}\n")
    proc = run("simulate", str(bad), "--cycle", "udds", ok=False)
    assert proc.returncode == 2 and "mass.test_mass_kg: -1500" in proc.stderr


def test_strict_trace(tmp_path):
    car = tmp_path / "weak.yaml"
    from edrive.vehicle import load_vehicle, vehicle_to_yaml

    spec = load_vehicle("nissan_leaf_40kwh")
    data = vehicle_to_yaml(spec).replace(f"power_peak_w: {spec.drive_units[0].motor.power_peak_w}",
                                         "power_peak_w: 30000.0")
    car.write_text(data)
    assert run("simulate", str(car), "--cycle", "us06").returncode == 0
    proc = run("simulate", str(car), "--cycle", "us06", "--strict", ok=False)
    assert proc.returncode == 2 and "cannot follow us06" in proc.stderr


def test_edu_map_json_plot_and_exports(tmp_path):
    plot, out, motor = tmp_path / "map.png", tmp_path / "map.csv", tmp_path / "motor.csv"
    proc = run("edu", "map", "tesla_model3_rear_ipm", "--json", "--plot", str(plot), "--out", str(out),
               "--motor-map", str(motor), "--speeds", "30", "--torques", "30")
    data = json.loads(proc.stdout)
    for key in ("peak_torque_nm", "peak_power_kw", "max_speed_rpm", "peak_efficiency"):
        assert key in data
    assert 0.9 < data["peak_efficiency"] < 0.99
    assert plot.stat().st_size > 1000 and out.stat().st_size > 1000
    assert "speed_rpm,torque_nm,loss_w" in motor.read_text().splitlines()[0]


def test_edu_map_cycle_weighted_efficiency():
    data = json.loads(run("edu", "map", "jaguar_ipace_pm", "--json", "--speeds", "10", "--torques", "10",
                          "--vehicle", "jaguar_ipace_ev400", "--cycle", "udds").stdout)
    assert 0.75 < data["cycle_drive_efficiency"] < data["peak_efficiency"]
    assert data["continuous_torque_nm"] < data["peak_torque_nm"]


def test_edu_family_and_bad_edu():
    assert "length x" in run("edu", "family", "tesla_model3_rear_ipm", "--length", "0.9").stdout
    proc = run("edu", "map", "no_such_unit", ok=False)
    assert proc.returncode == 2 and "unknown drive unit 'no_such_unit'" in proc.stderr


def test_simulate_petrol_car_json():
    from pathlib import Path

    car = Path(__file__).resolve().parents[1] / "data" / "petrol_sedan.yaml"
    data = json.loads(run("simulate", str(car), "--cycle", "hwfet", "--json").stdout)
    assert data[0]["fuel_l_per_100km"] > 3 and data[0]["co2_g_per_km"] > 70


@pytest.mark.parametrize("car, keys", [
    ("toyota_prius_gen4", ("fuel_l_per_100km", "co2_g_per_km", "soc_start", "soc_end",
                           "engine_starts", "strategy")),
    ("bmw_330i", ("fuel_l_per_100km", "co2_g_per_km", "mpg_us", "gear_shifts"))])
def test_simulate_combustion_and_hybrid_json_and_plot(tmp_path, car, keys):
    plot = tmp_path / "plot.png"
    proc = run("simulate", car, "--cycle", "udds", "--json", "--plot", str(plot))
    data = json.loads(proc.stdout)[0]
    for key in keys:
        assert key in data
    assert plot.stat().st_size > 10_000  # speed, powers or gears, and the engine map
    assert not list(tmp_path.glob(".*"))


def test_simulate_json_of_a_plug_in_adds_range_and_weighted_figures():
    data = json.loads(run("simulate", "bmw_330e", "--cycle", "wltc", "--json").stdout)[0]
    for key in ("electric_range_km", "uf_weighted_fuel_l_per_100km", "uf_weighted_co2_g_per_km",
                "uf_weighted_electricity_ac_wh_per_km", "utility_factor"):
        assert key in data
    assert data["uf_weighted_co2_g_per_km"] < data["co2_g_per_km"]
