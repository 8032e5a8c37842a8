"""Figures of results, each built by one function that takes results or specs and returns a
matplotlib :class:`~matplotlib.figure.Figure` (no display, no global pyplot state, so that
a report, the command line and a web page can each draw them). :func:`save_figure` writes
one in the format its file suffix names; :func:`figure_png` returns PNG bytes.

Conventions, in every figure:

* axes state their quantity and unit, and for a machine whether the torque and speed are
  at the **motor shaft** or at the drive unit's **output shaft**;
* layouts are constrained (:func:`overlapping_labels` finds titles, axis and tick labels
  that collide; the tests check every figure with it);
* operating points are shown as the share of the cycle's energy (or time) in each cell
  of the map, a 2-D histogram, not as dots that hide each other;
* energies come from the simulation's energy audit (:func:`edrive.sim.breakdown.
  energy_breakdown`), never from a second calculation.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

RPM_PER_RAD_S = 30 / np.pi
DPI = 110

# names of the energy parts as people read them
PART_LABELS = {
    "charging_loss_j": "charging (charger + battery)",
    "engine_loss_j": "engine (heat, exhaust)",
    "battery_loss_j": "battery (internal resistance)",
    "aux_j": "auxiliaries",
    "copper_loss_j": "motor copper",
    "iron_loss_j": "motor iron",
    "mechanical_loss_j": "motor windage + friction",
    "inverter_loss_j": "inverter",
    "motor_inverter_loss_j": "motor + inverter",
    "machine_loss_j": "electric machines",
    "gear_loss_j": "gearbox",
    "transmission_loss_j": "transmission",
    "driveline_loss_j": "driveline",
    "driveline_inertia_j": "driveline inertia (net)",
    "friction_brakes_j": "friction brakes",
    "aero_drag_j": "aerodynamic drag (wheel)",
    "rolling_resistance_j": "rolling resistance (wheel)",
    "road_load_j": "road load (wheel)",
    "grade_j": "climbing (net)",
    "kinetic_j": "kinetic energy (net)",
}
LOSS_PARTS = ("charging_loss_j", "engine_loss_j", "battery_loss_j", "copper_loss_j",
              "iron_loss_j", "mechanical_loss_j", "inverter_loss_j", "motor_inverter_loss_j",
              "machine_loss_j", "gear_loss_j", "transmission_loss_j", "driveline_loss_j",
              "friction_brakes_j")


def new_figure(width_in: float, height_in: float):
    """An empty figure with a constrained layout, drawn by the Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def figure_png(fig, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def save_figure(fig, path: str | Path) -> None:
    """Write the figure in the format its file suffix names, whole or not at all
    (:mod:`edrive.io.output`)."""
    from ..io.output import plot_format, write_output

    fmt = plot_format(path)
    write_output(path, lambda fh: fig.savefig(fh, format=fmt, dpi=DPI))


def overlapping_labels(fig) -> list[tuple[str, str]]:
    """Pairs of texts that overlap on the drawn figure: titles, axis labels, tick labels,
    colour-bar labels and free texts of the figure (contour labels inside a plot are left
    out). Empty when nothing collides."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = []
    texts = [t for t in fig.texts]
    if getattr(fig, "_suptitle", None) is not None:
        texts.append(fig._suptitle)
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        for axis in (ax.xaxis, ax.yaxis):  # the ticks drawn (inside the view) only
            if not axis.get_visible():  # e.g. the shared axis of a twin
                continue
            for tick in axis._update_ticks():
                texts += [tick.label1, tick.label2]
        texts += [t for t in ax.texts if getattr(t, "_edrive_label", False)]
    for t in texts:
        if not t.get_visible() or not t.get_text().strip():
            continue
        bb = t.get_window_extent(renderer)
        if bb.width > 0 and bb.height > 0:
            boxes.append((t.get_text(), bb))
    out = []
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i][1], boxes[j][1]
            # overlap by more than a pixel in both directions
            if (min(a.x1, b.x1) - max(a.x0, b.x0) > 1) and (min(a.y1, b.y1) - max(a.y0, b.y0) > 1):
                out.append((boxes[i][0], boxes[j][0]))
    return out


# --- cycles and trace following ------------------------------------------------------------

def trace_figure(result):
    """Speed asked by the trace and achieved over time, the stretches where the car fell
    behind by more than the 2 mph tolerance shaded, and the shortfall below."""
    ts = result.series
    t = np.asarray(ts["time_s"])
    fig = new_figure(10, 4.6)
    ax, bx = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1.3])
    ax.plot(t, np.asarray(ts["speed_target_m_s"]) * 3.6, color="0.6", lw=2, label="trace")
    ax.plot(t, np.asarray(ts["speed_m_s"]) * 3.6, color="tab:blue", lw=1, label="achieved")
    for t0, t1, _ in result.trace_misses:
        for a in (ax, bx):
            a.axvspan(t0, t1, color="tab:red", alpha=0.15, lw=0)
    missed = result.summary["trace_missed_s"]
    ax.set(ylabel="vehicle speed [km/h]",
           title=f"{result.cycle}: trace missed for {missed:.0f} s (by more than 2 mph), "
                 f"at most {result.summary['trace_max_shortfall_m_s'] * 3.6:.1f} km/h")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    bx.plot(t, np.asarray(ts["trace_shortfall_m_s"]) * 3.6, color="tab:red", lw=0.8)
    bx.axhline(2 * 1.609344, color="0.3", lw=0.8, ls="--")
    bx.set(xlabel="time [s]", ylabel="below trace [km/h]")
    bx.grid(alpha=0.3)
    return fig


# --- operating points on a map --------------------------------------------------------------

def operating_share(speed_rad_s, torque_nm, weight, speed_edges, torque_edges):
    """Share of ``weight`` (energy or time per interval) in each speed x torque cell [-]:
    a 2-D histogram normalised to 1 (rows: torque, columns: speed)."""
    h, _, _ = np.histogram2d(np.asarray(torque_nm), np.asarray(speed_rad_s),
                             bins=[torque_edges, speed_edges], weights=np.asarray(weight))
    total = h.sum()
    return h / total if total > 0 else h


def _loss_map_source(unit) -> str:
    from ..components.drive_unit import GenericLosses

    if unit.spec.edu is not None:
        return "physics-based drive unit"
    if isinstance(unit.spec.motor.losses, GenericLosses):
        return "generic loss model (Larminie & Lowry eq. 7.5), not a measured map"
    return f"loss map file {Path(unit.spec.motor.losses.file).name}"


def operating_points_axes(fig, ax, unit, results, weight: str = "energy") -> None:
    """Efficiency contours of a drive unit's motor + inverter at the **motor shaft** with
    its envelope, and the share of the cycles' shaft energy (``weight="energy"``, |T omega|
    dt) or time (``"time"``) in each map cell."""
    m = unit.map
    eff = m.efficiency_grid() * 100
    rpm = m.speed_rad_s * RPM_PER_RAD_S
    levels = [70, 80, 85, 88, 90, 92, 94, 95, 96, 97, 98]
    cs = ax.contour(rpm, m.torque_nm, eff, levels=levels, colors="0.35", linewidths=0.7)
    ax.clabel(cs, fmt="%.0f %%", fontsize=6.5, inline_spacing=2)
    w_env = np.linspace(0, m.speed_max_rad_s, 300)
    ax.plot(w_env * RPM_PER_RAD_S, m.torque_max_nm(w_env), "k", lw=1.5)
    ax.plot(w_env * RPM_PER_RAD_S, m.torque_min_nm(w_env), "k", lw=1.5)
    ax.axhline(0, color="0.5", lw=0.5)
    tag = unit.spec.axle
    w_edges = np.linspace(0, m.speed_max_rad_s, 41)
    t_edges = np.linspace(float(m.torque_nm[0]), float(m.torque_nm[-1]), 41)
    speeds, torques, weights = [], [], []
    for res in results:
        ts = res.series
        w = np.abs(np.asarray(ts[f"motor_{tag}_speed_rad_s"])[1:])
        tm = np.asarray(ts[f"motor_{tag}_torque_nm"])[1:]
        dt = np.diff(np.asarray(ts["time_s"]))
        moving = (w > 0) | (tm != 0)
        speeds.append(w[moving])
        torques.append(tm[moving])
        weights.append((np.abs(tm * w) * dt if weight == "energy" else dt)[moving])
    share = operating_share(np.concatenate(speeds), np.concatenate(torques),
                            np.concatenate(weights), w_edges, t_edges) * 100
    shown = np.ma.masked_less_equal(share, 0)
    mesh = ax.pcolormesh(w_edges * RPM_PER_RAD_S, t_edges, shown, cmap="magma_r",
                         shading="flat", alpha=0.85)
    what = "shaft energy" if weight == "energy" else "time"
    fig.colorbar(mesh, ax=ax, label=f"share of cycle {what} per cell [%]")
    cycles = ", ".join(r.cycle for r in results)
    ax.set(xlabel="motor shaft speed [rpm]", ylabel="motor shaft torque [N m]",
           title=f"{tag} drive unit on {cycles}: where the {what} goes\n"
                 f"contours: motor + inverter efficiency [%], {_loss_map_source(unit)}")
    ax.set_title(ax.get_title(), fontsize=8.5, pad=10)  # clear of a tick label at the top


def operating_points_figure(vehicle, results, weight: str = "energy"):
    """:func:`operating_points_axes` for each drive unit of a battery-electric car."""
    from ..vehicle import load_vehicle

    vm = load_vehicle(vehicle).model()
    units = vm.drive_units
    fig = new_figure(7.5 * len(units), 5.4)
    axes = np.atleast_1d(fig.subplots(1, len(units)))
    for ax, unit in zip(axes, units, strict=True):
        operating_points_axes(fig, ax, unit, list(results), weight)
    return fig


# --- energy: losses, flow, phases -------------------------------------------------------------

def losses_figure(vehicle, result):
    """Energy by part over the cycle (:func:`edrive.sim.breakdown.energy_breakdown`) as
    horizontal bars in Wh/km: the losses of the powertrain, then what reaches the wheel
    (aerodynamic drag, rolling resistance, climbing, kinetic energy) in another colour."""
    from ..sim.breakdown import energy_breakdown

    parts = energy_breakdown(vehicle, result)
    energy_in = parts.pop("energy_in_j")
    km = result.summary["distance_m"] / 1e3
    names = [k for k in parts if abs(parts[k]) > 1e-6 * max(abs(energy_in), 1.0)]
    values = np.array([parts[k] / 3600 / km for k in names]) if km > 0 else np.zeros(len(names))
    colors = ["tab:red" if k in LOSS_PARTS else "tab:blue" for k in names]
    fig = new_figure(8.5, 0.32 * len(names) + 1.8)
    ax = fig.subplots()
    y = np.arange(len(names))[::-1]
    ax.barh(y, values, color=colors)
    ax.set_yticks(y, [PART_LABELS.get(k, k) for k in names], fontsize=8)
    for yy, val in zip(y, values, strict=True):
        ax.text(val, yy, f" {val:.1f}", va="center", ha="left" if val >= 0 else "right",
                fontsize=7)
    ax.axvline(0, color="0.3", lw=0.6)
    ax.margins(x=0.15)
    source = "at the wall" if "charging_loss_j" in parts else "in the fuel (LHV)"
    if "battery_terminal_j" in result.summary:
        source = "in the fuel (LHV) and from the battery"
    ax.set(xlabel="energy per distance [Wh/km] (red: losses, blue: at the wheel)",
           title=f"{result.cycle}: {energy_in / 3600 / km:.0f} Wh/km {source}, by part")
    ax.title.set_fontsize(9)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _sankey_stages(parts: dict, summary: dict) -> list[tuple[str, list[tuple[str, float]]]]:
    """Stages of the energy flow: (name of what flows on, [(part, energy J) taken out])."""
    p = dict(parts)
    p.pop("energy_in_j", None)
    stages = []
    if "charging_loss_j" in p:
        stages.append(("battery", [("charging_loss_j", p.pop("charging_loss_j"))]))
        stages.append(("drive units (DC)", [(k, p.pop(k)) for k in ("battery_loss_j", "aux_j")
                                            if k in p]))
    elif "engine_loss_j" in p:
        stages.append(("engine work", [("engine_loss_j", p.pop("engine_loss_j"))]))
        stages.append(("driveline", [("aux_j", p.pop("aux_j"))] if "aux_j" in p else []))
    machine = [k for k in ("copper_loss_j", "iron_loss_j", "mechanical_loss_j",
                           "inverter_loss_j", "motor_inverter_loss_j", "machine_loss_j",
                           "gear_loss_j", "transmission_loss_j", "driveline_loss_j",
                           "driveline_inertia_j") if k in p]
    stages.append(("wheels", [(k, p.pop(k)) for k in machine]))
    stages.append(("", [(k, v) for k, v in p.items()]))
    return stages


def energy_flow_figure(vehicle, result):
    """Energy flow of a cycle as a Sankey diagram (net energies over the cycle, from the
    energy audit; energy recovered by regenerative braking is netted out, and stated in the
    title): from the wall (electric cars) or the fuel to the parts where it ends up. Parts
    below 1 % of the energy in are gathered in "others" so that labels stay readable."""
    from matplotlib.sankey import Sankey

    from ..sim.breakdown import energy_breakdown

    parts = energy_breakdown(vehicle, result)
    energy_in = parts["energy_in_j"]
    km = result.summary["distance_m"] / 1e3
    unit = 3600 * km if km > 0 else 3600.0
    stages = _sankey_stages(parts, result.summary)
    fig = new_figure(11, 6.2)
    ax = fig.subplots()
    ax.axis("off")
    if energy_in <= 0:  # e.g. downhill: the battery gained more than the car used
        ax.set_title(f"{result.cycle}: no energy flow to draw: the net energy put in is "
                     f"{energy_in / unit:.0f} Wh/km (more was recovered than used)", fontsize=9)
        return fig
    scale = 1.0 / max(energy_in, 1.0)
    sk = Sankey(ax=ax, scale=scale, unit=None, format="%.0f", gap=0.45, radius=0.08,
                shoulder=0.04, offset=0.18, head_angle=110, margin=0.3)
    flow_in = energy_in
    src = ("wall" if "charging_loss_j" in parts else "fuel (LHV)")
    if "battery_terminal_j" in result.summary:
        src = "fuel (LHV) + battery (net)"
    small = 0.01 * max(energy_in, 1.0)
    n_prev = 0
    for i, (after, outs) in enumerate(stages):
        shown = [(k, v) for k, v in outs if v > small]
        taken = [v for _, v in shown]
        flows = [flow_in] + [-v for v in taken]
        labels = [src if i == 0 else None] + [
            f"{PART_LABELS.get(k, k)}\n{v / unit:.0f} Wh/km" for k, v in shown]
        orient = [0] + [(1 if j % 2 else -1) for j in range(len(shown))]
        last = i == len(stages) - 1
        passed = flow_in - sum(taken)
        if last:
            if abs(passed) > 1e-9 * max(energy_in, 1.0):
                flows.append(-passed)
                labels.append(f"others (< 1 % each, net)\n{passed / unit:.0f} Wh/km")
                orient.append(0)
        else:
            flows.append(-passed)
            labels.append(None)
            orient.append(0)
        if i == 0:
            sk.add(flows=flows, labels=labels, orientations=orient, trunklength=0.6,
                   pathlengths=[0.25] * len(flows))
        else:
            sk.add(flows=flows, labels=labels, orientations=orient, prior=i - 1,
                   connect=(n_prev - 1, 0), trunklength=0.6,
                   pathlengths=[0.25] * len(flows))
        n_prev = len(flows)
        flow_in = passed
    diagrams = sk.finish()
    ax.set_aspect("equal", adjustable="box")  # keep the limits finish() set, shrink the box
    for d in diagrams:
        for t in d.texts:
            t.set_fontsize(7.5)
            t._edrive_label = True
    for d, (after, _) in zip(diagrams[:-1], stages[:-1], strict=False):
        d.texts[-1].set_text(after)
        d.texts[-1].set_fontsize(7)
        d.texts[-1].set_color("0.3")
    regen = result.summary.get("regen_energy_j")
    extra = f"; {regen / unit:.0f} Wh/km recovered by regeneration, netted" if regen else ""
    ax.set_title(f"{result.cycle}: energy flow, {energy_in / unit:.0f} Wh/km from the "
                 f"{src} (net over the cycle{extra})", fontsize=9)
    return fig


def phase_figure(result, cycle=None):
    """Consumption in each phase of the cycle (:func:`edrive.sim.breakdown.phase_figures`),
    with the whole cycle's as a line."""
    from ..sim.breakdown import phase_figures

    rows = phase_figures(result, cycle)
    key = next(k for k in ("battery_wh_per_km", "fuel_l_per_100km", "fuel_l_per_100km_raw")
               if k in rows[0])
    label = {"battery_wh_per_km": "energy at the battery [Wh/km]",
             "fuel_l_per_100km": "fuel [L/100 km]",
             "fuel_l_per_100km_raw": "fuel burnt, not charge-corrected [L/100 km]"}[key]
    whole = {"battery_wh_per_km": "battery_wh_per_km", "fuel_l_per_100km": "fuel_l_per_100km",
             "fuel_l_per_100km_raw": "fuel_l_per_100km_raw"}[key]
    fig = new_figure(7.5, 3.8)
    ax = fig.subplots()
    x = np.arange(len(rows))
    vals = [r[key] for r in rows]
    ax.bar(x, vals, color="tab:blue")
    for xx, r in zip(x, rows, strict=True):
        ax.text(xx, r[key], f"{r[key]:.1f}\n{r['distance_km']:.1f} km", ha="center",
                va="bottom", fontsize=7.5)
    ax.axhline(result.summary[whole], color="tab:red", lw=1,
               label=f"whole cycle {result.summary[whole]:.1f}")
    ax.set_xticks(x, [r["phase"].replace("_", " ") for r in rows])
    ax.margins(y=0.25)
    ax.set(xlabel="cycle phase", ylabel=label, title=f"{result.cycle}: consumption by phase")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


