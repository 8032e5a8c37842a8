import math

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
