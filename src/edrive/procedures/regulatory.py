"""Regulatory test procedures for battery-electric cars, in documented simplified forms.

WLTP (UN GTR No. 15 / EU 2017/1151 Sub-Annex 8). The regulation's consecutive-cycle
procedure (CCP) drives WLTC class 3b cycles back to back from a full charge until the
break-off criterion, then recharges and measures AC energy. Simplifications here:

* consecutive WLTCs are simulated from ``soc_max`` until the battery is empty, i.e. its
  state of charge reaches ``soc_min`` (the usable window stands in for the break-off
  criterion), with no soak; at most ``MAX_CYCLES`` of them (200, or the environment
  variable ``EDRIVE_MAX_RANGE_CYCLES``): a car that would need more (estimated from the
  first cycle) or that does not move on the WLTC is reported as an error, not driven;
* the range is the distance driven until the battery is empty;
* AC consumption = recharge energy from the wall / range, with the charger efficiency and
  the battery's charging loss at the charger's power;
* the shortened test procedure (STP) and its constant-speed segments are not modelled, nor
  are the test-mass and road-load derivations: the vehicle file's own mass and road load are
  used.

EPA two-cycle label for electric vehicles (40 CFR 600.116-12(a) with SAE J1634 and the
derived 5-cycle adjustment of 40 CFR 600.210-12, as allowed by EPA guidance CD-15-15):

* unadjusted city and highway consumption = AC energy per mile on the UDDS and the HWFET;
* label values = unadjusted MPGe x 0.7 (i.e. consumption / 0.7); combined = 55 % city /
  45 % highway harmonic mean;
* unadjusted range per cycle = usable battery energy / battery energy per mile on that
  cycle; label range = 0.7 x (0.55 city + 0.45 highway unadjusted range).
  Simplification: one cycle per phase instead of the multi-cycle test with its steady-state
  segments; some makers use the full 5-cycle test with other factors (e.g. 0.73-0.74).

A car that cannot follow the test cycle (too weak, or capped below the cycle's top speed)
is driven as closely as it can; the result then carries a ``notes`` entry saying by how
much it fell behind, since the figures are those of the cycle as driven.
"""

from __future__ import annotations

import math

import numpy as np

from ..constants import EPA_CITY_WEIGHT, EPA_LABEL_FACTOR, MILE_M, MPGE_WH_PER_GALLON, WH_J
from ..cycles import load_cycle
from ..errors import EdriveError
from ..limits import limit
from ..sim.bev import simulate
from ..vehicle import VehicleSpec, load_vehicle

MAX_CYCLES = 200
PROCEDURES = ("wltp", "epa")
"""Most WLTCs the WLTP range test drives; the environment variable EDRIVE_MAX_RANGE_CYCLES
overrides it."""


def max_cycles() -> int:
    """The WLTP range test's cycle limit: ``EDRIVE_MAX_RANGE_CYCLES`` or :data:`MAX_CYCLES`."""
    return limit("EDRIVE_MAX_RANGE_CYCLES", MAX_CYCLES)


def _trace_note(cycle: str, summaries) -> dict:
    """A ``notes`` entry where the car fell behind the trace (empty where it did not)."""
    missed = [s for s in summaries if s["trace_missed_s"] > 0]
    if not missed:
        return {}
    worst = max(s["trace_max_shortfall_m_s"] for s in missed) * 3.6
    seconds = sum(s["trace_missed_s"] for s in missed)
    return {"notes": {"trace": (
        f"the car cannot follow the {cycle} trace: up to {worst:.0f} km/h below it for "
        f"{seconds:.0f} s; the figures are those of the cycle as driven, not a valid test "
        "result")}}