# --- drive units --------------------------------------------------------------------------------

def edu_map_axes(fig, ax, system_map, title: str) -> None:
    """Efficiency of a drive unit at its **output shaft** (DC to output), with its peak and
    continuous envelopes."""
    sm = system_map
    rpm = sm.speed_rad_s * RPM_PER_RAD_S
    cs = ax.contourf(rpm, sm.torque_nm, sm.efficiency * 100,
                     levels=np.arange(60, 100, 2.5), cmap="viridis", extend="both")
    lines = ax.contour(rpm, sm.torque_nm, sm.efficiency * 100, levels=[85, 90, 93, 95, 96],
                       colors="w", linewidths=0.6)
    ax.clabel(lines, fmt="%.0f", fontsize=6.5)
    fig.colorbar(cs, ax=ax, label="efficiency, DC to output shaft [%]")
    erpm = sm.envelope_speed_rad_s * RPM_PER_RAD_S
    ax.plot(erpm, sm.envelope_max_nm, "k", lw=1.5)
    ax.plot(erpm, sm.envelope_min_nm, "k", lw=1.5)
    ax.set(xlabel="output shaft speed [rpm]", ylabel="output shaft torque [N m]")
    ax.set_title(title, fontsize=9)


def edu_difference_figure(edu_a, edu_b, n_speed: int = 60, n_torque: int = 60):
    """Two drive units (specs, names or paths) at the **output shaft**: each one's efficiency
    map and the difference B - A in percentage points where both can run (blue: B better)."""
    fig = new_figure(17, 5.2)
    edu_difference_axes(fig, fig.subplots(1, 3), edu_a, edu_b, n_speed, n_torque)
    return fig


