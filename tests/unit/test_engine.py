"""Combustion-engine fuel model (edrive.components.engine).

Published ranges used below: peak brake thermal efficiency of modern turbo petrol engines
35-40 % (Toyota Dynamic Force 2.0 L, "40 %", Toyota press release 2016; Heywood, *Internal
Combustion Engine Fundamentals*, 1988, ch. 1 and 15), of passenger-car diesels 40-45 %
(Heywood 1988 ch. 15); best BSFC about 220-250 g/kWh petrol and 195-215 g/kWh diesel.
"""

import numpy as np
import pytest

from edrive.components.engine import (
    FUELS,
    EngineSpec,
    engine_from_rating,
    engine_from_yaml,
    list_engines,
    load_engine,
)
from edrive.errors import EdriveError

RPM = np.pi / 30

BUNDLED = ["bmw_b48_2l_turbo_petrol", "bmw_b58_3l_turbo_petrol", "jaguar_5l_supercharged_v8",
           "bmw_s63_4l4_twin_turbo_v8", "bmw_b47_2l_turbo_diesel", "bmw_b57_3l_turbo_diesel"]


@pytest.fixture(scope="module")
def b48():
    return load_engine("bmw_b48_2l_turbo_petrol").model()


def test_every_bundled_engine_loads():
    assert set(BUNDLED) <= set(list_engines())
    for name in list_engines():
        spec = load_engine(name)
        assert isinstance(spec, EngineSpec)
        assert spec.sources
        spec.model().summary()


def test_fuel_power_is_willans_line_by_hand(b48):
    s = b48.spec
    t, w = 150.0, 2500 * RPM
    size = 1 - s.friction_fixed_share + s.friction_fixed_share * 2.0e-3 / s.displacement_m3
    fmep = s.friction_factor * 1e3 * (97 + 15 * 2.5 + 5 * 2.5**2) * size
    # eq. (4): the boosted B48's throttle is wide open at 1.25 MPa bmep, below its full load
    t_open = 1.25e6 * s.displacement_m3 / (4 * np.pi)
    assert t_open < float(b48.torque_max_nm(w))
    pmep = s.pmep0_pa * (1 - t / t_open)
    p_loss = (fmep + pmep) * s.displacement_m3 * w / (4 * np.pi)
    e = s.indicated_efficiency * (1 - 0.15 * (w / s.speed_rated_rad_s - 0.4) ** 2)
    expected = (t * w + p_loss) / e
    assert float(b48.fuel_power_w(t, w)) == pytest.approx(expected, rel=1e-12)
    assert float(b48.fuel_rate_kg_s(t, w)) == pytest.approx(expected / FUELS["petrol_e10"].lhv_j_kg)


def test_fuel_properties():
    assert FUELS["petrol_e0"].co2_kg_per_l == pytest.approx(2.36, abs=0.01)
    assert FUELS["petrol_e5"].co2_kg_per_l == pytest.approx(2.31, abs=0.015)
    assert FUELS["diesel_b7"].co2_kg_per_l == pytest.approx(2.62, abs=0.02)
    assert 740 < FUELS["petrol_e10"].density_kg_m3 < 760
    assert 41e6 < FUELS["petrol_e10"].lhv_j_kg < 42e6
    assert 830 < FUELS["diesel_b7"].density_kg_m3 < 845


@pytest.mark.parametrize("name", BUNDLED)
def test_peak_efficiency_and_bsfc_in_published_ranges(name):
    eng = load_engine(name).model()
    best = eng.best_efficiency()
    if eng.spec.fuel == "petrol":
        assert 0.35 <= best["efficiency"] <= 0.40
        assert 220 <= best["bsfc_g_kwh"] <= 250
    else:
        assert 0.40 <= best["efficiency"] <= 0.45
        assert 195 <= best["bsfc_g_kwh"] <= 215


@pytest.mark.parametrize("name", BUNDLED)
def test_full_load_curve_reaches_rating(name):
    eng = load_engine(name).model()
    s = eng.spec
    assert float(eng.power_max_w(s.speed_rated_rad_s)) == pytest.approx(s.power_rated_w, rel=1e-3)
    w = np.linspace(s.speed_idle_rad_s, s.speed_max_rad_s, 2000)
    assert eng.torque_max_nm(w).max() == pytest.approx(s.torque_max_nm, rel=1e-6)
    assert eng.power_max_w(w).max() == pytest.approx(s.power_rated_w, rel=1e-3)
    mid = 0.5 * (s.speed_torque_max_from_rad_s + s.speed_torque_max_to_rad_s)
    assert float(eng.torque_max_nm(mid)) == pytest.approx(s.torque_max_nm)
    assert float(eng.torque_max_nm(1.01 * s.speed_max_rad_s)) == 0.0


