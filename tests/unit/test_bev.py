"""Analytic checks of the battery-electric cycle simulation."""

import numpy as np
import pytest

from edrive.constants import GRAVITY_M_S2
from edrive.cycles import DriveCycle, list_cycles
from edrive.errors import EdriveError, TraceMissError
from edrive.sim.bev import simulate
from tests.conftest import make_vehicle


def steady(v, n=101, grade=0.0):
    t = np.arange(n, dtype=float)
    return DriveCycle("steady", t, np.full(n, v), np.full(n, grade))


def test_steady_speed_flat_road_by_hand(car):
    v = 25.0
    res = simulate(car, steady(v))
    ts = res.timeseries.iloc[1:]
    vm = car.model()
    # road load: m g Crr + 1/2 rho Cd A v^2
    f = 1500 * GRAVITY_M_S2 * 0.01 + 0.5 * 1.2 * 0.3 * 2.2 * v**2
    assert ts["wheel_force_n"].to_numpy() == pytest.approx(f, rel=1e-12)
    du = vm.drive_units[0]
    tm = f * 0.3 / (9.0 * 0.975) + 0.3
    w = v / 0.3 * 9.0
    # generic loss model, eq. (3) of drive_unit
    gl = car.drive_units[0].motor.losses
    s = gl.scale_w(150e3)
    loss = (gl.copper_fraction * s * (tm / 300) ** 2 + gl.inverter_fraction * s * tm / 300
            + gl.iron_fraction * s * w / 1000 + gl.windage_fraction * s * (w / 1000) ** 3
            + gl.constant_fraction * s)
    assert ts["motor_rear_torque_nm"].to_numpy() == pytest.approx(tm, rel=1e-12)
    # the map is bilinear between grid points: within 0.5 % of the analytic loss
    assert ts["motor_inverter_loss_w"].to_numpy() == pytest.approx(loss, rel=5e-3)
    p_bat = tm * w + ts["motor_inverter_loss_w"].to_numpy() + vm.aux_power_w
    assert ts["battery_power_w"].to_numpy() == pytest.approx(p_bat, rel=1e-12)
    assert du.ratio == 9.0
    assert res.summary["trace_missed_s"] == 0


def test_steady_climb_needs_m_g_sin_theta(car):
    flat = simulate(car, steady(15.0)).summary
    hill = simulate(car, steady(15.0, grade=0.05)).summary
    dist = flat["distance_m"]
    climb = 1500 * GRAVITY_M_S2 * np.sin(np.arctan(0.05)) * dist
    assert hill["energy_j"]["grade_j"] == pytest.approx(climb, rel=1e-9)
    assert hill["battery_energy_j"] > flat["battery_energy_j"] + climb


def test_coastdown_needs_no_wheel_force():
    # zero-loss car coasting: m dv/dt = -(f0 + f2 v^2) has the closed-form solution
    # v(t) = sqrt(f0/f2) tan(atan(v0 sqrt(f2/f0)) - sqrt(f0 f2) t / m)
    car = make_vehicle(road_load={"coastdown": {"f0_n": 150.0, "f1_n_per_m_s": 0.0,
                                                "f2_n_per_m2_s2": 0.4}})
    m = car.model().mass_effective_kg
    f0, f2 = 150.0, 0.4
    t = np.arange(0.0, 60.0)
    v = np.sqrt(f0 / f2) * np.tan(np.arctan(30.0 * np.sqrt(f2 / f0)) - np.sqrt(f0 * f2) * t / m)
    res = simulate(car, DriveCycle("coast", t, v, np.zeros_like(t)))
    f = res.timeseries["wheel_force_n"].to_numpy()[1:]
    road = f0 + f2 * v[1:] ** 2
    assert np.max(np.abs(f) / road) < 2e-3  # second-order error of the mid-interval scheme
    assert res.summary["energy_j"]["friction_brakes_j"] < 1e-3 * res.summary["energy_j"]["road_load_j"]


@pytest.mark.parametrize("cycle", list_cycles())
def test_energy_audit_closes(car, cycle):
    s = simulate(car, cycle).summary
    assert abs(s["audit_residual"]) < 1e-6
    total = sum(s["energy_j"].values())
    assert total == pytest.approx(s["battery_chemical_energy_j"], rel=1e-6)


def test_regen_recovers_and_friction_takes_the_rest(car):
    s = simulate(car, "udds").summary
    assert s["regen_energy_j"] > 0
    assert s["energy_j"]["friction_brakes_j"] > 0  # below the blend speed
    no_regen = simulate(make_vehicle(brakes={"regen_share_max": 0.0}), "udds").summary
    assert no_regen["regen_energy_j"] == 0
    assert no_regen["battery_energy_j"] > 1.2 * s["battery_energy_j"]


