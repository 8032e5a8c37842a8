"""Drive cycles: speed traces the vehicle is asked to follow.

A :class:`DriveCycle` holds time [s], speed [m/s] and road grade (rise/run) at each sample,
and optional named phases. The bundled regulatory cycles live in ``edrive/data/cycles``
with their provenance in ``SOURCES.md`` beside them; :func:`load_cycle` takes a bundled name
or the path of a user's CSV file.

A user CSV has a header row with ``time_s``, exactly one speed column whose name states its
unit (``speed_m_s``, ``speed_kmh`` or ``speed_mph``), and optionally one grade column,
``grade`` (rise/run) or ``grade_pct`` (percent), and one phase column, ``phase`` or ``bag``.
Other columns are ignored.

Every cycle, read or built, has finite times that increase strictly, speeds from 0 to
``MAX_SPEED_M_S`` and grades within +-``MAX_GRADE``, and stays within three limits, each
overridable by the environment variable of the same name with ``EDRIVE_`` in front:
``MAX_CYCLE_ROWS`` samples (counted in a file before it is parsed),
``MAX_CYCLE_DURATION_S`` from first to last sample and ``MAX_CYCLE_STEP_S`` between two
samples. A line of a cycle file may hold at most ``MAX_CYCLE_LINE_CHARS`` characters.
"""

from __future__ import annotations

import csv
import io
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from .arguments import checked_name_or_path, whole_number
from .constants import KMH_M_S, MPH_M_S
from .errors import EdriveError, format_value, unknown_name
from .limits import check_file, exists, limit

SPEED_COLUMNS = {"speed_m_s": 1.0, "speed_kmh": KMH_M_S, "speed_mph": MPH_M_S}
GRADE_COLUMNS = {"grade": 1.0, "grade_pct": 0.01}
PHASE_COLUMNS = ("phase", "bag")
MAX_SPEED_M_S = 150.0  # 540 km/h: anything above is taken to be a unit mistake
MAX_GRADE = 1.0  # 45 degrees
MAX_CYCLE_ROWS = 2_000_000  # EDRIVE_MAX_CYCLE_ROWS; 23 days at 1 Hz
MAX_CYCLE_DURATION_S = 1_000_000  # EDRIVE_MAX_CYCLE_DURATION_S; 11.6 days
MAX_CYCLE_STEP_S = 3600  # EDRIVE_MAX_CYCLE_STEP_S
MAX_CYCLE_LINE_CHARS = 10_000


@dataclass(frozen=True)
class CycleInfo:
    """Registry entry of a bundled cycle."""

    name: str
    file: str
    title: str
    source: str


BUNDLED: dict[str, CycleInfo] = {
    c.name: c
    for c in [
        CycleInfo("wltc", "wltc_class3b.csv", "WLTC class 3b (low, medium, high, extra-high)",
                  "UN GTR No. 15; EU 2017/1151 Annex XXI Sub-Annex 1"),
        CycleInfo("nedc", "nedc.csv", "NEDC (4 x ECE-15 urban + EUDC)", "UNECE Regulation 83"),
        CycleInfo("udds", "epa_udds_ftp72.csv", "EPA Urban Dynamometer Driving Schedule (FTP-72)",
                  "40 CFR 86 Appendix I"),
        CycleInfo("ftp75", "epa_ftp75_derived.csv",
                  "EPA FTP-75 (UDDS + hot 505 s; 600 s soak omitted), 3 bags",
                  "40 CFR 86 Appendix I; built from the UDDS trace"),
        CycleInfo("hwfet", "epa_hwfet.csv", "EPA Highway Fuel Economy Test", "40 CFR 600 Appendix I"),
        CycleInfo("us06", "epa_us06.csv", "EPA US06 supplemental FTP", "40 CFR 86 Appendix I"),
        CycleInfo("artemis_urban", "artemis_urban.csv", "Common Artemis Driving Cycle, urban",
                  "Andre (2004), ARTEMIS project; trace via carculator_utils"),
        CycleInfo("artemis_rural", "artemis_rural_road.csv", "Common Artemis Driving Cycle, rural road",
                  "Andre (2004), ARTEMIS project; trace via carculator_utils"),
        CycleInfo("artemis_motorway_130", "artemis_motorway_130.csv",
                  "Common Artemis Driving Cycle, motorway (130 km/h version)",
                  "Andre (2004), ARTEMIS project; trace via carculator_utils"),
        CycleInfo("artemis_motorway_150", "artemis_motorway_150.csv",
                  "Common Artemis Driving Cycle, motorway (150 km/h version)",
                  "Andre (2004), ARTEMIS project; trace via carculator_utils"),
    ]
}
ALIASES = {"wltc3b": "wltc", "wltc_3b": "wltc", "wltp": "wltc", "ftp72": "udds", "la4": "udds",
           "hwy": "hwfet", "highway": "hwfet", "ftp": "ftp75", "ftp-75": "ftp75"}


