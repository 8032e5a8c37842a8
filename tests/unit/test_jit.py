"""edrive's compiled functions are cached on disk, say when they compile, and still import
where no cache folder can be written."""

import os
import subprocess
import sys
from pathlib import Path

import numba
import pytest
from numba.core import config

from edrive.sim import jit

SRC = Path(__file__).resolve().parents[2] / "src"
SCRIPT = """
import numpy as np
import edrive
t = np.arange(0.0, 31.0)
cycle = edrive.DriveCycle("ramp", t, np.minimum(t, 10.0), np.zeros_like(t))
out = edrive.simulate_many(["tesla_model3_rwd"], cycle)
assert list(out["route"]) == ["compiled_bev"], out["route"]
"""


def _run(cache_dir: Path) -> str:
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    env = os.environ | {"NUMBA_CACHE_DIR": str(cache_dir), "PYTHONPATH": path}
    res = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                         text=True, timeout=900, check=False)
    assert res.returncode == 0, res.stderr
    return res.stderr


def test_the_batch_kernel_compiles_once_with_a_notice_then_loads_from_the_cache(tmp_path):
    first = _run(tmp_path)
    assert ("edrive: compiling batch_kernel.run_variants (first run only, cached afterwards)"
            in first)
    assert first.count("batch_kernel.run_variants") == 1
    assert list(tmp_path.rglob("batch_kernel.run_variants-*.nbi"))
    second = _run(tmp_path)  # a later process: loaded from the cache, nothing said
    assert "compiling" not in second


def _fake_njit(calls, refuse):
    """numba.njit that records the options and the cache folder it saw and refuses caching
    while ``refuse(cache_dir)`` is true, as numba does where no cache folder is writable."""
    def njit(**options):
        calls.append((options.get("cache"), config.CACHE_DIR))
        if options.get("cache") and refuse(config.CACHE_DIR):
            raise RuntimeError("cannot cache function 'f': no locator available for file 'x'")
        return lambda func: func
    return njit


def _f(x):
    return x


def test_an_unwritable_install_caches_in_the_temporary_folder(monkeypatch):
    calls = []
    monkeypatch.setattr(config, "CACHE_DIR", "")
    monkeypatch.setattr(numba, "njit", _fake_njit(calls, lambda d: not d))
    assert jit.njit(cache=True)(_f) is _f
    assert calls == [(True, ""), (True, jit._temporary_cache_dir())]
    assert config.CACHE_DIR == jit._temporary_cache_dir()


def test_without_any_writable_folder_it_compiles_uncached(monkeypatch):
    calls = []
    monkeypatch.setattr(config, "CACHE_DIR", "")
    monkeypatch.setattr(numba, "njit", _fake_njit(calls, lambda d: True))
    assert jit.njit(cache=True)(_f) is _f
    assert [c[0] for c in calls] == [True, True, False]


def test_other_errors_are_not_hidden(monkeypatch):
    def njit(**options):
        raise RuntimeError("something else")
    monkeypatch.setattr(numba, "njit", njit)
    with pytest.raises(RuntimeError, match="something else"):
        jit.njit(cache=True)(_f)


def test_the_notice_names_edrive_functions_only():
    class Dispatcher:
        def __init__(self, func):
            self.py_func = func

    def mine():
        pass

    mine.__module__, mine.__qualname__ = "edrive.sim.batch_kernel", "mine"
    assert jit._name(Dispatcher(mine)) == "batch_kernel.mine"
    assert jit._name(Dispatcher(_f)) is None
    assert jit._name(None) is None


DEPENDENT = """
from edrive.sim.jit import njit
from .shared import scale

@njit(cache=True)
def run(x):
    return scale(x)
"""
SHARED = """
from numba.extending import register_jitable

FACTOR = {factor}

@register_jitable
def scale(x):
    return FACTOR * x
"""


def test_a_change_in_a_module_a_compiled_function_calls_compiles_it_again(tmp_path):
    """numba's own stamp covers the function's file only; edrive's also covers the modules it
    imports, so an edited shared equation is not served stale from the cache."""
    package = tmp_path / "pkg" / "edrive_cachetest"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "kernel.py").write_text(DEPENDENT)
    path = os.pathsep.join([str(SRC), str(tmp_path / "pkg"), os.environ.get("PYTHONPATH", "")])
    env = os.environ | {"NUMBA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": path,
                        "NUMBA_DEBUG_CACHE": "1"}  # numba says when it loads from its cache

    def run():
        code = "from edrive_cachetest.kernel import run; print('result', run(2.0))"
        res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, timeout=600, check=False)
        assert res.returncode == 0, res.stderr
        result = [line for line in res.stdout.splitlines() if line.startswith("result")]
        return float(result[0].split()[1]), "data loaded" in res.stdout

    (package / "shared.py").write_text(SHARED.format(factor="3.0"))
    assert run() == (6.0, False)
    assert run() == (6.0, True)  # from the cache
    (package / "shared.py").write_text(SHARED.format(factor="10.0"))
    assert run() == (20.0, False)  # compiled again, not the stale 6.0
    assert run() == (20.0, True)


