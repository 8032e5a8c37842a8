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
