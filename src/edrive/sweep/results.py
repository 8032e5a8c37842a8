"""Questions to a finished (or running) sweep: SQL with DuckDB over its Parquet files, and the
Pareto front of two columns.

Non-domination (Deb, *Multi-Objective Optimization using Evolutionary Algorithms*, Wiley
2001, ch. 2): with both axes turned into minimisation, design a dominates b when
a_x <= b_x and a_y <= b_y with at least one strict. Sorting by (x, y) and keeping each point
whose y is below every y before it finds the non-dominated set in O(n log n) (Kung, Luccio &
Preparata, J. ACM 22(4), 1975); exact duplicates of a front point are kept with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import EdriveError
from .store import read_manifest


def connect(out_dir: str | Path):
    """A DuckDB connection with a view ``results`` over the sweep's chunk files."""
    import duckdb

    out_dir = Path(out_dir)
    read_manifest(out_dir)
    if not any(out_dir.glob("chunk-*.parquet")):
        raise EdriveError(f"{out_dir}: no results yet (no chunk files)")
    con = duckdb.connect()
    pattern = str(out_dir / "chunk-*.parquet").replace("'", "''")
    con.execute(f"CREATE VIEW results AS SELECT * FROM read_parquet('{pattern}')")
    return con


def query(out_dir: str | Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Run ``sql`` (which may use the view ``results``); return column names and rows."""
    import duckdb

    con = connect(out_dir)
    try:
        cur = con.execute(sql)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise EdriveError(f"SQL: {first}") from None
    if cur.description is None:
        return [], []
    return [d[0] for d in cur.description], cur.fetchall()


def pareto_mask(x: np.ndarray, y: np.ndarray, maximize_x: bool = False,
                maximize_y: bool = False) -> np.ndarray:
    """True for the non-dominated points of (x, y) (see the module docstring). Points with a
    non-finite coordinate are never on the front."""
    x = np.asarray(x, dtype=float) * (-1.0 if maximize_x else 1.0)
    y = np.asarray(y, dtype=float) * (-1.0 if maximize_y else 1.0)
    ok = np.isfinite(x) & np.isfinite(y)
    idx = np.flatnonzero(ok)
    order = idx[np.lexsort((y[idx], x[idx]))]
    xs, ys = x[order], y[order]
    mask = np.zeros(x.shape, dtype=bool)
    if not len(order):
        return mask
    # a point is on the front if its y is below every y before it; identical points share
    # the verdict of the first of them
    before = np.concatenate([[np.inf], np.minimum.accumulate(ys)[:-1]])
    first = np.concatenate([[True], (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1])])
    group = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    mask[order] = (ys < before)[group]
    return mask


@dataclass
class Front:
    x: str
    y: str
    columns: list[str]
    rows: list[tuple]
    all_x: np.ndarray
    all_y: np.ndarray
    front_x: np.ndarray
    front_y: np.ndarray
    maximize_x: bool
    maximize_y: bool
    n_considered: int


def pareto(out_dir: str | Path, x: str, y: str, *, maximize: tuple[str, ...] = (),
           feasible_only: bool = True) -> Front:
    """The non-dominated designs of columns ``x`` and ``y`` (both minimised unless named in
    ``maximize``), among designs without error (and, by default, meeting the constraints).
    Rows of the front come sorted by ``x``."""
    con = connect(out_dir)
    cols = [r[0] for r in con.execute("DESCRIBE results").fetchall()]
    for flag, col in (("--x", x), ("--y", y), *(("--maximize", m) for m in maximize)):
        if col not in cols:
            raise EdriveError(f"{flag}: unknown column {col!r}; allowed: {', '.join(cols)}")
    if x == y:
        raise EdriveError(f"--y: {y!r} is also --x; allowed: two different columns")
    where = "error IS NULL" + (" AND feasible" if feasible_only else "")
    data = con.execute(f'SELECT design_id, "{x}", "{y}" FROM results WHERE {where}').fetchnumpy()
    xs, ys = np.asarray(data[x], dtype=float), np.asarray(data[y], dtype=float)
    mask = pareto_mask(xs, ys, x in maximize, y in maximize)
    ids = np.asarray(data["design_id"])[mask]
    con.register("front_ids", _id_frame(ids))
    cur = con.execute(f'SELECT r.* FROM results r JOIN front_ids f USING (design_id) '
                      f'ORDER BY r."{x}", r."{y}", r.design_id')
    rows = cur.fetchall()
    names = [d[0] for d in cur.description]
    return Front(x, y, names, rows, xs, ys, xs[mask], ys[mask], x in maximize, y in maximize,
                 len(xs))


def _id_frame(ids: np.ndarray):
    import pyarrow as pa

    return pa.table({"design_id": pa.array(ids.astype(np.int64))})


def plot_front(front: Front, path: str | Path) -> None:
    """All considered designs in grey, the front highlighted and joined in order of x."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5))
    ax.scatter(front.all_x, front.all_y, s=6, c="0.7", lw=0,
               label=f"designs ({front.n_considered})")
    order = np.argsort(front.front_x)
    ax.plot(front.front_x[order], front.front_y[order], "-o", c="C3", ms=4,
            label=f"non-dominated ({len(front.front_x)})")
    sense = lambda m: "maximised" if m else "minimised"
    ax.set_xlabel(f"{front.x} ({sense(front.maximize_x)})")
    ax.set_ylabel(f"{front.y} ({sense(front.maximize_y)})")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
