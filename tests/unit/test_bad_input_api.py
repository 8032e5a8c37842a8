"""Wrong arguments to the public functions give one line naming the argument, the value and
what is allowed: no traceback, no silently wrong number."""

import pytest

import edrive
from edrive import EdriveError, epa_label, load_cycle, load_vehicle, performance, simulate
from edrive import test_procedure as run_procedure
from edrive import wltp_range

BEV, ICEV, HEV = "tesla_model3_rwd", "bmw_330i", "toyota_prius_gen4"


def _one_line(fn, *args, match, **kwargs):
    with pytest.raises(EdriveError, match=match) as exc:
        fn(*args, **kwargs)
    text = str(exc.value)
    assert "\n" not in text and len(text) < 600 and "np.float64" not in text
    return text


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"soc": "high"}, "soc: 'high'; allowed: a state of charge from"),
    ({"soc": True}, "soc: true; allowed: a state of charge"),
    ({"soc": float("nan")}, "soc: nan is outside the usable window"),
    ({"soc": -1}, "soc: -1 is outside the usable window"),
    ({"grade_speeds_m_s": True}, "grade_speeds_m_s: true; allowed: speeds in m/s"),
    ({"grade_speeds_m_s": [10.0, False]}, "grade_speeds_m_s: false; allowed"),
    ({"grade_speeds_m_s": "fast"}, "grade_speeds_m_s: 'fast'; allowed"),
    ({"grade_speeds_m_s": [[1.0, 2.0]]}, r"grade_speeds_m_s: \[\[1.0, 2.0\]\]; allowed"),
    ({"grade_speeds_m_s": [[1.0], [1.0, 2.0]]}, "grade_speeds_m_s: .*allowed"),
])
def test_performance_arguments_of_an_electric_car(kwargs, match):
    _one_line(performance, BEV, match=match, **kwargs)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"shift_time_s": True}, "shift_time_s: true; allowed 0 to"),
    ({"engine_inertia": False}, "engine_inertia: false; allowed 0 to"),
])
def test_performance_arguments_of_a_combustion_car(kwargs, match):
    _one_line(performance, ICEV, match=match, **kwargs)


@pytest.mark.parametrize(("vehicle", "procedure", "match"), [
    (BEV, None, "procedure: null; allowed: wltp, epa"),
    (BEV, 5, "procedure: 5; allowed: wltp, epa"),
    (BEV, "nedc", "procedure: 'nedc'; allowed: wltp, epa"),
    ("bmw_330e", None, "procedure: null; allowed: wltp, epa"),
    (ICEV, "wltp", "range procedures apply to battery-electric cars and plug-in hybrids, not "
                   "to a petrol or diesel car \\(type icev\\)"),
])
def test_procedure_arguments(vehicle, procedure, match):
    _one_line(run_procedure, vehicle, procedure, match=match)


@pytest.mark.parametrize("procedure", [wltp_range, epa_label])
@pytest.mark.parametrize("vehicle", [ICEV, HEV])
def test_range_procedures_of_a_car_without_a_traction_battery(procedure, vehicle):
    _one_line(procedure, vehicle, match="range procedures apply to battery-electric cars, not")


@pytest.mark.parametrize(("vehicle", "kwargs", "match"), [
    (BEV, {"soc_initial": "high"}, "soc_initial: 'high'; allowed: a state of charge"),
    (BEV, {"soc_initial": True}, "soc_initial: true; allowed"),
    (BEV, {"soc_initial": 0.999}, "soc_initial: 0.999 is outside the usable window"),
    (HEV, {"soc_initial": "high"}, "soc_initial: 'high'; allowed: a state of charge"),
    (HEV, {"soc_initial": True}, "soc_initial: true; allowed"),
    (HEV, {"strategy": "fastest"}, "strategy: 'fastest'; allowed: ecms, rule, dp"),
])
def test_simulate_arguments(vehicle, kwargs, match):
    _one_line(simulate, vehicle, "udds", match=match, **kwargs)


@pytest.mark.parametrize("value", [None, 5, True, 2.5, [BEV], {"name": "car"},
                                   list(range(100_000))])
def test_a_vehicle_or_cycle_of_the_wrong_type(value):
    _one_line(load_vehicle, value, match="vehicle: .*; allowed: a vehicle spec, a bundled "
                                         "vehicle name or a YAML file path")
    _one_line(load_cycle, value, match="cycle: .*; allowed: a DriveCycle, a bundled cycle "
                                       "name or a CSV file path")
    _one_line(simulate, value, "udds", match="vehicle: .*; allowed")
    _one_line(performance, value, match="vehicle: .*; allowed")
    _one_line(simulate, BEV, value, match="cycle: .*; allowed")


@pytest.mark.parametrize(("path", "match"), [
    ("drive_units.\u00b2.motor.power_peak_w", "drive_units is a list .use a position"),
    ("x" * 100_000, r"'x+\.\.\.x+' is not in the base vehicle: no key 'x+\.\.\.x+' under"),
])
def test_odd_variant_paths(path, match):
    _one_line(edrive.simulate_many, BEV, "udds", variants={path: [1.0]}, match=match)


@pytest.mark.parametrize(("call", "match"), [
    (lambda c: c.phase(None), "phase of wltc: null; allowed: low, medium, high, extra_high"),
    (lambda c: c.repeated(1.5), "repeat count: 1.5; allowed: a whole number >= 1"),
    (lambda c: c.repeated(True), "repeat count: true; allowed"),
    (lambda c: c.repeated(0), "repeat count: 0; allowed"),
])
def test_cycle_methods(call, match):
    _one_line(call, load_cycle("wltc"), match=match)
