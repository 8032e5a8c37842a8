"""Text faces of results: standard JSON and aligned tables on standard output, shared by
every command."""

from __future__ import annotations

import json
import math

import typer


def json_clean(obj):
    """``obj`` with non-finite floats as ``None`` and numpy scalars as Python numbers, so that
    the JSON written is standard."""
    if isinstance(obj, dict):
        return {k: json_clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_clean(v) for v in obj]
    if hasattr(obj, "item") and getattr(obj, "ndim", None) == 0:  # a numpy scalar
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def echo_json(obj) -> None:
    """Print ``obj`` as indented, standard JSON."""
    typer.echo(json.dumps(json_clean(obj), indent=2, allow_nan=False))


def text_table(rows: list[list], header: list[str]) -> str:
    """Rows under a header, columns padded to their widest cell."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(r):
        return "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def echo_pairs(rep: dict, indent: str = "") -> None:
    """Print a (nested) report as ``name  value`` lines, four significant digits."""
    for k, v in rep.items():
        if isinstance(v, dict):
            if v:
                typer.echo(f"{indent}{k}")
                echo_pairs(v, indent + "  ")
        elif isinstance(v, float):
            typer.echo(f"{indent}{k:36s} {v:.4g}")
        else:
            typer.echo(f"{indent}{k:36s} {v}")
