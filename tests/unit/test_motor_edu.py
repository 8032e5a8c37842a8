"""Physics-based machines and drive units: analytic checks."""

import numpy as np
import pytest

from edrive.edu import EduSpec, edu_from_yaml, list_edus, load_edu
from edrive.edu.machines.pmsm import MotorModel, PmsmSpec
from edrive.errors import EdriveError

TESLA_LIKE = dict(pole_pairs=3, stator_resistance_ohm=4.85e-3, d_inductance_h=110e-6,
                  q_inductance_h=340e-6, magnet_flux_linkage_vs=0.074, current_max_a=1373.0,
                  speed_max_rad_s=1675.0)


def spm(**kw):
    return PmsmSpec(**(dict(pole_pairs=4, stator_resistance_ohm=10e-3, d_inductance_h=200e-6,
                            q_inductance_h=200e-6, magnet_flux_linkage_vs=0.08, current_max_a=600.0,
                            speed_max_rad_s=1200.0, iron_loss_no_load_w=0.0) | kw))


def test_surface_magnet_mtpa_has_zero_d_current():
    m = MotorModel(spm(), 400.0)
    op = m.operating_points(np.array([20.0, 100.0, 200.0]), 100.0)
    assert np.all(op["feasible"])
    assert op["i_d_a"] == pytest.approx(0.0, abs=1e-9)


def test_torque_from_currents_matches_the_torque_asked():
    m = MotorModel(PmsmSpec(**TESLA_LIKE), 350.0)
    t = np.array([50.0, 200.0, 400.0, -300.0])
    w = np.array([300.0, 500.0, 200.0, 800.0])
    op = m.operating_points(t, w)
    p = 3
    t_em = 1.5 * p * (0.074 + (110e-6 - 340e-6) * op["i_d_a"]) * op["i_q_a"]
    drag = (op["iron_loss_w"] + op["mechanical_loss_w"]) / w
    assert t_em == pytest.approx(t + drag, rel=1e-9)


def test_power_balance_of_machine_and_inverter():
    m = load_edu("tesla_model3_rear_ipm").model().motor
    T, W = np.meshgrid(np.linspace(-400, 400, 17), np.linspace(10, 1600, 15), indexing="ij")
    op = m.operating_points(T, W)
    ok = op["feasible"]
    lhs = op["electrical_power_w"] + op["inverter_loss_w"]
    rhs = T * W + op["copper_loss_w"] + op["iron_loss_w"] + op["mechanical_loss_w"] + op["inverter_loss_w"]
    assert lhs[ok] == pytest.approx(rhs[ok], rel=1e-6, abs=1e-6)
    assert op["dc_power_w"][ok] == pytest.approx(rhs[ok], rel=1e-9)


def test_envelope_never_rises_above_base_speed():
    m = MotorModel(PmsmSpec(**TESLA_LIKE), 350.0)
    w = np.linspace(0, 1675, 400)
    tmax, tmin = m.torque_envelope_nm(w)
    base = m.base_speed_rad_s()
    above = w >= base
    assert np.all(np.diff(tmax[above]) <= 1e-6)
    assert np.all(np.diff(-tmin[above]) <= 1e-6)


def test_operating_points_respect_both_limits():
    m = MotorModel(PmsmSpec(**TESLA_LIKE), 350.0)
    T, W = np.meshgrid(np.linspace(-600, 600, 25), np.linspace(0, 1675, 25), indexing="ij")
    op = m.operating_points(T, W)
    ok = op["feasible"]
    assert np.all(op["current_a"][ok] <= 1373 * (1 + 1e-9))
    assert np.all(op["voltage_v"][ok] <= 0.95 * 350 / np.sqrt(3) * (1 + 1e-9))
    tmax, _ = m.torque_envelope_nm(W[0])
    # every point well inside the envelope is feasible, every point well outside is not
    assert np.all(ok[(T < 0.97 * tmax[None, :]) & (T > 0)])
    assert not np.any(ok[T > 1.03 * tmax[None, :] + 1])


def test_map_is_continuous_through_zero_torque():
    sm = load_edu("tesla_model3_rear_ipm").model().system_map(40, 41)
    k0 = int(np.argmin(np.abs(sm.torque_nm)))
    rows = sm.dc_power_w[k0 - 1:k0 + 2, 1:]
    step = np.abs(np.diff(rows, axis=0)).max()
    torque_step = sm.torque_nm[1] - sm.torque_nm[0]
    speed = sm.speed_rad_s.max()
    assert step < 1.2 * torque_step * speed  # no jump beyond the mechanical power change


