"""``edrive sweep query`` takes SQL from anyone: it answers one read-only SELECT over the
sweep's own results and can read, write, load or reconfigure nothing else."""

import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from edrive.errors import EdriveError
from edrive.sweep.results import connect, pareto, query, query_head
from edrive.sweep.runner import run_sweep
from edrive.sweep.sweep_file import load_sweep

TEXT = """schema_version: 1
base: tesla_model3_rwd
parameters:
  drive_units.0.gear.ratio: {low: 7.5, high: 11}
design: {method: lhs, n: 10, seed: 3, chunk_size: 4}
cycles: [hwfet]
outputs: [hwfet_wall_wh_per_km, hwfet_battery_wh_per_km]
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("q")
    (tmp / "s.yaml").write_text(TEXT)
    out = tmp / "out"
    run_sweep(load_sweep(tmp / "s.yaml"), out)
    (tmp / "secret.csv").write_text("a,b\n1,2\n")
    return out


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.parent.rglob("*")) if p.is_file()}


def refused(folder, sql, *words):
    before = snapshot(folder)
    with pytest.raises(EdriveError) as exc:
        query(folder, sql)
    msg = str(exc.value)
    assert msg.startswith("SQL: ") and "\n" not in msg and len(msg) < 400, msg
    for w in words:
        assert w in msg, msg
    assert snapshot(folder) == before  # nothing written, nothing changed
    return msg


def test_the_results_are_answered(folder):
    assert query(folder, "SELECT count(*), min(design_id), max(design_id) FROM results") == \
        (["count_star()", "min(design_id)", "max(design_id)"], [(10, 0, 9)])
    cols, rows = query(folder, "DESCRIBE results")
    assert [r[0] for r in rows] == ["design_id", "gear_ratio", "hwfet_wall_wh_per_km",
                                    "hwfet_battery_wh_per_km", "feasible", "error"]
    for sql in ("WITH a AS (SELECT 1 AS x) SELECT x FROM a", "FROM results LIMIT 1",
                "VALUES (1)", "SUMMARIZE results", "SELECT 1;",
                "SELECT * FROM query('SELECT 42')"):
        query(folder, sql)


@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv('SECRET')",
    "SELECT * FROM 'SECRET'",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('/etc/hostname')",
    "SELECT * FROM read_parquet('/etc/x.parquet')",
    "SELECT * FROM read_parquet('CHUNK')",
    "SELECT * FROM read_json('SECRET')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM parquet_metadata('CHUNK')",
    "SELECT * FROM read_parquet('https://example.com/x.parquet')",
])
def test_no_file_can_be_read(folder, sql):
    sql = sql.replace("SECRET", str(folder.parent / "secret.csv"))
    sql = sql.replace("CHUNK", str(folder / "chunk-000000.parquet"))
    refused(folder, sql)


@pytest.mark.parametrize("sql, kind", [
    ("COPY (SELECT 1 AS a) TO 'CHUNK'", "COPY"),
    ("COPY (SELECT 1 AS a) TO 'CHUNK' (FORMAT parquet, USE_TMP_FILE false)", "COPY"),
    ("COPY (SELECT 1 AS a) TO 'NEW'", "COPY"),
    ("EXPORT DATABASE 'NEW'", "EXPORT"),
    ("ATTACH 'NEW' AS db", "ATTACH"),
    ("INSTALL httpfs", "LOAD"),
    ("LOAD httpfs", "LOAD"),
    ("LOAD 'NEW'", "LOAD"),
    ("SET enable_external_access = true", "SET"),
    ("SET lock_configuration = false", "SET"),
    ("RESET enable_external_access", "SET"),
    ("SET memory_limit = '100GB'", "SET"),
    ("PRAGMA enable_profiling", "PRAGMA"),
    ("PRAGMA show_tables", "PRAGMA"),
    ("CALL pragma_version()", "CALL"),
    ("CREATE TABLE t AS SELECT 1", "CREATE"),
    ("CREATE MACRO m(x) AS x", "CREATE"),
    ("DROP VIEW results", "DROP"),
    ("SET VARIABLE x = 1", "SET"),
    ("CHECKPOINT", "CALL"),
    ("EXPLAIN SELECT 1", "EXPLAIN"),
])
def test_nothing_but_a_select_is_run(folder, sql, kind):
    sql = sql.replace("CHUNK", str(folder / "chunk-000000.parquet"))
    sql = sql.replace("NEW", str(folder / "new.file"))
    refused(folder, sql, f"statement type {kind}", "allowed: one SELECT statement")


@pytest.mark.parametrize("sql", ["SELECT 1; DROP VIEW results",
                                 "SELECT 1; COPY (SELECT 1) TO 'x.csv'",
                                 "SELECT 1; SELECT 2", "", " ; "])
def test_exactly_one_statement(folder, sql):
    refused(folder, sql, "statements; allowed: one SELECT statement")


def test_the_connection_is_locked_down(folder):
    import duckdb

    con = connect(folder)
    settings = dict(con.execute("SELECT name, value FROM duckdb_settings()").fetchall())
    assert settings["enable_external_access"] == "false"
    assert settings["lock_configuration"] == "true"
    assert settings["autoinstall_known_extensions"] == "false"
    assert settings["autoload_known_extensions"] == "false"
    assert settings["temp_directory"] == ""
    assert settings["memory_limit"] == "1.0 GiB"
    # even a statement run directly on the connection cannot unlock it
    for sql in ("SET enable_external_access = true", "SET lock_configuration = false",
                "SET autoload_known_extensions = true"):
        with pytest.raises(duckdb.Error, match="locked"):
            con.execute(sql)
    with pytest.raises(duckdb.Error):
        con.execute(f"COPY (SELECT 1) TO '{folder / 'chunk-000000.parquet'}' "
                    "(FORMAT parquet, USE_TMP_FILE false)")
    con.close()


def test_memory_limit_can_be_set(folder, monkeypatch):
    monkeypatch.setenv("EDRIVE_SWEEP_QUERY_MEMORY_MIB", "64")
    refused(folder, "SELECT * FROM range(50000000) ORDER BY random()", "Out of Memory")


def test_only_the_rows_asked_for_are_fetched(folder):
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cols, rows, more = query_head(folder, "SELECT * FROM range(100000000)", 50)
    assert (cols, len(rows), more) == (["range"], 50, True)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 300_000  # KiB
    assert query_head(folder, "SELECT * FROM range(50)", 50)[2] is False
    with pytest.raises(EdriveError, match="more than 100,000 rows; add a LIMIT"):
        query(folder, "SELECT * FROM range(100000000)")
    assert len(query(folder, "SELECT * FROM range(7)", limit=7)[1]) == 7


@pytest.mark.parametrize("limit, words", [
    (0, "--limit: 0; allowed: a whole number >= 1"), (True, "--limit: true"),
    (2.5, "--limit: 2.5"), (100_001, "--limit: 100,001 rows; the limit is 100,000 "
                                     "(EDRIVE_SWEEP_QUERY_MAX_ROWS)"),
])
def test_row_limit_is_checked(folder, limit, words):
    with pytest.raises(EdriveError, match=words.replace("(", r"\(").replace(")", r"\)")):
        query_head(folder, "SELECT 1", limit)


def test_the_command_line_prints_at_most_limit_rows(folder):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "edrive.cli", "sweep", "query",
                               str(folder), *args], capture_output=True, text=True,
                              timeout=120, check=False)

    proc = run("SELECT * FROM range(100000000)")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 2 + 50
    assert "the first 50 rows; more follow" in proc.stderr
    proc = run("SELECT * FROM range(100000000)", "--limit", "3", "--json")
    assert json.loads(proc.stdout) == [{"range": 0}, {"range": 1}, {"range": 2}]
    proc = run("SELECT chr(27) || '[2J' AS \"a\nb\"")
    assert "\x1b" not in proc.stdout and "\\x1b[2J" in proc.stdout and "a\\nb" in proc.stdout
    proc = run(f"COPY (SELECT 1) TO '{folder / 'chunk-000000.parquet'}'")
    assert proc.returncode == 2 and proc.stderr.startswith("error: SQL: statement type COPY")
    assert "Traceback" not in proc.stderr


def test_chunk_files_that_disagree_with_the_manifest(tmp_path):
    (tmp_path / "s.yaml").write_text(TEXT)
    out = tmp_path / "out"
    run_sweep(load_sweep(tmp_path / "s.yaml"), out)
    good = (out / "chunk-000001.parquet").read_bytes()
    pq.write_table(pa.table({"a": [1]}), out / "chunk-000001.parquet")
    with pytest.raises(EdriveError, match="chunk-000001.parquet: its columns are not this "
                                          "sweep's; run the sweep again with --resume"):
        query(out, "SELECT count(*) FROM results")
    (out / "chunk-000001.parquet").write_bytes(good[:50])
    with pytest.raises(EdriveError, match="chunk-000001.parquet: not a readable Parquet"):
        pareto(out, "hwfet_wall_wh_per_km", "hwfet_battery_wh_per_km")
    (out / "chunk-000001.parquet").write_bytes(good)
    (out / "chunk-000099.parquet").write_bytes(good)  # not a chunk of this sweep: not read
    assert query(out, "SELECT count(*) FROM results")[1] == [(10,)]


def test_a_damaged_manifest(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "edrive-sweep",
                                                        "n_chunks": "all"}))
    with pytest.raises(EdriveError, match="not an edrive sweep manifest"):
        query(tmp_path, "SELECT 1")


def test_pareto_shows_long_column_names_abridged(folder):
    with pytest.raises(EdriveError) as exc:
        pareto(folder, "c" * 100_000, "hwfet_battery_wh_per_km")
    assert len(str(exc.value)) < 400
