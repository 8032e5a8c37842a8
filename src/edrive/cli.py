"""Command line: ``edrive simulate``, ``performance``, ``range``, ``cycles``, ``vehicles``,
``epa validate``. Each command parses its arguments, calls one library function and formats
the answer; errors in the input end with one line on stderr and exit status 2."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from .alliance.cli import alliance_app
from .alliance.cost_cli import cost_app
from .app.cli import app_command
from .errors import EdriveError, format_value, suggest
from .io.output import check_output, refuse_input_as_output, show_path
from .report.cli import report_app
from .report.text import echo_json, echo_pairs, json_clean, text_table
from .sweep.cli import sweep_app

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="edrive: electric drive units and the vehicles around them.")
cycles_app = typer.Typer(no_args_is_help=True, help="Bundled drive cycles.")
vehicles_app = typer.Typer(no_args_is_help=True, help="Bundled vehicles.")
epa_app = typer.Typer(no_args_is_help=True, help="The EPA Test Car List.")
edu_app = typer.Typer(no_args_is_help=True, help="Electric drive units from physics.")
app.add_typer(cycles_app, name="cycles")
app.add_typer(edu_app, name="edu")
app.add_typer(vehicles_app, name="vehicles")
app.add_typer(epa_app, name="epa")
app.add_typer(sweep_app, name="sweep")
app.add_typer(alliance_app)
app.add_typer(cost_app, name="cost")
app.add_typer(report_app, name="report")
app.command("app")(app_command)


def _print_version(show: bool) -> None:
    if show:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"edrive {version('edrive')}")
        except PackageNotFoundError:
            typer.echo("edrive (version unknown: not installed as a package)")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_print_version,
        help="print the version and exit")] = False,
) -> None:
    """edrive: electric drive units and the vehicles around them."""


def _check_outputs(outputs: dict[str, str | None], inputs=(),
                   plots: tuple[str, ...] = ("--plot",)) -> None:
    """Check every output path given (option -> path), before anything is computed: each
    can be written, none is an input file, no two options name the same file."""
    seen: dict[str, str] = {}
    for option, path in outputs.items():
        if path is None:
            continue
        check_output(path, option, plot=option in plots)
        for source in inputs:
            refuse_input_as_output(path, source, option)
        key = os.path.realpath(path)
        if key in seen:
            raise EdriveError(f"{option}: {show_path(path)} is also the {seen[key]} file; "
                              "allowed: a file of its own")
        seen[key] = option


# --- cycles ---------------------------------------------------------------------------------

@cycles_app.command("list")
def cycles_list() -> None:
    """List the bundled drive cycles."""
    from .cycles import BUNDLED, load_cycle

    rows = []
    for name, info in BUNDLED.items():
        s = load_cycle(name).stats()
        rows.append([name, f"{s['duration_s']:.0f}", f"{s['distance_m'] / 1e3:.2f}",
                     f"{s['speed_max_m_s'] * 3.6:.1f}", info.title])
    typer.echo(text_table(rows, ["name", "duration s", "distance km", "max km/h", "description"]))


@cycles_app.command("show")
def cycles_show(
    name: Annotated[str, typer.Argument(help="bundled cycle name or CSV path")],
    plot: Annotated[str | None, typer.Option(
        help="write a plot of the trace (PNG, or the format its suffix names)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Figures of one cycle: duration, distance, speeds, idle share, RPA."""
    from .cycles import load_cycle

    _check_outputs({"--plot": plot}, inputs=[name])
    cyc = load_cycle(name)
    s = cyc.stats()
    out = {
        "cycle": cyc.name,
        "title": cyc.title,
        "source": cyc.source,
        "duration_s": s["duration_s"],
        "distance_km": s["distance_m"] / 1e3,
        "speed_max_kmh": s["speed_max_m_s"] * 3.6,
        "speed_mean_kmh": s["speed_mean_m_s"] * 3.6,
        "speed_mean_moving_kmh": s["speed_mean_moving_m_s"] * 3.6,
        "idle_share": s["idle_share"],
        "acceleration_max_m_s2": s["acceleration_max_m_s2"],
        "deceleration_max_m_s2": s["deceleration_max_m_s2"],
        "relative_positive_acceleration_m_s2": s["relative_positive_acceleration_m_s2"],
        "phases": [p[0] for p in cyc.phases],
    }
    if plot is not None:
        from .report.plots import plot_cycle

        plot_cycle(cyc, plot)
    if as_json:
        echo_json(out)
        return
    for k, v in out.items():
        typer.echo(f"{k:40s} {v:.4g}" if isinstance(v, float) else f"{k:40s} {v}")
    if plot:
        typer.echo(f"plot written to {plot}")


