"""Reports as one self-contained HTML file: the figures embedded as PNG (base64 ``data:``
images), no script, no style sheet, font or image from anywhere else, so that the file opens
offline and can be mailed as it is. Every text that comes from a user's file (vehicle,
cycle, sweep, portfolio names...) is escaped (:func:`html.escape`).

Each report is built by one function that returns a :class:`Report` (its sections, tables
and figures); :meth:`Report.html` gives the page and :func:`write_report` writes it, with
the figures as PNG files beside it where asked, all files whole or none
(:mod:`edrive.io.output`).

Figures in tables keep the names of the library and of ``--json`` (``wall_wh_per_km``,
``fuel_l_per_100km``...), shown under each row's label, so that one quantity has one name
everywhere.
"""

from __future__ import annotations

import base64
import html
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_REPORT_BYTES = 5_000_000  # a report larger than this is refused (mail and browsers)

# name -> label [unit] of figures that reports show; names as the library and --json
LABELS = {
    "distance_km": "distance [km]",
    "duration_s": "duration [s]",
    "battery_wh_per_km": "energy at the battery terminals [Wh/km]",
    "wall_wh_per_km": "energy from the wall [Wh/km]",
    "battery_kwh": "energy at the battery terminals [kWh]",
    "battery_capacity_kwh": "battery pack capacity [kWh]",
    "wall_kwh": "energy from the wall [kWh]",
    "recovered_kwh": "recovered by regenerative braking [kWh]",
    "soc_start": "state of charge at the start [-]",
    "soc_end": "state of charge at the end [-]",
    "battery_empty_at_s": "battery empty at [s]",
    "fuel_l_per_100km": "fuel [L/100 km]",
    "fuel_l_per_100km_raw": "fuel burnt, before charge balance [L/100 km]",
    "co2_g_per_km": "CO2 (tank to wheel) [g/km]",
    "mpg_us": "fuel economy [mpg (US)]",
    "fuel_l": "fuel [L]",
    "engine_efficiency": "engine efficiency over the cycle [-]",
    "gear_shifts": "gear shifts [-]",
    "engine_starts": "engine starts [-]",
    "electric_distance_share": "distance driven electrically [-]",
    "battery_energy_change_kwh": "battery energy change [kWh]",
    "trace_missed_s": "time below the trace by more than 2 mph [s]",
    "trace_max_shortfall_kmh": "largest shortfall below the trace [km/h]",
    "energy_audit_residual": "energy audit residual [-]",
    "accel_0_100_kmh_s": "0-100 km/h [s]",
    "accel_0_60_mph_s": "0-60 mph [s]",
    "accel_80_120_kmh_s": "80-120 km/h [s]",
    "top_speed_kmh": "top speed [km/h]",
    "range_km": "range [km]",
    "consumption_ac_wh_per_km": "consumption from the wall (AC) [Wh/km]",
    "usable_energy_kwh": "usable battery energy [kWh]",
    "label_range_km": "label range [km]",
    "label_range_mi": "label range [mi]",
    "combined_label_mpge": "combined label [MPGe]",
    "combined_label_kwh_per_100mi": "combined label [kWh/100 mi]",
    "city_label_mpge": "city label [MPGe]",
    "highway_label_mpge": "highway label [MPGe]",
    "electric_range_km": "electric range [km]",
    "utility_factor": "utility factor [-]",
    "uf_weighted_fuel_l_per_100km": "utility-factor weighted fuel [L/100 km]",
    "uf_weighted_co2_g_per_km": "utility-factor weighted CO2 [g/km]",
    "uf_weighted_electricity_ac_wh_per_km": "utility-factor weighted electricity (AC) [Wh/km]",
    "energy_in_wh_per_km": "energy put in: wall or fuel (LHV) [Wh/km]",
    "mass_kg": "test mass [kg]",
    "soc": "state of charge [-]",
    "max_grade_pct": "steepest grade [%]",
    "max_grade_limited_by": "steepest grade limited by",
    "top_speed_limited_by": "top speed limited by",
    "cycles_driven": "WLTCs driven [-]",
    "first_cycle_wall_wh_per_km": "first WLTC from the wall [Wh/km]",
    "first_cycle_trace_missed_s": "first WLTC below the trace [s]",
    "city_unadjusted_mpge": "city unadjusted [MPGe]",
    "city_unadjusted_wall_wh_per_mi": "city unadjusted from the wall [Wh/mi]",
    "city_unadjusted_range_mi": "city unadjusted range [mi]",
    "city_trace_missed_s": "city below the trace [s]",
    "highway_unadjusted_mpge": "highway unadjusted [MPGe]",
    "highway_unadjusted_wall_wh_per_mi": "highway unadjusted from the wall [Wh/mi]",
    "highway_unadjusted_range_mi": "highway unadjusted range [mi]",
    "highway_trace_missed_s": "highway below the trace [s]",
    "type": "powertrain",
    "drive": "driven axles",
    "peak_power_kw": "peak propulsion power [kW]",
    "programme": "programme",
    "partner": "maker",
    "variant": "drive unit",
    "battery": "battery",
    "wltc_consumption_wh_per_km": "WLTC consumption [Wh/km]",
    "units": "drive units [-]",
    "total_cost_eur": "total cost of the family, together [EUR]",
    "savings_eur": "saving against each maker alone [EUR]",
    "savings_share": "saving, share of the cost alone [-]",
}


