"""The Argonne D3 trace reader: units, separators, soak splitting and one-line errors."""

from pathlib import Path

import numpy as np
import pytest

from edrive.constants import MPH_M_S
from edrive.errors import EdriveError
from edrive.io.anl import drive_segments, read_anl_trace, trace_to_cycle

HEADER = "Time[s],Eng_FuelFlow_Direct_DI[ccps],Dyno_Spd[mph]"
DATA = Path(__file__).resolve().parents[1] / "validation" / "data" / "anl"


def _text(rows, header=HEADER, sep=","):
    return "\n".join([header.replace(",", sep)] + [sep.join(map(str, r)) for r in rows]) + "\n"


def test_units_and_noise():
    tr = read_anl_trace(_text([(-0.0, 0.2, 0.001), (1.0, 1.5, 10.0), (2.0, 2.0, 20.0)]))
    assert tr.time_s.tolist() == [0.0, 1.0, 2.0]
    assert tr.speed_m_s.tolist() == [0.0, 10 * MPH_M_S, 20 * MPH_M_S]  # 0.001 mph is noise
    assert tr.fuel_rate_m3_s == pytest.approx([0.2e-6, 1.5e-6, 2.0e-6])
    # trapezoid: (0.2 + 1.5) / 2 + (1.5 + 2.0) / 2 = 2.6 cm^3
    assert tr.fuel_m3 == pytest.approx(2.6e-6)
    assert tr.distance_m == pytest.approx((5 + 15) * MPH_M_S)


def test_tabs_extra_columns_and_column_order():
    header = "Dyno_Spd[mph],Other[V],Time[s],Eng_FuelFlow_Port[ccps]"
    tr = read_anl_trace(_text([(0, 9, 0, 0.1), (3, 9, 1, 0.4)], header, sep="\t"))
    assert tr.speed_m_s[1] == pytest.approx(3 * MPH_M_S)
    assert tr.fuel_column == "Eng_FuelFlow_Port[ccps]"


@pytest.mark.parametrize("text, words", [
    (_text([(0, 1, 0), (1, 1, 1)], "Time[s],Dyno_Spd[mph]"), "no fuel-flow column"),
    (_text([(0, 1), (1, 1)], "Time[s],Eng_FuelFlow_Direct_DI[ccps]"), "no Dyno_Spd[mph] column"),
    (_text([(0, 1, 0), (1, "x", 1)]), "line 3, column Eng_FuelFlow_Direct_DI[ccps]: 'x' is not"),
    (_text([(0, 1, 0), (1, 1, -2)]), "column Dyno_Spd[mph]: -2.0; allowed: >= 0"),
    (_text([(0, 1, 0), (0, 1, 1)]), "strictly increasing"),
    (_text([(0, 1, 0)]), "at least 2 data rows"),
    (_text([(0, 1, 0), (1, 1)]), "line 3 has 2 fields"),
    (_text([(0, 1, 0), (1, "nan", 1)]), "allowed: finite numbers"),
    ("\n\n", "empty file"),
])
def test_bad_input_gives_one_line_error(text, words):
    with pytest.raises(EdriveError) as e:
        read_anl_trace(text)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(EdriveError, match="does not exist"):
        read_anl_trace(tmp_path / "none_Test_Data.txt")


def test_file_name_and_crlf(tmp_path):
    p = tmp_path / "123_Test_Data.txt"
    p.write_bytes(_text([(0, 0, 0), (1, 1, 1)]).replace("\n", "\r\n").encode())
    tr = read_anl_trace(p)
    assert tr.name == "123" and len(tr.time_s) == 2


def _stop_go(stop_s):
    """Drive 10 s, stand still for ``stop_s``, drive 10 s (1 Hz)."""
    v = np.concatenate([np.full(10, 10.0), np.zeros(stop_s), np.full(10, 10.0)])
    v[0] = 0.0
    return read_anl_trace(_text([(i, 1.0, x) for i, x in enumerate(v)]))


def test_soak_splits_and_short_stop_does_not():
    tr = _stop_go(400)
    (a0, a1), (b0, b1) = drive_segments(tr)
    assert (a0, a1) == (0, 10)                   # until the car stands
    assert tr.time_s[b0] == 409 - 20              # lead-in: 20 s before the last standing sample
    assert b1 == len(tr.time_s) - 1
    assert drive_segments(_stop_go(200)) == [(0, 219)]
    with pytest.raises(EdriveError, match="lead_in_s"):
        drive_segments(tr, soak_min_s=10, lead_in_s=20)


def test_trace_to_cycle_uses_the_measured_speed():
    tr = read_anl_trace(DATA / "61811012_Test_Data.txt")
    cyc = trace_to_cycle(tr)
    assert np.array_equal(cyc.speed_m_s, tr.speed_m_s)
    assert cyc.distance_m == pytest.approx(tr.distance_m)
    part = trace_to_cycle(tr, 100, 200)
    assert part.time_s[0] == 0 and len(part) == 101
    with pytest.raises(EdriveError, match="sample range"):
        trace_to_cycle(tr, 5, 5)
