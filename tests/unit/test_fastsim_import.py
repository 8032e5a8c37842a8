"""FASTSim 3 vehicle files into edrive specs (edrive.io.fastsim); FASTSim itself is not needed.

The two files in tests/data/fastsim are FASTSim 3.1.0's bundled Renault Zoe (battery-electric)
and Ford Fusion (conventional), see the README there. Expected values below are read off
those files; the analytic cases apply FASTSim's component equations by hand.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from edrive.components.battery import Battery
from edrive.components.drive_unit import (
    MotorSpec,
    loss_map_from_function,
    read_loss_map_csv,
    write_loss_map_csv,
)
from edrive.components.engine import engine_from_rating
from edrive.constants import GRAVITY_M_S2
from edrive.cycles import DriveCycle
from edrive.errors import EdriveError
from edrive.io.fastsim import (
    air_density_kg_m3,
    fastsim_vehicle_dict,
    import_fastsim,
    interpolate,
    load_fastsim_vehicle,
)
from edrive.sim.run import simulate
from edrive.vehicle import load_vehicle

DATA = Path(__file__).resolve().parents[1] / "data" / "fastsim"
ZOE = DATA / "2022_Renault_Zoe_ZE50_R135.yaml"
FUSION = DATA / "2012_Ford_Fusion.yaml"
# Zoe's electric machine curve (eff_interp_achieved) and Fusion's engine curve
ZOE_FRAC = [0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0]
ZOE_EFF = [0.84, 0.86, 0.88, 0.9, 0.91, 0.92, 0.94, 0.95, 0.95, 0.94, 0.93]
FUSION_FRAC = [0.0, 0.005, 0.015, 0.04, 0.06, 0.1, 0.14, 0.2, 0.4, 0.6, 0.8, 1.0]
FUSION_EFF = [0.1, 0.12, 0.16, 0.22, 0.28, 0.33, 0.35, 0.36, 0.35, 0.34, 0.32, 0.3]


@pytest.fixture(scope="module")
def zoe_same(tmp_path_factory):
    return load_fastsim_vehicle(ZOE, same_efficiencies=True,
                                directory=tmp_path_factory.mktemp("zoe"))


@pytest.fixture(scope="module")
def fusion_same():
    return load_fastsim_vehicle(FUSION, same_efficiencies=True)


def constant_speed(speed_m_s, duration_s=60):
    t = np.arange(duration_s + 1, dtype=float)
    return DriveCycle("constant", t, np.full_like(t, speed_m_s), np.zeros_like(t))


def test_air_density_is_fastsims_default_environment():
    # FASTSim's own figure for 22 degC at 180 m is 1.172 kg/m^3
    assert air_density_kg_m3() == pytest.approx(1.1728, abs=2e-4)
    # ISA sea level is 1.2250 kg/m^3; the NASA Glenn fit lands within 0.3 % of it
    assert air_density_kg_m3(288.15, 0.0) == pytest.approx(1.2250, rel=3e-3)


def test_zoe_chassis_and_ratings_are_carried_over(zoe_same):
    v = zoe_same
    assert v.type == "bev" and v.name == "2022 Renault Zoe ZE50 R135"
    assert v.mass.mass_kg == 1600.0
    p = v.road_load.physical
    assert (p.drag_coefficient, p.frontal_area_m2, p.rolling_resistance) == (0.33, 2.5121646,
                                                                              0.009)
    assert (v.wheels.radius_m, v.wheels.inertia_kg_m2, v.wheels.count) == (0.31045, 0.815, 4)
    assert v.drive == "fwd" and v.chassis.front_axle_load_share == 0.61
    assert v.aux_power_w == 250.0
    du = v.drive_units[0]
    assert du.motor.power_peak_w == 100e3 and du.motor.rotor_inertia_kg_m2 == 0.0
    assert du.gear.mesh_efficiency == 0.92 and du.gear.drag_torque_nm == 0.0
    bat = v.model().battery
    assert bat.energy_total_j == pytest.approx(196.776e6, rel=1e-9)
    assert (bat.soc_min, bat.soc_max) == (0.029, 0.98)


def test_battery_resistance_gives_fastsims_efficiency_at_c_over_3(zoe_same):
    bat: Battery = zoe_same.model().battery
    eta = 0.9848857801796105
    p_ref = 196.776e6 / (3 * 3600)
    i = float(bat.current_a(p_ref, 0.5))
    one_way = p_ref / (float(bat.ocv(0.5)) * i)   # terminal / chemical power
    assert one_way == pytest.approx(eta, abs=3e-4)  # first-order equivalence, eq. (1)
    # more power, more loss: the Rint battery is below FASTSim's constant above P_ref
    i3 = float(bat.current_a(3 * p_ref, 0.5))
    assert 3 * p_ref / (float(bat.ocv(0.5)) * i3) < eta - 0.02


def test_motor_map_reproduces_fastsims_curve(zoe_same):
    lm = zoe_same.model().drive_units[0].map
    w = 600.0  # rad/s, away from grid lines
    # bilinear interpolation of a function of T * omega: within 0.2 % from 5 % of rated
    # power up, within 1 % below, where the efficiency changes fastest
    for frac, rel in ((0.013, 1e-2), (0.05, 2e-3), (0.15, 2e-3), (0.33, 2e-3), (0.7, 2e-3)):
        p = frac * 100e3
        eta = np.interp(frac, ZOE_FRAC, ZOE_EFF)
        assert float(lm.dc_power(p / w, w)) == pytest.approx(p / eta, rel=rel)
        # generating: FASTSim 3.1 uses the curve's value at zero output
        assert float(lm.dc_power(-p / w, w)) == pytest.approx(-p * ZOE_EFF[0], rel=2e-3)


def test_fastsim_step_interpolation():
    grid, values = [0.0, 0.1, 0.5, 1.0], [0.8, 0.9, 0.95, 0.93]
    q = [0.0, 0.05, 0.1, 0.3, 0.99, 1.2]
    assert interpolate(grid, values, "Lower", q).tolist() == [0.8, 0.8, 0.9, 0.9, 0.95, 0.93]
    assert interpolate(grid, values, "Upper", q).tolist() == [0.8, 0.9, 0.9, 0.95, 0.93, 0.93]
    assert interpolate(grid, values, "Linear", [0.05])[0] == pytest.approx(0.85)


def test_step_curve_of_the_motor_is_followed(tmp_path):
    def step(r):
        r["pt_type"]["BEV"]["em"]["eff_interp_achieved"]["strategy"] = {"Step": "Lower"}
    car = load_fastsim_vehicle(_edited(tmp_path, step), same_efficiencies=True,
                               directory=tmp_path)
    lm = car.model().drive_units[0].map
    p, w = 0.3 * 100e3, 600.0  # between the grid points 0.2 and 0.4: eta(0.2) = 0.94
    assert float(lm.dc_power(p / w, w)) == pytest.approx(p / 0.94, rel=2e-3)
    with pytest.raises(EdriveError, match="strategy: 'Nearest' is not supported yet"):
        fastsim_vehicle_dict(_edited(tmp_path, lambda r: r["pt_type"]["BEV"]["em"][
            "eff_interp_achieved"].update(strategy="Nearest")))


def test_zoe_at_constant_speed_draws_fastsims_power(zoe_same):
    v = 25.0
    rho = air_density_kg_m3()
    wheel_w = (1600 * GRAVITY_M_S2 * 0.009 + 0.5 * rho * 0.33 * 2.5121646 * v * v) * v
    shaft_w = wheel_w / 0.92
    expected_w = shaft_w / np.interp(shaft_w / 100e3, ZOE_FRAC, ZOE_EFF) + 250.0
    s = simulate(zoe_same, constant_speed(v)).summary
    assert s["battery_energy_j"] / s["duration_s"] == pytest.approx(expected_w, rel=1e-3)


def test_fusion_engine_follows_fastsims_curve_with_no_fuel_cut(fusion_same):
    vm = fusion_same.model()
    eng, es = vm.engine, vm.engine_spec
    assert fusion_same.type == "icev" and fusion_same.drive == "fwd"
    assert es.power_rated_w == 130.5e3 and not es.stop_start
    assert es.fuel_cut_speed_rad_s == es.speed_max_rad_s
    assert vm.transmission.efficiencies.tolist() == [0.875] * 6
    assert vm.transmission.drag == (0.0, 0.0) and vm.input_inertia_kg_m2 == 0.0
    assert vm.aux_mech_power_w == 700.0  # FASTSim's alternator efficiency is 1
    w = 250.0
    for frac in (0.003, 0.05, 0.3, 0.9):
        p = frac * 130.5e3
        eta = np.interp(frac, FUSION_FRAC, FUSION_EFF)
        assert float(eng.fuel_power_w(p / w, w)) == pytest.approx(p / eta, rel=1e-12)
    assert float(eng.fuel_power_w(-20.0, w)) == 0.0  # FASTSim's idle fuel power is 0


def test_fusion_at_constant_speed_burns_fastsims_fuel(fusion_same):
    v = 25.0
    rho = air_density_kg_m3()
    mass = 1644.2724500334996
    wheel_w = (mass * GRAVITY_M_S2 * 0.007 + 0.5 * rho * 0.393 * 2.12 * v * v) * v
    engine_w = wheel_w / 0.875 + 700.0
    expected_w = engine_w / np.interp(engine_w / 130.5e3, FUSION_FRAC, FUSION_EFF)
    s = simulate(fusion_same, constant_speed(v)).summary
    assert s["fuel_energy_j"] / s["duration_s"] == pytest.approx(expected_w, rel=1e-3)


def test_edrive_physics_mode_uses_edrives_component_models():
    bev = load_fastsim_vehicle(ZOE)
    du = bev.drive_units[0]
    assert du.motor.losses.kind == "generic" and du.gear.mesh_efficiency == 0.975
    assert bev.brakes.regen_speed_min_m_s > 0
    icev = load_fastsim_vehicle(FUSION)
    assert icev.transmission == "zf_8hp" and icev.model().engine_spec.efficiency_curve is None
    for car in (bev, icev):
        s = simulate(car, "udds").summary
        assert s["trace_missed_s"] == 0.0 and 11.9e3 < s["distance_m"] < 12.1e3


def test_both_fastsim_array_layouts_give_the_same_vehicle(tmp_path):
    """FASTSim's resources write arrays as {v, dim, data}; its to_yaml as plain lists."""
    raw = yaml.safe_load(ZOE.read_text())
    em = raw["pt_type"]["BEV"]["em"]["eff_interp_achieved"]["data"]
    assert isinstance(em["values"], dict)
    em["grid"] = [em["grid"][0]["data"]]
    em["values"] = em["values"]["data"]
    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump(raw))
    a, b = (fastsim_vehicle_dict(f, same_efficiencies=True)[0] for f in (plain, ZOE))
    assert a.pop("sources") != b.pop("sources")  # they name their files
    assert a == b


