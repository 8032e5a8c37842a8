"""A sweep folder under attack or after a crash: damaged chunk files are computed again on
resuming, stale temporary files are removed, one run writes a folder at a time, and absurd
sizes (designs, workers, evaluations) end with one line."""

import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from edrive.errors import EdriveError
from edrive.sweep.runner import run_sweep
from edrive.sweep.store import open_folder
from edrive.sweep.sweep_file import load_sweep

TEXT = """schema_version: 1
base: tesla_model3_rwd
parameters:
  drive_units.0.gear.ratio: {low: 7.5, high: 11}
  mass.test_mass_kg: {low: 1750 kg, high: 2100 kg}
design: {method: lhs, n: 10, seed: 3, chunk_size: 4}
cycles: [hwfet]
outputs: [hwfet_wall_wh_per_km]
"""


def sweep(tmp_path, text=TEXT):
    (tmp_path / "s.yaml").write_text(text)
    return load_sweep(tmp_path / "s.yaml")


def table(out):
    files = sorted(out.glob("chunk-*.parquet"))
    return pa.concat_tables([pq.read_table(f) for f in files]).sort_by("design_id")


@pytest.fixture
def finished(tmp_path):
    s = sweep(tmp_path)
    out = tmp_path / "out"
    run_sweep(s, out)
    return s, out, table(out)


def test_damaged_chunks_are_computed_again_on_resume(finished):
    s, out, before = finished
    c0, c1, c2 = (out / f"chunk-00000{k}.parquet" for k in range(3))
    pq.write_table(pa.table({"a": [1]}), c0)  # what COPY ... TO 'chunk-000000.parquet' wrote
    c1.write_bytes(c1.read_bytes()[:100])  # truncated
    c2.write_bytes(c0.read_bytes())  # another file's content
    summary = run_sweep(s, out, resume=True)
    assert summary.chunks_skipped == 0 and summary.chunks_run == 3
    assert summary.redone == ["chunk-000000.parquet: its columns are not this sweep's",
                              "chunk-000001.parquet: not a readable Parquet file",
                              "chunk-000002.parquet: its columns are not this sweep's"]
    assert table(out).equals(before)
    assert run_sweep(s, out, resume=True).redone == []


def test_a_chunk_with_other_designs_or_another_sweeps_records_is_computed_again(finished,
                                                                                tmp_path):
    s, out, before = finished
    c0, c1 = out / "chunk-000000.parquet", out / "chunk-000001.parquet"
    c0.write_bytes(c1.read_bytes())  # right columns, designs 4-7 instead of 0-3
    (tmp_path / "other").mkdir()
    other = sweep(tmp_path / "other", TEXT.replace("seed: 3", "seed: 4"))
    run_sweep(other, tmp_path / "other_out")
    c1.write_bytes((tmp_path / "other_out" / "chunk-000001.parquet").read_bytes())
    summary = run_sweep(s, out, resume=True)
    assert summary.redone == ["chunk-000000.parquet: its design ids are not 0 to 3",
                              "chunk-000001.parquet: its columns are not this sweep's"]
    assert table(out).equals(before)


def test_the_command_line_says_which_chunks_it_computed_again(finished):
    import subprocess
    import sys

    s, out, _ = finished
    (out / "chunk-000001.parquet").write_bytes(b"PAR1 and nothing else")
    proc = subprocess.run([sys.executable, "-m", "edrive.cli", "sweep", "run", s.where, "--out",
                           str(out), "--resume", "--no-progress"], capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert f"{out / 'chunk-000001.parquet'}: not a readable Parquet file; its chunk was " \
           "computed again" in proc.stderr
    assert "1 chunks (2 already done)" in proc.stdout


def test_chunk_files_beyond_the_sweep_are_ignored(finished):
    s, out, before = finished
    (out / "chunk-000999.parquet").write_bytes((out / "chunk-000000.parquet").read_bytes())
    summary = run_sweep(s, out, resume=True)
    assert (summary.chunks_skipped, summary.chunks_run) == (3, 0)


def test_stale_temporary_files_are_removed(tmp_path, finished):
    s, out, _ = finished
    (out / "chunk-000002.parquet").unlink()
    stale = [out / ".chunk-000002.parquet.tmp999999", out / ".chunk-000000.parquet.tmp12",
             out / ".manifest.json.tmp4242"]
    for p in stale:
        p.write_bytes(b"half a file")
    run_sweep(s, out, resume=True)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    # a new folder that a run killed before its manifest left temporary files in
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / ".manifest.json.tmp77").write_text("{")
    (fresh / ".chunk-000000.parquet.tmp77").write_bytes(b"x")
    run_sweep(s, fresh)
    assert not [p for p in fresh.iterdir() if p.name.startswith(".")]


