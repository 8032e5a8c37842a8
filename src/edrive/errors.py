"""Errors that reach users.

Every error edrive raises on bad input is an :class:`EdriveError`: one line that names the
field (or file), the value found and what is allowed. The command line prints it and exits
with status 2; Python callers can catch it like any ``ValueError``.
"""

from __future__ import annotations

import difflib
import math
import reprlib
from collections.abc import Iterable
from typing import Any

# Longest rendering of one value in an error message [characters]; longer ones are cut.
VALUE_CHARS_MAX = 60


class EdriveError(ValueError):
    """A problem with input that the user can fix; the message is a single line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class TraceMissError(EdriveError):
    """The vehicle could not follow the drive cycle and the caller asked for an error."""


class _ShortRepr(reprlib.Repr):
    """``repr`` with YAML's spelling of booleans and null, plain numbers and bounded length."""

    def __init__(self):
        super().__init__()
        self.maxlevel = 2
        self.maxtuple = self.maxlist = self.maxarray = self.maxdict = 4
        self.maxset = self.maxfrozenset = self.maxdeque = 4
        self.maxstring = self.maxlong = self.maxother = VALUE_CHARS_MAX

    def repr1(self, x, level):
        if hasattr(x, "item") and getattr(x, "ndim", None) == 0:  # a numpy scalar
            x = x.item()
        if isinstance(x, bool):
            return "true" if x else "false"
        if x is None:
            return "null"
        if isinstance(x, int) and abs(x) >= 10**VALUE_CHARS_MAX:
            return f"<integer of {math.floor(math.log10(abs(x))) + 1} digits>"
        return super().repr1(x, level)


_SHORT = _ShortRepr()


def format_value(value: Any) -> str:
    """A value as the user wrote it, short enough for a one-line message.

    Numbers print plainly (``1500.0``, never ``np.float64(1500.0)``), booleans and null as
    YAML spells them (``true``, ``null``), strings quoted, and anything longer than
    ``VALUE_CHARS_MAX`` characters is cut with ``...``; containers show their first few items
    only, so a huge or deeply nested value costs no more than a small one.
    """
    text = _SHORT.repr(value)
    if len(text) > VALUE_CHARS_MAX:
        text = text[:VALUE_CHARS_MAX - 3] + "..."
    return text


PATH_CHARS_MAX = 240  # paths are shown whole up to this length, then cut in the middle


def format_path(path) -> str:
    """A file path for a message: quoted as the user wrote it, cut in the middle only when
    longer than ``PATH_CHARS_MAX`` characters (a path is useless without its end)."""
    text = repr(str(path))
    if len(text) <= PATH_CHARS_MAX:
        return text
    half = (PATH_CHARS_MAX - 3) // 2
    return f"{text[:half]}...{text[-half:]}"


def suggest(name: str, choices: Iterable[str]) -> str:
    """Return a ``did you mean ...?`` hint for ``name`` among ``choices`` (or an empty string)."""
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.5)
    if not close:
        return ""
    return " (did you mean " + " or ".join(format_value(c) for c in close) + "?)"


def unknown_name(kind: str, name: str, choices: Iterable[str]) -> EdriveError:
    """Error for a name that is not in a registry, listing the choices and close matches."""
    choices = sorted(str(c) for c in choices)
    hint = suggest(name, choices) if isinstance(name, str) else ""
    return EdriveError(
        f"unknown {kind} {format_value(name)}{hint}; available: "
        f"{', '.join(choices)}"
    )
