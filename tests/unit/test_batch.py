"""simulate_many equals simulate, variant by variant (1e-9 of the energy scale)."""

import numpy as np
import pytest

from edrive import DriveCycle, EdriveError, simulate, simulate_many, simulate_many_records
from edrive.sim.batch import _with
from edrive.vehicle import load_vehicle, vehicle_from_dict

KEYS = ("battery_energy_j", "battery_chemical_energy_j", "wall_energy_j", "regen_energy_j",
        "distance_m", "trace_missed_s")


def _same(batched: dict, single: dict, audit_max: float = 1e-9):
    scale = abs(single["battery_chemical_energy_j"]) + single["energy_j"]["road_load_j"] + 1.0
    for k in KEYS:
        assert batched[k] == pytest.approx(single[k], rel=1e-9, abs=1e-9 * scale), k
    assert batched["soc_end"] == pytest.approx(single["soc_end"], rel=1e-9, abs=1e-12)
    for k, v in single["energy_j"].items():
        assert batched["energy_j"][k] == pytest.approx(v, rel=1e-9, abs=1e-9 * scale), k
    assert abs(batched["audit_residual"]) < audit_max


def test_list_of_vehicles_of_every_kind():
    names = ["tesla_model3_rwd", "mini_cooper_se", "jaguar_ipace_ev400", "bmw_330i",
             "nissan_leaf_40kwh"]
    out = simulate_many_records(names, "udds")
    for name, summary in zip(names, out, strict=True):
        single = simulate(name, "udds").summary
        if "fuel_l" in single:  # conventional cars: their own compiled path
            assert summary["fuel_l"] == pytest.approx(single["fuel_l"], rel=1e-9)
        else:
            _same(summary, single)


@pytest.mark.parametrize("cycle", ["wltc", "us06"])
def test_variants_equal_single_simulations(cycle):
    base = load_vehicle("tesla_model3_rwd")
    rng = np.random.default_rng(3)
    n = 24
    var = {"drive_units.0.motor.power_peak_w": rng.uniform(60e3, 250e3, n),
           "drive_units.0.gear.ratio": rng.uniform(6, 11, n),
           "battery.cells_parallel": rng.integers(1, 3, n).astype(float),
           "mass.test_mass_kg": rng.uniform(1500, 2600, n),
           # low charge limits make the regeneration cut-back bind
           "battery.power_charge_max_w": rng.uniform(15e3, 150e3, n)}
    out = simulate_many_records(base, cycle, variants=var)
    data = base.model_dump(mode="json", exclude_none=True)
    missed = 0
    for k in range(n):
        spec = vehicle_from_dict(_with(data, {p: float(v[k]) for p, v in var.items()}))
        single = simulate(spec, cycle).summary
        _same(out[k], single)
        missed += single["trace_missed_s"] > 0
        # a variant that misses the trace is followed as closely as it can, compiled
        assert out[k]["route"] == "compiled_bev", k
    if cycle == "us06":
        assert missed > 0  # weak variants miss the trace


def test_motor_variants_look_their_losses_up_in_the_scaled_base_map():
    """Peak power, peak torque and maximum speed varied straight from their numbers (the
    base's generic map scaled, one map per maximum speed) give what each variant's own spec
    gives: it fails if the generic model stops scaling as :func:`_fast_params` says."""
    base = load_vehicle("tesla_model3_rwd")
    m = base.drive_units[0].motor
    rng = np.random.default_rng(5)
    n = 12
    var = {"drive_units.0.motor.power_peak_w": rng.uniform(0.7, 1.3, n) * m.power_peak_w,
           "drive_units.0.motor.torque_peak_nm": rng.uniform(0.8, 1.2, n) * m.torque_peak_nm,
           "drive_units.0.motor.speed_max_rad_s": rng.choice([0.95, 1.0, 1.1], n)
           * m.speed_max_rad_s}
    out = simulate_many_records(base, "wltc", variants=var)
    data = base.model_dump(mode="json", exclude_none=True)
    for k in range(n):
        assert out[k]["route"] == "compiled_bev", k
        spec = vehicle_from_dict(_with(data, {p: float(v[k]) for p, v in var.items()}))
        _same(out[k], simulate(spec, "wltc").summary)


def test_invalid_variants_are_reported_not_raised():
    out = simulate_many_records("tesla_model3_rwd", "udds", variants={
        "drive_units.0.motor.power_peak_w": [150e3, 150e3],
        "drive_units.0.motor.torque_peak_nm": [400.0, 50.0]})  # base speed 3000 rad/s
    assert "error" not in out[0]
    assert "base speed" in out[1]["error"]
    with pytest.raises(EdriveError, match="same number of values"):
        simulate_many_records("tesla_model3_rwd", "udds", variants={
            "drive_units.0.gear.ratio": [9.0], "aux_power_w": [100.0, 200.0]})


