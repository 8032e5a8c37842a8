"""The EPA Test Car List reader accepts every form the yearly files come in."""

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edrive.errors import EdriveError
from edrive.io.epa_screen import STATUSES
from edrive.io.epa_testcar import COL, classify, read_testcar, vehicle_from_record

DATA = Path(__file__).resolve().parents[1] / "validation" / "data" / "epa_2022_subset.csv"
COL_MAKE = COL["make"]


def _variants(tmp_path):
    raw = DATA.read_bytes()
    text = raw.decode("latin-1")
    header, rest = text.split("\n", 1)
    bare = header.replace('"', "")
    quoted = ",".join(f'"{h}"' for h in bare.split(","))
    yield "plain", raw
    yield "bom", b"\xef\xbb\xbf" + raw
    yield "cr_only", text.replace("\r\n", "\n").replace("\n", "\r").encode("latin-1")
    yield "crlf", text.replace("\n", "\r\n").encode("latin-1")
    yield "quoted_header", (quoted + "\n" + rest).encode("latin-1")
    yield "utf8", text.encode("utf-8")


def test_all_forms_read_the_same(tmp_path):
    reference = None
    for name, data in _variants(tmp_path):
        p = tmp_path / f"{name}.csv"
        p.write_bytes(data)
        df = read_testcar(p)
        recs = [(r.test_number, r.cycle, r.measured, r.status) for r in classify(df)]
        if reference is None:
            reference = recs
        assert recs == reference, name
    assert sum(1 for r in reference if r[3].startswith("ok")) > 100


def test_classification():
    recs = classify(read_testcar(DATA))
    by = {r.status.split(":")[0] for r in recs}
    assert by <= set(STATUSES)
    phev = [r for r in recs if r.procedure in ("Charge Depleting UDDS", "Charge Depleting Highway")
            and r.powertrain != "bev"]
    assert phev and all("plug-in hybrid" in r.status for r in phev)
    kwh = [r for r in recs if "kWh/100 mi" in r.status]
    assert kwh and all(r.measured > 60 for r in kwh)  # converted to MPGe


def test_record_builds_a_car():
    rec = next(r for r in classify(read_testcar(DATA)) if r.status == "ok" and "Bolt" in r.model.title())
    car = vehicle_from_record(rec)
    vm = car.model()
    assert vm.mass_kg == pytest.approx(rec.fields["etw_lb"] * 0.45359237)
    # N/V reproduced: motor rpm per mph
    rpm_per_mph = 0.44704 / vm.radius_m * vm.drive_units[0].ratio * 60 / (2 * 3.141592653589793)
    assert rpm_per_mph == pytest.approx(rec.fields["nv"])


