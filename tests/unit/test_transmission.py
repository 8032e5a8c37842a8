"""Multi-speed transmissions: energy balance, converter and clutch slip, and the economy
shift as the compiled loop of conventional cars runs it (its recorded gears checked against
the component functions)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from edrive.components.transmission import (
    RPM,
    TRANSMISSION_PRESETS,
    TransmissionSpec,
    engine_side,
    preset,
)
from edrive.cycles import DriveCycle, load_cycle
from edrive.errors import EdriveError
from edrive.sim.batch_icev import run_loop, run_one
from edrive.sim.batch_icev_kernel import OUT_NAMES, REC_NAMES
from edrive.sim.batch_kernel import EXACT
from edrive.sim.core import SEARCH_TOLERANCE_M_S
from edrive.spec import validate
from edrive.vehicle import load_vehicle, vehicle_from_dict

IDLE = 750 * RPM
SPEED_MAX = 6500 * RPM
RADIUS = 0.33
MASS = 1600.0
MIN_HOLD = 2.0


BASE = load_vehicle("bmw_330i").model_dump(mode="json", exclude_none=True)


def car(box, **changes):
    """The BMW 330i with the gearbox ``box`` (a preset name or fields)."""
    return vehicle_from_dict(BASE | {"transmission": box} | changes)


def loop(spec, cyc):
    """The series the compiled loop records for one car over a trace (taken as achievable):
    per interval, REC_NAMES."""
    _, _, rec = run_one(spec, load_cycle(cyc) if isinstance(cyc, str) else cyc)
    return dict(zip(REC_NAMES, rec, strict=True))


def steady(speed_m_s, grade=0.0, seconds=20):
    """A trace at one speed on one grade."""
    t = np.arange(seconds + 1, dtype=float)
    return DriveCycle("steady", t, np.full(t.size, speed_m_s), np.full(t.size, grade))


@pytest.fixture(params=list(TRANSMISSION_PRESETS))
def spec(request):
    return preset(request.param)


def test_energy_balance_every_gear_and_state(spec):
    rng = np.random.default_rng(1)
    n = 4000
    tw = rng.uniform(-2500, 4000, n)
    tw[::7] = 0.0
    ww = rng.uniform(0, 120, n)
    ww[::5] = 0.0
    ww[1::5] = rng.uniform(0, 3, n // 5)        # slow: converter or clutch slip
    k = rng.integers(0, spec.n_gears, n)
    es = engine_side(spec, tw, ww, k, IDLE)
    lhs = es.torque_nm * es.speed_rad_s
    rhs = (tw - es.brake_torque_nm) * ww + es.loss_w
    assert np.allclose(lhs, rhs, rtol=1e-9, atol=1e-9)
    assert np.all(es.loss_w >= -1e-9)
    assert np.all(es.speed_rad_s[es.slipping] >= IDLE * (1 - 1e-12))
    assert es.slipping.any() and (~es.slipping).any()
    # a locked gear: no brake torque, eq. (1)
    locked = ~es.slipping
    assert np.all(es.brake_torque_nm[locked] == 0)


def test_converter_stall_and_lockup():
    spec = preset("zf_8hp")
    t0, cv = spec.drag
    # stall (turbine at rest), large torque: omega_p = K0 sqrt(T_t / TR0)
    t_t = 300.0
    g = spec.overall_ratios[0] * spec.efficiencies[0]
    es = engine_side(spec, t_t * g, 0.0, 0, IDLE)
    w_p = spec.converter_k_stall * np.sqrt(t_t / spec.converter_torque_ratio_stall)
    assert es.slipping and es.speed_rad_s == pytest.approx(w_p, rel=1e-6)
    assert es.torque_nm == pytest.approx(t_t / 2.0 + t0 + cv * w_p, rel=1e-6)
    assert es.loss_w == pytest.approx(es.torque_nm * es.speed_rad_s)
    # small torque at low speed: engine held at idle
    es = engine_side(spec, 50.0, 0.5, 0, IDLE)
    assert es.slipping and es.speed_rad_s == pytest.approx(IDLE)
    # converter efficiency below one, slip ratio below one while open
    es = engine_side(spec, 800.0, 2.0, 0, IDLE)
    w_t = 2.0 * spec.overall_ratios[0]
    assert es.slipping and es.speed_rad_s > w_t
    # locked in second gear above the lock-up speed: omega_e = G omega_wheel
    es = engine_side(spec, 800.0, 20.0, 1, IDLE)
    assert not es.slipping and es.speed_rad_s == pytest.approx(20.0 * spec.overall_ratios[1])
    # first gear stays on the converter (lockup_gear = 2)
    assert engine_side(spec, 800.0, 20.0, 0, IDLE).slipping


def test_clutch_slip_and_overrun():
    spec = preset("manual_6")
    es = engine_side(spec, 600.0, 1.0, 0, IDLE)
    assert es.slipping and es.speed_rad_s == pytest.approx(spec.launch_speed)
    # overrun while slipping: decoupled, engine idles, wheel torque to the brakes
    es = engine_side(spec, -300.0, 1.0, 0, IDLE)
    assert es.speed_rad_s == pytest.approx(IDLE) and es.brake_torque_nm == -300.0
    # overrun in a closed gear: negative engine torque, loss from mesh and drag
    es = engine_side(spec, -300.0, 30.0, 2, IDLE)
    g = spec.overall_ratios[2]
    t0, cv = spec.drag
    assert es.torque_nm == pytest.approx(-300.0 * spec.efficiencies[2] / g + t0 + cv * 30 * g)
    assert es.brake_torque_nm == 0.0 and es.torque_nm < 0


def _usable(spec, v, f, gear):
    """Whether ``gear`` is usable at speed ``v`` and wheel force ``f`` (steady, so no input
    inertia), its engine speed and torque and its fuel cost, by the component functions and
    the economy shift's rule (transmission module docstring)."""
    vm = spec.model()
    tr, eng, es = vm.transmission, vm.engine, vm.engine_spec
    r, w_max = vm.radius_m, es.speed_max_rad_s
    side = engine_side(tr, f * r, v / r, gear, es.speed_idle_rad_s)
    w_e, t_e = float(side.speed_rad_s), float(side.torque_nm)
    w_gear = tr.overall_ratios[gear] * v / r
    ok = (max(w_e, w_gear) <= 0.8 * w_max and (gear == 0 or w_gear >= max(
        es.speed_idle_rad_s, 1100 * RPM)) and t_e <= 0.9 * float(eng.torque_max_nm(w_e)))
    cost = float(eng.fuel_rate_kg_s(t_e + vm.aux_mech_power_w / max(w_e, 1.0), w_e)) + 1e-9 * w_e
    return ok, w_e, t_e, cost


