"""The figures a sweep can record, by name, and how each is computed from edrive's results.

Three families:

* per drive cycle, ``<cycle>_<figure>``: a figure of ``edrive.simulate(vehicle, cycle)``'s
  report (e.g. ``wltc_wall_wh_per_km``, ``udds_fuel_l_per_100km``);
* per procedure: ``wltp_*`` and ``epa_*`` from :func:`edrive.test_procedure` (battery-electric
  cars), ``accel_*``, ``top_speed_kmh`` and ``max_grade_*_pct`` from
  :func:`edrive.performance` (battery-electric and conventional cars; the grade search, the
  slowest part, runs only at the speeds whose outputs are asked for);
* of the vehicle itself: ``usable_energy_kwh`` (battery-electric cars).

Names keep the units of the reports they come from (km, Wh/km, s, km/h), which their
suffixes state.
"""

from __future__ import annotations

import re

from ..errors import EdriveError, format_value, suggest
from ..powertrains import POWERTRAINS

# Figures of Result.report() per vehicle type: the sweep keys of its powertrains (a plug-in
# hybrid's are those of a hybrid)
CYCLE_FIGURES = {p.type: p.sweep_keys for p in POWERTRAINS.values()}

# procedure -> {output name: key of the procedure's report}
PROCEDURE_OUTPUTS = {
    "wltp": {"wltp_range_km": "range_km",
             "wltp_consumption_ac_wh_per_km": "consumption_ac_wh_per_km"},
    "epa": {"epa_label_range_km": "label_range_km",
            "epa_combined_label_mpge": "combined_label_mpge",
            "epa_combined_label_kwh_per_100mi": "combined_label_kwh_per_100mi"},
    "performance": {"accel_0_100_kmh_s": "accel_0_100_kmh_s",
                    "accel_0_60_mph_s": "accel_0_60_mph_s",
                    "accel_80_120_kmh_s": "accel_80_120_kmh_s",
                    "top_speed_kmh": "top_speed_kmh",
                    "max_grade_0_kmh_pct": "0 km/h", "max_grade_50_kmh_pct": "50 km/h",
                    "max_grade_100_kmh_pct": "100 km/h"},
}
PROCEDURE_TYPES = {"wltp": ("bev",), "epa": ("bev",), "performance": ("bev", "icev")}
VEHICLE_OUTPUTS = {p.type: p.vehicle_keys for p in POWERTRAINS.values()}


def cycle_key(source: str) -> str:
    """The name a cycle's outputs start with: the bundled name or the file's stem, reduced to
    letters, digits and underscores."""
    stem = re.split(r"[\\/]", source)[-1].rsplit(".", 1)[0] if "." in source else source
    return re.sub(r"\W+", "_", stem.lower()).strip("_")


def allowed_outputs(vehicle_type: str, cycles: list[str], procedures: list[str]) -> list[str]:
    """Every output name a sweep over these cycles and procedures can record."""
    names = [f"{c}_{f}" for c in cycles for f in CYCLE_FIGURES[vehicle_type]]
    for p in procedures:
        names += list(PROCEDURE_OUTPUTS[p])
    return names + list(VEHICLE_OUTPUTS[vehicle_type])


def check_outputs(outputs: list[str], allowed: list[str], where: str) -> None:
    for i, name in enumerate(outputs):
        if name not in allowed:
            raise EdriveError(f"{where}: outputs.{i}: unknown output {format_value(name)}"
                              f"{suggest(name, allowed)}; allowed with these cycles and "
                              f"procedures: {', '.join(allowed)}")
    dup = sorted({o for o in outputs if outputs.count(o) > 1})
    if dup:
        raise EdriveError(f"{where}: outputs: {format_value(dup[0])} is listed twice")


# speed [m/s] of each gradeability output
GRADE_SPEEDS_M_S = {"max_grade_0_kmh_pct": 0.0, "max_grade_50_kmh_pct": 50 / 3.6,
                    "max_grade_100_kmh_pct": 100 / 3.6}
