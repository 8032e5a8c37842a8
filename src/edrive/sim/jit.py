"""numba's ``njit`` for edrive's compiled functions: cached on disk, a notice while compiling.

Every compiled function of edrive is declared with :func:`njit` of this module, which is
numba's with two additions:

* **A cache that works in any install.** numba writes compiled code next to the source
  (``__pycache__``), or, where that folder cannot be written (a read-only install), in the
  user's cache folder (``~/.cache/numba``), or wherever ``NUMBA_CACHE_DIR`` says. Where none
  of these can be written, numba would refuse to import the module; here the cache moves to
  a folder of the system's temporary directory (``numba-cache-edrive-<user id>``) instead,
  and only where that fails too is the function compiled without a cache (each process then
  compiles it again).
* **A notice while compiling.** Compiling takes seconds to a minute per function, once per
  machine (later processes load the cache in milliseconds). While an edrive function
  compiles, one line on stderr says so, e.g. ``edrive: compiling batch_kernel.run_variants
  (first run only, cached afterwards)...``; loading from the cache prints nothing.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading

import numba
from numba.core import config, event

_lock = threading.Lock()
_listening = False


class _CompileNotice(event.Listener):
    """Prints one line on stderr when an edrive function starts compiling (not when it is
    loaded from the cache; numba fires ``numba:compile`` only for a real compilation)."""

    def __init__(self):
        self.depth = 0
        self.told: set[str] = set()

    def on_start(self, ev):
        self.depth += 1
        name = _name(ev.data.get("dispatcher")) if isinstance(ev.data, dict) else None
        if self.depth == 1 and name is not None and name not in self.told:
            self.told.add(name)
            print(f"edrive: compiling {name} (first run only, cached afterwards)...",
                  file=sys.stderr, flush=True)

    def on_end(self, ev):
        self.depth -= 1


def _name(dispatcher) -> str | None:
    """``module.function`` of an edrive function, None for anyone else's."""
    func = getattr(dispatcher, "py_func", None)
    module = getattr(func, "__module__", "") or ""
    if not module.startswith("edrive."):
        return None
    return f"{module.rsplit('.', 1)[-1]}.{func.__qualname__}"


def _listen() -> None:
    global _listening
    with _lock:
        if not _listening:
            event.register("numba:compile", _CompileNotice())
            _listening = True


def _temporary_cache_dir() -> str:
    uid = os.getuid() if hasattr(os, "getuid") else os.getpid()
    return os.path.join(tempfile.gettempdir(), f"numba-cache-edrive-{uid}")


def njit(*args, **options):
    """``numba.njit`` with the cache made to work wherever possible and the compile notice
    (module docstring); the same arguments."""
    _listen()
    if args and callable(args[0]) and not options:  # @njit without parentheses
        return _compile(args[0], {})
    return lambda func: _compile(func, options)


def _compile(func, options):
    try:
        return numba.njit(**options)(func)
    except RuntimeError as exc:  # "cannot cache function ...: no locator available"
        if not options.get("cache") or "no locator available" not in str(exc):
            raise
    if not config.CACHE_DIR:
        config.CACHE_DIR = _temporary_cache_dir()
        try:
            return numba.njit(**options)(func)
        except RuntimeError:
            pass
    return numba.njit(**(options | {"cache": False}))(func)
