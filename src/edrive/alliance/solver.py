"""Linear and mixed-integer programmes on HiGHS, through SciPy, with what a planner must see:
the solver's status, the objective, the best bound, the optimality gap and the time.

Every planning model of :mod:`edrive.alliance` (family choice, production) states its
programme as ``min c'x`` subject to ``lb <= A x <= ub`` and bounds on ``x``, some entries
integer, and calls :func:`solve_milp`; :func:`solve_lp` solves a linear programme and also
returns the duals (shadow prices) of its rows. SciPy's ``milp`` and ``linprog(method=
"highs")`` run the HiGHS solver (Huangfu & Hall, *Parallelizing the dual revised simplex
method*, Math. Prog. Comp. 10, 2018; branch and bound with cuts for integers); no other
solver is needed. The gap is HiGHS's relative gap ``|objective - bound| / max(|objective|,
1e-9)``; a time limit returns the best solution found with its gap.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from ..errors import EdriveError, format_value

DEFAULT_TIME_LIMIT_S = 60.0
DEFAULT_MIP_GAP = 1e-4

_MILP_STATUS = {0: "optimal", 1: "time limit reached", 2: "infeasible", 3: "unbounded",
                4: "solver error"}


@dataclass(frozen=True)
class Solution:
    """What HiGHS returned: ``x`` (None without a feasible point), the objective, the best
    bound, the relative gap, the status in words, and the solve time [s]."""

    x: np.ndarray | None
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float
    duals_ub: np.ndarray | None = None  # LP only: d objective / d ub of each row
    duals_lb: np.ndarray | None = None  # LP only: d objective / d lb of each row

    @property
    def feasible(self) -> bool:
        return self.x is not None

    def report(self) -> dict:
        """The solver's figures for a report (JSON-ready)."""
        return {"status": self.status, "objective": self.objective, "bound": self.bound,
                "gap": self.gap, "seconds": self.seconds, "solver": "HiGHS (scipy)"}


def check_settings(time_limit_s: float, mip_gap: float) -> None:
    """Refuse a time limit that is not a finite number above 0 or a gap outside [0, 1) (a
    model that needs no solve checks its settings here too)."""
    numbers = all(isinstance(v, (int, float, np.integer, np.floating))
                  and not isinstance(v, (bool, np.bool_)) for v in (time_limit_s, mip_gap))
    if not (numbers and 0 < time_limit_s < math.inf and 0 <= mip_gap < 1):
        raise EdriveError(f"solver: time limit {format_value(time_limit_s)} s and gap "
                          f"{format_value(mip_gap)}; allowed: a finite time limit above 0 and "
                          "a gap from 0 to below 1")


def solve_milp(c, a, lb, ub, *, integrality=None, x_lb=0.0, x_ub=np.inf,
               time_limit_s: float = DEFAULT_TIME_LIMIT_S,
               mip_gap: float = DEFAULT_MIP_GAP) -> Solution:
    """``min c'x`` s.t. ``lb <= a x <= ub``, ``x_lb <= x <= x_ub``, ``x[j]`` integer where
    ``integrality[j]`` is 1 (``a`` dense or scipy sparse)."""
    check_settings(time_limit_s, mip_gap)
    c = np.asarray(c, dtype=float)
    constraints = [LinearConstraint(a, lb, ub)] if a is not None and a.shape[0] else []
    start = time.perf_counter()
    res = milp(c, integrality=integrality, bounds=Bounds(x_lb, x_ub), constraints=constraints,
               options={"time_limit": float(time_limit_s), "mip_rel_gap": float(mip_gap),
                        "disp": False})
    seconds = time.perf_counter() - start
    status = _MILP_STATUS.get(res.status, f"status {res.status}")
    if res.x is None:
        return Solution(None, np.nan, np.nan, np.nan, status, seconds)
    objective = float(res.fun)
    bound = float(getattr(res, "mip_dual_bound", objective))
    if not np.isfinite(bound):
        bound = objective
    gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
    if integrality is None or not np.any(integrality):
        bound, gap = objective, 0.0
    return Solution(np.asarray(res.x), objective, bound, gap, status, seconds)


def solve_lp(c, a_ub=None, b_ub=None, a_eq=None, b_eq=None, *, x_lb=0.0, x_ub=None,
             time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> Solution:
    """``min c'x`` s.t. ``a_ub x <= b_ub``, ``a_eq x = b_eq``, bounds; the duals of the rows
    are returned as ``duals_ub`` (inequalities, <= 0 for a binding ``<=`` row of a
    minimisation) and ``duals_lb`` (equalities)."""
    start = time.perf_counter()
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(x_lb, x_ub),
                  method="highs", options={"time_limit": float(time_limit_s)})
    seconds = time.perf_counter() - start
    status = {0: "optimal", 1: "iteration or time limit reached", 2: "infeasible",
              3: "unbounded", 4: "solver error"}.get(res.status, f"status {res.status}")
    if res.x is None or res.status != 0:
        return Solution(None, np.nan, np.nan, np.nan, status, seconds)
    ineq = res.ineqlin.marginals if a_ub is not None else None
    eq = res.eqlin.marginals if a_eq is not None else None
    return Solution(np.asarray(res.x), float(res.fun), float(res.fun), 0.0, status, seconds,
                    duals_ub=ineq, duals_lb=eq)
