"""What the web app does without its page (edrive.app.logic) and the address check of
``edrive app``: parameters, input refused with one line, sweeps bounded and equal to
simulate_many, failures turned into one line."""

from __future__ import annotations

import logging
import math
import socket

import pytest

import edrive
from edrive.app import check_address, logic
from edrive.errors import EdriveError
from edrive.spec_paths import set_path
from edrive.vehicle import vehicle_from_dict


def changed(name: str, changes: dict):
    base = edrive.load_vehicle(name)
    data = base.model_dump(mode="json", exclude_none=True)
    for path, value in changes.items():
        set_path(data, path, value)
    return vehicle_from_dict(data, where="test")


def test_parameters_are_those_the_car_has():
    keys = {p.key for p, _ in logic.key_parameters(edrive.load_vehicle("bmw_i3s"))}
    assert {"test_mass", "motor_power", "gear_ratio", "cell_capacity"} <= keys
    assert "payload" not in keys  # the test mass is simulated, a payload would change nothing
    ix3 = {p.key for p, _ in logic.key_parameters(edrive.load_vehicle("bmw_ix3"))}
    assert {"kerb_mass", "payload", "drag"} <= ix3 and "motor_power" not in ix3  # EDU by name
    petrol = {p.key for p, _ in logic.key_parameters(edrive.load_vehicle("bmw_330i"))}
    assert "cell_capacity" not in petrol and "test_mass" in petrol


def test_values_are_shown_in_their_units():
    shown = {p.key: v for p, v in logic.key_parameters(edrive.load_vehicle("bmw_i3s"))}
    assert shown["motor_power"] == 135.0  # kW
    assert shown["cells_series"] == 96 and isinstance(shown["cells_series"], int)
    assert shown["cell_capacity"] == 120.0  # A h


def test_an_unchanged_page_simulates_the_car_itself():
    car = edrive.load_vehicle("bmw_i3s")
    values = {p.key: v for p, v in logic.key_parameters(car)}
    assert logic.with_parameters(car, values) is car


def test_changed_parameters_give_the_library_result():
    car = edrive.load_vehicle("bmw_i3s")
    mine = logic.with_parameters(car, {"test_mass": 1700, "motor_power": 120.0,
                                       "cells_parallel": 2})
    theirs = changed("bmw_i3s", {"mass.test_mass_kg": 1700.0,
                                 "drive_units.0.motor.power_peak_w": 120e3,
                                 "battery.cells_parallel": 2})
    assert mine.model_dump() == theirs.model_dump()
    a = logic.run_cycles(mine, ["udds"])[0].summary
    assert a == edrive.simulate(theirs, "udds").summary
    assert a["wall_wh_per_km"] != edrive.simulate(car, "udds").summary["wall_wh_per_km"]


@pytest.mark.parametrize("values,expected", [
    ({"test_mass": -5}, ("mass.test_mass_kg: -5.0: Input should be greater than 0 (the page's "
                        "field 'test mass [kg]')")),
    ({"test_mass": None}, "test mass [kg]: null; allowed: a number"),
    ({"test_mass": True}, "test mass [kg]: true; allowed: a number"),
    ({"test_mass": math.nan}, "allowed: a finite number"),
    ({"test_mass": "1500"}, "allowed: a number"),
    ({"cells_parallel": 1.5}, "allowed: a whole number"),
    ({"wheel_size": 3}, "parameter 'wheel_size' is not one of this car's"),
    ({"gear_ratio": 1e9}, "drive_units.0.gear.ratio"),
])
def test_bad_values_are_refused_with_one_line(values, expected):
    with pytest.raises(EdriveError) as err:
        logic.with_parameters(edrive.load_vehicle("bmw_i3s"), values)
    assert expected in str(err.value) and "\n" not in str(err.value)


def test_yaml_text_is_read_safely(tmp_path):
    marker = tmp_path / "executed"
    for text, expected in [("", "empty"), ("name: [", "not valid YAML"),
                           (f'!!python/object/apply:os.system ["touch {marker}"]',
                            "not valid YAML"),
                           ("- a\n- b\n", "found a list"), (123, "empty")]:
        with pytest.raises(EdriveError, match=expected):
            logic.vehicle_from_text(text)
    assert not marker.exists()
    yaml_text = logic.vehicle_yaml(edrive.load_vehicle("bmw_i3s"))
    assert logic.vehicle_from_text(yaml_text).model_dump() == \
        edrive.load_vehicle("bmw_i3s").model_dump()


