"""Chassis-dynamometer time series of Argonne National Laboratory's Downloadable Dynamometer
Database (D3): read a test file and drive the simulated car on the measured speed trace.

A D3 test file is a text table with one header row of ``Name[unit]`` columns and one row per
sample (10 Hz in the full files, 1 Hz in the reduced copies bundled with FASTSim), separated
by tabs or commas. Three columns are used:

* ``Time[s]``: time from the start of the test [s];
* ``Dyno_Spd[mph]``: roller (vehicle) speed [mph];
* a fuel-flow column in cm^3/s, ``Eng_FuelFlow_Direct_DI[ccps]`` for direct-injection engines
  (D3 names its fuel-flow channels ``Eng_FuelFlow...[ccps]``; the first such column is
  taken unless one is named).

Other columns are ignored. Standstill samples carry roller-encoder noise of a few thousandths
of a mph; speeds below ``SPEED_NOISE_M_S`` are set to zero so that standstill is standstill.

Soaks. The FTP-75 (40 CFR 86.137) stops the engine for a 10-minute soak between the cold
UDDS and the hot start; D3 files record the soak as a long stretch at zero speed with zero
fuel flow. :func:`drive_segments` splits a trace at every stop longer than ``soak_min_s``
(default 300 s; the idles inside the regulatory cycles are at most 2-3 minutes, e.g. the
US06 pair's pause); the engine is taken as off from the stop's start until ``lead_in_s``
(default 20 s, the idle that opens the UDDS, 40 CFR 86 Appendix I) before the car moves again.

Source of the data: Argonne National Laboratory, Downloadable Dynamometer Database,
https://www.anl.gov/taps/d3-downloadable-dynamometer-database (files as redistributed in the
FASTSim 2.1.5 package resources; see ``tests/validation/data/anl/README.md``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..constants import MPH_M_S
from ..cycles import DriveCycle
from ..errors import EdriveError

TIME_COLUMN = "Time[s]"
SPEED_COLUMN = "Dyno_Spd[mph]"
FUEL_PREFIX = "Eng_FuelFlow"
FUEL_UNIT = "[ccps]"
CCPS_M3_S = 1e-6  # 1 cm^3/s in m^3/s
SPEED_NOISE_M_S = 0.05  # about 0.1 mph: roller noise at standstill is below this
SOAK_MIN_S = 300.0
LEAD_IN_S = 20.0


@dataclass(frozen=True, eq=False)
class AnlTrace:
    """A measured dynamometer trace.

    Parameters
    ----------
    name : str
        Short name (the file stem by default).
    time_s : ndarray
        Sample times [s], strictly increasing.
    speed_m_s : ndarray
        Roller speed [m/s], >= 0 (standstill noise removed).
    fuel_rate_m3_s : ndarray
        Fuel volume flow [m^3/s], >= 0.
    fuel_column : str
        The file's fuel-flow column.
    source : str
        Where the data came from (the path).
    """

    name: str
    time_s: np.ndarray
    speed_m_s: np.ndarray
    fuel_rate_m3_s: np.ndarray
    fuel_column: str = ""
    source: str = ""

    @property
    def duration_s(self) -> float:
        return float(self.time_s[-1] - self.time_s[0])

    @property
    def distance_m(self) -> float:
        """Trapezoidal integral of the speed [m]."""
        return float(np.sum(0.5 * (self.speed_m_s[1:] + self.speed_m_s[:-1])
                            * np.diff(self.time_s)))

    def cumulative_fuel_m3(self) -> np.ndarray:
        """Fuel used since the first sample, trapezoidal integral of the flow [m^3]."""
        f, dt = self.fuel_rate_m3_s, np.diff(self.time_s)
        return np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * dt)])

    @property
    def fuel_m3(self) -> float:
        """Fuel used over the whole trace [m^3]."""
        return float(self.cumulative_fuel_m3()[-1])


def read_anl_trace(path_or_text: str | Path, *, name: str | None = None,
                   fuel_column: str | None = None) -> AnlTrace:
    """Read a D3 test file (a path, or the text itself when it holds a line break).

    Raises :class:`~edrive.errors.EdriveError` (one line) for a missing file or column, a
    value that is not a number, a negative speed or fuel flow, or times that do not increase.
    """
    text, where = _text(path_or_text)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise EdriveError(f"{where}: empty file; expected a header with {TIME_COLUMN}, "
                          f"{SPEED_COLUMN} and a {FUEL_PREFIX}...{FUEL_UNIT} column")
    sep = "\t" if "\t" in lines[0] else ","
    header = [h.strip().strip('"') for h in lines[0].split(sep)]
    fuel_cols = [h for h in header if h.startswith(FUEL_PREFIX) and h.endswith(FUEL_UNIT)]
    if fuel_column is None:
        if not fuel_cols:
            raise EdriveError(f"{where}: no fuel-flow column; expected a column named "
                              f"{FUEL_PREFIX}...{FUEL_UNIT} (header is {','.join(header)!r})")
        fuel_column = fuel_cols[0]
    for col in (TIME_COLUMN, SPEED_COLUMN, fuel_column):
        if col not in header:
            raise EdriveError(f"{where}: no {col} column; header is {','.join(header)!r}")
    idx = [header.index(c) for c in (TIME_COLUMN, SPEED_COLUMN, fuel_column)]
    data = np.empty((len(lines) - 1, 3))
    for row, line in enumerate(lines[1:]):
        fields = line.split(sep)
        if len(fields) != len(header):
            raise EdriveError(f"{where}: line {row + 2} has {len(fields)} fields, the header "
                              f"has {len(header)}")
        for k, i in enumerate(idx):
            try:
                data[row, k] = float(fields[i])
            except ValueError:
                raise EdriveError(f"{where}: line {row + 2}, column {header[i]}: "
                                  f"{fields[i].strip()!r} is not a number") from None
    if len(data) < 2:
        raise EdriveError(f"{where}: needs at least 2 data rows, found {len(data)}")
    t, v_mph, f_ccps = data.T
    for label, arr in ((TIME_COLUMN, t), (SPEED_COLUMN, v_mph), (fuel_column, f_ccps)):
        bad = ~np.isfinite(arr)
        if bad.any():
            i = int(np.argmax(bad))
            raise EdriveError(f"{where}: line {i + 2}, column {label}: {float(arr[i])!r}; "
                              "allowed: finite numbers")
    for label, arr in ((SPEED_COLUMN, v_mph), (fuel_column, f_ccps)):
        if (arr < 0).any():
            i = int(np.argmax(arr < 0))
            raise EdriveError(f"{where}: line {i + 2}, column {label}: {float(arr[i])!r}; "
                              "allowed: >= 0")
    if (np.diff(t) <= 0).any():
        i = int(np.argmax(np.diff(t) <= 0))
        raise EdriveError(f"{where}: line {i + 3}, column {TIME_COLUMN}: {float(t[i + 1])!r} "
                          f"after {float(t[i])!r}; allowed: strictly increasing times")
    v = v_mph * MPH_M_S
    v = np.where(v < SPEED_NOISE_M_S, 0.0, v)
    t = t + 0.0  # "-0.0" in the files
    return AnlTrace(name or _stem(where), t, v, f_ccps * CCPS_M3_S, fuel_column, where)


def drive_segments(trace: AnlTrace, soak_min_s: float = SOAK_MIN_S,
                   lead_in_s: float = LEAD_IN_S) -> list[tuple[int, int]]:
    """Index ranges ``(first, last)`` (inclusive) of the parts driven with the engine on, the
    trace split at soaks (stops longer than ``soak_min_s`` [s]; see the module docstring)."""
    if soak_min_s <= 0:
        raise EdriveError(f"soak_min_s: {soak_min_s!r}; allowed: > 0")
    if lead_in_s < 0 or lead_in_s >= soak_min_s:
        raise EdriveError(f"lead_in_s: {lead_in_s!r}; allowed: 0 <= lead_in_s < soak_min_s "
                          f"({soak_min_s})")
    t, stopped = trace.time_s, trace.speed_m_s == 0.0
    segments, start, k, n = [], 0, 0, len(t)
    while k < n:
        if stopped[k]:
            j = k
            while j + 1 < n and stopped[j + 1]:
                j += 1
            # a soak lies between moving samples on both sides
            if k > 0 and j < n - 1 and t[j] - t[k] > soak_min_s:
                segments.append((start, k))
                start = int(np.searchsorted(t, t[j] - lead_in_s))
            k = j + 1
        else:
            k += 1
    segments.append((start, n - 1))
    return segments


def trace_to_cycle(trace: AnlTrace, first: int = 0, last: int | None = None) -> DriveCycle:
    """The measured speed (samples ``first`` to ``last``, inclusive) as a flat-road
    :class:`~edrive.cycles.DriveCycle`, time restarting at zero."""
    last = len(trace.time_s) - 1 if last is None else last
    if not 0 <= first < last < len(trace.time_s):
        raise EdriveError(f"trace {trace.name}: sample range {first}..{last}; allowed: "
                          f"0 <= first < last <= {len(trace.time_s) - 1}")
    sl = slice(first, last + 1)
    t = trace.time_s[sl]
    suffix = "" if (first, last) == (0, len(trace.time_s) - 1) else f"[{first}:{last}]"
    return DriveCycle(f"{trace.name}{suffix}", t - t[0], trace.speed_m_s[sl],
                      np.zeros(last - first + 1), title=f"measured trace {trace.name}",
                      source=trace.source)


def _text(path_or_text: str | Path) -> tuple[str, str]:
    if isinstance(path_or_text, str) and ("\n" in path_or_text or "\r" in path_or_text):
        return path_or_text, "ANL trace"
    path = Path(path_or_text)
    if not path.is_file():
        raise EdriveError(f"ANL trace file {str(path)!r} does not exist")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text, str(path)


def _stem(where: str) -> str:
    stem = Path(where).stem if where != "ANL trace" else "anl_trace"
    return re.sub(r"_Test_Data$", "", stem)
