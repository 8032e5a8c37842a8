"""What the web app does, without the page: choose and edit a car, run cycles, compare
variants, run a small sweep, plan a portfolio, and turn any failure into one line.

Every function here calls the library (:func:`edrive.simulate`,
:func:`edrive.simulate_many_records`, :func:`edrive.alliance.plan.plan_portfolio`, the plot
functions of :mod:`edrive.report.plots`, the reports of :mod:`edrive.report.html`) and
formats its answer; there is no physics here.
Everything a user types reaches the library as a number or as YAML text read by
:func:`edrive.vehicle.vehicle_from_yaml` (the project's safe YAML reader and the spec
validation): nothing is evaluated or unpickled.
"""

from __future__ import annotations

import base64
import functools
import logging
import math
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import EdriveError, format_value
from ..limits import limit

LOG = logging.getLogger("edrive.app")

# Largest number of variants one sweep in the app may run (EDRIVE_MAX_APP_SWEEP_VARIANTS):
# a few seconds of simulate_many for a battery-electric car on the WLTC.
MAX_SWEEP_VARIANTS = 2000
# Steps per swept parameter, at most.
MAX_SWEEP_STEPS = 200
# Variants in the side-by-side comparison, at most.
MAX_COMPARE = 4
# Variants simulated per call in a sweep, so that the page can show progress between them.
SWEEP_CHUNK = 250
# Uploaded or pasted vehicle YAML, at most (characters); a vehicle file is a few kB.
MAX_YAML_CHARS = 200_000

# matplotlib's pyplot keeps global state: one figure is drawn at a time, whichever thread
# draws it.
_PYPLOT = threading.Lock()

GENERIC_FAILURE = "something went wrong that is not a problem with the input; it was logged"


def user_message(exc: BaseException) -> str:
    """One line for the page: the message of an input error, or a generic line (with the
    traceback sent to the log) for anything unexpected. Never a traceback."""
    from pydantic import ValidationError

    from ..spec import format_validation_error

    if isinstance(exc, EdriveError):
        return str(exc)
    if isinstance(exc, ValidationError):
        return format_validation_error(exc, "input")
    LOG.error("unexpected error in the web app", exc_info=exc)
    return GENERIC_FAILURE


# --- key parameters -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Parameter:
    """One parameter the page lets a user change: a spec path, and the unit shown
    (value in SI = value shown x ``scale``)."""

    key: str
    label: str
    path: str
    unit: str
    scale: float = 1.0

    @property
    def title(self) -> str:
        return f"{self.label} [{self.unit}]" if self.unit else self.label


# Candidates, in the order shown; a car gets those its specification has (a drive unit given
# by a bundled EDU name has no motor fields to change, a combustion car no battery).
CANDIDATES = (
    Parameter("test_mass", "test mass", "mass.test_mass_kg", "kg"),
    Parameter("kerb_mass", "kerb mass", "mass.kerb_mass_kg", "kg"),
    Parameter("payload", "payload", "mass.payload_kg", "kg"),
    Parameter("motor_power", "motor peak power", "drive_units.0.motor.power_peak_w", "kW", 1e3),
    Parameter("motor_torque", "motor peak torque", "drive_units.0.motor.torque_peak_nm", "N m"),
    Parameter("gear_ratio", "gear ratio", "drive_units.0.gear.ratio", ""),
    Parameter("cell_capacity", "battery cell capacity", "battery.cell_capacity_as", "A h",
              3600.0),
    Parameter("cells_series", "battery cells in series", "battery.cells_series", ""),
    Parameter("cells_parallel", "battery cells in parallel", "battery.cells_parallel", ""),
    Parameter("drag", "drag coefficient", "road_load.physical.drag_coefficient", ""),
    Parameter("frontal_area", "frontal area", "road_load.physical.frontal_area_m2", "m²"),
    Parameter("aux_power", "auxiliary power", "aux_power_w", "W"),
)
WHOLE_NUMBER_PATHS = {"battery.cells_series", "battery.cells_parallel"}


