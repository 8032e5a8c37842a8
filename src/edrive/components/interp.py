"""Linear interpolation in a table of knots, for functions that serve numpy arrays and compiled
loops alike (:func:`numba.extending.register_jitable`).

:func:`interp_linear` is :func:`numpy.interp`: linear between the knots, held at the end
values outside them; with a knot speed repeated (a step), the value at that speed is the
one after the step. From Python it is numpy's function on scalars or arrays. Called inside a
compiled function with a single float, numba takes :func:`_interp_linear_point`, the same
rule for one point written without numpy's array set-up (an allocation per call would
dominate a time loop); with an array, numba's own ``np.interp``. For one point x with
x_j <= x < x_{j+1} both evaluate

    f(x) = (f_{j+1} - f_j) / (x_{j+1} - x_j) (x - x_j) + f_j                             (1)

with the same floating-point operations, so the compiled and the numpy results are
identical (``tests/unit/test_interp.py``).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload, register_jitable


def interp_linear(x, xp, fp):
    """Eq. (1): ``numpy.interp(x, xp, fp)`` (``xp`` increasing), for numpy and compiled
    callers (module docstring)."""
    return np.interp(x, xp, fp)


@register_jitable
def _interp_linear_point(x, xp, fp):
    """Eq. (1) for one point: the last knot at or below x, as numpy takes it; the end
    values outside the knots; NaN for NaN."""
    n = xp.shape[0]
    if x < xp[0]:
        return fp[0]
    if x >= xp[n - 1]:
        return fp[n - 1]
    j = 0
    while xp[j + 1] <= x:
        j += 1
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    return slope * (x - xp[j]) + fp[j]


@overload(interp_linear, inline="always")
def _interp_linear_compiled(x, xp, fp):
    """numba's choice for :func:`interp_linear`: one point, or numba's ``np.interp``."""
    if isinstance(x, types.Float):
        return lambda x, xp, fp: _interp_linear_point(x, xp, fp)
    return lambda x, xp, fp: np.interp(x, xp, fp)
