import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from edrive.edu.inverter import (
    INVERTER_PRESETS,
    IgbtInverterSpec,
    InverterSpec,
    SicInverterSpec,
    dc_link_current_a,
    inverter_loss_breakdown,
    inverter_loss_w,
)
from edrive.errors import EdriveError
from edrive.spec import validate

IGBT = INVERTER_PRESETS["si_igbt_400v"]
SIC = INVERTER_PRESETS["sic_mosfet_400v"]


def ac_power_w(i_peak, m, pf, vdc):
    return 1.5 * (m * vdc / 2) * i_peak * pf


@pytest.mark.parametrize("name", sorted(INVERTER_PRESETS))
def test_zero_current_leaves_only_gate_drive(name):
    spec = INVERTER_PRESETS[name].replace(dc_link_esr_ohm=1e-3)
    parts = inverter_loss_breakdown(spec, 0.0, 0.8, 0.9, 400.0)
    assert parts["gate_drive"] == spec.gate_drive_power_w
    assert all(parts[k] == 0.0 for k in parts if k != "gate_drive")
    assert inverter_loss_w(spec, 0.0, 0.8, 0.9, 400.0) == spec.gate_drive_power_w


def test_igbt_conduction_by_hand():
    # At the reference temperature no temperature scaling applies.
    spec = IgbtInverterSpec(v_ce0_v=1.0, r_ce_ohm=1e-3, v_f0_v=0.8, r_f_ohm=2e-3,
                            junction_temperature_k=298.15, t_ref_k=298.15)
    i, m, pf = 100.0, 1.0, 0.8
    p_t = 1.0 * i * (1 / (2 * math.pi) + m * pf / 8) + 1e-3 * i**2 * (1 / 8 + m * pf / (3 * math.pi))
    p_d = 0.8 * i * (1 / (2 * math.pi) - m * pf / 8) + 2e-3 * i**2 * (1 / 8 - m * pf / (3 * math.pi))
    assert p_t == pytest.approx(25.91549 + 2.09883, rel=1e-5)  # 100 (1/2pi + 0.1) + 10 (...)
    parts = inverter_loss_breakdown(spec, i, m, pf, 400.0)
    assert parts["conduction_switch"] == pytest.approx(6 * p_t, rel=1e-12)
    assert parts["conduction_diode"] == pytest.approx(6 * p_d, rel=1e-12)


def test_sic_conduction_by_hand():
    spec = SicInverterSpec(r_ds_on_ohm=2e-3, alpha_per_k=0.004, t_ref_k=298.15,
                           junction_temperature_k=398.15)
    # R(125 degC) = 2 mOhm * 1.4 = 2.8 mOhm; per switch R i^2 / 4 = 2.8e-3 * 300^2 / 4 = 63 W.
    parts = inverter_loss_breakdown(spec, 300.0, 0.9, 0.85, 700.0)
    assert parts["conduction_switch"] == pytest.approx(6 * 63.0, rel=1e-12)
    assert parts["conduction_diode"] == 0.0
    assert parts["recovery"] == 0.0
    # Independent of modulation index and power factor (synchronous rectification).
    other = inverter_loss_breakdown(spec, 300.0, 0.2, -0.5, 700.0)
    assert other["conduction_switch"] == pytest.approx(parts["conduction_switch"])


def test_sic_default_resistance_ratio():
    spec = SicInverterSpec()
    ratio = 1 + spec.alpha_per_k * 150.0
    assert ratio == pytest.approx(1.6)


def test_switching_linear_in_frequency_and_current():
    for spec in (IGBT, SIC):
        base = inverter_loss_breakdown(spec, 200.0, 0.8, 0.9, 400.0)["switching"]
        double_f = spec.replace(switching_frequency_hz=2 * spec.switching_frequency_hz)
        assert inverter_loss_breakdown(double_f, 200.0, 0.8, 0.9, 400.0)["switching"] == \
            pytest.approx(2 * base, rel=1e-12)
        assert inverter_loss_breakdown(spec, 400.0, 0.8, 0.9, 400.0)["switching"] == \
            pytest.approx(2 * base, rel=1e-12)