def test_not_an_epa_file(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(EdriveError, match="missing column"):
        read_testcar(p)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_frame_or_clear_error(tmp_path_factory, data):
    p = tmp_path_factory.mktemp("fuzz") / "f.csv"
    p.write_bytes(data)
    try:
        classify(read_testcar(p))
    except EdriveError as exc:
        assert "\n" not in str(exc)


def test_hybrid_records_are_recognised():
    import pandas as pd

    from edrive.io.epa_testcar import COL

    def row(vid, model, proc, fe, fuel="Tier 2 Cert Gasoline"):
        return {COL["vehicle_id"]: vid, COL["model"]: model, COL["make"]: "X",
                COL["procedure"]: proc, COL["fuel"]: fuel, COL["fe"]: str(fe),
                COL["etw_lb"]: "3500", COL["a"]: "30", COL["b"]: "0.1", COL["c"]: "0.02",
                COL["hp"]: "200", COL["displacement_l"]: "2.0", COL["nv"]: "25",
                COL["trans"]: "A", COL["gears"]: "8"}

    ftp, hwy = "Federal fuel 2-day exhaust (w/can load)", "HWFE"
    df = pd.DataFrame([
        row("conv", "SEDAN", ftp, 30.0), row("conv", "SEDAN", hwy, 45.0),        # 1.50
        row("hyb", "SEDAN", ftp, 60.0), row("hyb", "SEDAN", hwy, 58.0),          # 0.97
        row("named", "SEDAN HYBRID", ftp, 30.0), row("named", "SEDAN HYBRID", hwy, 45.0),
        row("plug", "SEDAN", ftp, 30.0), row("plug", "SEDAN", hwy, 45.0),
        row("plug", "SEDAN", "Charge Depleting UDDS", 100.0),
        row("lexus", "ES 300h", hwy, 45.0), row("alone", "COUPE", ftp, 25.0),
    ]).astype(str)
    recs = classify(df)
    assert [r.index for r in recs if r.powertrain == "hev"] == [2, 3, 4, 5, 6, 7, 8, 9]
    assert "charge-depleting record" in recs[8].status
    assert all(r.status == "ok" for r in recs if r.index in (0, 1, 2, 3, 10))
    # with --powertrain icev the hybrids' records are skipped, and named as such
    icev = classify(df, "icev")
    assert all("a hybrid's record" in r.status for r in icev if r.index in (2, 3, 9))
    # with --powertrain hev every petrol record is taken as a hybrid's
    assert all(r.powertrain == "hev" for r in classify(df, "hev") if r.index != 8)


# --- damaged files: refused with the line named, never scored --------------------------------

def _lines():
    text = DATA.read_text(encoding="utf-8-sig")
    header, *rows = text.rstrip("\n").split("\n")
    return header, rows


def _row_with_result(rows):
    """A row without quoted fields whose RND_ADJ_FE holds a result of two digits or more."""
    fe = _lines()[0].split(",").index("RND_ADJ_FE")
    return next(r for r in rows if '"' not in r and len(r.split(",")[fe]) >= 4), fe


def test_a_last_row_cut_off_mid_number_is_refused(tmp_path):
    header, rows = _lines()
    row, fe = _row_with_result(rows)
    fields = row.split(",")
    cut = ",".join(fields[:fe] + [fields[fe][:2]])  # "156.3" -> "15", the rest lost
    p = tmp_path / "cut.csv"
    p.write_text("\n".join([header, *rows[:10], cut]))
    with pytest.raises(EdriveError) as exc:
        read_testcar(p)
    text = str(exc.value)
    assert "line 12, the last, has 46 fields, the header 67" in text and "cut off" in text


@pytest.mark.parametrize("change, found", [(lambda r: r + ",extra", 68),
                                           (lambda r: r.rsplit(",", 1)[0], 66)])
def test_a_row_with_too_many_or_too_few_fields_is_refused(tmp_path, change, found):
    header, rows = _lines()
    rows[3] = change(rows[3])
    p = tmp_path / "bad.csv"
    p.write_text("\n".join([header, *rows]) + "\n")
    with pytest.raises(EdriveError, match=f"line 5 has {found} fields, the header 67; "
                                          "correct or remove it"):
        read_testcar(p)


def _with_make(row: str, make: str) -> str:
    fields = next(csv.reader([row]))
    fields[3] = make
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(fields)
    return buf.getvalue()


def test_one_stray_byte_in_a_utf8_file_names_its_line(tmp_path):
    header, rows = _lines()
    rows[0] = _with_make(rows[0], "Citroën")
    rows[6] = _with_make(rows[6], "STRAY")
    text = "\n".join([header, *rows]) + "\n"
    p = tmp_path / "stray.csv"
    p.write_bytes(text.encode().replace(b"STRAY", b"Caf\xe9"))
    with pytest.raises(EdriveError, match=r"line 8: byte 0xe9 is not UTF-8 \(as the rest of "
                                          r"the file\)"):
        read_testcar(p)
    p.write_bytes(text.encode())  # without it every name reads as written
    assert read_testcar(p)[COL_MAKE].iloc[0] == "Citroën"


def test_a_windows_1252_file_is_read_as_such(tmp_path):
    header, rows = _lines()
    rows[0] = _with_make(rows[0], "Citroën’s")
    p = tmp_path / "cp1252.csv"
    p.write_bytes(("\n".join([header, *rows]) + "\n").encode("cp1252"))
    assert read_testcar(p)[COL_MAKE].iloc[0] == "Citroën’s"


def test_a_file_without_records_is_one_line_error(tmp_path):
    from edrive.io.epa_testcar import validate_file

    header, _ = _lines()
    p = tmp_path / "header_only.csv"
    p.write_text(header + "\n\n")
    with pytest.raises(EdriveError, match="header_only.csv: no test records, only the header"):
        validate_file(p)
    p.write_bytes(b"")
    with pytest.raises(EdriveError, match="empty; expected a header and test records"):
        read_testcar(p)


def test_a_quoted_field_left_open_is_refused(tmp_path):
    header, rows = _lines()
    p = tmp_path / "open_quote.csv"
    p.write_text("\n".join([header, *rows[:3], rows[3].replace(",", ',"', 1)]))
    with pytest.raises(EdriveError, match="line 5: not readable as CSV"):
        read_testcar(p)
