"""The page of ``edrive app``: a Shiny for Python application (layout and reactions only;
what each button does is in :mod:`edrive.app.logic`).

Tabs: *Car and cycles* (choose a bundled car or upload/edit its YAML, change key
parameters, run bundled cycles: summary table and plots), *Compare* (variants side by
side), *Maps and energy* (a drive unit's efficiency map, where the energy of the last run
went), *Sweep* (a bounded grid over one or two parameters through
:func:`edrive.simulate_many`), *Plan* (the alliance plan of a bundled portfolio).

A problem with the input shows as one line in the tab (``.edrive-message``), never a
traceback. Each figure in a table cell carries its full value in ``data-value`` (the
number the library returned) beside the rounded text, so the browser tests can compare
the page with the library exactly.
"""

from __future__ import annotations

import asyncio
import html
import time

from shiny import App, reactive, render, ui

from ..errors import EdriveError
from ..powertrains import powertrain_of
from . import logic

DEFAULT_VEHICLE = "bmw_i3s"
DEFAULT_CYCLES = ["wltc"]


def _message(text: str | None, element_id: str):
    """The one-line message of a tab (empty when there is none)."""
    if not text:
        return ui.div(id=element_id)
    return ui.div(text, id=element_id, class_="edrive-message alert alert-danger",
                  role="alert")


def _notice(text: str | None, element_id: str):
    if not text:
        return ui.div(id=element_id)
    return ui.div(text, id=element_id, class_="edrive-notice alert alert-info")


def _cell(value, **data) -> str:
    attrs = "".join(f' data-{k}="{html.escape(str(v))}"' for k, v in data.items())
    if isinstance(value, int | float) and not isinstance(value, bool):
        attrs += f' data-value="{float(value)!r}"'
    return f"<td{attrs}>{html.escape(logic.format_number(value))}</td>"