def test_switching_by_hand_at_reference_point():
    spec = IgbtInverterSpec(junction_temperature_k=298.15)
    parts = inverter_loss_breakdown(spec, spec.i_ref_a, 0.8, 0.9, spec.v_ref_v)
    assert parts["switching"] == pytest.approx(6 * 10e3 * (13.5e-3 + 23e-3) / math.pi)
    assert parts["recovery"] == pytest.approx(6 * 10e3 * 7e-3 / math.pi)
    # Voltage exponent: (V / V_ref)^1.3
    half_v = inverter_loss_breakdown(spec, spec.i_ref_a, 0.8, 0.9, spec.v_ref_v / 2)
    assert half_v["switching"] == pytest.approx(parts["switching"] * 0.5**1.3)


def test_switching_current_exponent_uses_exact_average():
    spec = IgbtInverterSpec(k_i=2.0, junction_temperature_k=298.15)
    # (1/2pi) integral_0^pi sin^2 = 1/4
    parts = inverter_loss_breakdown(spec, spec.i_ref_a, 0.8, 0.9, spec.v_ref_v)
    assert parts["switching"] == pytest.approx(6 * 10e3 * (13.5e-3 + 23e-3) / 4)


@pytest.mark.parametrize("igbt, sic, vdc", [("si_igbt_400v", "sic_mosfet_400v", 350.0),
                                            ("si_igbt_800v", "sic_mosfet_800v", 700.0)])
def test_sic_loses_less_at_light_load(igbt, sic, vdc):
    p_igbt = inverter_loss_w(INVERTER_PRESETS[igbt], 100.0, 0.5, 0.9, vdc)
    p_sic = inverter_loss_w(INVERTER_PRESETS[sic], 100.0, 0.5, 0.9, vdc)
    # 350 V: 218 W against 109 W; 700 V: 347 W against 151 W (30 W gate drive in each).
    assert p_sic < 0.6 * p_igbt


@pytest.mark.parametrize("name", sorted(INVERTER_PRESETS))
def test_efficiency_at_typical_point(name):
    spec = INVERTER_PRESETS[name]
    vdc = 350.0 if spec.voltage_class_v < 1000 else 700.0
    i, m, pf = 400.0, 1.0, 0.9
    p_out = ac_power_w(i, m, pf, vdc)
    eta = p_out / (p_out + inverter_loss_w(spec, i, m, pf, vdc))
    assert 0.97 < eta < 0.997
    # si_igbt_400v at 350 V: 874 W on 94.5 kW, 99.08 %


def test_generating_loads_the_diodes():
    grid_m = np.linspace(0.0, 2 / np.sqrt(3), 7)[:, None]
    grid_pf = np.linspace(-1.0, 1.0, 9)[None, :]
    for spec in INVERTER_PRESETS.values():
        parts = inverter_loss_breakdown(spec.replace(dc_link_esr_ohm=1e-3), 500.0, grid_m,
                                        grid_pf, 400.0)
        for v in parts.values():
            assert v.shape == (7, 9)
            assert np.all(np.isfinite(v)) and np.all(v >= 0)
    motoring = inverter_loss_breakdown(IGBT, 400.0, 0.9, 0.9, 350.0)
    generating = inverter_loss_breakdown(IGBT, 400.0, 0.9, -0.9, 350.0)
    assert generating["conduction_diode"] > 2 * motoring["conduction_diode"]
    assert generating["conduction_switch"] < motoring["conduction_switch"]
    assert np.isfinite(inverter_loss_w(IGBT, 400.0, 0.9, -0.9, 350.0))
    # DC current reverses when generating.
    assert dc_link_current_a(400.0, 0.9, -0.9) == pytest.approx(-0.75 * 400 * 0.9 * 0.9)


