"""The physics-based electric drive unit: its machines (:mod:`edrive.edu.machines`), its
inverter (:mod:`edrive.edu.inverter`), its reduction gearbox (:mod:`edrive.edu.gearbox`) and
the unit composed of them (:mod:`edrive.edu.drive_unit`: envelope, loss map and system map,
the bundled units and their families).

The names of the drive unit itself are those of :mod:`edrive.edu.drive_unit`, also given
here: ``from edrive.edu import load_edu``.
"""

from .drive_unit import (
    MAP_POINTS_MAX,
    Edu,
    EduSpec,
    SystemMap,
    edu_from_yaml,
    list_edus,
    load_edu,
    scale_edu,
)

__all__ = ["MAP_POINTS_MAX", "Edu", "EduSpec", "SystemMap", "edu_from_yaml", "list_edus",
           "load_edu", "scale_edu"]