def test_weak_car_follows_as_close_as_it_can():
    weak = make_vehicle(drive_units__0__motor__power_peak_w=25e3,
                        drive_units__0__motor__torque_peak_nm=120.0)
    res = simulate(weak, "us06")
    s = res.summary
    assert s["trace_missed_s"] > 10 and s["trace_max_shortfall_m_s"] > 1
    ts = res.timeseries
    assert np.all(ts["speed_m_s"] <= ts["speed_target_m_s"] + 1e-9)
    assert abs(s["audit_residual"]) < 1e-6
    with pytest.raises(TraceMissError, match="cannot follow us06"):
        simulate(weak, "us06", trace_miss="error")


def test_battery_power_limit_respected():
    small = make_vehicle(battery__power_discharge_max_w=30e3)
    res = simulate(small, "us06")
    assert res.timeseries["battery_power_w"].max() <= 30e3 * (1 + 1e-6)
    assert res.summary["trace_missed_s"] > 0


def test_charge_limit_caps_regen():
    res = simulate(make_vehicle(battery__power_charge_max_w=10e3), "us06")
    assert res.timeseries["battery_power_w"].min() >= -10e3 * (1 + 1e-6)


def test_two_drive_units_split_minimises_loss():
    awd = make_vehicle(drive_units=[
        {"axle": "front", "motor": {"power_peak_w": 100e3, "torque_peak_nm": 250.0,
                                    "speed_max_rad_s": 1500.0}, "gear": {"ratio": 9.0}},
        {"axle": "rear", "motor": {"power_peak_w": 200e3, "torque_peak_nm": 400.0,
                                   "speed_max_rad_s": 1500.0}, "gear": {"ratio": 9.0}}])
    from edrive.sim import powertrain as pt

    vm = awd.model()
    v = np.linspace(1, 35, 50)
    f = np.linspace(200, 6000, 50)
    best = pt.dc_power_total(vm, pt.allocate(vm, f, v, braking=False), v)
    for s in (0.0, 0.3, 0.5, 1.0):
        fixed = [np.clip(s * f, *pt.unit_force_limits(vm, v)[0][::-1]),
                 np.clip((1 - s) * f, *pt.unit_force_limits(vm, v)[1][::-1])]
        ok = np.abs(fixed[0] + fixed[1] - f) < 1e-6
        p = pt.dc_power_total(vm, fixed, v)
        assert np.all(best[ok] <= p[ok] + 1e-6)
    res = simulate(awd, "wltc")
    assert abs(res.summary["audit_residual"]) < 1e-6


def test_soc_outside_window_rejected(car):
    with pytest.raises(EdriveError, match="soc_initial"):
        simulate(car, "udds", soc_initial=0.999)


def test_wall_energy_above_battery_energy(car):
    s = simulate(car, "wltc").summary
    assert s["wall_energy_j"] > s["battery_chemical_energy_j"] > s["battery_energy_j"] > 0


def test_results_convert_to_dataframes(car):
    res = simulate(car, "hwfet")
    df = res.to_dataframe()
    assert len(df) == len(res.series["time_s"]) and "battery_current_a" in df
    assert res.summary_frame().shape[0] == 1


def test_two_speed_unit_picks_the_cheaper_gear():
    from edrive.powertrains.api import performance

    kw = dict(drive_units__0__motor__power_peak_w=150e3, drive_units__0__motor__torque_peak_nm=250.0,
              drive_units__0__motor__speed_max_rad_s=2000.0)
    single = make_vehicle(drive_units__0__gear={"ratio": 8.0}, **kw)
    two = make_vehicle(drive_units__0__gear={"ratio": 8.0, "low_ratio": 15.0}, **kw)
    # first gear multiplies torque: a quicker launch
    assert performance(two).accel_0_100_kmh_s < performance(single).accel_0_100_kmh_s
    # at every step the chosen gear needs no more DC power than the top gear alone
    for cycle in ("udds", "us06"):
        a, b = simulate(single, cycle), simulate(two, cycle)
        assert b.summary["battery_energy_j"] <= a.summary["battery_energy_j"] * (1 + 1e-9)
        assert abs(b.summary["audit_residual"]) < 1e-6
    ts = simulate(two, "udds").timeseries
    v = ts["speed_m_s"].to_numpy()
    v_mid = 0.5 * (v[1:] + v[:-1])  # row k holds the interval from sample k-1 to k
    moving = v_mid > 1
    ratio = ts["motor_rear_speed_rad_s"].to_numpy()[1:][moving] / (v_mid[moving] / 0.3)
    used = set(np.round(ratio, 6))
    assert used <= {8.0, 15.0} and len(used) == 2
    with pytest.raises(EdriveError, match="low_ratio"):
        make_vehicle(drive_units__0__gear={"ratio": 8.0, "low_ratio": 6.0})