def test_temperature_raises_conduction_loss():
    cold, hot = 323.15, 423.15
    for spec, i in ((IGBT, 600.0), (SIC, 100.0), (SIC, 600.0)):
        c = inverter_loss_breakdown(spec, i, 0.9, 0.9, 350.0, junction_temperature_k=cold)
        h = inverter_loss_breakdown(spec.replace(junction_temperature_k=hot), i, 0.9, 0.9, 350.0)
        assert h["conduction_switch"] + h["conduction_diode"] > \
            c["conduction_switch"] + c["conduction_diode"]


def test_vectorised_matches_scalar():
    i = np.array([0.0, 150.0, 600.0])
    pf = np.array([[0.95], [-0.7]])
    total = inverter_loss_w(IGBT, i, 0.8, pf, 380.0)
    assert total.shape == (2, 3)
    assert total[1, 2] == pytest.approx(float(inverter_loss_w(IGBT, 600.0, 0.8, -0.7, 380.0)))


def test_capacitor_loss_formula():
    spec = IGBT.replace(dc_link_esr_ohm=2e-3)
    i, m, pf = 400.0, 1.0, 0.9
    arg = 2 * m * (math.sqrt(3) / (4 * math.pi) + pf**2 * (math.sqrt(3) / math.pi - 9 * m / 16))
    i_cap = i / math.sqrt(2) * math.sqrt(arg)
    assert inverter_loss_breakdown(spec, i, m, pf, 350.0)["capacitor"] == \
        pytest.approx(2e-3 * i_cap**2)


@pytest.mark.parametrize("cls, field, value", [
    (IgbtInverterSpec, "r_ce_ohm", -1e-3),
    (IgbtInverterSpec, "switching_frequency_hz", 0.0),
    (SicInverterSpec, "r_ds_on_ohm", -2e-3),
    (SicInverterSpec, "switching_frequency_hz", 0),
])
def test_bad_parameters_rejected(cls, field, value):
    with pytest.raises(ValidationError, match=field):
        cls(**{field: value})
    with pytest.raises(EdriveError, match=field):
        validate(cls, {field: value}, where="inverter")


def test_unknown_key_and_units():
    with pytest.raises(EdriveError, match="r_ds_on"):
        validate(IgbtInverterSpec, {"r_ds_on_ohm": 1e-3}, where="inverter")
    spec = IgbtInverterSpec(switching_frequency_hz="8 kHz", junction_temperature_k="150 degC",
                            r_ce_ohm="0.5 mohm", e_on_j="12 mJ", tc_r_ce_per_k="0.4 %/K")
    assert spec.switching_frequency_hz == 8000.0
    assert spec.junction_temperature_k == pytest.approx(423.15)
    assert spec.r_ce_ohm == pytest.approx(5e-4)
    assert spec.e_on_j == pytest.approx(12e-3)
    assert spec.tc_r_ce_per_k == pytest.approx(0.004)
    with pytest.raises(ValidationError, match="junction_temperature_k"):
        IgbtInverterSpec(junction_temperature_k="hot")


def test_discriminated_union():
    adapter = TypeAdapter(InverterSpec)
    assert isinstance(adapter.validate_python({"kind": "sic"}), SicInverterSpec)
    assert isinstance(adapter.validate_python({"kind": "igbt", "v_ce0_v": 0.7}),
                      IgbtInverterSpec)


def test_bad_operating_point_rejected():
    with pytest.raises(EdriveError, match="current_peak_a"):
        inverter_loss_w(IGBT, -1.0, 0.5, 0.9, 400.0)
    with pytest.raises(EdriveError, match="power_factor"):
        inverter_loss_w(IGBT, 1.0, 0.5, 1.5, 400.0)


def test_sic_dead_time_term():
    spec = SicInverterSpec(dead_time_s=200e-9, body_diode_voltage_v=3.0)
    parts = inverter_loss_breakdown(spec, 300.0, 0.8, 0.9, 700.0)
    assert parts["conduction_diode"] == pytest.approx(6 * 2 * 200e-9 * 10e3 * 3.0 * 300 / math.pi)