def test_b48_rating_matches_published(b48):
    # 190 kW at 5,000-6,500 rpm, 400 Nm at 1,550-4,400 rpm
    assert float(b48.power_max_w(5000 * RPM)) == pytest.approx(190e3, rel=1e-6)
    assert float(b48.power_max_w(6500 * RPM)) == pytest.approx(190e3, rel=1e-6)
    assert float(b48.torque_max_nm(1550 * RPM)) == pytest.approx(400)
    assert float(b48.torque_max_nm(4400 * RPM)) == pytest.approx(400)


def test_idle_fuel_rate_2l_petrol(b48):
    idle_l_h = float(b48.fuel_rate_l_s(0.0, b48.spec.speed_idle_rad_s)) * 3600
    assert 0.4 <= idle_l_h <= 1.0
    assert b48.idle_fuel_rate_kg_s() > 0


def test_fuel_cut_off_on_overrun(b48):
    s = b48.spec
    w = np.array([1.1, 2.0, 4.0]) * s.fuel_cut_speed_rad_s
    t_min = b48.torque_min_nm(w)
    # at or below the motoring torque (throttle closed): cut off
    assert np.all(b48.fuel_rate_kg_s(t_min, w) == 0.0)
    assert np.all(b48.fuel_rate_kg_s(t_min - 20.0, w) == 0.0)
    assert np.all(b48.co2_rate_kg_s(t_min - 20.0, w) == 0.0)
    # between it and zero, eq. (1b): fired at part throttle, (T - T_min) omega / e
    t = 0.4 * t_min
    assert b48.fuel_power_w(t, w) == pytest.approx(
        (t - t_min) * w / b48.indicated_efficiency(w), rel=1e-12)
    # continuous with eq. (1) at zero torque
    assert b48.fuel_power_w(-1e-9, w) == pytest.approx(b48.fuel_power_w(0.0, w), rel=1e-9)
    # below the cut-off speed the engine is kept running on the zero-torque fuel
    w_low = 0.5 * (s.speed_idle_rad_s + s.fuel_cut_speed_rad_s)
    assert float(b48.fuel_rate_kg_s(-20.0, w_low)) == pytest.approx(
        float(b48.fuel_rate_kg_s(0.0, w_low)))
    assert float(b48.fuel_rate_kg_s(-20.0, w_low)) > 0
    # motoring torque is feasible down to the losses at zero load
    tmin = float(b48.torque_min_nm(3000 * RPM))
    assert tmin < 0
    assert b48.feasible(0.99 * tmin, 3000 * RPM)
    assert not b48.feasible(1.01 * tmin, 3000 * RPM)
    assert float(b48.fuel_rate_kg_s(0.0, 0.0)) == 0.0  # stopped


def test_efficiency_rises_with_load_at_fixed_speed(b48):
    w = 2500 * RPM
    t = np.linspace(5, float(b48.torque_max_nm(w)), 50)
    eta = b48.brake_efficiency(t, w)
    assert np.all(np.isfinite(eta))
    assert np.all(np.diff(eta) > 0)


def test_brake_efficiency_nan_outside_map(b48):
    s = b48.spec
    w = 3000 * RPM
    tmax = float(b48.torque_max_nm(w))
    eta = b48.brake_efficiency(np.array([1.1 * tmax, -10.0, 0.0, 100.0]), w)
    assert np.isnan(eta[:3]).all() and np.isfinite(eta[3])
    assert np.isnan(b48.brake_efficiency(100.0, 1.05 * s.speed_max_rad_s))
    assert np.isnan(b48.brake_efficiency(50.0, 0.8 * s.speed_idle_rad_s))


def test_vectorised_broadcast(b48):
    T, W = np.meshgrid(np.linspace(-50, 300, 7), np.linspace(800, 6000, 5) * RPM, indexing="ij")
    for f in (b48.fuel_power_w, b48.fuel_rate_kg_s, b48.fuel_rate_l_s, b48.co2_rate_kg_s,
              b48.brake_efficiency, b48.feasible):
        assert f(T, W).shape == (7, 5)


def test_diesel_has_no_pumping_and_more_friction():
    d = load_engine("bmw_b47_2l_turbo_diesel")
    p = load_engine("bmw_b48_2l_turbo_petrol")
    assert d.pmep0_pa == 0.0 and p.pmep0_pa > 0
    assert d.friction_factor > p.friction_factor
    assert d.fuel == "diesel" and d.fuel_grade == "diesel_b7"