def _spec_data(spec) -> dict:
    return spec.model_dump(mode="json", exclude_none=True)


def key_parameters(spec) -> list[tuple[Parameter, float]]:
    """The parameters of ``spec`` the page offers, each with its value in the unit shown."""
    from ..spec_paths import get_path

    data = _spec_data(spec)
    out = []
    for p in CANDIDATES:
        if p.key == "payload" and spec.mass.test_mass_kg is not None:
            continue  # the test mass is simulated; a payload would change nothing
        try:
            value = get_path(data, p.path)
        except EdriveError:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            out.append((p, value if p.scale == 1 else value / p.scale))
    return out


def number_from_page(value, label: str) -> float:
    """A value typed in a number field: a finite number (the page sends None for an empty
    or unreadable field)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        raise EdriveError(f"{label}: {format_value(value)}; allowed: a number")
    if not math.isfinite(value):
        raise EdriveError(f"{label}: {format_value(value)}; allowed: a finite number")
    return float(value)


def with_parameters(spec, values: dict[str, object]):
    """``spec`` with the key parameters in ``values`` (key -> value in the unit shown)
    changed, validated again as a vehicle file would be. Values equal to the car's own are
    left as they are, so an unchanged page simulates exactly the car chosen."""
    from ..spec_paths import set_path
    from ..vehicle import vehicle_from_dict

    offered = dict(key_parameters(spec))
    by_key = {p.key: p for p in offered}
    changes = {}
    for key, value in values.items():
        if key not in by_key:
            raise EdriveError(f"parameter {format_value(key)} is not one of this car's; "
                              f"allowed: {', '.join(sorted(by_key))}")
        p = by_key[key]
        number = number_from_page(value, p.title)
        if number == offered[p]:
            continue
        if p.path in WHOLE_NUMBER_PATHS:
            if number != int(number):
                raise EdriveError(f"{p.title}: {format_value(number)}; allowed: a whole number")
            changes[p.path] = int(number)
        else:
            changes[p.path] = number * p.scale
    if not changes:
        return spec
    data = _spec_data(spec)
    for path, si in changes.items():
        set_path(data, path, si)
    try:
        return vehicle_from_dict(data, where=spec.name, base_dir=spec._base_dir)
    except EdriveError as exc:  # name the field of the page as well as the spec path
        fields = [p.title for p in offered if p.path in changes and p.path in str(exc)]
        if not fields:
            raise
        raise EdriveError(f"{exc} (the page's field '{fields[0]}')") from None


def fit_edu(spec, name: str):
    """``spec`` (battery-electric) with each drive unit replaced by the bundled drive unit
    ``name`` (:func:`edrive.sim.edu_compare.with_edu`)."""
    from ..edu import list_edus
    from ..errors import unknown_name
    from ..sim.edu_compare import with_edu

    if name not in list_edus():
        raise unknown_name("drive unit", name, list_edus())
    return with_edu(spec, name)


def vehicle_from_text(text, where: str = "vehicle YAML"):
    """A vehicle from YAML text typed or uploaded in the page (bounded, safe YAML, full
    validation; relative file references are not followed)."""
    from ..vehicle import vehicle_from_yaml

    if not isinstance(text, str) or not text.strip():
        raise EdriveError(f"{where}: empty; expected the text of a vehicle YAML file")
    max_chars = limit("EDRIVE_MAX_APP_YAML_CHARS", MAX_YAML_CHARS)
    if len(text) > max_chars:
        raise EdriveError(f"{where}: {len(text):,} characters; allowed: at most {max_chars:,} "
                          "(EDRIVE_MAX_APP_YAML_CHARS)")
    return vehicle_from_yaml(text, where=where)


def vehicle_from_upload(path: str, name: str):
    """A vehicle from a file uploaded in the page (read with the limits of vehicle files)."""
    from ..registry import read_spec_file

    text = read_spec_file(Path(path), "vehicle")
    return vehicle_from_text(text, where=f"uploaded file {format_value(name)}")


def vehicle_yaml(spec) -> str:
    """The YAML text of ``spec`` (SI numbers), as ``edrive vehicles show`` prints it."""
    from ..vehicle import vehicle_to_yaml

    return vehicle_to_yaml(spec)


def check_cycles(cycles) -> list[str]:
    """The bundled cycles chosen in the page (at least one, each a bundled name)."""
    from ..cycles import list_cycles

    names = list(cycles or ())
    if not names:
        raise EdriveError("cycles: none chosen; allowed: one or more of "
                          + ", ".join(list_cycles()))
    known = set(list_cycles())
    for n in names:
        if n not in known:
            from ..errors import unknown_name

            raise unknown_name("cycle", n, known)
    return names


# --- runs and tables -----------------------------------------------------------------------------

def run_cycles(spec, cycles) -> list:
    """One :func:`edrive.simulate` result per cycle."""
    from ..sim.run import simulate

    return [simulate(spec, c) for c in check_cycles(cycles)]


def scalar_report(result) -> dict[str, object]:
    """The entries of ``result.report()`` shown in the summary table: numbers and names,
    not the lists and mappings."""
    return {k: v for k, v in result.report().items()
            if not isinstance(v, list | dict) and k not in ("vehicle", "cycle")}


def format_number(value) -> str:
    """A figure as the page prints it: four significant digits, thousands grouped."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        return str(value)
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    if abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def energy_flow(result) -> list[tuple[str, float, float]]:
    """Where the energy went over the cycle: (component, energy [kWh], share of the sum of
    the positive entries) from the energy audit of the result's summary."""
    flows = {k.removesuffix("_j"): v / 3.6e6 for k, v in result.summary["energy_j"].items()}
    total = sum(v for v in flows.values() if v > 0)
    return [(k, v, v / total if total > 0 else 0.0) for k, v in flows.items()]


