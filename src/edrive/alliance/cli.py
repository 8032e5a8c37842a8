"""Alliance commands: ``edrive fleet-co2``.

Each command parses its arguments, calls one function of :mod:`edrive.alliance` and formats
the answer; bad input raises :class:`~edrive.errors.EdriveError`, which ``edrive``'s entry
point prints as one line with exit status 2.
"""

from __future__ import annotations

import math
from typing import Annotated

import typer

from ..report.text import echo_json, json_clean, text_table

alliance_app = typer.Typer(no_args_is_help=True)


def _money_m(value) -> str:
    return "-" if value is None or math.isnan(value) else f"{value / 1e6:,.1f}"


def _num(value, fmt: str = ".1f") -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else format(value, fmt)


def _share(value) -> str:
    return "none meets it" if value is None else f"{value * 100:.1f} %"


@alliance_app.command("fleet-co2")
def fleet_co2(
    fleet: Annotated[str, typer.Argument(help="fleet file (YAML) or bundled fleet name")],
    year: Annotated[int | None, typer.Option(help="assess this year (default: the file's)")] = None,
    pool: Annotated[list[str] | None, typer.Option(
        "--pool", help="pool with this maker's fleet (file or name; repeatable)")] = None,
    rules: Annotated[str | None, typer.Option(
        help="rule pack: EU, GB or a rule-pack YAML file (default: the fleet's jurisdiction)")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Fleet CO2 compliance: each maker's average, target, ZLEV factor, distance, premium;
    the pool; the electric share that meets the target."""
    from .fleet_co2 import compliance_report

    rep = compliance_report(fleet, pool or [], year=year, rules=rules)
    if as_json:
        echo_json(json_clean(rep))
        return
    cur = rep["currency"]
    typer.echo(f"{rep['jurisdiction']} {rep['year']}: target method {rep['target_method']}")
    rows_of = [*rep["makers"], *([rep["pool"] | {"maker": "pool"}] if rep["pool"] else [])]
    if rep["target_method"] == "zev_mandate":
        c = cur.lower()
        typer.echo(text_table([[r["maker"], f"{r['registrations']:,.0f}",
                            f"{r['zev_share'] * 100:.1f}",
                            f"{r['zev_share_required'] * 100:.0f}",
                            f"{r['zev_allowance_deficit']:,}", _money_m(r[f"zev_payment_{c}"]),
                            _num(r["non_zev_average_g_per_km"]),
                            _num(r["non_zev_target_g_per_km"]),
                            _money_m(r[f"non_zev_co2_payment_{c}"])] for r in rows_of],
                          ["maker", "cars", "ZEV %", "required %", "deficit cars",
                           f"ZEV payment {cur} m", "non-ZEV g/km", "target g/km",
                           f"CO2 payment {cur} m"]))
        for r in rows_of:
            typer.echo(f"{r['maker']}: ZEV share that meets the mandate "
                       f"{_share(r['electric_share_needed'])}")
    else:
        prem = f"premium_{cur.lower()}"
        typer.echo(text_table([[r["maker"], f"{r['registrations']:,.0f}",
                            f"{r['average_g_per_km']:.2f}", f"{r['target_g_per_km']:.2f}",
                            f"{r['zlev_factor']:.3f}",
                            f"{r['distance_to_target_g_per_km']:+.2f}", _money_m(r[prem])]
                           for r in rows_of],
                          ["maker", "cars", "average g/km", "target g/km", "ZLEV factor",
                           "distance g/km", f"premium {cur} m"]))
        for r in rep["makers"]:
            if r["electric_model"] is None:
                typer.echo(f"{r['maker']}: no zero-emission model to grow (set electric_model)")
                continue
            typer.echo(f"{r['maker']}: {r['electric_model']} is {r['electric_share'] * 100:.1f} % "
                       f"of the cars; the target is met at {_share(r['electric_share_needed'])}"
                       " (the other models shrinking in proportion)")
        if rep["pool"] and rep["pool"]["electric_model"] is not None:
            typer.echo(f"pool: met when {rep['makers'][0]['maker']}'s "
                       f"{rep['pool']['electric_model']} is "
                       f"{_share(rep['pool']['electric_share_needed_for_pool'])} of its cars")
    avg = rep["averaging"]
    if avg:
        head = f"{avg['years'][0]}-{avg['years'][-1]} average"
        if avg["complete"]:
            typer.echo(f"{head}: {avg['average_g_per_km']:.2f} g/km against "
                       f"{avg['target_g_per_km']:.2f} g/km, premium "
                       f"{_money_m(avg[f'premium_{cur.lower()}'])} {cur} m")
        else:
            typer.echo(f"{head} of the years given ({', '.join(map(str, avg['years']))}): "
                       f"{avg['average_g_per_km']:.2f} g/km against "
                       f"{avg['target_g_per_km']:.2f} g/km (incomplete, no premium)")
    unverified = rep["rules"]["unverified_constants"]
    if unverified:
        typer.echo(f"not verified against the legal text ({len(unverified)}): "
                   f"{', '.join(unverified)}")


PLAN_FILES = ("plan.json", "assignment.csv", "plants.csv", "plan.png")


@alliance_app.command("plan")
def plan(
    portfolio: Annotated[str, typer.Argument(help="portfolio file (YAML) or bundled name")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    out: Annotated[str | None, typer.Option(
        help="folder for plan.json, assignment.csv, plants.csv and plan.png")] = None,
    workers: Annotated[int, typer.Option(help="local processes for the fit")] = 1,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address for the fit (instead of local workers)")] = None,
    draws: Annotated[int, typer.Option(
        help="Monte Carlo draws of volumes and material prices (0: named scenarios only)")] = 10,
    seed: Annotated[int, typer.Option(help="seed of the draws")] = 1,
    time_limit: Annotated[float, typer.Option(help="time limit of each solve [s]")] = 60.0,
    gap: Annotated[float, typer.Option(help="relative optimality gap of each solve")] = 1e-4,
    co2_year: Annotated[int | None, typer.Option(
        help="fleet-CO2 assessment year (default: the first plan year)")] = None,
) -> None:
    """Plan the alliance: the drive-unit family for every programme of both makers, the
    saving against each maker alone, who pays what, joint purchasing, plants, fleet CO2 and
    the plan under uncertainty."""
    from pathlib import Path

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ..io.output import check_output
    from .plan import plan_portfolio

    files = {}
    if out is not None:
        files = {name: Path(out) / name for name in PLAN_FILES}
        for name, path in files.items():
            check_output(path, "--out", plot=name.endswith(".png"))
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  transient=True, console=console, disable=not console.is_terminal) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task({"fit": "simulating cars", "scenarios":
                                             "solving scenarios"}.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = plan_portfolio(portfolio, workers=workers, scheduler=scheduler,
                                progress=progress, time_limit_s=time_limit, mip_gap=gap,
                                draws=draws, seed=seed, co2_year=co2_year)
    rep = result.to_dict()
    if files:
        _write_plan_files(result, rep, files)
    if as_json:
        echo_json(rep)
        return
    _echo_plan(rep)
    if files:
        typer.echo(f"plan written to {out} ({', '.join(PLAN_FILES)})")


def _write_plan_files(result, rep: dict, files: dict) -> None:
    import json

    import pandas as pd

    from ..io.output import write_outputs
    from ..report.plots import plan_figure_png

    assignment = pd.DataFrame(rep["assignment"]).to_csv(index=False)
    plants = pd.json_normalize(rep["plants"]["plants"], sep="_").to_csv(index=False)
    write_outputs({files["plan.json"]: json.dumps(rep, indent=2, allow_nan=False),
                   files["assignment.csv"]: assignment, files["plants.csv"]: plants,
                   files["plan.png"]: plan_figure_png(result)})


def _echo_plan(rep: dict) -> None:
    m = lambda v: _money_m(v)
    typer.echo(f"{rep['portfolio']}: {len(rep['assignment'])} programmes, "
               f"{len(rep['variants'])} drive-unit variants: {', '.join(rep['variants'])}")
    typer.echo(text_table([[a["programme"], a["partner"], a["variant"], a["battery"],
                            f"{a['battery_capacity_kwh']:.0f}", f"{a['range_km']:.0f}",
                            _num(a["accel_0_100_kmh_s"]), f"{a['units']:,.0f}"]
                           for a in rep["assignment"]],
                          ["programme", "partner", "variant", "battery", "kWh", "range km",
                           "0-100 s", "units"]))
    typer.echo("")
    alone = rep["standalone_cost_eur"]
    typer.echo(f"together EUR {m(rep['total_cost_eur'])} m; alone "
               + ", ".join(f"{k} EUR {m(v)} m" for k, v in alone.items())
               + f"; saving EUR {m(rep['savings_eur'])} m ({rep['savings_share'] * 100:.1f} %)")
    for sw in rep["switches"]:
        typer.echo(f"  {sw['programme']} ({sw['partner']}): {sw['alone']} alone, "
                   f"{sw['together']} together")
    shares = rep["cost_shares"]
    typer.echo(f"development of the family: EUR {m(shares['development_eur'])} m, split:")
    partners = list(alone)
    typer.echo(text_table([[rule, *(m(r["development_eur"][p]) for p in partners),
                            *(m(r["saving_eur"][p]) for p in partners),
                            "yes" if r["in_core"] else "no"]
                           for rule, r in shares["rules"].items()],
                          ["rule", *(f"{p} pays m" for p in partners),
                           *(f"{p} saves m" for p in partners), "in core"]))
    buy = rep["purchasing"]
    if "by_partner_eur" in buy:
        typer.echo(f"joint purchasing saves EUR {m(buy['saving_eur'])} m ("
                   + ", ".join(f"{k} {m(v)}" for k, v in buy["by_partner_eur"].items())
                   + f"; {buy['split']})")
    plants = rep["plants"]
    rows = {}
    for r in plants["plants"]:
        rows.setdefault(r["plant"], []).append(r)
    typer.echo(text_table([[name, f"{sum(r['volume_units'] for r in rs):,.0f}",
                            f"{max(r['utilisation'] for r in rs) * 100:.0f}",
                            f"{max(r['steps'] for r in rs)}",
                            f"{max(r['shadow_price_eur_per_unit'] for r in rs):,.0f}"]
                           for name, rs in rows.items()],
                          ["plant", "units over the plan", "peak use %", "expansion steps",
                           "top shadow price EUR/unit"]))
    for s in plants["shortfalls"]:
        typer.echo(f"  {s}")
    co2 = rep["fleet_co2"]
    for jur, entry in co2["jurisdictions"].items():
        cur = entry["currency"]
        pays = ", ".join(f"{k} {cur} {m(v)} m" for k, v in entry["payments"].items())
        pool = "" if entry["pool"] is None else (
            f"; pooled {cur} {m(entry['pool_payment'])} m (gain {cur} {m(entry['pool_gain'])} m)")
        typer.echo(f"fleet CO2 {jur} {co2['year']} with the plan's cars: {pays}{pool}")
    risk = rep["uncertainty"]
    typer.echo(f"uncertainty: the plan's family is the best in "
               f"{risk['plan_family_best_share'] * 100:.0f} % of {len(risk['scenarios'])} "
               f"scenarios ({risk['draws']} draws, seed {risk['seed']})")
    for fam, r in risk["families"].items():
        typer.echo(f"  {fam}: best in {r['best_in']}, mean regret EUR "
                   f"{m(r['mean_regret_eur'])} m, worst EUR {m(r['max_regret_eur'])} m")
    s, t = rep["solver"], rep["timing_s"]
    typer.echo(f"solver: {s['status']}, gap {s['gap']:.1e} (worst of all solves "
               f"{s['worst_gap']:.1e}); time: fit {t['fit']:.1f} s, solves "
               f"{t['total'] - t['fit']:.1f} s")
