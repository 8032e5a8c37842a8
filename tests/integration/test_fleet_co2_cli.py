"""``edrive fleet-co2`` run as a user would (a separate process)."""

import json
import subprocess
import sys

import pytest


def run(*args, ok=True):
    proc = subprocess.run([sys.executable, "-m", "edrive.cli", "fleet-co2", *args],
                          capture_output=True, text=True, timeout=300)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_pool_json_has_unit_suffixed_fields():
    rep = json.loads(run("bmw_like_eu_2025", "--pool", "jlr_like_eu_2025", "--json").stdout)
    assert (rep["jurisdiction"], rep["year"], rep["currency"]) == ("EU", 2025, "EUR")
    for maker in rep["makers"]:
        for key in ("average_g_per_km", "target_g_per_km", "zlev_factor",
                    "distance_to_target_g_per_km", "premium_eur", "mass_kg",
                    "electric_share_needed"):
            assert key in maker
    p = rep["pool"]
    assert p["members"] == ["bmw_like", "jlr_like"]
    assert p["registrations"] == sum(m["registrations"] for m in rep["makers"])
    assert p["average_g_per_km"] == pytest.approx(
        sum(m["registrations"] * m["average_g_per_km"] for m in rep["makers"])
        / p["registrations"])
    assert 0 < p["electric_share_needed_for_pool"] < 1
    assert rep["averaging"]["years"] == [2025, 2026, 2027]
    assert "mass_slope_g_per_km_per_kg" in rep["rules"]["unverified_constants"]


def test_table_and_year_option():
    out = run("jlr_like_eu_2025", "--year", "2030").stdout
    assert out.startswith("EU 2030: target method test_mass")
    assert "jlr_like" in out and "premium EUR m" in out and "the target is met at" in out


def test_gb_zev_mandate_table(tmp_path):
    out = run("jlr_like_gb_2025", "--pool", "bmw_like_gb_2025").stdout
    assert "ZEV payment GBP m" in out and "pool" in out
    rep = json.loads(run("jlr_like_gb_2025", "--json").stdout)
    assert rep["makers"][0]["zev_share_required"] == 0.28
    assert "zev_payment_gbp" in rep["makers"][0] and "premium_eur" not in rep["makers"][0]


def test_user_files_and_rules(tmp_path):
    fleet = tmp_path / "mine.yaml"
    fleet.write_text("schema_version: 1\ntype: fleet\nname: mine\nmaker: me\njurisdiction: EU\n"
                     "year: 2030\nmodels:\n"
                     "  - {name: petrol, registrations: 1000, co2_g_per_km: 120, "
                     "test_mass_kg: 1650.15}\n"
                     "  - {name: electric, registrations: 0, co2_g_per_km: 0, "
                     "test_mass_kg: 1650.15}\n")
    rep = json.loads(run(str(fleet), "--json", "--rules", "eu").stdout)
    assert rep["makers"][0]["electric_share_needed"] == pytest.approx(1 - 49.5 / 120, abs=1e-9)


@pytest.mark.parametrize("args, message", [
    (["bmw_like_eu_2025", "--year", "2019"], "year: 2019; the EU rule pack covers 2020-2035"),
    (["bmw_like_eu_2026"], "unknown fleet 'bmw_like_eu_2026' (did you mean 'bmw_like_eu_2025'"),
    (["bmw_like_eu_2025", "--rules", "US"], "unknown jurisdiction 'US'"),
    (["bmw_like_eu_2025", "--pool", "jlr_like_gb_2025"], "pool members must share"),
    (["missing.yaml"], "fleet file 'missing.yaml' does not exist"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    proc = run(*args, ok=False)
    assert proc.returncode == 2 and message in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.strip().count("\n") == 0


def test_bad_fleet_file_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\ntype: fleet\nname: b\nmaker: b\njurisdiction: EU\n"
                   "year: 2025\nmodels: [{name: a, registrations: -5, co2_g_per_km: 100, "
                   "test_mass_kg: 1500}]\n")
    proc = run(str(bad), ok=False)
    assert proc.returncode == 2
    assert f"error: {bad}: models.0.registrations: -5: Input should be greater" in proc.stderr
