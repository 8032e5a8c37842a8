"""Two drive units side by side: cost, cycle energy in a vehicle, and the battery the
efficiency difference is worth.

With a vehicle, both units are fitted to it (every drive unit of the car replaced, as in
:mod:`edrive.sim.edu_compare`) and driven over the cycle. The car's range on that cycle with
unit A, R = E_usable / e_A (e the consumption at the battery), is held, and the pack unit B
would need for it is sized with eq. (3) of :mod:`edrive.alliance.battery_cost`:

    E_B = R e_B / u,    u = E_usable / E_pack                                            (1)

The battery difference (E_B - E_pack in kWh and in euros at the year's pack price, pack size
and power terms included) is what the efficiency difference is worth; the net difference per
vehicle is n (C_B - C_A) plus that battery difference, with n the drive units in the car.
Positive differences mean B costs more.
"""

from __future__ import annotations

from pathlib import Path

from ..edu import load_edu
from .battery_cost import J_PER_KWH, battery_for_range, pack_cost_eur
from .cost import DEFAULT_ANNUAL_UNITS, DEFAULT_MAGNET_GRADE, DEFAULT_PLANT, edu_cost
from .cost_data import CostData, load_cost_data


def compare_edu_costs(edu_a, edu_b, *, vehicle=None, cycle: str = "wltc", year: int = 2024,
                      plant: str = DEFAULT_PLANT, annual_units=DEFAULT_ANNUAL_UNITS,
                      cumulative_units=None, magnet_grade: str = DEFAULT_MAGNET_GRADE,
                      overrides: str | Path | dict | CostData | None = None) -> dict:
    """Cost of each unit and, with a ``vehicle``, its cycle energy and the battery difference
    (see module docstring)."""
    data = load_cost_data(overrides)
    settings = {"year": year, "plant": plant, "annual_units": annual_units,
                "cumulative_units": cumulative_units, "magnet_grade": magnet_grade,
                "overrides": data}
    costs = [edu_cost(load_edu(e), **settings) for e in (edu_a, edu_b)]
    out = {"year": costs[0].year, "plant": plant, "currency": "EUR",
           "a": _cost_summary(costs[0]), "b": _cost_summary(costs[1]),
           "cost_difference_eur": costs[1].total_eur - costs[0].total_eur}
    if vehicle is None:
        return out
    from ..sim.edu_compare import compare_edus
    from ..vehicle import load_vehicle

    car = load_vehicle(vehicle)
    energy = compare_edus(edu_a, edu_b, vehicle, cycle)  # checks the car and the units
    energy.pop("_results")
    battery = car.model().battery
    units = len(car.drive_units)
    usable = battery.energy_usable_j
    pack = battery.energy_total_j
    fraction = usable / pack
    e_a = energy["a"]["battery_wh_per_km"] * 3.6  # J/m
    e_b = energy["b"]["battery_wh_per_km"] * 3.6
    range_m = usable / e_a
    kwargs = {"chemistry": car.battery.chemistry, "power_w": car.battery.power_discharge_max_w,
              "report_year": out["year"], "overrides": data}
    sized = battery_for_range(range_m, e_b, fraction, out["year"], **kwargs)
    pack_a_eur = float(pack_cost_eur(pack, out["year"], **kwargs))
    battery_eur = float(sized["cost_eur"]) - pack_a_eur
    for key in ("a", "b"):
        out[key].update({k: energy[key][k] for k in ("battery_wh_per_km", "wall_wh_per_km",
                                                     "drive_efficiency", "regen_efficiency",
                                                     "trace_missed_s")})
    out.update({
        "vehicle": energy["vehicle"], "cycle": energy["cycle"], "units_per_vehicle": units,
        "range_km": range_m / 1e3, "pack_kwh": pack / J_PER_KWH,
        "usable_fraction": fraction, "chemistry": car.battery.chemistry,
        "pack_price_eur_per_kwh": pack_a_eur / (pack / J_PER_KWH),
        "battery_difference_kwh": (float(sized["energy_j"]) - pack) / J_PER_KWH,
        "battery_difference_eur": battery_eur,
        "net_difference_eur": units * out["cost_difference_eur"] + battery_eur,
    })
    return out


def _cost_summary(breakdown) -> dict:
    d = breakdown.to_dict()
    return {"edu": d["edu"], "total_eur": d["total_eur"],
            "direct_cost_eur": d["direct_cost_eur"], "components_eur": d["components_eur"],
            "peak_power_kw": d["peak_power_kw"]}
