"""edrive: electric drive units and the vehicles around them.

The public API::

    edrive.list_vehicles()            names of the bundled vehicles
    edrive.load_vehicle(name_or_path) a validated VehicleSpec
    edrive.list_cycles()              names of the bundled drive cycles
    edrive.load_cycle(name_or_path)   a DriveCycle
    edrive.simulate(vehicle, cycle)   a Result (summary + time series)
    edrive.simulate_many(vehicles, cycle, variants=...)   a table, one row per variant, batched
    edrive.simulate_many_records(...)  the same as one summary dict per variant
    edrive.performance(vehicle)       acceleration, top speed, gradeability
    edrive.test_procedure(vehicle, "wltp" | "epa")
"""

from .cycles import DriveCycle, list_cycles, load_cycle
from .errors import EdriveError, TraceMissError
from .powertrains.api import performance, test_procedure
from .procedures.regulatory import epa_label, wltp_range
from .sim.batch import simulate_many, simulate_many_records
from .sim.bev import Result
from .sim.run import simulate
from .vehicle import VehicleSpec, list_vehicles, load_vehicle
from .version import __version__ as __version__

__all__ = ["DriveCycle", "EdriveError", "Result", "TraceMissError", "VehicleSpec", "epa_label",
           "list_cycles", "list_vehicles", "load_cycle", "load_vehicle", "performance",
           "simulate", "simulate_many", "simulate_many_records", "test_procedure",
           "wltp_range"]
