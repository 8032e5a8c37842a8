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


def pairs_text(rep: dict, indent: str = "") -> str:
    """A (nested) report as ``name  value`` lines, four significant digits; a nested
    dictionary under its name, indented (empty ones left out)."""
    lines = []
    for k, v in rep.items():
        if isinstance(v, dict):
            if v:
                lines.append(f"{indent}{k}")
                lines.append(pairs_text(v, indent + "  "))
        elif isinstance(v, float):
            lines.append(f"{indent}{k:{36 - len(indent)}s} {v:.4g}")
        else:
            lines.append(f"{indent}{k:{36 - len(indent)}s} {v}")
    return "\n".join(lines)


def echo_pairs(rep: dict, indent: str = "") -> None:
    """Print a (nested) report as ``name  value`` lines (:func:`pairs_text`)."""
    typer.echo(pairs_text(rep, indent))


class Report(dict):
    """The figures of a result under their names (the names of ``--json`` and the command
    line); ``print(report)`` shows them as aligned ``name  value`` lines, as the command
    line does."""

    def __str__(self) -> str:
        return pairs_text(self)