@pytest.mark.parametrize("cycle", ["udds", "hwfet"])
def test_shift_on_cycle_stays_in_speed_range_and_does_not_hunt(spec, cycle):
    vehicle = car(spec.model_dump(mode="json"))
    vm = vehicle.model()
    rec = loop(vehicle, cycle)
    cyc = load_cycle(cycle)
    t = cyc.time_s[1:]
    v = 0.5 * (cyc.speed_m_s[1:] + cyc.speed_m_s[:-1])
    g = rec["gear"].astype(int)
    forced = rec["shift_forced"] > 0
    w_max = vm.engine_spec.speed_max_rad_s
    assert np.all(rec["engine_speed_rad_s"] <= w_max * (1 + 1e-9))
    locked = v / vm.radius_m * spec.overall_ratios[g]
    assert np.all(locked[g > 0] >= 1100 * RPM * (1 - 1e-9))
    # dwell: every gear held at least the hold time unless left by a forced shift
    hold = vehicle.shift_hold_s
    shifts = np.flatnonzero(np.diff(g)) + 1
    assert len(shifts) > 10
    for a, b in pairwise(shifts):
        assert t[b] - t[a] >= hold or forced[b], (t[a], t[b])
    # no up-down-up (or down-up-down) within the hold time unless forced
    d = np.sign(np.diff(g))[shifts - 1]
    for j in range(1, len(shifts)):
        if d[j] == -d[j - 1] and not forced[shifts[j]]:
            assert t[shifts[j]] - t[shifts[j - 1]] >= hold
    assert len(shifts) < (200 if cycle == "udds" else 60)


