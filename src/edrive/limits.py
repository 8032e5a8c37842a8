"""Size limits that guard memory and run time. Each is a module constant where it applies
and can be raised (or lowered) with an environment variable, which error messages name."""

from __future__ import annotations

import os

from .errors import EdriveError, shown


def env_limit(variable: str, default: int) -> int:
    """``default``, or the whole number (at least 1) in the environment variable
    ``variable`` when it is set."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = int(text.replace(",", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise EdriveError(f"environment variable {variable}: {shown(text)}; allowed: a whole "
                          "number of at least 1")
    return value
