"""Bundled petrol cars against their EPA dynamometer results.

Reference data
--------------
US EPA Test Car List (MY2022 file, 22-tstcar.csv): for each car the equivalent test weight
(ETW), the target road-load coefficients A/B/C and the *unadjusted* fuel economy measured on
the FTP-75 (three-bag weighted, cold start included) and the HWFET. The values are read from
``reference_vehicles.csv`` (columns ``epa_unadj_city_value`` and ``epa_unadj_hwy_value``; the
EPA record of each row is in its ``source_epa_test`` column). The bundled files use the ETW as
``test_mass_kg`` and the same A/B/C, so the simulated car is the one on the dynamometer.

The FTP-75 is simulated as EPA weights it (40 CFR 600.113): bags 1+2 cold and 3+2 hot,
1 / (0.43 / FE_cold + 0.57 / FE_hot), with the cold-start fuel of
``edrive.io.epa_icev.cold_start_fuel_l`` (per kW of rated power) added to bag 1 -- the same
:func:`~edrive.io.epa_testcar.ftp75_composite_mpg` that the Test Car List validation uses.

Tolerance
---------
5 % on the fuel economy of each cycle: repeat EPA tests of one car differ by 1-2 % (F-TYPE
HWFET 33.8 / 34.4 mpg), the ETW is an inertia class, and the engine and transmission losses
come from generic models with one set of defaults for all cars. Cases outside it are
``xfail(strict=False)`` with the figure measured when they were recorded; nothing is tuned per
car to pass. A case that starts to pass shows as XPASS: then remove it from ``KNOWN_MISSES``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from edrive.constants import LB_KG
from edrive.io.epa_icev import cold_start_fuel_l
from edrive.io.epa_testcar import ftp75_composite_mpg
from edrive.sim.run import simulate
from edrive.vehicle import load_vehicle

TOLERANCE = 0.05
TABLE = Path(__file__).resolve().parent / "data" / "reference_vehicles.csv"
# bundled file: row of the reference table
ROWS = {
    "bmw_330i": "bmw_330i_g20_my2019_2022",
    "jaguar_ftype_p450": "jaguar_ftype_p450_rwd_my2022",
}
# Measured with the generic engine and transmission defaults (fitted to the EPA 2022 file):
# simulated vs EPA unadjusted. The 330i runs 5.6 % short on the HWFET (8.1 % before the
# throttle of a turbocharged engine opened at the aspirated engine's full load, engine eq. 4)
# while its FTP-75 is within 2 %; the F-TYPE's HWFET is at -5.0 %.
KNOWN_MISSES = {
    ("bmw_330i", "hwfet"): "simulated 49.2 mpg vs EPA 52.1 mpg unadjusted (-5.6 %)",
}


def _table() -> dict[str, dict[str, str]]:
    with TABLE.open(newline="", encoding="utf-8") as f:
        return {r["vehicle_id"]: r for r in csv.DictReader(f)}


def _cases():
    table = _table()
    for name, row_id in ROWS.items():
        row = table[row_id]
        for cycle, column in (("ftp75", "epa_unadj_city_value"), ("hwfet", "epa_unadj_hwy_value")):
            marks = ([pytest.mark.xfail(strict=False, reason=KNOWN_MISSES[(name, cycle)])]
                     if (name, cycle) in KNOWN_MISSES else [])
            yield pytest.param(name, cycle, float(row[column]), marks=marks, id=f"{name}-{cycle}")


def simulated_mpg(name: str, cycle: str) -> float:
    """Unadjusted fuel economy [mpg] of a bundled car on the FTP-75 (EPA bag weighting, cold
    start) or another cycle."""
    car = load_vehicle(name)
    if cycle == "ftp75":
        return ftp75_composite_mpg(car, cold_start_fuel_l(car))
    return simulate(car, cycle, trace_miss="error").summary["mpg_us"]


@pytest.mark.parametrize("name, cycle, epa_mpg", list(_cases()))
def test_epa_unadjusted_fuel_economy(name, cycle, epa_mpg):
    got = simulated_mpg(name, cycle)
    error = got / epa_mpg - 1.0
    assert abs(error) <= TOLERANCE, (
        f"{name} on {cycle}: simulated {got:.1f} mpg vs EPA unadjusted {epa_mpg:.1f} mpg: "
        f"{100 * error:+.1f} % (tolerance {100 * TOLERANCE:.0f} %)")


@pytest.mark.parametrize("name", list(ROWS))
def test_bundled_file_carries_the_epa_test_inputs(name):
    """The bundled file simulates the EPA record's test weight and target coefficients."""
    row = _table()[ROWS[name]]
    spec = load_vehicle(name)
    assert spec.type == "icev"
    assert spec.mass.test_mass_kg == pytest.approx(
        float(row["epa_equivalent_test_weight_lb"]) * LB_KG, rel=1e-9)
    epa = spec.road_load.epa
    assert (epa.a_lbf, epa.b_lbf_per_mph, epa.c_lbf_per_mph2) == pytest.approx(
        (float(row["epa_target_coef_a_lbf"]), float(row["epa_target_coef_b_lbf_per_mph"]),
         float(row["epa_target_coef_c_lbf_per_mph2"])), rel=1e-9)


def test_what_if_differs_from_its_base_car_by_the_engine_only():
    base = load_vehicle("jaguar_ftype_p450").model_dump()
    what_if = load_vehicle("jaguar_ftype_s63_whatif").model_dump()
    differing = {k for k in base if base[k] != what_if[k]}
    assert differing == {"name", "description", "sources", "engine"}
