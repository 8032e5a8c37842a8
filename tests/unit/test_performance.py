"""Full-throttle performance (edrive.sim.performance) against closed-form answers."""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np
import pytest

from edrive.constants import GRAVITY_M_S2 as G
from edrive.constants import KMH_M_S, MPH_M_S
from edrive.errors import EdriveError
from edrive.powertrains.api import performance
from edrive.sim import performance as perf_mod
from edrive.sim import powertrain as pt
from edrive.sim.performance import PerformanceResult
from edrive.vehicle import vehicle_from_dict

LOSSLESS = {"copper_fraction": 0, "iron_fraction": 0, "windage_fraction": 0,
            "constant_fraction": 0, "inverter_fraction": 0}
R_WHEEL = 0.35
RATIO = 10.0
V100 = 100 * KMH_M_S


@pytest.fixture(autouse=True)
def _no_launch_ramp(monkeypatch):
    """The closed forms here are those of eq. (1)-(8): no torque ramp at launch (eq. 9, tested
    in test_performance_launch.py)."""
    monkeypatch.setattr(perf_mod, "LAUNCH_TORQUE_RATE_NM_S", math.inf)


def unit(axle, power_w, torque_nm, speed_max_rad_s=2000.0, rotor_inertia=0.0):
    return {"axle": axle,
            "motor": {"power_peak_w": power_w, "torque_peak_nm": torque_nm,
                      "speed_max_rad_s": speed_max_rad_s, "rotor_inertia_kg_m2": rotor_inertia,
                      "losses": dict(LOSSLESS)},
            "gear": {"ratio": RATIO, "mesh_efficiency": 1.0, "drag_torque_nm": 0.0}}


def car(*, mass=1500.0, units=None, road=None, mu=1.0, front_share=0.5, h=0.55, L=2.85,
        wheel_inertia=0.0, speed_limit=None, battery_power=5e6, cells_parallel=20,
        cell_resistance=1e-3, soc_initial=None):
    """A lossless test car (gear efficiency 1, no drag torque, no auxiliary load)."""
    d = {
        "name": "analytic car",
        "mass": {"test_mass_kg": mass},
        # f0 = f1 = 0 and the smallest f2 allowed: no road load to speak of
        "road_load": road or {"coastdown": {"f0_n": 0.0, "f1_n_per_m_s": 0.0,
                                            "f2_n_per_m2_s2": 1e-6}},
        "wheels": {"radius_m": R_WHEEL, "inertia_kg_m2": wheel_inertia},
        "chassis": {"wheelbase_m": L, "cg_height_m": h, "front_axle_load_share": front_share,
                    "tyre_road_friction": mu},
        "drive_units": units or [unit("rear", 1.5e6, 5000.0)],
        "battery": {"cells_series": 108, "cells_parallel": cells_parallel,
                    "cell_capacity_as": 360000.0, "cell_resistance_ohm": cell_resistance,
                    "power_discharge_max_w": battery_power, "power_charge_max_w": 150e3},
        "aux_power_w": 0.0,
    }
    if soc_initial is not None:
        d["battery"]["soc_initial"] = soc_initial
    if speed_limit is not None:
        d["speed_limit_m_s"] = speed_limit
    return vehicle_from_dict(d)


# --- (1) grip-limited launch ---------------------------------------------------------------

@pytest.mark.parametrize("drive", ["rwd", "fwd", "awd"])
def test_grip_limited_launch_matches_load_transfer_formula(drive):
    mu, wf, h, L, m = 0.9, 0.45, 0.6, 2.8, 1800.0
    axles = {"rwd": ["rear"], "fwd": ["front"], "awd": ["front", "rear"]}[drive]
    spec = car(mass=m, mu=mu, front_share=wf, h=h, L=L,
               units=[unit(a, 1.5e6, 5000.0) for a in axles])
    # Gillespie ch. 2, traction-limited acceleration with m_eff = m (no rotating inertia):
    # N_driven = m g w +- m a h / L and m a = mu N_driven
    a = {"rwd": mu * G * (1 - wf) / (1 - mu * h / L),
         "fwd": mu * G * wf / (1 + mu * h / L),
         "awd": mu * G}[drive]
    r = performance(spec)
    assert r.accel_0_100_kmh_s == pytest.approx(V100 / a, rel=1e-4)
    assert r.accel_0_60_mph_s == pytest.approx(60 * MPH_M_S / a, rel=1e-4)
    assert r.accel_80_120_kmh_s == pytest.approx(40 * KMH_M_S / a, rel=1e-4)


