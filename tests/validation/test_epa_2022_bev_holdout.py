"""The held-out-makes protocol for the battery-electric generic defaults.

Source: the EPA 2022 Test Car List (``data/epa_2022_subset.csv`` holds every
charge-depleting record of the MY2022 file, so every battery-electric record).
``tools/calibrate_bev_defaults.py --half a`` sorts the makes with battery-electric records in
the error statistics, deals them alternately to halves ``a`` and ``b`` and fits the generic
loss model, the charger efficiency and the auxiliary power on half ``a``; half ``b`` is held
out. Checked here, without refitting the whole set:

* the makes of half ``a`` are the ones the report declares as fit makes
  (:data:`edrive.report.epa_report.CALIBRATION_MAKES`), so the report splits as the fit did;
* the committed defaults are the fit half's optimum in the one direction that moves every
  record alike: the wall energy is the battery's recharge energy over the charging
  efficiency, so every predicted MPGe scales with it, and the charging efficiency that
  minimises the fit half's mean absolute error lies within 0.005 of the default;
* the held-out makes' mean absolute error with the committed defaults, measured on
  2026-12-07 over 51 UDDS and 50 HWFET records: 12.4 % and 6.7 % (target 6 %, not met; the
  three-constant formula of ``tools/calibrate_bev_defaults.py --bar``, fitted on the same
  half, scores 11.2 % and 7.2 %; docs/validation.md, section 1). The bound is that figure
  plus one point, so a change that worsens the held-out makes fails here;
* the physical model against that formula on the held-out makes: ahead on the HWFET
  (6.7 % against 7.2 %), behind on the UDDS by 1.2 points (bound: 2 points).
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from edrive.chassis import ChargerSpec
from edrive.io.epa_testcar import classify, predict, read_testcar
from edrive.report.epa_report import CALIBRATION_MAKES

DATA = Path(__file__).resolve().parent / "data" / "epa_2022_subset.csv"
TOOL = Path(__file__).resolve().parents[2] / "tools" / "calibrate_bev_defaults.py"
HELD_OUT_MAE_PCT = {"udds": 12.4, "hwfet": 6.7}  # measured, see the module docstring
FIT_MAE_PCT = {"udds": 4.2, "hwfet": 2.6}


@pytest.fixture(scope="module")
def protocol():
    spec = importlib.util.spec_from_file_location("calibrate_bev_defaults", TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    records = tool.usable(classify(read_testcar(DATA), "bev"))
    sets = tool.halves(records)
    ratio = np.array([predict(r) / r.measured for r in records])  # predicted / measured
    cycles = np.array([r.cycle for r in records])
    return records, sets, ratio, cycles, tool


def test_the_report_splits_as_the_fit_did(protocol):
    records, sets, _, _, _ = protocol
    fit = {records[i].make.strip().upper() for i in sets["a"]}
    held = {records[i].make.strip().upper() for i in sets["b"]}
    assert fit == set(CALIBRATION_MAKES["bev"])
    assert not fit & held and len(held) == len(fit) == 9


def test_the_charging_efficiency_is_the_fit_half_optimum(protocol):
    _, sets, ratio, _, _ = protocol
    default = ChargerSpec().efficiency
    fit = ratio[sets["a"]]
    scale = np.linspace(0.9, 1.1, 2001)
    mae = [np.mean(np.abs(s * fit - 1)) for s in scale]
    best = default * scale[int(np.argmin(mae))]
    assert best == pytest.approx(default, abs=0.005)


@pytest.mark.parametrize("cycle", ["udds", "hwfet"])
def test_held_out_makes(protocol, cycle):
    _, sets, ratio, cycles, _ = protocol
    held = sets["b"][cycles[sets["b"]] == cycle]
    fit = sets["a"][cycles[sets["a"]] == cycle]
    assert len(held) >= 50 and len(fit) == 45
    held_mae = np.mean(np.abs(ratio[held] - 1)) * 100
    fit_mae = np.mean(np.abs(ratio[fit] - 1)) * 100
    assert held_mae <= HELD_OUT_MAE_PCT[cycle] + 1, held_mae
    assert fit_mae <= FIT_MAE_PCT[cycle] + 1, fit_mae


def test_the_model_against_the_three_constant_formula(protocol):
    records, sets, ratio, cycles, tool = protocol
    e_bar, constants = tool.regression_bar(records, sets["a"])
    held = sets["b"]
    for cycle, behind_max in (("udds", 2.0), ("hwfet", 0.0)):
        sel = held[cycles[held] == cycle]
        model = np.mean(np.abs(ratio[sel] - 1)) * 100
        bar = np.mean(np.abs(e_bar[sel]))
        assert model <= bar + behind_max, (cycle, model, bar)
        assert constants[cycle][1] > 1  # more energy at the wall than at the wheels
