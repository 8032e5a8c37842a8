"""Run every Python example in the docs and the README."""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCKS = [(p.name, i, code) for p in [*sorted(DOCS.glob("*.md")), DOCS.parent / "README.md"]
          for i, code in enumerate(re.findall(r"```python\n(.*?)```", p.read_text(), re.S))]


@pytest.mark.parametrize("name,index,code", BLOCKS, ids=[f"{n}-{i}" for n, i, _ in BLOCKS])
def test_doc_example_runs(name, index, code, capsys):
    exec(compile(code, f"{name}[{index}]", "exec"), {})


def test_guide_vehicle_file_loads(tmp_path):
    from edrive import load_vehicle, simulate

    text = (DOCS / "guide.md").read_text()
    yaml_block = re.search(r"```yaml\n(schema_version.*?)```", text, re.S).group(1)
    path = tmp_path / "my_car.yaml"
    path.write_text(yaml_block)
    res = simulate(load_vehicle(path), "wltc")
    assert res.summary["trace_missed_s"] == 0


def test_guide_petrol_car_file_simulates(tmp_path):
    from edrive import simulate

    text = (DOCS / "guide.md").read_text()
    block = re.search(r"```yaml\n(schema_version: 1\ntype: icev.*?)```", text, re.S).group(1)
    path = tmp_path / "sedan.yaml"
    path.write_text(block)
    s = simulate(path, "wltc").summary
    assert 4 < s["fuel_l_per_100km"] < 12 and s["trace_missed_s"] == 0