# below this share of the larger unit's peak output power the difference is not shown: near
# zero torque both efficiencies tend to zero and their difference means nothing
DIFFERENCE_MIN_POWER_SHARE = 0.02


def edu_difference_axes(fig, axes, edu_a, edu_b, n_speed: int = 60, n_torque: int = 60) -> None:
    """:func:`edu_difference_figure` on three given axes."""
    from ..edu import load_edu

    a, b = load_edu(edu_a), load_edu(edu_b)
    sa, sb = a.model().system_map(n_speed, n_torque), b.model().system_map(n_speed, n_torque)
    w = np.linspace(0, min(sa.speed_rad_s[-1], sb.speed_rad_s[-1]), n_speed)
    t = np.linspace(max(sa.torque_nm[0], sb.torque_nm[0]),
                    min(sa.torque_nm[-1], sb.torque_nm[-1]), n_torque)
    diff = (_regrid(sb, w, t) - _regrid(sa, w, t)) * 100
    p_peak = max(float(np.max(s.envelope_max_nm * s.envelope_speed_rad_s)) for s in (sa, sb))
    T, W = np.meshgrid(t, w, indexing="ij")
    diff[np.abs(T * W) < DIFFERENCE_MIN_POWER_SHARE * p_peak] = np.nan
    edu_map_axes(fig, axes[0], sa, f"A: {a.name}")
    edu_map_axes(fig, axes[1], sb, f"B: {b.name}")
    ax = axes[2]
    lim = float(np.nanmax(np.abs(diff))) if np.isfinite(diff).any() else 1.0
    lim = max(min(lim, 10.0), 0.5)
    mesh = ax.pcolormesh(w * RPM_PER_RAD_S, t, diff, cmap="RdBu", vmin=-lim, vmax=lim,
                         shading="nearest")
    fig.colorbar(mesh, ax=ax, label="efficiency B - A [percentage points]")
    for s, style, name in ((sa, "k-", "A"), (sb, "k--", "B")):
        erpm = s.envelope_speed_rad_s * RPM_PER_RAD_S
        ax.plot(erpm, s.envelope_max_nm, style, lw=1.2, label=f"envelope {name}")
        ax.plot(erpm, s.envelope_min_nm, style, lw=1.2)
    ax.set_xlim(0, w[-1] * RPM_PER_RAD_S)
    ax.set_ylim(t[0], t[-1])
    ax.legend(loc="upper right", fontsize=7)
    ax.set(xlabel="output shaft speed [rpm]", ylabel="output shaft torque [N m]")
    ax.set_title(f"B - A where both run, above {DIFFERENCE_MIN_POWER_SHARE:.0%} of peak "
                 "power (blue: B better)", fontsize=8.5)


