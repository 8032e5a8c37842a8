"""The conventional powertrain (``type: icev``): a petrol or diesel engine and a stepped
transmission. Its physics is in :mod:`edrive.sim.icev` (over a cycle) and
:mod:`edrive.sim.performance` (full throttle); it has no range procedure."""

from __future__ import annotations

from ..cycles import load_cycle
from ..errors import EdriveError
from ..sim import icev
from ..sim.performance import icev_full_throttle
from ..vehicle import IcevSpec
from .base import Column, Powertrain


def simulate(spec, cycle, *, soc_initial=None, trace_miss="allow", strategy=None):
    """:func:`edrive.sim.icev.simulate_icev`; no battery, no energy management."""
    if strategy is not None:
        raise EdriveError("strategy: only hybrids have an energy management to choose")
    if soc_initial is not None:
        raise EdriveError("soc_initial: a conventional vehicle has no traction battery")
    return icev.simulate_icev(spec, load_cycle(cycle), trace_miss=trace_miss)


POWERTRAIN = Powertrain(
    name="icev", title="petrol or diesel", spec_class=IcevSpec,
    simulate=simulate, result_kind=icev.IcevResult, full_throttle=icev_full_throttle,
    table=(
        Column("cycle", "cycle"),
        Column("distance_km", "km", "{:.2f}"),
        Column("fuel_l_per_100km", "L/100 km", "{:.2f}"),
        Column("co2_g_per_km", "CO2 g/km", "{:.0f}"),
        Column("mpg_us", "mpg (US)", "{:.1f}"),
        Column("gear_shifts", "shifts", "{}"),
        Column("trace_missed_s", "trace missed s", "{:.0f}"),
    ),
    summary_keys=("distance_km", "fuel_l_per_100km", "co2_g_per_km", "mpg_us", "fuel_l",
                  "engine_efficiency", "gear_shifts", "trace_missed_s",
                  "trace_max_shortfall_kmh", "energy_audit_residual"),
    sweep_keys=("fuel_l_per_100km", "co2_g_per_km", "mpg_us", "distance_km", "trace_missed_s"),
    headline=("fuel_l_per_100km", "fuel [L/100 km]"),
    plot="engine", batch_route="icev",
)
