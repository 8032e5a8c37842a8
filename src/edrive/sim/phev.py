"""Plug-in hybrids: charge-depleting then charge-sustaining tests, utility-factor weighting.

Utility factor (:mod:`edrive.procedures.utility_factor`): the share of distance a fleet
drives within a given charge-depleting distance d after a full charge,

    UF(d) = 1 - exp( - sum_i c_i (d / d_n)^i )                                            (1)

* EU WLTP (UN GTR No. 15, Annex 8, Appendix 5; Regulation (EU) 2017/1151, Sub-Annex 8,
  Appendix 5): d_n = 800 km, c_1..c_10 = 26.25, -38.94, -631.05, 5964.83, -25094.6,
  60380.21, -87517.16, 75513.77, -35748.77, 7154.94.
* US (SAE J2841 (2010), Table 2, used by 40 CFR 600.116-12): d_n = 399.9 mi; fleet utility
  factor (FUF, for fleet CO2 and fuel economy) c_1..c_6 = 10.52, -7.282, -26.37, 79.08,
  -77.36, 26.07.

Test sequence (simplified forms of GTR 15 Annex 8 and SAE J1711):

1. charge-depleting (CD) test: the cycle driven back to back from ``soc_max`` with the
   electric-first strategy, until the cycle in which the SOC reaches the sustaining level
   ``soc_target`` (the transition cycle, the last one counted; the confirmation cycle and
   the regulation's 4 % break-off criterion are replaced by this SOC test);
2. charge-sustaining (CS) test: the cycle from ``soc_target``, charge-balanced
   (:func:`edrive.sim.hev.simulate_hev`);
3. weighting, per phase j of the CD cycles (WLTP: the WLTC's four phases; EPA: whole
   UDDS/HWFET cycles) with cumulative distance d_j,

       UF_j = UF(d_j) - UF(d_{j-1})
       FC_weighted = sum_j UF_j FC_CD,j + (1 - sum_j UF_j) FC_CS                             (2)
       EC_weighted = sum_j UF_j EC_CD,j

   for fuel (and CO2) per distance FC and battery electricity per distance EC; the AC
   figure divides by the charger efficiency and the battery's charging efficiency.
4. all-electric range (AER): the distance driven in the CD test before the engine first
   fires; equivalent all-electric range (GTR 15 Annex 8, 4.4.4.1), for plug-ins whose engine
   runs in the CD test,

       EAER = (M_CO2,CS - M_CO2,CD,avg) / M_CO2,CS x R_CDC                                  (3)

   with M_CO2,CD,avg the CO2 per distance over the CD cycles and R_CDC their distance.

5. EPA label (``procedure="epa"``): the charge-sustaining city and highway fuel economy by the
   derived 5-cycle equations of 40 CFR 600.210-08,

       1 / FE_label = a + b / FE_unadjusted,  city a = 0.003259, b = 1.1805;
                                              highway a = 0.001376, b = 1.3466          (4)

   combined 55/45 (harmonic); the charge-depleting electricity (AC) and the electric range
   (UDDS) with the 0.7 factor of the battery-electric label.

Not modelled: the test-mass and road-load derivations of the regulation, the soak, and the
confirmation cycle.
"""

from __future__ import annotations

import numpy as np

from ..constants import EPA_CITY_WEIGHT, EPA_LABEL_FACTOR, MILE_M, WH_J
from ..cycles import DriveCycle, load_cycle
from ..errors import EdriveError
from ..procedures.utility_factor import UF_CURVES, utility_factor
from ..vehicle import load_vehicle
from .hev import simulate_hev
from .icev import US_GALLON_L

MAX_CD_CYCLES = 40
# derived 5-cycle label equations, 1 / FE_label = a + b / FE_unadjusted [FE in mpg]
# (40 CFR 600.210-08, city and highway)
DERIVED_5_CYCLE = {"city": (0.003259, 1.1805), "highway": (0.001376, 1.3466)}


def _segments(cyc: DriveCycle, n: int, by_phase: bool):
    """(start, end) sample indices of each phase (or whole cycle) of ``cyc`` repeated ``n``."""
    step = len(cyc) - 1
    parts = [(p[1], p[2]) for p in cyc.phases] if by_phase and cyc.phases else [(0, step)]
    out = []
    for k in range(n):
        for i0, i1 in parts:
            out.append((k * step + max(i0, 0), k * step + i1))
    return out


