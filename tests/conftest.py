import copy

import pytest

from edrive.vehicle import vehicle_from_dict

BASE = {
    "name": "Analytic test car",
    "mass": {"test_mass_kg": 1500.0},
    "road_load": {"physical": {"drag_coefficient": 0.3, "frontal_area_m2": 2.2,
                               "rolling_resistance": 0.01}},
    "wheels": {"radius_m": 0.3, "inertia_kg_m2": 0.0},
    "drive_units": [{"axle": "rear",
                     "motor": {"power_peak_w": 150e3, "torque_peak_nm": 300.0,
                               "speed_max_rad_s": 1500.0, "rotor_inertia_kg_m2": 0.0},
                     "gear": {"ratio": 9.0}}],
    "battery": {"cells_series": 96, "cells_parallel": 2, "cell_capacity_as": 100 * 3600,
                "cell_resistance_ohm": 1e-3, "power_discharge_max_w": 200e3,
                "power_charge_max_w": 150e3},
}


def make_vehicle(**changes):
    """The analytic base car with nested changes given as dotted paths."""
    data = copy.deepcopy(BASE)
    for path, value in changes.items():
        node = data
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node.setdefault(k, {})
        node[keys[-1]] = value
    return vehicle_from_dict(data, where="test")


@pytest.fixture
def car():
    return make_vehicle()