def label(name: str) -> str:
    """The label of a figure's name (the name itself where none is known)."""
    return LABELS.get(name, name.replace("_", " "))


def fmt(value) -> str:
    """A value as a report shows it: four significant digits, thousands separated."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "-"
        if value != 0 and (abs(value) >= 1e4 or abs(value) < 1e-3):
            return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:.3g}"
        return f"{value:.4g}"
    if hasattr(value, "item"):
        return fmt(value.item())
    return str(value)


@dataclass
class Table:
    header: list[str]
    rows: list[list]
    names: list[str] | None = None  # library names of the rows (key-value tables)


@dataclass
class Section:
    title: str
    items: list = field(default_factory=list)  # str (paragraph), Table, or figure name


@dataclass
class Report:
    """A report: title, sections and figures (name -> PNG bytes)."""

    title: str
    subtitle: str = ""
    sections: list[Section] = field(default_factory=list)
    figures: dict[str, bytes] = field(default_factory=dict)
    captions: dict[str, str] = field(default_factory=dict)

    def section(self, title: str) -> Section:
        s = Section(title)
        self.sections.append(s)
        return s

    def add_figure(self, section: Section, name: str, fig, caption: str = "") -> None:
        """Render a matplotlib figure to PNG and place it in ``section``."""
        from .charts import figure_png

        name = _figure_name(name, self.figures)
        self.figures[name] = figure_png(fig, dpi=90)
        self.captions[name] = caption
        section.items.append(("figure", name))

    def html(self) -> str:
        """The page (see the module docstring)."""
        e = html.escape
        out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
               f"<title>{e(self.title)}</title>", f"<style>{_STYLE}</style>", "</head>",
               "<body>", f"<h1>{e(self.title)}</h1>"]
        if self.subtitle:
            out.append(f'<p class="sub">{e(self.subtitle)}</p>')
        if len(self.sections) > 2:
            out.append("<nav><ul>" + "".join(
                f'<li><a href="#s{i}">{e(s.title)}</a></li>'
                for i, s in enumerate(self.sections)) + "</ul></nav>")
        for i, s in enumerate(self.sections):
            out.append(f'<section id="s{i}"><h2>{e(s.title)}</h2>')
            for item in s.items:
                if isinstance(item, str):
                    out.append(f"<p>{e(item)}</p>")
                elif isinstance(item, Table):
                    out.append(_table_html(item))
                else:
                    name = item[1]
                    data = base64.b64encode(self.figures[name]).decode("ascii")
                    caption = self.captions.get(name, "")
                    out.append(f'<figure><img alt="{e(name)}" src="data:image/png;base64,'
                               f'{data}">' + (f"<figcaption>{e(caption)}</figcaption>"
                                              if caption else "") + "</figure>")
            out.append("</section>")
        out.append('<footer>Written by edrive. Names in <code>code</code> are those of the '
                   "library and of <code>--json</code>.</footer></body></html>")
        return "\n".join(out)


_STYLE = (
    "body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
    "h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-top:.5em}"
    ".sub{color:#555}table{border-collapse:collapse;margin:.6em 0}"
    "td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right;font-size:.9em}"
    "th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}"
    "code{color:#666;font-size:.85em}img{max-width:100%}"
    "figure{margin:1em 0}figcaption{color:#555;font-size:.9em}"
    "nav ul{columns:3;font-size:.9em}footer{margin-top:3em;color:#777;font-size:.8em}"
)


def _figure_name(name: str, taken: dict) -> str:
    """A file name stem made of letters, digits, '-' and '_' only, unique in ``taken``."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")[:80] or "figure"
    out, k = stem, 2
    while out in taken:
        out, k = f"{stem}_{k}", k + 1
    return out


