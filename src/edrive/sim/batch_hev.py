"""Many hybrids over one cycle: each car's simulation on threads.

A hybrid's simulation (:func:`edrive.sim.hev.simulate_hev`) spends most of its time in
compiled code that releases the GIL: the candidate table (:mod:`edrive.hybrid_table`), the
causal energy management (:func:`edrive.sim.energy_management._causal_one`) and the battery's
passes (:meth:`edrive.components.battery.Battery.run`), once per run of the charge balance.
:func:`run_hev` runs that one simulation for each car, on ``numba.get_num_threads()`` threads
(:func:`edrive.sim.threads.map_on_threads`), each thread one car at a time, and lets each
car's table go when the car is done: memory holds about one table per thread, whatever the
number of cars. A batched car's summary is the one :func:`edrive.simulate` gives because it
is the same call, including a run in which no control fits the battery's window at some
interval (that interval is driven again more slowly, :mod:`edrive.sim.hev`).

What goes the single route instead (``reason``): ``dynamic programming``, a car whose energy
management is ``dp`` (a backward pass in numpy, which holds the GIL).
"""

from __future__ import annotations

from ..errors import EdriveError
from . import hev
from .threads import map_on_threads

ROUTE = hev.ROUTE
REASON_DP = "dynamic programming"


def hev_reason(spec) -> str | None:
    """Why the hybrid ``spec`` cannot take the compiled route, or None where it can."""
    if spec.energy_management.strategy == "dp":
        return REASON_DP
    return None


def run_hev(specs, cyc, soc_initial: float | None = None) -> list[dict | EdriveError]:
    """Per hybrid of ``specs`` (each one that :func:`hev_reason` passes, ``soc_initial``
    inside its battery's window where given) over ``cyc``: :func:`run_one` of each, on
    threads."""
    return map_on_threads(lambda spec: run_one(spec, cyc, soc_initial), list(specs))


def run_one(spec, cyc, soc_initial: float | None = None) -> dict | EdriveError:
    """The summary of ``edrive.simulate(spec, cyc, soc_initial=soc_initial)`` (without
    ``soc_initial``: charge-balanced from the car's ``soc_target``), or the error that call
    raises; the car's candidate table is let go afterwards."""
    try:
        vm = spec.model()
    except EdriveError as exc:
        return exc
    try:
        return hev.simulate_hev(spec, cyc, soc_initial=soc_initial).summary
    except EdriveError as exc:
        return exc
    finally:
        vm.forget_candidates()
