"""Drive cycles: speed traces the vehicle is asked to follow.

A :class:`DriveCycle` holds time [s], speed [m/s] and road grade (rise/run) at each sample,
and optional named phases. The bundled regulatory cycles live in ``edrive/data/cycles``
with their provenance in ``SOURCES.md`` beside them; :func:`load_cycle` takes a bundled name
or the path of a user's CSV file.

A user CSV has a header row with ``time_s``, exactly one speed column whose name states its
unit (``speed_m_s``, ``speed_kmh`` or ``speed_mph``), and optionally ``grade`` (rise/run) or
``grade_pct`` (percent), and ``phase``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from .arguments import checked_name_or_path, shown, whole_number
from .constants import KMH_M_S, MPH_M_S
from .errors import EdriveError, unknown_name

SPEED_COLUMNS = {"speed_m_s": 1.0, "speed_kmh": KMH_M_S, "speed_mph": MPH_M_S}
PHASE_COLUMNS = ("phase", "bag")
MAX_SPEED_M_S = 150.0  # 540 km/h: anything above is taken to be a unit mistake
MAX_GRADE = 1.0  # 45 degrees


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
            raise EdriveError(f"phase of {self.name}: {shown(name)}; allowed: "
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
        dt = np.diff(self.time_s)
        t = np.concatenate([[0.0], np.cumsum(np.tile(dt, n))]) + self.time_s[0]
        v = np.concatenate([self.speed_m_s] + [self.speed_m_s[1:]] * (n - 1))
        g = np.concatenate([self.grade] + [self.grade[1:]] * (n - 1))
        return DriveCycle(f"{self.name}x{n}", t, v, g, title=self.title, source=self.source)


def _check_trace(name: str, t: np.ndarray, v: np.ndarray, g: np.ndarray) -> None:
    if t.ndim != 1 or len(t) < 2:
        raise EdriveError(f"cycle {name}: needs at least 2 samples, got {t.size}")
    if not (len(t) == len(v) == len(g)):
        raise EdriveError(f"cycle {name}: time, speed and grade differ in length")
    for label, arr in (("time_s", t), ("speed", v), ("grade", g)):
        bad = ~np.isfinite(arr)
        if bad.any():
            i = int(np.argmax(bad))
            raise EdriveError(f"cycle {name}: {label} at row {i + 1} is {arr[i]!r}; "
                              "allowed: finite numbers")
    dt = np.diff(t)
    if (dt <= 0).any():
        i = int(np.argmax(dt <= 0))
        raise EdriveError(f"cycle {name}: time_s must increase strictly; row {i + 2} has "
                          f"{t[i + 1]!r} after {t[i]!r}")
    if (v < 0).any():
        i = int(np.argmax(v < 0))
        raise EdriveError(f"cycle {name}: speed at row {i + 1} is {v[i]!r}; allowed: >= 0")
    if (v > MAX_SPEED_M_S).any():
        i = int(np.argmax(v > MAX_SPEED_M_S))
        raise EdriveError(f"cycle {name}: speed at row {i + 1} is {v[i]:.1f} m/s; allowed: up to "
                          f"{MAX_SPEED_M_S:.0f} m/s (is the speed column's unit right?)")
    if (np.abs(g) > MAX_GRADE).any():
        i = int(np.argmax(np.abs(g) > MAX_GRADE))
        raise EdriveError(f"cycle {name}: grade at row {i + 1} is {g[i]!r}; allowed: -1..1 "
                          "(rise/run; use grade_pct for percent)")


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
    if path.suffix.lower() == ".csv" or path.exists():
        if not path.is_file():
            raise EdriveError(f"cycle file {key!r} does not exist")
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise EdriveError(f"cycle file {key}: not UTF-8 text") from None
        return read_cycle_csv(text, name=path.stem, where=str(path))
    raise unknown_name("cycle", key, list(BUNDLED))


def read_cycle_csv(text: str, name: str = "cycle", where: str | None = None) -> DriveCycle:
    """Parse cycle CSV text (see the module docstring for the columns)."""
    import csv

    where = where or name
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise EdriveError(f"{where}: empty file; expected a header with time_s and a speed column")
    header = [h.strip().lower() for h in rows[0]]
    if "time_s" not in header:
        raise EdriveError(f"{where}: no time_s column; header is {','.join(header)!r}")
    speed_cols = [h for h in header if h in SPEED_COLUMNS]
    if not speed_cols:
        raise EdriveError(f"{where}: no speed column; use one of {', '.join(SPEED_COLUMNS)} "
                          f"(header is {','.join(header)!r})")
    speed_col = "speed_mph" if "speed_mph" in speed_cols else speed_cols[0]
    if len(set(header)) != len(header):
        raise EdriveError(f"{where}: repeated column names in header {','.join(header)!r}")
    grade_col = "grade" if "grade" in header else ("grade_pct" if "grade_pct" in header else None)
    phase_col = next((c for c in PHASE_COLUMNS if c in header), None)
    idx_t, idx_v = header.index("time_s"), header.index(speed_col)
    idx_g = header.index(grade_col) if grade_col else None
    idx_p = header.index(phase_col) if phase_col else None
    t, v, g, ph = [], [], [], []
    for lineno, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise EdriveError(f"{where}: line {lineno} has {len(row)} fields, the header has "
                              f"{len(header)}")
        try:
            t.append(float(row[idx_t]))
            v.append(float(row[idx_v]))
            g.append(float(row[idx_g]) if idx_g is not None else 0.0)
        except ValueError:
            bad = next(c for c in (row[idx_t], row[idx_v], row[idx_g] if idx_g is not None else "0")
                       if not _is_float(c))
            raise EdriveError(f"{where}: line {lineno}: {bad!r} is not a number") from None
        if idx_p is not None:
            ph.append(row[idx_p].strip())
    if len(t) < 2:
        raise EdriveError(f"{where}: needs at least 2 data rows, found {len(t)}")
    speed = np.array(v) * SPEED_COLUMNS[speed_col]
    grade = np.array(g) * (0.01 if grade_col == "grade_pct" else 1.0)
    phases = _phases_from_labels(ph) if ph else ()
    return DriveCycle(name, np.array(t), speed, grade, phases, source=where)


def _is_float(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _phases_from_labels(labels: list[str]) -> tuple[tuple[str, int, int], ...]:
    out: list[tuple[str, int, int]] = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            if labels[start]:
                out.append((labels[start], start, i - 1))
            start = i
    return tuple(out)
