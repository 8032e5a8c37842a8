"""Gridded maps: bilinear interpolation on a rectilinear grid, vectorised.

Extrapolation policy: queries outside the grid are clamped to its edge and reported in the
returned mask, so callers decide whether an out-of-range point is an error. The simulation
never queries outside a drive unit's envelope, and :class:`~edrive.components.drive_unit.LossMap`
checks at build time that the grid covers the envelope.

:func:`bilinear` serves numpy arrays, :func:`bilinear_at` one point inside compiled loops;
both find the cell the same way (arithmetic on a uniform axis, binary search otherwise) and
blend its four corners with the one function :func:`_blend`. :func:`interp` is numpy's
linear interpolation, with a lean form for one point inside compiled loops (:func:`interp_at`).
"""

from __future__ import annotations

import numpy as np
from numba.core import types
from numba.extending import overload

from .sim.jit import jitable


def interp(x, xp, fp):
    """``np.interp(x, xp, fp)`` for ``xp`` increasing (at least two points; a repeated knot
    is a step, the value after it) and ``fp`` finite. Inside compiled code, for one number
    ``x``, :func:`interp_at`, numpy's algorithm for a single point (the same numbers, without
    the array set-up that numba's ``np.interp`` makes for each call)."""
    return np.interp(x, xp, fp)


@jitable
def interp_at(x, xp, fp):
    """:func:`interp` at one number ``x``, written as numpy computes it: the end values
    outside ``xp`` (NaN stays NaN), else the cell xp_j <= x < xp_j+1 by binary search and
    fp_j + (fp_j+1 - fp_j) / (xp_j+1 - xp_j) (x - xp_j)."""
    n = len(xp)
    if not x >= xp[0]:
        return fp[0] if x < xp[0] else x      # left of the grid, or NaN
    if x >= xp[n - 1]:
        return fp[n - 1]
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) >> 1
        if xp[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    j = lo - 1
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    return slope * (x - xp[j]) + fp[j]


@overload(interp)
def _interp_compiled(x, xp, fp):
    if not isinstance(x, types.Float | types.Integer):
        return lambda x, xp, fp: np.interp(x, xp, fp)
    return lambda x, xp, fp: interp_at(x, xp, fp)


def bilinear(x_grid: np.ndarray, y_grid: np.ndarray, z: np.ndarray, x, y):
    """Interpolate ``z[i, j]`` given at ``(x_grid[i], y_grid[j])`` at points ``(x, y)``.

    Parameters
    ----------
    x_grid, y_grid : ndarray
        Strictly increasing grid coordinates, lengths ``nx >= 2`` and ``ny >= 2``.
    z : ndarray, shape (nx, ny)
        Values on the grid.
    x, y : array_like
        Query points (broadcast together).

    Returns
    -------
    values : ndarray
        Interpolated values.
    inside : ndarray of bool
        True where the query point lies inside the grid (before clamping).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x, y = np.broadcast_arrays(x, y)
    inside = (x >= x_grid[0]) & (x <= x_grid[-1]) & (y >= y_grid[0]) & (y <= y_grid[-1])
    xc = np.clip(x, x_grid[0], x_grid[-1])
    yc = np.clip(y, y_grid[0], y_grid[-1])
    i = _cell(x_grid, xc)
    j = _cell(y_grid, yc)
    flat = np.ascontiguousarray(z).reshape(-1)
    return _blend(x_grid, y_grid, flat, z.shape[1], xc, yc, i, j), inside


@jitable
def _blend(x_grid, y_grid, flat, ny, xc, yc, i, j):
    """The bilinear blend in cell (i, j) at a clamped point (xc, yc): the four corners by
    flat index of ``z`` (``flat``, ``ny`` columns), linear in y, then in x (scalars or
    arrays)."""
    x0, y0 = x_grid[i], y_grid[j]
    tx = (xc - x0) / (x_grid[i + 1] - x0)
    ty = (yc - y0) / (y_grid[j + 1] - y0)
    k = i * ny + j
    z00, z10 = flat[k], flat[k + ny]
    low = z00 + (flat[k + 1] - z00) * ty
    high = z10 + (flat[k + ny + 1] - z10) * ty
    return low + (high - low) * tx


def grid_step(grid: np.ndarray) -> float:
    """The step of an evenly spaced grid (its points to 1e-9 of the step), 0.0 for a grid
    that is not."""
    step = (grid[-1] - grid[0]) / (len(grid) - 1)
    return float(step) if np.all(np.abs(np.diff(grid) - step) <= 1e-9 * abs(step)) else 0.0


def uniform_grid(grid: np.ndarray) -> bool:
    """Whether a grid's points are evenly spaced (:func:`grid_step`)."""
    return grid_step(grid) > 0


def _cell(grid: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Index of the grid cell holding each (clamped) query point; arithmetic on uniform
    grids, binary search otherwise."""
    n = len(grid)
    step = grid_step(grid)
    if step > 0:
        return np.minimum(((q - grid[0]) / step).astype(np.intp), n - 2)
    return np.clip(np.searchsorted(grid, q, side="right") - 1, 0, n - 2)


@jitable
def cell_at(grid, q, step):
    """:func:`_cell` for one clamped point ``q`` (``step``: :func:`grid_step`)."""
    n = len(grid)
    if step > 0:
        return min(int((q - grid[0]) / step), n - 2)
    return min(max(np.searchsorted(grid, q, side="right") - 1, 0), n - 2)


@jitable
def bilinear_at(x_grid, y_grid, flat, x_step, y_step, x, y):
    """:func:`bilinear` at one point, for compiled loops: ``flat`` is ``z`` flattened
    (C order), ``x_step`` and ``y_step`` the axes' steps where they are uniform, else 0
    (:func:`grid_step`); the value only (clamped to the grid's edge)."""
    xc = min(max(x, x_grid[0]), x_grid[-1])
    yc = min(max(y, y_grid[0]), y_grid[-1])
    return _blend(x_grid, y_grid, flat, len(y_grid), xc, yc, cell_at(x_grid, xc, x_step),
                  cell_at(y_grid, yc, y_step))
