"""Hybrids in simulate_many: the compiled route (edrive.sim.batch_hev), equal to simulate."""

import math

import pytest

from edrive import simulate, simulate_many_records
from edrive.sim import batch_hev
from edrive.sim.batch import _with
from edrive.vehicle import load_vehicle, vehicle_from_dict

HYBRIDS = ("toyota_prius_gen4", "bmw_330e", "range_rover_sport_p400e")


def _figures(summary: dict) -> dict:
    out = {k: v for k, v in summary.items()
           if k not in ("energy_j", "route") and isinstance(v, int | float)}
    return out | {f"energy_{k}": v for k, v in summary["energy_j"].items()}


def _equal(batched: dict, single: dict) -> None:
    """Every figure of the summary to 1e-9 relative (1e-9 of the energy scale for those
    near zero)."""
    a, b = _figures(batched), _figures(single)
    assert set(a) == set(b)
    scale = single["fuel_energy_j"] + abs(single["battery_terminal_j"]) + 1.0
    for k, v in b.items():
        tol = 1e-9 * scale if k.endswith("_j") else 1e-12
        if isinstance(v, float) and math.isinf(v):
            assert a[k] == v, k
        else:
            assert a[k] == pytest.approx(v, rel=1e-9, abs=tol), k
    assert batched["strategy"] == single["strategy"]


@pytest.mark.parametrize("cycle", ["udds", "wltc", "hwfet", "us06"])
def test_bundled_hybrids_take_the_compiled_route_and_equal_simulate(cycle):
    out = simulate_many_records(list(HYBRIDS), cycle)
    assert [row["route"] for row in out] == ["compiled_hev"] * len(HYBRIDS)
    for name, row in zip(HYBRIDS, out, strict=True):
        single = simulate(name, cycle).summary
        _equal(row, single)
        assert abs(row["audit_residual"]) < 1e-6  # the energy audit closes
        # charge-balanced: the stored energy changed by less than 0.5 % of the fuel energy,
        # or the fuel is corrected for the rest by eq. (1) of edrive.sim.hev
        assert (abs(row["battery_energy_change_j"]) < 0.005 * row["fuel_energy_j"]
                or row["fuel_l_per_100km"] != row["fuel_l_per_100km_raw"])


def _variant_specs(name: str, path: str, values) -> list:
    base = load_vehicle(name)
    data = base.model_dump(mode="json", exclude_none=True)
    return [vehicle_from_dict(_with(data, {path: v}), base_dir=base._base_dir)
            for v in values]


@pytest.mark.parametrize(("name", "path", "values", "differ"), [
    ("toyota_prius_gen4", "mass.test_mass_kg", [1300.0, 1530.0, 1800.0], True),
    ("toyota_prius_gen4", "battery.cell_capacity_as", [2.5 * 3600, 5.0 * 3600], True),
    ("bmw_330e", "engine.displacement_m3", [1.6e-3, 2.2e-3], True),
    # the rated power leaves the UDDS untouched (the engine never reaches full load there)
    ("bmw_330e", "engine.power_rated_w", [130e3, 150e3], False),
])
def test_hybrid_variants_equal_simulate(name, path, values, differ):
    out = simulate_many_records(name, "udds", variants={path: values})
    assert [row["route"] for row in out] == ["compiled_hev"] * len(values)
    fuels = []
    for spec, row in zip(_variant_specs(name, path, values), out, strict=True):
        _equal(row, simulate(spec, "udds").summary)
        fuels.append(row["fuel_kg"])
    assert (len(set(fuels)) == len(fuels)) == differ


def test_hybrids_the_compiled_route_does_not_take_name_their_reason():
    base = load_vehicle("toyota_prius_gen4")
    data = base.model_dump(mode="json", exclude_none=True)
    dp = vehicle_from_dict(_with(data, {"energy_management.strategy": "dp"}),
                           base_dir=base._base_dir)
    assert batch_hev.hev_reason(dp) == "dynamic programming"
    out = simulate_many_records([dp], "udds")[0]
    assert out["route"] == "single:dynamic programming"
    assert out["fuel_kg"] == simulate(dp, "udds").summary["fuel_kg"]
    outside = simulate_many_records(["toyota_prius_gen4"], "udds", soc_initial=0.9)[0]
    assert outside["route"] == "error" and "soc_initial" in outside["error"]


def test_hybrids_from_a_given_soc_take_the_compiled_route_and_equal_simulate():
    """With soc_initial the run starts there and is not charge-balanced, as in simulate."""
    out = simulate_many_records(list(HYBRIDS), "udds", soc_initial=0.55)
    assert [row["route"] for row in out] == ["compiled_hev"] * len(HYBRIDS)
    for name, row in zip(HYBRIDS, out, strict=True):
        single = simulate(name, "udds", soc_initial=0.55).summary
        _equal(row, single)
        assert row["soc_start"] == 0.55
        assert row["fuel_l_per_100km"] == row["fuel_l_per_100km_raw"]  # no balance


def test_a_run_outside_the_battery_window_is_driven_again_in_the_batch_as_alone(monkeypatch):
    """A car whose small battery, at the bottom of its window, cannot give what the trace asks
    is driven again more slowly at those intervals (edrive.sim.hev), in the batch as by
    simulate: the same call, the same numbers."""
    from edrive.sim import hev

    base = load_vehicle("toyota_prius_gen4")
    data = base.model_dump(mode="json", exclude_none=True)
    weak = vehicle_from_dict(_with(data, {"battery.power_discharge_max_w": 20e3,
                                          "battery.cell_capacity_as": 0.2 * 3600}),
                             base_dir=base._base_dir)
    again = []
    within = hev._within_battery
    monkeypatch.setattr(hev, "_within_battery", lambda *a: again.append(a[3]) or within(*a))
    single = simulate(weak, "us06", soc_initial=0.42).summary
    assert again                          # some interval was driven again
    n = len(again)
    row = simulate_many_records([weak], "us06", soc_initial=0.42)[0]
    assert again[n:] == again[:n]         # the same intervals, in the batch
    assert row["route"] == "compiled_hev"
    _equal(row, single)


def test_one_hybrid_alone_takes_the_compiled_route():
    """One car (no parallel call) gives the same summary as in a batch and as simulate."""
    alone = simulate_many_records(["bmw_330e"], "wltc")[0]
    assert alone["route"] == "compiled_hev"
    _equal(alone, simulate("bmw_330e", "wltc").summary)


def test_hybrids_run_on_threads_and_let_their_tables_go(monkeypatch):
    """Each hybrid is simulated on a thread of the pool (the calls are those of simulate),
    its candidate table let go when it is done, and the figures do not depend on the number
    of threads or on the chunking."""
    import numba

    base = load_vehicle("toyota_prius_gen4")
    specs = [vehicle_from_dict(_with(base.model_dump(mode="json", exclude_none=True),
                                     {"mass.test_mass_kg": m}))
             for m in (1450.0, 1500.0, 1550.0, 1600.0, 1650.0)]
    whole = simulate_many_records(specs, "udds")
    calls = []
    simulate_hev = batch_hev.hev.simulate_hev
    monkeypatch.setattr(batch_hev.hev, "simulate_hev",
                        lambda spec, *a, **k: calls.append(spec) or simulate_hev(spec, *a, **k))
    numba.set_num_threads(1)
    try:
        serial = simulate_many_records(specs, "udds", chunk_size=2)
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    assert calls == specs
    for a, b in zip(serial, whole, strict=True):
        assert a["route"] == "compiled_hev"
        _equal(a, b)
    assert all(s.model()._last_candidates is None for s in specs)