# --- the route a simulation takes ---------------------------------------------------------------

@pytest.mark.parametrize("cycle", ["udds", "us06"])
def test_bundled_cars_run_in_the_compiled_loop_and_close_their_audit(cycle):
    """Every bundled battery-electric car is simulated by the compiled loop (``route``); the
    energy audit closes on each."""
    from edrive.powertrains import powertrain_of
    from edrive.vehicle import list_vehicles, load_vehicle

    specs = [s for s in map(load_vehicle, list_vehicles())
             if powertrain_of(s).batch_route == "bev"]
    assert len(specs) >= 8
    for spec in specs:
        res = simulate(spec, cycle)
        assert res.route == "compiled_bev", spec.name
        assert abs(res.summary["audit_residual"]) < 1e-9, spec.name


def test_missed_traces_empty_batteries_and_two_speed_gears_run_compiled(car):
    """The compiled loop follows a trace the car cannot keep to (motor or battery power, top
    speed, an empty battery) as closely as it can, and runs two-speed gears."""
    weak = make_vehicle(drive_units__0__motor__power_peak_w=25e3,
                        drive_units__0__motor__torque_peak_nm=120.0)
    res = simulate(weak, "us06")
    assert res.route == "compiled_bev" and res.summary["trace_missed_s"] > 10
    small = make_vehicle(battery__power_discharge_max_w=30e3)
    assert simulate(small, "us06").route == "compiled_bev"
    capped = make_vehicle(speed_limit_m_s=25.0)
    res = simulate(capped, "us06")
    assert res.route == "compiled_bev" and res.timeseries["speed_m_s"].max() <= 25.0
    tiny = make_vehicle(battery__cell_capacity_as=0.5 * 3600.0)
    res = simulate(tiny, "wltc")
    assert res.route == "compiled_bev" and res.summary["battery_empty_at_s"] is not None
    assert res.summary["trace_missed_s"] > 100   # it falls behind once empty
    two_speed = make_vehicle(drive_units__0__gear={"ratio": 8.0, "low_ratio": 15.0})
    assert simulate(two_speed, "udds").route == "compiled_bev"
    assert simulate(car, "udds").route == "compiled_bev"


def _two_speed(name: str, low_ratio: float):
    from edrive.sim.batch import _with
    from edrive.vehicle import load_vehicle, vehicle_from_dict

    base = load_vehicle(name)
    data = base.model_dump(mode="json", exclude_none=True)
    gear = data["drive_units"][0]["gear"] | {"low_ratio": low_ratio}
    return vehicle_from_dict(_with(data, {"drive_units.0.gear": gear}),
                             base_dir=base._base_dir)


@pytest.mark.parametrize(("name", "cycle"), [
    ("tesla_model3_rwd", "wltc"), ("bmw_ix3", "wltc"), ("jaguar_ipace_ev400", "wltc"),
    ("two-speed tesla_model3_rwd", "us06"), ("two-speed mini_cooper_se", "wltc")])
