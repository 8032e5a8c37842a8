"""Full throttle of a parallel (P2) hybrid through its stepped gearbox: the gear of the
largest force, and eq. (7)'s interruption at each upshift (``edrive.sim.performance``)."""

import numpy as np
import pytest

import edrive
from edrive.errors import EdriveError
from edrive.sim.performance import SHIFT_TIME_S


def test_a_p2_hybrid_shifts_and_each_upshift_costs_eq_7():
    spec = edrive.load_vehicle("bmw_330e")
    vm = spec.model()
    free = edrive.performance(spec, shift_time_s=0.0)
    r = edrive.performance(spec)
    assert r.shift_time_s == SHIFT_TIME_S[vm.transmission.kind] == 0.25
    ups = [v for v in r.upshift_speeds_m_s if v <= 100 / 3.6]
    assert len(ups) >= 2 and ups == sorted(ups)
    assert free.upshift_speeds_m_s == r.upshift_speeds_m_s
    # without interruptions the runs are the integral of the best gear's force, eq. (2)
    v = np.linspace(0.0, 100 / 3.6, 4001)
    road, _ = vm.road_load_parts(v, 0.0)
    f = np.minimum(vm.p2_gear_forces(v).max(axis=0), vm.grip_force_n(road, 0.0))
    a = (f - road) / vm.mass_effective_kg
    t = float(np.sum(np.diff(v) * 2 / (a[1:] + a[:-1])))
    assert free.accel_0_100_kmh_s == pytest.approx(t, rel=2e-3)
    # eq. (7): t_s (1 + R / (m a)) per upshift, at least t_s each
    extra = r.accel_0_100_kmh_s - free.accel_0_100_kmh_s
    assert len(ups) * 0.25 < extra < len(ups) * 0.25 * 1.2


def test_the_shift_time_is_checked_and_refused_without_a_stepped_gearbox():
    with pytest.raises(EdriveError, match="shift_time_s: -1; allowed 0 to 5"):
        edrive.performance("bmw_330e", shift_time_s=-1)
    with pytest.raises(EdriveError, match="power_split hybrid has no stepped gearbox"):
        edrive.performance("toyota_prius_gen4", shift_time_s=0.25)
    assert edrive.performance("toyota_prius_gen4").upshift_speeds_m_s == ()
