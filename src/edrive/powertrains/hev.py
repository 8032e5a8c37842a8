"""The hybrid powertrain (``type: hev``, ``plug_in: false``): engine, motors and a traction
battery charged only on board (P2, power-split, series). Its physics is in
:mod:`edrive.sim.hev` (over a cycle, with its energy management) and
:mod:`edrive.sim.performance` (full throttle); it has no range procedure."""

from __future__ import annotations

from ..cycles import load_cycle
from ..hybrid import HevSpec
from ..sim import hev
from ..sim.performance import hev_full_throttle
from .base import Column, Powertrain


def simulate(spec, cycle, *, soc_initial=None, trace_miss="allow", strategy=None,
             cold_start=False):
    """:func:`edrive.sim.hev.simulate_hev` (``strategy`` overrides the energy management;
    ``cold_start``: the engine starts cold)."""
    return hev.simulate_hev(spec, load_cycle(cycle), soc_initial=soc_initial,
                            trace_miss=trace_miss, strategy=strategy, cold_start=cold_start)


def table_notes(reports, soc) -> list[str]:
    """The plug-in figures of each cycle, and the energy management used."""
    lines = []
    for r in reports:
        if "electric_range_km" in r:
            lines.append(f"{r['cycle']} plug-in (EU utility factor {r['utility_factor']:.2f}): "
                         f"electric range {r['electric_range_km']:.1f} km, weighted "
                         f"{r['uf_weighted_fuel_l_per_100km']:.2f} L/100 km, "
                         f"{r['uf_weighted_co2_g_per_km']:.0f} g CO2/km, "
                         f"{r['uf_weighted_electricity_ac_wh_per_km']:.0f} Wh/km (AC)")
    lines.append(f"energy management: {reports[0]['strategy']}; fuel corrected to zero net "
                 "battery energy (SOC balanced)" if soc is None else
                 f"energy management: {reports[0]['strategy']}; no charge-balance correction "
                 "(initial SOC given)")
    return lines


TABLE = (
    Column("cycle", "cycle"),
    Column("distance_km", "km", "{:.2f}"),
    Column("fuel_l_per_100km", "L/100 km", "{:.2f}"),
    Column("co2_g_per_km", "CO2 g/km", "{:.0f}"),
    Column("mpg_us", "mpg (US)", "{:.1f}"),
    Column("soc_end", "SOC %",
           lambda r: f"{r['soc_start'] * 100:.1f}-{r['soc_end'] * 100:.1f}"),
    Column("electric_distance_share", "electric km %", lambda r:
           f"{r['electric_distance_share'] * 100:.0f}"),
    Column("engine_starts", "starts", "{}"),
    Column("trace_missed_s", "trace missed s", "{:.0f}"),
)
SUMMARY_KEYS = ("distance_km", "fuel_l_per_100km", "fuel_l_per_100km_raw", "co2_g_per_km",
                "mpg_us", "soc_start", "soc_end", "electric_distance_share", "engine_starts",
                "trace_missed_s", "trace_max_shortfall_kmh", "energy_audit_residual")
SWEEP_KEYS = ("fuel_l_per_100km", "co2_g_per_km", "mpg_us", "electric_distance_share",
              "soc_end", "distance_km", "trace_missed_s")

POWERTRAIN = Powertrain(
    name="hev", title="hybrid", spec_class=HevSpec,
    simulate=simulate, result_kind=hev.HevResult, full_throttle=hev_full_throttle,
    table=TABLE, summary_keys=SUMMARY_KEYS, sweep_keys=SWEEP_KEYS,
    headline=("fuel_l_per_100km", "fuel [L/100 km]"), plot="hybrid", batch_route="hev",
    accepts=lambda spec: not spec.plug_in, table_notes=table_notes, cold_start=True,
)
