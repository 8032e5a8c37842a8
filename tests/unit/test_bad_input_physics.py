"""Physics that refuses the impossible: the battery stays in its usable window in every
simulation path (it runs empty and the car falls behind the trace; regeneration stops at
the top), the audit checks the window, cars too weak for their cycle follow it as closely as
they can by the same rule whatever their powertrain, and the range test stays bounded."""

import numpy as np
import pytest

from edrive import performance, simulate, wltp_range
from edrive.components.battery import SOC_TOLERANCE, check_soc_window
from edrive.cycles import DriveCycle, load_cycle
from edrive.errors import EdriveError, TraceMissError
from edrive.sim import bev, core
from edrive.sim import powertrain as pt
from edrive.sim.hev import simulate_hev
from edrive.vehicle import load_vehicle, vehicle_from_dict
from tests.conftest import make_vehicle

SMALL_PACK = {"battery__cells_parallel": 1, "battery__cell_capacity_as": 2 * 3600.0}


def ramp_and_hold(v, hold_s, grade=0.0, name="hold"):
    """0 to v in 10 s, then v held for hold_s seconds (1 s samples)."""
    t = np.arange(0.0, 10.0 + hold_s + 1)
    return DriveCycle(name, t, np.minimum(t / 10.0, 1.0) * v, np.full(t.size, grade))


def test_the_battery_runs_empty_and_the_car_falls_behind():
    car = make_vehicle(**SMALL_PACK)
    bat = car.model().battery
    res = simulate(car, ramp_and_hold(25.0, 900))
    s, ts = res.summary, res.timeseries
    assert s["battery_empty_at_s"] is not None and 100 < s["battery_empty_at_s"] < 900
    assert ts["soc"].min() >= bat.soc_min - SOC_TOLERANCE
    assert s["soc_end"] == pytest.approx(bat.soc_min, abs=1e-9)
    # no more than the usable energy is drawn (to the first-order error of stepping the open-
    # circuit voltage at each interval's start), and the car coasts to a stop once it is spent
    assert s["battery_chemical_energy_j"] <= bat.energy_usable_j * 1.01
    after = ts[ts["time_s"] > s["battery_empty_at_s"]]
    assert (after["battery_power_w"] <= 1e-2).all()
    assert after["speed_m_s"].iloc[-1] == 0.0 and s["trace_missed_s"] > 300
    assert res.trace_misses[0][0] >= s["battery_empty_at_s"]
    assert abs(s["audit_residual"]) < 1e-9
    assert res.report()["battery_empty_at_s"] == s["battery_empty_at_s"]
    with pytest.raises(TraceMissError):
        simulate(car, ramp_and_hold(25.0, 900), trace_miss="error")


def test_an_empty_battery_still_takes_regeneration_and_spends_it():
    car = make_vehicle(**SMALL_PACK)
    bat = car.model().battery
    spent = simulate(car, ramp_and_hold(25.0, 900)).summary["battery_empty_at_s"]
    # the trace stops soon after the battery is empty (the car, coasting, brakes with it),
    # then asks to go again
    t = np.arange(0.0, spent + 201)
    v = np.interp(t, [0, 10, spent + 20, spent + 26, spent + 60, spent + 70],
                  [0, 25, 25, 0, 0, 25])
    res = simulate(car, DriveCycle("stop and go", t, v, np.zeros_like(t)))
    ts = res.timeseries
    assert res.summary["battery_empty_at_s"] == spent
    soc = ts["soc"].to_numpy()
    after = soc[ts["time_s"].to_numpy() > spent]
    assert after.max() > bat.soc_min + 1e-6  # the stop recharges a little
    assert soc.min() >= bat.soc_min - SOC_TOLERANCE
    moved = ts["speed_m_s"].to_numpy()[ts["time_s"].to_numpy() > spent + 60]
    assert moved.max() > 0.0 and moved[-1] == 0.0  # spent again, then standing at the end


def test_regeneration_stops_at_a_full_battery():
    car = make_vehicle(**SMALL_PACK)
    bat = car.model().battery
    t = np.arange(0.0, 601.0)
    downhill = DriveCycle("downhill", t, np.full(t.size, 20.0), np.full(t.size, -0.08))
    res = simulate(car, downhill, soc_initial=bat.soc_max)
    ts, s = res.timeseries, res.summary
    assert ts["soc"].max() <= bat.soc_max + SOC_TOLERANCE
    # the motor recovers no more than the auxiliaries use (to rounding of the per-interval
    # bisection); the brakes take the rest
    assert res.route == "compiled_bev"
    assert s["regen_energy_j"] <= s["energy_j"]["aux_j"] * (1 + 1e-12)
    assert s["energy_j"]["friction_brakes_j"] > 0.5 * -s["energy_j"]["grade_j"]
    assert s["trace_missed_s"] == 0 and abs(s["audit_residual"]) < 1e-6