def test_one_run_per_folder_at_a_time(finished):
    s, out, _ = finished
    with open_folder(out, s, resume=True):
        with pytest.raises(EdriveError, match="being written by another sweep run"):
            run_sweep(s, out, resume=True)
    assert run_sweep(s, out, resume=True).chunks_skipped == 3


def test_out_that_is_a_file(tmp_path):
    s = sweep(tmp_path)
    with pytest.raises(EdriveError, match="--out: .* is a file; allowed: a folder"):
        run_sweep(s, tmp_path / "s.yaml")


def test_chunks_are_made_lazily(tmp_path, monkeypatch):
    """Ten billion chunks: the run starts at once and stops after the chunks asked for."""
    monkeypatch.setenv("EDRIVE_SWEEP_MAX_DESIGNS", str(10 ** 10))
    s = sweep(tmp_path, TEXT.replace("n: 10", f"n: {10 ** 10}").replace("chunk_size: 4",
                                                                         "chunk_size: 1"))
    assert s.n_chunks == 10 ** 10
    t0 = time.perf_counter()
    summary = run_sweep(s, tmp_path / "out", max_chunks=2)
    assert summary.chunks_run == 2 and time.perf_counter() - t0 < 30
    summary = run_sweep(s, tmp_path / "out", resume=True, max_chunks=1)
    assert (summary.chunks_skipped, summary.chunks_run) == (2, 1)
    assert table(tmp_path / "out").column("design_id").to_pylist() == [0, 1, 2]


@pytest.mark.parametrize("workers", [0, -1, True, 2.5, "2", 10 ** 6])
def test_workers_must_be_a_sensible_whole_number(tmp_path, workers):
    s = sweep(tmp_path)
    with pytest.raises(EdriveError, match="--workers") as exc:
        run_sweep(s, tmp_path / "out", workers=workers)
    assert not (tmp_path / "out").exists()
    if workers == 10 ** 6:
        assert "(EDRIVE_SWEEP_MAX_WORKERS)" in str(exc.value)


def test_the_worker_limit_can_be_lowered_and_raised(tmp_path, monkeypatch):
    s = sweep(tmp_path)
    monkeypatch.setenv("EDRIVE_SWEEP_MAX_WORKERS", "1")
    with pytest.raises(EdriveError, match="--workers: 2 worker processes; the limit is 1 "
                                          r"\(EDRIVE_SWEEP_MAX_WORKERS\)"):
        run_sweep(s, tmp_path / "out", workers=2)


def test_optimisation_budget_has_a_limit(tmp_path, monkeypatch):
    from edrive.sweep.optimizer import optimize

    s = sweep(tmp_path, TEXT + "optimize:\n  objectives: [{minimize: hwfet_wall_wh_per_km}]\n"
              "  generations: 1000000\n  population: 1000\n")
    with pytest.raises(EdriveError, match=r"optimize: population x \(generations \+ 1\): "
                                          r"1,000,001,000 designs to evaluate; the limit is "
                                          r"200,000 \(EDRIVE_SWEEP_MAX_EVALUATIONS\)"):
        optimize(s)
    monkeypatch.setenv("EDRIVE_SWEEP_MAX_EVALUATIONS", "10")
    s = sweep(tmp_path, TEXT + "optimize:\n  objectives: [{minimize: hwfet_wall_wh_per_km}]\n"
              "  generations: 2\n  population: 4\n")
    with pytest.raises(EdriveError, match="12 designs to evaluate; the limit is 10"):
        optimize(s)


def test_a_full_disk_stops_the_run_with_one_line_and_resume_finishes(tmp_path, monkeypatch):
    import errno
    import os

    import edrive.sweep.store as store

    s = sweep(tmp_path)
    out = tmp_path / "out"
    real_fsync, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 2:  # the second chunk finds the disk full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(store.os, "fsync", fsync)
    with pytest.raises(EdriveError, match=r"--out: .*chunk-000001.parquet cannot be written "
                                          r"\(No space left on device\); the chunks finished "
                                          "so far are kept: run again with --resume"):
        run_sweep(s, out)
    assert sorted(p.name for p in out.iterdir()) == ["chunk-000000.parquet", "manifest.json"]
    monkeypatch.setattr(store.os, "fsync", real_fsync)
    summary = run_sweep(s, out, resume=True)
    assert (summary.chunks_skipped, summary.chunks_run) == (1, 2)


def test_a_manifest_that_cannot_be_written(tmp_path, monkeypatch):
    import errno
    import os

    import edrive.sweep.store as store

    def replace(src, dst):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(store.os, "replace", replace)
    with pytest.raises(EdriveError, match=r"manifest.json cannot be written \(Read-only file "
                                          r"system\)"):
        run_sweep(sweep(tmp_path), tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []
