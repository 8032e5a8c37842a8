"""Design sweeps at scale: sweep files, lazily generated designs (grid, Latin hypercube,
Sobol'), resumable runs on local processes or a Dask cluster, results as Parquet queried
with DuckDB, Pareto fronts and optimisation::

    from edrive.sweep import load_sweep, run_sweep, query
    sweep = load_sweep("examples/sweep_motor_gear.yaml")
    run_sweep(sweep, "out", workers=2)
    query("out", "SELECT count(*) FROM results")

Names are imported on first use, so that ``edrive``'s command line starts quickly.
"""

from importlib import import_module

_WHERE = {
    "load_sweep": "sweep_file", "Sweep": "sweep_file", "Parameter": "sweep_file",
    "run_sweep": "runner", "RunSummary": "runner", "evaluate_chunk": "evaluate",
    "design_rows": "design", "query": "results", "query_head": "results", "pareto": "results",
    "pareto_mask": "results", "optimize": "optimizer",
}

__all__ = ["Parameter", "RunSummary", "Sweep", "design_rows", "evaluate_chunk", "load_sweep",
           "optimize", "pareto", "pareto_mask", "query", "query_head", "run_sweep"]


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
