"""Bundled cars against their published acceleration and top speed.

Reference figures: maker or press figures collected in the project's reference-vehicle table
(each with its source there; repeated beside each case below). Tolerance 5 % on acceleration
times, the target of the project's validation; makers' figures are usually taken at full
charge with launch control and a light driver, while the model is quasi-static.

Every car is simulated at its EPA test weight (or kerb mass plus 136 kg where it has no EPA
record), with the default tyre-road friction 1.0, the power shifts and engine inertia of
``edrive.sim.performance``, for battery-electric cars the motors' torque ramp at launch (its
eq. 9) and, for hybrids, the published system torque and power. A US
road test's 0-60 mph (Car and Driver, Motor Trend) leaves out the first foot of rollout and
is compared with ``accel_0_60_mph_rollout_s``; makers' figures count from standstill.

Governed top speeds (``speed_limit_m_s`` in each file, with its source) are checked twice:
the top speed the model reports must be the published one, and the car must be able to
reach it: the top speed without the limit (system power, machine, generator and engine
speeds) must not be below it.
"""

import pytest

import edrive
from edrive.vehicle import load_vehicle, vehicle_from_dict

# (vehicle, metric, published value, source)
CASES = [
    ("jaguar_ipace_ev400", "accel_0_100_kmh_s", 4.8, "66 Magazine, issue 3, spring 2018, p. 81"),
    ("jaguar_ipace_ev400", "accel_0_60_mph_s", 4.5, "Autocar road test 'Jaguar I-Pace EV400 S', 12 Sep 2018"),
    ("bmw_ix3", "accel_0_100_kmh_s", 6.8, "InsideEVs, 'BMW iX3 electric SUV reveal' (2020)"),
    ("bmw_i4_edrive40", "accel_0_100_kmh_s", 5.7, "AUTO ZEITUNG 09/2022 'BMW i4 eDrive40 Test'"),
    ("bmw_i4_edrive40", "accel_0_60_mph_s", 5.5, "InsideEVs 'BMW i4 EPA range: 301 miles', 27 Dec 2021"),
    ("bmw_i4_edrive40", "accel_0_60_mph_rollout_s", 4.8,
     ("Car and Driver road test of the 2022 i4 eDrive40 ('scampered to 60 mph in 4.8 "
      "seconds'), reprinted by insurancenewsmag.com (?p=179341)")),
    ("bmw_i3s", "accel_0_100_kmh_s", 6.9, "Zap-Map 'BMW i3 120Ah brings longer range'"),
    ("bmw_i3s", "accel_0_60_mph_s", 6.8, "Green Car Congress, 28 Sep 2018"),
    ("mini_cooper_se", "accel_0_100_kmh_s", 7.3, "hothatch.com.au 'MINI launches the all-electric Cooper SE'"),
    ("mini_cooper_se", "accel_0_60_mph_s", 6.9, "MotoringFile, 29 Mar 2020"),
    ("tesla_model3_rwd", "accel_0_60_mph_s", 5.8, "winenfood.com 'A guide to the 2022 Tesla Model 3 specifications'"),
    ("nissan_leaf_40kwh", "accel_0_100_kmh_s", 7.9, "go-tou.com dealer page 'Nissan Leaf 2018'"),
    ("chevrolet_bolt_ev", "accel_0_60_mph_s", 6.5, "Richmond Times-Dispatch, 7 Sep 2019"),
    ("bmw_330i", "accel_0_100_kmh_s", 5.8,
     "BMW's claimed figure, motorbeam.com '2019 BMW 3 Series review' (330i, 8-speed automatic)"),
    ("bmw_330i", "accel_0_60_mph_rollout_s", 5.4,
     ("MotorTrend test of the 2020 330i ('In our own testing, the 2020 330i went from 0 to 60 "
      "mph in 5.4 seconds'), reprinted by autos.dailynewsview.com, Aug 2019")),
    ("jaguar_ftype_p450", "accel_0_100_kmh_s", 4.6,
     "Canoe.com 'First Drive: 2022 Jaguar F-Type'; Jordan Times, 22 Jan 2024"),
    ("toyota_camry_2018", "accel_0_60_mph_rollout_s", 7.9,
     ("Car and Driver test of the 2018 Camry 2.5 (203 hp), quoted by The Truth About Cars, "
     "'That powerful new four-cylinder 2018 Toyota Camry? It's not that quick', 21 Sep 2017")),
    ("toyota_prius_gen4", "accel_0_100_kmh_s", 10.6,
     ("Toyota's figure, 'The new Toyota Prius discovers their consumption and performance', "
     "mostreliablecarbrands.com")),
    ("bmw_330e", "accel_0_100_kmh_s", 6.0,
     ("Autocar UK 14 Aug 2019 road test data (0-62 mph 6.0 s); alVolante 'BMW Serie 3 2019 "
     "versione ibrida 330e' (0-100 km/h 6.0 s with XtraBoost)")),
    ("range_rover_sport_p400e", "accel_0_100_kmh_s", 6.7,
     ("PistonHeads 'Range Rover Sport PHEV announced', 4 Oct 2017 (0-62 mph 6.7 s; Autocar "
     "15 Aug 2018 gives 6.3 s)")),
]
TOP_SPEED_KMH = [
    ("bmw_ix3", 180.0), ("bmw_i4_edrive40", 190.0), ("mini_cooper_se", 150.0),
    ("nissan_leaf_40kwh", 150.0), ("tesla_model3_rwd", 140 * 1.609344),
    ("jaguar_ipace_ev400", 124 * 1.609344),
    # governed (sources in GOVERNED_TOP_SPEED_KMH)
    ("bmw_330i", 250.0), ("jaguar_ftype_p450", 285.0), ("bmw_330e", 230.0),
    ("range_rover_sport_p400e", 220.0), ("toyota_prius_gen4", 180.0),
]
# Measured misses beyond the tolerance, kept visible rather than tuned away.
KNOWN_MISSES = {
    ("nissan_leaf_40kwh", "accel_0_100_kmh_s"): "model 8.75 s, 11 % slower than the dealer "
                                                "figure 7.9 s (8.59 s without the launch "
                                                "torque ramp)",
    ("chevrolet_bolt_ev", "accel_0_60_mph_s"): "model 7.07 s, 8.8 % slower than the 6.5 s "
                                               "published (6.51 s with a 1-ft rollout; whether "
                                               "the figure leaves it out is not stated)",
    ("jaguar_ftype_p450", "accel_0_100_kmh_s"): "model 5.23 s, 13.6 % slower than the "
                                                "published 4.6 s: grip-limited to 70 km/h with "
                                                "the default tyre-road friction 1.0 (rear axle, "
                                                "load transfer included)",
    ("range_rover_sport_p400e", "accel_0_100_kmh_s"): "model 5.17 s, 23 % quicker than the "
                                                      "published 6.7 s with the published "
                                                      "system torque and power: no "
                                                      "turbocharger lag or engine start at "
                                                      "launch is modelled",
}
# Governed top speeds of combustion cars [km/h]: (vehicle, limit, source)
GOVERNED_TOP_SPEED_KMH = [
    ("bmw_330i", 250.0, ("motorbeam.com '2019 BMW 3 Series review': 'top speed being limited to "
                        "250 km/hr'")),
    ("jaguar_ftype_p450", 285.0, "Jordan Times, 'Jaguar F-Type P450 Convertible', 22 Jan 2024"),
    ("bmw_330e", 230.0, "Autocar UK 14 Aug 2019 road test data: 'Top speed 143mph'"),
    ("range_rover_sport_p400e", 220.0, "PistonHeads, 4 Oct 2017: 'a top speed of 137mph'"),
    ("toyota_prius_gen4", 180.0, "Toyota's figure, mostreliablecarbrands.com (above)"),
]

