"""A sweep's folder: a manifest and one Parquet file per finished chunk.

``manifest.json`` records the sweep's hash (:attr:`Sweep.spec_hash`), its size and columns.
``chunk-NNNNNN.parquet`` holds the records of designs ``NNNNNN * chunk_size`` onwards. Each
chunk file is written under a temporary name, flushed to disk and renamed into place
(``os.replace`` is atomic on POSIX file systems), so a chunk file either exists complete or
not at all, whenever the writer is killed: resuming redoes exactly the chunks without a file.
Resuming also reads every chunk file back and redoes any that is not exactly its chunk's
records (unreadable, other columns, other design ids), whatever damaged it. One run at a
time writes a folder: :func:`open_folder` holds an exclusive lock on it (``flock``, where
the system has it) for the run, and removes the temporary files that killed runs left.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import EdriveError, format_value
from .sweep_file import Sweep

try:
    import fcntl
except ImportError:  # no flock on this system: folders are not locked
    fcntl = None

MANIFEST = "manifest.json"
FORMAT = "edrive-sweep"
_CHUNK = re.compile(r"^chunk-(\d+)\.parquet$")


def chunk_name(k: int) -> str:
    return f"chunk-{k:06d}.parquet"


def arrow_schema(sweep: Sweep):
    """Column types: design id int64, parameters float64 / int64 / string, outputs float64,
    feasible bool, error string."""
    import pyarrow as pa

    fields = [pa.field("design_id", pa.int64(), nullable=False)]
    for p in sweep.parameters:
        sample = p.levels[0] if p.levels else p.low
        typ = (pa.string() if isinstance(sample, str) else pa.bool_() if isinstance(sample, bool)
               else pa.int64() if p.integer else pa.float64())
        fields.append(pa.field(p.name, typ))
    fields += [pa.field(o, pa.float64()) for o in sweep.outputs]
    fields += [pa.field("feasible", pa.bool_()), pa.field("error", pa.string())]
    return pa.schema(fields, metadata={"edrive_spec_hash": sweep.spec_hash})


@contextmanager
def open_folder(out_dir: Path, sweep: Sweep, resume: bool) -> Iterator[tuple[set[int],
                                                                           list[str]]]:
    """Create or check ``out_dir`` and hold it for one run; yields the chunks already done
    and a line per chunk file that is not (it will be written again). Without ``resume``
    the folder must hold no sweep; with it, its manifest must carry this sweep's hash."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise EdriveError(f"--out: {format_value(str(out_dir))} is a file; allowed: a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(out_dir, os.O_RDONLY)
    except OSError as exc:
        raise EdriveError(f"--out: {format_value(str(out_dir))} cannot be created or opened "
                          f"({exc.strerror})") from None
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise EdriveError(f"--out: {out_dir} is being written by another sweep run; "
                                  "allowed: one run per folder at a time") from None
        yield prepare(out_dir, sweep, resume)
    finally:
        os.close(fd)  # releases the lock


def prepare(out_dir: Path, sweep: Sweep, resume: bool) -> tuple[set[int], list[str]]:
    """Write or check the manifest of ``out_dir`` (an existing folder that this process
    alone writes); return the chunks done and a line per damaged chunk file."""
    from ..version import __version__

    manifest = out_dir / MANIFEST
    if manifest.exists():
        if not resume:
            raise EdriveError(f"--out: {out_dir} already holds a sweep; add --resume to finish "
                              "it, or choose another folder")
        found = read_manifest(out_dir)
        if found["spec_hash"] != sweep.spec_hash:
            raise EdriveError(f"--resume: {out_dir} holds a sweep with spec hash "
                              f"{found['spec_hash'][:12]}, not this file's "
                              f"{sweep.spec_hash[:12]}; allowed: the same sweep file (and base "
                              "vehicle) it was started with")
    else:
        if any(out_dir.glob("chunk-*.parquet")):
            raise EdriveError(f"--out: {out_dir} holds chunk files but no {MANIFEST}; allowed: "
                              "an empty or new folder")
        _write_json_atomic(manifest, {
            "format": FORMAT, "format_version": 1, "edrive_version": __version__,
            "spec_hash": sweep.spec_hash, "sweep_file": sweep.where, "n_designs":
            sweep.n_designs, "chunk_size": sweep.chunk_size, "n_chunks": sweep.n_chunks,
            "columns": sweep.columns, "sweep": sweep.normalized()})
    for tmp in [*out_dir.glob(".chunk-*.tmp*"), *out_dir.glob(f".{MANIFEST}.tmp*")]:
        tmp.unlink(missing_ok=True)  # left by a killed writer
    schema = arrow_schema(sweep)
    done, damaged = set(), []
    for k, path in chunk_files(out_dir, sweep.n_chunks).items():
        problem = chunk_problem(path, sweep, k, schema)
        if problem is None:
            done.add(k)
        else:
            damaged.append(f"{path.name}: {problem}")
    return done, damaged


