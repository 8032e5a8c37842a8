"""Screening EPA Test Car List records: duplicates, derived results, label values, mixed
units and placeholder ratings are found, counted and kept out of the error statistics."""

import csv
import re

import pandas as pd
import pytest

from edrive.io.epa_screen import STATUSES, status_code
from edrive.io.epa_testcar import COL, classify, read_testcar, status_counts, summarize

UDDS, HWY = "Charge Depleting UDDS", "Charge Depleting Highway"
FTP, HWFE = "Federal fuel 2-day exhaust (w/can load)", "HWFE"
DERIVED = "Analytically Derived FE?"


def ev(test, vid, proc, fe, hp="250", nv="110", derived="No"):
    return {COL["test_number"]: test, COL["vehicle_id"]: vid, COL["make"]: "X",
            COL["model"]: f"EV {vid}", COL["procedure"]: proc, COL["fuel"]: "Electricity",
            COL["fe"]: fe, COL["etw_lb"]: "4000", COL["a"]: "30", COL["b"]: "0.2",
            COL["c"]: "0.02", COL["hp"]: hp, COL["nv"]: nv, COL["drive_code"]: "R",
            COL["drive"]: "2-Wheel Drive, Rear", COL["gears"]: "1", DERIVED: derived}


def ice(test, vid, proc, fe, nv="30", derived="No"):
    return ev(test, vid, proc, fe, hp="200", nv=nv, derived=derived) | {
        COL["fuel"]: "Tier 2 Cert Gasoline", COL["displacement_l"]: "2.0",
        COL["trans"]: "A", COL["gears"]: "8", COL["model"]: f"SEDAN {vid}"}


def read(tmp_path, rows, drop=()):
    path = tmp_path / "list.csv"
    columns = [c for c in dict.fromkeys(k for r in rows for k in r) if c not in drop]
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return classify(read_testcar(path))


def codes(recs):
    return [status_code(r.status) for r in recs]


def test_a_clean_file_is_all_ok(tmp_path):
    recs = read(tmp_path, [ev("T1", "A", UDDS, "150.3"), ev("T2", "A", HWY, "130.1"),
                           ice("T3", "B", FTP, "30.4"), ice("T4", "B", HWFE, "45.2")])
    assert codes(recs) == ["ok"] * 4


def test_the_same_test_number_twice_is_a_duplicate(tmp_path):
    rows = [ice("T1", "B", FTP, "30.4"), ice("T1", "B", FTP, "30.4"),
            ice("T2", "B", HWFE, "45.2")]
    rows[1][COL["model"]] = "SEDAN B SPORT"  # the same test for another represented model
    recs = read(tmp_path, rows)
    assert codes(recs) == ["ok", "duplicate", "ok"]
    assert "test T1 is also filed as X SEDAN B" in recs[1].status


def test_the_same_test_under_another_number_is_a_duplicate(tmp_path):
    recs = read(tmp_path, [ice("T1", "B", FTP, "30.4"), ice("T2", "B", FTP, "30.4"),
                           ice("T3", "B", FTP, "30.9"), ice("T4", "C", FTP, "30.4")])
    # a repeat test with another result, and another car with the same result, are no copies
    assert codes(recs) == ["ok", "duplicate", "ok", "ok"]
    assert "as test T1" in recs[1].status


def test_analytically_derived_results_are_marked(tmp_path):
    rows = [ice("T1", "B", FTP, "30.4"), ice("T2", "B", HWFE, "45.2", derived="Yes")]
    assert codes(read(tmp_path, rows)) == ["ok", "derived"]
    # a year whose file has no such column: nothing is marked
    assert codes(read(tmp_path, rows, drop=(DERIVED,))) == ["ok", "ok"]


def test_whole_number_results_of_one_vehicle_are_label_values(tmp_path):
    four = [ev("T1", "A", UDDS, "129.0"), ev("T2", "A", HWY, "109.0"),
            ev("T3", "A", UDDS, "132.0"), ev("T4", "A", HWY, "109.0")]
    recs = read(tmp_path, four + [ev("T5", "B", UDDS, "150.0"), ev("T6", "B", HWY, "131.2")])
    assert codes(recs) == ["label_value"] * 4 + ["ok", "ok"]
    assert "129, 109, 132, 109" in recs[0].status
    # three whole numbers are left alone (one in a thousand by chance)
    assert codes(read(tmp_path, four[:3])) == ["ok"] * 3
    # one result with tenths clears the vehicle
    four[3][COL["fe"]] = "109.4"
    assert codes(read(tmp_path, four)) == ["ok"] * 4


