"""Run a sweep: designs made lazily chunk by chunk, evaluated in this process, in local
worker processes or on a Dask cluster, and written one Parquet file per chunk.

Memory stays bounded whatever the number of designs: at most ``2 x workers`` chunks are in
flight, each made from its indices (:mod:`edrive.sweep.design`) and dropped once written.
The parent process alone writes files, so a cluster's workers need no shared disk.
:func:`run_tasks`, the pool and cluster machinery, also serves other batch work (the
alliance planner's fit of drive units to cars).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EdriveError, format_value
from .design import design_rows
from .evaluate import evaluate_chunk
from .limits import check_limit
from .store import arrow_schema, open_folder, write_chunk
from .sweep_file import Sweep


def chunk_records(sweep: Sweep, k: int) -> list[dict]:
    """Make chunk ``k``'s designs, evaluate them and add the parameter columns and the
    constraints' verdict (``feasible``: all constraints hold; None for designs in error)."""
    designs = sweep.chunk_designs(k)
    rows = design_rows(sweep, designs.start, designs.stop)
    records = evaluate_chunk(sweep.base_dict, rows, sweep.cycles, sweep.procedures,
                             sweep.outputs, base_dir=sweep.base_dir)
    return [finish_record(sweep, row["values"], rec) for row, rec in zip(rows, records,
                                                                         strict=True)]


def finish_record(sweep: Sweep, values: dict, rec: dict) -> dict:
    out = {"design_id": rec["design_id"]}
    out |= {p.name: values[p.path] for p in sweep.parameters}
    out |= {o: rec[o] for o in sweep.outputs}
    if rec["error"] is None:
        out["feasible"] = all(c.holds(out[c.column]) for c in sweep.constraints)
    else:
        out["feasible"] = None
    out["error"] = rec["error"]
    return out


# imported once by the fork server, so that each worker starts with them loaded
PRELOAD = ["edrive.sweep.runner", "edrive.sim.run", "edrive.sim.performance",
           "edrive.procedures.regulatory", "scipy.stats"]


def _chunk_task(sweep: Sweep, k: int) -> tuple[int, list[dict]]:
    return k, chunk_records(sweep, k)


@dataclass
class RunSummary:
    out_dir: str
    n_designs: int
    n_chunks: int
    chunks_skipped: int
    chunks_run: int
    designs_run: int
    errors: int
    infeasible: int
    seconds: float
    redone: list[str] = field(default_factory=list)
    """A line per chunk file found damaged on resuming (its chunk was computed again)."""

    @property
    def designs_per_s(self) -> float:
        return self.designs_run / self.seconds if self.seconds > 0 else math.nan