def _table_html(t: Table) -> str:
    e = html.escape
    rows = ["<table>", "<tr>" + "".join(f"<th>{e(str(h))}</th>" for h in t.header) + "</tr>"]
    for i, r in enumerate(t.rows):
        cells = [e(fmt(c)) for c in r]
        if t.names is not None and t.names[i]:
            cells[0] += f"<br><code>{e(t.names[i])}</code>"
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    rows.append("</table>")
    return "".join(rows)


def pairs_table(rep: dict, skip=(), header=("figure", "value")) -> Table:
    """A flat dictionary of figures as a two-column table with labels and names (nested
    dictionaries flattened as ``outer: inner``, lists and texts left out)."""
    rows, names = [], []
    for k, v in rep.items():
        if k in skip:
            continue
        if isinstance(v, dict):
            for k2, v2 in v.items():
                if isinstance(v2, int | float | bool | str | type(None)) or hasattr(v2, "item"):
                    rows.append([f"{label(k)}: {label(str(k2))}", v2])
                    names.append(f"{k}.{k2}")
        elif isinstance(v, int | float | bool | str | type(None)) or hasattr(v, "item"):
            rows.append([label(k), v])
            names.append(k)
    return Table(list(header), rows, names)


def columns_table(reports: list[dict], keys: list[str], first: str, heads: list[str]) -> Table:
    """One row per figure (label and name), one column per report."""
    rows = [[label(k), *(r.get(k) for r in reports)] for k in keys]
    return Table([first, *heads], rows, keys)


# --- vehicle ------------------------------------------------------------------------------------

def _vehicle_facts(spec) -> dict:
    vm = spec.model()
    facts = {"type": spec.type, "drive": getattr(spec, "drive", None), "mass_kg": vm.mass_kg}
    battery = getattr(vm, "battery", None)
    if battery is not None:
        facts["usable_energy_kwh"] = battery.energy_usable_j / 3.6e6
    return facts