def test_engine_from_rating_scales():
    small = engine_from_rating("turbo_petrol", "1.5 L", 100e3, 5000 * RPM,
                               friction_fixed_share=0.0).model()
    big = engine_from_rating("turbo_petrol", "3.0 L", 200e3, 5000 * RPM,
                             friction_fixed_share=0.0).model()
    # without a fixed friction share the losses scale with displacement: twice the motoring
    # torque at a speed; with it (eq. 3a) the smaller engine keeps more than half
    assert float(big.torque_min_nm(3000 * RPM)) == pytest.approx(
        2 * float(small.torque_min_nm(3000 * RPM)))
    small_s = engine_from_rating("turbo_petrol", "1.5 L", 100e3, 5000 * RPM).model()
    big_s = engine_from_rating("turbo_petrol", "3.0 L", 200e3, 5000 * RPM).model()
    assert abs(float(big_s.torque_min_nm(3000 * RPM))) < 2 * abs(float(
        small_s.torque_min_nm(3000 * RPM)))
    assert float(big.power_max_w(5000 * RPM)) == pytest.approx(200e3)
    # same mean-pressure laws: the same peak efficiency within a fraction of a percent
    assert small.best_efficiency()["efficiency"] == pytest.approx(
        big.best_efficiency()["efficiency"], abs=0.01)
    d = engine_from_rating("turbo_diesel", 2.0e-3, 140e3, 4000 * RPM, 400.0)
    assert d.fuel == "diesel" and d.cylinders == 4
    with pytest.raises(EdriveError, match="unknown engine kind"):
        engine_from_rating("rotary", 1.3e-3, 150e3, 7000 * RPM)


GOOD = """
type: engine
name: test
kind: turbo_petrol
displacement_m3: 2.0 L
cylinders: 4
power_rated_w: 190 kW
speed_rated_rad_s: 5000 rpm
torque_max_nm: 400 N*m
speed_idle_rad_s: 750 rpm
speed_max_rad_s: 6500 rpm
"""


def test_minimal_file_takes_defaults():
    spec = engine_from_yaml(GOOD, "t.yaml")
    assert spec.fuel == "petrol" and spec.fuel_grade == "petrol_e10"
    # the fitted petrol defaults (FUEL_DEFAULTS and the kind's indicated efficiency)
    assert spec.indicated_efficiency == pytest.approx(0.393)
    assert (spec.friction_factor, spec.pmep0_pa) == (0.567, 90e3)
    assert spec.friction_fixed_share == 0.25
    assert spec.fuel_cut_speed_rad_s > spec.speed_idle_rad_s


@pytest.mark.parametrize("text, match", [
    ("a: [", "not valid YAML"),
    ("- 1\n- 2\n", "expected a mapping"),
    (GOOD.replace("type: engine", "type: edu"), "allowed: 'engine'"),
    (GOOD + "colour: red\n", "unknown key 'colour'"),
    (GOOD.replace("cylinders: 4\n", ""), "cylinders: required"),
    (GOOD.replace("2.0 L", "2.0 kg"), "wrong unit"),
    (GOOD.replace("kind: turbo_petrol", "kind: steam"), "kind"),
    (GOOD + "fuel_grade: diesel_b7\n", "not a petrol fuel"),
    (GOOD + "fuel_grade: e85\n", "unknown fuel_grade"),
    (GOOD.replace("torque_max_nm: 400", "torque_max_nm: 100"), "needs more than torque_max"),
    (GOOD.replace("6500 rpm", "4000 rpm"), "must not be below"),
    (GOOD + "fuel: diesel\nfuel_grade: diesel_b7\n", "burns petrol"),
])
def test_bad_files_rejected(text, match):
    with pytest.raises(EdriveError, match=match) as exc:
        engine_from_yaml(text, "t.yaml")
    msg = str(exc.value)
    assert msg.startswith("t.yaml: ") and "\n" not in msg and ": : " not in msg


def test_load_errors(tmp_path):
    with pytest.raises(EdriveError, match="unknown engine 'bmw_b48'"):
        load_engine("bmw_b48")
    with pytest.raises(EdriveError, match="does not exist"):
        load_engine(tmp_path / "missing.yaml")
    p = tmp_path / "e.yaml"
    p.write_text(GOOD)
    assert load_engine(p).name == "test"
    assert load_engine("e.yaml", base_dir=tmp_path).name == "test"