def test_field_weakening_cuts_d_current():
    m = MotorModel(PmsmSpec(**TESLA_LIKE), 350.0)
    lo = m.operating_points(100.0, 300.0)["i_d_a"]
    hi = m.operating_points(100.0, 1500.0)["i_d_a"]
    assert hi < lo - 50  # far more negative d-axis current at high speed


def test_voltage_too_low_for_rated_speed_is_rejected():
    # characteristic current psi_f / L_d = 800 A > I_max = 600 A: a finite top speed,
    # omega_e,max = U_max / (psi_f - L_d I_max), 685 rad/s at 100 V, below the 1200 asked for
    import yaml

    data = {"name": "low voltage", "dc_voltage_v": 100.0,
            "motor": {"kind": "pmsm", **spm(d_inductance_h=100e-6, q_inductance_h=100e-6).model_dump(
                exclude={"kind"})},
            "gearbox": {"stages": [{"ratio": 9.0}]}}
    with pytest.raises(EdriveError, match="dc_voltage_v 100 V is too low to reach"):
        edu_from_yaml(yaml.safe_dump(data), "low.yaml")
    data["dc_voltage_v"] = 400.0
    assert edu_from_yaml(yaml.safe_dump(data), "ok.yaml").model().speed_max_rad_s == 1200.0


def test_pm_machine_needs_lq_at_least_ld():
    with pytest.raises(ValueError, match="q_inductance_h >= d_inductance_h"):
        PmsmSpec(**(TESLA_LIKE | {"d_inductance_h": 400e-6}))


# --- reference designs against published figures ----------------------------------------------
# Tesla Model 3 rear unit: up to 239 kW / 420 Nm, 16,000 rpm (PyEVPowerKit README, after MotorXP);
# motor efficiency "97 percent" (Engadget).
PUBLISHED = {"tesla_model3_rear_ipm": {"peak_power_kw": 239.0, "peak_torque_nm": 420.0,
                                       "max_speed_rpm": 16000.0, "motor_eff": (0.95, 0.98)}}


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_reference_design_against_published(name):
    edu = load_edu(name).model()
    s = edu.summary()
    pub = PUBLISHED[name]
    assert s["peak_power_kw"] == pytest.approx(pub["peak_power_kw"], rel=0.05)
    assert s["peak_torque_nm"] == pytest.approx(pub["peak_torque_nm"], rel=0.05)
    assert s["max_speed_rpm"] == pytest.approx(pub["max_speed_rpm"], rel=0.01)
    lo, hi = pub["motor_eff"]
    assert lo <= s["peak_motor_efficiency"] <= hi
    assert s["peak_efficiency"] < s["peak_motor_inverter_efficiency"] < s["peak_motor_efficiency"]


def test_all_bundled_edus_build():
    for name in list_edus():
        assert isinstance(load_edu(name), EduSpec)


def test_vehicle_with_a_physics_drive_unit():
    from edrive.sim.bev import simulate
    from edrive.vehicle import load_vehicle, vehicle_from_dict

    data = load_vehicle("tesla_model3_rwd").model_dump(mode="json", exclude_none=True)
    data["drive_units"][0] = {"axle": "rear", "edu": "tesla_model3_rear_ipm"}
    car = vehicle_from_dict(data)
    for cycle in ("udds", "us06"):
        s = simulate(car, cycle).summary
        assert abs(s["audit_residual"]) < 1e-6 and s["trace_missed_s"] == 0
    with pytest.raises(EdriveError, match="either edu or motor and gear"):
        bad = load_vehicle("tesla_model3_rwd").model_dump(mode="json", exclude_none=True)
        bad["drive_units"][0]["edu"] = "tesla_model3_rear_ipm"
        vehicle_from_dict(bad)


