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
* **A cache that notices the functions it calls.** numba's cache is valid while the source
  file of the compiled function is unchanged (its modification time and size), but a
  compiled function inlines what it calls from other modules (the shared equations of
  :mod:`edrive.components`), and a change there would leave the cached code stale. Here the
  stamp also holds the modification time and size of every edrive module its module imports,
  directly or in turn (:func:`source_files`), so editing any of them compiles the function
  again.
* **Two sets of options for the loops' helpers** (:data:`INLINED`, :data:`NO_REFCOUNT`). A
  compiled loop calls small helper functions at every step. numba's own inlining
  (``inline="always"``) copies a helper's code into each caller before type inference, which
  infers the types again at every call site: the battery-electric loop, built that way, took
  46 s to compile. numba's ``forceinline`` instead marks the helper for LLVM to inline into
  the compiled caller (the same machine code, a fraction of the compile time: 7 s). And a
  function that takes arrays counts references to them (an atomic increment and decrement
  each time an array is passed on); in the battery-electric loop compiled as a function of
  its own that took 60 % of its time (measured with ``perf``), which is why it had been
  inlined into the parallel loop (whose body numba compiles without counting). Helpers
  that allocate nothing are compiled without the reference counting (``_nrt=False``; the
  callers allocate their work arrays) and with numpy's error model (a division by zero
  gives inf or NaN, as in the parallel loop's body, instead of raising).
* **Code chosen by a record's fields** (:func:`by_record_field`): a helper whose compiled
  code depends on whether the record it is given has a field (a drive unit with a low gear),
  so that a loop over records without it compiles none of that code.
* **A notice while compiling.** Compiling takes seconds to a minute per function, once per
  machine (later processes load the cache in milliseconds). While an edrive function
  compiles, one line on stderr says so, e.g. ``edrive: compiling batch_kernel.run_variants
  (first run only, cached afterwards)...``; loading from the cache prints nothing.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
import os
import sys
import tempfile
import threading
from pathlib import Path

import numba
import numpy as np
from numba.core import config, event
from numba.extending import overload, register_jitable

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


#: Options of a compiled helper that allocates nothing, for LLVM to inline into its callers
#: (module docstring).
INLINED = {"cache": True, "error_model": "numpy", "_nrt": False, "forceinline": True}
#: Options of a compiled function that allocates nothing, called (not inlined): a search or a
#: rarely taken branch, or a loop's body per variant.
NO_REFCOUNT = {"cache": True, "error_model": "numpy", "_nrt": False}


#: numba options of a shared equation compiled into the loops (:func:`jitable`).
JITABLE = {"error_model": "numpy", "_nrt": False, "forceinline": True}


def jitable(func):
    """A shared equation (``edrive.components``, ``edrive.maps``), callable from Python as it
    is and from compiled code, where LLVM inlines it into the caller, without reference
    counting and with numpy's error model (:data:`INLINED`; numba's ``register_jitable``)."""
    return register_jitable(**JITABLE)(func)


def by_record_field(field: str, with_field, without_field):
    """A helper for compiled code that runs ``with_field`` where its first argument is a
    numpy record with ``field`` and ``without_field`` where it has not (both plain Python
    functions of the same arguments, inlined by LLVM). numba picks one by the record's type
    when it compiles the caller, so a caller given records without the field compiles only
    ``without_field`` (the battery-electric loop compiles the two-speed gear's code only for
    cars that have one). Called from Python, it does the same by the record's dtype.

    The record types must not extend one another at the same offsets (a field added at the
    end): numba would take the longer one for the shorter and run the code compiled for it.
    Put the extra field first."""
    def helper(record, *args):
        names = getattr(getattr(record, "dtype", None), "names", None) or ()
        if isinstance(record, np.void):   # a structured scalar: its fields as attributes
            record = record.view(np.dtype((np.record, record.dtype)))
        return (with_field if field in names else without_field)(record, *args)

    helper.__name__ = helper.__qualname__ = with_field.__name__.lstrip("_") + "_by_" + field
    helper.__module__ = with_field.__module__

    def _choose(record, *args):
        return with_field if field in getattr(record, "fields", {}) else without_field

    _choose.__signature__ = inspect.signature(with_field)  # numba checks it against both
    overload(helper, jit_options=JITABLE)(_choose)
    return helper


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


def source_files(func) -> list[str]:
    """Source files of the edrive modules a compiled ``func`` may take code or constants from:
    its own module and, in turn, every edrive module imported at the top of one of them
    (imports inside functions do not count: compiled code cannot make them)."""
    seen: set[str] = set()
    files, todo = [], [getattr(func, "__module__", None) or ""]
    while todo:
        module = todo.pop()
        if not module.startswith("edrive") or module in seen or module not in sys.modules:
            continue
        seen.add(module)
        path = getattr(sys.modules[module], "__file__", None)
        if not path:
            continue
        files.append(path)
        todo += _imports(module, path)
    return sorted(files)


@functools.cache
def _imports(module: str, path: str) -> list[str]:
    """The modules (or, for ``from m import name``, ``m.name`` where that is a module, else
    ``m``) that ``module`` imports at its top level."""
    out = []
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    for node in _top_level(ast.parse(Path(path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (importlib.util.resolve_name("." * node.level + (node.module or ""), package)
                    if node.level else node.module or "")
            out += [f"{base}.{a.name}" if f"{base}.{a.name}" in sys.modules else base
                    for a in node.names]
    return out


def _top_level(tree):
    """The statements of a module outside function and class bodies."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        yield node
        todo += [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]


def _stamp_dependencies(dispatcher, func):
    """Add the stamps of the files ``func`` can reach to the dispatcher's cache stamp (module
    docstring); a dispatcher without a disk cache is left as it is."""
    cache_file = getattr(getattr(dispatcher, "_cache", None), "_cache_file", None)
    if cache_file is None or not hasattr(cache_file, "_source_stamp"):
        return
    stamps = []
    for path in source_files(func):
        st = os.stat(path)
        stamps.append((path, st.st_mtime, st.st_size))
    cache_file._source_stamp = (cache_file._source_stamp, tuple(stamps))


def _compile(func, options):
    dispatcher = _compile_cached(func, options)
    if options.get("cache"):
        try:
            _stamp_dependencies(dispatcher, func)
        except OSError:  # a source file that cannot be read: numba's own stamp stays
            pass
    return dispatcher


def _compile_cached(func, options):
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