def energy_figures(spec, results) -> list[tuple[str, str, str]]:
    """Per result: (cycle, energy by part per km, energy flow from the wall or the fuel), the
    figures of the vehicle report (:func:`edrive.report.charts.losses_figure`,
    :func:`edrive.report.charts.energy_flow_figure`), as data URIs."""
    from ..report import charts

    out = []
    for r in results:
        out.append((r.cycle, png_data_uri(charts.figure_png(charts.losses_figure(spec, r))),
                    png_data_uri(charts.figure_png(charts.energy_flow_figure(spec, r)))))
    return out


def headline(spec) -> tuple[str, str]:
    """(summary key, label) of the figure that ranks variants of this car: wall energy for
    battery-electric cars, fuel for the others (the ``headline`` of its powertrain)."""
    from ..powertrains import powertrain_of

    return powertrain_of(spec).headline


# --- figures -----------------------------------------------------------------------------------

def _png_data_uri(draw) -> str:
    """Call ``draw(path)`` (a plot function of :mod:`edrive.report.plots`) on a temporary
    PNG and return it as a data URI for an ``<img>``."""
    with _PYPLOT, tempfile.TemporaryDirectory(prefix="edrive-app-") as folder:
        path = Path(folder) / "figure.png"
        draw(path)
        return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def result_figure(spec, results) -> str:
    """The plot ``edrive simulate --plot`` draws for this car, as a data URI."""
    from ..report import plots

    return _png_data_uri(lambda p: plots.plot_results(spec, results, p))


def compare_figure(pairs) -> str | None:
    """Operating points of each battery-electric variant on its own motor map
    (``edrive edu compare --plot``), or None when a variant is not battery-electric."""
    from ..powertrains import powertrain_of
    from ..report.plots import plot_edu_compare

    if not pairs or any(not powertrain_of(spec).drive_units for spec, _ in pairs):
        return None
    return _png_data_uri(lambda p: plot_edu_compare(pairs, p))


