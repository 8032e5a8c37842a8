"""Bundled hybrids against their US EPA dynamometer results (unadjusted, charge-sustaining).

Measured values: US EPA Test Car List Data MY2022 (22-tstcar.csv), rows named below; for the
Prius also the reference-vehicle table (tests/validation/data/reference_vehicles.csv, row
toyota_prius_gen4_my2016_2022). City = FTP-75 ('Federal fuel 2-day/3-day exhaust'), with the
generic cold-start fuel of edrive.io.epa_testcar and the engine started cold (catalyst heating
and warm-up, edrive.sim.energy_management); highway = 'HWFE'. Plug-in hybrids: the
charge-sustaining results of the same records. The target is 5 %; cases outside it are marked
xfail with the simulated figure, not tuned.
"""

import pytest

from edrive import simulate
from edrive.io.epa_icev import cold_start_fuel_l
from edrive.io.epa_testcar import ftp75_composite_mpg
from edrive.vehicle import load_vehicle

TOLERANCE = 0.05
# (vehicle, cycle): (measured unadjusted MPG, EPA test vehicle id)
MEASURED = {
    ("toyota_prius_gen4", "ftp75"): (78.0, "16-ZV1H"),
    ("toyota_prius_gen4", "hwfet"): (71.2, "16-ZV1H"),
    ("bmw_330e", "ftp75"): (33.5, "FH19878"),
    ("bmw_330e", "hwfet"): (46.0, "FH19878"),
    ("range_rover_sport_p400e", "ftp75"): (22.5, "LW807615"),
    ("range_rover_sport_p400e", "hwfet"): (31.9, "LW807615"),
}
KNOWN_MISSES = {
    ("toyota_prius_gen4", "ftp75"): "simulated 72.4 MPG (-7.2 %): the generic operating rules "
                                    "fitted on the EPA file (electric drive below 10 m/s and "
                                    "30 % of the engine's power, warm-up after the cold start) "
                                    "run the Prius's engine more than Toyota's calibration does",
    ("range_rover_sport_p400e", "ftp75"): "simulated 28.4 MPG (+26 %): the rules of "
                                          "charge-sustaining P2 plug-ins (engine held running, "
                                          "engine speed floor) close half of the gap; the rest "
                                          "is not explained",
}
STRICT = {("range_rover_sport_p400e", "ftp75"), ("toyota_prius_gen4", "ftp75")}


def _mpg(name, cycle):
    car = load_vehicle(name)
    if cycle == "ftp75":
        return ftp75_composite_mpg(car, cold_start_fuel_l(car))
    return simulate(car, cycle).summary["mpg_us"]


@pytest.mark.parametrize("case", [
    pytest.param(k, marks=pytest.mark.xfail(reason=KNOWN_MISSES[k], strict=k in STRICT))
    if k in KNOWN_MISSES else k for k in MEASURED], ids=lambda k: f"{k[0]}-{k[1]}")
def test_hybrid_against_epa(case):
    measured, record = MEASURED[case]
    simulated = _mpg(*case)
    error = simulated / measured - 1
    assert abs(error) <= TOLERANCE, (
        f"{case[0]} {case[1]}: simulated {simulated:.1f} MPG vs EPA {measured} ({record}): "
        f"{100 * error:+.1f} %")
