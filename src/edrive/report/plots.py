"""Plots for people: drive cycles and simulation results (PNG or another format matplotlib
writes, chosen by the file suffix; no display needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str | Path) -> None:
    """Write the figure in the format its file suffix names, whole or not at all
    (:mod:`edrive.io.output`)."""
    from ..io.output import plot_format, write_output

    try:
        fmt = plot_format(path)
        write_output(path, lambda fh: fig.savefig(fh, format=fmt, dpi=110, bbox_inches="tight"))
    finally:
        _pyplot().close(fig)


def plot_cycle(cycle, path: str | Path) -> None:
    """Speed over time, phases shaded."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 3.6), layout="constrained")
    ax.plot(cycle.time_s, cycle.speed_m_s * 3.6, lw=1.0, color="tab:blue")
    for k, (name, i0, i1) in enumerate(cycle.phases):
        if k % 2:
            ax.axvspan(cycle.time_s[i0], cycle.time_s[i1], color="0.92", zorder=0)
        ax.text(0.5 * (cycle.time_s[i0] + cycle.time_s[i1]), ax.get_ylim()[1] * 0.97, name,
                ha="center", va="top", fontsize=8)
    s = cycle.stats()
    ax.set(xlabel="time [s]", ylabel="speed [km/h]",
           title=f"{cycle.title or cycle.name}: {s['distance_m'] / 1e3:.2f} km in "
                 f"{s['duration_s']:.0f} s")
    ax.grid(alpha=0.3)
    _save(fig, path)


def plot_result(vehicle_model, results, path: str | Path) -> None:
    """Speed (target and achieved), battery power and SOC for each result, and where the
    motor shaft energy goes on the efficiency map of each drive unit (share per map cell,
    :func:`edrive.report.charts.operating_points_axes`)."""
    plt = _pyplot()
    results = list(results)
    fig = plt.figure(figsize=(13, 3.2 * len(results) + 5.5), layout="constrained")
    gs = fig.add_gridspec(len(results) + 1, 2, height_ratios=[1] * len(results) + [1.6])
    for row, res in enumerate(results):
        ts = res.series
        ax = fig.add_subplot(gs[row, 0])
        ax.plot(ts["time_s"], ts["speed_target_m_s"] * 3.6, color="0.6", lw=2, label="trace")
        ax.plot(ts["time_s"], ts["speed_m_s"] * 3.6, color="tab:blue", lw=1, label="achieved")
        ax.set(ylabel="vehicle speed [km/h]", xlabel="time [s]",
               title=f"{res.cycle}: {res.summary['wall_wh_per_km']:.0f} Wh/km at the wall")
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
        ax2 = fig.add_subplot(gs[row, 1])
        ax2.plot(ts["time_s"], ts["battery_power_w"] / 1e3, lw=0.8, color="tab:red")
        ax2.set(ylabel="battery power [kW]", xlabel="time [s]")
        ax2.grid(alpha=0.3)
        ax3 = ax2.twinx()
        ax3.plot(ts["time_s"], ts["soc"] * 100, color="tab:green", lw=1.2)
        ax3.set_ylabel("SOC [%]", color="tab:green")
    units = vehicle_model.drive_units
    for k, du in enumerate(units):
        ax = fig.add_subplot(gs[len(results), k if len(units) > 1 else slice(0, 2)])
        _operating_points(fig, ax, du, results)
    _save(fig, path)


def _operating_points(fig, ax, du, results) -> None:
    from .charts import operating_points_axes

    operating_points_axes(fig, ax, du, results)


def plot_edu_map(system_map, summary: dict, path: str | Path) -> None:
    """Efficiency contour of a drive unit at its output shaft, with the torque envelope."""
    from .charts import edu_map_axes, new_figure, save_figure

    sm = system_map
    fig = new_figure(9, 6)
    ax = fig.subplots()
    edu_map_axes(fig, ax, sm, f"{summary['name']}: {summary['peak_power_kw']:.0f} kW, "
                              f"{summary['peak_torque_nm']:.0f} N m at the motor shaft, peak "
                              f"{summary['peak_efficiency'] * 100:.1f} %")
    erpm = sm.envelope_speed_rad_s * 30 / np.pi
    ax.lines[-1].set_label("peak envelope")
    if sm.continuous_max_nm is not None:
        ax.plot(erpm, sm.continuous_max_nm, "k--", lw=1.2, label="continuous")
        ax.plot(erpm, sm.continuous_min_nm, "k--", lw=1.2)
    ax.axhline(0, color="0.4", lw=0.5)
    ax.legend(loc="upper right", fontsize=8)
    save_figure(fig, path)