def test_mixed_units_of_one_vehicle_are_marked(tmp_path):
    recs = read(tmp_path, [ev("T1", "A", UDDS, "138.0"), ev("T2", "A", HWY, "38.1"),
                           ev("T3", "B", UDDS, "22.4"), ev("T4", "B", HWY, "27.4"),
                           ev("T5", "C", UDDS, "21.0"), ev("T6", "C", HWY, "26.5"),
                           ev("T7", "C", UDDS, "160.2")])
    # A: a tie, the one not in the file's unit; B: all kWh/100 mi, converted; C: the minority
    assert codes(recs) == ["ok", "mixed_units", "ok", "ok", "ok", "ok", "mixed_units"]
    assert "kWh/100 mi" in recs[2].status and recs[2].measured == pytest.approx(33.705e3 / 224)


def test_a_result_far_below_the_same_configuration_is_another_mode(tmp_path):
    rows = [ice("T1", "B", FTP, "21.5"), ice("T2", "B", HWFE, "32.7"),
            ice("T3", "B", FTP, "13.9"), ice("T4", "B", HWFE, "23.2"),
            ice("T5", "B", FTP, "19.5"),  # 10.3 % below the best: a repeat test, kept
            ice("T6", "C", FTP, "13.9"),  # another car
            ice("T7", "B", FTP, "13.8", nv="35")]  # another configuration of the car
    recs = read(tmp_path, rows)
    assert codes(recs) == ["ok", "ok", "selectable_mode", "selectable_mode", "ok", "ok", "ok"]
    assert "35 % below test T1 (21.5)" in recs[2].status
    assert "29 % below test T2 (32.7)" in recs[3].status


@pytest.mark.parametrize("hp, nv, found", [("1", "110", "rated power 1 hp"),
                                           ("37", "110", "rated power 37 hp"),
                                           ("250", "0", "N/V ratio 0"),
                                           ("250", "999.9", "N/V ratio 999.9")])
def test_placeholder_ratings_of_electric_cars(tmp_path, hp, nv, found):
    rec = read(tmp_path, [ev("T1", "A", UDDS, "150.3", hp=hp, nv=nv)])[0]
    assert status_code(rec.status) == "placeholder_rating" and found in rec.status
    assert "documented default" in rec.status


def test_placeholder_n_v_ratio_of_a_petrol_car(tmp_path):
    rec = read(tmp_path, [ice("T1", "B", FTP, "30.4", nv="4.2")])[0]
    assert status_code(rec.status) == "placeholder_rating" and "not simulated" in rec.status


def test_screened_records_are_counted_and_kept_out_of_the_statistics(tmp_path, monkeypatch):
    from edrive.io import epa_testcar

    rows = [ice("T1", "B", FTP, "30.0"), ice("T1", "B", FTP, "30.0"),
            ice("T2", "B", FTP, "20.0", derived="Yes"), ev("T3", "A", UDDS, "150.0", nv="0")]
    path = tmp_path / "list.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    # a prediction 10 % above every measurement: the statistics see only the ok record
    monkeypatch.setattr(epa_testcar, "predict_detail", lambda rec: (1.1 * rec.measured, {}))
    table = epa_testcar.validate_file(path)
    assert list(table["status"]) == ["ok", "duplicate", "derived", "placeholder_rating"]
    assert table["status_detail"].iloc[0] == ""
    assert table["predicted"].notna().tolist() == [True, False, False, True]
    counts = status_counts(table)
    assert list(counts) == list(STATUSES)
    assert counts["ok"] == counts["duplicate"] == counts["derived"] == 1
    assert counts["placeholder_rating"] == 1 and counts["label_value"] == 0
    (group,) = summarize(table)
    assert group["count"] == 1 and group["mape_pct"] == pytest.approx(10.0)


# --- the validation report --------------------------------------------------------------------