def test_conventional_cars_of_every_gearbox_equal_single_simulations():
    """The compiled conventional-car path (economy shift, converter or launch clutch,
    input inertia, stop-start) gives simulate's numbers, also for a car that misses the US06
    trace."""
    from pathlib import Path

    sedan = Path(__file__).resolve().parents[1] / "data" / "petrol_sedan.yaml"
    base = load_vehicle(str(sedan)).model_dump(mode="json", exclude_none=True)
    cars = [vehicle_from_dict(base | {"transmission": tr}) for tr in
            ("zf_8hp", "dct_7", "manual_6")]
    cars += [load_vehicle("toyota_camry_2018"), load_vehicle("jaguar_ftype_p450")]
    weak = base | {"engine": {"name": "small", "kind": "petrol", "displacement_m3": 1.0e-3,
                              "cylinders": 3, "power_rated_w": 45e3,
                              "speed_rated_rad_s": 600.0, "torque_max_nm": 90.0,
                              "speed_idle_rad_s": 80.0, "speed_max_rad_s": 680.0}}
    cars.append(vehicle_from_dict(weak))
    for cycle in ("udds", "us06"):
        out = simulate_many_records(cars, cycle)
        for car, summary in zip(cars, out, strict=True):
            single = simulate(car, cycle).summary
            for k in ("fuel_kg", "engine_work_j", "distance_m", "trace_missed_s",
                      "trace_max_shortfall_m_s"):
                assert summary[k] == pytest.approx(single[k], rel=1e-9, abs=1e-9), k
            assert summary["gear_shifts"] == single["gear_shifts"]
            assert summary["route"] == "compiled_icev"
            for k, v in single["energy_j"].items():
                assert summary["energy_j"][k] == pytest.approx(
                    v, rel=1e-9, abs=1e-9 * single["energy_j"]["road_load_j"]), k
        if cycle == "us06":
            assert simulate(cars[-1], cycle).summary["trace_missed_s"] > 0


def test_a_variant_path_not_in_the_vehicle_is_one_error_up_front():
    with pytest.raises(EdriveError, match="no key 'motr' under drive_units.0 .did you mean "
                                          "'motor'"):
        simulate_many_records("tesla_model3_rwd", "udds",
                      variants={"drive_units.0.motr.power_peak_w": [1e5, 2e5]})


def test_a_battery_that_runs_empty_gives_the_same_numbers_both_ways():
    """A variant whose battery runs empty falls behind the trace, in the compiled loop, as
    simulate says."""
    base = load_vehicle("tesla_model3_rwd")
    var = {"battery.cell_capacity_as": [3 * 3600.0, 174 * 3600.0]}
    out = simulate_many_records(base, "wltc", variants=var)
    data = base.model_dump(mode="json", exclude_none=True)
    for k, capacity in enumerate(var["battery.cell_capacity_as"]):
        spec = vehicle_from_dict(_with(data, {"battery.cell_capacity_as": capacity}))
        single = simulate(spec, "wltc").summary
        _same(out[k], single)
        assert out[k]["battery_empty_at_s"] == single["battery_empty_at_s"]
    assert out[0]["battery_empty_at_s"] is not None and out[0]["trace_missed_s"] > 0
    assert out[1]["battery_empty_at_s"] is None
    assert [row["route"] for row in out] == ["compiled_bev", "compiled_bev"]


def test_regeneration_into_a_full_battery_is_cut_in_the_compiled_path(monkeypatch):
    from edrive.sim import batch

    t = np.arange(0.0, 301.0)
    downhill = DriveCycle("downhill", t, np.full(t.size, 20.0), np.full(t.size, -0.06))
    base = load_vehicle("tesla_model3_rwd")
    soc_max = base.model().battery.soc_max
    single = simulate(base, downhill, soc_initial=soc_max).summary
    monkeypatch.setattr(batch, "_single", None)  # every variant in the compiled kernel
    out = simulate_many_records([base], downhill, soc_initial=soc_max)[0]
    _same(out, single, audit_max=1e-6)  # of the battery's energy: next to nothing here
    assert single["soc_end"] <= soc_max + 1e-9
    assert single["regen_energy_j"] < single["energy_j"]["aux_j"] + 1.0


# --- the route each car takes ----------------------------------------------------------------

