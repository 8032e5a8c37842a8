"""Conventional vehicles over drive cycles."""

from pathlib import Path

import numpy as np
import pytest

from edrive.cycles import list_cycles
from edrive.errors import EdriveError
from edrive.sim.run import simulate
from edrive.vehicle import load_vehicle, vehicle_from_dict

CAR = Path(__file__).resolve().parents[1] / "data" / "petrol_sedan.yaml"


def car(**changes):
    data = load_vehicle(CAR).model_dump(mode="json", exclude_none=True)
    data.update(changes)
    return vehicle_from_dict(data, where="test")


@pytest.mark.parametrize("cycle", list_cycles())
def test_energy_audit_and_engine_limits(cycle):
    res = simulate(CAR, cycle)
    s = res.summary
    assert abs(s["audit_residual"]) < 1e-6
    assert 3 < s["fuel_l_per_100km"] < 20 and 0.15 < s["engine_efficiency"] < 0.4
    ts = res.timeseries
    spec = load_vehicle(CAR).model().engine_spec
    running = ts["engine_speed_rad_s"] > 0
    assert ts["engine_speed_rad_s"][running].min() >= spec.speed_idle_rad_s * (1 - 1e-9)
    assert ts["engine_speed_rad_s"].max() <= spec.speed_max_rad_s * (1 + 1e-9)


def test_co2_follows_fuel():
    s = simulate(CAR, "wltc").summary
    spec = load_vehicle(CAR).model().engine
    assert s["co2_g_per_km"] == pytest.approx(
        s["fuel_kg"] * spec.fuel.co2_kg_per_kg * 1e3 / (s["distance_m"] / 1e3))


def test_fuel_cut_while_braking_in_gear():
    ts = simulate(CAR, "hwfet").timeseries
    braking = (ts["wheel_force_n"] < -500) & (ts["engine_speed_rad_s"] > 1500 * np.pi / 30)
    assert braking.any() and (ts["fuel_rate_g_s"][braking] == 0).all()


def test_stop_start_saves_fuel_in_town():
    with_ss = car(engine={**load_vehicle(CAR).model().engine_spec.model_dump(mode="json"),
                          "stop_start": True})
    without = car(engine={**load_vehicle(CAR).model().engine_spec.model_dump(mode="json"),
                          "stop_start": False})
    a, b = simulate(with_ss, "udds").summary, simulate(without, "udds").summary
    assert a["fuel_kg"] < b["fuel_kg"]


def test_heavier_car_uses_more_fuel():
    light = simulate(car(mass={"test_mass_kg": 1500.0}), "udds").summary
    heavy = simulate(car(mass={"test_mass_kg": 2200.0}), "udds").summary
    assert heavy["fuel_l_per_100km"] > light["fuel_l_per_100km"]


def test_weak_engine_follows_as_close_as_it_can():
    from edrive.components.engine import engine_from_rating

    small = engine_from_rating("petrol", 1.0e-3, 40e3, 6000 * np.pi / 30, 80.0, name="weak")
    weak = car(engine=small.model_dump(mode="json"))
    res = simulate(weak, "us06")
    assert res.summary["trace_missed_s"] > 5
    assert np.all(res.timeseries["speed_m_s"] <= res.timeseries["speed_target_m_s"] + 1e-9)
    assert abs(res.summary["audit_residual"]) < 1e-6


def test_no_battery_options_for_a_petrol_car():
    with pytest.raises(EdriveError, match="no traction battery"):
        simulate(CAR, "udds", soc_initial=0.5)


def test_light_load_never_holds_a_low_gear_to_high_revs():
    spec = load_vehicle(CAR).model().engine_spec
    for cycle in ("hwfet", "wltc"):
        ts = simulate(CAR, cycle).timeseries
        traction = ts["wheel_force_n"] > 0
        assert ts["engine_speed_rad_s"][traction].max() <= 0.8 * spec.speed_max_rad_s * 1.05


def test_input_inertia_costs_fuel_in_town_more_than_on_the_highway():
    def fuel(cycle, j):
        s = simulate(car(input_inertia_kg_m2=j), cycle).summary
        assert abs(s["audit_residual"]) < 1e-6
        return s

    town0, town1 = fuel("udds", 0.0), fuel("udds", 0.3)
    hwy0, hwy1 = fuel("hwfet", 0.0), fuel("hwfet", 0.3)
    assert town0["energy_j"]["driveline_inertia_j"] == 0.0
    assert town1["energy_j"]["driveline_inertia_j"] > 0.0  # released at upshifts
    town = town1["fuel_kg"] / town0["fuel_kg"] - 1
    hwy = hwy1["fuel_kg"] / hwy0["fuel_kg"] - 1
    assert 0.005 < town < 0.1 and hwy < town / 2


def test_every_conventional_car_runs_the_one_compiled_loop_alone_and_in_a_batch():
    """simulate and simulate_many run the same compiled loop (route compiled_icev) for every
    bundled conventional car and every shift strategy, gearbox kind and engine model, a car
    that falls behind the trace included: the same figures, to the last bit."""
    from edrive.components.engine import engine_from_rating
    from edrive.powertrains import powertrain_of
    from edrive.sim.batch import simulate_many_records
    from edrive.vehicle import list_vehicles

    cars = [load_vehicle(n) for n in list_vehicles()
            if powertrain_of(load_vehicle(n)).name == "icev"]
    assert len(cars) >= 4
    curve = engine_from_rating("petrol", 2e-3, 135e3, 600.0, efficiency_curve={
        "power_fraction": [0.0, 0.1, 0.4, 1.0], "efficiency": [0.0, 0.2, 0.33, 0.31],
        "idle_fuel_power_w": 3000.0}).model_dump(mode="json", exclude_none=True)
    cars += [car(transmission="manual_6", shift_strategy="driver"),
             car(transmission="manual_6", shift_strategy="wltp"),
             car(transmission="dct_7", engine=curve),
             car(mass={"test_mass_kg": 4500.0})]
    for cycle in ("wltc", "us06"):
        rows = simulate_many_records(cars, cycle)
        for spec, row in zip(cars, rows, strict=True):
            res = simulate(spec, cycle)
            assert res.route == row["route"] == "compiled_icev", spec.name
            for k in ("fuel_kg", "distance_m", "engine_work_j", "gear_shifts",
                      "trace_missed_s", "trace_max_shortfall_m_s"):
                assert row[k] == res.summary[k], (spec.name, cycle, k)
    assert simulate(cars[-1], "us06").summary["trace_missed_s"] > 0