@dataclass(frozen=True, eq=False)
class DriveCycle:
    """A speed trace sampled at increasing times.

    Parameters
    ----------
    name : str
        Short name.
    time_s : ndarray
        Sample times, strictly increasing, starting anywhere [s].
    speed_m_s : ndarray
        Target vehicle speed at each sample [m/s].
    grade : ndarray
        Road grade at each sample, rise over run (positive uphill) [-].
    phases : tuple of (name, start_index, end_index)
        Named index ranges (inclusive start, inclusive end sample).
    """

    name: str
    time_s: np.ndarray
    speed_m_s: np.ndarray
    grade: np.ndarray
    phases: tuple[tuple[str, int, int], ...] = ()
    title: str = ""
    source: str = ""
    _stats: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        for name in ("time_s", "speed_m_s", "grade"):
            arr = np.ascontiguousarray(getattr(self, name), dtype=float)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        _check_trace(self.name, self.time_s, self.speed_m_s, self.grade)

    def __len__(self) -> int:
        return len(self.time_s)

    @property
    def duration_s(self) -> float:
        return float(self.time_s[-1] - self.time_s[0])

    @property
    def distance_m(self) -> float:
        """Trapezoidal integral of speed over time [m]."""
        dt = np.diff(self.time_s)
        return float(np.sum(0.5 * (self.speed_m_s[1:] + self.speed_m_s[:-1]) * dt))

    def stats(self) -> dict[str, float]:
        """Summary figures of the trace, in SI units.

        ``relative_positive_acceleration_m_s2`` is RPA = sum(v * a+ * dt) / distance
        (Pelkmans & Debal, 2006, "Comparison of on-road emissions with emissions measured on
        chassis dynamometer test cycles", Transp. Res. D 11), with v and a taken per interval.
        ``idle_share`` is the fraction of time spent below 0.1 m/s (about 0.4 km/h).
        """
        if self._stats:
            return dict(self._stats)
        dt = np.diff(self.time_s)
        v_mid = 0.5 * (self.speed_m_s[1:] + self.speed_m_s[:-1])
        acc = np.diff(self.speed_m_s) / dt
        dist = float(np.sum(v_mid * dt))
        idle = float(np.sum(dt[v_mid < 0.1]) / self.duration_s) if self.duration_s > 0 else 0.0
        moving = v_mid >= 0.1
        out = {
            "duration_s": self.duration_s,
            "distance_m": dist,
            "speed_max_m_s": float(self.speed_m_s.max()),
            "speed_mean_m_s": dist / self.duration_s if self.duration_s > 0 else 0.0,
            "speed_mean_moving_m_s": (
                float(np.sum(v_mid[moving] * dt[moving]) / np.sum(dt[moving])) if moving.any()
                else 0.0
            ),
            "idle_share": idle,
            "acceleration_max_m_s2": float(acc.max(initial=0.0)),
            "deceleration_max_m_s2": float(-acc.min(initial=0.0)),
            "relative_positive_acceleration_m_s2": (
                float(np.sum(v_mid * np.clip(acc, 0, None) * dt) / dist) if dist > 0 else 0.0
            ),
            "grade_max": float(np.abs(self.grade).max()),
        }
        self._stats.update(out)
        return dict(out)

    def phase(self, name: str) -> DriveCycle:
        """The part of the cycle named ``name`` as a cycle of its own (time restarts at 0)."""
        if not isinstance(name, str):
            raise EdriveError(f"phase of {self.name}: {format_value(name)}; allowed: "
                              f"{', '.join(p[0] for p in self.phases) or 'none (no phases)'}")
        for pname, i0, i1 in self.phases:
            if pname == name:
                sl = slice(max(i0 - 1, 0), i1 + 1)  # the interval into the phase belongs to it
                t = self.time_s[sl]
                return DriveCycle(f"{self.name}:{name}", t - t[0], self.speed_m_s[sl],
                                  self.grade[sl], title=f"{self.title} - {name}",
                                  source=self.source)
        raise unknown_name(f"phase of {self.name}", name, [p[0] for p in self.phases])

    def repeated(self, n: int) -> DriveCycle:
        """The cycle driven ``n`` times back to back."""
        n = whole_number(n, "repeat count", 1)
        max_rows, rows = limit("EDRIVE_MAX_CYCLE_ROWS", MAX_CYCLE_ROWS), (len(self) - 1) * n + 1
        if rows > max_rows:
            raise EdriveError(f"cycle {self.name} repeated {n:,} times: {rows:,} samples; the "
                              f"limit is {max_rows:,} (EDRIVE_MAX_CYCLE_ROWS)")
        dt = np.diff(self.time_s)
        t = np.concatenate([[0.0], np.cumsum(np.tile(dt, n))]) + self.time_s[0]
        v = np.concatenate([self.speed_m_s] + [self.speed_m_s[1:]] * (n - 1))
        g = np.concatenate([self.grade] + [self.grade[1:]] * (n - 1))
        return DriveCycle(f"{self.name}x{n}", t, v, g, title=self.title, source=self.source)


