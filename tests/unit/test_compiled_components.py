"""The component functions that compiled loops call (interpolation, loss-map lookup, engine
full load, motoring torque and fuel, motor envelope) against their analytic cases, compiled
against numpy, and the compiled hybrid candidate tables against the same code run by Python."""

import numpy as np
import pytest

from edrive import hybrid_table as table
from edrive.components.drive_unit import lumped_torque_limits_nm
from edrive.components.engine import (
    curve_fuel_power_w,
    engine_fuel_power_w,
    friction_mep_pa,
    full_load_torque_nm,
    motoring_torque_nm,
)
from edrive.components.loss_map import loss_at
from edrive.hybrid import NO_PICK
from edrive.maps import bilinear, bilinear_at, grid_step, interp, uniform_grid
from edrive.sim.jit import njit
from edrive.vehicle import load_vehicle, vehicle_from_dict
from tests.unit.test_hybrid import SERIES

RPM = np.pi / 30


@njit
def _interp_each(x, xp, fp):
    out = np.empty(len(x))
    for k in range(len(x)):
        out[k] = interp(x[k], xp, fp)
    return out


@njit
def _bilinear_each(xg, yg, flat, x_step, y_step, x, y):
    out = np.empty(len(x))
    for k in range(len(x)):
        out[k] = bilinear_at(xg, yg, flat, x_step, y_step, x[k], y[k])
    return out


@njit
def _loss_each(tg, wg, flat, tu, wu, t, w):
    out = np.empty(len(t))
    for k in range(len(t)):
        out[k] = loss_at(tg, wg, flat, tu, wu, t[k], w[k])
    return out


@njit
def _engine_each(t, w, knot_speed, knot_power, idle, w_max, eta, w_rated, pmep0, kf, disp, cut,
                 p_rated, fraction, efficiency, idle_w, with_curve):
    full = np.empty(len(w))
    motoring = np.empty(len(w))
    fuel = np.empty(len(w))
    for k in range(len(w)):
        full[k] = full_load_torque_nm(w[k], knot_speed, knot_power, idle, w_max)
        motoring[k] = motoring_torque_nm(w[k], kf, pmep0, disp)
        t_max = full_load_torque_nm(abs(w[k]), knot_speed, knot_power, idle, w_max)
        fuel[k] = engine_fuel_power_w(t[k], w[k], t_max, eta, w_rated, pmep0, kf, disp, cut,
                                      p_rated, fraction, efficiency, idle_w, with_curve)
    return full, motoring, fuel


def test_interp_gives_numpys_numbers_for_one_point():
    # knots as an engine's full-load curve has them: two equal speeds where the plateau ends
    xp = np.array([100.0, 200.0, 380.0, 380.0, 540.0, 600.0])
    fp = np.array([1e4, 4e4, 6e4, 6e4, 7e4, 6.5e4])
    x = np.concatenate([np.random.default_rng(3).uniform(0, 700, 2000), xp, [np.nan]])
    np.testing.assert_array_equal(_interp_each(x, xp, fp), np.interp(x, xp, fp))
    # analytic: the line through two points
    assert interp(1.5, np.array([1.0, 2.0]), np.array([10.0, 20.0])) == pytest.approx(15.0)


@pytest.mark.parametrize("uniform", [True, False])
def test_bilinear_at_reproduces_a_bilinear_function_and_equals_bilinear(uniform):
    xg = np.linspace(-100.0, 100.0, 11) if uniform else np.array([-100, -60, -5, 0, 30, 100.0])
    yg = np.linspace(0.0, 800.0, 9) if uniform else np.array([0.0, 50, 400, 410, 800])
    X, Y = np.meshgrid(xg, yg, indexing="ij")
    z = 3.0 + 0.5 * X - 0.02 * Y + 1e-3 * X * Y   # reproduced exactly by bilinear blending
    rng = np.random.default_rng(4)
    x, y = rng.uniform(-120, 120, 500), rng.uniform(-10, 820, 500)
    got = _bilinear_each(xg, yg, z.reshape(-1), grid_step(xg), grid_step(yg), x, y)
    xc, yc = np.clip(x, -100, 100), np.clip(y, 0, 800)
    np.testing.assert_allclose(got, 3.0 + 0.5 * xc - 0.02 * yc + 1e-3 * xc * yc, rtol=1e-12,
                               atol=1e-9)
    np.testing.assert_array_equal(got, bilinear(xg, yg, z, x, y)[0])
    assert uniform_grid(xg) is uniform and uniform_grid(yg) is uniform
    assert (grid_step(xg) == 20.0) is uniform and (grid_step(yg) == 100.0) is uniform


