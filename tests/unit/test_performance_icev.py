"""Full-throttle performance of combustion cars (edrive.sim.performance, eq. 5-7) against
closed-form answers: grip-limited launch, shift interruptions, converter stall and clutch
launch forces, the engine-speed cap on top speed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from edrive.constants import GRAVITY_M_S2 as G
from edrive.constants import KMH_M_S
from edrive.errors import EdriveError
from edrive.powertrains.api import performance
from edrive.sim.performance import SHIFT_TIME_S, engine_inertia_kg_m2
from edrive.vehicle import vehicle_from_dict

R_WHEEL = 0.32
V100 = 100 * KMH_M_S
PHYSICAL = {"physical": {"drag_coefficient": 0.3, "frontal_area_m2": 2.2,
                         "rolling_resistance": 0.01}}


def icev(*, mass=1600.0, mu=1.0, kind="automatic", ratios=(4.7, 3.1, 2.1, 1.7, 1.3, 1.0),
         final=3.0, road=None, speed_limit=None, h=0.5, L=2.8, front_share=0.5):
    d = {
        "type": "icev", "name": "analytic petrol car",
        "mass": {"test_mass_kg": mass},
        "road_load": road or PHYSICAL,
        "wheels": {"radius_m": R_WHEEL, "inertia_kg_m2": 0.0},
        "chassis": {"wheelbase_m": L, "cg_height_m": h, "front_axle_load_share": front_share,
                    "tyre_road_friction": mu},
        "driven_axle": "rear",
        "engine": "bmw_b48_2l_turbo_petrol",
        "transmission": {"kind": kind, "gear_ratios": list(ratios), "final_drive_ratio": final},
    }
    if speed_limit is not None:
        d["speed_limit_m_s"] = speed_limit
    return vehicle_from_dict(d)


def brentq(fn, lo, hi, iterations=200):
    """Root of fn between lo and hi by bisection (fn(lo) and fn(hi) of opposite sign)."""
    f_lo = fn(lo)
    assert f_lo * fn(hi) < 0
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        if (fn(mid) > 0) == (f_lo > 0):
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def t_net(vm, w):
    """Full-load torque less auxiliaries and transmission drag, eq. (5) [N*m]."""
    t0, cv = vm.transmission.drag
    return float(vm.engine.torque_max_nm(w)) - vm.aux_mech_power_w / w - t0 - cv * w


def grip_time(vm, v_end):
    """m_eff * integral dv / (grip - R) by the midpoint rule (no shift interruption)."""
    v = np.linspace(0.0, v_end, 40001)
    vmid = 0.5 * (v[1:] + v[:-1])
    road = vm.road_load_n(vmid)
    return float(np.sum(vm.mass_effective_kg * np.diff(v) / (vm.grip_force_n(road) - road)))


def test_grip_limited_launch_without_shift_time_matches_the_integral():
    # slippery road: every gear has more force than the tyres take; without engine inertia
    # the effective mass is the same in every gear and state
    spec = icev(mu=0.3)
    r = performance(spec, shift_time_s=0.0, engine_inertia=0.0)
    assert r.accel_0_100_kmh_s == pytest.approx(grip_time(spec.model(), V100), rel=1e-4)
    assert r.max_grade_limited_by[0] == "grip"


def test_each_upshift_adds_the_interruption_of_eq_7():
    spec = icev(mu=0.3)
    vm = spec.model()
    base = performance(spec, shift_time_s=0.0, engine_inertia=0.0)
    t_s = 0.3
    r = performance(spec, shift_time_s=t_s, engine_inertia=0.0)
    ups = [v for v in r.upshift_speeds_m_s if v < V100]
    assert len(ups) >= 1  # first gear runs out of engine speed before 100 km/h
    road = vm.road_load_n(np.array(ups))
    f = vm.grip_force_n(road)
    expected = float(np.sum(t_s * f / (f - road)))
    assert r.accel_0_100_kmh_s - base.accel_0_100_kmh_s == pytest.approx(expected, rel=1e-3)
    assert r.shift_time_s == t_s and r.report()["shift_time_s"] == t_s


def test_first_upshift_at_the_engine_speed_limit_when_grip_limited():
    spec = icev(mu=0.3)
    vm = spec.model()
    r = performance(spec)
    v_rev = vm.engine_spec.speed_max_rad_s * R_WHEEL / (4.7 * 3.0)
    # grip-limited in first and second: first is held to the rev limit (first grid point
    # past it, SPEED_STEP_M_S = 0.01 m/s)
    assert v_rev <= r.upshift_speeds_m_s[0] <= v_rev + 0.0101
    assert r.shift_time_s == SHIFT_TIME_S["automatic"]


def solve_grade(vm, force):
    """tan(theta) where force = f0 cos(theta) + m g sin(theta) (physical road load)."""
    m = vm.mass_kg
    f0 = vm.f0_n
    theta = brentq(lambda th: force - f0 * math.cos(th) - m * G * math.sin(th), 0.0, 1.4)
    return math.tan(theta)


def test_converter_stall_force_sets_the_standstill_grade():
    # heavy car on a grippy road with a tall first gear: engine-limited at standstill
    spec = icev(mass=3000.0, mu=1.5, ratios=(2.0, 1.5, 1.2, 1.0), final=2.0)
    vm = spec.model()
    tr = vm.transmission
    k0, tr0 = tr.converter_k_stall, tr.converter_torque_ratio_stall
    # stall: the pump absorbs (omega / K0)^2 at speed ratio 0
    w_stall = brentq(lambda w: t_net(vm, w) - (w / k0) ** 2, 80.0, 700.0)
    g1 = 2.0 * 2.0
    force = tr0 * t_net(vm, w_stall) * g1 * tr.efficiencies[0] / R_WHEEL
    r = performance(spec)
    assert r.max_grade_limited_by[0] == "engine"
    assert r.max_grade[0] == pytest.approx(solve_grade(vm, force), rel=1e-4)


def test_clutch_launch_holds_the_launch_speed():
    spec = icev(mass=3000.0, mu=1.5, kind="manual", ratios=(2.0, 1.5, 1.2, 1.0), final=2.0)
    vm = spec.model()
    tr = vm.transmission
    w_launch = max(tr.launch_speed, vm.engine_spec.speed_idle_rad_s)
    force = t_net(vm, w_launch) * 4.0 * tr.efficiencies[0] / R_WHEEL
    r = performance(spec)
    assert r.max_grade_limited_by[0] == "engine"
    assert r.max_grade[0] == pytest.approx(solve_grade(vm, force), rel=1e-4)
    # the converter multiplies torque, the clutch does not: the automatic climbs more
    auto = performance(icev(mass=3000.0, mu=1.5, ratios=(2.0, 1.5, 1.2, 1.0), final=2.0))
    assert auto.max_grade[0] > r.max_grade[0]


def test_top_speed_capped_by_engine_speed_or_speed_limit():
    spec = icev(mass=1000.0, ratios=(4.0, 3.0, 2.5, 2.2), final=4.0)
    r = performance(spec)
    v_engine = spec.model().engine_spec.speed_max_rad_s * R_WHEEL / (2.2 * 4.0)
    assert r.top_speed_limited_by == "engine_speed"
    assert r.top_speed_m_s == pytest.approx(v_engine)
    limited = performance(icev(mass=1000.0, ratios=(4.0, 3.0, 2.5, 2.2), final=4.0,
                               speed_limit=20.0))
    assert limited.top_speed_limited_by == "speed_limit"
    assert limited.top_speed_m_s == pytest.approx(20.0)


def test_top_speed_power_limited_where_force_meets_road_load():
    spec = icev()
    vm = spec.model()
    r = performance(spec)
    assert r.top_speed_limited_by == "power"
    v = r.top_speed_m_s
    # no gear gives more than the road load at the top speed (engine limited, eq. 5)
    w = v / R_WHEEL * vm.transmission.overall_ratios
    ok = w <= vm.engine_spec.speed_max_rad_s
    f = np.array([t_net(vm, wi) for wi in w[ok]]) * vm.transmission.overall_ratios[ok] \
        * vm.transmission.efficiencies[ok] / R_WHEEL
    assert f.max() == pytest.approx(float(vm.road_load_n(v)), rel=1e-4)


def test_longer_shifts_and_more_inertia_are_slower():
    spec = icev()
    t = [performance(spec, shift_time_s=x).accel_0_100_kmh_s for x in (0.0, 0.2, 0.5)]
    assert t[0] < t[1] < t[2]
    j = engine_inertia_kg_m2(spec.model().engine_spec.displacement_m3)
    assert j == pytest.approx(0.10 + 0.04 * 1.998)
    light = performance(spec, engine_inertia=0.0).accel_0_100_kmh_s
    heavy = performance(spec, engine_inertia=1.0).accel_0_100_kmh_s
    assert light < performance(spec).accel_0_100_kmh_s < heavy


@pytest.mark.parametrize("kwargs, field", [
    ({"soc": 0.5}, "soc"),
    ({"shift_time_s": -0.1}, "shift_time_s"),
    ({"shift_time_s": math.nan}, "shift_time_s"),
    ({"engine_inertia": 50.0}, "engine_inertia"),
])
def test_bad_options_for_a_combustion_car(kwargs, field):
    with pytest.raises(EdriveError, match=field):
        performance(icev(), **kwargs)


def test_shift_time_is_refused_for_an_electric_car():
    with pytest.raises(EdriveError, match="shift_time_s"):
        performance("mini_cooper_se", shift_time_s=0.2)


def test_hybrid_options_that_do_not_apply_are_one_line_errors():
    with pytest.raises(EdriveError, match="shift_time_s: 0.2; a power_split hybrid has no "
                                          "stepped gearbox"):
        performance("toyota_prius_gen4", shift_time_s=0.2)