@pytest.mark.parametrize("drive", ["rwd", "fwd", "awd"])
def test_grip_limited_launch_accelerates_the_car_and_its_non_driven_wheels(drive):
    """Eq. (10): once grip binds, the tyres' force F accelerates the car and its non-driven
    wheels, m_grip a = F, the load transfer being m a h / L; the driven wheels and the
    rotor turn on the motor's surplus torque. Rear-wheel drive: a = mu m g (1 - w_f) /
    (m_grip - mu m h / L); front: a = mu m g w_f / (m_grip + mu m h / L); all: a = mu g."""
    mu, m, wf, h, L, j_w = 0.9, 1800.0, 0.5, 0.55, 2.85, 0.9
    axles = {"rwd": ["rear"], "fwd": ["front"], "awd": ["front", "rear"]}[drive]
    spec = car(mass=m, mu=mu, front_share=wf, h=h, L=L, wheel_inertia=j_w,
               units=[unit(a, 1.5e6, 5000.0, rotor_inertia=0.05) for a in axles])
    m_grip = m + (0.0 if drive == "awd" else 2 * j_w / R_WHEEL**2)
    a = {"rwd": mu * m * G * (1 - wf) / (m_grip - mu * m * h / L),
         "fwd": mu * m * G * wf / (m_grip + mu * m * h / L),
         "awd": mu * G}[drive]
    # what does not count, per driven axle: the rotor at 10:1 (41 kg at the wheel) and two
    # driven wheels (15 kg)
    driven_kg = 0.05 * RATIO**2 / R_WHEEL**2 + 2 * j_w / R_WHEEL**2
    assert spec.model().mass_effective_kg - m_grip == pytest.approx(len(axles) * driven_kg)
    assert performance(spec).accel_0_100_kmh_s == pytest.approx(V100 / a, rel=1e-4)


def test_rollout_leaves_out_the_first_foot_at_constant_acceleration():
    """Eq. (8): at constant acceleration a the first foot takes sqrt(2 x0 / a), so a US road
    test's 0-60 mph is v / a - sqrt(2 x0 / a)."""
    mu, m = 0.9, 1800.0
    spec = car(mass=m, mu=mu, units=[unit(a, 1.5e6, 5000.0) for a in ("front", "rear")])
    a = mu * G
    r = performance(spec, speed_step_m_s=1e-3)
    v60 = 60 * MPH_M_S
    assert r.accel_0_60_mph_rollout_s == pytest.approx(v60 / a - math.sqrt(2 * 0.3048 / a),
                                                       rel=1e-4)
    assert r.report()["accel_0_60_mph_rollout_s"] == r.accel_0_60_mph_rollout_s
    slow = performance(car(speed_limit=20.0))
    assert slow.accel_0_60_mph_s is None and slow.accel_0_60_mph_rollout_s is None


def test_grip_limited_launch_with_road_load_is_a_little_slower():
    spec = car(mass=1800.0, mu=0.9, road={"physical": {"drag_coefficient": 0.3,
                                                       "frontal_area_m2": 2.3,
                                                       "rolling_resistance": 0.01}})
    vm = spec.model()
    a0 = 0.9 * G * 0.5 / (1 - 0.9 * 0.55 / 2.85)
    t_flat = V100 / a0
    t = performance(spec).accel_0_100_kmh_s
    assert t_flat < t < 1.05 * t_flat  # road load (about 3 % of the grip force) slows it
    # the grip limit with road load, integrated independently by the midpoint rule
    v = np.linspace(0, V100, 20001)
    vmid = 0.5 * (v[1:] + v[:-1])
    road = vm.road_load_n(vmid)
    f = vm.grip_force_n(road)
    assert t == pytest.approx(np.sum(vm.mass_effective_kg * np.diff(v) / (f - road)), rel=1e-4)