def vehicle_report_data(vehicle, cycles=("wltc",), *, procedures: bool = True,
                        progress=None) -> Report:
    """The report of one vehicle (spec, bundled name or path) on ``cycles``: the car, the
    cycle results, performance, the test procedures its type allows, and figures (trace,
    consumption by phase, losses by component, energy flow, operating points on the motor
    maps or the engine's fuel map)."""
    from ..cycles import load_cycle
    from ..errors import EdriveError
    from ..powertrains import powertrain_of
    from ..powertrains.api import performance
    from ..sim.breakdown import energy_breakdown, phase_figures
    from ..sim.run import simulate
    from ..vehicle import load_vehicle
    from . import charts

    spec = load_vehicle(vehicle)
    cycles = list(cycles)
    if not cycles:
        raise EdriveError("cycles: none given; allowed: one or more cycle names or CSV files")
    step = _progress(progress, len(cycles) + 2)
    rep = Report(f"{spec.name}", f"edrive vehicle report: {', '.join(map(str, cycles))}")
    car = rep.section("Vehicle")
    if spec.description:
        car.items.append(spec.description)
    car.items.append(pairs_table(_vehicle_facts(spec)))

    results = []
    for c in cycles:
        cyc = load_cycle(c)
        results.append((cyc, simulate(spec, cyc)))
        step()
    sim = rep.section("Simulation")
    sim.items.append("One row per figure; each column a cycle. Energies come from the "
                     "simulation's energy audit; the residual is the share it misses by.")
    reports = [r.report() for _, r in results]
    sim.items.append(columns_table(reports, powertrain_of(spec).summary_keys, "figure",
                                   [r["cycle"] for r in reports]))
    for _, r in results:
        for t0, t1, worst in r.trace_misses[:10]:
            sim.items.append(f"{r.cycle}: below the trace at t = {t0:.0f}-{t1:.0f} s, by up "
                             f"to {worst * 3.6:.1f} km/h")

    try:
        perf = performance(spec).report()
    except EdriveError as exc:
        perf = None
        perf_note = str(exc)
    step()
    s = rep.section("Performance")
    if perf is not None:
        s.items.append(pairs_table(perf, skip=("vehicle", "notes")))
        for note in (perf.get("notes") or {}).values():
            s.items.append(str(note))
    else:
        s.items.append(f"not computed: {perf_note}")

    s = rep.section("Test procedures")
    offered = powertrain_of(spec).procedures
    if procedures and offered:
        from ..powertrains.api import test_procedure

        s.items.append("As edrive range prints them (names of edrive range --json).")
        for name in offered:
            pr = test_procedure(spec, name)
            s.items.append(f"{name.upper()}: {pr.get('simplifications', '')}")
            s.items.append(pairs_table(pr, skip=("procedure", "vehicle", "simplifications",
                                                 "notes")))
            for note in (pr.get("notes") or {}).values():
                s.items.append(str(note))
    else:
        s.items.append("The WLTP and EPA procedures apply to battery-electric cars and "
                       "plug-in hybrids; for this car the cycle results above are its "
                       "figures." if procedures else "Not run.")
    step()

    s = rep.section("Energy by part")
    s.items.append("Energy per distance by part over each cycle [Wh/km], from the energy "
                   "audit; losses of the motor and inverter are split where the model knows "
                   "the parts, road load into aerodynamic drag and rolling resistance.")
    breakdowns = [energy_breakdown(spec, r) for _, r in results]
    keys = list(dict.fromkeys(k for b in breakdowns for k in b))
    rows = []
    for k in keys:
        vals = []
        for b, (_, r) in zip(breakdowns, results, strict=True):
            km = r.summary["distance_m"] / 1e3
            vals.append(b[k] / 3600 / km if k in b and km > 0 else None)
        rows.append([charts.PART_LABELS.get(k, "energy put in") + " [Wh/km]", *vals])
    s.items.append(Table(["part", *(r.cycle for _, r in results)], rows, keys))

    for cyc, r in results:
        s = rep.section(f"Cycle {r.cycle}")
        rep.add_figure(s, f"{r.cycle}_trace", charts.trace_figure(r),
                       "Speed asked and achieved; shaded where the car fell behind.")
        if cyc.phases:
            rep.add_figure(s, f"{r.cycle}_phases", charts.phase_figure(r, cyc),
                           "Consumption by phase of the cycle.")
            s.items.append(Table(
                ["phase", *(label(k) for k in phase_figures(r, cyc)[0] if k != "phase")],
                [[row["phase"], *(v for k, v in row.items() if k != "phase")]
                 for row in phase_figures(r, cyc)]))
        rep.add_figure(s, f"{r.cycle}_losses", charts.losses_figure(spec, r),
                       "Energy by part per km (red: losses, blue: at the wheel).")
        rep.add_figure(s, f"{r.cycle}_energy_flow", charts.energy_flow_figure(spec, r),
                       "Energy flow over the cycle (net energies).")
    s = rep.section("Maps")
    if powertrain_of(spec).drive_units:
        rep.add_figure(s, "operating_points",
                       charts.operating_points_figure(spec, [r for _, r in results]),
                       "Share of the motor shaft energy per cell of each motor map, all "
                       "cycles together, over the motor + inverter efficiency contours.")
    elif spec.model().engine is not None:
        fig = charts.new_figure(8, 5.5)
        ax = fig.subplots()
        from .plots import engine_map_axes

        ts = results[0][1].series
        engine_map_axes(ax, spec.model().engine, ts["engine_speed_rad_s"],
                        ts["engine_torque_nm"], ts["time_s"])
        rep.add_figure(s, "engine_map", fig, f"Engine operating points on {results[0][1].cycle}"
                       " over its brake-specific fuel consumption [g/kWh]: share of its work per cell.")
    step()
    return rep


