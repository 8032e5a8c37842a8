"""``edrive cost``: what a drive unit costs, two units compared, and the cost figures.

    edrive cost EDU_SPEC [--volume N] [--year Y] [--plant DE] [--overrides FILE] [--json]
    edrive cost compare A B [--vehicle V] [--cycle C] [same options]
    edrive cost data [PREFIX] [--json]

Each command parses its arguments, calls one function of :mod:`edrive.alliance` and formats
the answer; bad input raises :class:`~edrive.errors.EdriveError`, which ``edrive``'s entry
point prints as one line with exit status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from ..errors import EdriveError, format_value
from ..report.text import echo_json, json_clean, text_table


class _UnitByDefault(TyperGroup):
    """``edrive cost EDU ...`` runs the ``unit`` command; named subcommands run as usual."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["unit", *args]
        return super().parse_args(ctx, args)


cost_app = typer.Typer(cls=_UnitByDefault, no_args_is_help=True,
                       help="Drive-unit cost: 'edrive cost EDU_SPEC', 'edrive cost compare A B', "
                            "'edrive cost data'.")

Volume = Annotated[float, typer.Option("--volume", help="units a year built in the plant")]
Cumulative = Annotated[float | None, typer.Option(
    help="units built so far (experience curve; default: the data's reference volume)")]
Year = Annotated[int, typer.Option(help="report year: euros of this year")]
Plant = Annotated[str, typer.Option(help="plant country: AT, CN, DE, GB, HU or US")]
Grade = Annotated[str, typer.Option(help="NdFeB grade of magnet machines: n42, n42sh, n42uh")]
Overrides = Annotated[Path | None, typer.Option(
    help="cost overrides file (type: cost_overrides) with your figures or a scenario")]
Json = Annotated[bool, typer.Option("--json", help="print JSON")]


@cost_app.command("unit", hidden=True)
def unit(
    spec: Annotated[str, typer.Argument(help="bundled drive-unit name or EDU YAML path")],
    volume: Volume = 200_000,
    cumulative: Cumulative = None,
    year: Year = 2024,
    plant: Plant = "DE",
    magnet_grade: Grade = "n42sh",
    overrides: Overrides = None,
    as_json: Json = False,
) -> None:
    """Bill of materials and processes of a drive unit, in euros of the report year."""
    from .cost import edu_cost

    b = edu_cost(spec, year=year, plant=plant, annual_units=volume,
                 cumulative_units=cumulative, magnet_grade=magnet_grade, overrides=overrides)
    d = b.to_dict()
    if as_json:
        echo_json(json_clean(d))
        return
    typer.echo(f"{d['edu']}: EUR of {d['year']}, plant {d['plant']}, {d['annual_units']:,.0f} "
               f"units a year, {d['cumulative_units']:,.0f} built")
    rows = [[r["component"], r["line"], "" if r["kg"] is None else f"{r['kg']:.2f}",
             f"{r['eur']:.2f}"] for r in d["lines"] if r["eur"] != 0]
    rows.append(["total", "", "", f"{d['total_eur']:.2f}"])
    typer.echo(text_table(rows, ["component", "line", "kg", "EUR"]))
    s = d["sizing"]
    typer.echo(f"direct cost EUR {d['direct_cost_eur']:.0f} ({d['direct_cost_eur_per_kw']:.2f} "
               f"EUR/kW at {d['peak_power_kw']:.0f} kW), markup EUR {d['markup_eur']:.0f}, "
               f"development and tooling EUR {d['fixed_cost_eur']:.2f} a unit")
    typer.echo(f"motor: rotor {s['rotor_diameter_m'] * 1e3:.0f} mm x "
               f"{s['stack_length_m'] * 1e3:.0f} mm, stator {s['stator_diameter_m'] * 1e3:.0f} "
               f"mm; inverter: {s['die_area_m2'] * 1e4:.1f} cm2 of dies, "
               f"{s['voltage_class_v']:.0f} V class; "
               f"gearbox: {s['gear_kg']:.1f} kg of gears, {s['output_torque_nm']:.0f} N m out")