def test_an_empty_battery_cannot_start_the_car():
    car = make_vehicle(**SMALL_PACK)
    bat = car.model().battery
    res = simulate(car, "udds", soc_initial=bat.soc_min)
    s = res.summary
    assert s["distance_m"] == 0.0 and s["battery_empty_at_s"] == 0.0
    assert s["soc_end"] == pytest.approx(bat.soc_min, abs=1e-12)
    assert s["energy_j"]["aux_j"] == 0.0  # not even the auxiliaries get power


def test_the_audit_fails_loudly_when_the_state_of_charge_leaves_the_window(monkeypatch):
    with pytest.raises(RuntimeError, match="leaves the usable window"):
        check_soc_window(0.05 - 1e-6, 0.9, 0.05, 0.95, "test")
    check_soc_window(0.05 - 0.5 * SOC_TOLERANCE, 0.95, 0.05, 0.95, "test")
    # a simulation whose battery limit were lost is stopped by its audit
    recorded = bev._recorded

    def unlimited(*args):
        v_ach, iv, drive, current, soc, ocv, soc_end = recorded(*args)
        return v_ach, iv, drive, current, soc - 0.5, ocv, soc_end - 0.5

    monkeypatch.setattr(bev, "_recorded", unlimited)
    with pytest.raises(RuntimeError, match="leaves the usable window"):
        simulate(make_vehicle(**SMALL_PACK), ramp_and_hold(25.0, 900))


@pytest.mark.parametrize("strategy", ["ecms", "rule", "dp"])
def test_a_hybrid_battery_stays_in_its_window(strategy):
    """A plug-in started at the bottom of its window, standing still (the P2 motor cannot
    charge at standstill): the auxiliaries go short rather than the battery below soc_min."""
    spec = load_vehicle("bmw_330e")
    bat = spec.model().battery
    res = simulate_hev(spec, load_cycle("udds"), soc_initial=bat.soc_min, strategy=strategy)
    s = res.summary
    assert res.series["soc"].min() >= bat.soc_min - SOC_TOLERANCE
    assert s["energy_j"]["aux_j"] < spec.aux_power_w * s["duration_s"]
    assert abs(s["audit_residual"]) < 1e-9


def test_a_hybrid_that_needs_its_battery_to_boost_falls_behind_when_it_is_low():
    from tests.unit.test_hybrid import SERIES

    spec = vehicle_from_dict(SERIES | {"engine_levels": 6, "generator": {
        "power_peak_w": 25e3, "torque_peak_nm": 100, "speed_max_rad_s": 1000}})
    bat = spec.model().battery
    cyc = load_cycle("us06")
    full = simulate_hev(spec, cyc, soc_initial=bat.soc_max, strategy="ecms").summary
    low = simulate_hev(spec, cyc, soc_initial=bat.soc_min + 0.01, strategy="ecms")
    assert low.series["soc"].min() >= bat.soc_min - SOC_TOLERANCE
    assert low.summary["trace_missed_s"] > full["trace_missed_s"]
    assert abs(low.summary["audit_residual"]) < 1e-9


def test_a_slope_too_steep_to_climb_stops_the_car_and_the_audit_still_closes():
    weak = make_vehicle(drive_units__0__motor__power_peak_w=20e3,
                        drive_units__0__motor__torque_peak_nm=60.0)
    t = np.arange(0.0, 121.0)
    res = simulate(weak, DriveCycle("wall", t, np.full(t.size, 10.0), np.full(t.size, 0.4)))
    s = res.summary
    assert res.series["speed_m_s"][-1] == 0.0 and s["trace_missed_s"] > 100
    assert abs(s["audit_residual"]) < 1e-9
    # the brakes hold it; the scheme's error for the interval it stops in is small
    assert abs(s["energy_j"]["friction_brakes_j"]) < 0.01 * s["energy_j"]["grade_j"]


def _assert_largest_feasible(chassis, cyc, v_ach, feasible):
    """Every missed interval ends at the largest feasible speed (to the search tolerance)."""
    t, v_t = cyc.time_s, np.minimum(cyc.speed_m_s, chassis.speed_max_m_s)
    grade = 0.5 * (cyc.grade[1:] + cyc.grade[:-1])
    dt = np.diff(t)
    missed = np.flatnonzero(v_ach[1:] < v_t[1:])
    assert missed.size > 10
    for k in missed:
        a, v1 = v_ach[k], v_ach[k + 1]
        assert np.all(feasible(*core.interval_force_n(chassis, a, v1, dt[k], grade[k])))
        above = v1 + 2 * core.SEARCH_TOLERANCE_M_S
        assert not np.any(feasible(*core.interval_force_n(chassis, a, above, dt[k],
                                                          grade[k])))


