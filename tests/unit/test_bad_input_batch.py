"""simulate_many accepts exactly the variants the spec accepts, with the spec's messages, and
refuses malformed arguments with one line."""

import math
from typing import Annotated

import numpy as np
import pytest
from pydantic import Field, field_validator, model_validator

from edrive import EdriveError, load_vehicle, simulate, simulate_many, simulate_many_records
from edrive.components.drive_unit import write_loss_map_csv
from edrive.sim.batch import _with
from edrive.spec import Spec
from edrive.spec_rules import variants_to_build
from edrive.vehicle import vehicle_from_dict, vehicle_to_yaml

BASE = "tesla_model3_rwd"

# values per path: valid and invalid, numbers, unit strings, bools, None, NaN
TABLE = {
    "aux_power_w": [200.0, 0.0, 20e3, -1000.0, 20001.0, math.nan, math.inf, -math.inf, True,
                    "1 kW", "1 rpm", "abc", None, np.float64(-5.0), 7],
    "battery.cells_series": [96, 96.0, 95.5, 0, 1e9, 10**30, True, "96", "abc", math.nan],
    "battery.cells_parallel": [1, 2, 10000, 10001, 0, 2.5],
    "battery.cell_capacity_as": [0.0, 3.6e6, 3.7e6, "50 A*h", -1.0],
    "battery.cell_resistance_ohm": [0.0, 1.0, 1.5, "2 mohm"],
    "battery.power_discharge_max_w": [0.0, 5e6, 5.1e6, "150 kW"],
    "battery.power_charge_max_w": [0.0, -1.0, 5e6],
    "drive_units.0.motor.power_peak_w": [150e3, "150 kW", -1.0, 0.0, 2e6, 2.1e6, "150 rpm"],
    "drive_units.0.motor.torque_peak_nm": [400.0, 50.0, 1e-300, -5.0, 2e4, 2.1e4],
    "drive_units.0.motor.speed_max_rad_s": [100.0, 6000.0, 6001.0, "16000 rpm"],
    "drive_units.0.gear.ratio": [0.5, 0.51, 9.0, 30.0, 30.5],
    "drive_units.0.gear.mesh_efficiency": [0.5, 0.9, 1.0, 1.01],
    "mass.test_mass_kg": [0.0, 1800.0, 60000.0, 60001.0, "2 t"],
    "chassis.wheelbase_m": [math.nan, 2.9, "2900 mm", 0.5],
    "brakes.regen_speed_full_m_s": [0.1, 3.0, 25.0],
}


def _spec_says(data, path, value, k):
    """None if the spec accepts ``value`` at ``path``, else its message for variant ``k``
    (numpy numbers given as the plain numbers a file would hold)."""
    value = value.item() if isinstance(value, np.generic) else value
    try:
        vehicle_from_dict(_with(data, {path: value}), where=f"variant {k}")
    except EdriveError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("path", sorted(TABLE))
def test_a_variant_is_accepted_or_refused_as_the_spec_does(path):
    values = TABLE[path]
    data = load_vehicle(BASE).model_dump(mode="json", exclude_none=True)
    out = simulate_many_records(BASE, "udds", variants={path: values})
    assert len(out) == len(values)
    for k, (value, row) in enumerate(zip(values, out, strict=True)):
        said = _spec_says(data, path, value, k)
        if said is None:
            assert "error" not in row or "variant" not in row["error"], (value, row)
        else:
            assert row == {"error": said, "route": "error"}, value
    assert "np.float64" not in str(out)
    if "." not in path:  # a top-level field: spec.replace agrees
        base = load_vehicle(BASE)
        for value, row in zip(values, out, strict=True):
            value = value.item() if isinstance(value, np.generic) else value
            try:
                base.replace(**{path: value}).model()
                accepted = True
            except EdriveError:
                accepted = False
            assert accepted == ("error" not in row), value