def wltp_range(vehicle, progress=None) -> dict:
    """WLTP range and AC consumption of a battery-electric car (see module docstring).

    ``progress(cycles_done, cycles_expected)`` is called after each WLTC."""
    spec = _battery_electric(vehicle)
    bat = spec.model().battery
    cyc = load_cycle("wltc")
    limit = max_cycles()
    first = simulate(spec, cyc, soc_initial=bat.soc_max)
    if first.summary["distance_m"] <= 0:
        raise EdriveError(f"{spec.name} cannot complete the WLTP range test: it does not move "
                          "on the WLTC")
    used = bat.energy_between_j(first.summary["soc_end"], bat.soc_max)
    expected = (math.ceil(bat.energy_usable_j / used) if used > 0 else math.inf)
    if first.summary["battery_empty_at_s"] is None and expected > limit:
        raise EdriveError(
            f"{spec.name}: the WLTP range test would take about {expected} WLTCs to empty the "
            f"battery ({used / 3.6e3:.0f} Wh per cycle); the limit is {limit} "
            "(EDRIVE_MAX_RANGE_CYCLES)")
    soc = bat.soc_max
    dist = chem = 0.0
    res = first
    for n in range(1, limit + 1):
        if n > 1:
            res = simulate(spec, cyc, soc_initial=soc)
        if progress is not None:
            progress(n, max(expected, n))
        empty_at = res.summary["battery_empty_at_s"]
        if empty_at is None:
            dist += res.summary["distance_m"]
            chem += res.summary["battery_chemical_energy_j"]
            soc = res.summary["soc_end"]
            continue
        # the distance driven until the battery is empty
        v, t = res.series["speed_m_s"], res.series["time_s"]
        d_cum = np.concatenate([[0.0], np.cumsum(0.5 * (v[1:] + v[:-1]) * np.diff(t))])
        k = int(np.searchsorted(t, empty_at))
        dist += float(d_cum[k])
        chem += bat.energy_between_j(bat.soc_min, soc)
        cycles = n - 1 + float(d_cum[k]) / first.summary["distance_m"]
        break
    else:
        raise EdriveError(f"{spec.name}: battery not empty after {limit} WLTCs; the limit is "
                          f"{limit} (EDRIVE_MAX_RANGE_CYCLES)")
    if dist <= 0:
        raise EdriveError(f"{spec.name} cannot complete the WLTP range test: its battery is "
                          "empty before it moves")
    ch = spec.charger
    wall = chem / (bat.charge_efficiency(ch.efficiency * ch.power_w) * ch.efficiency)
    return {
        "procedure": "wltp",
        "vehicle": spec.name,
        "cycles_driven": cycles,
        "range_km": dist / 1e3,
        "consumption_ac_wh_per_km": wall / WH_J / (dist / 1e3),
        "first_cycle_wall_wh_per_km": first.summary["wall_wh_per_km"],
        "first_cycle_trace_missed_s": first.summary["trace_missed_s"],
        "usable_energy_kwh": bat.energy_usable_j / 3.6e6,
        "simplifications": "consecutive WLTC 3b from soc_max to soc_min; no STP, no soak; "
                           "vehicle's own mass and road load",
    } | _trace_note("WLTC", [first.summary])


def epa_label(vehicle) -> dict:
    """EPA two-cycle label values of a battery-electric car (see module docstring)."""
    spec = _battery_electric(vehicle)
    bat = spec.model().battery
    out = {"procedure": "epa", "vehicle": spec.name}
    mpge, rng, summaries = {}, {}, []
    for key, cyc in (("city", "udds"), ("highway", "hwfet")):
        res = simulate(spec, cyc)
        s = res.summary
        summaries.append(s)
        if s["battery_empty_at_s"] is not None:
            raise EdriveError(f"{spec.name} cannot complete the EPA test: its battery is empty "
                              f"{s['battery_empty_at_s']:.0f} s into the {cyc.upper()}")
        wall_wh_mi = s["wall_wh_per_km"] * MILE_M / 1e3
        mpge[key] = MPGE_WH_PER_GALLON / wall_wh_mi
        chem_wh_mi = s["battery_chemical_energy_j"] / WH_J / (s["distance_m"] / MILE_M)
        rng[key] = bat.energy_usable_j / WH_J / chem_wh_mi
        out[f"{key}_unadjusted_mpge"] = mpge[key]
        out[f"{key}_unadjusted_wall_wh_per_mi"] = wall_wh_mi
        out[f"{key}_label_mpge"] = EPA_LABEL_FACTOR * mpge[key]
        out[f"{key}_unadjusted_range_mi"] = rng[key]
        out[f"{key}_trace_missed_s"] = s["trace_missed_s"]
    w = EPA_CITY_WEIGHT
    out["combined_label_mpge"] = 1.0 / (w / out["city_label_mpge"] + (1 - w) / out["highway_label_mpge"])
    out["combined_label_kwh_per_100mi"] = MPGE_WH_PER_GALLON / out["combined_label_mpge"] / 10.0
    out["label_range_mi"] = EPA_LABEL_FACTOR * (w * rng["city"] + (1 - w) * rng["highway"])
    out["label_range_km"] = out["label_range_mi"] * MILE_M / 1e3
    out["simplifications"] = ("one UDDS and one HWFET instead of the multi-cycle test; "
                              "derived 5-cycle factor 0.7")
    return out | _trace_note("UDDS or HWFET", summaries)


def _battery_electric(vehicle):
    """The spec of ``vehicle``; an error unless it is battery-electric."""
    spec = load_vehicle(vehicle)
    if not isinstance(spec, VehicleSpec):
        raise EdriveError(f"{spec.name}: range procedures apply to battery-electric cars, not "
                          f"to a {spec.type} vehicle")
    return spec