def _per_segment(res, segs):
    ts = res.series
    t, v = ts["time_s"], ts["speed_m_s"]
    dt = np.diff(t)
    d = 0.5 * (v[1:] + v[:-1]) * dt
    fuel_g = ts["fuel_rate_g_s"][1:] * dt
    batt_j = ts["battery_power_w"][1:] * dt
    out = []
    prev_end = 0
    for _i0, i1 in segs:
        sl = slice(prev_end, i1)  # intervals prev_end .. i1-1 end at samples up to i1
        out.append((float(d[sl].sum()), float(fuel_g[sl].sum()) / 1e3, float(batt_j[sl].sum())))
        prev_end = i1
    return out


def phev_test(vehicle, procedure: str = "wltp", cycle: str | None = None) -> dict:
    """CD and CS tests and utility-factor weighting of a plug-in hybrid (module docstring).

    ``procedure``: ``wltp`` (WLTC, EU utility factor, per phase) or ``epa`` (UDDS and HWFET,
    SAE J2841 fleet utility factor, per cycle, city and highway)."""
    spec = load_vehicle(vehicle)
    if spec.type != "hev" or not spec.plug_in:
        raise EdriveError(f"{spec.name}: the plug-in hybrid test needs a plug-in hybrid "
                          "(type: hev, plug_in: true)")
    p = procedure.lower()
    if p == "wltp":
        cycles = {"combined": load_cycle(cycle or "wltc")}
        curve, by_phase = "eu_wltp", True
    elif p == "epa":
        cycles = {"city": load_cycle("udds"), "highway": load_cycle("hwfet")}
        curve, by_phase = "sae_j2841_fleet", False
    else:
        raise EdriveError(f"procedure: {procedure!r}; allowed: wltp, epa")
    out = {"procedure": p, "vehicle": spec.name, "utility_factor_curve": UF_CURVES[curve][2]}
    for key, cyc in cycles.items():
        out[key] = utility_weighted(spec, cyc, curve, by_phase)
    out["electric_range_km"] = min(v["electric_range_km"] for v in out.values()
                                   if isinstance(v, dict))
    if p == "epa":
        c, h = out["city"], out["highway"]
        out["combined_fuel_l_per_100km"] = 0.55 * c["fuel_l_per_100km"] + \
            0.45 * h["fuel_l_per_100km"]
        out["combined_co2_g_per_km"] = 0.55 * c["co2_g_per_km"] + 0.45 * h["co2_g_per_km"]
        out |= epa_label_figures(c, h)
    out["simplifications"] = ("CD test ends with the cycle in which SOC reaches soc_target; "
                              "no confirmation cycle or soak; vehicle's own mass and road load")
    return out


def epa_label_figures(city: dict, highway: dict) -> dict:
    """EPA label figures of a plug-in hybrid from its UDDS (city) and HWFET (highway)
    results of :func:`utility_weighted` (eq. (4) of the module docstring): charge-sustaining
    fuel economy by the derived 5-cycle equations, charge-depleting electricity and the
    electric range by the 0.7 factor of the battery-electric label
    (:data:`edrive.constants.EPA_LABEL_FACTOR`)."""

    out = {}
    mpg = {}
    for key, r in (("city", city), ("highway", highway)):
        a, b = DERIVED_5_CYCLE[key]
        unadjusted = 100.0 * US_GALLON_L / r["cs_fuel_l_per_100km"] / (MILE_M / 1e3)
        mpg[key] = 1.0 / (a + b / unadjusted)
        out[f"{key}_cs_label_mpg"] = mpg[key]
        ac_over_dc = r["electricity_ac_wh_per_km"] / r["electricity_dc_wh_per_km"]
        out[f"{key}_cd_label_kwh_per_100mi"] = (r["cd_electricity_dc_wh_per_km"] * ac_over_dc
                                                * MILE_M / 1e3 / 10.0 / EPA_LABEL_FACTOR)
    w = EPA_CITY_WEIGHT
    out["combined_cs_label_mpg"] = 1.0 / (w / mpg["city"] + (1 - w) / mpg["highway"])
    out["label_electric_range_mi"] = EPA_LABEL_FACTOR * city["electric_range_km"] * 1e3 / MILE_M
    return out