# --- vehicles -------------------------------------------------------------------------------

@vehicles_app.command("list")
def vehicles_list() -> None:
    """List the bundled vehicles."""
    from .vehicle import list_vehicles, load_vehicle

    rows = []
    for name in list_vehicles():
        v = load_vehicle(name)
        vm = v.model()
        battery = getattr(vm, "battery", None)
        rows.append([name, v.name, v.type, v.drive, f"{_peak_power_w(vm) / 1e3:.0f}",
                     f"{battery.energy_usable_j / 3.6e6:.1f}" if battery else "-",
                     f"{vm.mass_kg:.0f}"])
    typer.echo(text_table(rows, ["name", "vehicle", "type", "drive", "kW", "usable kWh",
                             "mass kg"]))


def _peak_power_w(vm) -> float:
    """Peak propulsion power: the motors' envelopes, the engine's full load, or both."""
    import numpy as np

    maps = [d.map for d in getattr(vm, "drive_units", [])]
    if getattr(vm, "motor", None) is not None:
        maps.append(vm.motor)
    p = sum(float(np.max(m.torque_max_nm(w) * w))
            for m in maps for w in [np.linspace(0, m.speed_max_rad_s, 400)])
    if getattr(vm, "engine", None) is not None:
        es = vm.engine_spec
        w = np.linspace(es.speed_idle_rad_s, es.speed_max_rad_s, 400)
        p += float(np.max(vm.engine.power_max_w(w)))
    return p


@vehicles_app.command("show")
def vehicles_show(name: Annotated[str, typer.Argument(help="bundled name or YAML path")]) -> None:
    """Print a vehicle's specification (SI units) as YAML."""
    from .vehicle import load_vehicle, vehicle_to_yaml

    typer.echo(vehicle_to_yaml(load_vehicle(name)))


@vehicles_app.command("import-fastsim")
def vehicles_import_fastsim(
    file: Annotated[Path, typer.Argument(help="FASTSim 3 vehicle YAML file")],
    out: Annotated[str, typer.Option(help="edrive vehicle YAML file to write")],
    same_efficiencies: Annotated[bool, typer.Option(
        help="reproduce FASTSim's component efficiencies (writes the motor loss map next to "
             "--out) instead of edrive's component models")] = False,
) -> None:
    """Convert a FASTSim 3 vehicle file into an edrive vehicle file."""
    from .io.fastsim import import_fastsim

    _check_outputs({"--out": out}, inputs=[file])
    spec = import_fastsim(file, out, same_efficiencies=same_efficiencies)
    typer.echo(f"wrote {out} ({spec.type}: {spec.name})")


# --- simulation -----------------------------------------------------------------------------