def test_a_weak_electric_car_takes_the_search_and_ends_each_missed_interval_at_its_limit():
    weak = make_vehicle(drive_units__0__motor__power_peak_w=20e3,
                        drive_units__0__motor__torque_peak_nm=60.0)
    vm = weak.model()
    cyc = load_cycle("udds")
    res = simulate(weak, cyc)
    assert res.summary["trace_missed_s"] > 30
    p = float(vm.battery.power_discharge_limit_w(vm.battery.soc_max))
    _assert_largest_feasible(vm, cyc, res.series["speed_m_s"],
                             lambda f, v, g, r: pt.propulsion_feasible(vm, f, v, g, r, p))


def test_a_heavy_petrol_car_and_hybrid_end_each_missed_interval_at_their_limit():
    petrol = load_vehicle("bmw_330i").model_dump(mode="json", exclude_none=True)
    petrol["mass"] = {"test_mass_kg": 9000.0}
    hybrid = load_vehicle("toyota_prius_gen4").model_dump(mode="json", exclude_none=True)
    hybrid["mass"] = {"test_mass_kg": 4500.0}
    for data, cyc in ((petrol, "us06"), (hybrid, "udds")):
        spec = vehicle_from_dict(data)
        vm = spec.model()
        res = simulate(spec, cyc)
        if spec.type == "icev":
            def feasible(f, v, g, r, vm=vm):
                return f <= vm.propulsion_force_max(v, g, r) * (1 + 1e-9) + 1e-6
        else:
            feasible = vm.feasible
        _assert_largest_feasible(vm, load_cycle(cyc), res.series["speed_m_s"], feasible)


def test_performance_needs_charge_above_the_usable_minimum():
    spec = load_vehicle("tesla_model3_rwd")
    bat = spec.model().battery
    empty = performance(spec, soc=bat.soc_min)
    assert empty.top_speed_m_s == 0.0 and empty.accel_0_100_kmh_s is None
    low = performance(spec, soc=bat.soc_min + 0.001)
    assert low.accel_0_100_kmh_s is None
    assert "battery is empty" in low.notes["accel_0_100_kmh_s"]
    assert performance(spec, soc=0.5).accel_0_100_kmh_s == pytest.approx(
        performance(spec).accel_0_100_kmh_s)


def test_the_range_test_is_bounded_and_says_why(monkeypatch):
    monkeypatch.setenv("EDRIVE_MAX_RANGE_CYCLES", "3")
    with pytest.raises(EdriveError, match=r"about \d+ WLTCs.*the limit is 3 "
                                          r"\(EDRIVE_MAX_RANGE_CYCLES\)"):
        wltp_range("mini_cooper_se")
    monkeypatch.setenv("EDRIVE_MAX_RANGE_CYCLES", "lots")
    with pytest.raises(EdriveError, match="EDRIVE_MAX_RANGE_CYCLES: 'lots'"):
        wltp_range("mini_cooper_se")
    monkeypatch.delenv("EDRIVE_MAX_RANGE_CYCLES")
    stuck = make_vehicle(drive_units__0__motor__power_peak_w=1e3,
                         drive_units__0__motor__torque_peak_nm=1.0)
    with pytest.raises(EdriveError, match="cannot complete the WLTP range test: it does not "
                                          "move"):
        wltp_range(stuck)


def test_the_range_test_reports_progress_and_a_car_that_cannot_follow_the_cycle():
    weak = make_vehicle(drive_units__0__motor__power_peak_w=40e3, **SMALL_PACK)
    seen = []
    r = wltp_range(weak, progress=lambda k, n: seen.append((k, n)))
    assert [k for k, _ in seen] == list(range(1, len(seen) + 1))
    assert r["cycles_driven"] <= len(seen) and r["range_km"] > 0
    assert "cannot follow the WLTC trace" in r["notes"]["trace"]


def test_the_cli_says_when_the_battery_ran_empty(tmp_path):
    import subprocess
    import sys

    from edrive.vehicle import vehicle_to_yaml

    car = tmp_path / "car.yaml"
    car.write_text(vehicle_to_yaml(make_vehicle(**SMALL_PACK)))
    cyc = ramp_and_hold(25.0, 900)
    trace = tmp_path / "long.csv"
    trace.write_text("time_s,speed_m_s\n" + "".join(
        f"{a:g},{b:g}\n" for a, b in zip(cyc.time_s, cyc.speed_m_s, strict=True)))
    proc = subprocess.run([sys.executable, "-m", "edrive.cli", "simulate", str(car), "-c",
                           str(trace)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "battery empty (usable energy spent) at t = " in proc.stdout
