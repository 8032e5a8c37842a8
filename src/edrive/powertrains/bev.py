"""The battery-electric powertrain (``type: bev``): one or two drive units and a traction
battery. Its physics is in :mod:`edrive.sim.bev` (over a cycle), :mod:`edrive.sim.performance`
(full throttle) and :mod:`edrive.procedures.regulatory` (WLTP and EPA range)."""

from __future__ import annotations

from ..errors import EdriveError
from ..procedures.regulatory import epa_label, wltp_range
from ..sim import bev
from ..sim.performance import bev_full_throttle
from ..vehicle import VehicleSpec
from .base import Column, Powertrain


def simulate(spec, cycle, *, soc_initial=None, trace_miss="allow", strategy=None):
    """:func:`edrive.sim.bev.simulate`; ``strategy`` is for hybrids only."""
    if strategy is not None:
        raise EdriveError("strategy: only hybrids have an energy management to choose")
    return bev.simulate(spec, cycle, soc_initial=soc_initial, trace_miss=trace_miss)


POWERTRAIN = Powertrain(
    name="bev", title="battery-electric", spec_class=VehicleSpec,
    simulate=simulate, result_kind=bev.Result, full_throttle=bev_full_throttle,
    procedures={"wltp": lambda spec, progress=None: wltp_range(spec, progress),
                "epa": lambda spec, progress=None: epa_label(spec)},
    table=(
        Column("cycle", "cycle"),
        Column("distance_km", "km", "{:.2f}"),
        Column("battery_wh_per_km", "battery Wh/km", "{:.1f}"),
        Column("wall_wh_per_km", "wall Wh/km", "{:.1f}"),
        Column("recovered_kwh", "regen kWh", "{:.3f}"),
        Column("soc_end", "SOC end %", lambda r: f"{r['soc_end'] * 100:.1f}"),
        Column("trace_missed_s", "trace missed s", "{:.0f}"),
    ),
    summary_keys=("distance_km", "battery_wh_per_km", "wall_wh_per_km", "battery_kwh",
                  "wall_kwh", "recovered_kwh", "soc_start", "soc_end", "trace_missed_s",
                  "trace_max_shortfall_kmh", "energy_audit_residual"),
    sweep_keys=("wall_wh_per_km", "battery_wh_per_km", "recovered_kwh", "soc_end",
                "distance_km", "trace_missed_s"),
    vehicle_keys=("usable_energy_kwh",),
    headline=("wall_wh_per_km", "wall energy [Wh/km]"),
    plot="electric", batch_route="bev", drive_units=True, tailpipe=False,
)
