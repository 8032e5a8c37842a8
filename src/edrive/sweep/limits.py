"""Limits on the size of sweeps and of the answers to their queries.

Each limit is a module constant, overridable by the environment variable named beside it
(a positive integer; ``_`` and ``,`` may group digits), and every error that a limit
raises names both. The defaults leave room for any sweep this machine can run in hours;
the limits are there to refuse a typo or a hostile file (``n: 1.0e+18``, a million levels,
a thousand workers) with one line instead of running out of memory or time.
"""

from __future__ import annotations

import os

from ..errors import EdriveError
from ..limits import limit as env_limit

# size of a sweep file [bytes]
MAX_FILE_BYTES = 1_048_576
# designs of one sweep (design.n, or the product of a grid's level counts)
MAX_DESIGNS = 10_000_000
# levels of one parameter, or steps of one range of a grid
MAX_LEVELS = 1_000
# designs of one chunk (each chunk's records are held in memory until written)
MAX_CHUNK_SIZE = 1_000_000
# designs an optimisation may evaluate (population x generations; all are held in memory)
MAX_EVALUATIONS = 200_000
# local worker processes per CPU core of this machine
WORKERS_PER_CPU = 4
# rows that ``edrive sweep query`` prints (the most --limit may ask for)
QUERY_MAX_ROWS = 100_000
# memory of DuckDB while it answers a query [MiB]
QUERY_MEMORY_MIB = 1024

_ENV = {
    "MAX_FILE_BYTES": "EDRIVE_SWEEP_MAX_FILE_BYTES",
    "MAX_DESIGNS": "EDRIVE_SWEEP_MAX_DESIGNS",
    "MAX_LEVELS": "EDRIVE_SWEEP_MAX_LEVELS",
    "MAX_CHUNK_SIZE": "EDRIVE_SWEEP_MAX_CHUNK_SIZE",
    "MAX_EVALUATIONS": "EDRIVE_SWEEP_MAX_EVALUATIONS",
    "MAX_WORKERS": "EDRIVE_SWEEP_MAX_WORKERS",
    "QUERY_MAX_ROWS": "EDRIVE_SWEEP_QUERY_MAX_ROWS",
    "QUERY_MEMORY_MIB": "EDRIVE_SWEEP_QUERY_MEMORY_MIB",
}


def limit(name: str) -> tuple[int, str]:
    """The limit ``name`` (a constant of this module) and the environment variable that
    overrides it."""
    var = _ENV[name]
    default = (WORKERS_PER_CPU * (os.cpu_count() or 1) if name == "MAX_WORKERS"
               else globals()[name])
    return env_limit(var, default), var


def check_limit(what: str, value: int, unit: str, name: str) -> None:
    """Raise ``{what}: {value} {unit}; the limit is {limit} ({VARIABLE})`` when ``value``
    exceeds the limit ``name``."""
    most, var = limit(name)
    if value > most:
        raise EdriveError(f"{what}: {value:,} {unit}; the limit is {most:,} ({var})")
