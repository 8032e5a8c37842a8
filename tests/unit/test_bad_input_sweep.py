"""Hostile and mistaken sweep files: every field of the wrong type, absurd sizes, YAML alias
bombs and values no design can take all end with one short line before anything runs."""

import copy

import pytest
import yaml

from edrive.errors import EdriveError
from edrive.sweep.sweep_file import load_sweep

VALID = {
    "schema_version": 1,
    "name": "gear and cells",
    "description": "a small sweep",
    "base": "tesla_model3_rwd",
    "parameters": {"drive_units.0.gear.ratio": {"low": 8, "high": 10, "name": "ratio"},
                   "battery.cells_parallel": [1, 2]},
    "design": {"method": "lhs", "n": 8, "seed": 0, "chunk_size": 4},
    "cycles": ["hwfet"],
    "procedures": ["performance"],
    "outputs": ["hwfet_wall_wh_per_km", "accel_0_100_kmh_s"],
    "constraints": ["hwfet_wall_wh_per_km <= 200"],
    "optimize": {"objectives": [{"minimize": "hwfet_wall_wh_per_km"}], "method": "auto",
                 "generations": 2, "population": 4, "seed": 0},
}


def load(tmp_path, data=None, text=None):
    path = tmp_path / "s.yaml"
    path.write_text(text if text is not None else yaml.safe_dump(data, sort_keys=False))
    return load_sweep(path)


def refused(tmp_path, data=None, text=None) -> str:
    with pytest.raises(EdriveError) as exc:
        load(tmp_path, data, text)
    msg = str(exc.value)
    assert "\n" not in msg and len(msg) < 1200, msg
    return msg


def with_value(path: str, value):
    data = copy.deepcopy(VALID)
    node = data
    parts = [int(p) if p.isdigit() else p for p in path.split("|")]
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value
    return data


def test_the_valid_file_loads(tmp_path):
    s = load(tmp_path, VALID)
    assert s.n_designs == 8 and s.optimize["population"] == 4


WHOLE_NUMBERS = ["schema_version", "design|n", "design|seed", "design|chunk_size",
                 "optimize|generations", "optimize|population", "optimize|seed"]
TEXTS = ["base", "name", "description", "cycles|0", "outputs|0", "constraints|0",
         "optimize|objectives|0|minimize", "design|method", "optimize|method",
         "procedures|0"]
LISTS = ["cycles", "procedures", "outputs", "constraints", "optimize|objectives"]
MAPPINGS = ["parameters", "design", "optimize", "optimize|objectives|0"]


@pytest.mark.parametrize("field", WHOLE_NUMBERS)
@pytest.mark.parametrize("value", [True, False, None, 2.5, 1.0e18, "8", [8], {"n": 8}, -1])
def test_whole_number_fields_refuse_anything_else(tmp_path, field, value):
    if field == "design|seed" and value is False:
        value = -2  # (False is refused like True; this keeps the grid of cases rectangular)
    msg = refused(tmp_path, with_value(field, value))
    assert field.split("|")[-1] in msg


@pytest.mark.parametrize("field", ["design|n", "design|chunk_size", "optimize|generations"])
def test_counts_refuse_zero(tmp_path, field):
    assert field.split("|")[-1] in refused(tmp_path, with_value(field, 0))


@pytest.mark.parametrize("field", TEXTS)
@pytest.mark.parametrize("value", [True, 5, ["x"], {"a": 1}])
def test_text_fields_refuse_anything_else(tmp_path, field, value):
    refused(tmp_path, with_value(field, value))


@pytest.mark.parametrize("field", LISTS + MAPPINGS)
@pytest.mark.parametrize("value", [True, 5, "x", None])
def test_lists_and_mappings_refuse_anything_else(tmp_path, field, value):
    if value is None and field in ("outputs", "optimize"):
        return  # null means "the default" (every output, no optimisation)
    refused(tmp_path, with_value(field, value))


PARAM = "parameters|drive_units.0.gear.ratio"


@pytest.mark.parametrize("key, value", [
    ("name", ["x"]), ("name", 5), ("name", True), ("name", "Has Space"),
    ("low", True), ("low", None), ("low", [8]), ("low", {"a": 1}), ("low", "nan"),
    ("high", ".inf"), ("high", "8 kW"),
])
def test_parameter_entries_of_the_wrong_type_are_one_line(tmp_path, key, value):
    msg = refused(tmp_path, with_value(f"{PARAM}|{key}", value))
    assert "parameters.drive_units.0.gear.ratio" in msg


@pytest.mark.parametrize("value", [True, None, 5, "x", [], [[1, 2]], [{"a": 1}], [None]])
def test_levels_of_the_wrong_type_are_one_line(tmp_path, value):
    data = with_value("parameters|battery.cells_parallel", value)
    assert "cells_parallel" in refused(tmp_path, data)