def test_upshift_with_speed_at_light_constant_load(spec):
    v = np.linspace(0, 35, 351)
    t = np.arange(v.size, dtype=float)
    rec = loop(car(spec.model_dump(mode="json")), DriveCycle("ramp", t, v, 0 * v))
    g = rec["gear"].astype(int)
    assert np.all(np.diff(g) >= 0)
    assert g[0] == 0 and g[-1] == spec.n_gears - 1
    assert not rec["shift_forced"].any()


@pytest.mark.parametrize("box", ["zf_8hp", "dct_7", "manual_6"])
def test_the_gear_held_at_a_steady_point_is_the_usable_gear_of_least_fuel(box):
    """Held at one speed and load, the loop's gear is the economy shift's raw choice: of the
    gears usable by the component functions, the one of least fuel."""
    vehicle = car(box)
    vm = vehicle.model()
    chosen = []
    for v in (6.0, 12.0, 20.0, 30.0):
        for grade in (0.0, 0.02, 0.05):
            gear = int(loop(vehicle, steady(v, grade))["gear"][-1])
            road, climb = vm.road_load_parts(v, grade)
            f = float(road + climb)
            ok = [_usable(vehicle, v, f, k) for k in range(vm.transmission.n_gears)]
            costs = [c for good, _, _, c in ok if good]
            assert ok[gear][0] and ok[gear][3] == pytest.approx(min(costs), rel=1e-12), (v, grade)
            chosen.append(gear)
    assert len(set(chosen)) >= 3


def test_a_force_beyond_every_gear_falls_behind_the_trace_as_far_as_it_must():
    """An interval beyond reach (IcevModel.propulsion_force_max: a 50 % climb at 30 m/s) ends
    at the largest end speed within it, each interval after it too: the car slows down, and
    the loop records the miss; a gentle climb is followed."""
    vehicle = car("manual_6")
    vm = vehicle.model()
    road, climb = vm.road_load_parts(30.0, 0.50)
    assert vm.propulsion_force_max(30.0, 0.50, road) < road + climb
    res, _, rec = run_loop([vehicle], steady(30.0, 0.50), record=True)
    v = rec[REC_NAMES.index("speed_m_s")]
    assert res[0, 0] == EXACT and np.all(np.diff(v) < 0) and v[0] < 30.0
    assert res[0, OUT_NAMES.index("trace_missed_s")] > 10
    for v0, v1 in pairwise(np.concatenate([[30.0], v])):  # each end speed the largest within reach
        for end, ok in ((v1, True), (v1 + 2 * SEARCH_TOLERANCE_M_S, False)):
            mean = 0.5 * (v0 + end)
            road, climb = vm.road_load_parts(mean, 0.50)
            force = vm.mass_effective_kg * (end - v0) + road + climb
            reach = vm.propulsion_force_max(mean, 0.50, road) * (1 + 1e-9) + 1e-6
            assert (force <= reach) == ok
    gentle = run_loop([vehicle], steady(30.0, 0.02))[0]
    assert gentle[0, OUT_NAMES.index("trace_missed_s")] == 0