def _regrid(sm, w, t):
    """A system map's efficiency at output speeds ``w`` and torques ``t`` (bilinear; NaN
    outside where it runs)."""
    from ..maps import bilinear

    eff = sm.efficiency
    ok = np.isfinite(eff)
    T, W = np.meshgrid(t, w, indexing="ij")
    val, _ = bilinear(sm.torque_nm, sm.speed_rad_s, np.where(ok, eff, 0.0), T, W)
    inside, _ = bilinear(sm.torque_nm, sm.speed_rad_s, ok.astype(float), T, W)
    # never blend a driving and a recovering efficiency: between the last negative and the
    # first positive torque of the map's grid there is no value
    nodes = sm.torque_nm
    below, above = nodes[nodes < 0], nodes[nodes > 0]
    across = (T > (below.max() if below.size else -np.inf)) & (T < (above.min() if above.size
                                                                    else np.inf))
    return np.where((inside > 0.999) & ~across, val, np.nan)


# --- sweeps -------------------------------------------------------------------------------------

# suffix of a column name -> (unit shown, factor from the stored value)
_SUFFIX_UNITS = (
    ("_wh_per_km", "Wh/km", 1.0), ("_kwh_per_100mi", "kWh/100 mi", 1.0),
    ("_l_per_100km", "L/100 km", 1.0), ("_g_per_km", "g/km", 1.0), ("_mpge", "MPGe", 1.0),
    ("_mpg_us", "mpg (US)", 1.0), ("_kmh_s", "s", 1.0), ("_mph_s", "s", 1.0),
    ("_kmh", "km/h", 1.0), ("_kwh", "kWh", 1.0), ("_km", "km", 1.0), ("_pct", "%", 1.0),
    ("_rad_s", "rpm", RPM_PER_RAD_S), ("_nm", "N m", 1.0), ("_kg", "kg", 1.0),
    ("_w", "kW", 1e-3), ("_j", "kWh", 1 / 3.6e6), ("_v", "V", 1.0), ("_m", "m", 1.0),
    ("_s", "s", 1.0), ("_eur", "EUR", 1.0),
)


