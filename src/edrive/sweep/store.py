"""A sweep's folder: a manifest and one Parquet file per finished chunk.

``manifest.json`` records the sweep's hash (:attr:`Sweep.spec_hash`), its size and columns.
``chunk-NNNNNN.parquet`` holds the records of designs ``NNNNNN * chunk_size`` onwards. Each
chunk file is written under a temporary name, flushed to disk and renamed into place
(``os.replace`` is atomic on POSIX file systems), so a chunk file either exists complete or
not at all, whenever the writer is killed: resuming redoes exactly the chunks without a file.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ..errors import EdriveError
from .sweep_file import Sweep

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


def prepare(out_dir: Path, sweep: Sweep, resume: bool) -> set[int]:
    """Create or check ``out_dir``; return the chunks already done. Without ``resume`` the
    folder must hold no sweep; with it, its manifest must carry this sweep's hash."""
    from .. import __version__

    out_dir = Path(out_dir)
    manifest = out_dir / MANIFEST
    if manifest.exists():
        if not resume:
            raise EdriveError(f"--out: {out_dir} already holds a sweep; add --resume to finish "
                              "it, or choose another folder")
        found = read_manifest(out_dir)
        if found.get("spec_hash") != sweep.spec_hash:
            raise EdriveError(f"--resume: {out_dir} holds a sweep with spec hash "
                              f"{str(found.get('spec_hash'))[:12]}, not this file's "
                              f"{sweep.spec_hash[:12]}; allowed: the same sweep file (and base "
                              "vehicle) it was started with")
    else:
        if out_dir.exists() and any(out_dir.glob("chunk-*.parquet")):
            raise EdriveError(f"--out: {out_dir} holds chunk files but no {MANIFEST}; allowed: "
                              "an empty or new folder")
        out_dir.mkdir(parents=True, exist_ok=True)
        _write_json_atomic(manifest, {
            "format": FORMAT, "format_version": 1, "edrive_version": __version__,
            "spec_hash": sweep.spec_hash, "sweep_file": sweep.where, "n_designs":
            sweep.n_designs, "chunk_size": sweep.chunk_size, "n_chunks": sweep.n_chunks,
            "columns": sweep.columns, "sweep": sweep.normalized()})
    for tmp in out_dir.glob(".chunk-*.tmp*"):  # left by a killed writer
        tmp.unlink(missing_ok=True)
    return done_chunks(out_dir)


def read_manifest(out_dir: Path) -> dict:
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        raise EdriveError(f"{out_dir}: not a sweep folder (no {MANIFEST})")
    try:
        data = json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise EdriveError(f"{path}: not valid JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise EdriveError(f"{path}: not an edrive sweep manifest")
    return data


def done_chunks(out_dir: Path) -> set[int]:
    return {int(m.group(1)) for p in Path(out_dir).iterdir() if (m := _CHUNK.match(p.name))}


def write_chunk(out_dir: Path, k: int, records: list[dict], schema) -> Path:
    """Write one chunk's records atomically (temporary file, fsync, rename)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out_dir = Path(out_dir)
    final = out_dir / chunk_name(k)
    tmp = out_dir / f".{chunk_name(k)}.tmp{os.getpid()}"
    table = pa.Table.from_pylist(records, schema=schema)
    with open(tmp, "wb") as fh:
        pq.write_table(table, fh, compression="zstd")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    return final


def _write_json_atomic(path: Path, obj: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(obj, indent=1), "utf-8")
    os.replace(tmp, path)