ROUTES = {
    "bmw_330e": "compiled_hev", "bmw_330i": "compiled_icev",
    "bmw_i3s": "compiled_bev", "bmw_i4_edrive40": "compiled_bev",
    "bmw_ix3": "compiled_bev", "chevrolet_bolt_ev": "compiled_bev",
    "jaguar_ftype_p450": "compiled_icev", "jaguar_ftype_s63_whatif": "compiled_icev",
    "jaguar_ipace_ev400": "compiled_bev", "mini_cooper_se": "compiled_bev",
    "nissan_leaf_40kwh": "compiled_bev", "range_rover_sport_p400e": "compiled_hev",
    "tesla_model3_rwd": "compiled_bev", "toyota_camry_2018": "compiled_icev",
    "toyota_prius_gen4": "compiled_hev",
}


def test_every_bundled_car_takes_its_documented_route():
    """Battery-electric and conventional cars the compiled passes model never fall back to
    the single route; the others name why."""
    from edrive.vehicle import list_vehicles

    assert set(ROUTES) == set(list_vehicles())
    out = simulate_many_records(list(ROUTES), "udds")
    assert [row["route"] for row in out] == list(ROUTES.values())


def test_loss_maps_of_any_origin_and_own_ocv_curves_take_the_compiled_route(tmp_path):
    """The compiled loop looks losses up in the drive unit's own map: a measured one (a file,
    here with a coarser grid than the generic one, so that the numbers differ from it), a
    physics-based unit's (bmw_ix3), an open-circuit-voltage curve of the file's own."""
    from edrive.components.drive_unit import loss_map_from_function, write_loss_map_csv

    tesla = load_vehicle("tesla_model3_rwd")
    data = tesla.model_dump(mode="json", exclude_none=True)
    motor = tesla.drive_units[0].motor
    write_loss_map_csv(tmp_path / "losses.csv", loss_map_from_function(
        motor, lambda t, w: 300.0 + 0.02 * t**2 + 2.0 * w, n_speed=7, n_torque=9))
    cars = [
        _with(data, {"drive_units.0.motor.losses": {"kind": "map", "file": "losses.csv"}}),
        _with(data, {"battery.ocv": {"soc": [0.05, 0.5, 0.95],
                                     "voltage_v": [3.3, 3.7, 4.1]}}),
    ]
    specs = [vehicle_from_dict(d, base_dir=tmp_path) for d in cars] + [load_vehicle("bmw_ix3")]
    for cycle in ("udds", "us06"):
        out = simulate_many_records(specs, cycle)
        for spec, summary in zip(specs, out, strict=True):
            assert summary["route"] == "compiled_bev", (spec.name, cycle)
            _same(summary, simulate(spec, cycle).summary)
    measured = simulate_many_records(specs[:1] + [tesla], "udds")
    assert measured[0]["battery_energy_j"] != pytest.approx(measured[1]["battery_energy_j"],
                                                            rel=1e-3)


def test_every_shift_strategy_takes_the_compiled_route_and_refusals_name_their_reason(
        tmp_path):
    """The WLTP gearshift and a driver's shift points run in the compiled loop with
    simulate's numbers; the WLTP gearshift on a trace not sampled every second is refused
    with simulate's message."""
    from edrive.cycles import DriveCycle

    base = load_vehicle("bmw_330i").model_dump(mode="json", exclude_none=True)
    specs = [vehicle_from_dict(base | {"transmission": "manual_6", "shift_strategy": s},
                               base_dir=tmp_path) for s in ("wltp", "driver")]
    out = simulate_many_records(specs, "wltc")
    for spec, row in zip(specs, out, strict=True):
        assert row["route"] == "compiled_icev"
        single = simulate(spec, "wltc").summary
        assert row["fuel_kg"] == single["fuel_kg"] and row["gear_shifts"] == single["gear_shifts"]
    t = np.arange(0.0, 60.0, 0.5)
    half = DriveCycle("half_second", t, np.minimum(t, 10.0), 0.0 * t)
    refused = simulate_many_records(specs, half)
    assert refused[0]["route"] == "error" and "sampled every second" in refused[0]["error"]
    assert refused[1]["route"] == "compiled_icev"
    alone = simulate_many_records(specs[:1], half)[0]  # a batch of one is refused alike
    assert alone["route"] == "error" and "sampled every second" in alone["error"]
    fast = simulate_many_records("tesla_model3_rwd", "udds", soc_initial=0.6,
                         variants={"aux_power_w": [300.0]})
    assert fast[0]["route"] == "compiled_bev"
    refused = simulate_many_records(["bmw_330i"], "udds", soc_initial=0.6)[0]
    assert refused["route"] == "error" and "no traction battery" in refused["error"]


