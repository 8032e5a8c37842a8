"""Regulatory test procedures for battery-electric cars, in documented simplified forms.

WLTP (UN GTR No. 15 / EU 2017/1151 Sub-Annex 8). The regulation's consecutive-cycle
procedure (CCP) drives WLTC class 3b cycles back to back from a full charge until the
break-off criterion, then recharges and measures AC energy. Simplifications here:

* consecutive WLTCs are simulated from ``soc_max`` until the state of charge reaches
  ``soc_min`` (the usable window stands in for the break-off criterion), with no soak;
* the range is the distance driven until then (interpolated in the last cycle);
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
"""

from __future__ import annotations

import numpy as np

from ..constants import MILE_M, MPGE_WH_PER_GALLON, WH_J
from ..cycles import load_cycle
from ..errors import EdriveError, format_value
from ..vehicle import load_vehicle
from .bev import simulate

EPA_LABEL_FACTOR = 0.7
EPA_CITY_WEIGHT = 0.55
MAX_CYCLES = 200
PROCEDURES = ("wltp", "epa")


def wltp_range(vehicle) -> dict:
    """WLTP range and AC consumption of a battery-electric car (see module docstring)."""
    spec = _battery_electric(vehicle)
    bat = spec.model().battery
    cyc = load_cycle("wltc")
    soc = bat.soc_max
    dist = 0.0
    chem = 0.0
    first = None
    for n in range(1, MAX_CYCLES + 1):
        res = simulate(spec, cyc, soc_initial=soc)
        first = first or res
        soc_series = res.series["soc"]
        if res.summary["soc_end"] > bat.soc_min:
            dist += res.summary["distance_m"]
            chem += res.summary["battery_chemical_energy_j"]
            soc = res.summary["soc_end"]
            continue
        # the point in this cycle where SOC reaches soc_min, interpolated between samples
        v, t = res.series["speed_m_s"], res.series["time_s"]
        d_cum = np.concatenate([[0.0], np.cumsum(0.5 * (v[1:] + v[:-1]) * np.diff(t))])
        k = max(int(np.argmax(soc_series <= bat.soc_min)), 1)
        frac = (soc_series[k - 1] - bat.soc_min) / max(soc_series[k - 1] - soc_series[k], 1e-15)
        dist += float(d_cum[k - 1] + np.clip(frac, 0, 1) * (d_cum[k] - d_cum[k - 1]))
        chem += bat.energy_between_j(bat.soc_min, soc)
        cycles = n - 1 + float(d_cum[k - 1] / d_cum[-1])
        break
    else:
        raise EdriveError(f"{spec.name}: battery not depleted after {MAX_CYCLES} WLTCs; "
                          "check the battery capacity and the usable window")
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
    }


def epa_label(vehicle) -> dict:
    """EPA two-cycle label values of a battery-electric car (see module docstring)."""
    spec = _battery_electric(vehicle)
    bat = spec.model().battery
    out = {"procedure": "epa", "vehicle": spec.name}
    mpge, rng = {}, {}
    for key, cyc in (("city", "udds"), ("highway", "hwfet")):
        res = simulate(spec, cyc)
        s = res.summary
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
    return out


def test_procedure(vehicle, procedure: str) -> dict:
    """Run ``procedure`` ('wltp' or 'epa', in any case) on a battery-electric vehicle or a
    plug-in hybrid (:func:`edrive.sim.phev.phev_test`)."""
    if not isinstance(procedure, str) or procedure.lower() not in PROCEDURES:
        raise EdriveError(f"procedure: {format_value(procedure)}; allowed: {', '.join(PROCEDURES)}")
    spec = load_vehicle(vehicle)
    if spec.type == "hev":
        from .phev import phev_test

        return phev_test(spec, procedure)
    spec = _battery_electric(spec, "plug-in hybrids")
    return wltp_range(spec) if procedure.lower() == "wltp" else epa_label(spec)


def _battery_electric(vehicle, also: str = ""):
    """The spec of ``vehicle``; an error unless it is battery-electric (or what ``also``
    names, that the caller handles)."""
    spec = load_vehicle(vehicle)
    if spec.type != "bev":
        cars = "battery-electric cars" + (f" and {also}" if also else "")
        raise EdriveError(f"{spec.name}: range procedures apply to {cars}, not to a "
                          f"{spec.type} vehicle")
    return spec


test_procedure.__test__ = False  # not a pytest test despite its name
