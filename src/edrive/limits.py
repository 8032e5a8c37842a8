"""Size limits on input files, each overridable by an environment variable.

The limits keep a corrupt or hostile file from taking the machine's memory or time; their
defaults lie far above any real input. Each is a named constant in the module it guards and
an environment variable of the same name with ``EDRIVE_`` in front, e.g.
``EDRIVE_MAX_CYCLE_ROWS=5000000``; docs/guide.md lists them.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import EdriveError, format_path, format_value


def limit(env_var: str, default: int) -> int:
    """The limit set by the environment variable ``env_var`` (a positive integer), or
    ``default`` when it is not set."""
    text = os.environ.get(env_var, "").strip()
    if not text:
        return default
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise EdriveError(f"{env_var}: {format_value(text)}; allowed: a positive integer")
    return value



def exists(path: Path) -> bool:
    """Whether ``path`` exists; a name the file system cannot hold (too long, a NUL byte)
    does not."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def check_file(path: Path, what: str, expected: str) -> None:
    """Refuse a ``path`` that is a directory or does not exist."""
    if exists(path) and path.is_dir():
        raise EdriveError(f"{what} {format_path(path)} is a directory; expected {expected}")
    if not exists(path) or not path.is_file():
        raise EdriveError(f"{what} {format_path(path)} does not exist")


def read_bounded(path: Path, what: str, expected: str, env_var: str, default: int) -> bytes:
    """The bytes of the file ``path`` (``what`` names it in errors, e.g. ``"vehicle file"``;
    ``expected`` says what it should be, e.g. ``"a YAML file"``), refused unread when it is
    larger than the limit ``env_var`` (default ``default`` bytes)."""
    check_file(path, what, expected)
    max_bytes = limit(env_var, default)
    try:
        size = path.stat().st_size
        if size <= max_bytes:
            with path.open("rb") as fh:
                raw = fh.read(max_bytes + 1)
            size = len(raw)
    except OSError as exc:
        raise EdriveError(f"{what} {path}: cannot be read ({exc.strerror or exc})") from None
    if size > max_bytes:
        raise EdriveError(f"{what} {path}: larger than the limit of {max_bytes:,} bytes "
                          f"({env_var})")
    return raw


def read_text_bounded(path: Path, what: str, expected: str, env_var: str, default: int,
                      encoding: str = "utf-8") -> str:
    """The text of the file ``path``, read as :func:`read_bounded` reads its bytes; refused
    with one line when it is not text in ``encoding``."""
    raw = read_bounded(path, what, expected, env_var, default)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        raise EdriveError(f"{what} {path}: not UTF-8 text; expected "
                          f"{expected}") from None

