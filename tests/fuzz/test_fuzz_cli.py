"""Every command with every usage mistake: exit status 2, one line, no traceback, nothing
written.

The commands are found from the application itself, so a new command without an entry in
:data:`VALID` fails :func:`test_every_command_has_valid_arguments` until it gets one; the
mistakes are then made from each command's own options and argument types.
"""

from __future__ import annotations

import inspect
import shutil
import typing
from pathlib import Path

import pytest
import typer
from harness import PEAK_RSS_LIMIT_B, assert_refused, listing, run_cli, run_cli_process

ROOT = Path(__file__).resolve().parents[2]

# One valid, cheap invocation of each command; {name} is a file of the workspace fixture and
# {new} a folder where the command may write.
VALID: dict[str, list[str]] = {
    "simulate": ["{car}", "-c", "{cycle}"],
    "performance": ["{car}"],
    "range": ["{car}"],
    "cycles list": [],
    "cycles show": ["{cycle}"],
    "vehicles list": [],
    "vehicles show": ["{car}"],
    "vehicles import-fastsim": ["{fastsim}", "--out", "{new}/imported.yaml"],
    "epa validate": ["{epa}"],
    "edu list": [],
    "edu map": ["tesla_model3_rear_ipm", "--speeds", "10", "--torques", "10"],
    "edu family": ["tesla_model3_rear_ipm", "--length", "1.0"],
    "edu compare": ["tesla_model3_rear_ipm", "jaguar_ipace_pm", "--vehicle", "{car}",
                    "--cycle", "{cycle}"],
    "sweep check": ["{sweep}"],
    "sweep run": ["{sweep}", "--out", "{new}/sweep_out"],
    "sweep query": ["{sweep_out}", "SELECT count(*) AS n FROM results"],
    "sweep pareto": ["{sweep_out}", "--x", "udds_wall_wh_per_km", "--y", "top_speed_kmh"],
    "sweep optimize": ["{sweep}"],
    "cost unit": ["jaguar_ipace_pm"],
    "cost compare": ["jaguar_ipace_pm", "bmw_gen5_eesm"],
    "cost data": [],
    "fleet-co2": ["bmw_like_eu_2025"],
    "plan": ["{portfolio}", "--draws", "0"],
    "report vehicle": ["{car}", "-c", "{cycle}", "--out", "{new}/car.html"],
    "report compare": ["{car}", "bmw_330i", "-c", "{cycle}", "--out", "{new}/compare.html"],
    "report sweep": ["{sweep_out}", "--out", "{new}/sweep.html"],
    "report plan": ["{portfolio}", "--draws", "0", "--out", "{new}/plan.html"],
    "app": ["--check", "--port", "0"],
}

# Values that no number option may take silently, and what each text option must refuse.
BAD_NUMBERS = ["abc", "", "nan", "inf", "-inf", "1e999", "0x10", "1,5"]
OUTPUT_OPTIONS = {"--out", "--plot", "--motor-map", "--report"}
PLOT_OPTIONS = {"--plot"}
FOLDER_OUTPUTS = {"sweep run", "plan"}  # commands whose --out is a folder

SWEEP = """\
schema_version: 1
name: bad-input suite sweep
base: {car}
parameters:
  drive_units.0.motor.power_peak_w: {{low: 150 kW, high: 250 kW, steps: 2}}
  drive_units.0.gear.ratio: [8.0, 9.0]
design: {{method: grid, chunk_size: 2}}
cycles: [udds]
procedures: [performance]
outputs: [udds_wall_wh_per_km, top_speed_kmh]
optimize:
  objectives: [{{minimize: udds_wall_wh_per_km}}]
  generations: 1
  population: 4
  seed: 1
"""


def leaf_commands() -> dict[str, tuple[typer.models.CommandInfo, object]]:
    """Every leaf command of ``edrive``: its name path, its click command and its function."""
    from edrive.cli import app

    click_root = typer.main.get_command(app)
    found = {}

    def walk(t_app, c_group, prefix):
        for info in t_app.registered_commands:
            name = info.name or info.callback.__name__.replace("_", "-")
            found[" ".join([*prefix, name]).strip()] = (c_group.commands[name], info.callback)
        for group in t_app.registered_groups:
            name = group.name if isinstance(group.name, str) else None
            if name is None:  # a group added without a name lends its commands to this level
                walk(group.typer_instance, c_group, prefix)
            else:
                walk(group.typer_instance, c_group.commands[name], [*prefix, name])

    walk(app, click_root, [])
    return found


COMMANDS = leaf_commands()


