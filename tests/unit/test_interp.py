"""Linear interpolation in knots (edrive.maps.interp): numpy's rule, and the compiled
one-point form gives the same numbers bit for bit."""

import math

import numpy as np
import pytest
from numba import njit

from edrive.maps import interp as interp_linear

XP = np.array([1.0, 2.0, 4.0, 4.0, 7.0])  # a step at 4
FP = np.array([10.0, 20.0, 30.0, 50.0, 20.0])


@njit
def _one(x, xp, fp):
    return interp_linear(x, xp, fp)


@njit
def _many(x, xp, fp):
    return interp_linear(x, xp, fp)


def test_by_hand():
    assert interp_linear(1.5, XP, FP) == 15.0
    assert interp_linear(3.0, XP, FP) == 25.0
    assert interp_linear(5.5, XP, FP) == 35.0  # after the step: from 50 at 4 to 20 at 7
    assert interp_linear(4.0, XP, FP) == 50.0  # on the step: the value after it
    assert interp_linear(0.0, XP, FP) == 10.0  # held at the ends
    assert interp_linear(9.0, XP, FP) == 20.0
    assert interp_linear(7.0, XP, FP) == 20.0


@pytest.mark.parametrize("x", [0.0, 1.0, 1.25, 2.0, 3.999, 4.0, 4.5, 6.9999, 7.0, 8.0,
                               -1e300, 1e300, 2.0 + 1e-15])
def test_compiled_point_equals_numpy(x):
    assert _one(x, XP, FP) == np.interp(x, XP, FP)


def test_compiled_point_equals_numpy_everywhere():
    rng = np.random.default_rng(3)
    xp = np.cumsum(rng.uniform(0.1, 2.0, 6))
    fp = rng.uniform(-5.0, 5.0, 6)
    x = np.concatenate([rng.uniform(xp[0] - 1, xp[-1] + 1, 2000), xp])
    want = np.interp(x, xp, fp)
    assert all(_one(float(a), xp, fp) == w for a, w in zip(x, want, strict=True))
    assert np.array_equal(_many(x, xp, fp), want)  # arrays: numba's np.interp


def test_nan_gives_nan():
    assert math.isnan(_one(math.nan, XP, FP))
    assert math.isnan(interp_linear(math.nan, XP, FP))