def test_loss_at_equals_the_loss_map_and_is_zero_idle_at_standstill():
    lm = load_vehicle("toyota_prius_gen4").model().motor
    rng = np.random.default_rng(5)
    t = np.concatenate([rng.uniform(-160, 160, 300), [0.0, 0.0, 10.0]])
    w = np.concatenate([rng.uniform(-1500, 1500, 300), [0.0, 100.0, 0.0]])
    got = _loss_each(*lm.compiled, t, w)
    np.testing.assert_array_equal(got, lm.loss(t, w))
    assert got[-3] == 0.0 and got[-2] > 0 and got[-1] > 0


def test_engine_functions_against_analytic_cases_and_the_engine():
    eng = load_vehicle("toyota_prius_gen4").model().engine
    sp = eng.spec
    fp = eng.fuel_parameters
    ks, kp = eng._knot_speed, eng._knot_power
    rng = np.random.default_rng(6)
    w = np.concatenate([rng.uniform(0, 1.2 * sp.speed_max_rad_s, 400), ks,
                        [2000 * RPM, 0.0, 0.5 * sp.speed_idle_rad_s]])
    t = np.concatenate([rng.uniform(-30, 150, 400), np.full(len(ks), 50.0), [-5.0, 20.0, 10.0]])
    full, motoring, fuel = _engine_each(t, w, ks, kp, sp.speed_idle_rad_s, sp.speed_max_rad_s,
                                        *fp[:7], fp[7], fp[8], fp[9], fp[10])
    np.testing.assert_array_equal(full, eng.torque_max_nm(w))
    np.testing.assert_array_equal(motoring, eng.torque_min_nm(w))
    np.testing.assert_array_equal(fuel, eng.fuel_power_w(t, w))
    # full load at the knots: the knot's power over its speed; nothing above the maximum speed
    np.testing.assert_allclose(full[400:400 + len(ks)], kp / ks, rtol=1e-12)
    assert full_load_torque_nm(1.01 * sp.speed_max_rad_s, ks, kp, sp.speed_idle_rad_s,
                               sp.speed_max_rad_s) == 0.0
    assert full[-1] == pytest.approx(kp[0] / ks[0])        # below idle: the idle value
    # motoring torque at 2000 rpm: -(fmep + pmep0) V_d / (4 pi), fmep = k_f (97 + 15 n + 5 n^2) kPa
    kf = eng.friction_factor_effective
    expected = -(kf * (97 + 15 * 2 + 5 * 4) * 1e3 + sp.pmep0_pa) * sp.displacement_m3 / (4 * np.pi)
    assert motoring_torque_nm(2000 * RPM, kf, sp.pmep0_pa, sp.displacement_m3) == pytest.approx(
        expected, rel=1e-12)
    assert friction_mep_pa(2000 * RPM, kf) == pytest.approx(kf * 147e3, rel=1e-12)
    # no fuel at standstill; in overrun above the fuel cut-off speed none at or below the
    # motoring torque and eq. (1b) between it and zero; below that speed the idle-control fuel
    assert fuel[-2] == 0.0
    w_c = sp.fuel_cut_speed_rad_s * 1.1
    t_min = motoring_torque_nm(w_c, kf, sp.pmep0_pa, sp.displacement_m3)
    assert engine_fuel_power_w(t_min - 5.0, w_c, 100.0, *fp) == 0.0
    assert engine_fuel_power_w(0.5 * t_min, w_c, 100.0, *fp) == pytest.approx(
        -0.5 * t_min * w_c / eng.indicated_efficiency(w_c), rel=1e-12)
    assert engine_fuel_power_w(-5.0, sp.fuel_cut_speed_rad_s * 0.9, 100.0, *fp) > 0.0


def test_efficiency_curve_fuel_power():
    fraction, efficiency = np.array([0.0, 0.5, 1.0]), np.array([0.1, 0.4, 0.3])
    # at a point of the curve: P_e / eta; at zero power: the idle fuel power
    assert curve_fuel_power_w(50e3, 100e3, fraction, efficiency, 2e3) == pytest.approx(50e3 / 0.4)
    assert curve_fuel_power_w(0.0, 100e3, fraction, efficiency, 2e3) == 2e3
    # a small power: at least the idle fuel power
    assert curve_fuel_power_w(1.0, 100e3, fraction, efficiency, 2e3) == 2e3
    p = np.array([0.0, 1.0, 25e3, 50e3, 80e3])
    np.testing.assert_allclose(curve_fuel_power_w(p, 100e3, fraction, efficiency, 2e3),
                               [2e3, 2e3, 25e3 / 0.25, 50e3 / 0.4, 80e3 / 0.34])


