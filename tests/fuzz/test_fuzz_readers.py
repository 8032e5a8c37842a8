"""Every file reader against damaged and hostile files.

Each reader gets a valid file of its kind, damaged in one way drawn by hypothesis: cut short
anywhere, a byte changed, a line doubled or dropped, a value replaced by something hostile (a
bool, NaN, a huge number, an expression, a list, a key typed twice). Whatever comes in, the
reader either gives a usable object (which then computes finite numbers) or raises
:class:`~edrive.errors.EdriveError` with one short line; nothing else escapes, nothing hangs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edrive.errors import EdriveError
from harness import hang_guard

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = settings(max_examples=100, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

HOSTILE_SCALARS = [True, False, None, -1, 0, 1e308, -1e308, float("nan"), float("inf"),
                   "10**10**10 W", "1e400 W", "1 parsec", "abc", "", "__import__('os')",
                   [1, 2], {"a": 1}, "-0 kW", 1e-320, "150 kW; rm -rf /", 2**70]
HOSTILE_CELLS = ["", "abc", "nan", "inf", "-inf", "1e308", "-1", "1e400", "0x1F", "true",
                 "1,5", '"', "=cmd|' /C calc'!A0"]


def one_line(exc: EdriveError) -> None:
    msg = str(exc)
    assert "\n" not in msg and 0 < len(msg) < 600, repr(msg)
    assert "np.float64" not in msg and "Traceback" not in msg, msg


def outcome(read: Callable[[Path], object], path: Path, check: Callable[[object], None]):
    """Read ``path``: a usable object passes ``check``; a refusal is one line."""
    with hang_guard(60):
        try:
            obj = read(path)
        except EdriveError as exc:
            one_line(exc)
            return
        try:
            check(obj)
        except EdriveError as exc:  # refused when used (e.g. cannot follow the cycle)
            one_line(exc)


# --- the readers, each with a valid file and what "usable" means --------------------------

def _finite_summary(summary: dict) -> None:
    for k, v in summary.items():
        if isinstance(v, float):
            no_fuel = k == "mpg_us" and v == math.inf and summary.get("fuel_l") == 0.0
            assert math.isfinite(v) or k.startswith("trace") or no_fuel, f"{k} = {v}"


def check_vehicle(spec) -> None:
    from edrive import simulate
    from edrive.cycles import read_cycle_csv

    cyc = read_cycle_csv("time_s,speed_kmh\n0,0\n5,20\n10,20\n15,0\n", name="short")
    res = simulate(spec, cyc)
    _finite_summary(res.summary)


def check_cycle(cyc) -> None:
    s = cyc.stats()
    assert all(math.isfinite(v) for v in s.values() if isinstance(v, float)), s
    assert s["duration_s"] >= 0 and s["distance_m"] >= 0


def check_model(spec) -> None:
    spec.model()


def check_frame(df) -> None:
    assert len(df) >= 1


def _vehicle_reader(path: Path):
    from edrive.vehicle import load_vehicle

    return load_vehicle(path)


def _cycle_reader(path: Path):
    from edrive.cycles import load_cycle

    return load_cycle(path)


def _edu_reader(path: Path):
    from edrive.edu import load_edu

    return load_edu(path)


def _engine_reader(path: Path):
    from edrive.components.engine import load_engine

    return load_engine(path)


def _sweep_reader(path: Path):
    from edrive.sweep.sweep_file import load_sweep

    return load_sweep(path)


def _epa_reader(path: Path):
    from edrive.io.epa_testcar import read_testcar

    return read_testcar(path)


def _fastsim_reader(path: Path):
    from edrive.io.fastsim import load_fastsim_vehicle

    return load_fastsim_vehicle(path, directory=path.parent / "maps")


def _portfolio_reader(path: Path):
    from edrive.alliance.portfolio import load_portfolio

    return load_portfolio(path)


def check_portfolio(spec) -> None:
    demand = spec.demand_units()
    assert np.all(np.isfinite(demand)) and np.all(demand >= 0)
    assert spec.variant_definitions() and spec.battery_options()


def _bundled_text(folder: str, name: str) -> str:
    return (ROOT / "src/edrive/data" / folder / name).read_text()


@cache
def _originals() -> dict[str, tuple[str, str]]:
    """(file name, valid text) of each reader's file kind."""
    from edrive.edu import load_edu

    loss_map = load_edu("jaguar_ipace_pm").model().loss_map_frame()
    loss_csv = loss_map.to_csv(index=False)
    car = yaml.safe_load(_bundled_text("vehicles", "nissan_leaf_40kwh.yaml"))
    car["drive_units"][0]["motor"]["losses"] = {"kind": "map", "file": "losses.csv"}
    sweep = (ROOT / "examples/sweep_motor_gear.yaml").read_text()
    epa = (ROOT / "tests/validation/data/epa_2022_subset.csv").read_text().splitlines()
    return {
        "vehicle": ("car.yaml", _bundled_text("vehicles", "tesla_model3_rwd.yaml")),
        "vehicle_map": ("car_map.yaml", yaml.safe_dump(car, sort_keys=False)),
        "loss_map": ("losses.csv", loss_csv),
        "hybrid": ("hybrid.yaml", _bundled_text("vehicles", "toyota_prius_gen4.yaml")),
        "petrol": ("petrol.yaml", _bundled_text("vehicles", "bmw_330i.yaml")),
        "cycle": ("cycle.csv", "time_s,speed_kmh,grade_pct\n0,0,0\n10,30,1\n20,50,0\n"
                               "30,50,-1\n40,0,0\n"),
        "edu": ("edu.yaml", _bundled_text("edus", "bmw_gen5_eesm.yaml")),
        "engine": ("engine.yaml", _bundled_text("engines", "bmw_b48_2l_turbo_petrol.yaml")),
        "sweep": ("sweep.yaml", sweep),
        "epa": ("epa.csv", "\n".join(epa[:6]) + "\n"),
        "portfolio": ("portfolio.yaml",
                      _bundled_text("portfolios", "illustrative_bmw_jlr.yaml")),
        "fastsim": ("fastsim.yaml",
                    (ROOT / "tests/data/fastsim/2022_Renault_Zoe_ZE50_R135.yaml").read_text()),
    }