@pytest.mark.parametrize("change", [
    {"gear_ratios": [4.0, 3.0, 3.0, 1.0]},
    {"gear_ratios": [1.0, 2.0, 3.0, 4.0]},
    {"gear_ratios": [3.0, 2.0, 1.0]},
    {"mesh_efficiency": -0.9},
    {"mesh_efficiency": [0.97] * 3},
    {"drag_torque_nm": -1.0},
    {"lockup_gear": 9},
    {"kind": "cvt"},
    {"gears": 5},
])
def test_bad_specs_rejected(change):
    with pytest.raises(EdriveError):
        validate(TransmissionSpec, {**TRANSMISSION_PRESETS["zf_8hp"], **change}, where="t")


def test_defaults_by_kind_and_units():
    spec = preset("dct_7", mesh_efficiency=[0.96, 0.97, 0.97, 0.975, 0.975, 0.97, 0.97],
                  launch_speed_rad_s="1200 rpm")
    assert spec.efficiencies[0] == 0.96
    assert spec.launch_speed == pytest.approx(1200 * RPM)
    assert preset("zf_8hp").efficiencies.tolist() == [0.965] * 8
    spin = {n: preset(n).drag[0] + preset(n).drag[1] * 2000 * RPM  # drag torque at 2,000 rpm
            for n in ("manual_6", "zf_8hp")}
    assert spin["manual_6"] < spin["zf_8hp"]
    with pytest.raises(EdriveError):
        preset("cvt")


@pytest.mark.parametrize("tr0, src", [(2.0, 0.85), (1.6, 0.9), (2.8, 0.7)])
def test_converter_closed_form_solves_the_kotwicki_model(tr0, src):
    from edrive.components.transmission import (
        converter_pump_speed_rad_s,
        converter_pump_torque_nm,
        converter_speed_ratio,
        converter_torque_ratio,
    )

    spec = preset("zf_8hp", converter_torque_ratio_stall=tr0,
                  converter_coupling_speed_ratio=src)
    rng = np.random.default_rng(3)
    wt = np.concatenate([[0.0, 100.0, 100.0], rng.uniform(0, 400, 5000)])
    tt = np.concatenate([[250.0, 0.0, (100.0 / (src * spec.converter_k_stall)) ** 2],
                         rng.uniform(0, 700, 5000)])
    k0 = spec.converter_k_stall
    wp = converter_pump_speed_rad_s(wt, tt, k0, tr0, src)
    assert np.all(wp >= wt)
    # eq. (3)-(4) holds at the root; both branches and their joint (third point) occur
    turbine = converter_torque_ratio(converter_speed_ratio(wt, wp), tr0, src) * \
        converter_pump_torque_nm(wp, wt, k0, src)
    assert np.allclose(turbine, tt, rtol=1e-9, atol=1e-9)
    sr = wt / np.maximum(wp, 1e-12)
    assert (sr < src - 1e-3).any() and (sr > src + 1e-3).any()
    assert wp[2] == pytest.approx(100.0 / src, rel=1e-12)


def test_input_inertia_needs_more_force_in_low_gears():
    from edrive.components.transmission import input_inertia_force_n

    spec = preset("zf_8hp")
    g = spec.overall_ratios
    f = input_inertia_force_n(0.2, g, RADIUS, 1.5, False, 0.2)
    assert np.allclose(f, 0.2 * (g / RADIUS) ** 2 * 1.5)
    assert np.all(np.diff(f) < 0) and f[0] > 300.0  # several hundred kg in first gear
    assert np.all(input_inertia_force_n(0.2, g, RADIUS, -1.0, False, 0.2) < 0)
    # the loop sees it: with a large inertia the engine works harder while accelerating
    work = []
    for inertia in (0.0, 0.3):
        rec = loop(car("zf_8hp", input_inertia_kg_m2=inertia), "udds")
        cyc = load_cycle("udds")
        acc = np.diff(cyc.speed_m_s) / np.diff(cyc.time_s) > 0.5
        work.append(np.sum((rec["engine_torque_nm"] * rec["engine_speed_rad_s"])[acc]))
    assert work[1] > work[0]