def plot_edu_compare(results, path: str | Path, edus=None) -> None:
    """The same vehicle and cycle on each drive unit: where the shaft energy goes on each
    motor map (motor shaft) and, given the two units ``edus``, their efficiency maps and the
    difference B - A at the output shaft (:func:`edrive.report.charts.edu_difference_axes`)."""
    from .charts import edu_difference_axes, new_figure, operating_points_axes, save_figure

    fig = new_figure(18, 11 if edus is not None else 5.6)
    top, bottom = fig.subfigures(2, 1) if edus is not None else (fig, None)
    axes = np.atleast_1d(top.subplots(1, len(results)))
    for ax, (car, res) in zip(axes, results, strict=True):
        du = car.model().drive_units[0]
        operating_points_axes(top, ax, du, [res])
        ax.set_title(f"{car.drive_units[0].name}: {res.summary['wall_wh_per_km']:.0f} Wh/km "
                     "at the wall; contours: motor + inverter efficiency [%]", fontsize=8.5)
    if bottom is not None:
        edu_difference_axes(bottom, bottom.subplots(1, 3), *edus)
    save_figure(fig, path)


def _speed_panel(ax, ts: dict, title: str) -> None:
    """Trace and achieved speed over time."""
    ax.plot(ts["time_s"], ts["speed_target_m_s"] * 3.6, color="0.6", lw=2, label="trace")
    ax.plot(ts["time_s"], ts["speed_m_s"] * 3.6, color="tab:blue", lw=1, label="achieved")
    ax.set(ylabel="speed [km/h]", title=title)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)


def engine_map_axes(ax, engine, speed_rad_s=None, torque_nm=None, time_s=None) -> None:
    """Brake-specific fuel consumption contours [g/kWh] of an engine over crankshaft speed
    and torque, its full-load curve, and (optionally) where its work over a cycle goes: the
    share of the engine's work per map cell (time series of speed, torque and ``time_s``;
    :func:`edrive.report.charts.operating_share`)."""
    from .charts import operating_share

    es = engine.spec
    w = np.linspace(es.speed_idle_rad_s, es.speed_max_rad_s, 80)
    t_full = engine.torque_max_nm(w)
    frac = np.linspace(0.02, 1.0, 60)
    W, F = np.meshgrid(w, frac)
    T = F * engine.torque_max_nm(W)
    bsfc = engine.bsfc_g_kwh(T, W)
    best = float(np.nanmin(bsfc))
    levels = best * np.array([1.0, 1.02, 1.05, 1.1, 1.2, 1.35, 1.6, 2.0, 3.0])
    cs = ax.contour(W * 30 / np.pi, T, bsfc, levels=levels, colors="0.35", linewidths=0.8)
    ax.clabel(cs, fmt="%.0f", fontsize=7)
    ax.plot(w * 30 / np.pi, t_full, color="k", lw=1.5, label="full load")
    title = "BSFC [g/kWh]"
    if speed_rad_s is not None:
        ws = np.asarray(speed_rad_s, dtype=float)[1:]
        ts = np.asarray(torque_nm, dtype=float)[1:]
        dt = np.diff(np.asarray(time_s, dtype=float)) if time_s is not None else np.ones_like(ws)
        on = (ws > 0) & (ts > 0)
        w_edges = np.linspace(0, es.speed_max_rad_s, 41)
        t_edges = np.linspace(0, float(t_full.max()) * 1.02, 31)
        share = operating_share(ws[on], ts[on], (ws * ts * dt)[on], w_edges, t_edges) * 100
        mesh = ax.pcolormesh(w_edges * 30 / np.pi, t_edges, np.ma.masked_less_equal(share, 0),
                             cmap="magma_r", alpha=0.85)
        ax.figure.colorbar(mesh, ax=ax, label="share of the engine's work per cell [%]")
        title = "BSFC [g/kWh] and where the engine's work is done"
    ax.set(xlabel="engine crankshaft speed [rpm]", ylabel="engine crankshaft torque [N m]")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="upper right", fontsize=7)
    ax.grid(alpha=0.3)