def _edited(tmp_path, edit, source=ZOE):
    raw = yaml.safe_load(source.read_text())
    edit(raw)
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda r: r["chassis"].pop("drag_coef"), "chassis.drag_coef: required field is missing"),
    (lambda r: r["chassis"].update(wheel_rr_coef="low"), "chassis.wheel_rr_coef: 'low' is not"),
    (lambda r: r["chassis"].update(drive_type="AWD"), "allowed: FWD, RWD"),
    (lambda r: r.update(mass_kilograms=None), "mass_kilograms: required field is missing"),
    (lambda r: r.update(pt_type={"HEV": r["pt_type"]["BEV"]}), "hybrids are not supported yet"),
    (lambda r: r.update(pt_type={"Tram": {}}), "pt_type: 'Tram'; allowed: BEV"),
    (lambda r: r["pt_type"]["BEV"]["res"].update(eff_interp={"CRate": {}}),
     "pt_type.BEV.res.eff_interp: CRate efficiency is not supported yet; allowed: Constant"),
    (lambda r: r["pt_type"]["BEV"]["em"]["eff_interp_achieved"]["data"].update(
        grid=[[0, 1], [0, 1]]), "2-D interpolator; allowed: 1-D"),
])
def test_bad_files_give_one_line_errors_naming_the_field(tmp_path, edit, message):
    with pytest.raises(EdriveError, match="^edited.yaml: ") as exc:
        fastsim_vehicle_dict(_edited(tmp_path, edit), same_efficiencies=True)
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_files_that_are_not_fastsim_vehicles(tmp_path):
    (tmp_path / "car.yaml").write_text("name: x\ntype: bev\n")
    with pytest.raises(EdriveError, match="car.yaml: not a FASTSim 3 vehicle file"):
        fastsim_vehicle_dict(tmp_path / "car.yaml")
    with pytest.raises(EdriveError, match="does not exist"):
        fastsim_vehicle_dict(tmp_path / "missing.yaml")
    with pytest.raises(EdriveError, match="Diesel"):
        fastsim_vehicle_dict(_edited(tmp_path, lambda r: r["pt_type"]["Conv"]["fs"].update(
            fuel_type="Hydrogen"), FUSION))


