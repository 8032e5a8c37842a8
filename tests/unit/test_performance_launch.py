"""The torque ramp of a battery-electric car's launch (eq. 9 of edrive.sim.performance)
against closed forms and an independent time integration."""

from __future__ import annotations

import math

import pytest
from test_performance import PHYSICAL, R_WHEEL, RATIO, V100, car, unit

from edrive.constants import MPH_M_S
from edrive.powertrains.api import performance
from edrive.sim import performance as perf_mod
from edrive.sim import powertrain as pt

RATE = perf_mod.LAUNCH_TORQUE_RATE_NM_S


def test_the_default_gradient_is_the_slowest_of_the_cited_ones():
    assert RATE == 1000.0


def test_a_torque_limited_launch_loses_half_the_ramp_time(monkeypatch):
    """Constant force F = T G / r to 100 km/h (base speed above it, lossless, no road load):
    the ramp to T takes T / rho and costs half of it, on every run from standstill and on
    none from 80 km/h; the first foot is covered after the ramp, so the rollout figure is
    unchanged."""
    torque = 300.0
    spec = car(units=[unit("rear", 1000.0 * torque, torque)], mu=2.0)  # base 1000 rad/s
    ramped = performance(spec)
    monkeypatch.setattr(perf_mod, "LAUNCH_TORQUE_RATE_NM_S", math.inf)
    stepped = performance(spec)
    m_eff = spec.model().mass_effective_kg
    force = torque * RATIO / R_WHEEL
    assert stepped.accel_0_100_kmh_s == pytest.approx(m_eff * V100 / force, rel=1e-4)
    delay = 0.5 * torque / RATE
    assert ramped.accel_0_100_kmh_s == pytest.approx(stepped.accel_0_100_kmh_s + delay,
                                                     rel=1e-9)
    assert ramped.accel_0_60_mph_s == pytest.approx(stepped.accel_0_60_mph_s + delay, rel=1e-9)
    assert ramped.accel_80_120_kmh_s == pytest.approx(stepped.accel_80_120_kmh_s, rel=1e-9)
    # ramp distance a t^2 / 6 = 0.09 m < 0.3048 m: the rollout run does not see the ramp
    assert force / m_eff * (torque / RATE) ** 2 / 6 < 0.3048
    # (to the grid: the delay sits in the first interval, whose mean speed, 0.005 m/s, moves
    # the car 0.8 mm during it)
    assert ramped.accel_0_60_mph_rollout_s == pytest.approx(stepped.accel_0_60_mph_rollout_s,
                                                            rel=2e-4)


def test_a_grip_limited_launch_ramps_only_to_the_torque_grip_allows():
    """All-wheel drive at mu: the launch force mu m g needs (lossless) motor torque
    mu m g r / G in all, whichever unit gives it; the ramp costs half its time."""
    mu, m = 0.8, 1600.0
    spec = car(mass=m, mu=mu, units=[unit(a, 1.5e6, 5000.0) for a in ("front", "rear")])
    vm = spec.model()
    force = mu * m * 9.80665
    assert float(pt.propulsion_force_max(vm, 0.0, 0.0, 0.0, 0.97)) == pytest.approx(force)
    t_ramp = force * R_WHEEL / RATIO / RATE
    t_flat = V100 / (mu * 9.80665)
    assert performance(spec).accel_0_100_kmh_s == pytest.approx(t_flat + 0.5 * t_ramp,
                                                                rel=1e-4)


def test_eq_9_agrees_with_time_stepping_the_ramp():
    """Power-limited car with road load: eq. (2) plus eq. (9) against an RK4 integration of
    m_eff dv/dt = min(F_max(v), rho t G / r) - R(v), the ramp written out in time."""
    spec = car(units=[unit("rear", 120e3, 350.0, 1500.0, rotor_inertia=0.05)],
               wheel_inertia=0.9, road=PHYSICAL, mu=2.0)  # the motor binds, not grip
    vm = spec.model()

    def acc(t, v):
        road = vm.road_load_n(v)
        f_max = float(pt.propulsion_force_max(vm, v, 0.0, road, 0.97))
        f = min(f_max, RATE * t * RATIO / R_WHEEL)
        return max(f - road, 0.0) / vm.mass_effective_kg

    def time_to(v_end):
        dt, t, v = 1e-3, 0.0, 0.0
        while True:
            k1 = acc(t, v)
            k2 = acc(t + 0.5 * dt, v + 0.5 * dt * k1)
            k3 = acc(t + 0.5 * dt, v + 0.5 * dt * k2)
            k4 = acc(t + dt, v + dt * k3)
            v_new = v + dt * (k1 + 2 * k2 + 2 * k3 + k4) / 6
            if v_new >= v_end:
                return t + dt * (v_end - v) / (v_new - v)
            t, v = t + dt, v_new

    r = performance(spec)
    assert r.accel_0_100_kmh_s == pytest.approx(time_to(V100), rel=2e-3)
    assert r.accel_0_60_mph_s == pytest.approx(time_to(60 * MPH_M_S), rel=2e-3)