def utility_weighted(spec, cyc: DriveCycle, curve: str = "eu_wltp",
                     by_phase: bool = True) -> dict:
    """CD test, CS test and eq. (2) on one cycle (per phase or per whole cycle)."""
    vm = spec.model()
    b = vm.battery
    fuel = vm.engine.fuel
    # how many cycles the charge lasts: from one cycle's battery use, plus margin
    # the test's first cycle starts cold (WLTP Type 1 tests; the FTP's bag 1), the EPA
    # highway test hot
    cold = cyc.name not in ("hwfet",)
    one = simulate_hev(spec, cyc, charge_depleting=True, cold_start=cold)
    used = max(b.energy_between_j(one.summary["soc_end"], b.soc_max), 1.0)
    window = b.energy_between_j(spec.soc_target, b.soc_max)
    n = int(min(MAX_CD_CYCLES, np.ceil(window / used) + 2))
    long = cyc.repeated(n) if n > 1 else cyc
    res = simulate_hev(spec, long, charge_depleting=True, cold_start=cold)
    soc = res.series["soc"]
    step = len(cyc) - 1
    # the transition cycle: the first in which the SOC comes down to the sustaining level
    lows = np.array([soc[k * step:(k + 1) * step + 1].min() for k in range(n)])
    reached = np.flatnonzero(lows <= spec.soc_target + 0.005)
    if reached.size == 0:
        raise EdriveError(f"{spec.name}: battery not depleted to soc_target after {n} "
                          f"{cyc.name} cycles (at most {MAX_CD_CYCLES})")
    n_cd = int(reached[0]) + 1
    segs = _segments(cyc, n_cd, by_phase)
    parts = _per_segment(res, segs)
    d = np.array([x[0] for x in parts])
    f = np.array([x[1] for x in parts])
    e = np.array([x[2] for x in parts])
    cum = np.cumsum(d)
    uf = np.diff(np.concatenate([[0.0], utility_factor(cum, curve)]))
    cs = simulate_hev(spec, cyc, cold_start=cold)
    cs_kg_per_m = cs.summary["fuel_kg"] / cs.summary["distance_m"]
    fc_kg_per_m = float(np.sum(uf * f / d) + (1 - uf.sum()) * cs_kg_per_m)
    ec_j_per_m = float(np.sum(uf * e / d))
    ch = spec.charger
    ac = ec_j_per_m / (b.charge_efficiency(ch.efficiency * ch.power_w) * ch.efficiency)
    on = res.series["engine_on"]
    v, t = res.series["speed_m_s"], res.series["time_s"]
    dist_cum = np.concatenate([[0.0], np.cumsum(0.5 * (v[1:] + v[:-1]) * np.diff(t))])
    aer = float(dist_cum[int(np.argmax(on))]) if on.any() else float(dist_cum[-1])
    l_per_100km = lambda kg_per_m: kg_per_m / fuel.density_kg_m3 * 1e3 * 1e5
    return {
        "cycle": cyc.name,
        "cd_cycles": n_cd,
        "cd_distance_km": float(cum[-1] / 1e3),
        "electric_range_km": aer / 1e3,
        "utility_factor": float(uf.sum()),
        "fuel_l_per_100km": l_per_100km(fc_kg_per_m),
        "co2_g_per_km": fc_kg_per_m * fuel.co2_kg_per_kg * 1e6,
        "mpg_us": US_GALLON_L / (fc_kg_per_m / fuel.density_kg_m3 * 1e3 * MILE_M)
        if fc_kg_per_m > 0 else np.inf,
        "electricity_dc_wh_per_km": ec_j_per_m / WH_J * 1e3,
        "electricity_ac_wh_per_km": ac / WH_J * 1e3,
        "cs_fuel_l_per_100km": cs.summary["fuel_l_per_100km"],
        "cs_co2_g_per_km": cs.summary["co2_g_per_km"],
        "cd_fuel_l_per_100km": l_per_100km(float(f.sum() / d.sum())),
        "equivalent_electric_range_km": float(
            max(cs_kg_per_m - f.sum() / d.sum(), 0.0) / cs_kg_per_m * cum[-1] / 1e3)
        if cs_kg_per_m > 0 else float(cum[-1] / 1e3),
        "cd_electricity_dc_wh_per_km": float(e.sum() / d.sum()) / WH_J * 1e3,
    }
