"""Full throttle of a parallel (P2) hybrid through its stepped gearbox: the gear of the
largest force, and eq. (7)'s interruption at each upshift (``edrive.sim.performance``)."""

import numpy as np
import pytest

import edrive
from edrive.components import road as road_mod
from edrive.errors import EdriveError
from edrive.sim.performance import SHIFT_TIME_S
from edrive.vehicle import vehicle_from_dict


def test_a_p2_hybrid_shifts_and_each_upshift_costs_eq_7():
    spec = edrive.load_vehicle("bmw_330e")
    vm = spec.model()
    free = edrive.performance(spec, shift_time_s=0.0, engine_inertia=0.0)
    r = edrive.performance(spec, shift_time_s=0.25, engine_inertia=0.0)
    assert edrive.performance(spec).shift_time_s == SHIFT_TIME_S["automatic"] == 0.1
    ups = [v for v in r.upshift_speeds_m_s if v <= 100 / 3.6]
    assert len(ups) >= 2 and ups == sorted(ups)
    assert free.upshift_speeds_m_s == r.upshift_speeds_m_s
    # without interruptions and engine inertia the runs are eq. (2) with the best gear's
    # acceleration, the motor's rotor turning at the gear's input speed
    v = np.linspace(0.0, 100 / 3.6, 4001)
    road, _ = vm.road_load_parts(v, 0.0)
    g = vm.transmission.overall_ratios
    j_m, r2 = spec.motor.rotor_inertia_kg_m2, vm.radius_m**2
    m_gear = vm.mass_effective_kg + j_m * (g**2 - g[-1] ** 2) / r2
    # where grip binds, eq. (10): the tyres' force, with the load transfer of the
    # acceleration it gives, accelerates the car and its front (non-driven) wheels
    m_grip = vm.mass_kg + 2 * spec.wheels.inertia_kg_m2 / r2
    grip = road_mod.grip_force_n(road_mod.DRIVE_CODES["rwd"], vm.mass_kg, m_grip,
                                 vm.cg_height_m, vm.wheelbase_m, vm.front_share, vm.mu, road,
                                 0.0)
    acc = np.minimum((vm.p2_gear_forces(v) - road) / m_gear[:, None], (grip - road) / m_grip)
    a = np.maximum.accumulate(acc, axis=0).max(axis=0)
    t = float(np.sum(np.diff(v) * 2 / (a[1:] + a[:-1])))
    assert free.accel_0_100_kmh_s == pytest.approx(t, rel=2e-3)
    # eq. (7): t_s (1 + R / (m a)) per upshift, at least t_s each
    extra = r.accel_0_100_kmh_s - free.accel_0_100_kmh_s
    assert len(ups) * 0.25 < extra < len(ups) * 0.25 * 1.2


def test_the_engine_spins_up_with_the_car_once_its_clutch_has_closed():
    """Eq. (6) for a P2 hybrid: J_e G_k^2 / r^2 joins the mass above the K0 slip speed, so
    the engine's inertia slows the run, most in the low gears."""
    spec = edrive.load_vehicle("range_rover_sport_p400e")
    t = [edrive.performance(spec, engine_inertia=j).accel_0_100_kmh_s for j in (0.0, 0.2, 0.4)]
    assert t[0] < t[1] < t[2]
    with pytest.raises(EdriveError, match="engine_inertia: -1; allowed 0 to 10"):
        edrive.performance(spec, engine_inertia=-1)


def test_published_system_torque_and_power_cap_the_gearbox_input():
    """T_in = min(T_e + T_m, T_sys, P_sys / omega_in): the analytic case of a car whose
    engine and motor together exceed both limits."""
    spec = edrive.load_vehicle("bmw_330e")
    free = spec.model_dump(mode="json", exclude_none=True)
    free.pop("system_torque_max_nm"), free.pop("system_power_max_w")
    vm_free = vehicle_from_dict(free).model()
    vm = spec.model()
    tr = vm.transmission
    t0, cv = tr.drag
    for v in (5.0, 15.0, 40.0):
        f_free, f = vm_free.p2_gear_forces(np.array([v])), vm.p2_gear_forces(np.array([v]))
        for k, (g, eta) in enumerate(zip(tr.overall_ratios, tr.efficiencies, strict=True)):
            w_in = v / vm.radius_m * g
            # the free case's input torque, recovered from its wheel force (eq. 1 of
            # edrive.components.transmission: F r = (T_in - T_d) G eta)
            if f_free[k, 0] == 0.0:
                assert f[k, 0] == 0.0
                continue
            t_in = f_free[k, 0] * vm.radius_m / (g * eta) + t0 + cv * w_in
            capped = min(t_in, 420.0, 215e3 / w_in)
            assert f[k, 0] == pytest.approx(max((capped - t0 - cv * w_in) * g * eta, 0.0)
                                            / vm.radius_m, rel=1e-9)
    assert (vm.p2_gear_forces(np.array([5.0])) < vm_free.p2_gear_forces(np.array([5.0]))).any()


def test_the_shift_time_is_checked_and_refused_without_a_stepped_gearbox():
    with pytest.raises(EdriveError, match="shift_time_s: -1; allowed 0 to 5"):
        edrive.performance("bmw_330e", shift_time_s=-1)
    with pytest.raises(EdriveError, match="power_split hybrid has no stepped gearbox"):
        edrive.performance("toyota_prius_gen4", shift_time_s=0.25)
    with pytest.raises(EdriveError, match="engine_inertia: 0.2; applies to combustion cars "
                                          "and P2 hybrids only"):
        edrive.performance("toyota_prius_gen4", engine_inertia=0.2)
    assert edrive.performance("toyota_prius_gen4").upshift_speeds_m_s == ()


@pytest.mark.parametrize("field,value,message", [
    ("system_torque_max_nm", -5.0, "greater than 0"),
    ("system_torque_max_nm", True, "a yes/no value is not a number"),
    ("system_power_max_w", "420 N*m", "wrong unit"),
    ("system_power_max_w", "abc", "cannot be read as a quantity"),
])
def test_system_limits_are_checked(field, value, message):
    data = edrive.load_vehicle("bmw_330e").model_dump(mode="json", exclude_none=True)
    data[field] = value
    with pytest.raises(EdriveError, match=f"{field}.*{message}"):
        vehicle_from_dict(data)