# --- (2) power-limited runs ----------------------------------------------------------------

def test_constant_power_run_matches_kinetic_energy():
    # torque so high that base speed is 0.175 m/s: constant power P at the wheel all along
    p = 100e3
    spec = car(units=[unit("rear", p, 2e4, rotor_inertia=0.05)], wheel_inertia=0.9, mu=1.5)
    m_eff = 1500.0 + 4 * 0.9 / R_WHEEL**2 + 0.05 * RATIO**2 / R_WHEEL**2
    assert spec.model().mass_effective_kg == pytest.approx(m_eff)
    r = performance(spec)
    v1, v2 = 80 * KMH_M_S, 120 * KMH_M_S
    assert r.accel_80_120_kmh_s == pytest.approx(m_eff * (v2**2 - v1**2) / (2 * p), rel=1e-4)


def test_grip_then_constant_power_awd():
    # AWD: grip mu m g (no load-transfer effect), then constant power from v_g = P / F_g
    p, mu, m = 300e3, 1.2, 1600.0
    spec = car(mass=m, mu=mu, units=[unit("front", p / 2, 2e4), unit("rear", p / 2, 2e4)])
    f_g = mu * m * G
    v_g = p / f_g
    t = m * v_g / f_g + m * (V100**2 - v_g**2) / (2 * p)
    assert performance(spec).accel_0_100_kmh_s == pytest.approx(t, rel=1e-4)


def test_battery_power_limits_and_soc():
    # the battery (not the 300 kW motor) sets the power: 100 kW, lossless
    spec = car(units=[unit("rear", 300e3, 2e4)], mu=1.5, battery_power=100e3)
    v1, v2 = 80 * KMH_M_S, 120 * KMH_M_S
    r = performance(spec)
    assert r.accel_80_120_kmh_s == pytest.approx(1500 * (v2**2 - v1**2) / (2 * 100e3), rel=1e-4)
    # a weak pack: the matched-load power V_oc^2 / (4 R) binds and falls with SOC
    weak = car(units=[unit("rear", 300e3, 2e4)], mu=1.5, cells_parallel=1,
               cell_resistance=0.2e-3 * 108)
    full, low = performance(weak, soc=0.95), performance(weak, soc=0.1)
    assert low.accel_80_120_kmh_s > full.accel_80_120_kmh_s
    bat = weak.model().battery
    p_full = float(bat.power_discharge_limit_w(0.95))
    assert p_full < 300e3
    assert full.accel_80_120_kmh_s == pytest.approx(1500 * (v2**2 - v1**2) / (2 * p_full),
                                                    rel=1e-4)


def test_integral_agrees_with_time_stepping():
    """Eq. (2) on the speed grid against an independent RK4 time integration of eq. (1), with
    eq. (10) where grip binds: the tyres' force, with the load transfer of the acceleration
    it gives, accelerates the car and its front (non-driven) wheels only."""
    spec = car(units=[unit("rear", 150e3, 300.0, 1500.0, rotor_inertia=0.05)], wheel_inertia=0.9,
               mu=0.8, road={"physical": {"drag_coefficient": 0.3, "frontal_area_m2": 2.3,
                                          "rolling_resistance": 0.01}})
    vm = spec.model()
    m, m_grip = 1500.0, 1500.0 + 2 * 0.9 / R_WHEEL**2
    h_l = 0.55 / 2.85

    def acc(v):
        road = vm.road_load_n(v)
        drive = float(pt.propulsion_force_max(vm, v, 0.0, road, 0.97, grip=False))
        # rear axle at mu: F = mu (m g (1 - w_f) + m a h / L), m_grip a = F - R
        a_grip = (0.8 * m * G * 0.5 - road) / (m_grip - 0.8 * m * h_l)
        return min((drive - road) / vm.mass_effective_kg, a_grip)

    dt, t, v = 2e-3, 0.0, 0.0
    while True:
        k1 = acc(v)
        k2 = acc(v + 0.5 * dt * k1)
        k3 = acc(v + 0.5 * dt * k2)
        k4 = acc(v + dt * k3)
        v_new = v + dt * (k1 + 2 * k2 + 2 * k3 + k4) / 6
        if v_new >= V100:
            t += dt * (V100 - v) / (v_new - v)
            break
        t, v = t + dt, v_new
    assert performance(spec).accel_0_100_kmh_s == pytest.approx(t, rel=2e-3)