def test_lumped_envelope():
    # constant torque below base speed P / T, constant power above; symmetric in speed
    t_max, t_min = lumped_torque_limits_nm(np.array([0.0, 100.0, -100.0, 1000.0]), 200.0,
                                           100e3, 60e3)
    np.testing.assert_allclose(t_max, [200.0, 200.0, 200.0, 100.0])
    np.testing.assert_allclose(t_min, [-200.0, -200.0, -200.0, -60.0])


def _cars():
    return [load_vehicle("toyota_prius_gen4"), load_vehicle("bmw_330e"),
            load_vehicle("range_rover_sport_p400e"), vehicle_from_dict(SERIES)]


@pytest.mark.parametrize("car", _cars(), ids=lambda c: c.name)
def test_compiled_tables_equal_the_same_code_run_by_python(car):
    """The compiled table and its Python function (the same source, the component functions
    run by numpy) agree exactly: nothing is lost in compilation."""
    vm = car.model()
    rng = np.random.default_rng(7)
    f = np.concatenate([rng.uniform(-6000, 6000, 40), [0.0, 500.0, -500.0, -500.0]])
    v = np.concatenate([rng.uniform(0, 45, 40), [0.0, 0.0, 0.0, 0.0]])
    tw = f * vm.radius_m
    ww = v / vm.radius_m
    for detail in (False, True):
        compiled = table.empty_table(len(f), vm._columns, detail)
        vm._table(*compiled, NO_PICK, detail, tw, ww, *vm._table_args)
        python = table.empty_table(len(f), vm._columns, detail)
        vm._table.py_func(*python, NO_PICK, detail, tw, ww, *vm._table_args)
        for a, b in zip(compiled, python, strict=True):
            np.testing.assert_array_equal(a, b)
        assert compiled[0].any()   # some candidates are admissible


def _filled(n, m, detail):
    """Table columns filled with NaN (-2 for the gear, True for the flags)."""
    cols = table.empty_table(n, m, detail)
    for c in cols:
        c[...] = -2 if c.dtype == np.int8 else (np.nan if c.dtype == float else True)
    return cols


@pytest.mark.parametrize("car", _cars(), ids=lambda c: c.name)
def test_each_table_writes_every_cell(car):
    """The table functions fill every cell of the columns they are given (which are not
    initialised, edrive.hybrid_table.empty_table): columns filled with NaN (and -2 for the
    gear) first keep none of it, with and without the detail columns, for every candidate or
    one per row. Rows that repeat the one before (a standstill) are among them."""
    vm = car.model()
    rng = np.random.default_rng(8)
    f, v = rng.uniform(-6000, 6000, 60), rng.uniform(0, 45, 60)
    f[10:14], v[10:14] = f[9], v[9]
    pick = rng.integers(0, vm._columns, 60)
    for p, m in ((NO_PICK, vm._columns), (pick, 1)):
        for detail in (False, True):
            cols = _filled(60, m, detail)
            vm._table(*cols, p, detail, f * vm.radius_m, v / vm.radius_m, *vm._table_args)
            assert not any(np.isnan(c).any() for c in cols if c.dtype == float)
            assert (cols[5] != -2).all()


@pytest.mark.parametrize("car", _cars(), ids=lambda c: c.name)
def test_chosen_candidates_equal_their_cells_of_the_whole_table(car):
    """HevModel.chosen runs the table for one candidate per row: each column equals that
    candidate's cell of the table of every candidate with its detail, which itself agrees
    with the table the simulation runs on (without detail)."""
    vm = car.model()
    rng = np.random.default_rng(9)
    f, v = rng.uniform(-6000, 6000, 80), rng.uniform(0, 45, 80)
    f[20:30], v[20:30] = 150.0, 0.0     # a standstill
    full = vm.candidates(f, v, detail=True)
    slim = vm.candidates(f, v)
    assert slim.engine_speed_rad_s is None and full.engine_speed_rad_s is not None
    for name in ("ok", "fuel_kg_s", "battery_w", "engine_on", "engine_fires", "gear"):
        np.testing.assert_array_equal(getattr(full, name), getattr(slim, name))
    pick = rng.integers(0, vm._columns, 80)
    chosen = vm.chosen(f, v, pick)
    whole = full.take(pick)
    assert chosen.keys() == whole.keys()
    for name, col in chosen.items():
        np.testing.assert_array_equal(col, whole[name])
    assert np.array_equal(full.engine_fires, full.engine_torque_nm > 0)
