"""Optimise a sweep's parameters instead of sampling them.

* One objective: differential evolution (Storn & Price, J. Global Optim. 11, 1997) from
  :func:`scipy.optimize.differential_evolution`, within the parameters' bounds, whole-number
  and level parameters as integer variables, the whole population evaluated as one batch.
  Constraints follow Deb's feasibility rules (Comput. Methods Appl. Mech. Eng. 186, 2000)
  through the penalty ``PENALTY + total violation`` in place of the objective: any feasible
  design beats any infeasible one (objectives must stay below ``PENALTY`` in size), and
  among infeasible designs the smaller violation wins. Designs that cannot be built or
  simulated score ``INVALID``.
* Several objectives: NSGA-II (Deb et al., IEEE Trans. Evol. Comput. 6(2), 2002) from pymoo
  (Blank & Deb, IEEE Access 8, 2020), an optional dependency: ``pip install
  'edrive[optimize]'``; constraints as pymoo inequality constraints g <= 0.

Every design is evaluated by :func:`edrive.sweep.evaluate.evaluate_chunk`, as in a sweep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import EdriveError
from .evaluate import evaluate_chunk
from .limits import check_limit
from .runner import PRELOAD, check_workers, finish_record
from .sweep_file import Parameter, Sweep

PENALTY = 1e15
INVALID = 1e30


@dataclass
class OptimizeResult:
    method: str
    evaluations: int
    message: str
    columns: list[str]
    rows: list[tuple]


def _bounds(p: Parameter) -> tuple[float, float, bool]:
    """Optimiser bounds of a parameter and whether it is an integer variable (levels are
    chosen by their position)."""
    if p.is_range:
        return float(p.low), float(p.high), p.integer
    return 0.0, float(len(p.levels) - 1), True


def decode(sweep: Sweep, x: np.ndarray) -> dict:
    """Parameter values (SI) of one optimiser vector."""
    values = {}
    for p, xi in zip(sweep.parameters, x, strict=True):
        lo, hi, integer = _bounds(p)
        v = min(max(float(xi), lo), hi)
        if not p.is_range:
            values[p.path] = p.levels[int(round(v))]
        else:
            values[p.path] = int(round(v)) if integer else v
    return values


def _evaluate_rows(sweep: Sweep, rows: list[dict]) -> list[dict]:
    recs = evaluate_chunk(sweep.base_dict, rows, sweep.cycles, sweep.procedures, sweep.outputs,
                          base_dir=sweep.base_dir)
    return [finish_record(sweep, r["values"], rec) for r, rec in zip(rows, recs, strict=True)]


class _Evaluator:
    """Evaluates populations, splitting each across local worker processes, and keeps every
    record (design ids count up from 0 in order of evaluation)."""

    def __init__(self, sweep: Sweep, workers: int):
        self.sweep, self.workers = sweep, workers
        self.history: list[dict] = []
        self.pool = None
        if workers > 1:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload([*PRELOAD, "edrive.sweep.optimizer"])
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)

    def __call__(self, X: np.ndarray) -> list[dict]:
        start = len(self.history)
        rows = [{"design_id": start + i, "values": decode(self.sweep, x)}
                for i, x in enumerate(X)]
        if self.pool is None:
            recs = _evaluate_rows(self.sweep, rows)
        else:
            parts = [rows[i::self.workers] for i in range(self.workers)]
            futs = [self.pool.submit(_evaluate_rows, self.sweep, part) for part in parts if part]
            recs = sorted((r for f in futs for r in f.result()), key=lambda r: r["design_id"])
        self.history += recs
        return recs

    def close(self):
        if self.pool is not None:
            self.pool.shutdown()


def _objectives(sweep: Sweep) -> list[tuple[str, float]]:
    """(column, sign): sign +1 to minimise, -1 to maximise."""
    return [(o["minimize"], 1.0) if o["minimize"] else (o["maximize"], -1.0)
            for o in sweep.optimize["objectives"]]


def _violation(sweep: Sweep, rec: dict) -> float:
    return sum(c.violation(rec[c.column]) for c in sweep.constraints)


def optimize(sweep: Sweep, *, workers: int = 1) -> OptimizeResult:
    """Run the ``optimize`` section of ``sweep`` (see the module docstring)."""
    if sweep.optimize is None:
        raise EdriveError(f"{sweep.where}: optimize: section missing; allowed: optimize: "
                          "{objectives: [{minimize: OUTPUT}], generations: 20, population: 16}")
    check_workers(workers)
    objectives = _objectives(sweep)
    method = sweep.optimize["method"]
    if method == "auto":
        method = "differential_evolution" if len(objectives) == 1 else "nsga2"
    if method == "differential_evolution" and len(objectives) > 1:
        raise EdriveError(f"{sweep.where}: optimize.method: 'differential_evolution' takes one "
                          f"objective, not {len(objectives)}; allowed: nsga2 or auto")
    opt = sweep.optimize
    population = (_de_popsize(sweep) * len(sweep.parameters) if method != "nsga2"
                  else opt["population"])
    check_limit(f"{sweep.where}: optimize: population x (generations + 1)",
                population * (opt["generations"] + 1), "designs to evaluate", "MAX_EVALUATIONS")
    ev = _Evaluator(sweep, workers)
    try:
        if method == "nsga2":
            return _nsga2(sweep, ev, objectives)
        return _de(sweep, ev, objectives[0])
    finally:
        ev.close()


def _rows(sweep: Sweep, records: list[dict]) -> tuple[list[str], list[tuple]]:
    cols = sweep.columns
    return cols, [tuple(r[c] for c in cols) for r in records]


def _de_popsize(sweep: Sweep) -> int:
    """scipy's ``popsize``: designs per generation over the number of parameters (the
    population rounded up to a multiple of it)."""
    return max(1, -(-sweep.optimize["population"] // len(sweep.parameters)))


def _de(sweep: Sweep, ev: _Evaluator, objective: tuple[str, float]) -> OptimizeResult:
    from scipy.optimize import differential_evolution

    col, sign = objective
    bounds = [_bounds(p) for p in sweep.parameters]
    opt = sweep.optimize

    def score(rec: dict) -> float:
        if rec["error"] is not None:
            return INVALID
        v = rec[col]
        if v is None or not math.isfinite(v):
            return INVALID
        violation = _violation(sweep, rec)
        return PENALTY + violation if violation > 0 else sign * v

    def fun(X: np.ndarray) -> np.ndarray:  # X: (n_parameters, n_designs)
        return np.array([score(r) for r in ev(np.atleast_2d(X.T))])

    res = differential_evolution(
        fun, [(lo, hi) for lo, hi, _ in bounds], maxiter=opt["generations"],
        popsize=_de_popsize(sweep), seed=opt["seed"], polish=False,
        integrality=[i for _, _, i in bounds], vectorized=True, updating="deferred", tol=1e-8)
    best = min(ev.history, key=score)
    cols, rows = _rows(sweep, [best])
    state = "feasible" if best["feasible"] else "no feasible design found"
    return OptimizeResult("differential evolution", len(ev.history),
                          f"best {col} = {best[col]:.6g} ({state}); {res.message}", cols, rows)


def _nsga2(sweep: Sweep, ev: _Evaluator, objectives: list[tuple[str, float]]) -> OptimizeResult:
    try:
        from pymoo.algorithms.moo.nsga2 import NSGA2
        from pymoo.core.problem import Problem
        from pymoo.optimize import minimize
    except ImportError:
        raise EdriveError("optimize: several objectives need pymoo, which is not installed; "
                          "install it with: pip install 'edrive[optimize]'") from None
    bounds = np.array([_bounds(p)[:2] for p in sweep.parameters])
    n_con = len(sweep.constraints)

    def g_of(rec: dict, c) -> float:
        v = rec[c.column]
        if rec["error"] is not None or v is None or not math.isfinite(v):
            return INVALID
        return v - c.value if c.op in ("<=", "<") else c.value - v

    class _Problem(Problem):
        def __init__(self):
            super().__init__(n_var=len(bounds), n_obj=len(objectives), n_ieq_constr=n_con,
                             xl=bounds[:, 0], xu=bounds[:, 1])

        def _evaluate(self, X, out, *args, **kwargs):
            recs = ev(X)
            F = [[sign * r[col] if r["error"] is None and math.isfinite(r[col]) else INVALID
                  for col, sign in objectives] for r in recs]
            out["F"] = np.array(F)
            if n_con:
                out["G"] = np.array([[g_of(r, c) for c in sweep.constraints] for r in recs])

    opt = sweep.optimize
    res = minimize(_Problem(), NSGA2(pop_size=opt["population"]), ("n_gen", opt["generations"]),
                   seed=opt["seed"], verbose=False)
    if res.X is None:
        cols, rows = _rows(sweep, [])
        return OptimizeResult("NSGA-II", len(ev.history), "no feasible design found", cols, rows)
    X = np.atleast_2d(res.X)
    keys = {tuple(decode(sweep, x).values()) for x in X}
    front, seen = [], set()
    for rec in ev.history:
        key = tuple(rec[p.name] for p in sweep.parameters)
        if key in keys and key not in seen and rec["error"] is None:
            seen.add(key)
            front.append(rec)
    front.sort(key=lambda r: objectives[0][1] * r[objectives[0][0]])
    cols, rows = _rows(sweep, front)
    return OptimizeResult("NSGA-II", len(ev.history),
                          f"{len(front)} non-dominated designs after {opt['generations']} "
                          "generations", cols, rows)
