import math
import subprocess
import sys

import pytest

from edrive.errors import EdriveError
from edrive.units import to_si


@pytest.mark.parametrize("text,unit,expected", [
    ("150 kW", "W", 150e3),
    ("16000 rpm", "rad/s", 16000 * 2 * math.pi / 60),
    ("100 km/h", "m/s", 100 / 3.6),
    ("30 lbf", "N", 30 * 4.4482216152605),
    ("72 Ah", "A*s", 72 * 3600),
    ("1.2 mohm", "ohm", 1.2e-3),
    ("0.03 N/(km/h)**2", "N/(m/s)**2", 0.03 * 3.6**2),
    (2.5, "m", 2.5),
    ("2.5", "m", 2.5),
])
def test_to_si(text, unit, expected):
    assert to_si(text, unit) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("bad", ["150 kg", "fast", "", True, None, [1]])
def test_to_si_rejects(bad):
    with pytest.raises(EdriveError, match="power"):
        to_si(bad, "W", field="power")


@pytest.mark.parametrize("text,unit,expected", [
    ("0.03 N/(km/h)^2", "N/(m/s)**2", 0.03 * 3.6**2),
    ("1.2 kg*m**2", "kg*m**2", 1.2),
    ("2 kg m", "kg*m", 2.0),
    ("0.4 %/K", "1/K", 0.004),
    ("0.003 1/K", "1/K", 0.003),
    ("110 degC", "K", 383.15),
    ("100 °C", "K", 373.15),
    ("1e3", "W", 1000.0),
    (".5e-3 m", "m", 5e-4),
    ("-5 kW", "W", -5000.0),
])
def test_quantity_forms(text, unit, expected):
    assert to_si(text, unit) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("text", ["2**3 W", "150 kW * 2", "3 + 4 kW", "(2) W", "5 m**2**3",
                                  "5 kW**", "5 (kW", "5 kW)", "kW", "5 __import__('os')",
                                  "1_000 W", "x" * 101])
def test_no_arithmetic_on_numbers(text):
    with pytest.raises(EdriveError, match=r"power_peak_w: .*(cannot be read|longer than)"):
        to_si(text, "W", field="power_peak_w")


def test_a_power_tower_is_refused_at_once():
    # in a child process, so that a parser that evaluates the number can be stopped
    code = ("from edrive.units import to_si\n"
            "try:\n    to_si('10**10**10 W', 'W', field='power_peak_w')\n"
            "except ValueError as exc:\n    print(exc)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert "power_peak_w: '10**10**10 W': cannot be read as a quantity" in proc.stdout


@pytest.mark.parametrize("value", ["inf W", "-inf kW", "nan", "nan W", "1e400 W", "1e308 kW",
                                   float("inf"), float("nan"),
                                   pytest.param(10**400, id="integer_of_401_digits")])
def test_non_finite_quantities_are_refused(value):
    with pytest.raises(EdriveError, match=r"power_peak_w: .*not a finite number") as info:
        to_si(value, "W", field="power_peak_w")
    assert "\n" not in str(info.value) and len(str(info.value)) < 200


def test_wrong_dimension_names_the_unit_wanted():
    with pytest.raises(EdriveError, match=r"mass_kg: '2185 kW': has the wrong unit; expected a "
                                          "quantity convertible to kg"):
        to_si("2185 kW", "kg", field="mass_kg")
