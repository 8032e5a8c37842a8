"""Rows of a compiled loop shared among threads.

A compiled loop over variants that releases the GIL (numba's ``nogil``) runs on several
threads at once: :func:`run_rows` cuts the rows into slices, runs them on a pool of
``numba.get_num_threads()`` threads (the machine's cores, or ``NUMBA_NUM_THREADS``) and
stacks the outputs in row order. Slices are several per thread so that a thread that drew
cheap variants takes more (variants that miss the trace cost more than those that follow it).
One row, or one thread, runs on the calling thread.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

#: slices per thread
SLICES_PER_THREAD = 4


def run_rows(kernel, n: int, *arrays_and_args):
    """``kernel(rows_0[a:b], rows_1[a:b], *args)`` for slices [a, b) of the ``n`` rows, on
    threads; the first two arguments are the per-row arrays (sliced), the rest is passed as
    it is. Returns the outputs stacked along the first axis."""
    rows, args = arrays_and_args[:2], arrays_and_args[2:]
    threads = min(numba.get_num_threads(), n)
    if threads <= 1:
        return kernel(*rows, *args)
    cuts = np.linspace(0, n, min(n, threads * SLICES_PER_THREAD) + 1).astype(int)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        parts = pool.map(lambda ab: kernel(*(r[ab[0]:ab[1]] for r in rows), *args),
                         zip(cuts[:-1], cuts[1:]))
        return np.concatenate(list(parts))
