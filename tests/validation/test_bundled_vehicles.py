"""Bundled vehicles: every file loads and simulates, and the EPA-tested cars reproduce their
measured energy.

Reference data
--------------
US EPA Test Car List ("Data on Cars Used for Testing Fuel Economy"): for each battery-electric
test car the equivalent test weight (ETW), the target road-load coefficients A/B/C and the
*unadjusted* charge-depleting UDDS and HWFET results in MPGe, which EPA computes from the AC
(wall) recharge energy. Wh/mi (AC) = 33,705 Wh per gallon-equivalent / MPGe. The figures below are
copied from ``reference_vehicles.csv`` of the project's reference data set (columns
``epa_unadj_city_wh_per_mi_ac`` / ``epa_unadj_hwy_wh_per_mi_ac``), each with its EPA record; the
bundled files use the ETW as ``test_mass_kg`` and the same A/B/C, so the simulated car is the one
on the dynamometer.

Tolerance
---------
5 % on the wall energy per mile of each cycle. Repeat EPA tests of one car differ by about 1-2 %
(Leaf: UDDS 174.0 / 177.1 MPGe), the ETW is an inertia class in 125-500 lb steps, and the
motor, inverter, gear, battery and charger losses come from generic models with one set of
defaults for all cars, not from measured maps of each car. 5 % is what such a model should meet
on a car whose mass and road load are known exactly.

Cases that miss with the current generic loss defaults are marked ``xfail(strict=False)`` rather
than being tuned per car: the loss defaults are fitted once for all cars, never per car (see
``edrive.components.drive_unit.GenericLosses``). A case that starts to pass shows as XPASS; then
remove it from ``KNOWN_MISSES``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from edrive.cycles import list_cycles
from edrive.sim.bev import simulate
from edrive.sim.run import simulate as simulate_any
from edrive.vehicle import list_vehicles, load_vehicle

MILE_KM = 1.609344
TOLERANCE = 0.05
AUDIT_RESIDUAL_MAX = 1e-3  # energy audit: (chemical energy - sum of uses) / throughput

# EPA unadjusted AC energy [Wh/mi] on the charge-depleting UDDS and HWFET (= 33,705 / MPGe).
EPA_UNADJUSTED_WH_PER_MI = {
    # US EPA Test Car List MY2019 (19tstcar.csv), vehicle F60490, tests KJLX10056664 (UDDS,
    # 114.1 MPGe) and KJLX10056663 (HWFET, 102.9 MPGe)
    "jaguar_ipace_ev400": {"udds": 295.4, "hwfet": 327.6},
    # US EPA Test Car List MY2022 (22-tstcar.csv), vehicle FK96502 (18" wheels), tests
    # NBMX10072844 (UDDS, 156.3 MPGe) and NBMX10072843 (HWFET, 154.8 MPGe)
    "bmw_i4_edrive40": {"udds": 215.6, "hwfet": 217.7},
    # US EPA Test Car List MY2022, vehicle 2N13701, tests NBMX10067722 (UDDS, 169.6 MPGe) and
    # NBMX10067727 (HWFET, 143.5 MPGe)
    "mini_cooper_se": {"udds": 198.7, "hwfet": 234.9},
    # US EPA Test Car List MY2019, vehicle VE42515, tests KBMX10054652 (UDDS, 177.7 MPGe) and
    # KBMX10054653 (HWFET, 145.5 MPGe)
    "bmw_i3s": {"udds": 189.7, "hwfet": 231.6},
    # US EPA Test Car List MY2022, vehicle 3R022-043763, tests NTSL10071574 (UDDS, 185.3 MPGe)
    # and NTSL10071575 (HWFET, 170.1 MPGe)
    "tesla_model3_rwd": {"udds": 181.9, "hwfet": 198.1},
    # US EPA Test Car List MY2022, vehicle KWB115, means of two tests each: UDDS JNSX10050525 /
    # JNSX10050514 (174.0 / 177.1 MPGe), HWFET JNSX10050513 / JNSX10050515 (141.1 / 141.3 MPGe)
    "nissan_leaf_40kwh": {"udds": 192.0, "hwfet": 238.7},
    # US EPA Test Car List MY2019, vehicle 001HFV5002 (MY2017 tests), tests HGMX10044270 (UDDS,
    # 182.2 MPGe) and HGMX10044791 (HWFET, 157.4 MPGe)
    "chevrolet_bolt_ev": {"udds": 185.0, "hwfet": 214.1},
}

# Cases outside the tolerance with the generic loss defaults (fitted once for all cars on the
# EPA 2022 file; the I-PACE with its physics units), measured as: I-PACE UDDS -7.5 %, i4 UDDS -5.2 %, i3s UDDS +5.2 %,
# Model 3 RWD UDDS +9.3 % / HWFET +5.7 %, Bolt UDDS +7.7 % / HWFET +10.3 %. The spread of
# the measured AC-to-wheel energy ratio between makes is wider than generic losses can follow
# (see docs/validation.md); these cases wait for drive-unit maps of their own.
KNOWN_MISSES = {
    ("jaguar_ipace_ev400", "udds"),
    ("bmw_i4_edrive40", "udds"),
    ("bmw_i3s", "udds"),
    ("tesla_model3_rwd", "udds"),
    ("tesla_model3_rwd", "hwfet"),
    ("chevrolet_bolt_ev", "udds"),
    ("chevrolet_bolt_ev", "hwfet"),
}


def _epa_cases():
    for vehicle, refs in EPA_UNADJUSTED_WH_PER_MI.items():
        for cycle, wh_per_mi in refs.items():
            marks = []
            if (vehicle, cycle) in KNOWN_MISSES:
                marks.append(pytest.mark.xfail(
                    strict=False,
                    reason="misses 5 % with the generic motor/inverter loss defaults "
                           "(one set for all cars, not tuned per car)"))
            yield pytest.param(vehicle, cycle, wh_per_mi, marks=marks, id=f"{vehicle}-{cycle}")


@pytest.mark.parametrize("vehicle, cycle, epa_wh_per_mi", list(_epa_cases()))
def test_epa_unadjusted_wall_energy(vehicle, cycle, epa_wh_per_mi):
    result = simulate(vehicle, cycle, trace_miss="error")
    simulated_wh_per_mi = result.summary["wall_wh_per_km"] * MILE_KM
    error = simulated_wh_per_mi / epa_wh_per_mi - 1.0
    assert abs(error) <= TOLERANCE, (
        f"{vehicle} on {cycle}: simulated {simulated_wh_per_mi:.1f} Wh/mi (AC) vs EPA unadjusted "
        f"{epa_wh_per_mi:.1f} Wh/mi: {100 * error:+.1f} % (tolerance {100 * TOLERANCE:.0f} %)")


def test_epa_cases_are_bundled_and_use_the_test_mass():
    """Every EPA reference case names a bundled file that simulates the EPA test weight."""
    bundled = set(list_vehicles())
    for name in EPA_UNADJUSTED_WH_PER_MI:
        assert name in bundled
        spec = load_vehicle(name)
        assert spec.mass.test_mass_kg is not None, f"{name}: EPA case without test_mass_kg (ETW)"
        assert spec.road_load.epa is not None, f"{name}: EPA case without EPA target coefficients"


@pytest.mark.parametrize("name", list_vehicles())
def test_bundled_file_documents_its_sources(name):
    spec = load_vehicle(name)
    assert spec.name.strip() and spec.name != name  # a readable name, not the file stem
    assert spec.description.strip()
    assert spec.sources, f"{name}: no sources mapping"


def _finite(value) -> bool:
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    return math.isfinite(float(value))


# hybrids are exercised in tests/unit/test_hybrid.py and test_hybrid_reference.py
NOT_HYBRID = [n for n in list_vehicles() if load_vehicle(n).type != "hev"]


@pytest.mark.parametrize("cycle", list_cycles())
@pytest.mark.parametrize("name", NOT_HYBRID)
def test_bundled_vehicle_simulates_every_cycle(name, cycle):
    spec = load_vehicle(name)
    result = simulate_any(spec, cycle)
    s = result.summary
    assert abs(s["audit_residual"]) < AUDIT_RESIDUAL_MAX
    assert s.get("battery_empty_at_s") is None  # no bundled car runs empty on one cycle
    s = {k: v for k, v in s.items() if k != "battery_empty_at_s"}
    assert _finite(s), f"{name} on {cycle}: non-finite summary value"
    assert s["distance_m"] > 0
    if spec.type == "icev":
        assert 0 < s["fuel_l_per_100km"] < 40 and 0 < s["engine_efficiency"] < 0.45
    else:
        assert s["wall_wh_per_km"] > 0
        assert s["soc_end"] < s["soc_start"]
    for column, values in result.series.items():
        assert np.all(np.isfinite(values)), f"{name} on {cycle}: non-finite {column}"