def chunk_files(out_dir: Path, n_chunks: int) -> dict[int, Path]:
    """The chunk files of chunks ``0 .. n_chunks - 1`` in ``out_dir``, by chunk number."""
    found = {}
    for p in Path(out_dir).iterdir():
        m = _CHUNK.match(p.name)
        if m and int(m.group(1)) < n_chunks and p.name == chunk_name(int(m.group(1))):
            found[int(m.group(1))] = p
    return dict(sorted(found.items()))


def chunk_schema(paths: list[Path], manifest: dict):
    """The Arrow schema that the chunk files ``paths`` share, checked against the folder's
    manifest (columns and spec hash); a file that differs is an error naming it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = None
    for path in paths:
        try:
            found = pq.read_schema(path)
        except (OSError, pa.ArrowException):
            problem = "not a readable Parquet file"
        else:
            meta = found.metadata or {}
            if found.names != manifest["columns"] or meta.get(b"edrive_spec_hash") != \
                    manifest["spec_hash"].encode():
                problem = "its columns are not this sweep's"
            elif schema is not None and not found.equals(schema, check_metadata=True):
                problem = "its column types differ from the other chunks'"
            else:
                schema, problem = found, None
        if problem:
            raise EdriveError(f"{path}: {problem}; run the sweep again with --resume to "
                              "compute its chunk again")
    return schema


def chunk_problem(path: Path, sweep: Sweep, k: int, schema) -> str | None:
    """Why the file of chunk ``k`` is not exactly that chunk's records with the sweep's
    columns (None when it is)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException):
        return "not a readable Parquet file"
    if not table.schema.equals(schema, check_metadata=True):
        return "its columns are not this sweep's"
    ids = table.column("design_id").to_numpy()
    designs = sweep.chunk_designs(k)
    if not np.array_equal(ids, np.arange(designs.start, designs.stop)):
        return f"its design ids are not {designs.start} to {designs.stop - 1}"
    return None


def read_manifest(out_dir: Path) -> dict:
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        raise EdriveError(f"{out_dir}: not a sweep folder (no {MANIFEST})")
    try:
        data = json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise EdriveError(f"{path}: not valid JSON") from None
    except OSError as exc:
        raise EdriveError(f"{path}: cannot be read ({exc.strerror})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT \
            or not isinstance(data.get("spec_hash"), str) \
            or type(data.get("n_chunks")) is not int or data["n_chunks"] < 0 \
            or not isinstance(data.get("columns"), list) \
            or not all(isinstance(c, str) for c in data["columns"]):
        raise EdriveError(f"{path}: not an edrive sweep manifest")
    return data


def write_chunk(out_dir: Path, k: int, records: list[dict], schema) -> Path:
    """Write one chunk's records atomically (temporary file, fsync, rename)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out_dir = Path(out_dir)
    final = out_dir / chunk_name(k)
    tmp = out_dir / f".{chunk_name(k)}.tmp{os.getpid()}"
    table = pa.Table.from_pylist(records, schema=schema)
    try:
        with open(tmp, "wb") as fh:
            pq.write_table(table, fh, compression="zstd")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise EdriveError(f"--out: {final} cannot be written ({exc.strerror}); the chunks "
                          "finished so far are kept: run again with --resume") from None
    return final


def _write_json_atomic(path: Path, obj: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(json.dumps(obj, indent=1), "utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise EdriveError(f"--out: {path} cannot be written ({exc.strerror})") from None
