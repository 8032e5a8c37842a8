"""Bad values in specs: booleans and non-finite numbers where numbers belong, names where a
list is given, misspelt keys, and how values are shown in the one-line errors."""

import importlib
import pkgutil

import numpy as np
import pytest
from pydantic import ValidationError

import edrive
from edrive.components.engine import engine_from_yaml
from edrive.edu import edu_from_yaml
from edrive.errors import EdriveError, format_value
from edrive.spec import FieldError, Spec, _numeric_fields
from edrive.vehicle import load_vehicle, vehicle_from_dict, vehicle_from_yaml
from tests.conftest import make_vehicle

IX3 = (edrive.__path__[0] + "/data/vehicles/bmw_ix3.yaml")


def ix3_text(old: str, new: str) -> str:
    text = open(IX3, encoding="utf-8").read()
    assert old in text
    return text.replace(old, new, 1)


def all_specs() -> list[type[Spec]]:
    for module in pkgutil.walk_packages(edrive.__path__, "edrive."):
        importlib.import_module(module.name)
    found, todo = [], [Spec]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in found:
                found.append(sub)
                todo.append(sub)
    return found


NUMERIC_FIELDS = [(cls, name) for cls in all_specs() for name in _numeric_fields(cls)]


def test_the_walk_finds_the_numeric_fields():
    names = {(cls.__name__, name) for cls, name in NUMERIC_FIELDS}
    for expected in [("MassSpec", "kerb_mass_kg"), ("BatterySpec", "cells_series"),
                     ("TransmissionSpec", "gear_ratios"), ("EduSpec", "dc_voltage_v"),
                     ("PmsmSpec", "pole_pairs"), ("GearSpec", "ratio")]:
        assert expected in names
    assert len(NUMERIC_FIELDS) > 150


@pytest.mark.parametrize("cls,name", NUMERIC_FIELDS,
                         ids=[f"{c.__name__}.{n}" for c, n in NUMERIC_FIELDS])
def test_every_numeric_field_refuses_a_boolean(cls, name):
    annotation = repr(cls.model_fields[name].annotation)
    value = [1.0, True] if annotation.startswith("list[") else True
    with pytest.raises(ValidationError) as info:
        cls.model_validate({name: value})
    causes = [e.get("ctx", {}).get("error") for e in info.value.errors()]
    assert any(isinstance(c, FieldError) and c.field == name for c in causes), info.value


@pytest.mark.parametrize("old,new,match", [
    ("kerb_mass_kg: 2185 kg", "kerb_mass_kg: true",
     r"mass\.kerb_mass_kg: true: a yes/no value is not a number"),
    ("payload_kg: 136 kg", "payload_kg: no", r"mass\.payload_kg: false: a yes/no value"),
    ("cells_series: 94", "cells_series: yes", r"battery\.cells_series: true: a yes/no"),
    ("drag_coefficient: 0.29", "drag_coefficient: off",
     r"road_load\.physical\.drag_coefficient: false"),
])
def test_yes_no_values_are_not_numbers(old, new, match):
    with pytest.raises(EdriveError, match=match) as info:
        vehicle_from_yaml(ix3_text(old, new), where="ix3.yaml")
    assert "\n" not in str(info.value)


def test_strings_of_numbers_are_numbers():
    car = vehicle_from_yaml(ix3_text("kerb_mass_kg: 2185 kg", "kerb_mass_kg: '2.185e3'"))
    assert car.mass.kerb_mass_kg == 2185.0


def test_a_boolean_in_a_list_of_numbers():
    car = load_vehicle("bmw_330i").model_dump()
    car["transmission"]["gear_ratios"][1] = True
    with pytest.raises(EdriveError, match=r"transmission: gear_ratios: item 2 is a yes/no value"):
        vehicle_from_dict(car, where="car")


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "'inf W'", "'nan kW'", "1e400 kW"])
def test_non_finite_numbers_are_refused(value):
    with pytest.raises(EdriveError, match=r"power_charge_max_w: .*finite") as info:
        vehicle_from_yaml(ix3_text("power_charge_max_w: 150 kW", f"power_charge_max_w: {value}"),
                          where="ix3.yaml")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("new,match", [
    ("type: [bev]", r"type: \['bev'\] is not a name; allowed: 'bev', 'icev', 'hev'"),
    ("type: {a: 1}", r"type: \{'a': 1\} is not a name"),
    ("type: rocket", r"type: 'rocket' is not supported yet"),
])
def test_vehicle_type_must_be_a_known_name(new, match):
    with pytest.raises(EdriveError, match=match):
        vehicle_from_yaml(ix3_text("type: bev", new), where="ix3.yaml")


