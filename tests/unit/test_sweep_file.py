"""Sweep files: paths, ranges, units, outputs and constraints checked before anything runs."""

import pytest

from edrive.errors import EdriveError
from edrive.sweep.sweep_file import load_sweep

HEAD = "schema_version: 1\nbase: tesla_model3_rwd\n"
TAIL = "design: {method: lhs, n: 8}\ncycles: [hwfet]\n"


def sweep(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return load_sweep(path)


def error(tmp_path, text) -> str:
    with pytest.raises(EdriveError) as exc:
        sweep(tmp_path, text)
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


def test_units_are_converted_and_columns_named(tmp_path):
    s = sweep(tmp_path, HEAD + """parameters:
  drive_units.0.motor.power_peak_w: {low: 150 kW, high: 0.25 MW}
  drive_units.0.motor.speed_max_rad_s: {levels: [16000 rpm, 18000 rpm]}
  battery.cells_parallel: [1, 2]
  drive_units.0.gear.ratio: {low: 8, high: 10, name: ratio}
""" + TAIL)
    p = {q.path: q for q in s.parameters}
    assert p["drive_units.0.motor.power_peak_w"].low == 150e3
    assert p["drive_units.0.motor.power_peak_w"].high == 250e3
    assert p["drive_units.0.motor.speed_max_rad_s"].levels == pytest.approx(
        (16000 * 2 * 3.141592653589793 / 60, 18000 * 2 * 3.141592653589793 / 60))
    assert p["battery.cells_parallel"].integer and p["battery.cells_parallel"].levels == (1, 2)
    assert s.columns[:5] == ["design_id", "motor_power_peak_w", "motor_speed_max_rad_s",
                             "battery_cells_parallel", "ratio"]
    # outputs default to every figure of the listed cycles
    assert "hwfet_wall_wh_per_km" in s.outputs and s.columns[-2:] == ["feasible", "error"]


def test_hash_follows_content(tmp_path):
    a = sweep(tmp_path, HEAD + "parameters: {drive_units.0.gear.ratio: {low: 8, high: 10}}\n"
              + TAIL)
    b = sweep(tmp_path, HEAD + "parameters: {drive_units.0.gear.ratio: {low: 8, high: 10}}\n"
              + TAIL)
    c = sweep(tmp_path, HEAD + "parameters: {drive_units.0.gear.ratio: {low: 8, high: 11}}\n"
              + TAIL)
    assert a.spec_hash == b.spec_hash != c.spec_hash


def test_hash_of_a_cycle_file_follows_its_content_not_its_path(tmp_path, monkeypatch):
    from importlib import resources

    csv = resources.files("edrive").joinpath("data/cycles/epa_hwfet.csv").read_bytes()
    (tmp_path / "my_cycle.csv").write_bytes(csv)
    text = HEAD + "parameters: {drive_units.0.gear.ratio: [8, 9]}\ndesign: {method: grid}\n" \
        "cycles: [my_cycle.csv]\n"
    a = sweep(tmp_path, text)
    assert a.outputs[0] == "my_cycle_wall_wh_per_km"
    monkeypatch.chdir(tmp_path)
    b = load_sweep("s.yaml")
    assert a.spec_hash == b.spec_hash
    (tmp_path / "my_cycle.csv").write_bytes(csv.replace(b"\n0,", b"\n0.0,", 1))
    assert load_sweep("s.yaml").spec_hash != a.spec_hash


def test_bad_path_names_the_key_and_suggests(tmp_path):
    msg = error(tmp_path, HEAD + "parameters: {drive_units.0.motor.power_peek_w: "
                "{low: 1, high: 2}}\n" + TAIL)
    assert "power_peek_w" in msg and "did you mean 'power_peak_w'" in msg
    assert "allowed keys:" in msg and "torque_peak_nm" in msg
    msg = error(tmp_path, HEAD + "parameters: {drive_units.3.gear.ratio: [8, 9]}\n" + TAIL)
    assert "positions 0 to 0" in msg
    msg = error(tmp_path, HEAD + "parameters: {battery: [1, 2]}\n" + TAIL)
    assert "group of fields" in msg


@pytest.mark.parametrize("body, words", [
    ("{low: 250 kW, high: 150 kW}", ["low '250 kW' is not below high '150 kW'"]),
    ("{low: 150 kW, high: 150 kW}", ["allowed: low < high"]),
    ("{low: -50 kW, high: 150 kW}", ["low", "'-50 kW'", "not allowed by the vehicle spec"]),
    ("{low: 150 kg, high: 200 kW}", ["wrong unit", "W"]),
    ("{low: 150 kW}", ["high is missing"]),
    ("{low: 1, high: 2, levels: [1]}", ["either levels or low/high"]),
    ("{low: 1, high: 2, stepz: 3}", ["unknown key 'stepz'"]),
    ("{low: 1, high: 2, steps: 3}", ["only grid designs use steps"]),
    ("[]", ["non-empty list"]),
    ("[150 kW, 150 kW]", ["repeats a value"]),
])
def test_bad_ranges(tmp_path, body, words):
    msg = error(tmp_path, HEAD + f"parameters:\n  drive_units.0.motor.power_peak_w: {body}\n"
                + TAIL)
    assert "parameters.drive_units.0.motor.power_peak_w" in msg
    for w in words:
        assert w in msg


def test_counts_take_whole_numbers(tmp_path):
    msg = error(tmp_path, HEAD + "parameters: {battery.cells_parallel: {low: 1, high: 2.5}}\n"
                + TAIL)
    assert "whole number" in msg and "cells_parallel.high" in msg
    msg = error(tmp_path, HEAD + "parameters: {battery.cells_parallel: {low: 0, high: 3}}\n"
                + TAIL)
    assert "not allowed by the vehicle spec" in msg


def test_a_combination_invalid_only_in_some_designs_is_accepted(tmp_path):
    # 800 kW at the base torque (404 N m) puts the base speed above the maximum speed, but
    # not at 600 N m: a design error of some designs, not a file error
    s = sweep(tmp_path, HEAD + "parameters: {drive_units.0.motor.power_peak_w: "
              "[150 kW, 800 kW], drive_units.0.motor.torque_peak_nm: [404 N*m, 600 N*m]}\n"
              + TAIL)
    assert s.parameters[0].levels == (150e3, 800e3)


def test_design_section(tmp_path):
    p = "parameters: {drive_units.0.gear.ratio: {low: 8, high: 10}}\n"
    assert "design.method" in error(tmp_path, HEAD + p + "design: {method: random, n: 3}\n")
    assert "design.n" in error(tmp_path, HEAD + p + "design: {method: sobol}\ncycles: [udds]\n")
    assert "steps is missing" in error(tmp_path, HEAD + p + "design: {method: grid}\n"
                                       "cycles: [udds]\n")
    grid = sweep(tmp_path, HEAD + "parameters: {drive_units.0.gear.ratio: {low: 8, high: 10, "
                 "steps: 3}, battery.cells_parallel: [1, 2]}\ndesign: {method: grid}\n"
                 "cycles: [udds]\n")
    assert grid.n_designs == 6
    assert "has 6 designs" in error(tmp_path, HEAD + "parameters: {drive_units.0.gear.ratio: "
                                    "{low: 8, high: 10, steps: 3}, battery.cells_parallel: "
                                    "[1, 2]}\ndesign: {method: grid, n: 7}\ncycles: [udds]\n")


def test_outputs_procedures_and_constraints(tmp_path):
    p = "parameters: {drive_units.0.gear.ratio: {low: 8, high: 10}}\n"
    msg = error(tmp_path, HEAD + p + TAIL + "outputs: [hwfet_wall_wh_per_kn]\n")
    assert "unknown output 'hwfet_wall_wh_per_kn'" in msg and "hwfet_wall_wh_per_km" in msg
    msg = error(tmp_path, HEAD + p + TAIL + "outputs: [wltp_range_km]\n")
    assert "wltp_range_km" in msg and "allowed with these cycles and procedures" in msg
    msg = error(tmp_path, HEAD + p + TAIL + "constraints: ['range_km >= 400']\n")
    assert "unknown column 'range_km'" in msg
    msg = error(tmp_path, HEAD + p + TAIL + "constraints: ['hwfet_wall_wh_per_km ~ 4']\n")
    assert "COLUMN OP NUMBER" in msg
    msg = error(tmp_path, "schema_version: 1\nbase: bmw_330i\n" + p.replace(
        "drive_units.0.gear.ratio: {low: 8, high: 10}",
        "mass.test_mass_kg: {low: 1500, high: 1700}")
        + TAIL + "procedures: [wltp]\n")
    assert "procedures.0" in msg and "does not apply to vehicles of type icev" in msg
    s = sweep(tmp_path, HEAD + p + TAIL + "procedures: [wltp, performance]\n"
              "outputs: [wltp_range_km, accel_0_100_kmh_s]\n"
              "constraints: ['wltp_range_km >= 400', 'accel_0_100_kmh_s < 7']\n")
    assert [c.text for c in s.constraints] == ["wltp_range_km >= 400", "accel_0_100_kmh_s < 7"]
    assert s.constraints[0].holds(401) and not s.constraints[0].holds(399)
    assert not s.constraints[0].holds(float("nan"))


def test_unknown_keys_and_base(tmp_path):
    p = "parameters: {drive_units.0.gear.ratio: {low: 8, high: 10}}\n"
    assert "unknown key 'cylces'" in error(tmp_path, HEAD + p + "design: {method: lhs, n: 2}\n"
                                           "cylces: [udds]\n")
    msg = error(tmp_path, "base: tesla_modle3_rwd\n" + p + TAIL)
    assert "base:" in msg and "tesla_model3_rwd" in msg


def test_bundled_example_loads():
    from pathlib import Path

    s = load_sweep(Path(__file__).resolve().parents[2] / "examples" / "sweep_motor_gear.yaml")
    assert (s.n_designs, s.n_chunks, s.method) == (256, 8, "sobol")
    assert s.optimize["objectives"][0] == {"minimize": "wltc_wall_wh_per_km", "maximize": None}
