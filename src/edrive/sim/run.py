"""One entry point for every powertrain: ``simulate(vehicle, cycle)``."""

from __future__ import annotations

from ..cycles import load_cycle
from ..errors import EdriveError
from ..vehicle import load_vehicle
from . import bev, hev, icev


def simulate(vehicle, cycle, *, soc_initial: float | None = None, trace_miss: str = "allow",
             strategy: str | None = None):
    """Drive ``vehicle`` (spec, bundled name or YAML path) over ``cycle`` (cycle, bundled
    name or CSV path). Battery-electric vehicles: :func:`edrive.sim.bev.simulate`;
    conventional vehicles: :func:`edrive.sim.icev.simulate_icev`; hybrids:
    :func:`edrive.sim.hev.simulate_hev` (``strategy`` overrides its energy management); for
    plug-in hybrids the summary adds ``plug_in``: charge-depleting range and EU
    utility-factor weighted figures on the same cycle (:func:`edrive.sim.phev.utility_weighted`)."""
    spec = load_vehicle(vehicle)
    if spec.type == "hev":
        cyc = load_cycle(cycle)
        res = hev.simulate_hev(spec, cyc, soc_initial=soc_initial, trace_miss=trace_miss,
                               strategy=strategy)
        if spec.plug_in and soc_initial is None:
            from .phev import utility_weighted

            res.summary["plug_in"] = utility_weighted(spec, cyc)
        return res
    if strategy is not None:
        raise EdriveError("strategy: only hybrids have an energy management to choose")
    if spec.type == "icev":
        if soc_initial is not None:
            raise EdriveError("soc_initial: a conventional vehicle has no traction battery")
        return icev.simulate_icev(spec, load_cycle(cycle), trace_miss=trace_miss)
    return bev.simulate(spec, cycle, soc_initial=soc_initial, trace_miss=trace_miss)
