"""Bad fleet files and arguments: one line naming the field, the value and what is allowed."""

import pytest

from edrive.alliance.fleet_co2 import compliance_report, evaluate
from edrive.alliance.fleet_file import fleet_from_yaml, load_fleet
from edrive.errors import EdriveError

HEAD = "schema_version: 1\ntype: fleet\nname: t\nmaker: m\njurisdiction: EU\nyear: 2025\n"
GOOD = "{name: a, registrations: 10, co2_g_per_km: 100, test_mass_kg: 1500}"


def error_of(text, **kw) -> str:
    with pytest.raises(EdriveError) as err:
        evaluate(fleet_from_yaml(text, "f.yaml"), **kw)
    message = str(err.value)
    assert "\n" not in message and ": :" not in message
    return message


@pytest.mark.parametrize("models, message", [
    ("[]", "f.yaml: models: the fleet has no models"),
    ("[{name: a, registrations: 0, co2_g_per_km: 100, test_mass_kg: 1500}]",
     "f.yaml: models: the fleet has no cars: every model has 0 registrations"),
    ("[{name: a, registrations: 10, test_mass_kg: 1500}]",
     "f.yaml: models.0: give co2_g_per_km (WLTP) or a vehicle to simulate"),
    ("[{name: a, registrations: 10, co2_g_per_km: 100}]",
     "f.yaml: models.0 (a): test_mass_kg is missing; the EU 2025 target needs each model's "
     "test mass"),
    ("[{name: a, registrations: -10, co2_g_per_km: 100, test_mass_kg: 1500}]",
     "f.yaml: models.0.registrations: -10: Input should be greater than or equal to 0"),
    ("[{name: a, registrations: true, co2_g_per_km: 100, test_mass_kg: 1500}]",
     "models.0.registrations: true: a yes/no value is not a number"),
    ("[{name: a, registrations: 10, co2_g_per_km: yes, test_mass_kg: 1500}]",
     "models.0.co2_g_per_km: true: a yes/no value is not a number"),
    ("[{name: a, registrations: 10, co2_g_per_km: 100, test_mass_kg: false}]",
     "models.0.test_mass_kg: false: a yes/no value is not a number"),
    ("[{name: a, registrations: 10, co2_g_per_km: 100, test_mass_kg: 1500, "
     "low_zlev_uptake_share: true}]",
     "models.0.low_zlev_uptake_share: true: a yes/no value is not a number"),
    ("[{name: a, registrations: 10, co2_g_per_km: 160 kg, test_mass_kg: 1500}]",
     "models.0.co2_g_per_km: '160 kg': has the wrong unit"),
    ("[{name: a, registrations: 10, co2_g_per_km: 1100, test_mass_kg: 1500}]",
     "models.0.co2_g_per_km: 1100: Input should be less than or equal to 1000"),
    ("[{name: a, registrations: 100000000000, co2_g_per_km: 100, test_mass_kg: 1500}]",
     "models.0.registrations: 100000000000: Input should be less than or equal to 50000000"),
    ("[{name: a, registraions: 10, co2_g_per_km: 100, test_mass_kg: 1500}]",
     "models.0: unknown key 'registraions' (did you mean 'registrations'?)"),
    ("[{name: a, registrations: 10, co2_g_per_km: 100, vehicle: bmw_ix3}]",
     "give either the vehicle or the figures, not both"),
    ("[{name: a, registrations: 10, vehicle: bmw_ix4}]",
     "f.yaml: models.0 (a): vehicle: unknown vehicle 'bmw_ix4' (did you mean 'bmw_ix3'"),
    (f"[{GOOD}, {GOOD}]", "model name 'a' appears twice"),
])
def test_bad_models(models, message):
    assert message in error_of(HEAD + f"models: {models}\n")


def test_unknown_jurisdiction_and_years_outside_the_rules():
    assert "unknown jurisdiction 'EUR' (did you mean 'EU'?); available: EU, GB" in error_of(
        HEAD.replace("EU", "EUR") + f"models: [{GOOD}]\n")
    assert "year: 2019; the EU rule pack covers 2020-2035" in error_of(
        HEAD.replace("2025", "2019") + f"models: [{GOOD}]\n")
    assert "year: 2036; the EU rule pack covers 2020-2035" in error_of(
        HEAD + f"models: [{GOOD}]\n", year=2036)
    assert "year: 2020; the GB rule pack covers 2021-2035" in error_of(
        HEAD.replace("EU", "GB").replace("2025", "2020") + f"models: [{GOOD}]\n")
    assert "year: true: a yes/no value is not a number" in error_of(
        HEAD.replace("2025", "true") + f"models: [{GOOD}]\n")


