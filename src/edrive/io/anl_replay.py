"""Drive a simulated conventional car on a measured dynamometer trace and compare its fuel use
with the measurement, sample by sample.

The measured roller speed becomes the cycle (:func:`edrive.io.anl.trace_to_cycle`); the trace
is cut at key-off soaks (:func:`edrive.io.anl.drive_segments`) and each driven part simulated
from a standing start with :func:`edrive.sim.icev.simulate_icev` (the engine is off, and uses
no fuel, during the soaks). Each interval between samples gets the simulated fuel rate and the
measured one, the mean of the two end samples (the trapezoidal rule, so that their sums are
the cumulative fuel of :meth:`edrive.io.anl.AnlTrace.cumulative_fuel_m3`).

A trace that starts with a cold engine (the FTP's cold UDDS) can be given the extra fuel of
the cold start, ``cold_start_fuel_l`` (the generic figure of the EPA records,
:func:`edrive.io.epa_icev.cold_start_fuel_l`, per kW of rated engine power):
it is added to the simulated rate of the first driven segment, spread evenly over its first
``COLD_START_SPAN_S`` = 505 s (the span of the FTP's bag 1, to which EPA's method adds it).

Measures of agreement over the driven intervals, both series smoothed by a centred moving
average of ``window_s`` seconds (default 5 s: the D3 fuel-flow signal and the model's
quasi-static engine differ most in the first seconds of a transient, which a few seconds of
averaging leave aside):

* relative error of the total fuel, V_sim / V_meas - 1;
* Pearson correlation coefficient r of the smoothed rates;
* normalised RMS difference of the smoothed rates, RMS(q_sim - q_meas) / mean(q_meas).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import EdriveError
from ..sim.icev import IcevResult, simulate_icev
from .anl import LEAD_IN_S, SOAK_MIN_S, AnlTrace, drive_segments, trace_to_cycle

WINDOW_S = 5.0
COLD_START_SPAN_S = 505.0  # FTP bag 1 [s]


@dataclass(frozen=True, eq=False)
class TraceComparison:
    """Simulated against measured fuel on one trace; rates per interval between samples."""

    vehicle: str
    trace: str
    time_s: np.ndarray                 # interval start times [s]
    dt_s: np.ndarray                   # interval durations [s]
    fuel_rate_sim_m3_s: np.ndarray     # simulated fuel flow [m^3/s]
    fuel_rate_meas_m3_s: np.ndarray    # measured fuel flow (trapezoid mean) [m^3/s]
    driven: np.ndarray                 # interval inside a driven segment (not a soak)
    segments: list[tuple[int, int]]
    results: list[IcevResult] = field(repr=False)
    window_s: float = WINDOW_S

    @property
    def fuel_sim_m3(self) -> float:
        return float(np.sum(self.fuel_rate_sim_m3_s * self.dt_s))

    @property
    def fuel_meas_m3(self) -> float:
        return float(np.sum(self.fuel_rate_meas_m3_s * self.dt_s))

    @property
    def fuel_error(self) -> float:
        """V_sim / V_meas - 1 over the whole trace [-]."""
        return self.fuel_sim_m3 / self.fuel_meas_m3 - 1.0

    def cumulative_m3(self) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative (simulated, measured) fuel at each sample [m^3]."""
        z = np.zeros(1)
        return (np.concatenate([z, np.cumsum(self.fuel_rate_sim_m3_s * self.dt_s)]),
                np.concatenate([z, np.cumsum(self.fuel_rate_meas_m3_s * self.dt_s)]))

    def smoothed(self) -> tuple[np.ndarray, np.ndarray]:
        """(simulated, measured) rates after the centred moving average [m^3/s]."""
        return (_moving_average(self.fuel_rate_sim_m3_s, self.time_s, self.window_s),
                _moving_average(self.fuel_rate_meas_m3_s, self.time_s, self.window_s))

    @property
    def correlation(self) -> float:
        """Pearson r of the smoothed rates over the driven intervals [-]."""
        s, m = (x[self.driven] for x in self.smoothed())
        return float(np.corrcoef(s, m)[0, 1])

    @property
    def rms_relative(self) -> float:
        """RMS of the smoothed rate difference over the driven intervals, divided by the mean
        measured rate there [-]."""
        s, m = (x[self.driven] for x in self.smoothed())
        return float(np.sqrt(np.mean((s - m) ** 2)) / np.mean(m))

    def summary(self) -> dict:
        return {"vehicle": self.vehicle, "trace": self.trace,
                "segments": len(self.segments),
                "fuel_sim_l": self.fuel_sim_m3 * 1e3, "fuel_meas_l": self.fuel_meas_m3 * 1e3,
                "fuel_error": self.fuel_error, "rate_correlation": self.correlation,
                "rate_rms_relative": self.rms_relative, "window_s": self.window_s}


def replay_trace(spec, trace: AnlTrace, *, soak_min_s: float = SOAK_MIN_S,
                 lead_in_s: float = LEAD_IN_S, window_s: float = WINDOW_S,
                 cold_start_fuel_l: float = 0.0) -> TraceComparison:
    """Simulate ``spec`` (an :class:`~edrive.vehicle.IcevSpec`) on the measured ``trace`` and
    line the simulated fuel rate up with the measured one (see the module docstring);
    ``cold_start_fuel_l`` [L] is the extra fuel of a cold start of the first segment."""
    if getattr(spec, "type", None) != "icev":
        raise EdriveError(f"vehicle type: {getattr(spec, 'type', None)!r}; allowed: 'icev' "
                          "(the traces hold fuel flow)")
    if not window_s > 0:
        raise EdriveError(f"window_s: {window_s!r}; allowed: > 0")
    if isinstance(cold_start_fuel_l, bool) or not 0 <= cold_start_fuel_l <= 10:
        raise EdriveError(f"cold_start_fuel_l: {cold_start_fuel_l!r}; allowed: a number of "
                          "litres from 0 to 10")
    t = trace.time_s
    dt = np.diff(t)
    f = trace.fuel_rate_m3_s
    meas = 0.5 * (f[1:] + f[:-1])
    sim = np.zeros_like(meas)
    driven = np.zeros(len(meas), dtype=bool)
    segments = drive_segments(trace, soak_min_s, lead_in_s)
    results = []
    for first, last in segments:
        res = simulate_icev(spec, trace_to_cycle(trace, first, last))
        density = spec.model().engine.fuel.density_kg_m3
        sim[first:last] = np.asarray(res.series["fuel_rate_g_s"][1:]) * 1e-3 / density
        driven[first:last] = True
        if not results and cold_start_fuel_l > 0:
            span = (t[first:last] - t[first]) < COLD_START_SPAN_S
            sim[first:last][span] += cold_start_fuel_l * 1e-3 / float(np.sum(dt[first:last][span]))
        results.append(res)
    return TraceComparison(spec.name, trace.name, t[:-1], dt, sim, meas, driven, segments,
                           results, window_s)


def _moving_average(x: np.ndarray, t: np.ndarray, window_s: float) -> np.ndarray:
    """Centred moving average over ``window_s`` seconds (sample spacing taken as uniform,
    the median step; shorter windows at the ends)."""
    step = float(np.median(np.diff(t))) if len(t) > 1 else 1.0
    n = max(1, round(window_s / step))
    if n == 1:
        return x.copy()
    kernel = np.ones(n)
    num = np.convolve(x, kernel, mode="same")
    den = np.convolve(np.ones_like(x), kernel, mode="same")
    return num / den
