"""Gridded maps: bilinear interpolation on a rectilinear grid, vectorised.

Extrapolation policy: queries outside the grid are clamped to its edge and reported in the
returned mask, so callers decide whether an out-of-range point is an error. The simulation
never queries outside a drive unit's envelope, and :class:`~edrive.components.drive_unit.LossMap`
checks at build time that the grid covers the envelope.
"""

from __future__ import annotations

import numpy as np


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
    x0, y0 = x_grid[i], y_grid[j]
    tx = (xc - x0) / (x_grid[i + 1] - x0)
    ty = (yc - y0) / (y_grid[j + 1] - y0)
    # the four corners by flat index (one gather each), then linear in y and in x
    ny = z.shape[1]
    k = i * ny + j
    flat = np.ascontiguousarray(z).reshape(-1)
    z00, z10 = flat[k], flat[k + ny]
    low = z00 + (flat[k + 1] - z00) * ty
    high = z10 + (flat[k + ny + 1] - z10) * ty
    return low + (high - low) * tx, inside


def _cell(grid: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Index of the grid cell holding each (clamped) query point; arithmetic on uniform
    grids, binary search otherwise."""
    n = len(grid)
    step = (grid[-1] - grid[0]) / (n - 1)
    if np.all(np.abs(np.diff(grid) - step) <= 1e-9 * abs(step)):
        return np.minimum(((q - grid[0]) / step).astype(np.intp), n - 2)
    return np.clip(np.searchsorted(grid, q, side="right") - 1, 0, n - 2)
