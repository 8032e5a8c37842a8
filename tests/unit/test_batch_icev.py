"""The conventional-car kernel's inputs (edrive.sim.batch_icev.tables): each variant's row
holds its own vehicle's, engine's and gearbox's numbers, also where rows are built once for
variants that share an engine or equal gearbox fields."""

import numpy as np

from edrive.components.engine import engine_from_rating
from edrive.sim.batch_icev import tables
from edrive.sim.batch_icev_kernel import SHIFTS
from edrive.vehicle import load_vehicle, vehicle_from_dict

CURVE = engine_from_rating("petrol", 2e-3, 135e3, 600.0, efficiency_curve={
    "power_fraction": [0.0, 0.1, 0.4, 1.0], "efficiency": [0.0, 0.2, 0.33, 0.31],
    "idle_fuel_power_w": 3000.0}).model_dump(mode="json", exclude_none=True)


def test_each_variant_gets_its_own_numbers():
    base = load_vehicle("bmw_330i").model_dump(mode="json", exclude_none=True)
    box = base["transmission"]
    cars = [vehicle_from_dict(base | changes) for changes in (
        {}, {},  # equal fields: one gearbox row
        {"transmission": box | {"final_drive_ratio": 3.15}},
        {"transmission": box | {"neutral_idle": False}},
        {"transmission": box | {"mesh_efficiency": 0.95}},
        {"transmission": "dct_7"},
        {"engine": "bmw_b47_2l_turbo_diesel", "mass": {"test_mass_kg": 1900.0}},
        {"engine": CURVE, "transmission": "manual_6", "shift_strategy": "driver"},
    )]
    p, ratios, etas, ks, kp, fuel, curve_x, curve_y = tables(cars)
    for k, car in enumerate(cars):
        vm = car.model()
        tr, eng = vm.transmission, vm.engine
        assert p["mass_kg"][k] == vm.mass_kg
        assert p["n_gears"][k] == tr.n_gears
        assert p["creeps"][k] == tr.creeps
        assert p["launch_speed_rad_s"][k] == tr.launch_speed
        assert p["speed_idle_rad_s"][k] == eng.spec.speed_idle_rad_s
        assert p["friction_factor"][k] == eng.friction_factor_effective
        assert np.array_equal(ratios[k, :tr.n_gears], tr.overall_ratios)
        assert np.array_equal(etas[k, :tr.n_gears], tr.efficiencies)
        assert np.all(ratios[k, tr.n_gears:] == 0.0)
        assert np.array_equal(ks[k], eng._knot_speed) and np.array_equal(kp[k], eng._knot_power)
        assert fuel[k].tolist() == [eng.fuel.density_kg_m3, eng.fuel.co2_kg_per_kg,
                                    eng.fuel.lhv_j_kg]
        assert p["shift"][k] == SHIFTS[car.shift_strategy]
        curve = eng.spec.efficiency_curve
        assert p["efficiency_curve"][k] == (curve is not None)
        if curve is not None:  # padded beyond the last knot with its value
            n = len(curve.power_fraction)
            assert np.array_equal(curve_x[k, :n], curve.power_fraction)
            assert np.array_equal(curve_y[k, :n], curve.efficiency)
            assert np.all(np.diff(curve_x[k]) > 0) and np.all(curve_y[k, n:] == curve_y[k, n - 1])
            assert p["idle_fuel_power_w"][k] == curve.idle_fuel_power_w
            assert p["power_rated_w"][k] == eng.spec.power_rated_w
    assert ratios[2, 0] != ratios[0, 0] and p["creeps"][3] and etas[4, 0] == 0.95
    assert p["kind"][5] == 1 and fuel[6, 0] != fuel[0, 0]


def test_efficiency_curves_of_any_length_share_a_batch():
    """Curves of 4 and 40 points in one batch: each padded to the longest, with its own
    values, and each car's fuel the engine's own (Engine.fuel_power_w) in the loop's gears."""
    import edrive
    from edrive.sim.batch import simulate_many_records

    x = np.linspace(0.0, 1.0, 40)
    long = engine_from_rating("petrol", 2e-3, 135e3, 600.0, efficiency_curve={
        "power_fraction": x.tolist(), "efficiency": [0.0, *(0.35 * np.sqrt(x[1:])).tolist()],
        "idle_fuel_power_w": 2500.0}).model_dump(mode="json", exclude_none=True)
    base = load_vehicle("bmw_330i").model_dump(mode="json", exclude_none=True)
    cars = [vehicle_from_dict(base | {"engine": e}) for e in (long, CURVE)]
    _, _, _, _, _, _, curve_x, curve_y = tables(cars)
    assert curve_x.shape == (2, 40) and np.array_equal(curve_x[0], x)
    assert np.all(np.diff(curve_x[1]) > 0) and np.all(curve_y[1, 4:] == 0.31)
    rows = simulate_many_records(cars, "udds")
    for car, row in zip(cars, rows, strict=True):
        res = edrive.simulate(car, "udds")
        assert row["route"] == "compiled_icev" and row["fuel_kg"] == res.summary["fuel_kg"]
        ts = res.timeseries
        eng = car.model().engine
        fuel = eng.fuel_rate_kg_s(ts["engine_torque_nm"], ts["engine_speed_rad_s"]) * 1e3
        on = ts["engine_speed_rad_s"] > 0
        assert np.allclose(ts["fuel_rate_g_s"][on], fuel[on], rtol=1e-12, atol=1e-12)
    assert rows[0]["fuel_kg"] != rows[1]["fuel_kg"]