def edu_map(name: str, speeds: int = 60, torques: int = 60) -> tuple[dict, str]:
    """(summary, efficiency map as a data URI) of a bundled drive unit
    (``edrive edu map --plot``)."""
    from ..edu import list_edus, load_edu
    from ..errors import unknown_name
    from ..report.plots import plot_edu_map

    if name not in list_edus():
        raise unknown_name("drive unit", name, list_edus())
    edu = load_edu(name).model()
    sm = edu.system_map(speeds, torques)
    summary = edu.summary(sm)
    return summary, _png_data_uri(lambda p: plot_edu_map(sm, summary, p))


def png_data_uri(png: bytes) -> str:
    """PNG bytes as a data URI for an ``<img>``."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def vehicle_report(spec, cycles) -> tuple[str, bytes]:
    """(file name, page) of the ``edrive report vehicle`` HTML report of ``spec`` on
    ``cycles`` (:func:`edrive.report.html.vehicle_report_data`): one self-contained file."""
    from ..report.html import MAX_REPORT_BYTES, vehicle_report_data

    names = check_cycles(cycles)
    with _PYPLOT:
        page = vehicle_report_data(spec, names).html().encode("utf-8")
    if len(page) > MAX_REPORT_BYTES:
        raise EdriveError(f"report: {len(page) / 1e6:.1f} MB; allowed: at most "
                          f"{MAX_REPORT_BYTES / 1e6:.0f} MB (choose fewer cycles)")
    return f"{_file_stem(spec.name, 'vehicle')}_report.html", page


def _file_stem(name: str, default: str) -> str:
    """A file name from a display name: letters and digits joined by underscores."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")[:80] or default


def plan_report(plan) -> tuple[str, bytes]:
    """(file name, page) of the ``edrive report plan`` HTML report of a computed plan
    (:func:`edrive.report.html.plan_report_data`)."""
    from ..report.html import plan_report_data

    with _PYPLOT:
        page = plan_report_data(plan.to_dict()).html().encode("utf-8")
    return f"{_file_stem(plan.portfolio, 'portfolio')}_plan_report.html", page


def plan_figure(plan) -> str:
    """The figure of an alliance plan (``edrive plan --out``'s plan.png) as a data URI."""
    from ..report.plots import plan_figure_png

    with _PYPLOT:
        return png_data_uri(plan_figure_png(plan))


# --- sweep ---------------------------------------------------------------------------------------

@dataclass
class SweepPlan:
    """A grid over one or two key parameters of a car: the paths and their values (SI) per
    variant, and the values as shown."""

    parameters: list[Parameter]
    shown: list[np.ndarray]   # per parameter: its grid values, in the unit shown
    variants: dict[str, list]  # spec path -> one SI value per variant

    def __len__(self) -> int:
        return len(next(iter(self.variants.values())))


def plan_sweep(spec, axes: list[tuple[str, object, object, object]]) -> SweepPlan:
    """A full grid from ``axes``: (parameter key, low, high, steps) each, at most
    ``MAX_SWEEP_VARIANTS`` variants in all."""
    offered = {p.key: p for p, _ in key_parameters(spec)}
    if not axes:
        raise EdriveError("sweep: no parameter chosen; allowed: one or two of "
                          + ", ".join(offered))
    params, grids = [], []
    for key, low, high, steps in axes:
        if key not in offered:
            raise EdriveError(f"sweep parameter {format_value(key)} is not one of this car's; "
                              f"allowed: {', '.join(offered)}")
        p = offered[key]
        if p in params:
            raise EdriveError(f"sweep: {p.title} chosen twice; allowed: two different "
                              "parameters")
        lo = number_from_page(low, f"{p.title} from")
        hi = number_from_page(high, f"{p.title} to")
        n = number_from_page(steps, f"{p.title} steps")
        if n != int(n) or not 1 <= n <= MAX_SWEEP_STEPS:
            raise EdriveError(f"{p.title} steps: {format_value(steps)}; allowed: a whole "
                              f"number from 1 to {MAX_SWEEP_STEPS}")
        n = int(n)
        if n > 1 and not hi > lo:
            raise EdriveError(f"{p.title}: from {format_value(lo)} to {format_value(hi)}; "
                              "allowed: 'to' above 'from'")
        grid = np.linspace(lo, hi, n)
        if p.path in WHOLE_NUMBER_PATHS:
            grid = np.unique(np.round(grid))
        params.append(p)
        grids.append(grid)
    total = math.prod(len(g) for g in grids)
    max_variants = limit("EDRIVE_MAX_APP_SWEEP_VARIANTS", MAX_SWEEP_VARIANTS)
    if total > max_variants:
        raise EdriveError(f"sweep: {total:,} variants; allowed: at most {max_variants:,} in the "
                          "app (EDRIVE_MAX_APP_SWEEP_VARIANTS); use 'edrive sweep run' for more")
    mesh = np.meshgrid(*grids, indexing="ij")
    variants = {}
    for p, m in zip(params, mesh, strict=True):
        flat = m.ravel()
        variants[p.path] = ([int(v) for v in flat] if p.path in WHOLE_NUMBER_PATHS
                            else [float(v) * p.scale for v in flat])
    return SweepPlan(params, grids, variants)


