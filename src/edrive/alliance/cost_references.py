"""The bundled drive units' costs against published figures (``data/costs/references.yaml``).

For each reference and each bundled unit it applies to, the unit is costed in the
reference's plant and price year at the comparison volume, converted to the reference's
currency at that year's exchange rate, and set beside the published figure

    F = f_kW P + f_0                                                                    (1)

(P the unit's peak power) and the range it is judged by: ``low`` and ``high`` as factors on
F, or ``low_per_kw`` and ``high_per_kw`` per kW of P. The reference lists the units expected
outside its range, with the reason; the docs print the table.
"""

from __future__ import annotations

from ..edu import list_edus, load_edu
from .cost import COMPONENTS, edu_cost
from .cost_data import COST_FILES, ReferencesFileSpec, load_cost_data

_SCOPES = {"edu": COMPONENTS, "motor": ("motor",), "inverter": ("inverter",),
           "gearbox": ("gearbox",), "motor_inverter": ("motor", "inverter")}


def references() -> ReferencesFileSpec:
    """The bundled published figures."""
    return COST_FILES.load("references")


def compare_with_references(edus: list[str] | None = None) -> list[dict]:
    """One row per (reference, unit): our cost, the published figure and range, in the
    reference's currency and price year."""
    spec = references()
    data = load_cost_data()
    rows = []
    for key, ref in spec.references.items():
        fx = 1.0 if ref.unit == "EUR" else \
            data.series[f"exchange_rates.{ref.unit}"].entries[ref.price_year].value
        for name in edus or list_edus():
            if ref.machines is not None and load_edu(name).motor.kind not in ref.machines:
                continue
            b = edu_cost(name, year=ref.price_year, plant=ref.plant,
                         annual_units=spec.comparison["annual_units"])
            kw = b.power_w / 1e3
            ours = sum(b.component_eur(c) for c in _SCOPES[ref.scope]) * fx
            figure = ref.value_per_kw * kw + ref.value_fixed
            if ref.low_per_kw is not None:
                low, high = ref.low_per_kw * kw, ref.high_per_kw * kw
            else:
                low, high = ref.low * figure, ref.high * figure
            rows.append({"reference": key, "title": ref.title, "scope": ref.scope, "edu": name,
                         "currency": ref.unit, "price_year": ref.price_year,
                         "peak_power_kw": kw, "ours": ours, "published": figure, "low": low,
                         "high": high, "within": bool(low <= ours <= high),
                         "expected_outside": ref.expected_outside.get(name)})
    return rows