# --- (3) top speed -------------------------------------------------------------------------

PHYSICAL = {"physical": {"drag_coefficient": 0.3, "frontal_area_m2": 2.2,
                         "rolling_resistance": 0.01}}


def test_top_speed_power_limited():
    p = 100e3
    spec = car(units=[unit("rear", p, 300.0)], road=PHYSICAL)
    f0 = 1500 * G * 0.01
    f2 = 0.5 * 1.2 * 0.3 * 2.2
    roots = np.roots([f2, 0.0, f0, -p])  # P = (f0 + f2 v^2) v
    v_top = float(max(x.real for x in roots if abs(x.imag) < 1e-9))
    r = performance(spec)
    assert r.top_speed_limited_by == "power"
    assert r.top_speed_m_s == pytest.approx(v_top, rel=1e-6)
    assert r.top_speed_m_s < 2000.0 * R_WHEEL / RATIO


def test_top_speed_motor_speed_and_speed_limit():
    r = performance(car(units=[unit("rear", 100e3, 300.0, 1200.0)], road=PHYSICAL))
    assert r.top_speed_limited_by == "motor_speed"
    assert r.top_speed_m_s == pytest.approx(1200.0 * R_WHEEL / RATIO)

    r = performance(car(units=[unit("rear", 100e3, 300.0)], road=PHYSICAL, speed_limit=40.0))
    assert r.top_speed_limited_by == "speed_limit"
    assert r.top_speed_m_s == pytest.approx(40.0)
    assert r.accel_80_120_kmh_s is not None  # 120 km/h = 33.3 m/s is below the limit

    r = performance(car(units=[unit("rear", 100e3, 300.0)], road=PHYSICAL, speed_limit=30.0))
    assert r.top_speed_m_s == pytest.approx(30.0)
    assert r.accel_0_100_kmh_s is not None and r.accel_80_120_kmh_s is None
    assert "below the end speed" in r.notes["accel_80_120_kmh_s"]
    assert math.isnan(r.report()["accel_80_120_kmh_s"] or math.nan)


def test_slow_car_cannot_reach_100():
    r = performance(car(units=[unit("rear", 10e3, 300.0)], road=PHYSICAL))
    assert r.top_speed_limited_by == "power" and r.top_speed_m_s < V100
    assert r.accel_0_100_kmh_s is None and r.accel_0_60_mph_s is None
    assert set(r.notes) >= {"accel_0_100_kmh_s", "accel_0_60_mph_s", "accel_80_120_kmh_s",
                            "max_grade at 100 km/h"}
    assert r.max_grade[2] is None and r.max_grade[0] > 0


# --- (4) gradeability ----------------------------------------------------------------------

@pytest.mark.parametrize("drive", ["rwd", "fwd", "awd"])
def test_max_grade_at_standstill_grip_limited(drive):
    mu, wf, h, L, crr = 0.7, 0.55, 0.6, 2.7, 0.01
    axles = {"rwd": ["rear"], "fwd": ["front"], "awd": ["front", "rear"]}[drive]
    spec = car(mu=mu, front_share=wf, h=h, L=L, wheel_inertia=0.9,
               units=[unit(a, 1.5e6, 5000.0, rotor_inertia=0.05) for a in axles],
               road={"physical": {"drag_coefficient": 0.3, "frontal_area_m2": 2.2,
                                  "rolling_resistance": crr}})
    # a = 0 on grade theta: f0 cos + m g sin = mu N_driven, with the grade force m g sin(theta)
    # acting at the centre of gravity: N_rear = m g (cos (1 - wf) + sin h / L)
    expected = {"rwd": (mu * (1 - wf) - crr) / (1 - mu * h / L),
                "fwd": (mu * wf - crr) / (1 + mu * h / L),
                "awd": mu - crr}[drive]
    r = performance(spec, grade_speeds_m_s=[0.0])
    assert r.max_grade[0] == pytest.approx(expected, rel=1e-6)
    assert r.max_grade_limited_by == ("grip",)


