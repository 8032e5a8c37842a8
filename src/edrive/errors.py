"""Errors that reach users.

Every error edrive raises on bad input is an :class:`EdriveError`: one line that names the
field (or file), the value found and what is allowed. The command line prints it and exits
with status 2; Python callers can catch it like any ``ValueError``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class EdriveError(ValueError):
    """A problem with input that the user can fix; the message is a single line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class TraceMissError(EdriveError):
    """The vehicle could not follow the drive cycle and the caller asked for an error."""


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


SHOWN_CHARS = 80  # longer values are shortened in messages


def shown(value) -> str:
    """A value for a message: its repr, shortened in the middle when long."""
    text = repr(value)
    if len(text) <= SHOWN_CHARS:
        return text
    half = SHOWN_CHARS // 2
    return f"{text[:half]}...{text[-half:]}"