def test_coupled_values_are_checked_together():
    """The motor's base speed P/T must stay below its maximum speed: each value alone is
    fine, the pair is not."""
    power, torque = [150e3, 300e3, 300e3], [400.0, 400.0, 100.0]
    out = simulate_many_records(BASE, "udds", variants={"drive_units.0.motor.power_peak_w": power,
                                                "drive_units.0.motor.torque_peak_nm": torque})
    assert "error" not in out[0] and "error" not in out[1]
    assert out[2]["error"].startswith("variant 2: drive_units.0.motor: base speed")


def test_unit_strings_are_read_as_in_files():
    out = simulate_many_records(BASE, "udds", variants={"drive_units.0.motor.power_peak_w":
                                                ["150 kW", 150e3]})
    assert out[0]["battery_energy_j"] == pytest.approx(out[1]["battery_energy_j"], rel=1e-12)


def test_soc_initial_is_checked_per_vehicle_like_simulate():
    with pytest.raises(EdriveError) as exc:
        simulate(BASE, "udds", soc_initial=5.0)
    for kwargs in ({"variants": {"aux_power_w": [100.0, 200.0]}}, {}):
        out = simulate_many_records(BASE, "udds", soc_initial=5.0, **kwargs)
        assert all(row == {"error": str(exc.value), "route": "error"} for row in out)
    out = simulate_many_records(BASE, "udds", soc_initial=0.5, variants={"aux_power_w": [100.0]})
    assert out[0]["soc_start"] == 0.5


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"chunk_size": 0}, "chunk_size: 0; allowed: a whole number >= 1"),
    ({"chunk_size": -1}, "chunk_size: -1; allowed"),
    ({"chunk_size": 1.5}, "chunk_size: 1.5; allowed"),
    ({"chunk_size": True}, "chunk_size: true; allowed"),
    ({"soc_initial": "high"}, "soc_initial: 'high'; allowed: a state of charge"),
    ({"soc_initial": True}, "soc_initial: true; allowed"),
    ({"variants": [1.0, 2.0]}, "variants: .1.0, 2.0.; allowed: a mapping from spec paths"),
    ({"variants": {}}, "variants: no paths given"),
    ({"variants": {5: [1.0]}}, "variants: 5; a path is a string"),
    ({"variants": {"aux_power_w": 100.0}}, ("variants: aux_power_w: 100.0; allowed: one value "
                                           "per variant")),
    ({"variants": {"aux_power_w": "100 W"}}, "variants: aux_power_w: '100 W'; allowed: one"),
    ({"variants": {"aux_power_w": [[100.0, 200.0]]}}, "variants: aux_power_w: .*allowed: one"),
    ({"variants": {"aux_power_w": [100.0, [200.0]]}}, "variants: aux_power_w: .*allowed: one"),
    ({"variants": {"aux_power_w": [1.0, 2.0], "drive_units.0.gear.ratio": [9.0]}},
     "same number of values; got 2 for aux_power_w, 1 for drive_units.0.gear.ratio"),
])
def test_malformed_arguments_are_one_line_errors(kwargs, message):
    kwargs.setdefault("variants", {"aux_power_w": [100.0]})
    for call in (simulate_many, simulate_many_records):
        with pytest.raises(EdriveError, match=message) as exc:
            call(BASE, "udds", **kwargs)
        assert "\n" not in str(exc.value)


@pytest.mark.parametrize(("vehicles", "cycle", "variants", "message"), [
    (5, "udds", None, ("vehicles: 5; allowed: a vehicle .spec, bundled name or YAML path. or a "
                      "list of them")),
    ([BASE, 5], "udds", None, "vehicle: 5; allowed"),
    (5, "udds", {"aux_power_w": [1.0]}, "vehicle: 5; allowed"),
    ([BASE], "udds", {"aux_power_w": [1.0]}, "with variants, give one base vehicle"),
    (BASE, None, None, "cycle: null; allowed: a DriveCycle, a bundled cycle name"),
    (BASE, list(range(100_000)), None, r"cycle: \[0, 1, 2, 3, \.\.\.\]; allowed"),
])
def test_wrong_vehicles_or_cycle_are_one_line_errors(vehicles, cycle, variants, message):
    with pytest.raises(EdriveError, match=message) as exc:
        simulate_many(vehicles, cycle, variants=variants)
    assert len(str(exc.value)) < 200