class _Originals(dict):
    """The valid files, shown by hypothesis by name only (they are long)."""

    def __repr__(self) -> str:
        return "originals"


@pytest.fixture(scope="module")
def originals() -> dict[str, tuple[str, str]]:
    return _Originals(_originals())


READERS: dict[str, tuple[Callable, Callable]] = {
    "vehicle": (_vehicle_reader, check_vehicle),
    "vehicle_map": (_vehicle_reader, check_vehicle),
    "hybrid": (_vehicle_reader, check_vehicle),
    "petrol": (_vehicle_reader, check_vehicle),
    "cycle": (_cycle_reader, check_cycle),
    "edu": (_edu_reader, check_model),
    "engine": (_engine_reader, check_model),
    "sweep": (_sweep_reader, lambda s: None),
    "epa": (_epa_reader, check_frame),
    "fastsim": (_fastsim_reader, check_vehicle),
    "portfolio": (_portfolio_reader, check_portfolio),
}


def place(tmp_path: Path, originals: dict, kind: str, text: str | bytes) -> Path:
    """Write the damaged file of ``kind`` (and the valid companions it names) in a fresh
    folder; return its path."""
    folder = tmp_path / f"case{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    name = originals[kind][0]
    if kind == "vehicle_map":
        (folder / "losses.csv").write_text(originals["loss_map"][1])
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_the_valid_files_are_read(originals, tmp_path):
    for kind, (read, check) in READERS.items():
        obj = read(place(tmp_path, originals, kind, originals[kind][1]))
        check(obj)