def option_kinds(name: str) -> list[tuple[list[str], type, bool]]:
    """(option strings, value type, takes a value) of each option of command ``name``."""
    command, callback = COMMANDS[name]
    hints = typing.get_type_hints(callback, include_extras=False)
    kinds = []
    for p in command.params:
        if not getattr(p, "opts", None) or not p.opts[0].startswith("-"):
            continue
        hint = hints.get(p.name, str)
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        base = hint if not args else args[0]
        if typing.get_origin(base) is list:
            base = typing.get_args(base)[0]
        kinds.append((list(p.opts), base, not getattr(p, "is_flag", False)))
    return kinds


def arguments(name: str, required_only: bool = False) -> list[str]:
    command, _ = COMMANDS[name]
    return [p.name for p in command.params if not getattr(p, "opts", [""])[0].startswith("-")
            and (p.required or not required_only)]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """Valid inputs for every command, made once: a car file, a cycle, a sweep and its
    results, a few EPA records, a FASTSim vehicle."""
    from edrive.vehicle import load_vehicle, vehicle_to_yaml

    ws = tmp_path_factory.mktemp("workspace")
    car = ws / "car.yaml"
    car.write_text(vehicle_to_yaml(load_vehicle("tesla_model3_rwd")))
    (ws / "cycle.csv").write_text("time_s,speed_kmh\n0,0\n10,36\n20,36\n30,0\n")
    (ws / "sweep.yaml").write_text(SWEEP.format(car=car))
    epa_rows = (ROOT / "tests/validation/data/epa_2022_subset.csv").read_text().splitlines()
    (ws / "epa.csv").write_text("\n".join(epa_rows[:4]) + "\n")
    shutil.copy(ROOT / "tests/data/fastsim/2022_Renault_Zoe_ZE50_R135.yaml", ws / "fastsim.yaml")
    shutil.copy(ROOT / "tests/data/portfolio_small.yaml", ws / "portfolio.yaml")
    done = run_cli(["sweep", "run", str(ws / "sweep.yaml"), "--out", str(ws / "sweep_out"),
                    "--no-progress"], ws)
    assert done.code == 0, done.err
    paths = {k: str(ws / f) for k, f in [("car", "car.yaml"), ("cycle", "cycle.csv"),
                                         ("sweep", "sweep.yaml"), ("epa", "epa.csv"),
                                         ("fastsim", "fastsim.yaml"), ("sweep_out", "sweep_out"),
                                         ("portfolio", "portfolio.yaml")]}
    return ws, paths


def filled(name: str, paths: dict, new: Path) -> list[str]:
    return [a.format(new=new, **paths) for a in VALID[name]]


def refused(args: list[str], cwd: Path, workspace_dir: Path) -> None:
    before, ws_before = listing(cwd), listing(workspace_dir)
    run = run_cli(args, cwd)
    assert_refused(run, before, cwd)
    assert listing(workspace_dir) == ws_before, f"edrive {' '.join(args)}: changed its inputs"


def test_every_command_has_valid_arguments():
    assert sorted(COMMANDS) == sorted(VALID), "give each command a cheap valid invocation"


@pytest.mark.parametrize("name", sorted(VALID))
def test_the_valid_invocation_works(name, workspace, tmp_path):
    """The baseline of the mistakes below: the same command, written right, succeeds."""
    _ws, paths = workspace
    run = run_cli([*name.split(), *filled(name, paths, tmp_path)], tmp_path)
    assert not run.crash and run.code == 0, f"{name}: {run.crash or run.err[-800:]}"


@pytest.mark.parametrize("args", [
    ["--no-such-option"], ["no-such-command"], ["simulat"], ["sweep", "no-such-command"],
    ["edu", "--bogus"], ["cost", "no_such_unit"], ["fleet-co2", "no_such_fleet"],
])
def test_unknown_commands_and_options(args, workspace, tmp_path):
    refused(args, tmp_path, workspace[0])


@pytest.mark.parametrize("args", [[], ["sweep"], ["edu"], ["--help"], ["simulate", "--help"]])
def test_help_is_not_an_error(args, tmp_path):
    run = run_cli(args, tmp_path)
    assert not run.crash and run.code == 0 and "Usage" in run.out + run.err


def test_version(tmp_path):
    import importlib.metadata

    run = run_cli(["--version"], tmp_path)
    assert run.code == 0 and run.out.strip() == f"edrive {importlib.metadata.version('edrive')}"