def test_source_files_of_the_conventional_kernel_hold_the_shared_equations():
    from edrive.sim import batch_icev_kernel

    files = {Path(f).relative_to(SRC).as_posix()
             for f in jit.source_files(batch_icev_kernel.run_variants.py_func)}
    assert {"edrive/sim/batch_icev_kernel.py", "edrive/components/engine.py",
            "edrive/components/transmission.py", "edrive/maps.py",
            "edrive/sim/batch_kernel.py"} <= files
    stamp = batch_icev_kernel.run_variants._cache._cache_file._source_stamp
    assert {Path(p).relative_to(SRC).as_posix() for p, _, _ in stamp[1]} == files


def test_the_loop_counts_no_references_and_llvm_inlines_its_helpers():
    """The battery-electric loop's body and what it calls run without numba's reference
    counting (an atomic operation per array handed on: 60 % of the body's time), and the small
    helpers are inlined by LLVM rather than typed again at each call site by numba's own
    inlining (47 s to compile; docs/performance.md, "Compiling in seconds")."""
    from edrive.sim import batch_kernel as bk

    called = (bk._variant, bk._largest_feasible_speed, bk._feasible_at, bk._best_split,
              bk._into_window)
    inlined = (bk._loss, bk._unit_limits, bk._operate, bk._dc_total, bk._states,
               bk._feasible, bk._drive_interval, bk._window, bk._in_gear)
    for f in called + inlined:
        assert f.targetoptions["_nrt"] is False, f.py_func.__name__
        assert f.targetoptions.get("inline", "never") == "never", f.py_func.__name__
    assert all(f.targetoptions.get("forceinline") for f in inlined)
    assert jit.JITABLE["_nrt"] is False and jit.JITABLE["forceinline"] is True


def test_by_record_field_compiles_the_code_the_record_type_asks_for():
    """A helper chosen by a record's fields: compiled code given records without the field
    runs (and compiles) only the code for them; from Python it chooses by the dtype."""
    import numpy as np

    from edrive.sim.jit import INLINED, by_record_field, njit

    def _with(rec, k):
        return rec.a * k + rec.b

    def _without(rec, k):
        return rec.a * k

    pick = by_record_field("b", _with, _without)

    @njit(**INLINED)
    def total(rows, k):
        out = 0.0
        for i in range(rows.shape[0]):
            out += pick(rows[i], k)
        return out

    plain = np.zeros(3, dtype=[("a", float)])
    plain["a"] = [1.0, 2.0, 3.0]
    extra = np.zeros(3, dtype=[("a", float), ("b", float)])
    extra["a"], extra["b"] = [1.0, 2.0, 3.0], [10.0, 20.0, 30.0]
    assert total(plain, 2.0) == 12.0
    assert total(extra, 2.0) == 72.0
    assert len(total.signatures) == 2          # one compiled version per record type
    assert pick(plain[0], 2.0) == 2.0 and pick(extra[0], 2.0) == 12.0


def test_single_speed_cars_run_the_loop_compiled_without_the_two_speed_code():
    """The battery-electric loop's units come as UNIT_DTYPE (no low gear) unless a car of
    the chunk has a two-speed unit (TWO_SPEED_UNIT_DTYPE), and its cars as PARAM_DTYPE (no
    torque split) unless one has two drive units (TWO_UNIT_PARAM_DTYPE)."""
    from edrive.sim.batch_kernel import (
        PARAM_DTYPE,
        TWO_SPEED_UNIT_DTYPE,
        TWO_UNIT_PARAM_DTYPE,
        UNIT_DTYPE,
    )
    from edrive.sim.bev_loop import params_from_specs
    from edrive.vehicle import load_vehicle, vehicle_from_dict

    tesla = load_vehicle("tesla_model3_rwd")
    assert params_from_specs([tesla], None).units.dtype == UNIT_DTYPE
    assert params_from_specs([tesla], None).table.dtype == PARAM_DTYPE
    ipace = load_vehicle("jaguar_ipace_ev400")
    assert params_from_specs([ipace, ipace], None).table.dtype == TWO_UNIT_PARAM_DTYPE
    data = tesla.model_dump(mode="json", exclude_none=True)
    data["drive_units"][0]["gear"]["low_ratio"] = 14.0
    two = vehicle_from_dict(data, base_dir=tesla._base_dir)
    P = params_from_specs([tesla, two], None)
    assert P.units.dtype == TWO_SPEED_UNIT_DTYPE
    assert list(P.units["low_gear_ratio"][:, 0]) == [0.0, 14.0]
