"""Mistakes on the command line end in one line on stderr and exit status 2, before any
computation; help and the version end with status 0; Ctrl-C with 130."""

import sys
from importlib.metadata import version

import pytest

from edrive import cli


def run(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["edrive", *args])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def one_line_error(err: str) -> str:
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("args, expected", [
    (["simulate", "bmw_ix3"], ["simulate: missing option '--cycle'",
                               "(see 'edrive simulate --help')"]),
    (["simulate", "bmw_ix3", "-c", "wltc", "--bogus"], ["simulate: no such option: --bogus"]),
    (["simulate", "bmw_ix3", "-c", "wltc", "--soc", "abc"], ["'--soc'", "'abc'"]),
    (["simulate", "bmw_ix3", "-c", "wltc", "extra"], ["unexpected extra argument", "extra"]),
    (["bogus"], ["no such command 'bogus'", "(see 'edrive --help')"]),
    (["sweep", "run", "x.yaml"], ["sweep run: missing option '--out'"]),
    (["edu", "map", "tesla_model3_rear_ipm", "--speeds", "1e3"], ["'--speeds'", "1e3"]),
])
def test_usage_mistakes_are_one_line_and_exit_2(monkeypatch, capsys, args, expected):
    code, out, err = run(monkeypatch, capsys, *args)
    assert code == 2 and out == ""
    for text in expected:
        assert text in one_line_error(err)


@pytest.mark.parametrize("args", [[], ["sweep"], ["edu"], ["--help"]])
def test_a_command_group_alone_prints_its_help(monkeypatch, capsys, args):
    code, out, err = run(monkeypatch, capsys, *args)
    assert code == 0 and "Usage: edrive" in out and err == ""


def test_version(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "--version")
    assert (code, out, err) == (0, f"edrive {version('edrive')}\n", "")


def test_ctrl_c_exits_130(monkeypatch, capsys):
    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr("edrive.vehicle.list_vehicles", interrupted)
    code, _, _ = run(monkeypatch, capsys, "vehicles", "list")
    assert code == 130


def test_drive_unit_map_grid_is_limited_before_computing(monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "edu", "map", "tesla_model3_rear_ipm",
                       "--speeds", "100000", "--torques", "100000")
    assert code == 2
    assert "10,000,000,000 points; the limit is 250,000 (EDRIVE_MAX_MAP_POINTS)" in \
        one_line_error(err)
    monkeypatch.setenv("EDRIVE_MAX_MAP_POINTS", "99")
    code, _, err = run(monkeypatch, capsys, "edu", "map", "tesla_model3_rear_ipm",
                       "--speeds", "10", "--torques", "10")
    assert code == 2 and "the limit is 99 (EDRIVE_MAX_MAP_POINTS)" in err
    monkeypatch.setenv("EDRIVE_MAX_MAP_POINTS", "lots")
    code, _, err = run(monkeypatch, capsys, "edu", "map", "tesla_model3_rear_ipm")
    assert code == 2 and "EDRIVE_MAX_MAP_POINTS: 'lots'; allowed: a positive integer" in err


def _forbid(monkeypatch, target):
    def computed(*args, **kwargs):
        raise AssertionError("computed before the outputs were checked")

    monkeypatch.setattr(target, computed)


COMMANDS = [(["simulate", "bmw_ix3", "-c", "udds"], "edrive.sim.run.simulate"),
            (["epa", "validate", "any.csv"], "edrive.io.epa_testcar.validate_file"),
            (["edu", "map", "tesla_model3_rear_ipm"], "edrive.edu.load_edu")]
BAD_OUTPUTS = [("--out", lambda d: str(d), "is a folder"),
               ("--out", lambda d: "", "empty path"),
               ("--out", lambda d: (d / "f").write_text("x") and str(d / "f" / "x.csv"),
                "a parent is not a folder"),
               ("--plot", lambda d: str(d / "x.unknownext"), "suffix .unknownext")]