def test_no_variants_give_no_summaries():
    assert simulate_many_records(BASE, "udds", variants={"aux_power_w": []}) == []
    assert simulate_many_records([], "udds") == []
    empty = simulate_many(BASE, "udds", variants={"aux_power_w": []})
    assert len(empty) == 0 and list(empty.columns) == ["aux_power_w", "route", "error"]
    assert list(simulate_many([], "udds").columns) == ["vehicle", "route", "error"]


def test_variants_of_a_vehicle_file_find_its_loss_map(tmp_path):
    """Variants are built with the base file's folder, where its relative loss map is."""
    from edrive.components.drive_unit import generic_loss_map

    base = load_vehicle(BASE)
    motor = base.drive_units[0].motor
    write_loss_map_csv(tmp_path / "losses.csv", generic_loss_map(motor, motor.losses))
    data = base.model_dump(mode="json", exclude_none=True)
    data["drive_units"][0]["motor"]["losses"] = {"kind": "map", "file": "losses.csv"}
    path = tmp_path / "car.yaml"
    path.write_text(vehicle_to_yaml(vehicle_from_dict(data, base_dir=tmp_path)))
    out = simulate_many_records(str(path), "udds", variants={"aux_power_w": [150.0, 250.0]})
    assert [row.get("error") for row in out] == [None, None]
    single = simulate(str(path), "udds").summary
    assert out[0]["battery_energy_j"] < single["battery_energy_j"] < out[1]["battery_energy_j"]


# --- the rules themselves, on models of the test's own ----------------------------------------

class _Inner(Spec):
    x: Annotated[float, Field(gt=0, le=10)] = 1.0
    n: Annotated[int, Field(ge=1)] = 1
    step: Annotated[float, Field(multiple_of=0.5)] = 1.0

    @field_validator("x")
    @classmethod
    def _not_three(cls, v):
        if v == 3.0:
            raise ValueError("x must not be 3")
        return v

    @field_validator("n", mode="before")
    @classmethod
    def _not_seven(cls, v, info):
        if v == 7:
            raise ValueError("n must not be 7")
        return v


class _Outer(Spec):
    limit: Annotated[float, Field(ge=0)] = 5.0
    inner: _Inner = _Inner()

    @model_validator(mode="after")
    def _x_below_limit(self):
        if self.inner.x >= self.limit:
            raise ValueError("inner.x must stay below limit")
        return self


def test_rules_come_from_the_fields_and_from_validators_above_them():
    outer = _Outer()
    x = np.array([0.5, 4.9, 5.0, 0.0, 11.0, np.nan, 3.0, 0.5])
    assert variants_to_build(outer, {"inner.x": x}).tolist() == [False, False, True, True, True,
                                                                 True, True, False]
    both = variants_to_build(outer, {"inner.x": np.array([6.0, 6.0]),
                                     "limit": np.array([7.0, 6.0])})
    assert both.tolist() == [False, True]
    n = np.array([1.0, 2.0, 1.5, 0.0, 1e30, 7.0])
    assert variants_to_build(outer, {"inner.n": n}).tolist() == [False, False, True, True, False,
                                                                 True]
    step = np.array([1.5, 1.25])  # a constraint other than bounds: pydantic value by value
    assert variants_to_build(outer, {"inner.step": step}).tolist() == [False, True]
    assert outer.inner.x == 1.0 and outer.limit == 5.0  # the base is left as it was