def _check_trace(name: str, t: np.ndarray, v: np.ndarray, g: np.ndarray,
                 speed_column: str = "speed_m_s", grade_column: str = "grade",
                 lines: np.ndarray | None = None) -> None:
    """The rules every cycle keeps. Speed and grade are in SI; messages give them in the
    units of ``speed_column`` and ``grade_column`` and name the file's ``lines`` when given
    (else the sample's row, counted from 1)."""
    def at(i: int) -> str:
        return f"line {lines[i]}" if lines is not None else f"row {i + 1}"

    if t.ndim != 1 or len(t) < 2:
        raise EdriveError(f"cycle {name}: needs at least 2 samples, got {t.size}")
    if not (len(t) == len(v) == len(g)):
        raise EdriveError(f"cycle {name}: time, speed and grade differ in length")
    max_rows = limit("EDRIVE_MAX_CYCLE_ROWS", MAX_CYCLE_ROWS)
    if len(t) > max_rows:
        raise EdriveError(f"cycle {name}: {len(t):,} samples; the limit is {max_rows:,} "
                          "(EDRIVE_MAX_CYCLE_ROWS)")
    v_unit, g_unit = SPEED_COLUMNS[speed_column], GRADE_COLUMNS[grade_column]
    for label, arr, unit in (("time_s", t, 1.0), (speed_column, v, v_unit),
                             (grade_column, g, g_unit)):
        bad = ~np.isfinite(arr)
        if bad.any():
            i = int(np.argmax(bad))
            raise EdriveError(f"cycle {name}: {label} at {at(i)} is {format_value(arr[i] / unit)}; "
                              "allowed: finite numbers")
    dt = np.diff(t)
    if (dt <= 0).any():
        i = int(np.argmax(dt <= 0)) + 1
        raise EdriveError(f"cycle {name}: time_s must increase strictly; {at(i)} has "
                          f"{format_value(t[i])} after {format_value(t[i - 1])}")
    max_step_s = limit("EDRIVE_MAX_CYCLE_STEP_S", MAX_CYCLE_STEP_S)
    if (dt > max_step_s).any():
        i = int(np.argmax(dt > max_step_s)) + 1
        raise EdriveError(f"cycle {name}: time_s at {at(i)} is {format_value(t[i])}, "
                          f"{format_value(dt[i - 1])} s after the sample before; the limit is "
                          f"{max_step_s:,} s (EDRIVE_MAX_CYCLE_STEP_S)")
    max_duration_s = limit("EDRIVE_MAX_CYCLE_DURATION_S", MAX_CYCLE_DURATION_S)
    if t[-1] - t[0] > max_duration_s:
        raise EdriveError(f"cycle {name}: lasts {format_value(t[-1] - t[0])} s; the limit is "
                          f"{max_duration_s:,} s (EDRIVE_MAX_CYCLE_DURATION_S)")
    if (v < 0).any():
        i = int(np.argmax(v < 0))
        raise EdriveError(f"cycle {name}: {speed_column} at {at(i)} is "
                          f"{format_value(v[i] / v_unit)}; allowed: >= 0")
    if (v > MAX_SPEED_M_S).any():
        i = int(np.argmax(v > MAX_SPEED_M_S))
        raise EdriveError(f"cycle {name}: {speed_column} at {at(i)} is "
                          f"{format_value(v[i] / v_unit)}; allowed: up to "
                          f"{MAX_SPEED_M_S / v_unit:.0f} (is the speed column's unit right?)")
    if (np.abs(g) > MAX_GRADE).any():
        i = int(np.argmax(np.abs(g) > MAX_GRADE))
        raise EdriveError(f"cycle {name}: {grade_column} at {at(i)} is "
                          f"{format_value(g[i] / g_unit)}; allowed: {-MAX_GRADE / g_unit:g}.."
                          f"{MAX_GRADE / g_unit:g}"
                          + (" (grade is rise/run; use grade_pct for percent)" if g_unit == 1
                             else ""))


