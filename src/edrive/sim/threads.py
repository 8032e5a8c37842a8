"""Work shared among threads: the rows of a compiled loop, or a list of items.

A compiled loop over variants that releases the GIL (numba's ``nogil``) runs on several
threads at once: :func:`run_rows` cuts the rows into slices, runs them on a pool of
``numba.get_num_threads()`` threads (the machine's cores, or ``NUMBA_NUM_THREADS``) and
stacks the outputs in row order. Slices are several per thread so that a thread that drew
cheap variants takes more (variants that miss the trace cost more than those that follow it).
One row, or one thread, runs on the calling thread. :func:`map_on_threads` does the same
for a list of items (the hybrids of a batch, each building its candidate table).
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

#: slices per thread
SLICES_PER_THREAD = 4


def map_on_threads(fn, items: list) -> list:
    """``[fn(x) for x in items]``, in order, on ``numba.get_num_threads()`` threads (on the
    calling thread for one item or one thread). Worth it where ``fn`` spends its time in
    compiled code that releases the GIL."""
    threads = min(numba.get_num_threads(), len(items))
    if threads <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(fn, items))


def run_rows(kernel, rows: tuple, args: tuple = ()):
    """``kernel(*(r[a:b] for r in rows), *args)`` for slices [a, b) of the rows of the
    arrays ``rows`` (all of one length), on threads (:func:`map_on_threads`); ``args`` are
    passed as they are. Returns the outputs stacked along the first axis, in row order."""
    n = len(rows[0])
    slices = min(n, numba.get_num_threads() * SLICES_PER_THREAD)
    if numba.get_num_threads() <= 1 or slices <= 1:
        return kernel(*rows, *args)
    cuts = np.linspace(0, n, slices + 1).astype(int)
    return np.concatenate(map_on_threads(
        lambda ab: kernel(*(r[ab[0]:ab[1]] for r in rows), *args),
        list(itertools.pairwise(cuts.tolist()))))