def test_max_grade_motor_limited():
    spec = car(units=[unit("rear", 150e3, 250.0)], road=PHYSICAL, mu=1.2)
    f = 250.0 * RATIO / R_WHEEL
    m, f0 = 1500.0, 1500.0 * G * 0.01
    # f0 cos + m g sin = F  ->  solve for theta
    theta = np.arcsin(f / math.hypot(m * G, f0)) - math.atan2(f0, m * G)
    r = performance(spec, grade_speeds_m_s=(0.0, 5.0))
    assert r.max_grade[0] == pytest.approx(math.tan(theta), rel=1e-6)
    assert r.max_grade_limited_by[0] == "motor"
    assert r.max_grade[1] < r.max_grade[0]  # a little aero drag at 5 m/s


# --- (5) monotonic in power ----------------------------------------------------------------

def _test_car_dict():
    return {
        "name": "Test car",
        "mass": {"kerb_mass_kg": "2185 kg", "payload_kg": "100 kg"},
        "road_load": {"physical": {"drag_coefficient": 0.29, "frontal_area_m2": 2.6,
                                   "rolling_resistance": 0.008}},
        "wheels": {"tyre": "245/50 R19"},
        "drive_units": [{"axle": "rear",
                         "motor": {"power_peak_w": "210 kW", "torque_peak_nm": "400 N*m",
                                   "speed_max_rad_s": "17000 rpm"},
                         "gear": {"ratio": 10.0}}],
        "battery": {"cells_series": 108, "cells_parallel": 2, "cell_capacity_as": "100 Ah",
                    "cell_resistance_ohm": "1.2 mohm", "power_discharge_max_w": "250 kW",
                    "power_charge_max_w": "150 kW"},
    }


def test_more_power_is_never_slower():
    results = []
    for kw in (80, 120, 160, 210, 260, 320):
        d = copy.deepcopy(_test_car_dict())
        d["drive_units"][0]["motor"]["power_peak_w"] = kw * 1e3
        d["drive_units"][0]["motor"]["torque_peak_nm"] = kw * 1e3 / 500.0  # base 500 rad/s
        d["battery"]["power_discharge_max_w"] = 1.25 * kw * 1e3
        results.append(performance(vehicle_from_dict(d), grade_speeds_m_s=(0.0, 20.0, 30.0)))
    for slow, fast in itertools.pairwise(results):
        for name in ("accel_0_100_kmh_s", "accel_0_60_mph_s", "accel_80_120_kmh_s"):
            if getattr(slow, name) is not None:
                assert getattr(fast, name) is not None
                assert getattr(fast, name) < getattr(slow, name)
        assert fast.top_speed_m_s >= slow.top_speed_m_s
        for gs, gf in zip(slow.max_grade, fast.max_grade, strict=True):
            assert gs is None or gf >= gs


# --- result object, inputs -----------------------------------------------------------------

def test_report_and_dict():
    r = performance(car(units=[unit("rear", 150e3, 300.0)], road=PHYSICAL))
    assert isinstance(r, PerformanceResult)
    rep = r.report()
    assert rep["top_speed_kmh"] == pytest.approx(r.top_speed_m_s * 3.6)
    assert list(rep["max_grade_pct"]) == ["0 km/h", "50 km/h", "100 km/h"]
    assert rep["max_grade_pct"]["50 km/h"] == pytest.approx(100 * r.max_grade[1])
    d = r.to_dict()
    assert d["max_grade"] == list(r.max_grade) and d["top_speed_m_s"] == r.top_speed_m_s
    assert r.accel_0_60_mph_s < r.accel_0_100_kmh_s


