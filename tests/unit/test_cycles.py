import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edrive.cycles import DriveCycle, list_cycles, load_cycle, read_cycle_csv
from edrive.errors import EdriveError

# Published durations [s] and distances [km] (cycles/SOURCES.md; UN GTR 15, R83, 40 CFR 86/600)
PUBLISHED = {"wltc": (1800, 23.266), "nedc": (1180, 11.013), "udds": (1369, 11.990),
             "hwfet": (765, 16.507), "us06": (600, 12.888), "ftp75": (1874, 17.769),
             "artemis_urban": (993, 4.870)}


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_bundled_cycle_duration_and_distance(name):
    cyc = load_cycle(name)
    duration, km = PUBLISHED[name]
    assert cyc.duration_s == duration
    assert cyc.distance_m / 1e3 == pytest.approx(km, abs=0.002)


def test_all_bundled_cycles_load():
    for name in list_cycles():
        s = load_cycle(name).stats()
        assert s["distance_m"] > 0 and 0 <= s["idle_share"] < 1


def test_wltc_phases_add_up():
    w = load_cycle("wltc")
    names = [p[0] for p in w.phases]
    assert names == ["low", "medium", "high", "extra_high"]
    parts = [w.phase(n).distance_m for n in names]
    assert parts == pytest.approx([3095, 4756, 7162, 8254], abs=1.0)
    assert sum(parts) == pytest.approx(w.distance_m, rel=1e-12)


def test_rpa_of_a_single_ramp():
    # accelerate 0 -> 10 m/s in 10 s then stop: RPA = sum(v a dt)/x = (v^2/2)/x
    t = np.arange(0, 21.0)
    v = np.concatenate([np.arange(0, 11.0), np.arange(9.0, -1.0, -1.0)])
    cyc = DriveCycle("ramp", t, v, np.zeros_like(t))
    assert cyc.stats()["relative_positive_acceleration_m_s2"] == pytest.approx(50 / 100)


def test_aliases_and_unknown():
    assert load_cycle("WLTP") is load_cycle("wltc")
    with pytest.raises(EdriveError, match="did you mean 'udds'"):
        load_cycle("udss")


def test_user_csv_units_and_grade(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text("time_s,speed_mph,grade_pct\n0,0,0\n1,10,2\n2,20,2\n")
    cyc = load_cycle(p)
    assert cyc.speed_m_s[2] == pytest.approx(20 * 0.44704)
    assert cyc.grade[1] == pytest.approx(0.02)


@pytest.mark.parametrize("text,match", [
    ("speed_kmh\n1\n2\n", "no time_s"),
    ("time_s,v\n0,1\n1,2\n", "no speed column"),
    ("time_s,speed_kmh\n0,0\n0,1\n", "increase strictly"),
    ("time_s,speed_kmh\n0,0\n1,-3\n", "allowed: >= 0"),
    ("time_s,speed_kmh\n0,0\n1,abc\n", "'abc' is not a number"),
    ("time_s,speed_kmh\n0,0\n1,1,1\n", "line 3 has 3 fields"),
    ("time_s,speed_m_s\n0,0\n1,900\n", "unit right"),
    ("", "empty"),
])
def test_bad_csv(text, match):
    with pytest.raises(EdriveError, match=match):
        read_cycle_csv(text, name="bad")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789.,-e\n tims_pdkhgrae")), max_size=200))
def test_reader_any_text_gives_cycle_or_clear_error(text):
    try:
        cyc = read_cycle_csv("time_s,speed_kmh\n" + text, name="fuzz")
    except EdriveError as exc:
        assert "\n" not in str(exc)
    else:
        assert len(cyc) >= 2 and np.all(np.diff(cyc.time_s) > 0) and np.all(cyc.speed_m_s >= 0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e3, 1e4) | st.just(float("nan")), st.floats(-50, 500) | st.just(float("inf"))),
                min_size=0, max_size=30))
def test_reader_any_numbers_gives_cycle_or_clear_error(rows):
    text = "time_s,speed_kmh\n" + "".join(f"{t},{v}\n" for t, v in rows)
    try:
        cyc = read_cycle_csv(text, name="fuzz")
    except EdriveError as exc:
        assert "\n" not in str(exc)
    else:
        assert np.all(np.isfinite(cyc.speed_m_s))