def test_schema_version_must_be_the_number():
    with pytest.raises(EdriveError, match=r"schema_version: true; allowed: 1"):
        vehicle_from_yaml(ix3_text("schema_version: 1", "schema_version: true"), where="ix3.yaml")


def test_misspelt_key_beside_its_missing_field_is_reported_as_unknown():
    # the README's example: the key is renamed, so the real field is also missing
    with pytest.raises(EdriveError) as info:
        vehicle_from_yaml(ix3_text("drag_coefficient: 0.29", "drag_coeficient: 0.29"),
                          where="ix3.yaml")
    assert ("road_load.physical: unknown key 'drag_coeficient' (did you mean "
            "'drag_coefficient'?)") in str(info.value)


def test_required_field_missing_alone():
    with pytest.raises(EdriveError, match=r"road_load\.physical\.drag_coefficient: required "
                                          "field is missing"):
        vehicle_from_yaml(ix3_text("    drag_coefficient: 0.29\n", ""), where="ix3.yaml")


def test_a_mapping_where_a_value_belongs_and_the_reverse():
    with pytest.raises(EdriveError, match=r"mass: 'heavy': expected a mapping of fields"):
        make_vehicle(mass="heavy")
    with pytest.raises(EdriveError, match=r"mass\.test_mass_kg: Input should be a valid number"):
        make_vehicle(mass__test_mass_kg=[[1, 2], [3]])


def test_whole_model_errors_have_no_empty_field_path():
    with pytest.raises(EdriveError) as info:
        engine_from_yaml("type: engine\nname: e\nkind: petrol\n", where="e.yaml")
    assert ": :" not in str(info.value)


def test_a_file_of_another_kind_is_not_echoed():
    text = "services:\n  web: {image: secret_image}\npassword: hunter2\n"
    for read in (vehicle_from_yaml, engine_from_yaml, edu_from_yaml):
        with pytest.raises(EdriveError, match="fields .keys such as .*found none") as info:
            read(text, where="other.yaml")
        assert "hunter2" not in str(info.value) and "services" not in str(info.value)


@pytest.mark.parametrize("value,shown", [
    (np.float64(-1.25), "-1.25"), (np.int64(3), "3"), (True, "true"), (None, "null"),
    (1e300, "1e+300"), (float("nan"), "nan"), ([np.float64(2.0), False], "[2.0, false]"),
    ("x" * 500, "'" + "x" * 27 + "..."),
    pytest.param(10**5000, "<integer of 5001 digits>", id="integer_of_5001_digits"),
])
def test_values_are_shown_plainly_and_short(value, shown):
    text = format_value(value)
    assert text.startswith(shown) and len(text) <= 60 and "np." not in text


def test_a_huge_nested_value_is_shown_short_and_fast():
    value = [1]
    for _ in range(12):
        value = [value] * 9  # 9**12 leaves if expanded
    assert len(format_value(value)) <= 60


def test_error_messages_show_numpy_numbers_plainly():
    with pytest.raises(EdriveError) as info:
        make_vehicle(mass__test_mass_kg=np.float64(-5.0))
    assert "np.float64" not in str(info.value) and "-5.0" in str(info.value)


@pytest.mark.parametrize("case", ["bool", "type_list", "vehicle_passwd", "cycle_passwd",
                                  "edu_passwd"])
def test_command_line_gives_one_line_and_status_2(tmp_path, case):
    import subprocess
    import sys

    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\n")
    car = tmp_path / "car.yaml"
    car.write_text(ix3_text("kerb_mass_kg: 2185 kg", "kerb_mass_kg: true") if case == "bool"
                   else ix3_text("type: bev", "type: [bev]"))
    args = {"bool": ["simulate", str(car), "-c", "wltc"],
            "type_list": ["simulate", str(car), "-c", "wltc"],
            "vehicle_passwd": ["simulate", str(passwd), "-c", "wltc"],
            "cycle_passwd": ["simulate", "bmw_ix3", "-c", str(passwd)],
            "edu_passwd": ["edu", "map", str(passwd)]}[case]
    proc = subprocess.run([sys.executable, "-m", "edrive.cli", *args], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1
    assert "root" not in proc.stderr.replace(str(tmp_path), "")