def column_label(name: str) -> tuple[str, float]:
    """(axis label with its unit, factor to apply to the stored values) of a sweep column,
    e.g. ``drive_units.0.motor.power_peak_w`` -> ("drive unit 1 motor: power peak [kW]",
    1e-3), ``wltc_wall_wh_per_km`` -> ("wltc wall [Wh/km]", 1)."""
    import re

    base, unit, factor = name, "", 1.0
    for suffix, u, f in _SUFFIX_UNITS:
        if name.endswith(suffix):
            base, unit, factor = name[: -len(suffix)], u, f
            break
    parts = base.split(".")
    words = []
    for p in parts:
        if p.isdigit():
            words[-1:] = [f"{(words[-1] if words else '').removesuffix('s')} {int(p) + 1}"]
        else:
            words.append(p.replace("_", " "))
    text = re.sub(r"\s+", " ", " ".join(w for w in words if w)).strip()
    if name in ("soc_end", "electric_distance_share") or name.endswith(
            ("_soc_end", "_electric_distance_share")):
        unit = "-"
    return (f"{text} [{unit}]" if unit else text), factor


def pareto_figure(front, out_dir=None, color_by: str | None = None,
                  feasible_only: bool = True):
    """A sweep's Pareto front (:class:`edrive.sweep.results.Front`): axes labelled with
    their units and the sense of each objective, all designs behind the front, coloured by
    the design parameter or output ``color_by`` (read from the sweep folder ``out_dir``)."""
    fig = new_figure(7.5, 5.2)
    ax = fig.subplots()
    (xl, fx), (yl, fy) = column_label(front.x), column_label(front.y)
    if color_by is not None:
        if out_dir is None:
            from ..errors import EdriveError

            raise EdriveError("color_by: needs the sweep folder (out_dir)")
        x, y, c = _sweep_columns(out_dir, front.x, front.y, color_by, feasible_only)
        cl, fc = column_label(color_by)
        sc = ax.scatter(x * fx, y * fy, c=c * fc, s=10, lw=0, cmap="viridis",
                        label=f"designs ({len(x)})")
        fig.colorbar(sc, ax=ax, label=cl)
    else:
        ax.scatter(front.all_x * fx, front.all_y * fy, s=8, c="0.7", lw=0,
                   label=f"designs ({front.n_considered})")
    order = np.argsort(front.front_x)
    ax.plot(front.front_x[order] * fx, front.front_y[order] * fy, "-o", c="C3", ms=4, mfc="none",
            label=f"non-dominated ({len(front.front_x)})")

    def sense(maximized: bool) -> str:
        return "higher is better" if maximized else "lower is better"

    ax.set_xlabel(f"{xl}, {sense(front.maximize_x)}")
    ax.set_ylabel(f"{yl}, {sense(front.maximize_y)}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def _sweep_columns(out_dir, x: str, y: str, c: str, feasible_only: bool):
    """Columns ``x``, ``y`` and ``c`` of the designs a Pareto front considered."""
    from ..errors import EdriveError, format_value
    from ..sweep.results import connect

    con = connect(out_dir)
    cols = [r[0] for r in con.execute("DESCRIBE results").fetchall()]
    if c not in cols:
        raise EdriveError(f"--color: unknown column {format_value(c)}; allowed: "
                          f"{', '.join(cols)}")
    where = "error IS NULL" + (" AND feasible" if feasible_only else "")
    data = con.execute(f'SELECT "{x}", "{y}", "{c}" FROM results WHERE {where}').fetchnumpy()
    try:
        cv = np.asarray(data[c], dtype=float)
    except (TypeError, ValueError):
        raise EdriveError(f"--color: column {format_value(c)} is not numeric; allowed: a "
                          "numeric parameter or output") from None
    return np.asarray(data[x], dtype=float), np.asarray(data[y], dtype=float), cv


# --- alliance plan ------------------------------------------------------------------------------

def plant_load_figure(plan: dict):
    """Each plant's drive units per year against its capacity, from a plan's dictionary
    (:meth:`edrive.alliance.plan.Plan.to_dict`, the ``plan.json`` of ``edrive plan``)."""
    rows = plan["plants"]["plants"]
    plants = list(dict.fromkeys(r["plant"] for r in rows))
    years = sorted({r["year"] for r in rows})
    fig = new_figure(max(6.0, 1.2 * len(years) * len(plants) + 2), 4.2)
    plant_load_axes(fig.subplots(), plan)
    return fig


def plant_load_axes(ax, plan: dict) -> None:
    """:func:`plant_load_figure` on given axes."""
    rows = plan["plants"]["plants"]
    plants = list(dict.fromkeys(r["plant"] for r in rows))
    years = sorted({r["year"] for r in rows})
    width = 0.8 / max(len(plants), 1)
    for i, p in enumerate(plants):
        by_year = {r["year"]: r for r in rows if r["plant"] == p}
        x = np.arange(len(years)) + (i - (len(plants) - 1) / 2) * width
        vol = [by_year[y]["volume_units"] / 1e3 if y in by_year else 0.0 for y in years]
        cap = [by_year[y]["capacity_units"] / 1e3 if y in by_year else 0.0 for y in years]
        bars = ax.bar(x, vol, width * 0.9, label=f"{p}: built", color=f"C{i}")
        ax.bar(x, cap, width * 0.9, fill=False, edgecolor=f"C{i}", ls="--",
               label=f"{p}: capacity")
        if len(years) * len(plants) > 12:  # too many bars to label each one legibly
            continue
        for bar, v, c in zip(bars, vol, cap, strict=True):
            if c > 0:
                t = ax.text(bar.get_x() + bar.get_width() / 2, c, f"{100 * v / c:.0f} %",
                            ha="center", va="bottom", fontsize=7)
                t._edrive_label = True
    ax.set_xticks(np.arange(len(years)), [str(y) for y in years])
    ax.margins(y=0.15)
    labelled = len(years) * len(plants) <= 12
    ax.set(xlabel="year", ylabel="drive units [thousand per year]",
           title="plant loads: units built against capacity (dashed)"
                 + (", % used" if labelled else ""))
    ax.title.set_fontsize(9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", alpha=0.3)


def fleet_co2_figure(plan: dict):
    """Each maker's fleet (and the pool, where pooled) against its target in the plan's
    assessment year, per jurisdiction: average CO2 against the target [g/km] where the rule
    is a CO2 target, the zero-emission share against the share required [%] where it is a
    ZEV mandate. None when the plan has no fleets."""
    co2 = plan.get("fleet_co2") or {}
    jurisdictions = co2.get("jurisdictions") or {}
    if not jurisdictions:
        return None
    fig = new_figure(5.2 * len(jurisdictions), 4.2)
    fleet_co2_axes(np.atleast_1d(fig.subplots(1, len(jurisdictions))), plan)
    return fig


def fleet_co2_axes(axes, plan: dict) -> None:
    """:func:`fleet_co2_figure` on given axes, one per jurisdiction."""
    co2 = plan["fleet_co2"]
    for ax, (jur, entry) in zip(axes, co2["jurisdictions"].items(), strict=True):
        makers = list(entry["makers"])
        if entry.get("pool"):
            makers.append(entry["pool"] | {"maker": "pool"})
        names, actual, target, unit = [], [], [], None
        for m in makers:
            if m.get("target_g_per_km") is not None:
                names.append(m.get("maker", "?"))
                actual.append(m["average_g_per_km"])
                target.append(m["target_g_per_km"])
                unit = "CO2 [g/km]"
            elif m.get("zev_share_required") is not None:
                names.append(m.get("maker", "?"))
                actual.append(m["zev_share"] * 100)
                target.append(m["zev_share_required"] * 100)
                unit = "zero-emission share [%]"
        x = np.arange(len(names))
        ax.bar(x - 0.2, actual, 0.4, label="fleet with the plan", color="tab:blue")
        ax.bar(x + 0.2, target, 0.4, label="target", color="0.6")
        ax.set_xticks(x, names, fontsize=8)
        ax.set(ylabel=unit or "", title=f"{jur} {co2.get('year', '')}")
        ax.title.set_fontsize(9)
        ax.margins(y=0.25)
        ax.legend(fontsize=7, loc="upper center", ncol=2)
        ax.grid(axis="y", alpha=0.3)
