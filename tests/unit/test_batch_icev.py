"""The conventional-car kernel's inputs (edrive.sim.batch_icev.tables): each variant's row
holds its own vehicle's, engine's and gearbox's numbers, also where rows are built once for
variants that share an engine or equal gearbox fields."""

import numpy as np

from edrive.sim.batch_icev import tables
from edrive.sim.batch_icev_kernel import PARAM_NAMES
from edrive.vehicle import load_vehicle, vehicle_from_dict


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
    )]
    p, ratios, etas, ks, kp, fuel = tables(cars)
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
    assert ratios[2, 0] != ratios[0, 0] and col["creeps"][3] == 1.0 and etas[4, 0] == 0.95
    assert col["kind"][5] == 1.0 and fuel[6, 0] != fuel[0, 0]
