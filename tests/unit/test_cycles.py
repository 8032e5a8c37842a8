import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edrive.cycles import (
    BUNDLED,
    SPEED_COLUMNS,
    DriveCycle,
    list_cycles,
    load_cycle,
    read_cycle_csv,
)
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


def one_line_error(fn, *args, **kwargs) -> str:
    with pytest.raises(EdriveError) as info:
        fn(*args, **kwargs)
    assert "\n" not in str(info.value)
    return str(info.value)


@pytest.mark.parametrize("header,match", [
    ("time_s,speed_kmh,speed_mph", "columns speed_kmh and speed_mph; give exactly one speed"),
    ("time_s,speed_m_s,speed_kmh", "columns speed_m_s and speed_kmh; give exactly one speed"),
    ("time_s,speed_kmh,grade,grade_pct", "columns grade and grade_pct; give exactly one grade"),
    ("time_s,speed_kmh,phase,bag", "columns phase and bag; give exactly one phase"),
    ("time_s,speed_kmh,time_s", "column time_s appears more than once"),
])
def test_one_column_of_each_kind(header, match):
    n = header.count(",") + 1
    text = header + "\n" + "0" + ",0" * (n - 1) + "\n" + "1" + ",1" * (n - 1) + "\n"
    assert match in one_line_error(read_cycle_csv, text, name="c")


def test_other_columns_are_ignored():
    cyc = read_cycle_csv("time_s,speed_kmh,note,note\n0,0,a,b\n1,36,c,d\n")
    assert cyc.speed_m_s[1] == pytest.approx(10.0)


@pytest.mark.parametrize("rows,match", [
    ("0,0\n1e300,10\n", r"time_s at line 3 is 1e\+300, 1e\+300 s after the sample before; the "
                        r"limit is 3,600 s \(EDRIVE_MAX_CYCLE_STEP_S\)"),
    ("0,0\n3601,10\n", r"the limit is 3,600 s"),
    ("".join(f"{i * 3600},0\n" for i in range(300)),
     r"lasts 1076400.0 s; the limit is 1,000,000 s \(EDRIVE_MAX_CYCLE_DURATION_S\)"),
    ("0,0\n1,-5\n", r"speed_kmh at line 3 is -5.0; allowed: >= 0"),
    ("0,0\n\n1,700\n", r"speed_kmh at line 4 is 700.0; allowed: up to 540 \(is the speed"),
    ("0,0\n1,nan\n", r"speed_kmh at line 3 is nan; allowed: finite numbers"),
    ("0,0\ninf,1\n", r"time_s at line 3 is inf"),
    ("0,0\n1,1e308\n", r"speed_kmh at line 3 is 1e\+308"),
    ("0,0\n1,2+3\n", r"line 3: speed_kmh '2\+3' is not a number"),
])
def test_times_and_speeds_in_the_files_units(rows, match):
    with pytest.raises(EdriveError, match=match) as info:
        read_cycle_csv("time_s,speed_kmh\n" + rows, name="c")
    assert "np.float64" not in str(info.value)


def test_speed_limit_in_mph_and_grade_in_percent():
    assert "speed_mph at line 3 is 400.0; allowed: up to 336" in one_line_error(
        read_cycle_csv, "time_s,speed_mph\n0,0\n1,400\n")
    assert "grade_pct at line 2 is 150.0; allowed: -100..100" in one_line_error(
        read_cycle_csv, "time_s,speed_kmh,grade_pct\n0,0,150\n1,1,0\n")


def test_time_limits_can_be_raised(monkeypatch):
    text = "time_s,speed_kmh\n0,0\n5000,10\n"
    monkeypatch.setenv("EDRIVE_MAX_CYCLE_STEP_S", "5000")
    assert read_cycle_csv(text).duration_s == 5000
    monkeypatch.setenv("EDRIVE_MAX_CYCLE_DURATION_S", "4000")
    assert "lasts 5000.0 s; the limit is 4,000 s" in one_line_error(read_cycle_csv, text)


def test_rows_are_counted_before_any_is_parsed(tmp_path, monkeypatch):
    monkeypatch.setenv("EDRIVE_MAX_CYCLE_ROWS", "100")
    p = tmp_path / "long.csv"
    p.write_text("time_s,speed_kmh\n0,0\n1,abc\n" + "".join(f"{i},1\n" for i in range(2, 101)))
    expected = "more rows than the limit of 100 (EDRIVE_MAX_CYCLE_ROWS)"
    assert one_line_error(load_cycle, p) == f"{p}: {expected}"
    assert one_line_error(read_cycle_csv, p.read_text(), name="c") == f"c: {expected}"
    p.write_text("time_s,speed_kmh\n" + "".join(f"{i},1\n" for i in range(100)))
    assert len(load_cycle(p)) == 100


def test_ten_million_rows_are_refused_before_they_are_parsed(tmp_path):
    p = tmp_path / "huge.csv"
    row = b"1,1\n"
    with p.open("wb") as fh:
        fh.write(b"time_s,speed_kmh\n")
        for _ in range(100):
            fh.write(row * 100_000)
    assert "more rows than the limit of 2,000,000" in one_line_error(load_cycle, p)


def test_repeating_beyond_the_row_limit(monkeypatch):
    monkeypatch.setenv("EDRIVE_MAX_CYCLE_ROWS", "10000")
    assert "cycle wltc repeated 10 times: 18,001 samples; the limit is 10,000" in (
        one_line_error(load_cycle("wltc").repeated, 10))
    assert len(load_cycle("wltc").repeated(5)) == 9001


def test_files_that_are_not_cycles(tmp_path):
    assert one_line_error(load_cycle, tmp_path) == (
        f"cycle file {str(tmp_path)!r} is a directory; expected a CSV file")
    binary = tmp_path / "b.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    assert "not UTF-8 text; expected a CSV file" in one_line_error(load_cycle, binary)
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/:/bin/sh\n")
    message = one_line_error(load_cycle, passwd)
    assert "no time_s column; expected a CSV file with a header row" in message
    assert "root" not in message.replace(str(tmp_path), "")
    wide = tmp_path / "wide.csv"
    wide.write_text("time_s,speed_kmh" + "," * 20_000 + "\n0,0\n1,1\n")
    assert f"{wide}: line 1 is longer than 10,000 characters" in one_line_error(load_cycle, wide)


def test_bundled_cycles_have_one_speed_column():
    from importlib import resources

    for info in BUNDLED.values():
        header = resources.files("edrive").joinpath(f"data/cycles/{info.file}").read_text(
            "utf-8-sig").splitlines()[0].split(",")
        assert sum(h in SPEED_COLUMNS for h in header) == 1, info.file