def test_report_by_group_with_fit_and_held_out_makes(tmp_path, monkeypatch):
    from edrive.io import epa_testcar
    from edrive.report.epa_report import CALIBRATION_MAKES, split_of, validation_report

    assert "TOYOTA" in CALIBRATION_MAKES["icev"] and "FORD" not in CALIBRATION_MAKES["icev"]
    assert split_of(" Toyota", "icev") == "fit" and split_of("Ford", "icev") == "held out"
    assert split_of("Toyota", "hev") == "held out" and split_of("Honda", "hev") == "fit"
    rows = [ice("T1", "B", FTP, "30.0") | {COL["make"]: "TOYOTA", "# of Cylinders and Rotors": "4",
                                           COL["bag1"]: "28", COL["bag2"]: "30", COL["bag3"]: "32"},
            ice("T2", "C", FTP, "20.0") | {COL["make"]: "FORD", "# of Cylinders and Rotors": "6"},
            ice("T3", "C", HWFE, "30.0", derived="Yes") | {COL["make"]: "FORD"}]
    path = tmp_path / "list.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    # Toyota predicted 10 % high, Ford 20 % low; each bag 5 % high
    monkeypatch.setattr(epa_testcar, "predict_detail", lambda rec: (
        rec.measured * (1.1 if rec.make == "TOYOTA" else 0.8),
        {f"bag{k}": 1.05 * rec.fields[f"bag{k}"] for k in (1, 2, 3)}))
    text = validation_report(epa_testcar.validate_file(path), "list.csv")
    lines = text.splitlines()
    assert lines[0] == "# Validation report: list.csv"
    status = next(ln for ln in lines if ln.startswith("| petrol and diesel | 2 |"))
    assert status.split(" | ")[3] == "1"  # one derived record, counted, not averaged
    overview = next(ln for ln in lines if ln.startswith("| petrol and diesel | FTP-75 |"))
    cells = [c.strip() for c in overview.strip("|").split("|")]
    # all: 2 records, MAE 15 %, bias -5 %; fit (Toyota) +10 %; held out (Ford) -20 %
    assert cells[2:] == ["2", "15.0 %", "15.0 %", "-5.0 %", "1", "10.0 %", "+10.0 %",
                         "1", "20.0 %", "-20.0 %"]
    assert "| petrol and diesel | 4 | FTP-75 | 1 | 10.0 %" in text  # by cylinders
    assert "| petrol and diesel | 8 | FTP-75 | 2 |" in text  # by gears
    # by rated power per litre: 200 hp from 2.0 L is 74.6 kW/L
    assert "| petrol and diesel | 70-100 kW/L | FTP-75 | 2 | 15.0 %" in text
    assert "| petrol and diesel | bag 1 | 1 | 5.0 % | 5.0 % | +5.0 % |" in text
    assert "HWFET" not in text.split("## By powertrain and cycle")[1]  # derived: not averaged


