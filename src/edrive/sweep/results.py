"""Questions to a finished (or running) sweep: SQL with DuckDB over its Parquet files, and the
Pareto front of two columns.

A query is one read-only ``SELECT`` statement (``WITH``, ``FROM``, ``VALUES``, ``DESCRIBE``
and ``SUMMARIZE`` are forms of it) over the view ``results``. The SQL may come from anyone,
so DuckDB runs it with no access to anything but that view: the chunk files are read by
Arrow and handed to DuckDB as a dataset, and DuckDB itself may open no file and no network
address (``enable_external_access``), load or install no extension, write no temporary
file and use at most ``QUERY_MEMORY_MIB`` of memory (:mod:`edrive.sweep.limits`); the
configuration is locked, so no statement can change any of it back. Only the rows asked
for are fetched (``limit`` + 1, to tell whether more follow), never the whole answer.

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

from ..errors import EdriveError, format_value
from .limits import check_limit, limit
from .store import chunk_files, chunk_schema, read_manifest

# settings of every query's connection, in this order: what needs file access first, the
# lock last
_LOCKDOWN = (
    "temp_directory = ''",
    "memory_limit = '{memory_mib}MiB'",
    "autoinstall_known_extensions = false",
    "autoload_known_extensions = false",
    "allow_community_extensions = false",
    "python_enable_replacements = false",
    "enable_progress_bar = false",
    "enable_external_access = false",
    "lock_configuration = true",
)
_MESSAGE_MAX_CHARS = 300


def connect(out_dir: str | Path):
    """A DuckDB connection, locked down as the module docstring says, with a view
    ``results`` over the sweep's chunk files."""
    import duckdb
    import pyarrow.dataset as ds

    out_dir = Path(out_dir)
    manifest = read_manifest(out_dir)
    files = chunk_files(out_dir, manifest["n_chunks"])
    if not files:
        raise EdriveError(f"{out_dir}: no results yet (no chunk files)")
    schema = chunk_schema(list(files.values()), manifest)
    dataset = ds.dataset([str(p) for p in files.values()], schema=schema, format="parquet")
    memory_mib, _ = limit("QUERY_MEMORY_MIB")
    con = duckdb.connect(":memory:")
    for setting in _LOCKDOWN:
        con.execute("SET " + setting.format(memory_mib=memory_mib))
    con.register("results", dataset)
    return con


def query(out_dir: str | Path, sql: str, *, limit: int | None = None) -> tuple[list[str],
                                                                             list[tuple]]:
    """Answer one read-only SQL statement over the view ``results``: column names and rows.

    An answer of more than ``limit`` rows (default: the limit ``QUERY_MAX_ROWS``) is an
    error; :func:`query_head` gives the first rows of any answer instead."""
    columns, rows, more = query_head(out_dir, sql, limit)
    if more:
        raise EdriveError(f"SQL: the answer has more than {len(rows):,} rows; add a LIMIT, "
                          "aggregate, or ask for more rows (limit=)")
    return columns, rows


def query_head(out_dir: str | Path, sql: str,
               limit: int | None = None) -> tuple[list[str], list[tuple], bool]:
    """The column names and first ``limit`` rows (default and most: ``QUERY_MAX_ROWS``) of
    the answer to ``sql``, and whether more rows follow (they are not read)."""
    import duckdb

    limit = _row_limit(limit)
    con = connect(out_dir)
    try:
        cur = con.execute(_one_select(con, sql))
        rows = cur.fetchmany(limit + 1)
        columns = [d[0] for d in cur.description]
    except duckdb.Error as exc:
        raise EdriveError(f"SQL: {_first_line(exc)}") from None
    finally:
        con.close()
    return columns, rows[:limit], len(rows) > limit


def _row_limit(rows) -> int:
    if rows is None:
        return limit("QUERY_MAX_ROWS")[0]
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise EdriveError(f"--limit: {format_value(rows)}; allowed: a whole number >= 1")
    check_limit("--limit", rows, "rows", "QUERY_MAX_ROWS")
    return rows


def _one_select(con, sql):
    """The one SELECT statement of ``sql``, parsed; anything else is an error."""
    import duckdb

    if not isinstance(sql, str):
        raise EdriveError(f"SQL: {format_value(sql)}; allowed: the text of one SELECT statement")
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise EdriveError(f"SQL: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise EdriveError(f"SQL: {len(statements)} statements; allowed: one SELECT statement")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise EdriveError(f"SQL: statement type {kind.name}; allowed: one SELECT statement (the "
                          "results are read-only)")
    return statements[0]


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else type(exc).__name__
    if len(first) > _MESSAGE_MAX_CHARS:
        return first[:_MESSAGE_MAX_CHARS - 3] + "..."
    return first


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
            raise EdriveError(f"{flag}: unknown column {format_value(col)}; allowed: {', '.join(cols)}")
    if x == y:
        raise EdriveError(f"--y: {format_value(y)} is also --x; allowed: two different columns")
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