# --- damage at the byte and line level ------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(READERS))
@EXAMPLES
@given(data=st.data())
def test_cut_short_anywhere(kind, originals, tmp_path, data):
    text = originals[kind][1].encode()
    cut = data.draw(st.integers(0, len(text) - 1), label="cut at byte")
    read, check = READERS[kind]
    outcome(read, place(tmp_path, originals, kind, text[:cut]), check)


@pytest.mark.parametrize("kind", sorted(READERS))
@EXAMPLES
@given(data=st.data())
def test_bytes_changed(kind, originals, tmp_path, data):
    text = bytearray(originals[kind][1].encode())
    for _ in range(data.draw(st.integers(1, 3), label="bytes")):
        at = data.draw(st.integers(0, len(text) - 1), label="at")
        text[at] = data.draw(st.integers(0, 255), label="byte")
    read, check = READERS[kind]
    outcome(read, place(tmp_path, originals, kind, bytes(text)), check)


@pytest.mark.parametrize("kind", sorted(READERS))
@EXAMPLES
@given(data=st.data())
def test_a_line_doubled_or_dropped(kind, originals, tmp_path, data):
    lines = originals[kind][1].splitlines(keepends=True)
    at = data.draw(st.integers(0, len(lines) - 1), label="line")
    if data.draw(st.booleans(), label="double"):
        lines.insert(at, lines[at])
    else:
        del lines[at]
    read, check = READERS[kind]
    outcome(read, place(tmp_path, originals, kind, "".join(lines)), check)


# --- hostile values in the structure --------------------------------------------------------

def _scalar_paths(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _scalar_paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _scalar_paths(v, (*prefix, i))
    else:
        yield prefix


def _set(node, path, value):
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value


YAML_KINDS = sorted(k for k in READERS if k not in ("cycle", "epa"))


@pytest.mark.parametrize("kind", YAML_KINDS)
@EXAMPLES
@given(data=st.data())
def test_a_yaml_value_made_hostile(kind, originals, tmp_path, data):
    doc = yaml.safe_load(originals[kind][1])
    paths = [p for p in _scalar_paths(doc) if p]
    path = data.draw(st.sampled_from(paths), label="path")
    _set(doc, path, data.draw(st.sampled_from(HOSTILE_SCALARS), label="value"))
    read, check = READERS[kind]
    outcome(read, place(tmp_path, originals, kind, yaml.safe_dump(doc, sort_keys=False)),
            check)


@pytest.mark.parametrize("kind", ["cycle", "epa", "loss_map"])
@EXAMPLES
@given(data=st.data())
def test_a_csv_cell_made_hostile(kind, originals, tmp_path, data):
    lines = originals[kind][1].splitlines()
    row = data.draw(st.integers(0, len(lines) - 1), label="row")
    cells = lines[row].split(",")
    col = data.draw(st.integers(0, len(cells) - 1), label="column")
    cells[col] = data.draw(st.sampled_from(HOSTILE_CELLS), label="value")
    lines[row] = ",".join(cells)
    text = "\n".join(lines) + "\n"
    if kind == "loss_map":
        orig = dict(originals)
        orig["loss_map"] = ("losses.csv", text)
        path = place(tmp_path, orig, "vehicle_map", originals["vehicle_map"][1])
        outcome(_vehicle_reader, path, check_vehicle)
        return
    read, check = READERS[kind]
    outcome(read, place(tmp_path, originals, kind, text), check)


def test_a_key_typed_twice_is_refused(originals, tmp_path):
    text = originals["vehicle"][1].replace("type: bev\n", "type: bev\ntype: icev\n", 1)
    with pytest.raises(EdriveError, match="type"):
        _vehicle_reader(place(tmp_path, originals, "vehicle", text))


def test_an_alias_bomb_is_refused_quickly(originals, tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n"
        for i in range(8))
    for kind in ("vehicle", "sweep", "edu"):
        path = place(tmp_path, originals, kind, bomb + originals[kind][1])
        with hang_guard(30), pytest.raises(EdriveError) as err:
            READERS[kind][0](path)
        one_line(err.value)
