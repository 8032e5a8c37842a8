"""Errors that reach users.

Every error edrive raises on bad input is an :class:`EdriveError`: one line that names the
field (or file), the value found and what is allowed. The command line prints it and exits
with status 2; Python callers can catch it like any ``ValueError``.
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable


class EdriveError(ValueError):
    """A problem with input that the user can fix; the message is a single line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class TraceMissError(EdriveError):
    """The vehicle could not follow the drive cycle and the caller asked for an error."""


class _ShortRepr(reprlib.Repr):
    """``repr`` bounded in depth, items and characters, so that an error message stays short
    whatever the value: YAML aliases let a small file describe a structure of billions of
    items, which a plain ``repr`` would expand in full."""

    def __init__(self):
        super().__init__()
        self.maxlevel = 3
        self.maxtuple = self.maxlist = self.maxdict = self.maxset = self.maxfrozenset = 6
        self.maxstring = self.maxother = 60
        self.maxlong = 40

    def repr1(self, x, level):
        if type(x).__module__ == "numpy" and getattr(x, "ndim", None) == 0:
            x = x.item()  # 1.5, not np.float64(1.5)
        return super().repr1(x, level)


SHOWN_MAX_CHARS = 80
_short_repr = _ShortRepr()


def shown(value) -> str:
    """A value as an error message shows it: its ``repr``, at most ``SHOWN_MAX_CHARS``
    characters (nested and long values abridged with ``...``)."""
    text = _short_repr.repr(value)
    return text if len(text) <= SHOWN_MAX_CHARS else text[:SHOWN_MAX_CHARS - 3] + "..."


def suggest(name: str, choices: Iterable[str]) -> str:
    """Return a ``did you mean ...?`` hint for ``name`` among ``choices`` (or an empty string)."""
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.5)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"


def unknown_name(kind: str, name: str, choices: Iterable[str]) -> EdriveError:
    """Error for a name that is not in a registry, listing the choices and close matches."""
    choices = sorted(choices)
    return EdriveError(
        f"unknown {kind} {name!r}{suggest(name, choices)}; available: {', '.join(choices)}"
    )