def _progress(progress, total: int):
    done = [0]

    def step():
        done[0] += 1
        if progress is not None:
            progress(done[0], total)

    return step


def vehicle_report(vehicle, cycles=("wltc",), **kwargs) -> str:
    """The HTML page of :func:`vehicle_report_data`."""
    return vehicle_report_data(vehicle, cycles, **kwargs).html()


# --- compare ------------------------------------------------------------------------------------

def compare_report_data(vehicles, cycles=("wltc",), progress=None) -> Report:
    """Several vehicles side by side on the same cycles: figures per cycle, the energy put
    in per km (wall for electric cars, fuel LHV for combustion, both for hybrids) and its
    parts, and performance."""
    from ..cycles import load_cycle
    from ..errors import EdriveError
    from ..powertrains import POWERTRAINS
    from ..powertrains.api import performance
    from ..sim.breakdown import energy_breakdown
    from ..sim.run import simulate
    from ..vehicle import load_vehicle

    specs = [load_vehicle(v) for v in vehicles]
    if len(specs) < 2:
        raise EdriveError(f"vehicles: {len(specs)} given; allowed: two or more to compare")
    cycles = [load_cycle(c) for c in cycles]
    if not cycles:
        raise EdriveError("cycles: none given; allowed: one or more cycle names or CSV files")
    step = _progress(progress, len(specs) * len(cycles) + 1)
    names = _unique([s.name for s in specs])
    rep = Report("Comparison: " + ", ".join(names),
                 f"edrive comparison on {', '.join(c.name for c in cycles)}")
    s = rep.section("Vehicles")
    facts = [_vehicle_facts(sp) for sp in specs]
    s.items.append(Table(["figure", *names],
                         [[label(k), *(f.get(k) for f in facts)]
                          for k in ("type", "drive", "mass_kg", "usable_energy_kwh")],
                         ["type", "drive", "mass_kg", "usable_energy_kwh"]))
    energy = {}  # (vehicle, cycle) -> breakdown per km
    for cyc in cycles:
        s = rep.section(f"Cycle {cyc.name}")
        reports = []
        for sp, name in zip(specs, names, strict=True):
            r = simulate(sp, cyc)
            km = r.summary["distance_m"] / 1e3
            parts = energy_breakdown(sp, r)
            energy[(name, cyc.name)] = {k: v / 3600 / km for k, v in parts.items()}
            reports.append(r.report() | {"energy_in_wh_per_km": parts["energy_in_j"] / 3600 / km})
            step()
        keys = list(dict.fromkeys(k for p in POWERTRAINS.values() for k in p.summary_keys
                                  if any(k in r for r in reports)))
        keys.insert(1, "energy_in_wh_per_km")
        s.items.append(columns_table(reports, keys, "figure", names))
        rep.add_figure(s, f"{cyc.name}_energy", _compare_energy_figure(names, cyc.name, energy),
                       "Energy put in per km by where it ends up (stacked), per vehicle.")
    s = rep.section("Performance")
    perf = []
    for sp in specs:
        try:
            perf.append(performance(sp).report())
        except EdriveError:
            perf.append({})
    keys = ["accel_0_100_kmh_s", "accel_0_60_mph_s", "accel_80_120_kmh_s", "top_speed_kmh"]
    s.items.append(columns_table(perf, keys, "figure", names))
    step()
    return rep


def _unique(names: list[str]) -> list[str]:
    out = []
    for n in names:
        k, m = n, 2
        while k in out:
            k, m = f"{n} ({m})", m + 1
        out.append(k)
    return out