def test_long_yaml_text_is_refused_unread(monkeypatch):
    monkeypatch.setenv("EDRIVE_MAX_APP_YAML_CHARS", "100")
    with pytest.raises(EdriveError, match="EDRIVE_MAX_APP_YAML_CHARS"):
        logic.vehicle_from_text("name: x\n" * 50)


def test_an_uploaded_file_is_read_with_the_vehicle_file_limits(tmp_path, monkeypatch):
    path = tmp_path / "upload"
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(EdriveError, match="not UTF-8"):
        logic.vehicle_from_upload(str(path), "car.yaml")
    monkeypatch.setenv("EDRIVE_MAX_SPEC_FILE_BYTES", "10")
    path.write_text("name: a longer file than ten bytes\n")
    with pytest.raises(EdriveError, match="larger than the limit"):
        logic.vehicle_from_upload(str(path), "car.yaml")


def test_cycles_must_be_bundled_names():
    with pytest.raises(EdriveError, match="none chosen"):
        logic.check_cycles([])
    with pytest.raises(EdriveError, match="did you mean 'wltc'"):
        logic.check_cycles(["wltp"])


def test_sweep_equals_simulate_many():
    car = edrive.load_vehicle("bmw_i3s")
    plan = logic.plan_sweep(car, [("test_mass", 1400, 1600, 3), ("gear_ratio", 9, 10, 2)])
    assert len(plan) == 6
    assert plan.variants["mass.test_mass_kg"] == [1400.0, 1400.0, 1500.0, 1500.0, 1600.0, 1600.0]
    got = logic.run_sweep_chunk(car, "udds", plan, 2, 4)
    want = edrive.simulate_many(car, "udds", variants={"mass.test_mass_kg": [1500.0, 1500.0],
                                                      "drive_units.0.gear.ratio": [9.0, 10.0]})
    assert [g["wall_wh_per_km"] for g in got] == list(want["wall_wh_per_km"])
    rows = logic.sweep_table(car, plan, got + got + got)
    assert rows[0]["test mass [kg]"] == 1400.0 and "wall_wh_per_km" in rows[0]


@pytest.mark.parametrize("axes,expected", [
    ([], "no parameter chosen"),
    ([("test_mass", 1000, 2000, 100), ("gear_ratio", 8, 10, 100)], "10,000 variants"),
    ([("test_mass", 1000, 2000, 0)], "allowed: a whole number from 1 to 200"),
    ([("test_mass", 1000, 2000, 2.5)], "allowed: a whole number"),
    ([("test_mass", 2000, 1000, 3)], "'to' above 'from'"),
    ([("test_mass", None, 1000, 3)], "test mass [kg] from: null"),
    ([("test_mass", 1, 2, 2), ("test_mass", 1, 2, 2)], "chosen twice"),
    ([("drag", 0.2, 0.3, 2)], "not one of this car's"),
])
def test_sweeps_are_bounded_and_checked(axes, expected):
    with pytest.raises(EdriveError) as err:
        logic.plan_sweep(edrive.load_vehicle("bmw_i3s"), axes)
    assert expected in str(err.value)


def test_refused_sweep_variants_are_rows_with_their_error():
    car = edrive.load_vehicle("bmw_i3s")
    plan = logic.plan_sweep(car, [("test_mass", -100, 1500, 2)])
    rows = logic.sweep_table(car, plan, logic.run_sweep_chunk(car, "udds", plan, 0, 2))
    assert "error" in rows[0] and "wall_wh_per_km" in rows[1]


def test_unexpected_failures_become_a_generic_line_and_a_log(caplog):
    with caplog.at_level(logging.ERROR, logger="edrive.app"):
        assert logic.user_message(ZeroDivisionError("x")) == logic.GENERIC_FAILURE
    assert "ZeroDivisionError" in caplog.text
    assert logic.user_message(EdriveError("mass: -1; allowed: > 0")) == "mass: -1; allowed: > 0"