@app.command()
def simulate(
    vehicle: Annotated[str, typer.Argument(help="bundled vehicle name or YAML path")],
    cycle: Annotated[list[str], typer.Option("--cycle", "-c", help="cycle name or CSV (repeatable)")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    out: Annotated[str | None, typer.Option(help="write the time series to this CSV")] = None,
    plot: Annotated[str | None, typer.Option(
        help="write a plot with traces and operating points (PNG, or the format its suffix "
             "names)")] = None,
    soc: Annotated[float | None, typer.Option(help="initial state of charge, 0-1")] = None,
    strict: Annotated[bool, typer.Option(help="fail if the vehicle cannot follow the trace")] = False,
    strategy: Annotated[str | None, typer.Option(
        help="hybrids: energy management ecms, rule or dp (default: the vehicle's)")] = None,
) -> None:
    """Drive a vehicle over one or more cycles: energy or fuel use, CO2, trace following."""
    from .io.output import write_frame_csv
    from .powertrains import powertrain_of
    from .sim.run import simulate as run
    from .vehicle import load_vehicle

    _check_outputs({"--out": out, "--plot": plot}, inputs=[vehicle, *cycle])
    spec = load_vehicle(vehicle)
    results = [run(spec, c, soc_initial=soc, trace_miss="error" if strict else "allow",
                   strategy=strategy) for c in cycle]
    powertrain = powertrain_of(spec)
    if powertrain.cycle_extras is not None and soc is None:
        for c, res in zip(cycle, results, strict=True):  # depleting range, weighted figures
            res.summary["plug_in"] = powertrain.cycle_extras(spec, c)
    if out is not None:
        import pandas as pd

        frames = [r.to_dataframe().assign(cycle=r.cycle) for r in results]
        write_frame_csv(pd.concat(frames, ignore_index=True), out)
    if plot is not None:
        from .report.plots import plot_results

        plot_results(spec, results, plot)
    reports = [r.report() for r in results]
    if as_json:
        echo_json(json_clean(reports))
        return
    typer.echo(f"{spec.name}")
    columns = powertrain.table
    typer.echo(text_table([[c.cell(r) for c in columns] for r in reports],
                          [c.heading for c in columns]))
    for line in powertrain.table_notes(reports, soc):
        typer.echo(line)
    for res in results:
        if res.summary.get("battery_empty_at_s") is not None:
            typer.echo(f"  {res.cycle}: battery empty (usable energy spent) at "
                       f"t = {res.summary['battery_empty_at_s']:.0f} s")
        for t0, t1, worst in res.trace_misses[:5]:
            typer.echo(f"  {res.cycle}: below the trace at t = {t0:.0f}-{t1:.0f} s, by up to "
                       f"{worst * 3.6:.1f} km/h")
    if out:
        typer.echo(f"time series written to {out}")
    if plot:
        typer.echo(f"plot written to {plot}")


@app.command()
def performance(
    vehicle: Annotated[str, typer.Argument(help="bundled vehicle name or YAML path")],
    soc: Annotated[float | None, typer.Option(help="state of charge, 0-1 (electric cars)")] = None,
    grade_speed: Annotated[list[float] | None, typer.Option(
        help="speed [km/h] for the steepest-grade figure (repeatable; default 0, 50, 100)")] = None,
    shift_time: Annotated[float | None, typer.Option(
        help="torque interruption per upshift [s] (combustion cars; default by gearbox)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Acceleration, top speed and gradeability."""
    from .powertrains.api import performance as run

    kwargs = {"grade_speeds_m_s": tuple(v / 3.6 for v in grade_speed)} if grade_speed else {}
    if shift_time is not None:
        kwargs["shift_time_s"] = shift_time
    rep = json_clean(run(vehicle, soc=soc, **kwargs).report())
    if as_json:
        echo_json(rep)
        return
    echo_pairs(rep)


@app.command("range")
def range_(
    vehicle: Annotated[str, typer.Argument(help="bundled vehicle name or YAML path")],
    procedure: Annotated[str, typer.Option(help="wltp or epa")] = "wltp",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Range and consumption by a regulatory procedure (simplifications are printed)."""
    from rich.progress import Progress, TextColumn

    from .powertrains.api import test_procedure

    with Progress(TextColumn("range test: cycle {task.completed} of about {task.total}"),
                  transient=True, console=_stderr_console()) as bar:
        task = bar.add_task("range", total=None)
        rep = json_clean(test_procedure(
            vehicle, procedure, progress=lambda k, n: bar.update(task, completed=k, total=n)))
    if as_json:
        echo_json(rep)
        return
    echo_pairs(rep)


# --- EPA ------------------------------------------------------------------------------------

@epa_app.command("validate")
def epa_validate(
    file: Annotated[Path, typer.Argument(help="EPA Test Car List CSV of any model year")],
    out: Annotated[str | None, typer.Option(help="write one row per test to this CSV")] = None,
    powertrain: Annotated[str, typer.Option(help="auto, bev, icev or hev")] = "auto",
    worst: Annotated[int, typer.Option(help="worst rows to list per group")] = 3,
    report: Annotated[str | None, typer.Option(
        help="write a validation report by group (Markdown) to this file")] = None,
    baseline: Annotated[str | None, typer.Option(
        help="an earlier run's --out CSV: the report gives its errors of the same records "
             "beside each group's")] = None,
) -> None:
    """Simulate every test of an EPA file and compare with the measured results."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from .io.epa_testcar import status_counts, summarize, validate_file
    from .io.output import write_outputs

    if worst < 0:
        raise EdriveError(f"--worst: {worst}; allowed: 0 or more rows")
    if baseline is not None and report is None:
        raise EdriveError("--baseline: given without --report; allowed: with --report only")
    _check_outputs({"--out": out, "--report": report},
                   inputs=[file, *([baseline] if baseline is not None else [])])
    if baseline is not None:
        from .report.epa_report import read_baseline

        before = read_baseline(baseline)
    console = _stderr_console()
    with Progress(TextColumn("simulating tests"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeRemainingColumn(), transient=True, console=console,
                  disable=not console.is_terminal) as bar:  # errors stay one line
        task = bar.add_task("epa", total=None)
        df = validate_file(file, powertrain,
                           progress=lambda k, n: bar.update(task, completed=k, total=n))
    files = {}
    if out is not None:
        files[out] = lambda fh: df.to_csv(fh, index=False)
    if report is not None:
        from .report.epa_report import validation_report

        files[report] = validation_report(df, file.name,
                                          baseline=before if baseline is not None else None)
    if files:
        write_outputs(files)  # both or neither
    counts = status_counts(df)
    typer.echo(f"{file.name}: {len(df)} records: {counts['ok']} in the error statistics, "
               f"{counts['skipped']} not simulated, {len(df) - counts['ok'] - counts['skipped']}"
               " screened out")
    for reason, count in df[df["status"] == "skipped"]["status_detail"].value_counts().items():
        typer.echo(f"  {'skipped':18s}{count:6d}  {reason}")
    for code, count in counts.items():
        if code not in ("ok", "skipped") and count:
            example = df[df["status"] == code]["status_detail"].iloc[0]
            typer.echo(f"  {code:18s}{count:6d}  not counted; e.g. {example}")
    for g in summarize(df, worst):
        typer.echo(f"{g['powertrain']} {g['cycle']}: n = {g['count']}, mean absolute error "
                   f"{g['mape_pct']:.1f} %, bias {g['bias_pct']:+.1f} %")
        for test, name, err in g["worst"]:
            typer.echo(f"    {err:+6.1f} %  {test}  {name}")
    apart = df[(df["status"] == "placeholder_rating") & df["error_pct"].notna()]
    if len(apart):
        typer.echo(f"placeholder ratings built with defaults (not counted): n = {len(apart)}, "
                   f"mean absolute error {apart['error_pct'].abs().mean():.1f} %, bias "
                   f"{apart['error_pct'].mean():+.1f} %")
    if out:
        typer.echo(f"per-test rows written to {out}")
    if report:
        typer.echo(f"report written to {report}")


# --- drive units -----------------------------------------------------------------------------

@edu_app.command("list")
def edu_list() -> None:
    """List the bundled drive units."""
    from .edu import list_edus, load_edu

    rows = []
    for name in list_edus():
        spec = load_edu(name)
        rows.append([name, spec.motor.kind, f"{spec.dc_voltage_v:.0f}",
                     spec.inverter if isinstance(spec.inverter, str) else spec.inverter.kind,
                     f"{spec.gearbox.ratio:.2f}", spec.name])
    typer.echo(text_table(rows, ["name", "motor", "V dc", "inverter", "ratio", "description"]))


@edu_app.command("map")
def edu_map(
    spec: Annotated[str, typer.Argument(help="bundled drive-unit name or EDU YAML path")],
    plot: Annotated[str | None, typer.Option(
        help="write an efficiency map plot (PNG, or the format its suffix names)")] = None,
    out: Annotated[str | None, typer.Option(help="write the map (long form) to this CSV")] = None,
    motor_map: Annotated[str | None, typer.Option(
        help="write the motor+inverter loss map in the form a vehicle file reads "
             "(losses: {kind: map, file: ...})")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    speeds: Annotated[int, typer.Option(
        help="grid points in speed (speeds x torques: at most 250,000, or "
             "EDRIVE_MAX_MAP_POINTS)")] = 100,
    torques: Annotated[int, typer.Option(help="grid points in torque")] = 100,
    vehicle: Annotated[str | None, typer.Option(
        help="also report the cycle-weighted efficiency in this vehicle")] = None,
    cycle: Annotated[str, typer.Option(help="cycle for the cycle-weighted efficiency")] = "wltc",
) -> None:
    """Envelope and efficiency map of a drive unit (motor + inverter + gearbox)."""
    from .edu import load_edu
    from .io.output import write_frame_csv

    _check_outputs({"--out": out, "--motor-map": motor_map, "--plot": plot},
                   inputs=[spec, vehicle or "", cycle])
    edu = load_edu(spec).model()
    sm = edu.system_map(speeds, torques)
    summary = edu.summary(sm)
    if vehicle:
        from .sim.bev import simulate as run
        from .sim.edu_compare import cycle_efficiency, with_edu

        res = run(with_edu(vehicle, spec), cycle)
        eff = cycle_efficiency(res)
        summary |= {"cycle": res.cycle, "cycle_drive_efficiency": eff["drive"],
                    "cycle_regen_efficiency": eff["regen"]}
    if out is not None:
        write_frame_csv(sm.to_dataframe(), out)
    if motor_map is not None:
        write_frame_csv(edu.loss_map_frame(), motor_map)
    if plot is not None:
        from .report.plots import plot_edu_map

        plot_edu_map(sm, summary, plot)
    if as_json:
        echo_json(json_clean(summary))
        return
    echo_pairs(summary)
    if out:
        typer.echo(f"map written to {out}")
    if motor_map:
        typer.echo(f"motor+inverter loss map written to {motor_map}")
    if plot:
        typer.echo(f"plot written to {plot}")


@edu_app.command("family")
def edu_family(
    spec: Annotated[str, typer.Argument(help="bundled drive-unit name or EDU YAML path")],
    length: Annotated[list[float] | None, typer.Option(
        help="active-length factor (repeatable); torque and power scale with it")] = None,
    dc_voltage: Annotated[float | None, typer.Option(help="DC voltage of the family [V]")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Sizes of one design: shorter or longer stacks, rewound for another DC voltage."""
    from .edu import scale_edu

    factors = length or [0.75, 1.0, 1.25]
    rows = []
    for k in factors:
        s = scale_edu(spec, length_factor=k, dc_voltage_v=dc_voltage).model().summary()
        rows.append({"length_factor": k, **s})
    if as_json:
        echo_json(json_clean(rows))
        return
    typer.echo(text_table([[f"{r['length_factor']:g}", f"{r['peak_torque_nm']:.0f}",
                        f"{r['peak_power_kw']:.0f}", f"{r['base_speed_rpm']:.0f}",
                        f"{r['dc_voltage_v']:.0f}", f"{r['peak_efficiency'] * 100:.1f}"]
                       for r in rows],
                      ["length x", "torque N m", "power kW", "base rpm", "V dc", "peak eff %"]))


@edu_app.command("compare")
def edu_compare(
    spec_a: Annotated[str, typer.Argument(help="first drive unit (name or YAML)")],
    spec_b: Annotated[str, typer.Argument(help="second drive unit (name or YAML)")],
    vehicle: Annotated[str, typer.Option(help="vehicle (bundled name or YAML)")],
    cycle: Annotated[str, typer.Option(help="drive cycle (bundled name or CSV)")] = "wltc",
    plot: Annotated[str | None, typer.Option(
        help="write a plot: operating points on both motor maps, both output-shaft maps and "
             "their difference (PNG, or the format its suffix names)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The same car and cycle with each drive unit: consumption and cycle efficiency."""
    from .sim.edu_compare import compare_edus

    _check_outputs({"--plot": plot}, inputs=[spec_a, spec_b, vehicle, cycle])
    out = compare_edus(spec_a, spec_b, vehicle, cycle)
    results = out.pop("_results")
    if plot is not None:
        from .report.plots import plot_edu_compare

        plot_edu_compare(results, plot, (spec_a, spec_b))
    if as_json:
        echo_json(json_clean(out))
        return
    typer.echo(f"{out['vehicle']} on {out['cycle']}")
    rows = [[r["edu"], f"{r['wall_wh_per_km']:.1f}", f"{r['battery_wh_per_km']:.1f}",
             f"{r['drive_efficiency'] * 100:.1f}", f"{r['regen_efficiency'] * 100:.1f}",
             f"{r['trace_missed_s']:.0f}"] for r in (out["a"], out["b"])]
    typer.echo(text_table(rows, ["drive unit", "wall Wh/km", "battery Wh/km", "drive eff %",
                             "regen eff %", "trace missed s"]))
    typer.echo(f"B uses {out['wall_difference_pct']:+.1f} % wall energy relative to A")
    if plot:
        typer.echo(f"plot written to {plot}")


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def main() -> None:
    """Entry point: run the app. Input errors and usage mistakes end with one line on stderr
    and exit status 2, Ctrl-C with 130; ``edrive`` or a command group alone prints its help."""
    try:
        code = app(prog_name="edrive", standalone_mode=False)
    except EdriveError as exc:
        _fail(str(exc))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except OSError as exc:  # a file the system refuses (a name too long, no permission...)
        name = f"{format_value(str(exc.filename))}: " if exc.filename else ""
        _fail(f"{name}{exc.strerror or exc}")
    except _click_exceptions().ClickException as exc:
        if isinstance(exc, getattr(_click_exceptions(), "NoArgsIsHelpError", ())):
            if exc.format_message():  # help not printed yet
                typer.echo(exc.format_message())
            sys.exit(0)
        _fail(_usage_line(exc))
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    sys.exit(2)


def _click_exceptions():
    """The exceptions of the click that typer runs on: its own copy (``typer._click``,
    typer >= 0.2x) or the click package."""
    return sys.modules[typer.BadParameter.__module__]


def _usage_line(exc) -> str:
    """A usage mistake in one line: the command, what is wrong, where the help is."""
    message = " ".join(exc.format_message().split()).rstrip(".")
    message = message[:1].lower() + message[1:]
    if isinstance(exc, _click_exceptions().NoSuchOption):  # close matches only, our way
        message = message.partition(" (Possible options:")[0].partition(" Did you mean")[0]
        message += suggest(exc.option_name, getattr(exc, "possibilities", None) or ())
    given = _given_value(exc)
    if given is not None and given not in message:
        message += f" (got {given})"
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return message
    command = ctx.command_path.partition(" ")[2]
    return f"{command + ': ' if command else ''}{message} (see '{ctx.command_path} --help')"


def _given_value(exc) -> str | None:
    """The value a bad option was given, when the message leaves it out (typer's own
    conversions report only what was expected)."""
    from pydantic import ValidationError

    if not isinstance(exc.__cause__, ValidationError):
        return None
    errors = exc.__cause__.errors()
    if not errors or "input" not in errors[0]:
        return None
    return format_value(errors[0]["input"])


if __name__ == "__main__":
    main()
