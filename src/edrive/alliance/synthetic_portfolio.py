"""Synthetic portfolios of any size, for benchmarks and tests of the alliance planner.

:func:`synthetic_portfolio` builds a valid :class:`~edrive.alliance.portfolio.PortfolioSpec`
of P programmes, V variants, B battery options, plants, markets, years and partners from a
seed, the same seed giving the same portfolio:

* programme i is a car line of partner i mod n, on the bundled battery-electric car
  :data:`BASE_CARS` [i mod 8] (one of them all-wheel drive), with requirements that most
  variants and packs meet (0-100 km/h in 9 to 11 s, 140 km/h, 250 to 450 km, 25 % grade,
  40 kW continuous) and volumes drawn uniformly from 2,000 to 40,000 cars per market and
  year;
* the variants are a family of the bundled ``tesla_model3_rear_ipm`` unit: V length factors
  from 0.7 to 1.4 at its own voltage, or (V even) V/2 of them at 350 V and at 700 V;
* battery option 0 is sized for each range (NMC), the others fixed LFP and NMC packs from
  50 to 100 kWh;
* every market is reached from every plant (logistics EUR 20 to 300 a unit, duty 0 to 10 %),
  the plants together hold the largest year's demand with room to spare, and the
  magnets are bought on three price tiers.
"""

from __future__ import annotations

import numpy as np

from ..errors import EdriveError, format_value
from .portfolio import PortfolioSpec, portfolio_from_mapping

BASE_CARS = ("bmw_ix3", "tesla_model3_rwd", "bmw_i4_edrive40", "nissan_leaf_40kwh",
             "mini_cooper_se", "chevrolet_bolt_ev", "bmw_i3s", "jaguar_ipace_ev400")
FAMILY_BASE = "tesla_model3_rear_ipm"
COUNTRIES = ("DE", "AT", "GB", "HU", "US", "CN")


def synthetic_portfolio(programmes: int = 8, variants: int = 6, *, batteries: int = 3,
                        plants: int = 2, markets: int = 2, years: int = 5, partners: int = 2,
                        seed: int = 0) -> PortfolioSpec:
    """A checked synthetic portfolio (see the module docstring); sizes are whole numbers of
    at least 1 (at least ``partners`` programmes, so that each partner has one), within the
    portfolio limits of :mod:`edrive.alliance.portfolio`."""
    sizes = {"programmes": programmes, "variants": variants, "batteries": batteries,
             "plants": plants, "markets": markets, "years": years, "partners": partners,
             "seed": seed}
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < (
                0 if name == "seed" else 1):
            raise EdriveError(f"{name}: {format_value(value)}; allowed: a whole number >= "
                              f"{0 if name == 'seed' else 1}")
    if programmes < partners:
        raise EdriveError(f"programmes: {programmes}; allowed: at least one per partner "
                          f"({partners})")
    rng = np.random.default_rng(seed)
    first = 2027
    plan = list(range(first, first + years))
    market_names = [f"m{k}" for k in range(markets)]
    partner_names = [f"maker_{k}" for k in range(partners)]
    progs = []
    for i in range(programmes):
        cars = rng.integers(2_000, 40_001, size=(markets, years))
        progs.append({
            "name": f"p{i:03d}", "partner": partner_names[i % partners],
            "vehicle": BASE_CARS[i % len(BASE_CARS)],
            "volumes": {m: {y: int(n) for y, n in zip(plan, row, strict=True)}
                        for m, row in zip(market_names, cars, strict=True)},
            "requirements": {"accel_0_100_kmh_s": 9.0 + i % 3, "top_speed_kmh": 140,
                             "wltp_range_km": 250 + 50 * (i % 5), "max_grade_pct": 25,
                             "continuous_power_kw": 40}})
    units_per_car = np.array([2 if progs[i]["vehicle"] == "jaguar_ipace_ev400" else 1
                              for i in range(programmes)])
    peak = max(int((np.array([[sum(p["volumes"][m][y] for m in market_names)
                              for y in plan] for p in progs]) * units_per_car[:, None])
                   .sum(axis=0).max()), 1)
    per_plant = int(np.ceil(1.25 * peak / plants))
    plant_rows = [{"name": f"plant_{k}", "owner": partner_names[k % partners],
                   "country": COUNTRIES[k % len(COUNTRIES)], "capacity_units": per_plant,
                   "cost_factor": round(float(rng.uniform(0.95, 1.1)), 3),
                   "expansion": {"step_units": max(per_plant // 5, 1),
                                 "fixed_cost_eur": 30e6, "max_steps": 2}}
                  for k in range(plants)]
    market_rows = [{"name": m,
                    "logistics_eur_per_unit": {p["name"]: round(float(rng.uniform(20, 300)))
                                               for p in plant_rows},
                    "tariff_share": {p["name"]: round(float(rng.uniform(0, 0.1)), 3)
                                     for p in plant_rows}}
                   for m in market_names]
    lengths = np.linspace(0.7, 1.4, variants // 2 if variants % 2 == 0 else variants)
    family = {"base": FAMILY_BASE, "length_factors": [round(float(k), 4) for k in lengths]}
    if variants % 2 == 0:
        family["dc_voltages_v"] = [350, 700]
    packs = [{"name": "nmc_sized", "chemistry": "nmc"}]
    for k, energy in enumerate(np.linspace(50, 100, max(batteries - 1, 1))[:batteries - 1]):
        chemistry = "lfp" if k % 2 == 0 else "nmc"
        packs.append({"name": f"{chemistry}_{energy:.0f}_{k}", "chemistry": chemistry,
                      "energy_kwh": round(float(energy), 1)})
    data = {
        "schema_version": 1, "type": "portfolio",
        "name": f"Synthetic portfolio {programmes} x {variants} (seed {seed})",
        "description": "generated for benchmarks and tests; not data of any maker",
        "report_year": 2024, "years": [plan[0], plan[-1]],
        "partners": [{"name": n} for n in partner_names], "programmes": progs,
        "variants": {"family": family}, "batteries": packs, "plants": plant_rows,
        "markets": market_rows,
        "purchasing": [{"component": "magnet",
                        "tiers": [[0, 1.0], [100_000, 0.97], [300_000, 0.94]]}],
    }
    return portfolio_from_mapping(data, where=data["name"])
