"""The loss map of a motor and its inverter over shaft torque x speed, with the torque
envelope: eqs. (1) and (2) of :mod:`edrive.components.drive_unit`,

    P_dc = T * omega + P_loss(T, omega)
    T_max(omega) = min(T_peak, P_peak / omega)  for 0 <= omega <= omega_max

the losses interpolated bilinearly between the grid's nodes. :func:`loss_at` is the lookup
of one point inside compiled loops, the same interpolation and idle rule as
:meth:`LossMap.loss`.
"""

from __future__ import annotations

import numpy as np

from ..errors import EdriveError
from ..maps import bilinear, bilinear_at, grid_step
from ..sim.jit import jitable


@jitable
def within_speed_range(speed_abs_rad_s, speed_max_rad_s):
    """Whether a shaft speed (its magnitude) lies within the maximum, to rounding (scalars or
    arrays); the envelope is zero beyond it."""
    return speed_abs_rad_s <= speed_max_rad_s * (1 + 1e-9)


@jitable
def _idle_is_lossless(loss_w, torque_nm, speed_rad_s):
    """No loss when idle at standstill (scalars or arrays)."""
    return loss_w * ((torque_nm != 0) | (speed_rad_s != 0))


@jitable
def loss_at(torque_grid, speed_grid, flat_loss_w, torque_step, speed_step, torque_nm,
            speed_rad_s):
    """:meth:`LossMap.loss` at one point (for compiled loops; the map's
    :attr:`~LossMap.compiled` arrays)."""
    val = bilinear_at(torque_grid, speed_grid, flat_loss_w, torque_step, speed_step,
                      torque_nm, abs(speed_rad_s))
    return _idle_is_lossless(val, torque_nm, speed_rad_s)


class LossMap:
    """Motor+inverter loss map over shaft torque x speed, and the torque envelope.

    ``envelope`` maps shaft speed [rad/s] to (largest motoring torque, most negative
    generating torque) [N*m]; it is the closed form of eq. (2) for a lumped motor or a table
    for a physics-based one. The grid must cover the envelope (checked here).
    """

    def __init__(self, speed_rad_s, torque_nm, loss_w, envelope, speed_max_rad_s: float):
        self.speed_rad_s = np.asarray(speed_rad_s, dtype=float)
        self.torque_nm = np.asarray(torque_nm, dtype=float)
        self.loss_w = np.asarray(loss_w, dtype=float)  # shape (n_torque, n_speed)
        self.envelope = envelope
        self.speed_max_rad_s = float(speed_max_rad_s)
        if self.loss_w.shape != (len(self.torque_nm), len(self.speed_rad_s)):
            raise EdriveError("loss map: grid shape does not match its axes")
        if not np.all(np.isfinite(self.loss_w)) or (self.loss_w < 0).any():
            raise EdriveError("loss map: losses must be finite and >= 0 W")
        w = np.linspace(0.0, self.speed_max_rad_s, 200)
        tmax, tmin = envelope(w)
        t_hi, t_lo = float(np.max(tmax)), float(np.min(tmin))
        if (self.torque_nm[0] > t_lo + 1e-6 * abs(t_lo) or self.torque_nm[-1] < t_hi * (1 - 1e-9)
                or self.speed_rad_s[0] > 0 or self.speed_rad_s[-1] < self.speed_max_rad_s * (1 - 1e-9)):
            raise EdriveError(
                f"loss map covers torque {self.torque_nm[0]:.0f}..{self.torque_nm[-1]:.0f} N*m and "
                f"speed 0..{self.speed_rad_s[-1]:.0f} rad/s but the envelope needs "
                f"{t_lo:.0f}..{t_hi:.0f} N*m and 0..{self.speed_max_rad_s:.0f} rad/s"
            )
        #: the arguments of :func:`loss_at` after the point: torque and speed axes, the
        #: losses flattened (C order), and each axis's step where it is uniform, else 0
        self.compiled = (self.torque_nm, self.speed_rad_s,
                         np.ascontiguousarray(self.loss_w).reshape(-1),
                         grid_step(self.torque_nm), grid_step(self.speed_rad_s))

    def torque_limits_nm(self, speed_rad_s):
        """Motoring and generating (negative) envelope [N*m]; zero above the maximum speed."""
        w = np.abs(np.asarray(speed_rad_s, dtype=float))
        t_max, t_min = self.envelope(w)
        inside = within_speed_range(w, self.speed_max_rad_s)
        return np.where(inside, t_max, 0.0), np.where(inside, t_min, 0.0)

    def torque_max_nm(self, speed_rad_s):
        """Motoring envelope [N*m]; zero above the maximum speed."""
        return self.torque_limits_nm(speed_rad_s)[0]

    def torque_min_nm(self, speed_rad_s):
        """Generating envelope (negative) [N*m]; zero above the maximum speed."""
        return self.torque_limits_nm(speed_rad_s)[1]

    def loss(self, torque_nm, speed_rad_s):
        """Motor + inverter loss [W] by bilinear interpolation; zero when idle at standstill."""
        val, _ = bilinear(self.torque_nm, self.speed_rad_s, self.loss_w, torque_nm,
                          np.abs(speed_rad_s))
        return _idle_is_lossless(val, np.asarray(torque_nm), np.asarray(speed_rad_s))

    def dc_power(self, torque_nm, speed_rad_s):
        """Eq. (1): DC power drawn by the inverter [W] (negative when generating)."""
        return np.asarray(torque_nm) * np.asarray(speed_rad_s) + self.loss(torque_nm, speed_rad_s)

    def efficiency_grid(self):
        """Efficiency on the grid: output/input in both quadrants; NaN outside the envelope."""
        T, W = np.meshgrid(self.torque_nm, self.speed_rad_s, indexing="ij")
        pm = T * W
        pdc = pm + self.loss_w
        with np.errstate(divide="ignore", invalid="ignore"):
            eff = np.where(T >= 0, pm / pdc, pdc / pm)
        outside = (T > self.torque_max_nm(W) + 1e-9) | (T < self.torque_min_nm(W) - 1e-9)
        eff[outside | (W == 0) | (T == 0)] = np.nan
        return eff
