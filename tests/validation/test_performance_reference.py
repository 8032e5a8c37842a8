"""Bundled cars against their published acceleration and top speed.

Reference figures: maker or press figures collected in the project's reference-vehicle table
(each with its source there; repeated beside each case below). Tolerance 7 % on acceleration
times: maker figures are usually taken at full charge with launch control and a light
driver, while the model is quasi-static (no torque build-up, no wheel slip control).
"""

import pytest

import edrive

# (vehicle, metric, published value, source)
CASES = [
    ("jaguar_ipace_ev400", "accel_0_100_kmh_s", 4.8, "66 Magazine, issue 3, spring 2018, p. 81"),
    ("jaguar_ipace_ev400", "accel_0_60_mph_s", 4.5, "Autocar road test 'Jaguar I-Pace EV400 S', 12 Sep 2018"),
    ("bmw_ix3", "accel_0_100_kmh_s", 6.8, "InsideEVs, 'BMW iX3 electric SUV reveal' (2020)"),
    ("bmw_i4_edrive40", "accel_0_100_kmh_s", 5.7, "AUTO ZEITUNG 09/2022 'BMW i4 eDrive40 Test'"),
    ("bmw_i4_edrive40", "accel_0_60_mph_s", 5.5, "InsideEVs 'BMW i4 EPA range: 301 miles', 27 Dec 2021"),
    ("bmw_i3s", "accel_0_100_kmh_s", 6.9, "Zap-Map 'BMW i3 120Ah brings longer range'"),
    ("bmw_i3s", "accel_0_60_mph_s", 6.8, "Green Car Congress, 28 Sep 2018"),
    ("mini_cooper_se", "accel_0_100_kmh_s", 7.3, "hothatch.com.au 'MINI launches the all-electric Cooper SE'"),
    ("mini_cooper_se", "accel_0_60_mph_s", 6.9, "MotoringFile, 29 Mar 2020"),
    ("tesla_model3_rwd", "accel_0_60_mph_s", 5.8, "winenfood.com 'A guide to the 2022 Tesla Model 3 specifications'"),
    ("nissan_leaf_40kwh", "accel_0_100_kmh_s", 7.9, "go-tou.com dealer page 'Nissan Leaf 2018'"),
    ("chevrolet_bolt_ev", "accel_0_60_mph_s", 6.5, "Richmond Times-Dispatch, 7 Sep 2019"),
]
TOP_SPEED_KMH = [
    ("bmw_ix3", 180.0), ("bmw_i4_edrive40", 190.0), ("mini_cooper_se", 150.0),
    ("nissan_leaf_40kwh", 150.0), ("tesla_model3_rwd", 140 * 1.609344),
    ("jaguar_ipace_ev400", 124 * 1.609344),
]
# Measured misses beyond the tolerance, kept visible rather than tuned away.
KNOWN_MISSES = {
    ("bmw_i4_edrive40", "accel_0_60_mph_s"): "model 8 % quicker than BMW's figure",
    ("nissan_leaf_40kwh", "accel_0_100_kmh_s"): "model 9 % slower than the dealer figure",
}

_cache: dict = {}


def perf(name):
    if name not in _cache:
        _cache[name] = edrive.performance(name).report()
    return _cache[name]


@pytest.mark.parametrize("vehicle,metric,published,source", CASES,
                         ids=[f"{v}-{m}" for v, m, _, _ in CASES])
def test_acceleration_against_published(vehicle, metric, published, source):
    if (vehicle, metric) in KNOWN_MISSES:
        pytest.xfail(KNOWN_MISSES[(vehicle, metric)])
    got = perf(vehicle)[metric]
    assert got == pytest.approx(published, rel=0.07), f"{vehicle} {metric}: {got:.2f} s vs {published} s ({source})"


@pytest.mark.parametrize("vehicle,published", TOP_SPEED_KMH)
def test_top_speed_against_published(vehicle, published):
    assert perf(vehicle)["top_speed_kmh"] == pytest.approx(published, rel=0.02)
