"""``edrive cost``, run as a user would (a separate process)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(*args, ok=True):
    proc = subprocess.run([sys.executable, "-m", "edrive.cli", "cost", *args],
                          capture_output=True, text=True, timeout=300)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_cost_json_has_the_total_and_lines_that_sum_to_it():
    data = json.loads(run("jaguar_ipace_pm", "--volume", "150000", "--year", "2023",
                          "--json").stdout)
    assert data["year"] == 2023 and data["annual_units"] == 150000
    assert sum(r["eur"] for r in data["lines"]) == pytest.approx(data["total_eur"], rel=1e-12)
    assert {"component", "line", "kg", "eur"} <= set(data["lines"][0])
    assert 1000 < data["direct_cost_eur"] < data["total_eur"]


def test_cost_table_and_scenario_file():
    base = run("bmw_gen5_eesm").stdout
    assert "rotor copper" in base and "slip rings and brushes" in base and "total" in base
    scenario = json.loads(run("jaguar_ipace_pm", "--overrides",
                              str(EXAMPLES / "cost_magnets_x3.yaml"), "--json").stdout)
    plain = json.loads(run("jaguar_ipace_pm", "--json").stdout)
    assert scenario["total_eur"] > plain["total_eur"]
    assert str(EXAMPLES / "cost_magnets_x3.yaml") in scenario["cost_data"]


def test_compare_with_a_vehicle_gives_energy_and_battery_difference():
    data = json.loads(run("compare", "tesla_model3_rear_ipm",
                          str(EXAMPLES.parent / "src/edrive/data/edus/tesla_model3_rear_ipm.yaml"),
                          "--vehicle", "tesla_model3_rwd", "--cycle", "udds", "--json").stdout)
    # the same unit twice: no cost, energy or battery difference
    assert data["cost_difference_eur"] == 0
    assert data["battery_difference_kwh"] == pytest.approx(0, abs=1e-9)
    assert data["range_km"] > 300 and data["units_per_vehicle"] == 1
    text = run("compare", "bmw_gen5_eesm", "jaguar_ipace_pm", "--vehicle", "bmw_ix3").stdout
    assert "kWh of battery" in text and "net EUR" in text


def test_cost_data_lists_figures_with_sources():
    out = run("data", "labour.").stdout
    assert "labour.DE" in out and "sourced" in out and "Destatis" in out
    data = json.loads(run("data", "materials.copper", "--json").stdout)
    assert data["figures"][0]["unit"] == "USD/t" and data["figures"][0]["price_year"] == 2024


@pytest.mark.parametrize("args,message", [
    (["jaguar_ipace_pm", "--volume", "0"], "annual volume: 0; allowed: more than 0"),
    (["jaguar_ipace_pm", "--volume", "1e15"], "EDRIVE_MAX_ANNUAL_UNITS"),
    (["jaguar_ipace_pm", "--year", "2031"], "year: 2031; the cost data"),
    (["jaguar_ipace_pm", "--plant", "XX"], "unknown plant country 'XX'"),
    (["jaguar_ipace_pm", "--overrides", "missing.yaml"], "does not exist"),
    (["no_such_unit"], "unknown drive unit 'no_such_unit'"),
    (["compare", "jaguar_ipace_pm", "nope"], "unknown drive unit 'nope'"),
    (["jaguar_ipace_pm", "--volume", "abc"], "invalid value for '--volume'"),
    (["jaguar_ipace_pm", "--year", "2024.5"], "invalid value for '--year'"),
    (["jaguar_ipace_pm", "--bogus"], "no such option: --bogus"),
    (["compare", "jaguar_ipace_pm"], "missing argument"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, monkeypatch, capsys):
    # in this process, through the same entry point as the command (fast); the process
    # tests above and below cover the real command
    from edrive.cli import main

    monkeypatch.setattr(sys, "argv", ["edrive", "cost", *args])
    with pytest.raises(SystemExit) as info:
        main()
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert message in err
    assert "Traceback" not in err and err.strip().count("\n") == 0


def test_bad_overrides_file_is_one_line_and_exit_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("schema_version: 1\ntype: cost_overrides\nfigures:\n"
                    "  materials.copper: {value: -1, unit: USD/t, price_year: 2024}\n")
    proc = run("jaguar_ipace_pm", "--overrides", str(path), ok=False)
    assert proc.returncode == 2 and "materials.copper.value: -1; allowed: 0 or more" in proc.stderr
    path.write_text("schema_version: 1\ntype: cost_overrides\nfigures:\n"
                    "  materials.copper: {value: 9, unit: USD/m, price_year: 2024}\n")
    proc = run("jaguar_ipace_pm", "--overrides", str(path), ok=False)
    assert proc.returncode == 2 and "'USD/m' cannot be converted to 'USD/t'" in proc.stderr
