import numpy as np
import pytest

from edrive.components.battery import Battery, BatterySpec
from edrive.components.drive_unit import (
    DriveUnit,
    DriveUnitSpec,
    GenericLosses,
    MotorSpec,
    generic_loss_map,
)


def battery(**kw):
    args = dict(cells_series=96, cells_parallel=2, cell_capacity_as=100 * 3600,
                cell_resistance_ohm=1e-3, power_discharge_max_w=200e3, power_charge_max_w=150e3)
    return Battery(BatterySpec(**(args | kw)))


def test_battery_current_solves_rint():
    b = battery()
    p = np.array([-50e3, 0.0, 30e3, 150e3])
    i = b.current_a(p, 0.6)
    v = b.ocv(0.6)
    assert v * i - b.resistance_ohm * i**2 == pytest.approx(p, abs=1e-6)


def test_battery_fixed_point_matches_step_by_step():
    b = battery()
    rng = np.random.default_rng(1)
    p = rng.uniform(-40e3, 120e3, 2000)
    dt = np.ones_like(p)
    i, soc, _, soc_end = b.run(p, dt, 0.9)
    s = 0.9
    for k in range(len(p)):
        ik = b.current_a(p[k], s)
        assert i[k] == pytest.approx(ik, rel=1e-10)
        s -= ik * dt[k] / b.capacity_as
    assert soc_end == pytest.approx(s, abs=1e-12)


def test_battery_usable_energy():
    b = battery(soc_min=0.1, soc_max=0.9)
    assert b.energy_usable_j == pytest.approx(b.capacity_as * np.mean(b.ocv(np.linspace(0.1, 0.9, 100001))) * 0.8,
                                              rel=1e-4)


def motor(**kw):
    return MotorSpec(**(dict(power_peak_w=150e3, torque_peak_nm=300.0, speed_max_rad_s=1500.0) | kw))


def test_envelope_shape():
    m = generic_loss_map(motor(), GenericLosses())
    w = np.linspace(0, 1500, 301)
    tmax = m.torque_max_nm(w)
    assert tmax[0] == 300 and np.all(np.diff(tmax) <= 1e-12)  # never rises with speed
    assert m.torque_max_nm(2000.0) == 0.0
    assert m.torque_max_nm(1000.0) == pytest.approx(150.0)


def test_generic_losses_equation():
    gl = GenericLosses(copper_fraction=0.05, iron_fraction=0.02, windage_fraction=0.01,
                       constant_fraction=0.002, inverter_fraction=0.01, size_exponent=1.0)
    m = generic_loss_map(motor(), gl)
    t, w = 120.0, 600.0  # on grid points: t step 7.5 N*m, w step 25 rad/s
    expected = 0.05 * 150e3 * (t / 300) ** 2 + 0.02 * 150e3 * w / 1000 + 0.01 * 150e3 * (w / 1000) ** 3 + 300 + 0.01 * 150e3 * t / 300
    assert m.loss(t, w) == pytest.approx(expected, rel=1e-12)
    assert m.dc_power(t, w) == pytest.approx(t * w + expected, rel=1e-12)


def test_loss_map_continuous_through_zero_torque():
    m = generic_loss_map(motor(), GenericLosses())
    t = np.linspace(-1, 1, 201)
    p = m.dc_power(t, 800.0)
    assert np.max(np.abs(np.diff(p))) < 10.0  # W per 0.01 N*m step


def test_gear_torque_round_trip():
    du = DriveUnit(DriveUnitSpec(axle="rear", motor=motor(), gear={"ratio": 9.0}))
    tw = np.array([-2000.0, -10.0, 0.0, 10.0, 2000.0])
    assert du.wheel_torque_nm(du.motor_torque_nm(tw)) == pytest.approx(tw)
    # motoring needs more motor torque than the lossless ratio; braking gives back less
    assert du.motor_torque_nm(2000.0) > 2000 / 9 and abs(du.motor_torque_nm(-2000.0)) < 2000 / 9


def test_loss_map_csv(tmp_path):
    from edrive.components.drive_unit import read_loss_map_csv

    m = generic_loss_map(motor(), GenericLosses())
    T, W = np.meshgrid(m.torque_nm, m.speed_rad_s, indexing="ij")
    rows = ["speed_rpm,torque_nm,loss_kw"] + [f"{float(w) * 60 / (2 * np.pi)!r},{float(t)!r},{float(loss) / 1e3!r}"
                                             for t, w, loss in zip(T.ravel(), W.ravel(), m.loss_w.ravel(), strict=True)]
    p = tmp_path / "map.csv"
    p.write_text("\n".join(rows))
    m2 = read_loss_map_csv(p, motor())
    assert m2.loss(123.0, 456.0) == pytest.approx(m.loss(123.0, 456.0), rel=1e-9)


def test_loss_map_must_cover_the_envelope(tmp_path):
    from edrive.components.drive_unit import read_loss_map_csv
    from edrive.errors import EdriveError

    rows = ["speed_rad_s,torque_nm,loss_w"] + [f"{w},{t},100" for w in (0, 1500) for t in (-150, 150)]
    p = tmp_path / "small.csv"
    p.write_text("\n".join(rows))
    with pytest.raises(EdriveError, match=r"loss map covers torque -150..150 N\*m .* needs -300..300"):
        read_loss_map_csv(p, motor())