def plot_icev_result(results, path: str | Path, engine=None) -> None:
    """Speed, gear and engine speed for each result of a conventional vehicle, and (given
    the engine model) its operating points on the engine's fuel map."""
    plt = _pyplot()
    results = list(results)
    cols = 3 if engine is not None else 2
    fig, axes = plt.subplots(len(results), cols, figsize=(6.5 * cols, 3.4 * len(results)),
                             squeeze=False, layout="constrained")
    for row, res in zip(axes, results, strict=True):
        ts = res.series
        _speed_panel(row[0], ts, f"{res.cycle}: {res.summary['fuel_l_per_100km']:.2f} L/100 km")
        ax2 = row[1]
        ax2.plot(ts["time_s"], ts["engine_speed_rad_s"] * 30 / np.pi, lw=0.8, color="tab:red")
        ax2.set(ylabel="engine speed [rpm]", xlabel="time [s]")
        row[0].set_xlabel("time [s]")
        ax3 = ax2.twinx()
        ax3.step(ts["time_s"], ts["gear"], color="tab:green", lw=1.0, where="post")
        ax3.set_ylabel("gear engaged [-]", color="tab:green")
        if engine is not None:
            engine_map_axes(row[2], engine, ts["engine_speed_rad_s"], ts["engine_torque_nm"],
                            ts["time_s"])
    _save(fig, path)


def plot_hev_result(results, path: str | Path, engine=None) -> None:
    """Speed, state of charge and engine power for each result of a hybrid, and (given the
    engine model) the engine's operating points on its fuel map."""
    plt = _pyplot()
    results = list(results)
    cols = 3 if engine is not None else 2
    fig, axes = plt.subplots(len(results), cols, figsize=(6.5 * cols, 3.4 * len(results)),
                             squeeze=False, layout="constrained")
    for row, res in zip(axes, results, strict=True):
        ts = res.series
        _speed_panel(row[0], ts, f"{res.cycle}: {res.summary['fuel_l_per_100km']:.2f} L/100 km "
                                 f"({res.summary['strategy']})")
        ax2 = row[1]
        p_e = ts["engine_speed_rad_s"] * ts["engine_torque_nm"] / 1e3
        ax2.plot(ts["time_s"], p_e, lw=0.8, color="tab:red", label="engine")
        ax2.plot(ts["time_s"], ts["battery_power_w"] / 1e3, lw=0.8, color="tab:purple",
                 label="battery")
        ax2.set(ylabel="power [kW]", xlabel="time [s]")
        ax2.legend(loc="upper left", fontsize=8)
        ax3 = ax2.twinx()
        ax3.plot(ts["time_s"], ts["soc"] * 100, color="tab:green", lw=1.2)
        ax3.set_ylabel("SOC [%]", color="tab:green")
        if engine is not None:
            engine_map_axes(row[2], engine, ts["engine_speed_rad_s"], ts["engine_torque_nm"],
                            ts["time_s"])
    _save(fig, path)


#: the result plot of each kind, the ``plot`` of a powertrain's entry in
#: :mod:`edrive.powertrains`: (spec, results, path) -> None
RESULT_PLOTS = {
    "electric": lambda spec, results, path: plot_result(spec.model(), results, path),
    "engine": lambda spec, results, path: plot_icev_result(results, path,
                                                           engine=spec.model().engine),
    "hybrid": lambda spec, results, path: plot_hev_result(results, path,
                                                          engine=spec.model().engine),
}


def plot_results(spec, results, path: str | Path) -> None:
    """The plot of ``edrive simulate --plot`` for a car of any powertrain (the result plot
    its entry in :mod:`edrive.powertrains` names)."""
    from ..powertrains import powertrain_of

    RESULT_PLOTS[powertrain_of(spec).plot](spec, results, path)


