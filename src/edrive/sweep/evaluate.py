"""One chunk of designs in, one record per design out: the unit of work of every runner.

:func:`evaluate_chunk` knows nothing of files, processes or clusters; the local runner, the
Dask runner and the optimisers all call it. It simulates each design on its own with
:func:`edrive.simulate`, :func:`edrive.test_procedure` and :func:`edrive.performance` (the
physics and references are in those functions). A batched simulator for many variants of
one vehicle can replace the per-design loop in :func:`_evaluate_designs` without changing
any caller.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from ..errors import EdriveError
from .outputs import CYCLE_FIGURES, GRADE_SPEEDS_M_S, PROCEDURE_OUTPUTS
from .paths import copy_for_paths, set_path


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
    from ..vehicle import vehicle_from_dict

    per_cycle, procs = _plan(outputs, cycles, procedures)
    folder = Path(base_dir) if base_dir else None
    records = []
    for row in design_rows:
        rec = {"design_id": int(row["design_id"]), **dict.fromkeys(outputs, math.nan),
               "error": None}
        values = row["values"]
        data = copy_for_paths(base_spec_dict, list(values))
        for path, value in values.items():
            set_path(data, path, value)
        try:
            spec = vehicle_from_dict(data, where="design", base_dir=folder)
            rec |= _outputs(spec, per_cycle, procs, cycles, outputs)
        except EdriveError as exc:
            rec["error"] = str(exc)
        except Exception as exc:  # noqa: BLE001 - one failing design must not stop a sweep
            rec["error"] = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        records.append(rec)
    return records


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


def _outputs(spec, per_cycle, procs, cycles, outputs) -> dict:
    from ..sim.performance import performance
    from ..sim.procedures import test_procedure
    from ..sim.run import simulate

    out: dict = {}
    figures = CYCLE_FIGURES[spec.type]
    for key, names in per_cycle.items():
        rep = simulate(spec, _cycle(cycles[key])).report()
        for name in names:
            fig = name[len(key) + 1:]
            if fig in figures:
                out[name] = _number(rep.get(fig))
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