def _compare_energy_figure(names, cycle, energy):
    """Stacked horizontal bars: each vehicle's energy per km by part."""
    import numpy as np
    from matplotlib import colormaps

    from ..sim.breakdown import PART_ORDER
    from .charts import PART_LABELS, new_figure

    parts = list(dict.fromkeys(k for n in names for k in energy[(n, cycle)]
                               if k != "energy_in_j"))
    fig = new_figure(10, 1.0 + 0.6 * len(names) + 0.25 * len(parts))
    ax = fig.subplots()
    y = np.arange(len(names))[::-1]
    left_pos = np.zeros(len(names))
    palette = colormaps["tab20"].colors
    for k in parts:
        vals = np.array([max(energy[(n, cycle)].get(k, 0.0), 0.0) for n in names])
        if not vals.any():
            continue
        color = palette[PART_ORDER.index(k) % 20] if k in PART_ORDER else "0.5"
        ax.barh(y, vals, left=left_pos, color=color, label=PART_LABELS.get(k, k))
        left_pos += vals
    ax.set_yticks(y, names, fontsize=8)
    ax.set(xlabel="energy put in per distance [Wh/km] (wall or fuel LHV)",
           title=f"{cycle}: where the energy goes (net; parts below zero not drawn)")
    ax.title.set_fontsize(9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="x", alpha=0.3)
    return fig


def compare_report(vehicles, cycles=("wltc",), **kwargs) -> str:
    """The HTML page of :func:`compare_report_data`."""
    return compare_report_data(vehicles, cycles, **kwargs).html()


# --- sweep --------------------------------------------------------------------------------------

def sweep_report_data(out_dir, x: str | None = None, y: str | None = None,
                      maximize: tuple[str, ...] = (), color_by: str | None = None) -> Report:
    """A sweep folder: designs run, failed and feasible, each column's range, and the Pareto
    front of ``x`` and ``y`` (default: the sweep's first two outputs) coloured by
    ``color_by`` (default: the first parameter)."""
    from ..sweep.results import pareto, query
    from ..sweep.store import read_manifest
    from . import charts

    manifest = read_manifest(Path(out_dir))
    _, rows = query(out_dir, "SELECT count(*) AS n, count(error) AS failed, "
                                "count(*) FILTER (WHERE feasible) AS feasible FROM results")
    n, failed, feasible = rows[0]
    names, _ = query(out_dir, "SELECT * FROM results LIMIT 0")
    numeric = []
    types = dict(query(out_dir, "SELECT column_name, column_type FROM (DESCRIBE results)")[1])
    for c in names:
        if c in ("design_id", "feasible", "error"):
            continue
        if any(t in str(types.get(c, "")).upper() for t in ("DOUBLE", "BIGINT", "INTEGER",
                                                              "FLOAT")):
            numeric.append(c)
    rep = Report(f"Sweep: {Path(out_dir).name}", f"edrive sweep report: {n:,} designs")
    s = rep.section("Designs")
    s.items.append(pairs_table({"designs": int(n), "failed": int(failed),
                                "feasible": int(feasible)}))
    if numeric:
        stats = ", ".join(f'min("{c}"), median("{c}"), max("{c}")' for c in numeric)
        _, r = query(out_dir, f"SELECT {stats} FROM results WHERE error IS NULL")
        vals = r[0]
        rows = []
        for i, c in enumerate(numeric):
            name, factor = charts.column_label(c)  # values in the unit the label states
            rows.append([name, *(None if v is None else float(v) * factor
                                 for v in vals[3 * i:3 * i + 3])])
        s.items.append(Table(["column", "min", "median", "max"], rows, numeric))
    params = _parameters(manifest, names)
    outputs = [c for c in numeric if c not in params]
    x = x or (outputs[0] if outputs else None)
    y = y or (outputs[1] if len(outputs) > 1 else None)
    s = rep.section("Pareto front")
    if x is None or y is None or int(n) - int(failed) == 0:
        s.items.append("No two numeric outputs with results: no front to draw.")
        return rep
    if color_by is None:
        color_by = next((c for c in params if c in numeric), None)
    front = pareto(out_dir, x, y, maximize=tuple(maximize))
    rep.add_figure(s, "pareto", charts.pareto_figure(front, out_dir, color_by),
                   f"Non-dominated designs of {x} and {y}"
                   + (f", all designs coloured by {color_by}." if color_by else "."))
    s.items.append(Table(front.columns, [list(r) for r in front.rows[:50]]))
    if len(front.rows) > 50:
        s.items.append(f"first 50 of {len(front.rows)} non-dominated designs")
    return rep