def test_soc_default_and_window():
    spec = car(soc_initial=0.5)
    assert performance(spec).soc == 0.5
    assert performance(car()).soc == pytest.approx(0.97)
    with pytest.raises(EdriveError, match="soc"):
        performance(spec, soc=0.999)
    with pytest.raises(EdriveError, match="grade_speeds_m_s"):
        performance(spec, grade_speeds_m_s=[-1.0])


def test_yaml_path(tmp_path):
    import yaml

    path = tmp_path / "car.yaml"
    path.write_text(yaml.safe_dump(_test_car_dict()), "utf-8")
    r = performance(str(path))
    assert r.vehicle == "Test car"
    assert 4 < r.accel_0_100_kmh_s < 10
    assert r.top_speed_limited_by == "motor_speed"


def test_the_first_sign_change_is_narrowed_in_array_calls():
    from edrive.sim.performance import _narrow

    calls = []

    def below(x):  # true below 0.3
        calls.append(len(x))
        return x < 0.3

    lo, hi = _narrow(below, 0.0, 1.0)
    # 1e-10 is reached after seven passes (32^-7 = 2.9e-11), as seven array calls of 31
    # points rather than thirty-four scalar bisections
    assert lo < 0.3 <= hi and hi - lo <= 1e-10 and hi - lo > 2.0**-50
    assert calls == [31] * 7
    # a wide start: 2^-50 of the width after the ten passes, short of 1e-10
    lo, hi = _narrow(lambda x: x < 3e5, 0.0, 1e6)
    assert lo < 3e5 <= hi and 1e-10 < hi - lo <= 1e6 * 2.0**-50 * (1 + 1e-9)
    # the first change, not a later one: true below 0.2, false to 0.6, true after
    lo, hi = _narrow(lambda x: (x <= 0.2) | (x >= 0.6), 0.0, 1.0)
    assert lo <= 0.2 < hi and hi - lo <= 1e-10
    # true at every inner point: the change lies in the last interval
    lo, hi = _narrow(lambda x: x < 1.0, 0.0, 1.0)
    assert hi == 1.0 and 1.0 - lo <= 1e-10


def test_a_coarser_speed_grid_gives_the_same_times_to_second_order():
    spec = car(units=[unit("rear", 150e3, 300.0)], road=PHYSICAL)
    fine = performance(spec, grade_speeds_m_s=())
    coarse = performance(spec, grade_speeds_m_s=(), speed_step_m_s=0.1)
    for run in ("accel_0_100_kmh_s", "accel_0_60_mph_s", "accel_80_120_kmh_s"):
        assert getattr(coarse, run) == pytest.approx(getattr(fine, run), rel=1e-5)
    assert coarse.top_speed_m_s == pytest.approx(fine.top_speed_m_s, rel=1e-9)
    for bad in (0.0, 2.0, True, "0.1", float("nan")):
        with pytest.raises(EdriveError, match=r"^speed_step_m_s: .*; allowed: a number from "
                                              r"0.0001 to 1 m/s$"):
            performance(spec, speed_step_m_s=bad)


@pytest.mark.parametrize("axles", [["rear"], ["front", "rear"]])
def test_battery_limited_force_is_the_available_power_over_speed(axles, monkeypatch):
    # lossless units, gear efficiency 1, no drag: P_dc = F v, so where the battery binds
    # F = P_available / v exactly
    spec = car(units=[unit(a, 1.5e6, 5000.0) for a in axles], battery_power=80e3)
    vm = spec.model()
    v = np.array([12.0, 30.0, 55.0])  # above 10 m/s, below the grip limit
    road, _ = vm.road_load_parts(v, 0.0)
    calls = []
    real = pt.dc_power_total
    monkeypatch.setattr(pt, "dc_power_total", lambda *a: calls.append(1) or real(*a))
    f = pt.propulsion_force_max(vm, v, 0.0, road, 0.9)
    assert f == pytest.approx(80e3 / v, rel=1e-9)
    assert (f * v <= 80e3 * (1 + 1e-12)).all()  # from below: within the power, to rounding
    assert len(calls) <= 5         # the power at both ends, then a step or two; not thirty