def check_workers(workers) -> None:
    """Refuse a number of local worker processes that is not a whole number from 1 to the
    limit ``MAX_WORKERS`` (:mod:`edrive.sweep.limits`)."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise EdriveError(f"--workers: {format_value(workers)}; allowed: a whole number >= 1")
    check_limit("--workers", workers, "worker processes", "MAX_WORKERS")


def run_sweep(sweep: Sweep, out_dir: str | Path, *, workers: int = 1,
              scheduler: str | None = None, resume: bool = False,
              progress: Callable[[int, int], None] | None = None,
              max_chunks: int | None = None) -> RunSummary:
    """Run ``sweep`` into ``out_dir``.

    Parameters
    ----------
    workers : int
        Local worker processes; 1 evaluates in this process. Ignored with ``scheduler``.
        At most ``WORKERS_PER_CPU`` per CPU core (:mod:`edrive.sweep.limits`).
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``); the cluster's workers
        evaluate the chunks and this process writes them.
    resume : bool
        Finish a sweep already started in ``out_dir``: the folder's manifest must carry
        this sweep's hash; chunks whose file holds exactly their records are skipped, the
        others (missing or damaged files) are computed (``RunSummary.redone`` names the
        damaged ones).
    progress : callable, optional
        Called as ``progress(designs_done, designs_total)`` after each chunk (skipped chunks
        count as done at the start).
    max_chunks : int, optional
        Stop after this many chunks (the rest stay to resume).
    """
    check_workers(workers)
    out_dir = Path(out_dir)
    with open_folder(out_dir, sweep, resume) as (done, redone):
        todo: Iterator[int] = (k for k in range(sweep.n_chunks) if k not in done)
        if max_chunks is not None:
            todo = itertools.islice(todo, max_chunks)
        schema = arrow_schema(sweep)
        designs_done = sum(len(sweep.chunk_designs(k)) for k in done)
        stats = {"chunks": 0, "designs": 0, "errors": 0, "infeasible": 0}
        if progress:
            progress(designs_done, sweep.n_designs)

        def store(k: int, records: list[dict]) -> None:
            nonlocal designs_done
            write_chunk(out_dir, k, records, schema)
            stats["chunks"] += 1
            stats["designs"] += len(records)
            stats["errors"] += sum(r["error"] is not None for r in records)
            stats["infeasible"] += sum(r["feasible"] is False for r in records)
            designs_done += len(records)
            if progress:
                progress(designs_done, sweep.n_designs)

        t0 = time.perf_counter()
        run_tasks(_chunk_task, sweep, todo, store, workers=workers, scheduler=scheduler,
                  died="--workers: a worker process died; the chunks finished so far are "
                       "kept: run again with --resume")
    return RunSummary(str(out_dir), sweep.n_designs, sweep.n_chunks, len(done),
                      stats["chunks"], stats["designs"], stats["errors"], stats["infeasible"],
                      time.perf_counter() - t0, redone)


def run_tasks(task: Callable, shared, keys: Iterator, store: Callable, *, workers: int = 1,
              scheduler: str | None = None, preload: list[str] = PRELOAD,
              died: str = "workers: a worker process died") -> None:
    """Call ``task(shared, key)`` for each key and ``store(*result)`` in this process with
    each result as it comes back (in any order): here when ``workers`` is 1, else on that
    many local worker processes (a fork server that has imported ``preload``), or on the Dask
    distributed cluster at ``scheduler``. At most two tasks per worker are in flight, so
    memory stays bounded whatever the number of keys; ``shared`` goes to each worker once
    on a cluster (with each task to a local process). A local worker that dies raises
    :class:`EdriveError` with the message ``died``."""
    if scheduler:
        _run_dask(task, shared, keys, scheduler, store)
    elif workers == 1:
        for key in keys:
            store(*task(shared, key))
    else:
        _run_processes(task, shared, keys, workers, store, preload, died)


def _run_processes(task, shared, todo: Iterator, workers: int, store, preload, died) -> None:
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(preload)
    in_flight = set()
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        try:
            while True:
                while len(in_flight) < 2 * workers:
                    k = next(todo, None)
                    if k is None:
                        break
                    in_flight.add(pool.submit(task, shared, k))
                if not in_flight:
                    break
                finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for fut in finished:
                    store(*fut.result())
        except BrokenProcessPool:
            raise EdriveError(died) from None
        except BaseException:
            for fut in in_flight:
                fut.cancel()
            raise


def _run_dask(task, shared, todo: Iterator, address: str, store) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise EdriveError("--scheduler: Dask distributed is not installed; allowed: install it "
                          "with pip install 'edrive[cluster]'") from None
    try:
        client = Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise EdriveError(f"--scheduler: cannot reach {format_value(address)} ({type(exc).__name__})") \
            from None
    try:
        n_slots = max(1, sum(client.nthreads().values()))
        [plan] = client.scatter([shared], broadcast=True)
        first = [client.submit(task, plan, k, pure=False, retries=2)
                 for k in itertools.islice(todo, 2 * n_slots)]
        if not first:
            return
        queue = as_completed(first, loop=client.loop)
        for fut in queue:
            store(*fut.result())
            fut.release()
            k = next(todo, None)
            if k is not None:
                queue.add(client.submit(task, plan, k, pure=False, retries=2))
    finally:
        client.close()