def test_slipping_driveline_by_gear_and_input_speed():
    from edrive.components.transmission import driveline_slipping

    spec = preset("zf_8hp")  # lock-up from second gear above 1,000 rpm
    assert spec.lockup_gear == 2 and spec.lockup_speed_rad_s == pytest.approx(1000 * RPM)
    k = np.array([0, 1, 1, 5])
    w = np.array([3000, 1200, 900, 2000]) * RPM
    got = driveline_slipping(True, k, w, spec.lockup_gear, spec.lockup_speed_rad_s, IDLE, 0.0)
    assert got.tolist() == [True, False, True, False]
    # a launch clutch slips below its launch speed in any gear; the same test as engine_side
    assert driveline_slipping(False, 3, 900 * RPM, 2, 0.0, IDLE, 1100 * RPM)
    assert not driveline_slipping(False, 0, 1200 * RPM, 2, 0.0, IDLE, 1100 * RPM)
    side = engine_side(spec, np.full(4, 100.0), w / spec.overall_ratios[k], k, IDLE)
    assert side.slipping.tolist() == got.tolist()


def test_input_inertia_while_slipping_is_the_gearbox_side_share():
    """Eq. (6a): with the converter open only the gearbox-side share of J_in follows
    G_k v / r; locked, all of it (eq. 6)."""
    from edrive.components.transmission import (
        INPUT_INERTIA_GEARBOX_SHARE,
        driveline_slipping,
        input_inertia_force_n,
    )

    spec = preset("zf_8hp")
    g = spec.overall_ratios
    locked = 0.3 * (g / RADIUS) ** 2 * 1.2
    assert input_inertia_force_n(0.3, g, RADIUS, 1.2, False, 0.2) == pytest.approx(locked)
    assert input_inertia_force_n(0.3, g, RADIUS, 1.2, True, 0.2) == pytest.approx(0.2 * locked)
    ww = 10.0 / RADIUS  # first gear always slips; second to fifth lock (above 1,000 rpm),
    share = INPUT_INERTIA_GEARBOX_SHARE["automatic"]  # sixth to eighth turn below it
    slipping = driveline_slipping(True, np.arange(8), g * ww, spec.lockup_gear,
                                  spec.lockup_speed_rad_s, IDLE, 0.0)
    f = input_inertia_force_n(0.3, g, RADIUS, 1.2, slipping, share)
    assert (g * ww)[1:5].min() > 1000 * RPM > (g * ww)[5:].max()
    assert np.allclose(f[[0, 5, 6, 7]], share * locked[[0, 5, 6, 7]])
    assert np.allclose(f[1:5], locked[1:5])
    manual = preset("manual_6")
    g0 = manual.overall_ratios[0]
    assert driveline_slipping(False, 0, g0 / RADIUS, 0, 0.0, IDLE, manual.launch_speed)
    f_m = input_inertia_force_n(0.3, g0, RADIUS, 1.2, True, INPUT_INERTIA_GEARBOX_SHARE["manual"])
    assert f_m == pytest.approx(INPUT_INERTIA_GEARBOX_SHARE["manual"] * 0.3
                                * (g0 / RADIUS) ** 2 * 1.2)


def test_engine_side_spin_torque_holds_the_kinetic_energy():
    """Eq. (6b): summed over a ramp of the engine speed while slipping, T_J,e omega dt is the
    change of J_e omega^2 / 2 (to the first order of the step); nothing across a lock-up."""
    from edrive.components.transmission import engine_spin_torque_nm

    j_e, dt = 0.25, 0.01
    w = np.linspace(80.0, 200.0, 2001)
    t = engine_spin_torque_nm(j_e, w[1:], w[:-1], dt, np.ones(2000, dtype=bool))
    assert np.allclose(t, j_e * 0.06 / dt)
    work = np.sum(t * 0.5 * (w[1:] + w[:-1]) * dt)
    assert work == pytest.approx(0.5 * j_e * (200.0**2 - 80.0**2), rel=1e-12)
    assert engine_spin_torque_nm(j_e, 200.0, 80.0, 1.0, False) == 0.0