def test_import_writes_vehicle_and_loss_map_atomically(tmp_path):
    out = tmp_path / "cars" / "zoe.yaml"
    spec = import_fastsim(ZOE, out, same_efficiencies=True)
    assert out.is_file() and (tmp_path / "cars" / "zoe_motor_losses.csv").is_file()
    assert not list((tmp_path / "cars").glob(".*"))  # no temporary files left behind
    again = load_vehicle(out)
    assert again.model_dump() == spec.model_dump()
    with pytest.raises(EdriveError, match="allowed: a .yaml"):
        import_fastsim(ZOE, tmp_path / "zoe.txt")


def test_a_failed_import_leaves_the_earlier_one_as_it_was(tmp_path):
    def smaller_motor_impossible_battery(raw):  # the loss map changes, the vehicle is refused
        raw["pt_type"]["BEV"]["em"]["pwr_out_max_watts"] *= 0.5
        raw["pt_type"]["BEV"]["res"].update(min_soc=0.99, max_soc=0.01)

    bad = _edited(tmp_path, smaller_motor_impossible_battery)
    cars = tmp_path / "cars"
    import_fastsim(ZOE, cars / "car.yaml", same_efficiencies=True)
    before = {p.name: p.read_bytes() for p in cars.iterdir()}
    assert set(before) == {"car.yaml", "car_motor_losses.csv"}
    with pytest.raises(EdriveError, match="soc_min 0.99 must be below soc_max"):
        import_fastsim(bad, cars / "car.yaml", same_efficiencies=True)
    assert {p.name: p.read_bytes() for p in cars.iterdir()} == before


