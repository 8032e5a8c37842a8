"""Utility factors of plug-in hybrids: the share of distance a fleet drives within a given
charge-depleting distance d after a full charge,

    UF(d) = 1 - exp( - sum_i c_i (d / d_n)^i )                                            (1)

* EU WLTP (UN GTR No. 15, Annex 8, Appendix 5; Regulation (EU) 2017/1151, Sub-Annex 8,
  Appendix 5): d_n = 800 km, c_1..c_10 = 26.25, -38.94, -631.05, 5964.83, -25094.6,
  60380.21, -87517.16, 75513.77, -35748.77, 7154.94.
* US (SAE J2841 (2010), Table 2, used by 40 CFR 600.116-12): d_n = 399.9 mi; fleet utility
  factor (FUF, for fleet CO2 and fuel economy) c_1..c_6 = 10.52, -7.282, -26.37, 79.08,
  -77.36, 26.07.

The weighting of the charge-depleting and charge-sustaining tests with them is in
:mod:`edrive.sim.phev`.
"""

from __future__ import annotations

import numpy as np

from ..constants import MILE_M
from ..errors import EdriveError

UF_CURVES: dict[str, tuple[float, tuple[float, ...], str]] = {
    "eu_wltp": (800e3, (26.25, -38.94, -631.05, 5964.83, -25094.6, 60380.21, -87517.16,
                        75513.77, -35748.77, 7154.94),
                "UN GTR No. 15 Annex 8 Appendix 5 / EU 2017/1151 Sub-Annex 8 Appendix 5"),
    "sae_j2841_fleet": (399.9 * MILE_M, (10.52, -7.282, -26.37, 79.08, -77.36, 26.07),
                        "SAE J2841 (2010) Table 2, fleet utility factor; 40 CFR 600.116-12"),
}


def utility_factor(distance_m, curve: str = "eu_wltp"):
    """Eq. (1): utility factor of a charge-depleting distance [m]."""
    if curve not in UF_CURVES:
        raise EdriveError(f"utility-factor curve: {curve!r}; allowed: {', '.join(UF_CURVES)}")
    dn, c, _ = UF_CURVES[curve]
    x = np.asarray(distance_m, dtype=float) / dn
    s = sum(ci * x ** (i + 1) for i, ci in enumerate(c))
    return 1.0 - np.exp(-s)