def test_economy_shift_does_not_coast_in_a_decoupled_low_gear():
    """Coasting below the fuel cut-off speed, first gear's open converter would let the engine
    idle at less fuel than a coupled gear turning faster. A gear that keeps the driveline
    coupled is taken instead; at walking pace, where every gear slips, the decoupled idle
    stays."""
    engine = load_vehicle("bmw_330i").model().engine_spec.model_dump(mode="json")
    vehicle = car("zf_8hp", engine=engine | {"fuel_cut_speed_rad_s": 1600 * RPM})
    vm = vehicle.model()
    es, tr = vm.engine_spec, vm.transmission
    v = 1300 * RPM * vm.radius_m / tr.overall_ratios[1]  # second gear at 1,300 rpm
    grade = -0.03  # coasting at a steady speed: a negative wheel force
    road, climb = vm.road_load_parts(v, grade)
    f = float(road + climb)
    assert f < 0 and tr.overall_ratios[1] * v / vm.radius_m < es.fuel_cut_speed_rad_s
    gear = int(loop(vehicle, steady(v, grade))["gear"][-1])
    side = engine_side(tr, f * vm.radius_m, v / vm.radius_m, gear, es.speed_idle_rad_s)
    assert gear >= 1 and not side.slipping
    # idling decoupled in first would have cost less fuel
    assert _usable(vehicle, v, f, 0)[3] < _usable(vehicle, v, f, gear)[3]
    walk = loop(vehicle, steady(0.5, grade))
    assert walk["engine_speed_rad_s"][-1] == pytest.approx(es.speed_idle_rad_s)


def test_economy_shift_keeps_the_gearbox_input_within_the_speed_limit():
    """A decoupled gear idles the engine but not the turbine: its locked input speed must lie
    within the engine's speed limit too."""
    vehicle = car("zf_8hp")
    vm = vehicle.model()
    w_max = vm.engine_spec.speed_max_rad_s
    v = 16.0  # first gear's turbine near the limit
    rec = loop(vehicle, steady(v, -0.05))
    g = rec["gear"].astype(int)
    assert np.all(vm.transmission.overall_ratios[g] * v / vm.radius_m <= 0.8 * w_max)


def test_gear_force_max_is_the_net_full_load_torque_through_the_gear():
    """gear_force_max_n against its closed form on an engine of flat full-load torque: T_net
    G eta / r at the locked speed, held at max(idle, launch speed) below it, zero above the
    engine's maximum speed; the same numbers for arrays and one speed at a time."""
    from edrive.components.transmission import gear_force_max_n

    knots_w = np.linspace(50.0, 650.0, 6)
    knots_p = 300.0 * knots_w  # 300 N*m at every speed
    g, eta, r, idle, w_max, launch, aux, t0, cv = 12.0, 0.96, 0.32, 80.0, 650.0, 110.0, 900.0, 2.0, 0.01
    v = np.array([0.0, 1.0, 5.0, 10.0, 17.0, 17.5])
    w_lock = v / r * g
    w_e = np.maximum(w_lock, launch)
    expected = (300.0 - aux / w_e - t0 - cv * w_e) * g * eta / r * (w_lock <= w_max)
    got = gear_force_max_n(v, g, eta, r, knots_w, knots_p, idle, w_max, launch, aux, t0, cv)
    assert np.allclose(got, expected, rtol=1e-12)
    assert got[-1] == 0.0 and got[-2] > 0 and got[0] == got[1]  # held at the launch speed
    one = [gear_force_max_n(x, g, eta, r, knots_w, knots_p, idle, w_max, launch, aux, t0, cv)
           for x in v]
    assert np.array_equal(one, got)
