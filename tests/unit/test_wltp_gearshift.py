"""The UN GTR 15 Annex 2 gear-shift procedure: a hand-worked car, the corrections on the
regulation's own examples, and sanity over whole cycles."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from edrive.cycles import load_cycle
from edrive.errors import EdriveError
from edrive.procedures import wltp_gearshift as ws
from edrive.procedures.wltp_gearshift import (
    NEUTRAL,
    wltp_gears,
    wltp_gearshift,
    wltp_gearshift_for,
)
from edrive.vehicle import load_vehicle, vehicle_from_dict

RPM = np.pi / 30
KMH = 1 / 3.6
# n/v of five gears in the regulation's unit, rpm per km/h -> rad/s per m/s
NDV_RPM_PER_KMH = np.array([100.0, 60.0, 40.0, 30.0, 25.0])
NDV = NDV_RPM_PER_KMH * RPM / KMH


def _p_wot(w):
    """Hand-worked car: constant torque up to 6,000 rpm (100 kW there), 100 kW to 6,500 rpm."""
    return 100e3 * np.minimum(np.asarray(w) / (6000 * RPM), 1.0)


CAR = {"power_rated_w": 100e3, "speed_rated_rad_s": 6000 * RPM, "speed_idle_rad_s": 800 * RPM,
       "speed_max_rad_s": 6500 * RPM, "full_load_power_w": _p_wot, "f0_n": 150.0,
       "f1_n_per_m_s": 0.0, "f2_n_per_m2_s2": 0.4, "test_mass_kg": 1500.0}


def _run(speeds_kmh, **kw):
    v = np.asarray(speeds_kmh, dtype=float) * KMH
    return wltp_gearshift(np.arange(len(v)), v, NDV, **(CAR | kw))


def test_hand_worked_limits():
    r = _run([50, 50, 50])
    lim = r.limits
    # n_min_drive, 3rd gear up: 800 + 0.125 (6000 - 800) = 1450 rpm
    assert lim["speed_min_drive_third_up_rad_s"] == pytest.approx(1450 * RPM)
    # top speed in 5th: 100 kW x n/6000 = f0 v + f2 v^3 with n = 25 x 3.6 v rpm
    # -> 1500 v = 150 v + 0.4 v^3 -> v = sqrt(1350 / 0.4) = 58.09 m/s
    assert lim["top_speed_by_gear_m_s"][4] == pytest.approx(np.sqrt(1350 / 0.4), abs=0.1)
    # 4th: the engine reaches 6,500 rpm at 216.7 km/h with 100 kW > 96.3 kW road load
    assert lim["top_speed_by_gear_m_s"][3] == pytest.approx(6500 / 30 * KMH, abs=0.05)
    assert lim["gear_vmax"] == 3                     # 4th, faster than 5th
    assert lim["speed_95_high_rad_s"] == pytest.approx(6500 * RPM, rel=1e-3)
    assert lim["speed_max_rad_s"] == pytest.approx(6500 * RPM, rel=1e-3)


def test_hand_worked_gear_choice():
    # steady 50 km/h: P_req = 150 x 13.889 + 0.4 x 13.889^3 = 3.155 kW. Engine speeds 5,000 /
    # 3,000 / 2,000 / 1,500 / 1,250 rpm; 5th is below 1,450 rpm; 4th gives
    # 0.9 x 100 kW x 1500/6000 = 22.5 kW >= 3.155 kW -> 4th (index 3)
    r = _run([50, 50, 50])
    assert r.power_required_w[0] == pytest.approx(150 * 50 / 3.6 + 0.4 * (50 / 3.6) ** 3)
    assert r.initial_gear[0] == 3 and r.gear[0] == 3
    assert r.engine_speed_rad_s[0] == pytest.approx(1500 * RPM)
    assert r.power_available_w[0] == pytest.approx(22.5e3)
    # accelerating at 1 m/s^2 from 50 km/h: P_req = 3.155 + 1.03 x 1 x 13.889 x 1500 =
    # 24.61 kW > 22.5 kW in 4th; 3rd gives 0.9 x 100 x 2000/6000 = 30 kW -> 3rd (index 2)
    r = _run([50, 53.6, 53.6])
    assert r.power_required_w[0] == pytest.approx(3155.1 + 1.03 * 13.889 * 1500, rel=1e-3)
    assert r.initial_gear[0] == 2
    # the same with a 30 % additional safety margin up to 2,500 rpm: 3rd has
    # 100 x 2000/6000 x (1 - 0.4) = 20 kW < 24.6 kW -> 2nd (3,000 rpm, ASM below 30 %)
    r = _run([50, 53.6, 53.6], asm0=0.3, asm_speed_start_rad_s=2500 * RPM,
             asm_speed_end_rad_s=4000 * RPM)
    assert r.initial_gear[0] == 1


def test_standstill_start_and_stop():
    v = [0, 0, 0, 5, 12, 20, 28, 35, 40, 40, 40, 35, 28, 20, 12, 5, 0, 0]
    r = _run(v)
    g = r.gear
    assert list(g[:2]) == [NEUTRAL, NEUTRAL]
    assert g[2] == 0 and r.clutch_open[2]            # first gear, clutch open, 1 s before
    assert g[3] == 0 and g[4] == 0                   # moving off in first, held 2 s
    assert list(g[-2:]) == [NEUTRAL, NEUTRAL]
    assert 0 not in g[9:16]                          # no first gear in the stop


def test_corrections_on_the_regulations_examples():
    n = 7
    ctx = ws._Context(np.full(n, 10.0), np.ones(n, bool), np.full(n, 1.0),
                      np.ones((6, n), bool), np.ones((6, n), bool), np.ones((6, n)), 1.0)
    # accelerations: 1, 2, 3, 3, 3, 3, 3 -> 1, 1, 2, 2, 3, 3, 3 (gear numbers; indices - 1)
    g = np.array([1, 2, 3, 3, 3, 3, 3]) - 1
    assert list(ws._accelerations(g, ctx) + 1) == [1, 1, 2, 2, 3, 3, 3]
    # one second one step higher: n, n+1, n -> n, n, n and n-1, n+1, n -> n-1, n, n
    assert list(ws._one_second_upshift(np.array([3, 3, 4, 3, 3, 3, 3]), ctx)) == [3] * 7
    assert list(ws._one_second_upshift(np.array([2, 2, 4, 3, 3, 3, 3]), ctx)) == \
        [2, 2, 3, 3, 3, 3, 3]
    # a higher gear for 1-5 s between lower ones: i-1, i, i, i-1 -> i-1 throughout
    assert list(ws._short_higher_gear(np.array([2, 2, 3, 3, 2, 2, 2]), ctx)) == [2] * 7
    # ... but not when it lasts 6 s
    assert list(ws._short_higher_gear(np.array([2, 3, 3, 3, 3, 3, 3]), ctx)) == \
        [2, 3, 3, 3, 3, 3, 3]
    # decelerations: no upshift
    dec = ws._Context(np.full(n, 10.0), np.ones(n, bool), np.full(n, -1.0),
                      np.ones((6, n), bool), np.ones((6, n), bool), np.ones((6, n)), 1.0)
    assert list(ws._decelerations(np.array([4, 4, 3, 4, 4, 3, 3]), dec)) == [4, 4, 3, 3, 3, 3, 3]


@pytest.fixture(scope="module")
def manual_car():
    path = Path(__file__).resolve().parents[1] / "data" / "petrol_sedan.yaml"
    data = yaml.safe_load(path.read_text()) | {"transmission": "manual_6"}
    return vehicle_from_dict(data)


@pytest.mark.parametrize("cycle", ["wltc", "udds", "hwfet", "us06", "nedc"])
def test_sanity_over_cycles(manual_car, cycle):
    cyc = load_cycle(cycle)
    r = wltp_gearshift_for(manual_car, cyc)
    g, v, w, lim = r.gear, cyc.speed_m_s, r.engine_speed_rad_s, r.limits
    moving = v >= 1 * KMH
    assert g.min() >= NEUTRAL and g.max() <= 5
    # standstill in neutral except the second before moving off (first gear)
    starts = np.nonzero(~moving[:-1] & moving[1:])[0]
    assert np.all(g[starts] == 0) and np.all(g[starts + 1] == 0)
    standing = ~moving
    standing[starts] = False
    assert np.all(g[standing] == NEUTRAL)
    # engine speed within n_min_drive..n_max wherever the clutch is closed
    acc = np.append(np.diff(v), 0.0)
    n_min = np.select([g >= 2, (g == 1) & (acc > 0), g == 1],
                      [lim["speed_min_drive_third_up_rad_s"],
                       lim["speed_min_drive_second_accelerating_rad_s"],
                       lim["speed_min_drive_second_rad_s"]], lim["speed_min_drive_first_rad_s"])
    closed = moving & (g >= 0) & ~r.clutch_open
    assert np.all(w[closed] >= n_min[closed] * (1 - 1e-9))
    assert np.all(w[moving & (g >= 0)] <= lim["speed_max_rad_s"] * (1 + 1e-9))
    # no gear used for a single second (neutral may be: a one-second stop)
    blocks = ws._blocks(g)
    assert not [b for b in blocks[1:-1] if b[1] - b[0] == 1 and b[2] >= 0]
    # the corrections change a minority of seconds
    assert np.mean(g == r.initial_gear) > 0.8


def test_gear_array_and_spec_convenience():
    # 0, 0, then 1 m/s^2 on: neutral, first (clutch open) before moving off, first held 2 s
    g = wltp_gears(np.arange(6), np.array([0, 0, 1, 2, 3, 4.0]), NDV, **CAR)
    assert list(g[:4]) == [NEUTRAL, 0, 0, 0]
    camry = load_vehicle("toyota_camry_2018")
    wltc = load_cycle("wltc")
    gears = ws.wltp_gears_for(camry, wltc)
    assert gears.shape == wltc.speed_m_s.shape
    assert gears.min() == NEUTRAL and gears.max() == 7  # all eight gears on the WLTC


@pytest.mark.parametrize("change, words", [
    ({"time_s": np.arange(3) * 0.5}, "allowed: 1 s"),
    ({"ndv": np.array([10.0, 20.0])}, "decreasing from first gear"),
    ({"speed_idle_rad_s": 7000 * RPM}, "idle < rated"),
    ({"asm0": 0.2}, "asm_speed_start_rad_s"),
    ({"power_rated_w": 150e3}, "never reaches 95 %"),
])
def test_bad_input(change, words):
    args = CAR | {"time_s": np.arange(3), "ndv": NDV} | change
    t, ndv = args.pop("time_s"), args.pop("ndv")
    with pytest.raises(EdriveError, match=words):
        wltp_gearshift(t, np.full(len(t), 10.0), ndv, **args)
    with pytest.raises(EdriveError, match="icev"):
        wltp_gearshift_for(load_vehicle("bmw_ix3"), load_cycle("udds"))


def test_vehicle_can_drive_the_wltp_gears():
    """shift_strategy: wltp drives the cycle in the procedure's gears, energy audit closed."""
    from edrive import simulate
    from edrive.cycles import load_cycle
    from edrive.procedures.wltp_gearshift import wltp_gears_for
    from edrive.vehicle import load_vehicle, vehicle_from_dict

    base = load_vehicle(str(Path(__file__).resolve().parents[1] / "data" / "petrol_sedan.yaml"))
    data = base.model_dump(mode="json", exclude_none=True) | {"transmission": "manual_6",
                                                             "shift_strategy": "wltp"}
    car = vehicle_from_dict(data)
    cyc = load_cycle("wltc")
    res = simulate(car, cyc)
    gears = np.maximum(wltp_gears_for(car, cyc), 0) + 1
    assert abs(res.summary["audit_residual"]) < 1e-9
    assert res.summary["trace_missed_s"] == 0
    assert np.array_equal(res.series["gear"][1:], gears[1:])
    economy = simulate(vehicle_from_dict(data | {"shift_strategy": "economy"}), cyc)
    assert res.summary["gear_shifts"] != economy.summary["gear_shifts"]
