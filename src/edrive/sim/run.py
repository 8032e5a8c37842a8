"""One entry point for every powertrain: ``simulate(vehicle, cycle)``."""

from __future__ import annotations

from ..arguments import real_number
from ..powertrains import powertrain_of
from ..vehicle import load_vehicle


def simulate(vehicle, cycle, *, soc_initial: float | None = None, trace_miss: str = "allow",
             strategy: str | None = None):
    """Drive ``vehicle`` (spec, bundled name or YAML path) over ``cycle`` (cycle, bundled
    name or CSV path), through the entry of its powertrain in :mod:`edrive.powertrains`.
    Battery-electric vehicles: :func:`edrive.sim.bev.simulate`;
    conventional vehicles: :func:`edrive.sim.icev.simulate_icev`; hybrids:
    :func:`edrive.sim.hev.simulate_hev` (``strategy`` overrides its energy management). A
    plug-in hybrid's charge-depleting range and utility-factor weighted figures on the same
    cycle are :func:`edrive.sim.phev.utility_weighted` (``edrive simulate`` adds them)."""
    if soc_initial is not None:
        real_number(soc_initial, "soc_initial", "a state of charge (a number from 0 to 1)")
    spec = load_vehicle(vehicle)
    return powertrain_of(spec).simulate(spec, cycle, soc_initial=soc_initial,
                                        trace_miss=trace_miss, strategy=strategy)