@pytest.mark.parametrize("key", [5, True, None, "no such path", "a" * 10_000, ["x"]])
def test_parameter_paths_that_are_not_dotted_paths(tmp_path, key):
    text = yaml.safe_dump(VALID, sort_keys=False).replace(
        "battery.cells_parallel:", f"{yaml.safe_dump(key, default_flow_style=True).strip()}:"
        if not isinstance(key, list) else "? [x]\n  :")
    refused(tmp_path, text=text)


def test_steps_of_the_wrong_type(tmp_path):
    data = with_value("design", {"method": "grid"})
    for steps in (True, 2.5, "3", [3], 1, 0):
        data["parameters"]["drive_units.0.gear.ratio"]["steps"] = steps
        assert "steps" in refused(tmp_path, data)


def _alias_bomb(levels: int = 9) -> str:
    """A flow list whose last item expands to 10 ** levels items (a few hundred bytes)."""
    items = ["&a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    items += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "[" + ", ".join(items) + "]"


@pytest.mark.parametrize("entry", [
    "{low: 8, high: 10, steps: BOMB}",
    "{low: 8, high: 10, name: BOMB}",
    "{low: BOMB, high: 10}",
    "{levels: {a: BOMB}}",
    "BOMB",
    "[BOMB]",
])
def test_an_alias_bomb_is_never_expanded_in_a_message(tmp_path, monkeypatch, entry):
    text = ("schema_version: 1\nbase: tesla_model3_rwd\nparameters:\n"
            f"  drive_units.0.gear.ratio: {entry.replace('BOMB', _alias_bomb())}\n"
            "design: {method: grid}\ncycles: [hwfet]\n")
    msg = refused(tmp_path, text=text)  # the YAML reader counts the expanded values
    assert len(msg) < 400 and "EDRIVE_MAX_YAML_NODES" in msg
    # past that limit, the sweep's own checks still print a short value
    monkeypatch.setenv("EDRIVE_MAX_YAML_NODES", str(10**10))
    msg = refused(tmp_path, text=text)
    assert len(msg) < 400 and "..." in msg


def test_levels_have_a_limit(tmp_path, monkeypatch):
    levels = [f"{x} kW" for x in range(100, 1101)]  # 1001 levels
    data = with_value("parameters|drive_units.0.motor.power_peak_w", levels)
    msg = refused(tmp_path, data)
    assert "levels: 1,001 levels; the limit is 1,000 (EDRIVE_SWEEP_MAX_LEVELS)" in msg
    monkeypatch.setenv("EDRIVE_SWEEP_MAX_LEVELS", "3")
    data = with_value("design", {"method": "grid"})
    data["parameters"]["drive_units.0.gear.ratio"]["steps"] = 4
    assert "steps: 4 steps; the limit is 3 (EDRIVE_SWEEP_MAX_LEVELS)" in refused(tmp_path, data)
    data = with_value("parameters|battery.cells_parallel", [1, 2, 3, 4])
    assert "levels: 4 levels; the limit is 3" in refused(tmp_path, data)


def test_design_count_is_a_whole_number_within_a_limit(tmp_path, monkeypatch):
    for n in (1.0e18, 2.5, True, "1e18"):
        assert "design.n" in refused(tmp_path, with_value("design|n", n))
    msg = refused(tmp_path, with_value("design|n", 10 ** 18))
    assert msg.endswith("design.n: 1,000,000,000,000,000,000 designs; the limit is "
                        "10,000,000 (EDRIVE_SWEEP_MAX_DESIGNS)")
    monkeypatch.setenv("EDRIVE_SWEEP_MAX_DESIGNS", "20_000_000")
    assert load(tmp_path, with_value("design|n", 12_000_000)).n_chunks == 3_000_000
    monkeypatch.setenv("EDRIVE_SWEEP_MAX_DESIGNS", "7")
    assert "the limit is 7 (EDRIVE_SWEEP_MAX_DESIGNS)" in refused(tmp_path, VALID)
    monkeypatch.setenv("EDRIVE_SWEEP_MAX_DESIGNS", "lots")
    assert "EDRIVE_SWEEP_MAX_DESIGNS: 'lots'; allowed: a positive integer" in \
        refused(tmp_path, VALID)


def test_a_grid_counts_against_the_design_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("EDRIVE_SWEEP_MAX_DESIGNS", "5")
    data = with_value("design", {"method": "grid"})
    data["parameters"]["drive_units.0.gear.ratio"]["steps"] = 3  # 3 x 2 levels
    assert "a grid over these parameters has: 6 designs; the limit is 5" in \
        refused(tmp_path, data)


def test_chunk_size_has_a_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("EDRIVE_SWEEP_MAX_CHUNK_SIZE", "3")
    assert "design.chunk_size: 4 designs per chunk; the limit is 3 " \
           "(EDRIVE_SWEEP_MAX_CHUNK_SIZE)" in refused(tmp_path, VALID)


@pytest.mark.parametrize("levels", [["235/45 R18", "999/99 R99"], ["banana"],
                                    ["235/45 R18", "235/45"]])
def test_a_tyre_no_design_can_have_is_refused_by_check(tmp_path, levels):
    msg = refused(tmp_path, with_value("parameters|wheels.tyre", levels))
    bad = levels[-1]
    assert f"parameters.wheels.tyre.levels.{len(levels) - 1}: {bad!r} is not allowed by the " \
           "vehicle spec (wheels: tyre size" in msg


def test_a_value_no_combination_rescues_is_refused(tmp_path):
    # 800 kW at the base torque: the base speed is above the maximum speed in every design
    data = with_value("parameters|drive_units.0.motor.power_peak_w", ["150 kW", "800 kW"])
    msg = refused(tmp_path, data)
    assert "power_peak_w.levels.1: '800 kW' is not allowed by the vehicle spec " \
           "(drive_units.0.motor: base speed" in msg
    # nor does a torque range that stays too low
    data["parameters"]["drive_units.0.motor.torque_peak_nm"] = {"low": "300 N*m",
                                                                 "high": "410 N*m"}
    msg = refused(tmp_path, data)
    assert "'800 kW'" in msg and "whatever this sweep's drive_units.0.motor.torque_peak_nm" \
        in msg
    # a torque that reaches high enough leaves the combination to the designs
    data["parameters"]["drive_units.0.motor.torque_peak_nm"]["high"] = "600 N*m"
    assert load(tmp_path, data).parameters[2].levels == (150e3, 800e3)


def test_whatever_check_accepts_builds_at_its_ends(tmp_path):
    """Every level and each end of every range builds with some combination of the others."""
    from edrive.sweep.design import design_rows
    from edrive.sweep.evaluate import evaluate_chunk

    data = with_value("parameters", {
        "wheels.tyre": ["235/45 R18", "255/35 R20"],
        "drive_units.0.motor.power_peak_w": {"low": "150 kW", "high": "250 kW"},
        "battery.cells_series": [90, 106]})
    data["design"] = {"method": "grid"}
    data["parameters"]["drive_units.0.motor.power_peak_w"]["steps"] = 2
    del data["optimize"]
    data["procedures"], data["outputs"], data["constraints"] = [], ["hwfet_soc_end"], []
    s = load(tmp_path, data)
    rows = design_rows(s, 0, s.n_designs)
    recs = evaluate_chunk(s.base_dict, rows, s.cycles, s.procedures, s.outputs)
    assert [r["error"] for r in recs] == [None] * 8


def test_files_that_are_not_sweep_files(tmp_path, monkeypatch):
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(EdriveError, match=r"bin.yaml: not UTF-8 text \(byte 0\)"):
        load_sweep(tmp_path / "bin.yaml")
    with pytest.raises(EdriveError, match="is not a file"):
        load_sweep(tmp_path)
    with pytest.raises(EdriveError, match="cannot be read"):
        load_sweep(tmp_path / ("x" * 300 + ".yaml"))
    (tmp_path / "big.yaml").write_text("#" * 2_000_000)
    with pytest.raises(EdriveError, match=r"big.yaml: 2,000,000 bytes; the limit is 1,048,576 "
                                          r"\(EDRIVE_SWEEP_MAX_FILE_BYTES\)"):
        load_sweep(tmp_path / "big.yaml")


@pytest.mark.parametrize("field", ["base", "cycles|0"])
def test_names_too_long_for_the_file_system(tmp_path, field):
    msg = refused(tmp_path, with_value(field, "x" * 1000))
    assert ("unknown vehicle 'xxx" in msg or "unknown cycle 'xxx" in msg) and len(msg) < 600


@pytest.mark.parametrize("field, value", [
    ("outputs|0", "x" * 100_000), ("outputs", ["hwfet_wall_wh_per_km"] * 2 + ["y" * 10_000]),
    ("constraints|0", "z" * 100_000 + " <= 1"),
    ("optimize|objectives|0|minimize", "w" * 100_000),
    ("parameters|drive_units.0.gear.ratio|name", "n" * 100_000),
])
def test_long_values_are_shown_abridged(tmp_path, field, value):
    msg = refused(tmp_path, with_value(field, value))
    assert len(msg) < 1200 and "..." in msg or "listed twice" in msg
