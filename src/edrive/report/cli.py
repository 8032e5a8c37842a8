"""``edrive report``: one self-contained HTML file (figures embedded, nothing fetched from
anywhere) of a vehicle, a comparison, a sweep or an alliance plan, with the figures also as
PNG files where asked (:mod:`edrive.report.html`).

Each command checks its outputs before any work, calls one function of
:mod:`edrive.report.html` and writes the files whole or not at all; bad input raises
:class:`~edrive.errors.EdriveError`, which ``edrive``'s entry point prints as one line with
exit status 2.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ..errors import EdriveError

report_app = typer.Typer(no_args_is_help=True,
                         help="Reports as one HTML file that opens offline.")

OutOption = Annotated[str, typer.Option(help="HTML file to write")]
PngOption = Annotated[str | None, typer.Option(
    "--png-dir", help="also write each figure as a PNG file in this folder")]
CyclesOption = Annotated[list[str] | None, typer.Option(
    "--cycle", "-c", help="cycle name or CSV (repeatable; default wltc)")]


def _check(out: str, png_dir: str | None, inputs=()) -> None:
    """Refuse, before any work, outputs that cannot be written or that are inputs."""
    from ..io.output import check_output, refuse_input_as_output, show_path

    check_output(out, "--out")
    if Path(out).suffix.lower() not in (".html", ".htm"):
        raise EdriveError(f"--out: {show_path(out)}; allowed: a file name ending in .html")
    for source in inputs:
        refuse_input_as_output(out, source, "--out")
    if png_dir is not None:
        if os.path.exists(png_dir) and not os.path.isdir(png_dir):
            raise EdriveError(f"--png-dir: {show_path(png_dir)} is not a folder; allowed: a "
                              "folder (made where missing)")
        check_output(Path(png_dir) / "figure.png", "--png-dir", plot=True)


def _done(out: str, report, png_dir: str | None) -> None:
    from .html import write_report

    write_report(report, out, png_dir)
    size = os.path.getsize(out)
    typer.echo(f"report written to {out} ({size / 1e6:.2f} MB, {len(report.figures)} figures)")
    if png_dir is not None:
        typer.echo(f"figures written to {png_dir}")


@report_app.command("vehicle")
def vehicle_cmd(
    vehicle: Annotated[str, typer.Argument(help="bundled vehicle name or YAML path")],
    out: OutOption,
    cycle: CyclesOption = None,
    png_dir: PngOption = None,
    procedures: Annotated[bool, typer.Option(
        help="run the test procedures the car's type allows (WLTP and EPA range of electric "
             "cars, utility-factor weighting of plug-in hybrids)")] = True,
) -> None:
    """One vehicle: results per cycle, performance, test procedures, energy by part, energy
    flow, consumption by phase, trace following, operating points on the maps."""
    from .html import vehicle_report_data

    cycles = cycle or ["wltc"]
    _check(out, png_dir, [vehicle, *cycles])
    _done(out, vehicle_report_data(vehicle, cycles, procedures=procedures), png_dir)


@report_app.command("compare")
def compare_cmd(
    vehicles: Annotated[list[str], typer.Argument(help="two or more vehicles (names or YAML)")],
    out: OutOption,
    cycle: CyclesOption = None,
    png_dir: PngOption = None,
) -> None:
    """Vehicles side by side: results per cycle, energy put in and where it goes,
    performance."""
    from .html import compare_report_data

    cycles = cycle or ["wltc"]
    _check(out, png_dir, [*vehicles, *cycles])
    _done(out, compare_report_data(vehicles, cycles), png_dir)


@report_app.command("sweep")
def sweep_cmd(
    folder: Annotated[Path, typer.Argument(help="sweep folder (edrive sweep run --out)")],
    out: OutOption,
    x: Annotated[str | None, typer.Option(
        "--x", help="column on the x axis of the Pareto front (default: first output)")] = None,
    y: Annotated[str | None, typer.Option(
        "--y", help="column on the y axis (default: second output)")] = None,
    maximize: Annotated[list[str] | None, typer.Option(
        help="a column of --x/--y to maximise (repeatable); the others are minimised")] = None,
    color: Annotated[str | None, typer.Option(
        "--color", help="colour the designs by this column (default: first parameter)")] = None,
    png_dir: PngOption = None,
) -> None:
    """A sweep: designs run and failed, each column's range, the Pareto front."""
    from ..errors import format_value
    from .html import sweep_report_data

    _check(out, png_dir)
    if not folder.is_dir():
        raise EdriveError(f"{format_value(str(folder))}: not a folder; allowed: a sweep folder "
                          "written by edrive sweep run")
    for m in maximize or []:
        if m not in (x, y):
            raise EdriveError(f"--maximize: {format_value(m)}; allowed: the --x or --y column")
    _done(out, sweep_report_data(folder, x, y, tuple(maximize or ()), color), png_dir)


@report_app.command("plan")
def plan_cmd(
    source: Annotated[str, typer.Argument(
        help="portfolio (bundled name or YAML), or a folder or plan.json written by "
             "edrive plan --out")],
    out: OutOption,
    draws: Annotated[int, typer.Option(
        help="Monte Carlo draws when planning a portfolio (0: named scenarios only)")] = 10,
    seed: Annotated[int, typer.Option(help="seed of the draws")] = 1,
    png_dir: PngOption = None,
) -> None:
    """An alliance plan: the family, costs and savings, who pays what, plants, fleet CO2
    against the targets, uncertainty."""
    from .html import plan_report_data, read_plan_json

    _check(out, png_dir, [source])
    path = Path(source)
    if path.is_dir():
        plan = read_plan_json(path / "plan.json")
    elif path.suffix.lower() == ".json":
        plan = read_plan_json(path)
    else:
        from ..alliance.plan import plan_portfolio

        plan = plan_portfolio(source, draws=draws, seed=seed).to_dict()
    _done(out, plan_report_data(plan), png_dir)
