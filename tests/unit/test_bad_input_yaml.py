"""The YAML reader of spec files: duplicate keys, alias bombs, sizes, and files that are not
YAML or not spec files at all."""


import pytest

import edrive
from edrive.components.engine import engine_from_yaml, load_engine
from edrive.edu import edu_from_yaml, load_edu
from edrive.errors import EdriveError
from edrive.registry import read_yaml_mapping
from edrive.vehicle import load_vehicle, vehicle_from_yaml

IX3 = edrive.__path__[0] + "/data/vehicles/bmw_ix3.yaml"
BILLION_LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip([None, *"abcdefgh"], "abcdefghi", strict=True)) + "name: x\n"


def ix3_text() -> str:
    return open(IX3, encoding="utf-8").read()


def one_line_error(fn, *args, **kwargs) -> str:
    with pytest.raises(EdriveError) as info:
        fn(*args, **kwargs)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_a_duplicate_key_names_the_key_and_both_lines():
    text = ix3_text() + "speed_limit_m_s: 50 km/h\n"
    line = text.count("\n")
    first = text.splitlines().index("speed_limit_m_s: 180 km/h") + 1
    assert one_line_error(vehicle_from_yaml, text, where="ix3.yaml") == (
        f"ix3.yaml: line {line}: key 'speed_limit_m_s' appears again (first at line {first}); "
        "give each key once")


@pytest.mark.parametrize("read", [engine_from_yaml, edu_from_yaml])
def test_duplicate_keys_in_nested_mappings_of_every_spec_file(read):
    text = "name: x\nmotor:\n  kind: pmsm\n  pole_pairs: 4\n  pole_pairs: 3\n"
    assert "line 5: key 'pole_pairs' appears again (first at line 4)" in one_line_error(
        read, text, where="f.yaml")


def test_merge_keys_may_be_overridden():
    data = read_yaml_mapping("base: &b {a: 1, c: 2}\nuse:\n  <<: *b\n  a: 3\n", "f", "test")
    assert data["use"] == {"a": 3, "c": 2}


def test_an_alias_bomb_is_refused_before_it_expands():
    message = one_line_error(vehicle_from_yaml, BILLION_LAUGHS, where="bomb.yaml")
    assert message == ("bomb.yaml: 490,329,066 values once aliases (*name) are expanded; the "
                       "limit is 100,000 (EDRIVE_MAX_YAML_NODES)")


def test_the_alias_limit_can_be_raised(monkeypatch):
    text = "a: &a [1, 2, 3]\nb: [*a, *a, *a]\n"
    # root, 2 keys, a: list of 3, b: list of 3 copies of a
    monkeypatch.setenv("EDRIVE_MAX_YAML_NODES", "19")
    with pytest.raises(EdriveError, match=r"20 values .* the limit is 19 "):
        read_yaml_mapping(text, "f", "test")
    monkeypatch.setenv("EDRIVE_MAX_YAML_NODES", "20")
    assert read_yaml_mapping(text, "f", "test")["b"] == [[1, 2, 3]] * 3
    monkeypatch.setenv("EDRIVE_MAX_YAML_NODES", "lots")
    assert one_line_error(read_yaml_mapping, text, "f", "test") == (
        "EDRIVE_MAX_YAML_NODES: 'lots'; allowed: a positive integer")


def test_an_alias_inside_itself_is_refused():
    assert "refers to the value that contains it" in one_line_error(
        read_yaml_mapping, "a: &a [1, *a]\n", "f.yaml", "test")


@pytest.mark.parametrize("text,match", [
    ("", r"f.yaml: the file is empty; expected a mapping of vehicle fields"),
    ("# only a comment\n", r"the file is empty"),
    ("- 1\n- 2\n", r"expected a mapping of vehicle fields \(key: value lines\), found a list"),
    ("just words\n", r"found a single value"),
    ("a: 1\n---\nb: 2\n", r"not valid YAML at line 2"),
    ("name: !!python/object/apply:os.system ['echo hi']\n", r"not valid YAML at line 1"),
    ("name: x\n? [a, b]\n: 1\n", r"not valid YAML at line 2"),
    ("name: x\nmass: " + "9" * 5000 + "\n", r"line 2: the value cannot be read"),
    ("name: x\ndescription: 2021-02-30\n", r"line 2: the value cannot be read"),
    ("a: " + "[" * 2000 + "]" * 2000 + "\n", r"not valid YAML at line 1"),
])
def test_text_that_is_not_a_spec_mapping(text, match):
    with pytest.raises(EdriveError, match=match) as info:
        vehicle_from_yaml(text, where="f.yaml")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("load,kind", [(load_vehicle, "vehicle"), (load_edu, "drive unit"),
                                       (load_engine, "engine")])
def test_files_that_are_not_spec_files(tmp_path, load, kind):
    assert one_line_error(load, tmp_path) == (
        f"{kind} file {str(tmp_path)!r} is a directory; expected a YAML file")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(bytes(range(256)) * 4)
    assert one_line_error(load, binary) == (
        f"{kind} file {binary}: not UTF-8 text; expected a YAML file")
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\n")
    message = one_line_error(load, passwd)
    assert "root" not in message.replace(str(tmp_path), "")


def test_a_huge_spec_file_is_refused_unread(tmp_path, monkeypatch):
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(1_500_000_000)  # sparse: no disk used, and never read
    assert one_line_error(load_vehicle, big) == (
        f"vehicle file {big}: larger than the limit of 1,000,000 bytes "
        "(EDRIVE_MAX_SPEC_FILE_BYTES)")
    small = tmp_path / "ix3.yaml"
    small.write_text(ix3_text())
    monkeypatch.setenv("EDRIVE_MAX_SPEC_FILE_BYTES", "100")
    assert "larger than the limit of 100 bytes" in one_line_error(load_vehicle, small)
    monkeypatch.setenv("EDRIVE_MAX_SPEC_FILE_BYTES", "1000000")
    assert load_vehicle(small).name.startswith("BMW iX3")