def _table(element_id: str, header: list[str], rows: list[str], **data) -> ui.HTML:
    attrs = "".join(f' data-{k}="{html.escape(str(v))}"' for k, v in data.items())
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    return ui.HTML(f'<table id="{element_id}" class="table table-sm table-striped"{attrs}>'
                   f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _image(uri: str | None, element_id: str, alt: str):
    if not uri:
        return ui.div(id=element_id)
    return ui.img(src=uri, id=element_id, alt=alt, style="max-width: 100%;")


def app_ui():
    from ..alliance.portfolio import list_portfolios
    from ..cycles import list_cycles
    from ..edu import list_edus
    from ..vehicle import list_vehicles

    cycles = list_cycles()
    car_tab = ui.nav_panel(
        "Car and cycles",
        ui.layout_sidebar(
            ui.sidebar(
                ui.input_select("vehicle", "bundled car", list_vehicles(),
                                selected=DEFAULT_VEHICLE),
                ui.input_file("upload", "or upload a vehicle YAML", accept=[".yaml", ".yml"]),
                ui.output_ui("parameters"),
                ui.input_checkbox_group("cycles", "cycles", cycles, selected=DEFAULT_CYCLES),
                ui.input_action_button("run", "Run", class_="btn-primary"),
                ui.input_action_button("add_variant", "Add to comparison"),
                ui.input_action_button("make_report", "Make HTML report"),
                ui.output_ui("report_link"),
                width=330,
            ),
            ui.output_ui("car_message"),
            ui.output_ui("car_title"),
            ui.output_ui("summary"),
            ui.output_ui("result_plot"),
            ui.accordion(ui.accordion_panel(
                "Edit the vehicle YAML",
                ui.input_text_area("yaml_text", None, rows=18, width="100%"),
                ui.input_action_button("use_yaml", "Use this YAML")), open=False, id="yaml"),
        ),
    )
    compare_tab = ui.nav_panel(
        "Compare",
        ui.layout_sidebar(
            ui.sidebar(
                ui.input_select("compare_cycle", "cycle", cycles),
                ui.input_action_button("compare_run", "Compare", class_="btn-primary"),
                ui.input_action_button("compare_clear", "Clear variants"),
                ui.p("Add variants with 'Add to comparison' on the first tab (at most "
                     f"{logic.MAX_COMPARE})."),
            ),
            ui.output_ui("compare_message"),
            ui.output_ui("compare_table"),
            ui.output_ui("compare_plot"),
        ),
    )
    maps_tab = ui.nav_panel(
        "Maps and energy",
        ui.layout_sidebar(
            ui.sidebar(
                ui.input_select("edu", "drive unit", list_edus()),
                ui.input_action_button("edu_show", "Show map", class_="btn-primary"),
            ),
            ui.output_ui("maps_message"),
            ui.h5("Where the energy of the last run went"),
            ui.output_ui("energy_table"),
            ui.output_ui("energy_plots"),
            ui.output_ui("edu_table"),
            ui.output_ui("edu_plot"),
        ),
    )
    sweep_tab = ui.nav_panel(
        "Sweep",
        ui.layout_sidebar(
            ui.sidebar(
                ui.output_ui("sweep_inputs"),
                ui.input_select("sweep_cycle", "cycle", cycles),
                ui.input_action_button("sweep_run", "Run sweep", class_="btn-primary"),
                ui.p(f"At most {logic.MAX_SWEEP_VARIANTS:,} variants of the car on the first "
                     "tab (with its changed parameters)."),
                width=330,
            ),
            ui.output_ui("sweep_message"),
            ui.output_ui("sweep_notice"),
            ui.output_ui("sweep_plot"),
            ui.output_ui("sweep_table"),
        ),
    )
    plan_tab = ui.nav_panel(
        "Plan",
        ui.layout_sidebar(
            ui.sidebar(
                ui.input_select("portfolio", "bundled portfolio", list_portfolios()),
                ui.input_action_button("plan_run", "Plan", class_="btn-primary"),
                ui.p("The first plan takes some seconds (named scenarios, no Monte Carlo "
                     "draws); it is then kept."),
            ),
            ui.output_ui("plan_message"),
            ui.output_ui("plan_link"),
            ui.output_ui("plan_summary"),
            ui.output_ui("plan_table"),
            ui.output_ui("plan_plot"),
        ),
    )
    return ui.page_navbar(car_tab, compare_tab, maps_tab, sweep_tab, plan_tab,
                          title="edrive", id="tabs", window_title="edrive app")


def server(input, output, session):
    from ..vehicle import load_vehicle

    base = reactive.value(load_vehicle(DEFAULT_VEHICLE))
    results = reactive.value(None)        # (spec, results) of the last run
    run_count = reactive.value(0)
    run_seconds = reactive.value(None)
    variants = reactive.value(())         # ((label, spec), ...)
    compared = reactive.value(None)       # (cycle, [(label, spec, result)])
    edu_shown = reactive.value(None)      # (summary, figure uri)
    sweep_done = reactive.value(None)     # (spec, plan, summaries, seconds)
    plan_done = reactive.value(None)
    plan_file = reactive.value(None)       # (file name, page bytes) of the plan report
    messages = {k: reactive.value("") for k in ("car", "compare", "maps", "sweep", "plan")}

    def guarded(tab: str, action):
        """Run ``action``; on failure show its one-line message in ``tab`` and return None."""
        messages[tab].set("")
        try:
            return action()
        except Exception as exc:  # noqa: BLE001 - every failure becomes one line in the page
            messages[tab].set(logic.user_message(exc))
            return None

    # --- car --------------------------------------------------------------------------------

    def set_base(spec) -> None:
        base.set(spec)
        ui.update_text_area("yaml_text", value=logic.vehicle_yaml(spec))

    @reactive.effect
    @reactive.event(input.vehicle)
    def _choose():
        spec = guarded("car", lambda: load_vehicle(input.vehicle()))
        if spec is not None:
            set_base(spec)

    @reactive.effect
    @reactive.event(input.upload)
    def _upload():
        files = input.upload()
        if not files:
            return
        f = files[0]
        spec = guarded("car", lambda: logic.vehicle_from_upload(f["datapath"], f["name"]))
        if spec is not None:
            set_base(spec)

    @reactive.effect
    @reactive.event(input.use_yaml)
    def _use_yaml():
        spec = guarded("car", lambda: logic.vehicle_from_text(input.yaml_text()))
        if spec is not None:
            base.set(spec)

    @render.ui
    def parameters():
        spec = base()
        fields = [ui.input_numeric(f"p_{p.key}", p.title, value=value)
                  for p, value in logic.key_parameters(spec)]
        fit = []
        if powertrain_of(spec).drive_units:
            from ..edu import list_edus

            fit = [ui.input_select("fit_edu_name", "fit a bundled drive unit", list_edus()),
                   ui.input_action_button("fit_edu", "Fit drive unit")]
        return ui.TagList(ui.h6(f"{spec.name} ({spec.type})", id="car-name"), *fit, *fields)

    @reactive.effect
    @reactive.event(input.fit_edu)
    def _fit_edu():
        spec = guarded("car", lambda: logic.fit_edu(base(), input.fit_edu_name()))
        if spec is not None:
            set_base(spec)

    def current_spec():
        """The chosen car with the parameters typed on the page."""
        spec = base()
        values = {p.key: input[f"p_{p.key}"]() for p, _ in logic.key_parameters(spec)
                  if f"p_{p.key}" in input}
        return logic.with_parameters(spec, values)

    @reactive.effect
    @reactive.event(input.run)
    def _run():
        def action():
            start = time.perf_counter()
            spec = current_spec()
            out = logic.run_cycles(spec, input.cycles())
            run_seconds.set(time.perf_counter() - start)
            return spec, out

        done = guarded("car", action)
        results.set(done)  # a refused run clears the figures of the last one
        if done is not None:
            run_count.set(run_count() + 1)

    report_file = reactive.value(None)    # (file name, page bytes)

    @reactive.effect
    @reactive.event(input.make_report)
    async def _make_report():
        report_file.set(None)
        ready = guarded("car", lambda: (current_spec(), logic.check_cycles(input.cycles())))
        if ready is None:
            return
        with ui.Progress() as bar:
            bar.set(message="writing the report ...")
            try:
                report_file.set(await asyncio.to_thread(logic.vehicle_report, *ready))
            except Exception as exc:  # noqa: BLE001 - one line in the page
                messages["car"].set(logic.user_message(exc))

    @render.ui
    def report_link():
        done = report_file()
        if done is None:
            return ui.div(id="report-link")
        name, page = done
        return ui.div(ui.download_button("report_download", f"Download {name} "
                                         f"({len(page) / 1e6:.2f} MB)"), id="report-link")

    @render.download(filename=lambda: (report_file() or ("report.html", b""))[0],
                     media_type="text/html")
    def report_download():
        done = report_file()
        if done is not None:
            yield done[1]

    @reactive.effect
    @reactive.event(input.add_variant)
    def _add_variant():
        def action():
            spec = current_spec()
            if len(variants()) >= logic.MAX_COMPARE:
                raise EdriveError(f"comparison: already {logic.MAX_COMPARE} variants; "
                                        "allowed: at most that many (clear them first)")
            label = f"{len(variants()) + 1}: {describe(spec)}"
            variants.set((*variants(), (label, spec)))
            messages["compare"].set("")
        guarded("car", action)

    def describe(spec) -> str:
        """A variant's name and the parameters it changes from the chosen car."""
        own = {p.key: v for p, v in logic.key_parameters(base())}
        changed = [f"{p.label} {logic.format_number(v)} {p.unit}".strip()
                   for p, v in logic.key_parameters(spec) if own.get(p.key) != v]
        return spec.name + (f" ({', '.join(changed)})" if changed else "")

    @render.ui
    def car_message():
        return _message(messages["car"](), "car-message")

    @render.ui
    def car_title():
        done = results()
        if done is None:
            return ui.p("Choose a car and cycles, then Run.")
        spec, _ = done
        seconds = run_seconds()
        return ui.TagList(ui.h4(spec.name, id="result-vehicle"),
                          ui.p(f"simulated in {seconds:.2f} s on the server",
                               id="run-seconds"))

    @render.ui
    def summary():
        done = results()
        if done is None:
            return ui.div(id="summary")
        _, out = done
        reports = [logic.scalar_report(r) for r in out]
        keys = list(dict.fromkeys(k for rep in reports for k in rep))
        rows = ["<tr><th>" + html.escape(k) + "</th>"
                + "".join(_cell(rep.get(k), key=k, cycle=r.cycle)
                          for rep, r in zip(reports, out, strict=True)) + "</tr>"
                for k in keys]
        return _table("summary", ["quantity", *[r.cycle for r in out]], rows,
                      run=run_count())

    @reactive.extended_task
    async def figure_task(spec, out, run: int):
        """The result figure of run number ``run``, drawn beside the page's updates (the
        table does not wait for it)."""
        try:
            return await asyncio.to_thread(logic.result_figure, spec, out), None, run
        except Exception as exc:  # noqa: BLE001 - one line in the page
            return None, logic.user_message(exc), run

    @reactive.effect
    def _draw():
        done = results()
        if done is not None:
            with reactive.isolate():
                run = run_count()
            figure_task.invoke(*done, run)

    @render.ui
    def result_plot():
        if results() is None or figure_task.status() != "success":
            return ui.div(id="result-plot")
        uri, problem, run = figure_task.result()
        if run != run_count():
            return ui.div(id="result-plot")
        if problem:
            return _message(problem, "result-plot")
        spec, _ = results()
        return ui.img(src=uri, id="result-plot", alt=f"{spec.name}: traces and operating points",
                      style="max-width: 100%;", data_run=str(run))

    # --- compare ----------------------------------------------------------------------------

    @reactive.effect
    @reactive.event(input.compare_clear)
    def _clear():
        variants.set(())
        compared.set(None)

    @reactive.effect
    @reactive.event(input.compare_run)
    def _compare():
        def action():
            if not variants():
                raise EdriveError("comparison: no variants yet; add them with 'Add to "
                                        "comparison' on the first tab")
            cycle = logic.check_cycles([input.compare_cycle()])[0]
            return cycle, [(label, spec, logic.run_cycles(spec, [cycle])[0])
                           for label, spec in variants()]

        done = guarded("compare", action)
        if done is not None:
            compared.set(done)

    @render.ui
    def compare_message():
        return _message(messages["compare"](), "compare-message")

    @render.ui
    def compare_table():
        done = compared()
        if done is None:
            names = [label for label, _ in variants()]
            return ui.div(ui.p("Variants: " + ("; ".join(names) if names else "none yet")),
                          id="compare-table")
        cycle, runs = done
        reports = [logic.scalar_report(r) for _, _, r in runs]
        keys = list(dict.fromkeys(k for rep in reports for k in rep))
        rows = ["<tr><th>" + html.escape(k) + "</th>"
                + "".join(_cell(rep.get(k), key=k, variant=i) for i, rep in enumerate(reports))
                + "</tr>" for k in keys]
        return _table("compare-table", ["quantity", *[label for label, _, _ in runs]], rows,
                      cycle=cycle)

    @render.ui
    def compare_plot():
        done = compared()
        if done is None:
            return ui.div(id="compare-plot")
        _, runs = done
        uri = guarded("compare", lambda: logic.compare_figure([(s, r) for _, s, r in runs]))
        return _image(uri, "compare-plot", "operating points of each variant")

    # --- maps and energy ---------------------------------------------------------------------

    @reactive.effect
    @reactive.event(input.edu_show)
    def _edu():
        done = guarded("maps", lambda: logic.edu_map(input.edu()))
        if done is not None:
            edu_shown.set(done)

    @render.ui
    def maps_message():
        return _message(messages["maps"](), "maps-message")

    @render.ui
    def energy_table():
        done = results()
        if done is None:
            return ui.p("Run a car on the first tab to see its energy flow.", id="energy")
        _, out = done
        rows = []
        for r in out:
            for name, kwh, share in logic.energy_flow(r):
                rows.append(f"<tr><td>{html.escape(r.cycle)}</td><th>{html.escape(name)}</th>"
                            + _cell(kwh, key=name, cycle=r.cycle)
                            + _cell(share * 100, key=f"{name}_share", cycle=r.cycle) + "</tr>")
        return _table("energy", ["cycle", "where", "energy [kWh]",
                                 "share of the energy spent [%]"], rows)

    @render.ui
    def energy_plots():
        done = results()
        if done is None:
            return ui.div(id="energy-plots")
        spec, out = done
        figures = guarded("maps", lambda: logic.energy_figures(spec, out)) or []
        return ui.div(*[ui.TagList(
            ui.img(src=losses, alt=f"{cycle}: energy by part", class_="energy-losses",
                   style="max-width: 100%;"),
            ui.img(src=flow, alt=f"{cycle}: energy flow", class_="energy-flow",
                   style="max-width: 100%;")) for cycle, losses, flow in figures],
            id="energy-plots")

    @render.ui
    def edu_table():
        done = edu_shown()
        if done is None:
            return ui.div(id="edu-summary")
        summary, _ = done
        rows = [f"<tr><th>{html.escape(k)}</th>{_cell(v, key=k)}</tr>"
                for k, v in summary.items() if not isinstance(v, list | dict)]
        return _table("edu-summary", ["quantity", "value"], rows)

    @render.ui
    def edu_plot():
        done = edu_shown()
        return _image(None if done is None else done[1], "edu-plot", "drive-unit map")

    # --- sweep --------------------------------------------------------------------------------

    @render.ui
    def sweep_inputs():
        params = logic.key_parameters(base())
        choices = {p.key: p.title for p, _ in params}
        first, value = params[0]
        return ui.TagList(
            ui.input_select("sweep_p1", "parameter", choices, selected=first.key),
            ui.input_numeric("sweep_lo1", "from", value=round(value * 0.9, 6)),
            ui.input_numeric("sweep_hi1", "to", value=round(value * 1.1, 6)),
            ui.input_numeric("sweep_n1", "steps", value=11),
            ui.input_select("sweep_p2", "second parameter (optional)",
                            {"": "(none)", **choices}, selected=""),
            ui.input_numeric("sweep_lo2", "from", value=None),
            ui.input_numeric("sweep_hi2", "to", value=None),
            ui.input_numeric("sweep_n2", "steps", value=5),
        )

    @reactive.effect
    @reactive.event(input.sweep_run)
    async def _sweep():
        def prepare():
            spec = current_spec()
            axes = [(input.sweep_p1(), input.sweep_lo1(), input.sweep_hi1(), input.sweep_n1())]
            if input.sweep_p2():
                axes.append((input.sweep_p2(), input.sweep_lo2(), input.sweep_hi2(),
                             input.sweep_n2()))
            cycle = logic.check_cycles([input.sweep_cycle()])[0]
            return spec, logic.plan_sweep(spec, axes), cycle

        ready = guarded("sweep", prepare)
        if ready is None:
            return
        spec, plan, cycle = ready
        n = len(plan)
        start = time.perf_counter()
        summaries: list[dict] = []
        with ui.Progress(min=0, max=n) as bar:
            bar.set(0, message=f"sweep: {n:,} variants")
            try:
                for a in range(0, n, logic.SWEEP_CHUNK):
                    b = min(a + logic.SWEEP_CHUNK, n)
                    summaries += await asyncio.to_thread(logic.run_sweep_chunk, spec, cycle,
                                                         plan, a, b)
                    bar.set(b, message=f"sweep: {b:,} of {n:,} variants")
            except Exception as exc:  # noqa: BLE001 - one line in the page
                messages["sweep"].set(logic.user_message(exc))
                return
        sweep_done.set((spec, plan, summaries, time.perf_counter() - start, cycle))

    @render.ui
    def sweep_message():
        return _message(messages["sweep"](), "sweep-message")

    @render.ui
    def sweep_notice():
        done = sweep_done()
        if done is None:
            return ui.div(id="sweep-notice")
        _, _, summaries, seconds, cycle = done
        refused = sum("error" in s for s in summaries)
        return _notice(f"{len(summaries):,} variants on {cycle} in {seconds:.1f} s"
                       + (f"; {refused} refused by the spec (shown as errors)" if refused
                          else ""), "sweep-notice")

    @render.ui
    def sweep_plot():
        done = sweep_done()
        if done is None:
            return ui.div(id="sweep-plot")
        spec, plan, summaries, _, _ = done
        uri = guarded("sweep", lambda: logic.sweep_figure(spec, plan, summaries))
        return _image(uri, "sweep-plot", "sweep")

    @render.ui
    def sweep_table():
        done = sweep_done()
        if done is None:
            return ui.div(id="sweep-table")
        spec, plan, summaries, _, _ = done
        table = logic.sweep_table(spec, plan, summaries)
        keys = list(dict.fromkeys(k for row in table for k in row))
        shown = table[:100]
        rows = ["<tr>" + "".join(_cell(row.get(k), key=k) for k in keys) + "</tr>"
                for row in shown]
        note = (ui.p(f"first 100 of {len(table):,} variants") if len(table) > 100 else None)
        return ui.TagList(note, _table("sweep-table", keys, rows, variants=len(table)))

    # --- plan ---------------------------------------------------------------------------------

    @reactive.effect
    @reactive.event(input.plan_run)
    async def _plan():
        messages["plan"].set("")
        plan_file.set(None)
        name = input.portfolio()
        with ui.Progress() as bar:
            bar.set(message=f"planning {name} ...")
            try:
                plan = await asyncio.to_thread(logic.bundled_plan, name)
                plan_done.set((plan, plan.to_dict()))
                bar.set(message="writing the plan report ...")
                plan_file.set(await asyncio.to_thread(logic.plan_report, plan))
            except Exception as exc:  # noqa: BLE001 - one line in the page
                messages["plan"].set(logic.user_message(exc))

    @render.ui
    def plan_link():
        done = plan_file()
        if done is None:
            return ui.div(id="plan-link")
        name, page = done
        return ui.div(ui.download_button("plan_download", f"Download {name} "
                                         f"({len(page) / 1e6:.2f} MB)"), id="plan-link")

    @render.download(filename=lambda: (plan_file() or ("plan_report.html", b""))[0],
                     media_type="text/html")
    def plan_download():
        done = plan_file()
        if done is not None:
            yield done[1]

    @render.ui
    def plan_message():
        return _message(messages["plan"](), "plan-message")

    @render.ui
    def plan_summary():
        done = plan_done()
        if done is None:
            return ui.div(id="plan-summary")
        _, rep = done
        rows = [f"<tr><th>{html.escape(k)}</th>{_cell(rep[k], key=k)}</tr>"
                for k in ("total_cost_eur", "savings_eur", "savings_share")]
        rows.append(f"<tr><th>variants</th><td>{html.escape(', '.join(rep['variants']))}"
                    "</td></tr>")
        return _table("plan-summary", ["", rep["portfolio"]], rows)

    @render.ui
    def plan_table():
        done = plan_done()
        if done is None:
            return ui.div(id="plan-table")
        _, rep = done
        keys = ["programme", "partner", "variant", "battery", "battery_capacity_kwh", "range_km",
                "accel_0_100_kmh_s", "units"]
        rows = ["<tr>" + "".join(_cell(a[k], key=k) for k in keys) + "</tr>"
                for a in rep["assignment"]]
        return _table("plan-table", keys, rows)

    @render.ui
    def plan_plot():
        done = plan_done()
        if done is None:
            return ui.div(id="plan-plot")
        uri = guarded("plan", lambda: logic.plan_figure(done[0]))
        return _image(uri, "plan-plot", "plan")


def create_app() -> App:
    """The Shiny application object (serve it with any ASGI server)."""
    return App(app_ui(), server)
