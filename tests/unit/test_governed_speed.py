"""Governed top speeds and the machine speed limits of a power-split hybrid in the
full-throttle model (``speed_limit_m_s``; ``edrive.sim.performance``)."""

import math

import pytest

import edrive
from edrive.vehicle import load_vehicle, vehicle_from_dict

RPM = 2 * math.pi / 60


def prius(**changes):
    data = load_vehicle("toyota_prius_gen4").model_dump(mode="json", exclude_none=True)
    data.pop("speed_limit_m_s")
    for key, value in changes.items():
        section, field = key.split(".")
        data[section][field] = value
    return vehicle_from_dict(data)


def test_the_governed_speed_is_the_top_speed_where_the_car_could_go_faster():
    r = edrive.performance("toyota_prius_gen4")
    assert r.top_speed_limited_by == "speed_limit" and r.top_speed_m_s == pytest.approx(50.0)
    free = edrive.performance(prius())
    # without the governor MG2's 17,000 rpm sets the top speed, just above the governed one
    assert free.top_speed_limited_by == "machine_speed" and free.top_speed_m_s > 50.0
    # the governor changes nothing below it (to the integration grid, which ends at the top)
    assert r.accel_0_100_kmh_s == pytest.approx(free.accel_0_100_kmh_s, rel=1e-3)  # grids differ


def test_the_traction_machine_speed_caps_a_power_split_hybrid():
    car = prius(**{"motor.speed_max_rad_s": 10000 * RPM})
    ps = car.planetary
    v_mg2 = 10000 * RPM * car.model().radius_m / (ps.ring_to_wheel_ratio * ps.mg2_to_ring_ratio)
    r = edrive.performance(car)
    assert r.top_speed_limited_by == "machine_speed"
    assert r.top_speed_m_s == pytest.approx(v_mg2, rel=1e-9)


def test_the_generator_speed_limits_electric_driving_of_a_power_split_hybrid():
    # with the engine stopped, MG1 turns at -k times the ring speed: above its limit the car
    # cannot drive on electricity alone, and the engine must turn
    car = prius()
    vm = car.model()
    ps = car.planetary
    w_mg1 = 10000 * RPM
    v_edge = w_mg1 / ps.k / ps.ring_to_wheel_ratio * vm.radius_m
    for v, electric in ((0.95 * v_edge, True), (1.05 * v_edge, False)):
        c = vm.candidates([200.0], [v])
        engine_off = c.ok & ~c.engine_on
        assert bool(engine_off.any()) is electric
        assert c.ok.any()  # the engine can still drive it