def plot_trace_comparison(comparisons, path: str | Path) -> None:
    """Measured against simulated fuel on measured traces: cumulative fuel (left) and the
    fuel rate smoothed as in the comparison (right), one row per trace
    (:class:`edrive.io.anl_replay.TraceComparison`)."""
    plt = _pyplot()
    comparisons = list(comparisons)
    fig, axes = plt.subplots(len(comparisons), 2, figsize=(13, 3.0 * len(comparisons)),
                             squeeze=False, layout="constrained")
    for row, c in zip(axes, comparisons, strict=True):
        t = np.concatenate([c.time_s, [c.time_s[-1] + c.dt_s[-1]]])
        sim_cum, meas_cum = c.cumulative_m3()
        ax = row[0]
        ax.plot(t, meas_cum * 1e3, color="0.3", lw=2, label="measured")
        ax.plot(t, sim_cum * 1e3, color="tab:red", lw=1.2, label="simulated")
        ax.set(ylabel="fuel [L]", title=f"{c.trace}: {c.fuel_sim_m3 * 1e3:.3f} L simulated, "
                                        f"{c.fuel_meas_m3 * 1e3:.3f} L measured "
                                        f"({100 * c.fuel_error:+.1f} %)")
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
        sim, meas = c.smoothed()
        ax2 = row[1]
        ax2.plot(c.time_s, meas * 1e6, color="0.3", lw=1.4, label="measured")
        ax2.plot(c.time_s, sim * 1e6, color="tab:red", lw=0.8, label="simulated")
        ax2.set(ylabel="fuel rate [cm³/s]",
                title=f"{c.window_s:.0f} s average: r = {c.correlation:.3f}, "
                      f"RMS {100 * c.rms_relative:.0f} % of mean")
        ax2.legend(loc="upper right", fontsize=8)
        ax2.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("time [s]")
    _save(fig, path)


def plot_pareto_front(front, path: str | Path, out_dir=None, color_by: str | None = None,
                      feasible_only: bool = True) -> None:
    """A sweep's Pareto front (:func:`edrive.report.charts.pareto_figure`): axes with units,
    all considered designs behind the front, coloured by ``color_by`` where given."""
    from .charts import pareto_figure, save_figure

    save_figure(pareto_figure(front, out_dir, color_by, feasible_only), path)


def plan_figure_png(plan) -> bytes:
    """An alliance plan (:class:`edrive.alliance.plan.Plan`) as a PNG: which drive unit can
    serve which programme (grey: none of the batteries lets it meet the requirements) and
    which it gets; each plant's units against its capacity year by year; and, where the
    portfolio names fleets, each maker's fleet CO2 (or zero-emission share) against its
    target with the plan's cars (:mod:`edrive.report.charts`)."""
    from .charts import figure_png

    return figure_png(plan_figure(plan))


def plan_figure(plan):
    """The figure of :func:`plan_figure_png`."""
    from .charts import fleet_co2_axes, new_figure, plant_load_axes

    fit, joint = plan.fit, plan.joint
    rep = plan.to_dict()
    jurisdictions = rep["fleet_co2"].get("jurisdictions") or {}
    fig = new_figure(14, 10 if jurisdictions else 9.5)
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.2, 1])
    ax = top.subplots()
    grid = np.where(fit.pair_meets, 1.0, 0.0)
    grid[np.arange(len(fit.programmes)), joint.variant_of] = 2.0
    ax.imshow(grid, cmap=matplotlib_colors(["0.85", "#9ecae1", "#08519c"]), vmin=0, vmax=2,
              aspect="auto")
    ax.set_xticks(range(len(fit.variants)), fit.variants, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(fit.programmes)), fit.programmes, fontsize=8)
    ax.set(xlabel="drive-unit variant", ylabel="programme")
    ax.set_title("drive unit per programme (dark: chosen, light: could serve, grey: cannot)",
                 fontsize=9)
    axes = bottom.subplots(1, 1 + len(jurisdictions), squeeze=False)[0]
    plant_load_axes(axes[0], rep)
    if jurisdictions:
        fleet_co2_axes(axes[1:], rep)
    fig.suptitle(f"{plan.portfolio}: EUR {joint.objective / 1e9:,.2f} bn together, "
                 f"{len(joint.chosen)} variants", fontsize=10)
    return fig


def matplotlib_colors(colors: list[str]):
    """A listed colour map of ``colors``."""
    from matplotlib.colors import ListedColormap

    return ListedColormap(colors)