def test_an_import_does_not_overwrite_its_input(tmp_path):
    source = tmp_path / "car.yaml"
    source.write_bytes(ZOE.read_bytes())
    with pytest.raises(EdriveError, match="--out: .*car.yaml' is the input file"):
        import_fastsim(source, tmp_path / "." / "car.yaml")
    # the loss map written next to --out would replace the input
    named_like_a_map = tmp_path / "zoe_motor_losses.csv"
    named_like_a_map.write_bytes(ZOE.read_bytes())
    with pytest.raises(EdriveError, match="zoe_motor_losses.csv' is the input file"):
        import_fastsim(named_like_a_map, tmp_path / "zoe.yaml", same_efficiencies=True)
    assert source.read_bytes() == named_like_a_map.read_bytes() == ZOE.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["car.yaml", "zoe_motor_losses.csv"]


def test_cli_import_fastsim(tmp_path):
    from edrive.cli import app

    out = tmp_path / "fusion.yaml"
    res = CliRunner().invoke(app, ["vehicles", "import-fastsim", str(FUSION), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "icev: 2012 Ford Fusion" in res.output
    assert load_vehicle(out).type == "icev"
    hybrid = _edited(tmp_path, lambda r: r.update(pt_type={"HEV": r["pt_type"]["BEV"]}))
    proc = subprocess.run([sys.executable, "-m", "edrive.cli", "vehicles", "import-fastsim",
                           str(hybrid), "--out", str(tmp_path / "h.yaml")],
                          check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "hybrids are not supported yet" in proc.stderr


def test_loss_map_from_a_function_round_trips_through_csv(tmp_path):
    motor = MotorSpec(power_peak_w=50e3, torque_peak_nm=120.0, speed_max_rad_s=1000.0)
    lm = loss_map_from_function(motor, lambda t, w: 100.0 + 0.01 * t * t + 0.2 * w, 11, 21)
    assert float(lm.loss(30.0, 450.0)) == pytest.approx(100 + 9 + 90, rel=0.02)
    write_loss_map_csv(tmp_path / "m.csv", lm)
    back = read_loss_map_csv(tmp_path / "m.csv", motor)
    np.testing.assert_allclose(back.loss_w, lm.loss_w, rtol=1e-8)


def test_power_fraction_curve_is_validated():
    with pytest.raises(EdriveError, match="power_fraction has 2 points but efficiency 3"):
        engine_from_rating("petrol", 2e-3, 100e3, 600.0, efficiency_curve={
            "power_fraction": [0, 1], "efficiency": [0.1, 0.2, 0.3]})
    with pytest.raises(EdriveError, match="above 0 wherever"):
        engine_from_rating("petrol", 2e-3, 100e3, 600.0, efficiency_curve={
            "power_fraction": [0, 0.5, 1], "efficiency": [0.0, 0.0, 0.3]})
