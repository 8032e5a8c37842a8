"""The conventional-car kernel's inputs (edrive.sim.batch_icev.tables): each variant's row
holds its own vehicle's, engine's and gearbox's numbers, also where rows are built once for
variants that share an engine or equal gearbox fields."""

import numpy as np

from edrive.components.engine import engine_from_rating
from edrive.sim.batch_icev import tables
from edrive.sim.batch_icev_kernel import PARAM_NAMES, SHIFTS
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
    col = {name: p[:, k] for k, name in enumerate(PARAM_NAMES)}
    for k, car in enumerate(cars):
        vm = car.model()
        tr, eng = vm.transmission, vm.engine
        assert col["mass"][k] == vm.mass_kg
        assert col["n_gears"][k] == tr.n_gears
        assert col["creeps"][k] == float(tr.creeps)
        assert col["launch"][k] == tr.launch_speed
        assert col["w_idle"][k] == eng.spec.speed_idle_rad_s
        assert col["kf"][k] == eng.friction_factor_effective
        assert np.array_equal(ratios[k, :tr.n_gears], tr.overall_ratios)
        assert np.array_equal(etas[k, :tr.n_gears], tr.efficiencies)
        assert np.all(ratios[k, tr.n_gears:] == 0.0)
        assert np.array_equal(ks[k], eng._knot_speed) and np.array_equal(kp[k], eng._knot_power)
        assert fuel[k].tolist() == [eng.fuel.density_kg_m3, eng.fuel.co2_kg_per_kg,
                                    eng.fuel.lhv_j_kg]
        assert col["shift"][k] == SHIFTS[car.shift_strategy]
        curve = eng.spec.efficiency_curve
        assert col["curve"][k] == float(curve is not None)
        if curve is not None:  # padded beyond the last knot with its value
            n = len(curve.power_fraction)
            assert np.array_equal(curve_x[k, :n], curve.power_fraction)
            assert np.array_equal(curve_y[k, :n], curve.efficiency)
            assert np.all(np.diff(curve_x[k]) > 0) and np.all(curve_y[k, n:] == curve_y[k, n - 1])
            assert col["idle_fuel_w"][k] == curve.idle_fuel_power_w
            assert col["p_rated"][k] == eng.spec.power_rated_w
    assert ratios[2, 0] != ratios[0, 0] and col["creeps"][3] == 1.0 and etas[4, 0] == 0.95
    assert col["kind"][5] == 1.0 and fuel[6, 0] != fuel[0, 0]