def test_figures_are_png_data(tmp_path):
    for name in ("bmw_330i", "toyota_prius_gen4"):
        car = edrive.load_vehicle(name)
        uri = logic.result_figure(car, logic.run_cycles(car, ["udds"]))
        assert uri.startswith("data:image/png;base64,iVBOR")
    summary, uri = logic.edu_map("tesla_model3_rear_ipm", 10, 10)
    assert summary["peak_power_kw"] > 100 and uri.startswith("data:image/png")
    with pytest.raises(EdriveError, match="unknown drive unit"):
        logic.edu_map("no_such_unit")


def test_numbers_are_printed_to_four_digits():
    assert [logic.format_number(v) for v in (160.60216, 0.86903, 23266.3, 0, None, "x")] == \
        ["160.6", "0.869", "23,266", "0", "-", "x"]


def test_address_check():
    with pytest.raises(EdriveError, match="--host: 'example.org'"):
        check_address("example.org", 0)
    for port in (-1, 70000, True):
        with pytest.raises(EdriveError, match="--port"):
            check_address("127.0.0.1", port)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(EdriveError, match="cannot listen there"):
            check_address("127.0.0.1", busy.getsockname()[1])
    assert 0 < check_address("127.0.0.1", 0) <= 65535  # a free port chosen by the system


def test_a_bundled_drive_unit_can_be_fitted():
    from edrive.sim.edu_compare import with_edu

    car = edrive.load_vehicle("bmw_i3s")
    fitted = logic.fit_edu(car, "tesla_model3_rear_ipm")
    assert fitted.model_dump() == with_edu(car, "tesla_model3_rear_ipm").model_dump()
    assert "motor_power" not in {p.key for p, _ in logic.key_parameters(fitted)}
    with pytest.raises(EdriveError, match="unknown drive unit 'tesla'"):
        logic.fit_edu(car, "tesla")
    with pytest.raises(EdriveError, match="type icev"):
        logic.fit_edu(edrive.load_vehicle("bmw_330i"), "tesla_model3_rear_ipm")


def test_app_command_checks_and_warns(monkeypatch, capsys):
    import sys

    from edrive.cli import main

    def run(*args):
        monkeypatch.setattr(sys, "argv", ["edrive", "app", *args])
        with pytest.raises(SystemExit) as done:
            main()
        return done.value.code, capsys.readouterr()

    code, out = run("--check", "--port", "0")
    assert code == 0 and "ready to serve at http://127.0.0.1:" in out.out and not out.err
    assert not out.out.strip().endswith(":0")
    code, out = run("--check", "--port", "0", "--host", "0.0.0.0")
    assert code == 0 and "warning: listening on 0.0.0.0" in out.err
    code, out = run("--check", "--host", "127.0.0.1; rm -rf /")
    assert code == 2 and out.err.count("\n") == 1 and "--host" in out.err
    monkeypatch.setitem(sys.modules, "shiny", None)  # the app extra not installed
    code, out = run("--check", "--port", "0")
    assert code == 2 and "pip install 'edrive[app]'" in out.err


def test_the_report_of_a_changed_car_is_the_report_module_page():
    from edrive.report.html import vehicle_report_data

    car = logic.with_parameters(edrive.load_vehicle("bmw_330i"), {"test_mass": 1800})
    name, page = logic.vehicle_report(car, ["udds"])
    assert name == "BMW_330i_G20_EPA_test_car_report.html"
    assert page == vehicle_report_data(car, ["udds"]).html().encode("utf-8")
    with pytest.raises(EdriveError, match="none chosen"):
        logic.vehicle_report(car, [])


def test_energy_figures_of_each_run():
    for name in ("bmw_i3s", "bmw_330i"):
        car = edrive.load_vehicle(name)
        figures = logic.energy_figures(car, logic.run_cycles(car, ["udds", "hwfet"]))
        assert [f[0] for f in figures] == ["udds", "hwfet"]
        assert all(uri.startswith("data:image/png;base64,") for f in figures for uri in f[1:])
