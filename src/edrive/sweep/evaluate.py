"""One chunk of designs in, one record per design out: the unit of work of every runner.

:func:`evaluate_chunk` knows nothing of files, processes or clusters; the local runner, the
Dask runner and the optimisers all call it. The cycle figures of all designs of a chunk
come from one :func:`edrive.simulate_many_records` call per cycle (battery-electric and
conventional designs in compiled passes, others one by one, the same numbers as
:func:`edrive.simulate`); procedures
run per design with :func:`edrive.test_procedure` and :func:`edrive.performance` (the
physics and references are in those functions).
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from ..errors import EdriveError
from ..powertrains import powertrain_of
from ..spec_paths import copy_for_paths, get_path, set_path
from .outputs import GRADE_SPEEDS_M_S, PROCEDURE_OUTPUTS


@lru_cache(maxsize=32)
def _cycle(source: str):
    from ..cycles import load_cycle

    return load_cycle(source)


def evaluate_chunk(base_spec_dict: dict, design_rows: list[dict], cycles: dict[str, str],
                   procedures: list[str] | tuple[str, ...], outputs: list[str] | tuple[str, ...],
                   *, base_dir: str | None = None) -> list[dict]:
    """Evaluate designs of one base vehicle.

    Parameters
    ----------
    base_spec_dict : dict
        The base vehicle as ``spec.model_dump(mode="json", exclude_none=True)`` (SI units).
    design_rows : list of dict
        ``{"design_id": int, "values": {dotted path: value}}`` per design.
    cycles : dict
        Cycle key (the prefix of its outputs) -> bundled cycle name or CSV path.
    procedures : sequence of str
        Any of ``"wltp"``, ``"epa"``, ``"performance"``.
    outputs : sequence of str
        Output names (:mod:`edrive.sweep.outputs`); only what they need is run.
    base_dir : str, optional
        Folder that relative file names in the vehicle (loss maps) start from.

    Returns
    -------
    list of dict
        Per design, in the order given: ``design_id``, each output (float; NaN where the
        simulation gives none) and ``error`` (None, or the one-line reason the design could
        not be built or simulated; its outputs are then NaN).
    """
    from ..sim.batch import simulate_many_records
    from ..vehicle import vehicle_from_dict

    per_cycle, procs = _plan(outputs, cycles, procedures)
    folder = Path(base_dir) if base_dir else None
    fast = _fast_variants(base_spec_dict, design_rows, procs, outputs, folder)
    if fast is not None:
        return _evaluate_variants(fast, design_rows, per_cycle, cycles, outputs)
    records, specs = [], []
    for row in design_rows:
        rec = {"design_id": int(row["design_id"]), **dict.fromkeys(outputs, math.nan),
               "error": None}
        values = row["values"]
        data = copy_for_paths(base_spec_dict, list(values))
        for path, value in values.items():
            set_path(data, path, value)
        spec = None
        try:
            spec = vehicle_from_dict(data, where="design", base_dir=folder)
        except EdriveError as exc:
            rec["error"] = str(exc)
        records.append(rec)
        specs.append(spec)
    built = [k for k, s in enumerate(specs) if s is not None]
    for key, names in per_cycle.items():
        try:
            summaries = simulate_many_records([specs[k] for k in built], _cycle(cycles[key]))
        except EdriveError as exc:  # the cycle itself is unusable: every design fails
            for k in built:
                records[k]["error"] = str(exc)
            continue
        for k, summary in zip(built, summaries, strict=True):
            if "error" in summary:
                records[k]["error"] = records[k]["error"] or summary["error"]
                continue
            figures = powertrain_of(specs[k]).sweep_keys
            for name in names:
                fig = name[len(key) + 1:]
                if fig in figures:
                    records[k][name] = _number(_figure(summary, fig))
    for k in built:
        if records[k]["error"] is not None:
            continue
        try:
            records[k] |= _procedure_outputs(specs[k], procs, outputs)
        except EdriveError as exc:
            records[k]["error"] = str(exc)
        except Exception as exc:  # noqa: BLE001 - one failing design must not stop a sweep
            records[k]["error"] = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    return records


def _fast_variants(base_spec_dict, design_rows, procs, outputs, folder):
    """The base spec when the chunk can go :func:`edrive.simulate_many`'s variant route (no
    spec per design): cycle outputs only, every varied path derived directly, a base the
    compiled path takes; else None."""
    from ..sim.batch import FAST_PATHS, _eligible
    from ..vehicle import vehicle_from_dict

    if procs or "usable_energy_kwh" in outputs or not design_rows:
        return None
    paths = set().union(*(row["values"] for row in design_rows))
    if not paths <= set(FAST_PATHS):
        return None
    if any(not isinstance(v, int | float) for row in design_rows for v in row["values"].values()):
        return None
    base = vehicle_from_dict(base_spec_dict, where="base", base_dir=folder)
    return base if _eligible(base) else None


def _evaluate_variants(base, design_rows, per_cycle, cycles, outputs) -> list[dict]:
    from ..sim.batch import simulate_many_records

    records = [{"design_id": int(row["design_id"]), **dict.fromkeys(outputs, math.nan),
                "error": None} for row in design_rows]
    paths = sorted(set().union(*(row["values"] for row in design_rows)))
    variants = {p: [float(row["values"].get(p, math.nan)) for row in design_rows]
                for p in paths}
    for p, vals in variants.items():
        if any(math.isnan(v) for v in vals):  # a path not set in every design
            default = float(get_path(base.model_dump(mode="json"), p))
            variants[p] = [default if math.isnan(v) else v for v in vals]
    for key, names in per_cycle.items():
        summaries = simulate_many_records(base, _cycle(cycles[key]), variants=variants)
        for rec, summary in zip(records, summaries, strict=True):
            if "error" in summary:
                rec["error"] = rec["error"] or summary["error"].replace("variant ", "design ")
                continue
            for name in names:
                fig = name[len(key) + 1:]
                if fig in powertrain_of(base).sweep_keys:
                    rec[name] = _number(_figure(summary, fig))
    for rec in records:
        if rec["error"] is not None:
            for name in outputs:
                rec[name] = math.nan
    return records


def _figure(summary: dict, fig: str):
    """A cycle figure (as in ``Result.report()``) from a simulation summary."""
    if fig == "distance_km":
        return summary["distance_m"] / 1e3
    if fig == "recovered_kwh":
        return summary["regen_energy_j"] / 3.6e6
    return summary.get(fig)


def _plan(outputs, cycles: dict[str, str], procedures) -> tuple[dict[str, list[str]], set[str]]:
    keys = sorted(cycles, key=len, reverse=True)  # longest prefix wins
    per_cycle: dict[str, list[str]] = {}
    procs: set[str] = set()
    for name in outputs:
        key = next((k for k in keys if name.startswith(k + "_")), None)
        if key is not None:
            per_cycle.setdefault(key, []).append(name)
            continue
        for proc in procedures:
            if name in PROCEDURE_OUTPUTS[proc]:
                procs.add(proc)
    return per_cycle, procs


def _procedure_outputs(spec, procs, outputs) -> dict:
    from ..powertrains.api import performance, test_procedure

    out: dict = {}
    for proc in procs:
        table = PROCEDURE_OUTPUTS[proc]
        if proc == "performance":
            speeds = tuple(v for k, v in GRADE_SPEEDS_M_S.items() if k in outputs)
            rep = performance(spec, grade_speeds_m_s=speeds).report()
            rep |= rep.pop("max_grade_pct")
        else:
            rep = test_procedure(spec, proc)
        for name, key in table.items():
            if name in outputs:
                out[name] = _number(rep.get(key))
    if "usable_energy_kwh" in outputs:
        out["usable_energy_kwh"] = spec.model().battery.energy_usable_j / 3.6e6
    return out


def _number(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan
