"""Checks of the arguments that the public functions take (numbers, states of charge, names
and paths), each raising one :class:`~edrive.errors.EdriveError` line that names the argument,
the value as given and what is allowed."""

from __future__ import annotations

import numbers
import os

import numpy as np

from .errors import EdriveError, format_value


def is_real_number(value) -> bool:
    """A real number that is not a bool (``True`` is not 1 W)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def real_number(value, name: str, allowed: str) -> float:
    """``value`` as a float; an error naming ``name`` unless it is a real number."""
    if not is_real_number(value):
        raise EdriveError(f"{name}: {format_value(value)}; allowed: {allowed}")
    return float(value)


def whole_number(value, name: str, minimum: int) -> int:
    """``value`` as an int; an error unless it is a whole number (not a float, not a bool)
    of at least ``minimum``."""
    if (not isinstance(value, numbers.Integral) or isinstance(value, bool | np.bool_)
            or value < minimum):
        raise EdriveError(f"{name}: {format_value(value)}; allowed: a whole number >= {minimum}")
    return int(value)


def soc_in_window(value, name: str, soc_min: float, soc_max: float) -> float:
    """A state of charge inside a battery's usable window ``soc_min..soc_max``."""
    soc = real_number(value, name, f"a state of charge from {soc_min} to {soc_max}")
    if not soc_min - 1e-9 <= soc <= soc_max + 1e-9:
        raise EdriveError(f"{name}: {format_value(value)} is outside the usable window "
                          f"{soc_min}..{soc_max}")
    return soc


def checked_name_or_path(value, name: str, allowed: str):
    """``value`` if it is a string or a path; an error naming ``name`` otherwise."""
    if not isinstance(value, str | os.PathLike):
        raise EdriveError(f"{name}: {format_value(value)}; allowed: {allowed}")
    return value