def usage_mistakes(name: str, paths: dict, new: Path) -> list[list[str]]:
    """Each usage mistake that can be made with command ``name``."""
    cmd, valid = name.split(), filled(name, paths, new)
    mistakes = [[*cmd, *valid, "--no-such-option"], [*cmd, *valid, "surplus-argument"]]
    if arguments(name, required_only=True):
        mistakes.append(cmd)  # required arguments missing
    for opts, base, takes_value in option_kinds(name):
        if takes_value:
            mistakes.append([*cmd, *valid, opts[0]])  # the option's value missing
        else:
            mistakes.append([*cmd, *valid, f"{opts[0]}=yes"])  # a value given to a flag
    return mistakes


@pytest.mark.parametrize("name", sorted(VALID))
def test_usage_mistakes(name, workspace, tmp_path):
    ws, paths = workspace
    for args in usage_mistakes(name, paths, tmp_path):
        refused(args, tmp_path, ws)


@pytest.mark.parametrize("name", sorted(n for n in VALID if any(
    b in (int, float) for _, b, _ in option_kinds(n))))
def test_number_options_refuse_what_is_not_a_finite_number(name, workspace, tmp_path):
    ws, paths = workspace
    valid = filled(name, paths, tmp_path)
    for opts, base, _ in option_kinds(name):
        if base not in (int, float):
            continue
        for bad in [*BAD_NUMBERS, *(["1.5", "-1"] if base is int else [])]:
            refused([*name.split(), *valid, opts[0], bad], tmp_path, ws)


@pytest.mark.parametrize("name", sorted(n for n in VALID if any(
    o[0] in OUTPUT_OPTIONS for o, _, _ in option_kinds(n))))
def test_outputs_that_cannot_be_written_are_refused_before_any_work(name, workspace, tmp_path):
    ws, paths = workspace
    valid = filled(name, paths, tmp_path)
    (tmp_path / "a_file").write_text("keep me\n")
    for opts, _, _ in option_kinds(name):
        if opts[0] not in OUTPUT_OPTIONS:
            continue
        if name in FOLDER_OUTPUTS:
            targets = [tmp_path / "a_file", tmp_path / "a_file" / "below_a_file"]
        else:
            targets = [tmp_path, tmp_path / "a_file" / "below_a_file.csv"]
        if opts[0] in PLOT_OPTIONS:
            targets.append(tmp_path / "plot.unknown_format")
        for target in targets:
            refused([*name.split(), *with_option(valid, opts[0], str(target))], tmp_path, ws)
    assert (tmp_path / "a_file").read_text() == "keep me\n"


def with_option(args: list[str], option: str, value: str) -> list[str]:
    """``args`` with ``option`` set to ``value`` (replaced where it is already given)."""
    if option in args:
        i = args.index(option)
        return [*args[:i], option, value, *args[i + 2:]]
    return [*args, option, value]


@pytest.mark.parametrize("name", sorted(n for n in VALID if arguments(n)))
def test_file_arguments_that_are_not_what_they_should_be(name, workspace, tmp_path):
    """A directory, an empty file, binary bytes or a system file where a command's first
    argument belongs."""
    _ws, paths = workspace
    cmd, valid = name.split(), filled(name, paths, tmp_path)
    (tmp_path / "empty.yaml").write_text("")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 4)
    for bad in [str(tmp_path), str(tmp_path / "empty.yaml"), str(tmp_path / "binary.csv"),
                "/etc/passwd", "/dev/null", "no_such_name_or_file"]:
        if name == "sweep query" and bad == "/dev/null":
            continue
        args = [*cmd, bad, *valid[1:]]
        run = run_cli(args, tmp_path)
        assert_refused(run, listing(tmp_path), tmp_path)
        assert "root:" not in run.err, f"{args}: echoed a system file: {run.err!r}"


def test_a_refusal_in_a_process_is_clean_and_small(workspace, tmp_path):
    """The real entry point, in its own process: one line, exit 2, bounded memory."""
    ws, paths = workspace
    for args in (["simulate", paths["car"]], ["simulate", paths["car"], "-c", "no_cycle"],
                 ["edu", "map", "tesla_model3_rear_ipm", "--speeds", "100000",
                  "--torques", "100000"]):
        before = listing(tmp_path)
        run, peak_b = run_cli_process(args, tmp_path, ws)
        assert_refused(run, before, tmp_path)
        assert peak_b < PEAK_RSS_LIMIT_B, f"{args}: peak memory {peak_b / 2**20:.0f} MiB"
        assert set(listing(ws)) >= {"car.yaml"}


def test_signature_types_are_read():
    """The mistakes above depend on reading each option's type; check the reader itself."""
    kinds = {o[0]: b for o, b, _ in option_kinds("edu map")}
    assert kinds["--speeds"] is int and kinds["--torques"] is int
    assert {o[0]: b for o, b, _ in option_kinds("simulate")}["--soc"] is float
    assert inspect.isfunction(COMMANDS["simulate"][1])
