"""Quantities with units in user files, converted once to SI at load time.

A value in a vehicle or drive-unit file may be a plain number, taken to be in the SI unit
that the field's name carries (``mass_kg: 1800``), or a string with a unit
(``power_peak_w: 150 kW``, ``speed_max_rad_s: 16000 rpm``). Strings are parsed with
`pint <https://pint.readthedocs.io>`_ here and nowhere else: the numeric core only ever sees
floats in SI units.

A string is a number literal followed by a unit expression, at most ``QUANTITY_CHARS_MAX``
characters: unit names (side by side or joined by ``*`` and ``/``), parentheses, and powers
of a name or a parenthesis by an integer of one or two digits (``0.03 N/(km/h)**2``,
``1.2 kg*m**2``). Nothing else is accepted, so arithmetic on numbers (``2*75 kW``,
``10**10**10 W``) is never evaluated. The result must be a finite number.
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Annotated, Any

from pydantic import BeforeValidator

from .errors import EdriveError, format_value

# Longest quantity string read [characters]; anything longer is refused unread.
QUANTITY_CHARS_MAX = 100
# Smallest magnitude of a value other than zero, in SI units: far below any physical
# parameter of a vehicle, and far above the numbers whose reciprocals or squares leave the
# range of floating point (1e-320 A s of cell capacity would make the state of charge -inf).
MAGNITUDE_MIN = 1e-30
NEGLIGIBLE = f"0, or a magnitude of at least {MAGNITUDE_MIN:g} (in SI units)"


def negligible(value: float) -> bool:
    """Whether ``value`` is not zero but smaller in magnitude than :data:`MAGNITUDE_MIN`."""
    return 0.0 < abs(value) < MAGNITUDE_MIN

_QUANTITY = re.compile(
    r"\s*(?P<number>[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|inf(?:inity)?|nan))"
    r"\s*(?P<unit>.*?)\s*", re.IGNORECASE)
_UNIT_TOKEN = re.compile(r"\s*(?:(?P<name>%|(?:°|[^\W\d])\w*)|(?P<power>(?:\*\*|\^)\s*-?\d{1,2})"
                         r"|(?P<op>[*/])|(?P<open>\()|(?P<close>\)))")


@cache
def _registry():
    import pint

    ureg = pint.UnitRegistry()
    # Names users write that pint does not know or reads differently.
    ureg.define("kmh = kilometer / hour")
    ureg.define("percent_grade = 0.01 = pct")
    return ureg


def _is_unit_expression(text: str) -> bool:
    """Whether ``text`` is empty or only unit names (side by side: a product), ``*``, ``/``,
    balanced parentheses and small integer powers of a name or a parenthesis; ``1/`` may
    start it (``1/K``)."""
    if not text:
        return True
    one = re.match(r"1\s*(?=/)", text)
    depth, pos, last = 0, one.end() if one else 0, "name" if one else "op"
    while pos < len(text):
        m = _UNIT_TOKEN.match(text, pos)
        if m is None:
            return False
        kind = m.lastgroup
        if kind == "power" and last not in ("name", "close"):
            return False
        depth += {"open": 1, "close": -1}.get(kind, 0)
        if depth < 0:
            return False
        pos, last = m.end(), kind
    return depth == 0 and last in ("name", "close", "power")


def _parse(value: Any, si_unit: str) -> float:
    """``value`` in ``si_unit``; raises ValueError saying what is wrong (without the value)."""
    allowed = f"allowed: a number, or a number and a unit convertible to {si_unit}"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number; {allowed}")
    if isinstance(value, str):
        if len(value) > QUANTITY_CHARS_MAX:
            raise ValueError(f"longer than {QUANTITY_CHARS_MAX} characters; {allowed}")
        m = _QUANTITY.fullmatch(value)
        if m is None or not _is_unit_expression(m["unit"]):
            raise ValueError(f"cannot be read as a quantity; {allowed}")
        number = float(m["number"])
        if math.isfinite(number) and m["unit"]:
            try:
                value = _registry().Quantity(number, m["unit"]).to(si_unit).magnitude
            except Exception as exc:  # pint raises several types; all mean the same to the user
                if "Dimensionality" in type(exc).__name__:
                    raise ValueError(f"has the wrong unit; expected a quantity convertible to "
                                     f"{si_unit}") from None
                raise ValueError(f"cannot be read as a quantity; {allowed}") from None
        else:
            value = number
    try:
        value = float(value)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise ValueError(f"not a finite number; {allowed}")
    if negligible(value):
        raise ValueError(f"too small to compute with; allowed: {NEGLIGIBLE}")
    return value


def unit_to_si(text: str) -> tuple[float, tuple[tuple[str, float], ...]]:
    """The factor that takes a value in the unit ``text`` to SI base units, and the unit's
    dimensions as sorted ``(dimension, power)`` pairs. ``text`` must be a unit expression
    only (names, ``*``, ``/``, parentheses and small integer powers; ``""`` is
    dimensionless); raises :class:`EdriveError` otherwise."""
    text = text.strip()
    if len(text) > QUANTITY_CHARS_MAX or not _is_unit_expression(text):
        raise EdriveError(f"unit {format_value(text)}: not a unit expression; allowed: unit "
                          "names with *, / and small whole powers, e.g. 'kN*m/m**3'")
    try:
        q = _registry().Quantity(1.0, text) if text else _registry().Quantity(1.0)
        base = q.to_base_units()
    except Exception:  # noqa: BLE001 - pint raises several types; all mean the same here
        raise EdriveError(f"unit {format_value(text)}: not a unit this reader knows, e.g. "
                          "'kg', 'kW', 'N*m' or 'kN*m/m**3'") from None
    dims = tuple(sorted((str(k), float(v)) for k, v in base.dimensionality.items()))
    return float(base.magnitude), dims


def to_si(value: Any, si_unit: str, field: str = "value") -> float:
    """Convert ``value`` (a number, or a string such as ``"150 kW"``) to ``si_unit``.

    Numbers are returned as floats (they are taken to be in ``si_unit`` already). Strings are
    a number literal and a unit expression (``"150 kW"``, ``"0.03 N/(km/h)**2"``); no
    arithmetic in them is evaluated. Raises :class:`EdriveError` naming ``field`` when the
    value is not a finite number, cannot be parsed or has the wrong dimension.
    """
    try:
        return _parse(value, si_unit)
    except ValueError as exc:
        raise EdriveError(f"{field}: {format_value(value)}: {exc}") from None


def quantity(si_unit: str):
    """A pydantic ``BeforeValidator`` that accepts numbers or unit strings for ``si_unit``."""

    def _convert(v: Any) -> Any:
        if isinstance(v, str):
            return _parse(v, si_unit)
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
# a point on the temperature scale: "110 degC", "383.15 K" or a number in kelvin
Temperature = Annotated[float, quantity("K")]