@cost_app.command("compare")
def compare(
    spec_a: Annotated[str, typer.Argument(help="first drive unit (name or YAML)")],
    spec_b: Annotated[str, typer.Argument(help="second drive unit (name or YAML)")],
    vehicle: Annotated[str | None, typer.Option(
        help="vehicle (bundled name or YAML) for cycle energy and the battery difference")] = None,
    cycle: Annotated[str, typer.Option(help="drive cycle (bundled name or CSV)")] = "wltc",
    volume: Volume = 200_000,
    cumulative: Cumulative = None,
    year: Year = 2024,
    plant: Plant = "DE",
    magnet_grade: Grade = "n42sh",
    overrides: Overrides = None,
    as_json: Json = False,
) -> None:
    """Two drive units: cost, and in a vehicle their cycle energy and the battery it is worth."""
    from .cost_compare import compare_edu_costs

    out = compare_edu_costs(spec_a, spec_b, vehicle=vehicle, cycle=cycle, year=year,
                            plant=plant, annual_units=volume, cumulative_units=cumulative,
                            magnet_grade=magnet_grade, overrides=overrides)
    if as_json:
        echo_json(json_clean(out))
        return
    header = ["drive unit", "motor", "inverter", "gearbox", "integration", "direct", "total EUR"]
    rows = []
    for key in ("a", "b"):
        r = out[key]
        c = r["components_eur"]
        rows.append([r["edu"], *(f"{c[k]:.0f}" for k in ("motor", "inverter", "gearbox",
                                                           "integration")),
                     f"{r['direct_cost_eur']:.0f}", f"{r['total_eur']:.0f}"])
    if vehicle is not None:
        header += ["battery Wh/km", "wall Wh/km"]
        for row, key in zip(rows, ("a", "b"), strict=True):
            row += [f"{out[key]['battery_wh_per_km']:.1f}", f"{out[key]['wall_wh_per_km']:.1f}"]
    typer.echo(f"EUR of {out['year']}, plant {out['plant']}")
    typer.echo(text_table(rows, header))
    typer.echo(f"B costs EUR {out['cost_difference_eur']:+.0f} a unit relative to A")
    if vehicle is not None:
        typer.echo(
            f"{out['vehicle']} on {out['cycle']}: range {out['range_km']:.0f} km with A; for the "
            f"same range B needs {out['battery_difference_kwh']:+.2f} kWh of battery "
            f"(EUR {out['battery_difference_eur']:+.0f}; the {out['pack_kwh']:.0f} kWh "
            f"{out['chemistry'].upper()} pack costs EUR {out['pack_price_eur_per_kwh']:.0f}/kWh); "
            f"net "
            f"EUR {out['net_difference_eur']:+.0f} a vehicle ({out['units_per_vehicle']} "
            f"drive unit{'s' if out['units_per_vehicle'] > 1 else ''})")


@cost_app.command("data")
def data(
    prefix: Annotated[str, typer.Argument(help="only figures whose name starts with this")] = "",
    overrides: Overrides = None,
    as_json: Json = False,
) -> None:
    """The cost figures: value, unit, price year, range, basis and source of each."""
    from .cost_data import load_cost_data

    book = load_cost_data(overrides)
    figures = [f for n, f in sorted(book.figures.items()) if n.startswith(prefix)]
    series = [s for n, s in sorted(book.series.items()) if n.startswith(prefix)]
    if not figures and not series:
        groups = sorted({n.split(".")[0] + "." for n in [*book.figures, *book.series]})
        raise EdriveError(f"prefix: no cost figure starts with {format_value(prefix)}; names "
                          f"start with: {', '.join(groups)}")
    if as_json:
        echo_json({"files": list(book.files), "figures": [f.as_dict() for f in figures],
                    "series": [{"name": s.name, "key": s.key, "unit": s.unit.text,
                                "basis": s.basis, "source": s.source,
                                "values": {k: e.as_dict() for k, e in sorted(s.entries.items())}}
                               for s in series]})
        return
    typer.echo(f"cost data files: {', '.join(book.files)}")
    rows = [[f.name, f"{f.value:g}", f.unit.text, f.price_year or "",
             f"{f.low:g}-{f.high:g}", f.basis, f.source[:60]] for f in figures]
    rows += [[s.name, f"{len(s.entries)} values", s.unit.text,
              f"{min(s.entries)}-{max(s.entries)}" if s.key == "year" else "", "", s.basis,
              s.source[:60]] for s in series]
    typer.echo(text_table(rows, ["name", "value", "unit", "price year", "range", "basis",
                             "source"]))
