"""City driving of conventional cars: converter creep at a stop, lock-up schedules by gear
count, and the compiled batch route giving the single-car numbers with them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edrive.components.transmission import (
    RPM,
    TransmissionSpec,
    converter_creep_torque_nm,
    engine_side,
    lockup_schedule,
)
from edrive.sim.batch import simulate_many_records
from edrive.sim.run import simulate
from edrive.spec import validate
from edrive.vehicle import load_vehicle, vehicle_from_dict

IDLE = 750 * RPM
SIX = [4.46, 2.51, 1.56, 1.14, 0.85, 0.67]
EIGHT = [4.714, 3.143, 2.106, 1.667, 1.285, 1.000, 0.839, 0.667]
SEDAN = Path(__file__).resolve().parents[1] / "data" / "petrol_sedan.yaml"


def _auto(ratios, **kw):
    return validate(TransmissionSpec, {"kind": "automatic", "gear_ratios": ratios,
                                       "final_drive_ratio": 3.2, **kw}, where="test")


def test_creep_torque_is_the_stall_point_of_the_k_factor_model():
    # T = (omega / K)^2: 750 rpm = 78.54 rad/s through K = 12 rad/s/sqrt(N*m)
    assert converter_creep_torque_nm(IDLE, 12.0) == pytest.approx((78.5398 / 12.0) ** 2,
                                                                 rel=1e-5)
    assert converter_creep_torque_nm(IDLE, 12.0) == pytest.approx(42.84, abs=0.01)
    # quadrupled by doubling the pump speed
    assert converter_creep_torque_nm(2 * IDLE, 12.0) == pytest.approx(
        4 * converter_creep_torque_nm(IDLE, 12.0))


def test_an_older_automatic_stopped_in_gear_loads_the_engine_and_a_newer_one_does_not():
    old, new = _auto(SIX), _auto(EIGHT)
    assert not old.neutral_idle and new.neutral_idle
    t0, cv = old.drag
    drag = t0 + cv * IDLE
    creep = (IDLE / old.converter_k_stall) ** 2
    s = engine_side(old, 0.0, 0.0, 0, IDLE)
    assert float(s.speed_rad_s) == pytest.approx(IDLE)
    assert float(s.torque_nm) == pytest.approx(creep + drag)
    # all of it is heat in the converter and the pump (eq. 5 with the wheels at rest)
    assert float(s.loss_w) == pytest.approx((creep + drag) * IDLE)
    s = engine_side(new, 0.0, 0.0, 0, IDLE)
    assert float(s.torque_nm) == pytest.approx(drag)
    # rolling (coasting decoupled) there is no stall load
    s = engine_side(old, -50.0, 2.0, 0, IDLE)
    assert float(s.torque_nm) == pytest.approx(drag)
    # the choice can be given either way
    assert _auto(SIX, neutral_idle=True).creeps is False
    assert _auto(EIGHT, neutral_idle=False).creeps is True
    # launch-clutch gearboxes open the clutch at a stop
    dct = validate(TransmissionSpec, {"kind": "dct", "gear_ratios": SIX[:6],
                                      "final_drive_ratio": 3.2}, where="test")
    assert not dct.creeps


def test_lockup_schedule_follows_the_gear_count_unless_given():
    assert lockup_schedule(8) == (2, pytest.approx(1000 * RPM))
    assert lockup_schedule(10) == lockup_schedule(8)
    gear6, speed6 = lockup_schedule(6)
    assert gear6 == 3 and speed6 == pytest.approx(1200 * RPM)
    assert lockup_schedule(4)[0] == 3
    six = _auto(SIX)
    assert (six.lockup_gear, six.lockup_speed_rad_s) == (gear6, pytest.approx(speed6))
    # second gear at 2,000 rpm turbine speed: open (slipping) in a 6-speed, locked in an
    # 8-speed; third gear of the 6-speed locks above 1,200 rpm
    for spec, k, rpm, slipping in ((six, 1, 2000, True), (_auto(EIGHT), 1, 2000, False),
                                   (six, 2, 1250, False), (six, 2, 1150, True)):
        g = spec.overall_ratios[k]
        s = engine_side(spec, 200.0, rpm * RPM / g, k, IDLE)
        assert bool(s.slipping) is slipping, (spec.n_gears, k, rpm)
    given = _auto(SIX, lockup_gear=2, lockup_speed_rad_s=100.0)
    assert (given.lockup_gear, given.lockup_speed_rad_s) == (2, 100.0)


def test_creep_costs_fuel_at_the_stops_of_the_city_cycle():
    base = vehicle_from_dict(load_vehicle(str(SEDAN)).model_dump(mode="json", exclude_none=True)
                             | {"engine": "bmw_b48_2l_turbo_petrol"})
    data = base.model_dump(mode="json", exclude_none=True)
    data["engine"] = base.model().engine_spec.model_dump(mode="json") | {"stop_start": False}
    tr = {"kind": "automatic", "gear_ratios": SIX, "final_drive_ratio": 3.2}
    creeping = vehicle_from_dict(data | {"transmission": tr})
    neutral = vehicle_from_dict(data | {"transmission": tr | {"neutral_idle": True}})
    a, b = simulate(creeping, "udds").summary, simulate(neutral, "udds").summary
    assert a["fuel_kg"] > b["fuel_kg"]
    # at every stop the engine gives the stall torque of eq. (9), the drag and the
    # auxiliaries' torque, at idle speed
    vm = creeping.model()
    idle = vm.engine_spec.speed_idle_rad_s
    ts = simulate(creeping, "udds").series
    stopped = np.flatnonzero((ts["speed_m_s"][1:] == 0) & (ts["speed_m_s"][:-1] == 0)) + 1
    t0, cv = vm.transmission.drag
    expected = converter_creep_torque_nm(idle, 12.0) + t0 + cv * idle \
        + vm.aux_mech_power_w / idle
    assert len(stopped) > 100
    assert np.allclose(ts["engine_speed_rad_s"][stopped], idle)
    assert np.allclose(ts["engine_torque_nm"][stopped], expected)


def test_batch_route_gives_the_single_numbers_with_creep_and_late_lockup():
    base = load_vehicle(str(SEDAN)).model_dump(mode="json", exclude_none=True)
    engine = load_vehicle(str(SEDAN)).model().engine_spec.model_dump(mode="json")
    cars = [vehicle_from_dict(base | {"engine": engine | {"stop_start": ss},
                                      "transmission": {"kind": "automatic", "gear_ratios": r,
                                                       "final_drive_ratio": 3.2}})
            for ss in (False, True) for r in (SIX, SIX[:5], EIGHT)]
    for cycle in ("udds", "hwfet"):
        out = simulate_many_records(cars, cycle)
        for car, summary in zip(cars, out, strict=True):
            single = simulate(car, cycle).summary
            assert summary["route"] == "compiled_icev"
            for k in ("fuel_kg", "engine_work_j", "distance_m"):
                assert summary[k] == pytest.approx(single[k], rel=1e-9, abs=1e-9), k
            for k, v in single["energy_j"].items():
                assert summary["energy_j"][k] == pytest.approx(
                    v, rel=1e-9, abs=1e-9 * single["energy_j"]["road_load_j"]), k


def _manual():
    return validate(TransmissionSpec, {"kind": "manual", "gear_ratios": SIX,
                                       "final_drive_ratio": 3.2}, where="test")


def test_driver_shifts_up_at_the_upshift_speed_and_down_below_the_downshift_speed():
    from edrive.components.transmission import (
        DRIVER_DOWNSHIFT_RAD_S,
        DRIVER_UPSHIFT_RAD_S,
        driver_gear,
    )

    spec, r = _manual(), 0.33
    g = spec.overall_ratios
    ng = spec.n_gears

    def speed_for(k, w):  # road speed at which gear k turns at engine speed w
        return w * r / g[k]

    def shift(v, force=100.0, t_max=300.0):
        """driver_gear step by step over the speeds v at a wheel force, with the engine side
        of every gear (engine_side) and a flat full-load torque."""
        held, out = 0, []
        for vi in v:
            side = engine_side(spec, force * r, np.full(ng, vi / r), np.arange(ng), IDLE)
            held, k = driver_gear(held, ng, g * vi / r, side.speed_rad_s, side.torque_nm,
                                  np.full(ng, t_max), 6500 * RPM)
            out.append(int(k))
        return out

    # accelerating: into second just after 1,500 rpm in second is reached, not before
    up2 = speed_for(1, DRIVER_UPSHIFT_RAD_S)
    assert shift([1.0, up2 * 0.999]) == [0, 0]
    assert shift([1.0, up2 * 1.001]) == [0, 1]
    # cruising in sixth: held down to 1,100 rpm, then down to the highest gear above it
    v6 = speed_for(5, 2000 * RPM)
    low6 = speed_for(5, DRIVER_DOWNSHIFT_RAD_S)
    expected = int(np.flatnonzero(g * low6 * 0.999 / r >= DRIVER_DOWNSHIFT_RAD_S).max())
    assert shift([v6, low6 * 1.001, low6 * 0.999]) == [5, 5, expected]
    assert expected == 4
    # not enough torque in the scheduled gear: the driver takes a lower one
    weak = shift([v6], force=1500.0, t_max=120.0)[0]
    assert weak < 5
    torque = [float(engine_side(spec, 1500.0 * r, v6 / r, k, IDLE).torque_nm)
              for k in (weak, weak + 1)]
    assert torque[0] <= 120.0 < torque[1]  # the highest gear that delivers it
    # too fast for the scheduled gear: the next higher one
    assert shift([speed_for(0, 7000 * RPM)])[0] >= 1


def test_driver_gearshift_takes_the_compiled_route_and_costs_fuel_against_economy():
    base = load_vehicle(str(SEDAN)).model_dump(mode="json", exclude_none=True)
    economy = vehicle_from_dict(base | {"transmission": "manual_6"})
    driver = vehicle_from_dict(base | {"transmission": "manual_6", "shift_strategy": "driver"})
    out = simulate_many_records([economy, driver], "udds")
    assert [row["route"] for row in out] == ["compiled_icev"] * 2
    single = simulate(driver, "udds").summary
    assert out[1]["fuel_kg"] == pytest.approx(single["fuel_kg"], rel=1e-12)
    # the optimiser picks the least-fuel gear at every step: a driver cannot beat it
    assert single["fuel_kg"] > out[0]["fuel_kg"]
    assert abs(single["audit_residual"]) < 1e-6


def test_fixed_friction_share_raises_the_friction_mep_of_small_engines():
    from edrive.components.engine import (
        FRICTION_REF_M3,
        engine_from_rating,
        friction_mep_pa,
        friction_size_factor,
    )

    w = 2000 * RPM
    barnes_moss = 0.65 * (97 + 15 * 2 + 5 * 4) * 1e3  # eq. (3) at 2,000 rpm, k_f 0.65
    assert friction_mep_pa(w, 0.65) == pytest.approx(barnes_moss)
    assert friction_size_factor(FRICTION_REF_M3, 0.25) == pytest.approx(1.0)
    assert friction_size_factor(1.0e-3, 0.25) == pytest.approx(1.25)
    assert friction_size_factor(4.0e-3, 0.25) == pytest.approx(0.875)
    assert friction_size_factor(1.0e-3, 0.0) == pytest.approx(1.0)

    def fmep(vd):
        return friction_mep_pa(w, 0.65 * friction_size_factor(vd, 0.25))

    # the fixed part is a torque independent of the displacement: s fmep_BM V_ref / (4 pi)
    torque = [fmep(vd) * vd / (4 * np.pi) for vd in (1e-3, 3e-3)]
    fixed = 0.25 * barnes_moss * FRICTION_REF_M3 / (4 * np.pi)
    per_litre = (torque[1] - torque[0]) / 2e-3
    assert torque[0] == pytest.approx(fixed + per_litre * 1e-3)
    small = engine_from_rating("petrol", 1.0e-3, 60e3, 6000 * RPM).model()
    assert small.friction_factor_effective == pytest.approx(
        small.spec.friction_factor * friction_size_factor(1.0e-3, small.spec.friction_fixed_share))
    assert float(small.fmep_pa(w)) == pytest.approx(
        friction_mep_pa(w, small.friction_factor_effective))
    assert float(small.torque_min_nm(w)) == pytest.approx(
        -(float(small.fmep_pa(w)) + small.spec.pmep0_pa) * 1.0e-3 / (4 * np.pi))
    # and the fuel: a firing 1.0 L engine at zero load burns its larger friction
    big = engine_from_rating("petrol", 1.0e-3, 60e3, 6000 * RPM,
                             friction_fixed_share=0.0).model()
    assert float(small.fuel_power_w(0.0, w)) > float(big.fuel_power_w(0.0, w))