def _parameters(manifest: dict, names: list[str]) -> list[str]:
    """The parameter columns of a sweep, as its manifest records them."""
    sweep = manifest.get("sweep") if isinstance(manifest.get("sweep"), dict) else {}
    params = sweep.get("parameters") if isinstance(sweep.get("parameters"), list) else []
    return [p["name"] for p in params if isinstance(p, dict) and p.get("name") in names]


def sweep_report(out_dir, **kwargs) -> str:
    """The HTML page of :func:`sweep_report_data`."""
    return sweep_report_data(out_dir, **kwargs).html()


# --- plan ---------------------------------------------------------------------------------------

PLAN_KEYS = ("portfolio", "variants", "assignment", "total_cost_eur", "standalone_cost_eur",
             "savings_eur", "savings_share", "plants", "fleet_co2")


def plan_report_data(plan: dict) -> Report:
    """An alliance plan (the dictionary of :meth:`edrive.alliance.plan.Plan.to_dict`, as in
    ``plan.json``): the family and who gets what, costs and savings, cost shares, plants,
    fleet CO2 against the targets, uncertainty."""
    from . import charts

    rep = Report(f"Alliance plan: {plan['portfolio']}",
                 f"{len(plan['assignment'])} programmes, {len(plan['variants'])} drive-unit "
                 f"variants: {', '.join(map(str, plan['variants']))}")
    s = rep.section("Costs")
    s.items.append(pairs_table({k: plan.get(k) for k in
                                ("total_cost_eur", "savings_eur", "savings_share")}))
    alone = plan.get("standalone_cost_eur") or {}
    if alone:
        s.items.append(Table(["maker alone", "cost [EUR]", "variants"],
                             [[k, v, ", ".join(map(str, (plan.get("standalone_variants") or {})
                                                   .get(k, [])))]
                              for k, v in alone.items()]))
    for sw in plan.get("switches") or []:
        s.items.append(f"{sw['programme']} ({sw['partner']}): {sw['alone']} alone, "
                       f"{sw['together']} together")
    s = rep.section("Programmes")
    rows = plan["assignment"]
    if rows:
        keys = list(rows[0])
        heads = [label(k) for k in keys]
        s.items.append(Table(heads, [[r.get(k) for k in keys] for r in rows]))
    shares = plan.get("cost_shares") or {}
    if shares.get("rules"):
        s = rep.section("Who pays the development")
        partners = list(alone)
        s.items.append(Table(
            ["rule", *(f"{p} pays [EUR]" for p in partners),
             *(f"{p} saves [EUR]" for p in partners), "in the core"],
            [[rule, *(r["development_eur"].get(p) for p in partners),
              *(r["saving_eur"].get(p) for p in partners), bool(r.get("in_core"))]
             for rule, r in shares["rules"].items()]))
    s = rep.section("Plants")
    rep.add_figure(s, "plant_loads", charts.plant_load_figure(plan),
                   "Drive units built in each plant per year against its capacity.")
    for short in (plan.get("plants") or {}).get("shortfalls") or []:
        s.items.append(str(short))
    s = rep.section("Fleet CO2")
    fig = charts.fleet_co2_figure(plan)
    if fig is None:
        s.items.append("The portfolio names no fleets: no fleet CO2 assessed.")
    else:
        rep.add_figure(s, "fleet_co2", fig, "Each maker's fleet with the plan's cars against "
                                            "its target, and the pool where pooled.")
        for jur, entry in plan["fleet_co2"]["jurisdictions"].items():
            cur = entry.get("currency", "")
            for maker, paid in (entry.get("payments") or {}).items():
                s.items.append(f"{jur} {plan['fleet_co2'].get('year', '')}: {maker} pays "
                               f"{cur} {fmt(paid)}")
            if entry.get("pool") is not None:
                s.items.append(f"{jur}: pooled, the makers pay {cur} "
                               f"{fmt(entry.get('pool_payment'))} (gain {cur} "
                               f"{fmt(entry.get('pool_gain'))})")
    risk = plan.get("uncertainty") or {}
    if risk.get("families"):
        s = rep.section("Uncertainty")
        s.items.append(f"The plan's family is the best in "
                       f"{fmt(100 * risk.get('plan_family_best_share', 0.0))} % of "
                       f"{len(risk.get('scenarios') or [])} scenarios ({risk.get('draws')} "
                       f"draws, seed {risk.get('seed')}).")
        s.items.append(Table(["family", "best in", "mean regret [EUR]", "worst regret [EUR]"],
                             [[f, r.get("best_in"), r.get("mean_regret_eur"),
                               r.get("max_regret_eur")] for f, r in risk["families"].items()]))
    solver = plan.get("solver") or {}
    if solver:
        s = rep.section("Solver")
        s.items.append(pairs_table(solver))
    return rep