def test_each_recorded_interval_is_what_the_components_give(name, cycle):
    """Every interval the compiled loop records holds what the numpy component functions
    give for its speeds and forces: the road load, grade and inertia forces, the drive
    units' share of the wheel force (powertrain.allocate, the loss-minimising split), each
    unit's torque, speed, loss and DC power (DriveUnit.operate: a two-speed unit in its gear
    of least DC power), the battery power and current (Rint), and the SOC that
    Battery.run's fixed point gives over the recorded powers; on a car with a generic map,
    one with a physics-based drive unit, one with two of them, and two with a two-speed
    gear."""
    from edrive.cycles import load_cycle
    from edrive.sim import bev
    from edrive.sim import powertrain as pt
    from edrive.sim.bev_loop import run_one
    from edrive.vehicle import load_vehicle

    spec = (_two_speed(name.split()[-1], 15.0) if name.startswith("two-speed")
            else load_vehicle(name))
    cyc = load_cycle(cycle)
    vm = spec.model()
    bat = vm.battery
    soc0 = bat.soc_initial
    run = run_one(spec, cyc, soc0)
    assert not isinstance(run, str)
    v_ach, iv, drive, current, soc, ocv, soc_end = bev._recorded(vm, cyc, *run)
    assert np.array_equal(v_ach, np.minimum(cyc.speed_m_s, vm.speed_max_m_s))  # on the trace
    grade = 0.5 * (cyc.grade[1:] + cyc.grade[:-1])
    road, climb = vm.road_load_parts(iv.speed_m_s, grade)
    assert iv.road_n == pytest.approx(road, rel=1e-12, abs=1e-9)
    assert iv.grade_n == pytest.approx(climb, rel=1e-12, abs=1e-9)
    assert iv.inertia_n == pytest.approx(vm.mass_effective_kg * iv.acceleration_m_s2,
                                         rel=1e-12, abs=1e-9)
    f = iv.wheel_n
    braking = f < 0
    regen = np.maximum(np.where(braking, f * pt.regen_blend(vm, iv.speed_m_s), 0.0),
                       -spec.brakes.regen_deceleration_max_m_s2 * vm.mass_effective_kg)
    demand = np.where(braking, regen, f)
    expected = pt.allocate(vm, demand, iv.speed_m_s, braking=braking)
    uncut = drive.battery_w > -bat.power_charge_max_w * (1 - 1e-9)  # the charge limit free
    for k, du in enumerate(vm.drive_units):
        assert drive.forces[k][uncut] == pytest.approx(expected[k][uncut], rel=1e-9, abs=1e-6)
        tm, w, loss, p = du.operate(drive.forces[k], iv.speed_m_s, vm.radius_m)
        for got, want in zip(drive.units[k], (tm, w, loss, p), strict=True):
            assert got == pytest.approx(want, rel=1e-9, abs=1e-6)
        if len(du.ratios) == 2:   # both gears used over the cycle
            moving = iv.speed_m_s > 1
            gears = drive.units[k][1][moving] * vm.radius_m / iv.speed_m_s[moving]
            assert set(np.round(gears, 6)) == {round(g, 6) for g in du.ratios}
    p_bat = sum(u[3] for u in drive.units) + drive.aux_w
    assert drive.battery_w == pytest.approx(p_bat, rel=1e-12, abs=1e-6)
    assert (drive.aux_w == vm.aux_power_w).all()   # nothing shed
    assert current == pytest.approx(bat.current_a(drive.battery_w, soc), rel=1e-12)
    _, soc_ref, ocv_ref, end_ref = bat.run(drive.battery_w, iv.dt, soc0)
    assert soc == pytest.approx(soc_ref, rel=0, abs=1e-12)
    assert ocv == pytest.approx(ocv_ref, rel=1e-12)
    assert soc_end == pytest.approx(end_ref, rel=0, abs=1e-12)
    f_units = sum(drive.forces)
    held = f_units < f - 1e-6 * (1 + np.abs(f))
    assert drive.friction_n == pytest.approx(np.where(braking | held, f - f_units, 0.0),
                                             rel=1e-12, abs=1e-9)


def test_an_empty_battery_holds_the_car_until_a_slope_rolls_it():
    """A small pack asked for 15 m/s up a 6 % grade, then down an 8 % one: it runs empty on
    the climb, the car stops and stands there with its drive unit and auxiliaries off (the
    brakes hold it), every interval's battery power inside the window of eq. (3) at its SOC
    and the SOC never below soc_min; where the road turns downhill the car rolls, gathers
    speed and recharges the pack by regeneration; the energy audit closes."""
    from edrive.components.battery import SOC_TOLERANCE, within_power

    car = make_vehicle(battery__cell_capacity_as=0.4 * 3600.0)
    bat = car.model().battery
    t = np.arange(1201.0)
    speed = np.minimum(t, 15.0)
    speed[-1] = 0.0
    res = simulate(car, DriveCycle("hill", t, speed, np.where(t < 700, 0.06, -0.08)))
    ts, s = res.timeseries.iloc[1:], res.summary
    soc = res.timeseries["soc"].to_numpy()
    v = ts["speed_m_s"].to_numpy()
    p = ts["battery_power_w"].to_numpy()
    unit_p = ts["motor_rear_dc_power_w"].to_numpy()
    assert soc.min() >= bat.soc_min - SOC_TOLERANCE
    lo, hi = bat.power_window_w(soc[:-1], np.diff(t), bat.power_discharge_limit_w(bat.soc_initial))
    assert within_power(p, hi).all() and within_power(-p, -lo).all()
    assert s["battery_empty_at_s"] < 100
    standing = slice(200, 699)       # empty on the climb: held still, nothing drawn
    assert (v[standing] == 0).all() and (p[standing] == 0).all()
    assert (unit_p[standing] == 0).all()
    assert v[760:1190].min() > 14.0   # rolled downhill and back on the trace
    assert (unit_p[700:] < 0).any() and soc[900] > bat.soc_min + 0.5   # recharged
    assert s["energy_j"]["aux_j"] < car.aux_power_w * s["duration_s"] * 0.9
    assert abs(s["audit_residual"]) < 1e-9