_cache: dict = {}


def perf(name):
    if name not in _cache:
        _cache[name] = edrive.performance(name).report()
    return _cache[name]


@pytest.mark.parametrize("vehicle,metric,published,source", CASES,
                         ids=[f"{v}-{m}" for v, m, _, _ in CASES])
def test_acceleration_against_published(vehicle, metric, published, source):
    got = perf(vehicle)[metric]
    if (vehicle, metric) in KNOWN_MISSES:
        if got == pytest.approx(published, rel=0.05):
            pytest.fail(f"{vehicle} {metric}: {got:.2f} s now meets {published} s; "
                        "take it out of KNOWN_MISSES")
        pytest.xfail(KNOWN_MISSES[(vehicle, metric)])
    assert got == pytest.approx(published, rel=0.05), f"{vehicle} {metric}: {got:.2f} s vs {published} s ({source})"


@pytest.mark.parametrize("vehicle,published", TOP_SPEED_KMH)
def test_top_speed_against_published(vehicle, published):
    assert perf(vehicle)["top_speed_kmh"] == pytest.approx(published, rel=0.02)


@pytest.mark.parametrize("vehicle,limit_kmh,source", GOVERNED_TOP_SPEED_KMH,
                         ids=[v for v, _, _ in GOVERNED_TOP_SPEED_KMH])
def test_car_reaches_its_governed_top_speed(vehicle, limit_kmh, source):
    data = load_vehicle(vehicle).model_dump(mode="json", exclude_none=True)
    data.pop("speed_limit_m_s", None)
    r = edrive.performance(vehicle_from_dict(data)).report()
    assert r["top_speed_kmh"] >= limit_kmh, (
        f"{vehicle}: {r['top_speed_kmh']:.0f} km/h ({r['top_speed_limited_by']}) without the "
        f"limit, below the published {limit_kmh:.0f} km/h ({source})")