def list_cycles() -> list[str]:
    """Names of the bundled drive cycles."""
    return list(BUNDLED)


_CACHE: dict[str, DriveCycle] = {}


def load_cycle(name_or_path: str | Path | DriveCycle) -> DriveCycle:
    """Load a bundled cycle by name (``"udds"``, ``"wltc"``, ...) or a user CSV by path."""
    if isinstance(name_or_path, DriveCycle):
        return name_or_path
    key = str(checked_name_or_path(
        name_or_path, "cycle", "a DriveCycle, a bundled cycle name or a CSV file path"))
    low = key.lower()
    low = ALIASES.get(low, low)
    if low in BUNDLED:
        if low not in _CACHE:
            info = BUNDLED[low]
            text = resources.files("edrive").joinpath(f"data/cycles/{info.file}").read_text("utf-8-sig")
            cyc = read_cycle_csv(text, name=info.name)
            _CACHE[low] = DriveCycle(cyc.name, cyc.time_s, cyc.speed_m_s, cyc.grade, cyc.phases,
                                     title=info.title, source=info.source)
        return _CACHE[low]
    path = Path(key)
    if path.suffix.lower() == ".csv" or exists(path):
        return _read_cycle_file(path)
    raise unknown_name("cycle", key, list(BUNDLED))


def _read_cycle_file(path: Path) -> DriveCycle:
    """A user's cycle CSV: its lines are counted (``MAX_CYCLE_ROWS``) before any is parsed,
    and then parsed one by one."""
    check_file(path, "cycle file", "a CSV file")
    where = str(path)
    try:
        with path.open("rb") as fh:
            _check_line_count(iter(lambda: fh.read(1 << 20), b""), where)
            fh.seek(0)
            text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
            return _parse_cycle_lines(_bounded_lines(text, where), path.stem, where)
    except UnicodeDecodeError:
        raise EdriveError(f"cycle file {path}: not UTF-8 text; expected a CSV file") from None
    except OSError as exc:
        raise EdriveError(f"cycle file {path}: cannot be read ({exc.strerror or exc})") from None


def read_cycle_csv(text: str, name: str = "cycle", where: str | None = None) -> DriveCycle:
    """Parse cycle CSV text (see the module docstring for the columns)."""
    where = where or name
    _check_line_count([text], where)
    return _parse_cycle_lines(_bounded_lines(io.StringIO(text, newline=""), where), name, where)