def run_sweep_chunk(spec, cycle: str, plan: SweepPlan, start: int, stop: int) -> list[dict]:
    """Summaries of variants ``start`` to ``stop`` of ``plan`` by
    :func:`edrive.simulate_many_records` (the rows of :func:`edrive.simulate_many`)."""
    from ..sim.batch import simulate_many_records

    part = {path: values[start:stop] for path, values in plan.variants.items()}
    return simulate_many_records(spec, cycle, variants=part)


def sweep_table(spec, plan: SweepPlan, summaries: list[dict]) -> list[dict]:
    """One row per variant: the swept values (unit shown), the headline figure, the trace
    missed, or the variant's error."""
    key, _ = headline(spec)
    rows = []
    for k, s in enumerate(summaries):
        row = {p.title: plan.variants[p.path][k] / (1 if p.path in WHOLE_NUMBER_PATHS
                                                    else p.scale)
               for p in plan.parameters}
        if "error" in s:
            row["error"] = s["error"]
        else:
            row[key] = s[key]
            row["trace_missed_s"] = s["trace_missed_s"]
        rows.append(row)
    return rows


def sweep_figure(spec, plan: SweepPlan, summaries: list[dict]) -> str:
    """The headline figure over the swept parameter (a line) or parameters (a colour map),
    as a data URI; variants the spec refused are gaps."""
    from ..report.plots import _pyplot, _save

    key, label = headline(spec)
    y = np.array([s.get(key, np.nan) for s in summaries], dtype=float)
    plt = _pyplot()

    def draw(path):
        fig, ax = plt.subplots(figsize=(7, 4.5))
        if len(plan.parameters) == 1:
            ax.plot(plan.shown[0], y, "-o", ms=3)
            ax.set(xlabel=plan.parameters[0].title, ylabel=label)
            ax.grid(alpha=0.3)
        else:
            grid = y.reshape(len(plan.shown[0]), len(plan.shown[1]))
            mesh = ax.pcolormesh(plan.shown[1], plan.shown[0], grid, shading="nearest")
            fig.colorbar(mesh, ax=ax, label=label)
            ax.set(xlabel=plan.parameters[1].title, ylabel=plan.parameters[0].title)
        ax.set_title(f"{spec.name}: {len(summaries)} variants", fontsize=10)
        _save(fig, path)

    return _png_data_uri(draw)


# --- plan --------------------------------------------------------------------------------------

@functools.cache
def bundled_plan(name: str):
    """The alliance plan of a bundled portfolio (named scenarios only, no Monte Carlo draws),
    computed once per process."""
    from ..alliance.plan import plan_portfolio
    from ..alliance.portfolio import list_portfolios
    from ..errors import unknown_name

    if name not in list_portfolios():
        raise unknown_name("portfolio", name, list_portfolios())
    return plan_portfolio(name, draws=0)
