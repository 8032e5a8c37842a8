"""``edrive sweep``: check, run, query, Pareto front and optimise design sweeps.

Each command parses its arguments, calls one function of :mod:`edrive.sweep` and formats the
answer; bad input raises :class:`~edrive.errors.EdriveError`, which ``edrive``'s entry point
prints as one line with exit status 2.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer

from ..errors import EdriveError, format_value

sweep_app = typer.Typer(no_args_is_help=True,
                        help="Design sweeps: run (resumable, local or Dask), query, Pareto, "
                             "optimise.")


def _fmt(v, max_width: int = 60) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return "nan" if not math.isfinite(v) else f"{v:.6g}"
    text = str(v)[:max_width]
    # control characters (new lines, terminal escapes) shown escaped, never acted on
    return text if text.isprintable() else text.encode("unicode_escape").decode()[:max_width]


def _table(header: list[str], rows: list[tuple], max_width: int = 60) -> str:
    header = [_fmt(h, max_width) for h in header]
    cells = [[_fmt(c, max_width) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(header)]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True))
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, cells)])


def _json_rows(header: list[str], rows: list[tuple]) -> str:
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if hasattr(v, "isoformat"):
            return v.isoformat()
        return v

    return json.dumps([{h: clean(v) for h, v in zip(header, r, strict=True)} for r in rows],
                      indent=2, default=str)


@sweep_app.command("check")
def check(spec: Annotated[Path, typer.Argument(help="sweep file (YAML)")]) -> None:
    """Check a sweep file and print its size, columns and hash (runs nothing)."""
    from .sweep_file import load_sweep

    s = load_sweep(spec)
    typer.echo(f"{s.where}: {s.n_designs} designs ({s.method}), {s.n_chunks} chunks of "
               f"{s.chunk_size}; base {s.base} ({s.vehicle_type})")
    typer.echo(f"columns: {', '.join(s.columns)}")
    typer.echo(f"spec hash: {s.spec_hash}")


@sweep_app.command("run")
def run(
    spec: Annotated[Path, typer.Argument(help="sweep file (YAML)")],
    out: Annotated[Path, typer.Option("--out", help="folder for the manifest and Parquet files")],
    workers: Annotated[int, typer.Option(help="local worker processes (1: this process)")] = 1,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address, e.g. tcp://host:8786 (instead of local workers)")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="finish a sweep started in --out")] = False,
    progress: Annotated[bool, typer.Option(help="show a progress bar on stderr")] = True,
) -> None:
    """Run a sweep: every design's outputs, one Parquet file per chunk of designs."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from .runner import run_sweep
    from .sweep_file import load_sweep

    s = load_sweep(spec)
    bar = Progress(TextColumn("designs"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                   TimeRemainingColumn(), console=Console(stderr=True), disable=not progress)
    task = bar.add_task("sweep", total=s.n_designs, rate="")
    started: list[bool] = []

    def update(done: int, total: int) -> None:
        if not started:  # the folder has been checked: show the bar from here on
            started.append(True)
            bar.reset(task, total=total, completed=done, rate="")
            bar.start()
            return
        bar.update(task, completed=done)
        speed = bar.tasks[0].speed
        bar.update(task, rate=f"{speed:.1f} designs/s" if speed else "")

    try:
        summary = run_sweep(s, out, workers=workers, scheduler=scheduler, resume=resume,
                            progress=update)
    finally:
        bar.stop()
    for line in summary.redone:
        typer.echo(f"{out / line}; its chunk was computed again", err=True)
    rate = f", {summary.designs_per_s:.1f} designs/s" if summary.designs_run else ""
    typer.echo(f"{summary.designs_run} designs in {summary.chunks_run} chunks "
               f"({summary.chunks_skipped} already done), {summary.seconds:.1f} s{rate}; "
               f"{summary.errors} invalid, {summary.infeasible} break a constraint")
    typer.echo(f"results in {out} (query with: edrive sweep query {out} "
               "\"SELECT * FROM results LIMIT 10\")")


@sweep_app.command("query")
def query_cmd(
    out: Annotated[Path, typer.Argument(help="sweep folder")],
    sql: Annotated[str, typer.Argument(help="one SELECT statement over the view 'results'")],
    limit: Annotated[int, typer.Option(
        help="rows to print at most (up to 100,000: EDRIVE_SWEEP_QUERY_MAX_ROWS)")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Answer one read-only SELECT statement over a sweep's results (DuckDB; the view is
    named ``results``; no file other than the sweep's chunks can be read or written)."""
    from .results import query_head

    header, rows, more = query_head(out, sql, limit)
    typer.echo(_json_rows(header, rows) if as_json else _table(header, rows))
    if more:
        typer.echo(f"(the first {len(rows):,} rows; more follow: add a LIMIT or raise "
                   "--limit)", err=True)


@sweep_app.command("pareto")
def pareto_cmd(
    out: Annotated[Path, typer.Argument(help="sweep folder")],
    x: Annotated[str, typer.Option("--x", help="column on the x axis")],
    y: Annotated[str, typer.Option("--y", help="column on the y axis")],
    maximize: Annotated[list[str] | None, typer.Option(
        help="a column to maximise (repeatable); the others are minimised")] = None,
    include_infeasible: Annotated[bool, typer.Option(
        "--include-infeasible", help="also designs that break a constraint")] = False,
    plot: Annotated[Path | None, typer.Option(help="write a PNG: all designs, the front "
                                                   "highlighted")] = None,
    color: Annotated[str | None, typer.Option(
        "--color", help="colour the designs of --plot by this column (a parameter or "
                        "output)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The non-dominated designs of two columns."""
    from ..io.output import check_output
    from .results import pareto

    if plot is not None:
        check_output(plot, "--plot", plot=True)
    for m in maximize or []:
        if m not in (x, y):
            raise EdriveError(f"--maximize: {format_value(m)}; allowed: the --x or --y column ({x}, {y})")
    if color is not None and plot is None:
        raise EdriveError("--color: colours the --plot; allowed only with --plot")
    front = pareto(out, x, y, maximize=tuple(maximize or ()),
                   feasible_only=not include_infeasible)
    if plot:
        from ..report.plots import plot_pareto_front

        plot_pareto_front(front, plot, out, color, feasible_only=not include_infeasible)
    if as_json:
        typer.echo(_json_rows(front.columns, front.rows))
        return
    typer.echo(f"{len(front.rows)} non-dominated of {front.n_considered} designs")
    typer.echo(_table(front.columns, front.rows))
    if plot:
        typer.echo(f"plot written to {plot}")


@sweep_app.command("optimize")
def optimize_cmd(
    spec: Annotated[Path, typer.Argument(help="sweep file with an 'optimize' section")],
    workers: Annotated[int, typer.Option(help="local worker processes")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Optimise the sweep's parameters: one objective with scipy's differential evolution,
    several with pymoo's NSGA-II (pip install 'edrive[optimize]')."""
    from .optimizer import optimize
    from .sweep_file import load_sweep

    res = optimize(load_sweep(spec), workers=workers)
    if as_json:
        typer.echo(_json_rows(res.columns, res.rows))
        return
    typer.echo(f"{res.method}: {res.evaluations} designs evaluated, {res.message}")
    typer.echo(_table(res.columns, res.rows))
