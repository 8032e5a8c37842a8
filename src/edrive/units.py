"""Quantities with units in user files, converted once to SI at load time.

A value in a vehicle or drive-unit file may be a plain number, taken to be in the SI unit
that the field's name carries (``mass_kg: 1800``), or a string with a unit
(``power_peak_w: 150 kW``, ``speed_max_rad_s: 16000 rpm``). Strings are parsed with
`pint <https://pint.readthedocs.io>`_ here and nowhere else: the numeric core only ever sees
floats in SI units.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from pydantic import BeforeValidator

from .errors import EdriveError


@cache
def _registry():
    import pint

    ureg = pint.UnitRegistry()
    # Names users write that pint does not know or reads differently.
    ureg.define("kmh = kilometer / hour")
    ureg.define("percent_grade = 0.01 = pct")
    return ureg


def to_si(value: Any, si_unit: str, field: str = "value") -> float:
    """Convert ``value`` (a number, or a string such as ``"150 kW"``) to ``si_unit``.

    Numbers are returned unchanged (they are taken to be in ``si_unit`` already).
    Raises :class:`EdriveError` naming ``field`` when the string cannot be parsed or has
    the wrong dimension.
    """
    if isinstance(value, bool):
        raise EdriveError(f"{field}: expected a number or a quantity in {si_unit}, got {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        raise EdriveError(f"{field}: expected a number or a quantity in {si_unit}, got {value!r}")
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    ureg = _registry()
    try:
        q = ureg.Quantity(text)
        return float(q.to(si_unit).magnitude)
    except Exception as exc:  # pint raises several types; all mean the same to the user
        kind = type(exc).__name__
        if "Dimensionality" in kind:
            raise EdriveError(
                f"{field}: {value!r} has the wrong unit; expected a quantity convertible to "
                f"{si_unit}"
            ) from None
        raise EdriveError(
            f"{field}: cannot read {value!r} as a quantity in {si_unit}"
        ) from None


def quantity(si_unit: str):
    """A pydantic ``BeforeValidator`` that accepts numbers or unit strings for ``si_unit``."""

    def _convert(v: Any) -> Any:
        if isinstance(v, str):
            return to_si(v, si_unit, field=f"quantity in {si_unit}")
        return v

    return BeforeValidator(_convert)


# Annotated float types for spec fields (value always in SI once validated).
Mass = Annotated[float, quantity("kg")]
Length = Annotated[float, quantity("m")]
Area = Annotated[float, quantity("m**2")]
Power = Annotated[float, quantity("W")]
Torque = Annotated[float, quantity("N*m")]
AngularSpeed = Annotated[float, quantity("rad/s")]
Speed = Annotated[float, quantity("m/s")]
Force = Annotated[float, quantity("N")]
ForcePerSpeed = Annotated[float, quantity("N/(m/s)")]
ForcePerSpeed2 = Annotated[float, quantity("N/(m/s)**2")]
Energy = Annotated[float, quantity("J")]
Voltage = Annotated[float, quantity("V")]
Current = Annotated[float, quantity("A")]
Charge = Annotated[float, quantity("A*s")]
Resistance = Annotated[float, quantity("ohm")]
Inertia = Annotated[float, quantity("kg*m**2")]
Acceleration = Annotated[float, quantity("m/s**2")]
Time = Annotated[float, quantity("s")]