def _check_line_count(chunks: Iterable[bytes | str], where: str) -> None:
    """Refuse a file of more lines than a header and ``MAX_CYCLE_ROWS`` rows, counting
    newlines chunk by chunk and stopping as soon as there are too many."""
    max_rows = limit("EDRIVE_MAX_CYCLE_ROWS", MAX_CYCLE_ROWS)
    lines = 0
    for chunk in chunks:
        lines += chunk.count(b"\n" if isinstance(chunk, bytes) else "\n")
        if lines > max_rows + 1:
            raise EdriveError(f"{where}: more rows than the limit of {max_rows:,} "
                              "(EDRIVE_MAX_CYCLE_ROWS)")


def _bounded_lines(text: io.TextIOBase, where: str) -> Iterator[str]:
    """The lines of ``text``, refusing one longer than ``MAX_CYCLE_LINE_CHARS``."""
    number = 0
    while line := text.readline(MAX_CYCLE_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_CYCLE_LINE_CHARS:
            raise EdriveError(f"{where}: line {number} is longer than "
                              f"{MAX_CYCLE_LINE_CHARS:,} characters; expected a CSV file")
        yield line


def _one_column(header: list[str], names: Iterable[str], what: str, where: str) -> str | None:
    """The one column of ``header`` among ``names`` (None if there is none)."""
    found = [n for n in names if n in header]
    if len(found) > 1:
        raise EdriveError(f"{where}: columns {' and '.join(found)}; give exactly one {what} "
                          "column")
    if found and header.count(found[0]) > 1:
        raise EdriveError(f"{where}: column {found[0]} appears more than once in the header")
    return found[0] if found else None


def _parse_cycle_lines(lines: Iterable[str], name: str, where: str) -> DriveCycle:
    expected = (f"expected a CSV file with a header row of time_s and one of "
                f"{', '.join(SPEED_COLUMNS)}")
    try:
        reader = csv.reader(lines)
        header = None
        for row in reader:
            if any(c.strip() for c in row):
                header = [h.strip().lower() for h in row]
                break
        if header is None:
            raise EdriveError(f"{where}: empty file; {expected}")
        if "time_s" not in header:
            raise EdriveError(f"{where}: no time_s column; {expected}")
        speed_col = _one_column(header, SPEED_COLUMNS, "speed", where)
        if speed_col is None:
            raise EdriveError(f"{where}: no speed column; {expected}")
        _one_column(header, ["time_s"], "time", where)
        grade_col = _one_column(header, GRADE_COLUMNS, "grade", where)
        phase_col = _one_column(header, PHASE_COLUMNS, "phase", where)
        columns = [header.index(c) for c in ("time_s", speed_col, grade_col) if c]
        idx_p = header.index(phase_col) if phase_col else None
        values = [array("d") for _ in columns]
        line_numbers = array("q")
        phases: list[list] = []  # [label, first row, last row], runs of equal labels
        for row in reader:
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise EdriveError(f"{where}: line {reader.line_num} has {len(row)} fields, "
                                  f"the header has {len(header)}")
            for out, i in zip(values, columns, strict=True):
                try:
                    out.append(float(row[i]))
                except ValueError:
                    raise EdriveError(f"{where}: line {reader.line_num}: {header[i]} "
                                      f"{format_value(row[i])} is not a number") from None
            line_numbers.append(reader.line_num)
            if idx_p is not None:
                label, n = row[idx_p].strip(), len(line_numbers) - 1
                if phases and phases[-1][0] == label:
                    phases[-1][2] = n
                else:
                    phases.append([label, n, n])
    except csv.Error as exc:
        raise EdriveError(f"{where}: not a valid CSV file ({exc})") from None
    if len(line_numbers) < 2:
        raise EdriveError(f"{where}: needs at least 2 data rows, found {len(line_numbers)}")
    t = np.frombuffer(values[0])
    speed = np.frombuffer(values[1]) * SPEED_COLUMNS[speed_col]
    grade = (np.frombuffer(values[2]) * GRADE_COLUMNS[grade_col] if grade_col
             else np.zeros_like(t))
    _check_trace(where, t, speed, grade, speed_col, grade_col or "grade",
                 np.frombuffer(line_numbers, dtype=np.int64))
    return DriveCycle(name, t, speed, grade, tuple((p[0], p[1], p[2]) for p in phases if p[0]),
                      source=where)
