"""The EPA Test Car List reader accepts every form the yearly files come in."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edrive.errors import EdriveError
from edrive.io.epa_testcar import classify, read_testcar, vehicle_from_record

DATA = Path(__file__).resolve().parents[1] / "validation" / "data" / "epa_2022_subset.csv"


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
    assert by <= {"ok", "skipped"}
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