def test_validate_writes_the_report_and_the_rows(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from edrive.cli import app
    from edrive.io import epa_testcar

    path = tmp_path / "list.csv"
    pd.DataFrame([ice("T1", "B", FTP, "30.0"), ice("T1", "B", FTP, "30.0"),
                  ev("T2", "A", UDDS, "150.0")]).to_csv(path, index=False)
    monkeypatch.setattr(epa_testcar, "predict_detail", lambda rec: (rec.measured, {}))
    out, report = tmp_path / "rows.csv", tmp_path / "report.md"
    res = CliRunner().invoke(app, ["epa", "validate", str(path), "--out", str(out),
                                   "--report", str(report)])
    assert res.exit_code == 0, res.output
    assert "3 records: 2 in the error statistics, 0 not simulated, 1 screened out" in res.output
    assert re.search(r"\n  duplicate +1  not counted; e\.g\. test T1 is also filed as", res.output)
    assert list(pd.read_csv(out)["status"]) == ["ok", "duplicate", "ok"]
    assert "## By powertrain and cycle" in report.read_text()


def test_the_tool_regenerates_only_the_marked_block(tmp_path, monkeypatch):
    import importlib.util
    from pathlib import Path

    from edrive.io import epa_testcar

    spec = importlib.util.spec_from_file_location(
        "validation_report", Path(__file__).resolve().parents[2] / "tools/validation_report.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    path = tmp_path / "list.csv"
    pd.DataFrame([ice("T1", "B", FTP, "30.0"), ice("T2", "B", HWFE, "45.0")]).to_csv(
        path, index=False)
    monkeypatch.setattr(epa_testcar, "predict_detail", lambda rec: (1.02 * rec.measured, {}))
    docs, report = tmp_path / "validation.md", tmp_path / "report.md"
    docs.write_text(f"prose before\n{tool.START}\nold table\n{tool.END}\nprose after\n")
    tool.main([str(path), "--report", str(report), "--docs", str(docs)])
    text = docs.read_text()
    assert text.startswith("prose before\n") and text.endswith("prose after\n")
    assert "old table" not in text and "#### By powertrain and cycle" in text
    assert "| petrol and diesel | HWFET | 1 | 2.0 % |" in text
    assert "Generated on" in report.read_text()


# --- battery-electric records: what the record says, used ---------------------------------

def test_an_n_v_ratio_that_is_the_gear_ratio_is_read_as_such(tmp_path):
    from edrive.io.epa_testcar import vehicle_from_record

    recs = read(tmp_path, [ev("T1", "A", UDDS, "150.3", nv="9.04"),
                           ev("T2", "B", UDDS, "150.3", nv="113.5")])
    assert codes(recs) == ["ok", "ok"]
    assert "N/V ratio 9.04 read as the reduction ratio" in recs[0].status
    ratios = [vehicle_from_record(r).model().drive_units[0].ratio for r in recs]
    assert ratios[0] == pytest.approx(9.04)
    assert ratios[1] == pytest.approx(9.04, rel=2e-3)  # 113.5 rpm/mph on the generic wheel


def test_a_placeholder_n_v_ratio_gets_the_documented_default(tmp_path):
    from edrive.constants import MPH_M_S, RPM_RAD_S
    from edrive.io.epa_testcar import GENERIC, vehicle_from_record

    rec = read(tmp_path, [ev("T1", "A", UDDS, "150.3", nv="999.9")])[0]
    vm = vehicle_from_record(rec).model()
    nv = vm.drive_units[0].ratio * MPH_M_S / (vm.radius_m * RPM_RAD_S)
    assert nv == pytest.approx(GENERIC["nv_ratio_rpm_per_mph"])


@pytest.mark.parametrize("model, code, drive, mismatch", [
    ("EV Single Motor", "A", "All Wheel Drive", "'Single Motor'"),
    ("EV RWD", "4", "4-Wheel Drive", "'RWD'"),
    ("EV Dual Motor", "R", "2-Wheel Drive, Rear", "'Dual Motor'"),
    ("EV 50 quattro", "F", "2-Wheel Drive, Front", "'quattro'"),
    ("EV AWD", "A", "All Wheel Drive", None),
    ("EV Recharge twin", "A", "All Wheel Drive", None),
    ("EV Pro", "R", "2-Wheel Drive, Rear", None)])
def test_the_drive_code_is_checked_against_the_model_name(tmp_path, model, code, drive,
                                                           mismatch):
    from edrive.io.epa_testcar import vehicle_from_record

    row = ev("T1", "A", UDDS, "150.3") | {COL["model"]: model, COL["drive_code"]: code,
                                           COL["drive"]: drive}
    rec = read(tmp_path, [row])[0]
    if mismatch is None:
        assert rec.status == "ok"
        units = len(vehicle_from_record(rec).model().drive_units)
        assert units == (2 if code in ("A", "4") else 1)
    else:
        assert status_code(rec.status) == "drive_mismatch" and mismatch in rec.status


def test_the_report_and_the_rows_cannot_share_a_file(tmp_path, monkeypatch, capsys):
    import sys

    from edrive import cli
    from edrive.io import epa_testcar

    path = tmp_path / "list.csv"
    pd.DataFrame([ice("T1", "B", FTP, "30.0")]).to_csv(path, index=False)
    monkeypatch.setattr(epa_testcar, "predict_detail", lambda rec: pytest.fail("simulated"))
    same = str(tmp_path / "both.md")
    monkeypatch.setattr(sys, "argv", ["edrive", "epa", "validate", str(path), "--out", same,
                                      "--report", same])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1
    assert "--report: " in err and "is also the --out file" in err
    assert not (tmp_path / "both.md").exists()


def test_names_from_the_file_are_inert_in_the_report(tmp_path, monkeypatch):
    from edrive.io import epa_testcar
    from edrive.report.epa_report import validation_report

    hostile = "<script>alert(1)</script> | x [link](http://e.x) **b**\nnext"
    path = tmp_path / "list.csv"
    pd.DataFrame([ice("T1", "B", FTP, "30.0") | {COL["make"]: hostile},
                  ice("T2", "B", HWFE, "45.0") | {COL["make"]: hostile}]).to_csv(
        path, index=False)
    monkeypatch.setattr(epa_testcar, "predict_detail", lambda rec: (rec.measured, {}))
    text = validation_report(epa_testcar.validate_file(path), "list.csv")
    by_make = text.split("by make")[1]
    row = next(ln for ln in by_make.splitlines() if "SCRIPT" in ln)
    assert "<script>" not in text.lower() and "[link]" not in text.lower() and "**" not in text
    assert "\\<SCRIPT\\>" in row and "\\[LINK\\]" in row and "\\*\\*B" in row
    # the name stays one cell of one row: 3 label columns and 10 figures
    assert row.count(" | ") == 12 and "\\|" in row and "NEXT" in row


# --- a baseline: the same records before a change ----------------------------------------

def _two_runs(tmp_path, monkeypatch):
    from edrive.io import epa_testcar

    path = tmp_path / "list.csv"
    pd.DataFrame([ice("T1", "B", FTP, "30.0"), ice("T2", "B", HWFE, "45.0"),
                  ice("T3", "C", FTP, "20.0"), ice("T4", "C", HWFE, "30.0")]).to_csv(
        path, index=False)
    monkeypatch.setattr(epa_testcar, "predict_detail", lambda rec: (1.2 * rec.measured, {}))
    before = epa_testcar.validate_file(path)
    monkeypatch.setattr(epa_testcar, "predict_detail", lambda rec: (1.05 * rec.measured, {}))
    return path, before


def test_the_report_gives_the_baseline_errors_of_the_same_records(tmp_path, monkeypatch):
    from edrive.io import epa_testcar
    from edrive.report.epa_report import read_baseline, validation_report

    path, before = _two_runs(tmp_path, monkeypatch)
    before = before[before["test_number"] != "T3"]  # a record the baseline does not have
    csv_path = tmp_path / "before.csv"
    before.to_csv(csv_path, index=False)
    base = read_baseline(csv_path)
    assert list(base["test_number"]) == ["T1", "T2", "T4"]
    text = validation_report(epa_testcar.validate_file(path), "list.csv", baseline=base)
    row = next(ln for ln in text.split("## By powertrain and cycle")[1].splitlines()
               if ln.startswith("| petrol and diesel | FTP-75 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[2:6] == ["2", "5.0 %", "5.0 %", "+5.0 %"]  # now: T1 and T3
    assert cells[-3:] == ["1", "20.0 %", "+20.0 %"]  # before: T1 only
    assert "the baseline run's errors of the same records" in text


@pytest.mark.parametrize("content, message", [
    (b"a,b\n1,2\n", "missing column(s) test_number, procedure, status, error_pct"),
    (b"\xff\xfe\x00garbage", "not UTF-8 text"),
    (b"", "not readable as CSV"),
    (b'test_number,procedure,status,error_pct\n"T1,x\n', "not readable as CSV")])
def test_a_bad_baseline_is_one_line(tmp_path, content, message):
    from edrive.errors import EdriveError
    from edrive.report.epa_report import read_baseline

    p = tmp_path / "before.csv"
    p.write_bytes(content)
    with pytest.raises(EdriveError) as exc:
        read_baseline(p)
    assert message in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(EdriveError, match="does not exist"):
        read_baseline(tmp_path / "none.csv")


def test_baseline_on_the_command_line(tmp_path, monkeypatch, capsys):
    import sys

    from edrive import cli

    path, before = _two_runs(tmp_path, monkeypatch)
    base = tmp_path / "before.csv"
    before.to_csv(base, index=False)
    report = tmp_path / "report.md"

    def run(*args):
        monkeypatch.setattr(sys, "argv", ["edrive", "epa", "validate", str(path), *args])
        with pytest.raises(SystemExit) as exc:
            cli.main()
        return exc.value.code, capsys.readouterr()

    code, out = run("--baseline", str(base))
    assert code == 2 and "--baseline: given without --report" in out.err
    code, out = run("--baseline", str(base), "--report", str(base))
    assert code == 2 and "is the input file" in out.err and base.read_text().startswith("test")
    code, out = run("--baseline", str(base), "--report", str(report))
    assert code == 0 and "| records before | MAE before | bias before |" in report.read_text()