def test_a_drive_unit_spec_is_fitted_as_it_is_and_inline_units_load():
    from edrive.edu import scale_edu
    from edrive.sim.bev import simulate
    from edrive.sim.edu_compare import with_edu
    from edrive.vehicle import vehicle_from_dict, vehicle_from_yaml, vehicle_to_yaml

    shorter = scale_edu("tesla_model3_rear_ipm", length_factor=0.9)
    a, b = with_edu("tesla_model3_rwd", shorter), with_edu("nissan_leaf_40kwh", shorter)
    # the same spec object in both cars: its model (loss map) is built once
    assert a.drive_units[0].edu is shorter and b.drive_units[0].edu is shorter
    assert a.model().drive_units[0].map is b.model().drive_units[0].map
    # written out, the unit is inline in the vehicle file and reads back to the same car
    again = vehicle_from_yaml(vehicle_to_yaml(a))
    assert isinstance(again.drive_units[0].edu, EduSpec)
    assert simulate(again, "udds").summary["battery_energy_j"] == pytest.approx(
        simulate(a, "udds").summary["battery_energy_j"], rel=1e-12)
    data = a.model_dump(mode="json")
    data["drive_units"][0]["edu"]["dc_voltage_v"] = -400
    with pytest.raises(EdriveError) as err:
        vehicle_from_dict(data, where="car")
    assert str(err.value) == ("car: drive_units.0.edu: dc_voltage_v: -400: Input should be "
                              "greater than 24")
    data["drive_units"][0]["edu"] = 7
    with pytest.raises(EdriveError, match=r"^car: drive_units.0.edu: 7: allowed: a bundled "
                                          "drive-unit name, the path of an EDU file, or a "
                                          "mapping of EDU fields$"):
        vehicle_from_dict(data, where="car")
    with pytest.raises(EdriveError, match=r"^edu: 7; allowed: a bundled drive-unit name"):
        with_edu("tesla_model3_rwd", 7)


def test_family_scaling_laws():
    from edrive.edu import scale_edu

    base = load_edu("tesla_model3_rear_ipm")
    rewound = scale_edu(base, dc_voltage_v=700.0)
    m0, m1 = base.motor, rewound.motor
    assert m1.magnet_flux_linkage_vs == pytest.approx(2 * m0.magnet_flux_linkage_vs)
    assert m1.d_inductance_h == pytest.approx(4 * m0.d_inductance_h)
    assert m1.current_max_a == pytest.approx(m0.current_max_a / 2)
    s0, s1 = base.model().summary(), rewound.model().summary()
    # twice the turns at twice the voltage: the same envelope
    assert s1["peak_torque_nm"] == pytest.approx(s0["peak_torque_nm"], rel=1e-3)
    assert s1["peak_power_kw"] == pytest.approx(s0["peak_power_kw"], rel=0.01)
    short = scale_edu(base, length_factor=0.5).model().summary()
    assert short["peak_torque_nm"] == pytest.approx(0.5 * s0["peak_torque_nm"], rel=1e-3)
    assert short["peak_power_kw"] == pytest.approx(0.5 * s0["peak_power_kw"], rel=0.02)
    assert short["base_speed_rpm"] == pytest.approx(s0["base_speed_rpm"], rel=0.02)
    with pytest.raises(EdriveError, match="length_factor"):
        scale_edu(base, length_factor=-1)


def test_compare_two_units_in_a_car(tmp_path):
    from importlib import resources

    from edrive.sim.edu_compare import compare_edus

    text = resources.files("edrive").joinpath("data/edus/tesla_model3_rear_ipm.yaml").read_text()
    igbt = tmp_path / "igbt.yaml"
    igbt.write_text(text.replace("inverter: sic_mosfet_400v", "inverter: si_igbt_400v"))
    out = compare_edus("tesla_model3_rear_ipm", igbt, "tesla_model3_rwd", "wltc")
    # the SiC inverter loses less at part load: the IGBT car uses more energy
    assert out["wall_difference_pct"] > 0
    assert 0.8 < out["a"]["drive_efficiency"] < 0.97 and 0.8 < out["a"]["regen_efficiency"] < 0.97


def test_continuous_power_is_the_peak_of_the_continuous_envelope():
    spec = load_edu("jaguar_ipace_pm")
    edu = spec.model()
    # 147 kW is the unit's power cap; at half the current it stays below it
    assert edu.continuous_power_w() < 147e3 * (1 + 1e-9)
    assert edu.summary()["continuous_power_kw"] == edu.continuous_power_w() / 1e3
    # at the full current the continuous envelope is the peak one: the capped 147 kW
    full = spec.replace(continuous_current_fraction=1.0).model()
    assert full.continuous_power_w() == pytest.approx(147e3, rel=1e-9)
