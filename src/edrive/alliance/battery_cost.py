"""What a battery pack costs, by year, chemistry, size and power, and the pack a range needs.

**Price by year.** BloombergNEF's volume-weighted average battery-electric pack price
(``battery.pack_price_bev``: 2020-2024 surveys, 2025 and 2030 forecasts), each figure
brought to euros of the report year (eq. 1 of :mod:`edrive.alliance.cost_data`) and
interpolated linearly between the years of the series; years outside it are errors.

**Chemistry.** The average mixes NMC and LFP packs. With LFP cells a fraction d cheaper than
NMC cells (BNEF 2023: 32 %), cells a share c of the pack price (78 %) and an LFP share s of
the packs behind the average,

    P_nmc = P_avg / (1 - s d c),     P_lfp = P_nmc (1 - d c)                                (1)

**Size and power** (BatPaC-like scaling): EPA's parametric pack curve $/kWh = 261.61
kWh^-0.184 (OMEGA, after Argonne BatPaC) is used normalised to the reference pack E_ref that
the average describes, and a pack whose peak power over energy exceeds the reference ratio
r_ref pays a share k per unit of the excess (thinner electrodes, more current collector):

    p(E, P) = P_chem (E / E_ref)^-a (1 + k max(0, P / E - r_ref))                           (2)

**Range.** The pack for a range R at a consumption e (at the battery, per distance) with a
usable share u of its energy:

    E = R e / u,    cost = E p(E, P)                                                        (3)

Inputs are SI (energy in J, power in W, range in m, consumption in J/m; 180 Wh/km = 648
J/m); prices are reported per kWh. Arrays broadcast, so a plan can size many batteries at
once. The learning rate of packs (``battery.learning_rate``, 18 %) is in the data for
plans that follow cumulative volume with :func:`edrive.alliance.volume.experience_factor`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import EdriveError, format_value, unknown_name
from .cost_data import CostData, load_cost_data

CHEMISTRIES = ("nmc", "lfp")
J_PER_KWH = 3.6e6


def _positive(value, what: str, allow_zero: bool = False, upper: float | None = None):
    if isinstance(value, bool) or np.asarray(value).dtype.kind not in "iuf":
        raise EdriveError(f"{what}: {format_value(value)}; expected a number")
    arr = np.asarray(value, dtype=float)
    bad = ~np.isfinite(arr) | ((arr < 0) if allow_zero else (arr <= 0))
    if upper is not None:
        bad |= arr > upper
    if np.any(bad):
        shown = arr[bad].flat[0] if arr.ndim else float(arr)
        allowed = ("0 or more" if allow_zero else "more than 0") + (
            f" and at most {upper:g}" if upper is not None else "")
        raise EdriveError(f"{what}: {float(shown):g}; allowed: {allowed}")
    return arr


def chemistry_factor(chemistry: str, data: CostData) -> float:
    """Eq. (1): pack price of ``chemistry`` over the BEV average."""
    if chemistry not in CHEMISTRIES:
        raise unknown_name("battery chemistry", str(chemistry), CHEMISTRIES)
    d = data.number("battery.lfp_cell_discount")
    c = data.number("battery.cell_share_of_pack")
    s = data.number("battery.lfp_share_of_bev_packs")
    nmc = 1.0 / (1.0 - s * d * c)
    return nmc if chemistry == "nmc" else nmc * (1.0 - d * c)


def average_pack_price_eur_per_kwh(year, data: CostData, report_year: int):
    """BNEF BEV average for ``year`` (interpolated) in euros of ``report_year`` per kWh."""
    series = data.series["battery.pack_price_bev"]
    years = series.keys
    if isinstance(year, bool) or np.asarray(year).dtype.kind not in "iu":
        raise EdriveError(f"year: {format_value(year)}; allowed: a whole year, {years[0]:.0f} to "
                          f"{years[-1]:.0f}")
    y = np.asarray(year)
    outside = (y < years[0]) | (y > years[-1])
    if np.any(outside):
        shown = int(y[outside].flat[0]) if y.ndim else int(y)
        raise EdriveError(f"year: {shown}; the battery pack price series covers "
                          f"{years[0]:.0f} to {years[-1]:.0f}")
    eur = np.array([data.to_eur(e.value, e.unit.currency, e.price_year, report_year,
                                e.name) for _, e in sorted(series.entries.items())])
    return np.interp(y.astype(float), years, eur)


def pack_price_eur_per_kwh(energy_j, year, *, chemistry: str = "nmc", power_w=None,
                           report_year: int | None = None,
                           overrides: str | Path | dict | CostData | None = None):
    """Eq. (2): pack price [EUR per kWh] for packs of ``energy_j`` [J] (and peak ``power_w``
    [W]) bought in ``year``, in euros of ``report_year`` (default: the latest year of the
    price indices)."""
    data = load_cost_data(overrides)
    report = data.check_year(data.report_years()[1] if report_year is None else report_year,
                             "report_year")
    e = _positive(energy_j, "energy_j", upper=1e12)
    base = average_pack_price_eur_per_kwh(year, data, report) * chemistry_factor(chemistry, data)
    size = (e / data.number("battery.reference_pack_energy")) ** -data.number(
        "battery.size_exponent")
    power = 1.0
    if power_w is not None:
        ratio = _positive(power_w, "power_w", allow_zero=True, upper=1e8) / e
        power = 1.0 + data.number("battery.cost_per_power_to_energy") * np.maximum(
            0.0, ratio - data.number("battery.reference_power_to_energy"))
    return base * size * power


def pack_cost_eur(energy_j, year, **kwargs):
    """Pack cost [EUR]: energy times the eq. (2) price."""
    return np.asarray(energy_j, dtype=float) / J_PER_KWH * pack_price_eur_per_kwh(
        energy_j, year, **kwargs)


def battery_for_range(range_m, consumption_j_per_m, usable_fraction, year, **kwargs) -> dict:
    """Eq. (3): the pack a range needs and what it costs.

    Parameters
    ----------
    range_m : array_like
        Required range [m].
    consumption_j_per_m : array_like
        Consumption at the battery [J/m] (Wh/km x 3.6).
    usable_fraction : array_like
        Share of the pack's energy the vehicle uses, 0 < u <= 1.
    year : int
        Year the pack is bought.
    **kwargs
        ``chemistry``, ``power_w``, ``report_year``, ``overrides`` of
        :func:`pack_price_eur_per_kwh`.

    Returns
    -------
    dict with ``energy_j`` (the pack), ``usable_energy_j``, ``price_eur_per_kwh`` and
    ``cost_eur``.
    """
    r = _positive(range_m, "range_m", upper=1e8)
    c = _positive(consumption_j_per_m, "consumption_j_per_m", upper=1e5)
    u = _positive(usable_fraction, "usable_fraction", upper=1.0)
    usable = r * c
    energy = usable / u
    price = pack_price_eur_per_kwh(energy, year, **kwargs)
    return {"energy_j": energy, "usable_energy_j": usable, "price_eur_per_kwh": price,
            "cost_eur": energy / J_PER_KWH * price}
