"""The plug-in hybrid powertrain (``type: hev``, ``plug_in: true``): a hybrid whose battery
is also charged from the grid. Over a cycle it drives as a hybrid (:mod:`edrive.sim.hev`);
its charge-depleting range and utility-factor weighted figures are :mod:`edrive.sim.phev`,
which also gives its WLTP and EPA procedures."""

from __future__ import annotations

from dataclasses import replace

from ..cycles import load_cycle
from ..sim.phev import phev_test, utility_weighted
from . import hev


def _extras(spec, cycle) -> dict:
    """The charge-depleting range and utility-factor weighted figures on ``cycle``."""
    return utility_weighted(spec, load_cycle(cycle))


POWERTRAIN = replace(
    hev.POWERTRAIN, name="phev", title="plug-in hybrid",
    procedures={"wltp": lambda spec, progress=None: phev_test(spec, "wltp"),
                "epa": lambda spec, progress=None: phev_test(spec, "epa")},
    accepts=lambda spec: spec.plug_in, cycle_extras=_extras,
)
