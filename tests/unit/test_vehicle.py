import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edrive.errors import EdriveError
from edrive.vehicle import load_vehicle, tyre_radius_m, vehicle_from_yaml, vehicle_to_yaml
from tests.conftest import make_vehicle


def test_tyre_radius_etrto():
    # 235/55 R19: D = 19 * 25.4 mm + 2 * 235 * 0.55 mm = 741.1 mm; r = 3.05 D / (2 pi)
    assert tyre_radius_m("235/55 R19") == pytest.approx(3.05 * 0.7411 / (2 * 3.141592653589793))
    assert tyre_radius_m("P195/65R15") == pytest.approx(3.05 * (0.381 + 0.2535) / (2 * 3.141592653589793))


@pytest.mark.parametrize("changes,match", [
    ({"mass__test_mass_kg": -5}, r"mass.test_mass_kg: -5: Input should be greater than 0"),
    ({"road_load__physical__drag_coeficient": 0.3},
     r"unknown key 'drag_coeficient' \(did you mean 'drag_coefficient'\?\)"),
    ({"drive_units__0__motor__speed_max_rad_s": 100}, "base speed"),
    ({"drive_units__0__axle": "middle"}, "'front' or 'rear'"),
    ({"mass__test_mass_kg": "1500 kW"}, "wrong unit"),
    ({"battery__soc_min": 0.99}, "must be below soc_max"),
    ({"wheels__tyre": "235/55 R19"}, "either tyre"),
    ({"drive_units__0__motor__losses": {"kind": "map", "file": "nope.csv"}}, "does not exist"),
])
def test_bad_vehicle_fields(changes, match):
    with pytest.raises(EdriveError, match=match) as info:
        make_vehicle(**changes)
    assert "\n" not in str(info.value)


def test_road_load_needs_exactly_one_form():
    with pytest.raises(EdriveError, match="exactly one of"):
        make_vehicle(road_load__epa={"a_lbf": 30, "b_lbf_per_mph": 0.2, "c_lbf_per_mph2": 0.02})


def test_units_in_values():
    v = make_vehicle(drive_units__0__motor__power_peak_w="150 kW",
                     drive_units__0__motor__speed_max_rad_s="14323.9 rpm", mass__test_mass_kg="1.5 t")
    assert v.drive_units[0].motor.power_peak_w == 150e3
    assert v.mass.mass_kg == pytest.approx(1500)


def test_epa_coefficients_in_si():
    v = make_vehicle(road_load={"epa": {"a_lbf": 30.0, "b_lbf_per_mph": 0.2, "c_lbf_per_mph2": 0.02}})
    f0, f1, f2 = v.road_load.coefficients(1500)
    assert f0 == pytest.approx(30 * 4.4482216152605)
    assert f1 == pytest.approx(0.2 * 4.4482216152605 / 0.44704)
    assert f2 == pytest.approx(0.02 * 4.4482216152605 / 0.44704**2)


def test_yaml_round_trip(car):
    again = vehicle_from_yaml(vehicle_to_yaml(car))
    assert again.model_dump() == car.model_dump()


def test_unknown_vehicle_suggests():
    with pytest.raises(EdriveError, match="unknown vehicle"):
        load_vehicle("no_such_car")


def test_bad_yaml():
    with pytest.raises(EdriveError, match="not valid YAML at line"):
        vehicle_from_yaml("name: x\n  mass: [1,\n", where="f.yaml")
    with pytest.raises(EdriveError, match="expected a mapping"):
        vehicle_from_yaml("- 1\n- 2\n", where="f.yaml")
    with pytest.raises(EdriveError, match="type: .fcev. is not supported yet; allowed: .bev., "
                       ".icev., .hev."):
        vehicle_from_yaml("type: fcev\nname: x\n", where="f.yaml")


yaml_scalars = st.one_of(st.integers(-10, 10**6), st.floats(allow_nan=True), st.text(max_size=12),
                         st.booleans(), st.none())


@settings(max_examples=200, deadline=None)
@given(st.recursive(yaml_scalars, lambda ch: st.dictionaries(st.sampled_from(
    ["name", "mass", "road_load", "wheels", "drive_units", "battery", "test_mass_kg", "epa",
     "physical", "a_lbf", "radius_m", "axle", "motor", "gear", "ratio", "x"]), ch, max_size=5)
    | st.lists(ch, max_size=3), max_leaves=20))
def test_any_structure_gives_vehicle_or_clear_error(data):
    import yaml

    text = yaml.safe_dump(data)
    try:
        vehicle_from_yaml(text, where="fuzz.yaml")
    except EdriveError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz.yaml")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_vehicle_or_clear_error(text):
    try:
        vehicle_from_yaml(text, where="fuzz.yaml")
    except EdriveError as exc:
        assert "\n" not in str(exc)