def test_two_speed_cars_take_the_compiled_route_and_equal_simulate(tmp_path):
    """A two-speed drive unit (the gear of least DC power at each step) runs in the compiled
    loop, its variants (low gear varied, built through the spec) too, with simulate's
    figures."""
    tesla = load_vehicle("tesla_model3_rwd")
    data = tesla.model_dump(mode="json", exclude_none=True)
    gear = data["drive_units"][0]["gear"]
    spec = vehicle_from_dict(_with(data, {"drive_units.0.gear": gear | {"low_ratio": 14.0}}),
                             base_dir=tmp_path)
    lows = [12.0, 14.0, 16.0]
    out = simulate_many_records(spec, "us06", variants={"drive_units.0.gear.low_ratio": lows})
    assert [row["route"] for row in out] == ["compiled_bev"] * 3
    for low, row in zip(lows, out, strict=True):
        one = vehicle_from_dict(_with(data, {"drive_units.0.gear": gear | {"low_ratio": low}}),
                                base_dir=tmp_path)
        _same(row, simulate(one, "us06").summary)
    single = simulate_many_records([tesla], "us06")[0]
    assert out[1]["battery_energy_j"] != pytest.approx(single["battery_energy_j"], rel=1e-4)


# --- the table --------------------------------------------------------------------------------

def _flat(summary: dict) -> dict:
    out = {k: v for k, v in summary.items() if k != "energy_j"}
    return out | {f"energy_{k}": v for k, v in summary.get("energy_j", {}).items()}


def _frame_holds(frame, records, inputs):
    """Every row of the table holds its inputs and its summary's figures, NaN elsewhere."""
    assert list(frame.columns[:len(inputs) + 2]) == [*inputs, "route", "error"]
    assert len(frame) == len(records)
    for k, summary in enumerate(records):
        row = frame.iloc[k]
        for name, values in inputs.items():
            assert row[name] == values[k]
        flat = _flat(summary)
        for col in frame.columns[len(inputs):]:
            value = flat.get(col)
            if value is None or (isinstance(value, float) and np.isnan(value)):
                assert row[col] is None or row[col] != row[col], (k, col)
            else:
                assert row[col] == value, (k, col)


def test_the_table_holds_inputs_beside_summaries():
    var = {"drive_units.0.motor.power_peak_w": [150e3, "120 kW", 250e3],
           "battery.cell_capacity_as": [174 * 3600.0, 174 * 3600.0, -1.0]}
    frame = simulate_many("tesla_model3_rwd", "us06", variants=var)
    records = simulate_many_records("tesla_model3_rwd", "us06", variants=var)
    _frame_holds(frame, records, var)
    assert list(frame["route"]) == ["compiled_bev", "compiled_bev", "error"]
    assert frame["error"][2].startswith("variant 2: battery.cell_capacity_as")
    assert frame["energy_road_load_j"][0] == records[0]["energy_j"]["road_load_j"]
    names = ["tesla_model3_rwd", "bmw_330i", "toyota_prius_gen4", "jaguar_ipace_ev400"]
    frame = simulate_many(names, "udds")
    records = simulate_many_records(names, "udds")
    _frame_holds(frame, records, {"vehicle": [load_vehicle(n).name for n in names]})
    assert list(frame["route"]) == [ROUTES[n] for n in names]
    assert frame["fuel_kg"].isna().tolist() == [True, False, False, True]
    assert frame["battery_empty_at_s"].isna().all()


def test_the_table_keeps_the_order_across_chunks_and_routes():
    """Variants split over compiled chunks, the single route and refusals land in their own
    rows."""
    rng = np.random.default_rng(11)
    power = list(rng.uniform(50e3, 250e3, 9)) + ["90 kW", -1.0]
    # a battery too small for the cycle runs empty (the car falls behind, still compiled)
    capacity = [174 * 3600.0] * 4 + [0.5 * 3600.0] + [174 * 3600.0] * 6
    var = {"drive_units.0.motor.power_peak_w": power, "battery.cell_capacity_as": capacity}
    frame = simulate_many("tesla_model3_rwd", "us06", variants=var, chunk_size=3)
    records = simulate_many_records("tesla_model3_rwd", "us06", variants=var)
    _frame_holds(frame, records, var)
    routes = set(frame["route"])
    assert routes == {"compiled_bev", "error"}, routes
    assert records[4]["battery_empty_at_s"] is not None