@pytest.mark.parametrize("command, compute, option, path, message", [
    (*c, *o) for c in COMMANDS for o in BAD_OUTPUTS if not (c[0][0] == "epa" and o[0] == "--plot")])
def test_outputs_are_checked_before_any_computation(monkeypatch, capsys, tmp_path, command,
                                                     compute, option, path, message):
    _forbid(monkeypatch, compute)
    code, _, err = run(monkeypatch, capsys, *command, option, path(tmp_path))
    assert code == 2 and f"{option}: " in err and message in one_line_error(err)


def test_an_input_file_is_not_an_output(monkeypatch, capsys, tmp_path):
    car = tmp_path / "car.yaml"
    car.write_text("name: x\n")
    _forbid(monkeypatch, "edrive.sim.run.simulate")
    code, _, err = run(monkeypatch, capsys, "simulate", str(car), "-c", "udds", "--out", str(car))
    assert code == 2 and "is the input file" in one_line_error(err)
    assert car.read_text() == "name: x\n"


def test_two_options_naming_one_file(monkeypatch, capsys, tmp_path):
    _forbid(monkeypatch, "edrive.edu.load_edu")
    code, _, err = run(monkeypatch, capsys, "edu", "map", "tesla_model3_rear_ipm",
                       "--out", str(tmp_path / "m.csv"), "--motor-map", str(tmp_path / "m.csv"))
    assert code == 2 and "--motor-map" in err and "is also the --out file" in one_line_error(err)


def test_a_full_disk_at_the_end_is_one_line_and_keeps_the_old_file(monkeypatch, capsys,
                                                                    tmp_path):
    import errno
    import os

    from edrive.io import output

    target = tmp_path / "series.csv"
    target.write_text("earlier results")

    def disk_full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output.os, "fsync", disk_full)
    code, _, err = run(monkeypatch, capsys, "simulate", "bmw_ix3", "-c", "udds",
                       "--out", str(target))
    assert code == 2 and "series.csv" in err and "No space left on device" in one_line_error(err)
    assert target.read_text() == "earlier results"
    assert [p.name for p in tmp_path.iterdir()] == ["series.csv"]


def test_a_damaged_epa_file_is_one_line(monkeypatch, capsys, tmp_path):
    from pathlib import Path

    subset = Path(__file__).resolve().parents[1] / "validation" / "data" / "epa_2022_subset.csv"
    header_only = tmp_path / "header_only.csv"
    header_only.write_text(subset.read_text(encoding="utf-8-sig").split("\n", 1)[0] + "\n")
    code, out, err = run(monkeypatch, capsys, "epa", "validate", str(header_only))
    assert code == 2 and out == ""
    assert err == "error: EPA file header_only.csv: no test records, only the header\n"


@pytest.mark.parametrize("args, expected", [
    (["simulate", "x" * 300, "-c", "udds"], "unknown vehicle 'xxxx"),
    (["simulate", "x" * 300 + ".yaml", "-c", "udds"], "does not exist"),
    (["simulate", "bmw_ix3", "-c", "x" * 300], "unknown cycle 'xxxx"),
    (["simulate", "bmw_ix3", "-c", "x" * 300 + ".csv"], "does not exist"),
])
def test_names_too_long_for_the_file_system(monkeypatch, capsys, args, expected):
    code, _, err = run(monkeypatch, capsys, *args)
    assert code == 2 and expected in one_line_error(err) and len(err) < 600


def test_an_operating_system_refusal_is_one_line(monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/some/file.yaml")

    monkeypatch.setattr("edrive.vehicle.load_vehicle", refuse)
    code, _, err = run(monkeypatch, capsys, "vehicles", "show", "bmw_ix3")
    assert code == 2 and one_line_error(err) == "error: '/some/file.yaml': Permission denied\n"


def test_drive_units_are_compared_in_battery_electric_cars_only(monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "edu", "compare", "tesla_model3_rear_ipm",
                       "jaguar_ipace_pm", "--vehicle", "bmw_330i")
    assert code == 2 and "type icev; drive units are compared in battery-electric cars" in \
        one_line_error(err)
