"""Loss-map CSV files named by a vehicle's drive unit (``losses: {kind: map, file: ...}``)
that are broken: every problem is one line naming the file, the column and the row."""

import copy

import numpy as np
import pytest
import yaml

from edrive.components.drive_unit import MotorSpec, read_loss_map_csv
from edrive.errors import EdriveError
from edrive.vehicle import load_vehicle
from tests.conftest import BASE

MOTOR = MotorSpec(power_peak_w=150e3, torque_peak_nm=300.0, speed_max_rad_s=1500.0)
SPEEDS = np.linspace(0.0, 1500.0, 4)
TORQUES = np.linspace(-300.0, 300.0, 5)


def grid_rows() -> list[list[str]]:
    return [[repr(float(w)), repr(float(t)), repr(float(100 + abs(t)))] for w in SPEEDS
            for t in TORQUES]


def write(path, rows, header="speed_rad_s,torque_nm,loss_w"):
    path.write_text(header + "\n" + "".join(",".join(r) + "\n" for r in rows))
    return path


def error(path) -> str:
    with pytest.raises(EdriveError) as info:
        read_loss_map_csv(path, MOTOR)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_a_good_map_reads(tmp_path):
    lm = read_loss_map_csv(write(tmp_path / "m.csv", grid_rows()), MOTOR)
    assert lm.loss_w.shape == (5, 4) and lm.loss(300.0, 1500.0) == pytest.approx(400.0)


@pytest.mark.parametrize("cell,allowed", [("abc", "a finite number"), ("", "a finite number"),
                                          ("nan", "a finite number"), ("inf", "a finite number"),
                                          ("-5", ">= 0")])
def test_bad_loss_values_name_row_and_column(tmp_path, cell, allowed):
    rows = grid_rows()
    rows[7][2] = cell
    path = write(tmp_path / "m.csv", rows)
    assert error(path) == f"loss map {path}: data row 8, column loss_w: {cell!r}; allowed: {allowed}"


def test_bad_axis_values_name_row_and_column(tmp_path):
    rows = grid_rows()
    rows[3][0] = "fast"
    path = write(tmp_path / "m.csv", rows)
    assert "data row 4, column speed_rad_s: 'fast'" in error(path)


@pytest.mark.parametrize("header,missing", [
    ("speed_rad_s,torque_nm,power", "no column among loss_w, loss_kw"),
    ("rpm,torque_nm,loss_w", "no column among speed_rad_s, speed_rpm"),
    ("speed_rad_s,torque,loss_w", "no column among torque_nm"),
])
def test_missing_columns(tmp_path, header, missing):
    path = write(tmp_path / "m.csv", grid_rows(), header)
    assert f"{missing}; expected a header row of speed_rad_s or speed_rpm, torque_nm, and loss_w " \
           "or loss_kw" in error(path)


def test_two_columns_for_one_quantity(tmp_path):
    rows = [r + ["0"] for r in grid_rows()]
    path = write(tmp_path / "m.csv", rows, "speed_rad_s,torque_nm,loss_w,loss_kw")
    assert "more than one column among loss_w, loss_kw" in error(path)


def test_ragged_and_repeated_grids(tmp_path):
    path = write(tmp_path / "m.csv", grid_rows()[:-1])
    assert error(path).endswith("rows do not form a full speed x torque grid: 4 speeds x 5 "
                                "torques need 20 rows, found 19")
    rows = grid_rows()
    rows[-1] = rows[0]
    assert error(write(path, rows)).endswith(
        "data row 20 repeats a grid point, and there is none at speed_rad_s 1500.0, torque_nm "
        "300.0; give each grid point once")
    rows = grid_rows()
    rows[5] = rows[5] + ["1"]
    assert "not a valid CSV file (Error tokenizing data" in error(write(path, rows))


def test_a_scattered_cloud_is_refused_without_building_its_grid(tmp_path):
    rng = np.random.default_rng(1)
    rows = [[repr(float(a)), repr(float(b)), "1"] for a, b in rng.random((100_000, 2))]
    assert "100,000 speeds x 100,000 torques need 10,000,000,000 rows" in error(
        write(tmp_path / "m.csv", rows))


def test_files_that_are_not_loss_maps(tmp_path, monkeypatch):
    assert error(tmp_path) == f"loss map file {str(tmp_path)!r} is a directory; expected a CSV file"
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "empty file; expected a CSV file with a header row" in error(empty)
    header_only = write(tmp_path / "h.csv", [])
    assert "0 speeds x 0 torques; a grid needs at least 2 of each" in error(header_only)
    binary = tmp_path / "b.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    assert "not UTF-8 text" in error(binary)
    good = write(tmp_path / "m.csv", grid_rows())
    monkeypatch.setenv("EDRIVE_MAX_LOSS_MAP_FILE_BYTES", "100")
    assert error(good) == (f"loss map file {good}: larger than the limit of 100 bytes "
                           "(EDRIVE_MAX_LOSS_MAP_FILE_BYTES)")


def test_a_vehicle_names_its_broken_map(tmp_path):
    rows = grid_rows()
    rows[7][2] = "abc"
    write(tmp_path / "map.csv", rows)
    data = copy.deepcopy(BASE)
    data["drive_units"][0]["motor"]["losses"] = {"kind": "map", "file": "map.csv"}
    car = tmp_path / "car.yaml"
    car.write_text(yaml.safe_dump(data))
    with pytest.raises(EdriveError) as info:
        load_vehicle(car)
    assert str(info.value) == (f"{car}: loss map {tmp_path / 'map.csv'}: data row 8, column "
                               "loss_w: 'abc'; allowed: a finite number")
