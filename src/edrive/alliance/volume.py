"""Volume: experience curves, the annual-volume scale factor, and fixed cost per unit.

**Experience curve** (Wright's law; the form of EPA OMEGA's powertrain costs and of
BloombergNEF's battery surveys): the cost of a component falls by the learning rate LR with
each doubling of cumulative production Q,

    C(Q) = C0 (Q / Q0)^-b,     LR = 1 - 2^-b,     b = -log2(1 - LR)                    (1)

with C0 the cost at the reference cumulative volume Q0 (``volume.reference_cumulative_units``).

**Annual-volume (scale) factor** of a plant, from the TUM/Angerer e-machine cost model's
table (``volume.scale_factor``: 1.0 up to 100,000 units a year, 0.821 at 2,000,000),
interpolated linearly in log(volume) and held at its end values outside the table (no
extrapolation):

    s(V) = s_i + (s_{i+1} - s_i) ln(V / V_i) / ln(V_{i+1} / V_i),   V_i <= V <= V_{i+1}   (2)

**Fixed cost** of a variant (development and tooling) spread over its programme,

    c_fixed = (C_dev + C_tool) / (V T_prog)                                               (3)

with V the annual volume and T_prog the programme years. The variable cost is the bill of
materials and processes after eqs. (1) and (2); the fixed cost is reported apart from it.

Volumes are checked: a volume must be a positive number of units, at most
``MAX_ANNUAL_UNITS`` a year (10,000,000; environment variable ``EDRIVE_MAX_ANNUAL_UNITS``)
and ``MAX_CUMULATIVE_UNITS`` in all (1,000,000,000; ``EDRIVE_MAX_CUMULATIVE_UNITS``).
"""

from __future__ import annotations

import numpy as np

from ..errors import EdriveError, format_value
from ..limits import limit
from .cost_data import CostData

MAX_ANNUAL_UNITS = 10_000_000
MAX_CUMULATIVE_UNITS = 1_000_000_000


def learning_exponent(learning_rate):
    """Eq. (1): b = -log2(1 - LR)."""
    lr = np.asarray(learning_rate, dtype=float)
    return -np.log2(1.0 - lr)


def experience_factor(cumulative_units, reference_units, learning_rate):
    """Eq. (1): C(Q) / C0 = (Q / Q0)^-b."""
    q = np.asarray(cumulative_units, dtype=float)
    return (q / reference_units) ** -learning_exponent(learning_rate)


def scale_factor(annual_units, data: CostData):
    """Eq. (2): the annual-volume factor of a plant."""
    series = data.series["volume.scale_factor"]
    v, s = series.keys, series.values_si()
    return np.interp(np.log(np.asarray(annual_units, dtype=float)), np.log(v), s)


def fixed_cost_per_unit_eur(annual_units, data: CostData, year: int) -> dict[str, np.ndarray]:
    """Eq. (3), split into development and tooling [EUR per unit]."""
    units = np.asarray(annual_units, dtype=float) * data.number("volume.programme_years")
    return {"development": data.eur("volume.development_per_variant", year) / units,
            "tooling": data.eur("volume.tooling_per_variant", year) / units}


def check_units(units, what: str, limit_name: str, default: float) -> np.ndarray:
    """Volumes as a float array, each a positive, finite number of units within the limit."""
    if isinstance(units, bool) or (isinstance(units, np.ndarray) and units.dtype == bool):
        raise EdriveError(f"{what}: {format_value(units)}; expected a number of units")
    try:
        arr = np.asarray(units, dtype=float)
    except (TypeError, ValueError):
        raise EdriveError(f"{what}: {format_value(units)}; expected a number of units") from None
    most = limit(limit_name, int(default))
    bad = ~np.isfinite(arr) | (arr <= 0) | (arr > most)
    if np.any(bad):
        value = float(arr[bad].flat[0] if arr.ndim else arr)
        raise EdriveError(f"{what}: {value:g}; allowed: more than 0 and at most {most:,} "
                          f"units ({limit_name})")
    return arr