def test_transition_years_need_the_makers_2020_figures_and_running_order_mass():
    text = HEAD.replace("2025", "2022") + f"models: [{GOOD}]\n"
    assert "models.0 (a): mass_in_running_order_kg is missing; the EU 2022 target" in \
        error_of(text)
    with_mass = text.replace("test_mass_kg: 1500", "mass_in_running_order_kg: 1400")
    assert "f.yaml: transition_2021 is missing; the EU 2022 target needs the maker's 2020" in \
        error_of(with_mass)


def test_electric_model_must_be_a_model():
    assert "f.yaml: electric_model: 'aa': not a model of the fleet (did you mean 'a'?)" in \
        error_of(HEAD + "electric_model: aa\nmodels: [" + GOOD + "]\n")


def test_models_limit_is_documented_and_overridable(monkeypatch):
    text = HEAD + f"models: [{GOOD}, {GOOD.replace('a,', 'b,')}, {GOOD.replace('a,', 'c,')}]\n"
    monkeypatch.setenv("EDRIVE_MAX_FLEET_MODELS", "2")
    assert "models: 3 models; the limit is 2 (EDRIVE_MAX_FLEET_MODELS)" in error_of(text)
    monkeypatch.setenv("EDRIVE_MAX_FLEET_MODELS", "lots")
    assert "EDRIVE_MAX_FLEET_MODELS: 'lots'; allowed: a positive integer" in \
        error_of(text)
    monkeypatch.setenv("EDRIVE_MAX_FLEET_MODELS", "3")
    assert evaluate(fleet_from_yaml(text, "f.yaml")).figures["registrations"] == 30


@pytest.mark.parametrize("text, message", [
    ("models: [a, b", "f.yaml: not valid YAML at line"),
    ("- just\n- a list\n", "f.yaml: expected a mapping of fleet fields (key: value lines), found a list"),
    (HEAD.replace("type: fleet", "type: vehicle") + f"models: [{GOOD}]\n",
     "f.yaml: type: 'vehicle': Input should be 'fleet'"),
    (HEAD + f"modles: [{GOOD}]\n", "f.yaml: unknown key 'modles' (did you mean 'models'?)"),
])
def test_corrupt_files(text, message):
    with pytest.raises(EdriveError) as err:
        fleet_from_yaml(text, "f.yaml")
    assert message in str(err.value)


def test_missing_file_and_unknown_fleet(tmp_path):
    with pytest.raises(EdriveError, match="fleet file '.*nope.yaml' does not exist"):
        load_fleet(str(tmp_path / "nope.yaml"))
    with pytest.raises(EdriveError, match="unknown fleet 'bmw_like' .*available: bmw_like_eu_2025"):
        load_fleet("bmw_like")


def test_pool_members_must_share_jurisdiction_and_differ():
    with pytest.raises(EdriveError, match="pool: jlr_like_gb_2025.yaml is a GB fleet; pool "
                                          "members must share the jurisdiction EU"):
        compliance_report("bmw_like_eu_2025", ["jlr_like_gb_2025"])
    with pytest.raises(EdriveError, match="pool: maker 'bmw_like' appears twice"):
        compliance_report("bmw_like_eu_2025", ["bmw_like_eu_2025"])


def test_long_values_are_cut_in_messages():
    text = HEAD + "models: [{name: a, registrations: 10, co2_g_per_km: " + "x" * 5000 + \
        ", test_mass_kg: 1500}]\n"
    message = error_of(text)
    assert "longer than 100 characters" in message and len(message) < 300
    message = error_of(HEAD + "models: [{name: " + "n" * 5000 + ", registrations: 10, "
                       "co2_g_per_km: 100, test_mass_kg: 1500}]\n")
    assert "models.0.name: 'nnnn" in message and "..." in message and "n': String should have at most 200" in \
        message and len(message) < 300


@pytest.mark.parametrize("fields, message", [
    ({"registrations": -5}, "A: registrations: -5; allowed: a finite number above 0"),
    ({"registrations": True}, "A: registrations: true; allowed"),
    ({"average_g_per_km": float("nan")}, "A: average_g_per_km: nan; allowed: a finite number"),
    ({"registrations_counted": 2e6}, "registrations_counted: 2000000.0; allowed: a finite "
                                     "number from 0 to 1e+06"),
])
def test_figures_given_directly_are_checked(fields, message):
    from edrive.alliance.fleet_co2 import Performance

    values = {"name": "A", "year": 2030, "registrations": 1e6, "registrations_counted": 1e6,
              "average_g_per_km": 100.0, "reference_target_g_per_km": 95.0, "zlev_share": 0.0,
              "target_g_per_km": 95.0} | fields
    with pytest.raises(EdriveError) as err:
        Performance(**values)
    assert message in str(err.value)


def test_every_bundled_fleet_evaluates():
    import math

    from edrive.alliance.fleet_file import list_fleets

    for name in list_fleets():
        figures = evaluate(name).figures
        assert figures["registrations"] > 0
        assert all(math.isfinite(v) for v in figures.values() if isinstance(v, float))
