"""Rows of a compiled loop shared among threads (edrive.sim.threads.run_rows)."""

import threading

import numba
import numpy as np
import pytest

from edrive.sim.threads import run_rows


def _kernel(seen):
    def kernel(a, b, scale):
        seen.append((threading.get_ident(), len(a)))
        return np.stack([a * scale, b], axis=1)
    return kernel


@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_rows_come_back_in_order_and_complete(n):
    a, b = np.arange(n, dtype=float), -np.arange(n, dtype=float)
    seen = []
    out = run_rows(_kernel(seen), (a, b), (2.0,))
    assert np.array_equal(out, np.stack([2 * a, b], axis=1))
    assert sum(m for _, m in seen) == n  # every row once


def test_one_row_runs_on_the_calling_thread():
    seen = []
    run_rows(_kernel(seen), (np.ones(1), np.ones(1)), (1.0,))
    assert seen == [(threading.get_ident(), 1)]


def test_many_rows_are_cut_into_slices_on_a_pool():
    if numba.get_num_threads() < 2:
        pytest.skip("one thread: nothing to share")
    seen = []
    run_rows(_kernel(seen), (np.ones(1000), np.ones(1000)), (1.0,))
    assert len(seen) > 1
    assert threading.get_ident() not in {t for t, _ in seen}


def test_map_on_threads_keeps_the_order():
    from edrive.sim.threads import map_on_threads

    assert map_on_threads(lambda x: x * x, list(range(50))) == [x * x for x in range(50)]
    assert map_on_threads(lambda x: x, []) == []