def plan_report(plan: dict) -> str:
    """The HTML page of :func:`plan_report_data`."""
    return plan_report_data(plan).html()


def read_plan_json(path) -> dict:
    """A ``plan.json`` written by ``edrive plan --out``, checked for what a report needs."""
    import json

    from ..errors import EdriveError, format_path
    from ..limits import read_text_bounded

    path = Path(path)
    text = read_text_bounded(path, "plan file", "a plan.json written by edrive plan",
                             "EDRIVE_MAX_PLAN_FILE_BYTES", 50_000_000)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EdriveError(f"{format_path(str(path))}: not valid JSON (line {exc.lineno}); "
                          "allowed: a plan.json written by edrive plan") from None
    missing = [k for k in PLAN_KEYS if not isinstance(data, dict) or k not in data]
    if missing:
        raise EdriveError(f"{format_path(str(path))}: no {missing[0]!r} entry; allowed: a "
                          "plan.json written by edrive plan")
    try:
        _check_plan_shape(data)
    except (TypeError, KeyError, AttributeError, ValueError):
        raise EdriveError(f"{format_path(str(path))}: entries of the wrong form; allowed: a "
                          "plan.json written by edrive plan") from None
    return data


def _check_plan_shape(data: dict) -> None:
    """Raise TypeError, KeyError or ValueError where the plan's entries are not of the form
    the report reads."""
    if not isinstance(data["portfolio"], str) or not isinstance(data["variants"], list):
        raise TypeError
    for a in data["assignment"]:
        if not isinstance(a, dict):
            raise TypeError
    for r in data["plants"]["plants"]:
        str(r["plant"])
        int(r["year"])
        float(r["volume_units"])
        float(r["capacity_units"])
    for jur, entry in (data["fleet_co2"].get("jurisdictions") or {}).items():
        str(jur)
        for m in entry["makers"]:
            if not isinstance(m, dict):
                raise TypeError
    for v in (data.get("standalone_cost_eur") or {}).values():
        float(v)


# --- writing ------------------------------------------------------------------------------------

def write_report(report: Report, path, png_dir=None) -> None:
    """Write the page to ``path`` and, given ``png_dir``, each figure as ``<name>.png`` in
    it; all files whole or none. A page over :data:`MAX_REPORT_BYTES` is refused."""
    from ..errors import EdriveError
    from ..io.output import show_path, write_outputs

    page = report.html().encode("utf-8")
    if len(page) > MAX_REPORT_BYTES:
        raise EdriveError(f"{show_path(path)}: the report would be {len(page) / 1e6:.1f} MB; "
                          f"allowed: at most {MAX_REPORT_BYTES / 1e6:.0f} MB (fewer cycles)")
    files = {path: page}
    if png_dir is not None:
        for name, png in report.figures.items():
            files[Path(png_dir) / f"{name}.png"] = png
    write_outputs(files)
