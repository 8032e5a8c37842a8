"""Designs by index: reproducible whatever the chunking, in range, and of the promised kind."""

import itertools

import numpy as np
import pytest
from scipy.stats import qmc

from edrive.sweep.design import design_columns, design_rows, permutation, unit_points
from edrive.sweep.sweep_file import load_sweep

PARAMS = """parameters:
  drive_units.0.motor.power_peak_w: {low: 150 kW, high: 250 kW%s}
  drive_units.0.gear.ratio: {low: 8, high: 11%s}
  battery.cells_parallel: {low: 1, high: 3%s}
  wheels.tyre: [235/45 R18, 235/40 R19]
"""


def make(tmp_path, method, n=None, seed=3, steps=("", "", "")):
    text = "schema_version: 1\nbase: tesla_model3_rwd\n" + PARAMS % steps
    text += f"design: {{method: {method}" + (f", n: {n}" if n else "") + f", seed: {seed}}}\n"
    text += "cycles: [udds]\n"
    (tmp_path / "s.yaml").write_text(text)
    return load_sweep(tmp_path / "s.yaml")


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_any_chunking_gives_the_same_designs_in_range(tmp_path, method):
    s = make(tmp_path, method, n=100)
    whole = design_columns(s, 0, 100)
    for cuts in ([0, 37, 100], [0, 1, 2, 64, 99, 100]):
        parts = [design_columns(s, a, b) for a, b in itertools.pairwise(cuts)]
        for path, values in whole.items():
            assert list(itertools.chain.from_iterable(p[path] for p in parts)) == values
    power = np.array(whole["drive_units.0.motor.power_peak_w"])
    assert power.min() >= 150e3 and power.max() <= 250e3 and np.ptp(power) > 80e3
    ratio = np.array(whole["drive_units.0.gear.ratio"])
    assert ratio.min() >= 8 and ratio.max() <= 11
    cells = whole["battery.cells_parallel"]
    assert set(cells) == {1, 2, 3} and all(isinstance(c, int) for c in cells)
    assert set(whole["wheels.tyre"]) == {"235/45 R18", "235/40 R19"}
    # another seed, other designs; the same seed, the same designs
    assert design_columns(make(tmp_path, method, n=100, seed=4), 0, 100) != whole
    assert design_columns(make(tmp_path, method, n=100, seed=3), 0, 100) == whole


def test_lhs_puts_one_design_in_each_stratum(tmp_path):
    n = 97
    u = unit_points("lhs", 0, n, n, 5, seed=11)
    assert u.min() >= 0 and u.max() < 1
    for j in range(5):
        assert sorted(np.floor(u[:, j] * n).astype(int)) == list(range(n))
    s = make(tmp_path, "lhs", n=30)
    power = np.array(design_columns(s, 0, 30)["drive_units.0.motor.power_peak_w"])
    assert sorted(np.floor((power - 150e3) / 100e3 * 30).astype(int)) == list(range(30))


@pytest.mark.parametrize("n", [1, 2, 3, 16, 1000, 1023, 4097])
def test_keyed_permutation_is_a_permutation(n):
    p = permutation(np.arange(n), n, seed=5, dim=2)
    assert sorted(p.tolist()) == list(range(n))
    if n > 16:
        assert not np.array_equal(p, np.arange(n))
        assert not np.array_equal(p, permutation(np.arange(n), n, seed=5, dim=3))


def test_sobol_matches_scipy_sequence(tmp_path):
    expected = qmc.Sobol(3, scramble=True, rng=7).random(64)
    got = np.vstack([unit_points("sobol", a, a + 16, 64, 3, seed=7) for a in range(0, 64, 16)])
    np.testing.assert_array_equal(got, expected)


def test_grid_is_the_full_factorial_in_product_order(tmp_path):
    s = make(tmp_path, "grid", steps=(", steps: 3", ", steps: 2", ", steps: 3"))
    assert s.n_designs == 3 * 2 * 3 * 2
    rows = design_rows(s, 0, s.n_designs)
    expected = list(itertools.product([150e3, 200e3, 250e3], [8.0, 11.0], [1, 2, 3],
                                      ["235/45 R18", "235/40 R19"]))
    assert [tuple(r["values"].values()) for r in rows] == expected
    assert [r["design_id"] for r in rows] == list(range(36))
    assert design_rows(s, 30, 100)[0]["values"] == rows[30]["values"]
    assert len(design_rows(s, 30, 100)) == 6
