"""Hybrids run as production cars run them: operating rules, held-out makes, plug-ins.

* Held-out makes. The generic operating rules (``edrive.sim.energy_management.
  ARCHITECTURE_RULES`` and ``PLUG_IN_RULES``) were fitted with tools/calibrate_hev_defaults.py
  on the hybrid records of the makes listed in ``edrive.report.epa_report.CALIBRATION_MAKES``
  of the US EPA Test Car List MY2022 (the whole file, ``EDRIVE_EPA_2022_FILE`` or
  ``shared/data/epa/22tstcar.csv`` beside the repository; skipped without it); the test
  predicts every screened record of the other makes and checks the mean absolute error per
  cycle against the figure measured, plus a margin of 1 point. The target is 8 %; the
  figures are in docs/validation.md.
* Plug-in hybrids, WLTP utility-factor weighted CO2 against the makers' published figures:
  BMW 330e (G20): 39 g/km (BMW Group press kit 'The new BMW 330e Sedan', 2019, the source
  of the bundled car's powertrain figures); Range Rover Sport P400e: 64 g/km (Land Rover's
  launch figure, quoted by Auto Express, 11 January 2018, and What Car?, 1 May 2018; a
  type-approval figure of the NEDC era; no WLTP figure of the MY2019+ car was at hand).
  Tolerance 10 % (the target of the work).
* Engine starts and running time on the hot UDDS: bounds from the cycle and the rules,
  not from measurements (no measured hybrid engine-on data is in the repository; the Argonne
  traces are of a conventional Camry): a hybrid starts its engine at most once per
  acceleration above its electric-drive limits, and runs it for a share of the time between
  the electric-only extreme and always.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from edrive.cycles import load_cycle
from edrive.sim.hev import simulate_hev
from edrive.sim.phev import phev_test
from edrive.vehicle import load_vehicle

#: the whole 2022 file (not bundled: 4,397 records); the tests that need it are skipped
#: without it
EPA_FILE = Path(os.environ.get("EDRIVE_EPA_2022_FILE", Path(__file__).resolve().parents[3]
                                / "shared" / "data" / "epa" / "22tstcar.csv"))

PUBLISHED_WLTP_CO2_G_PER_KM = {"bmw_330e": 39.0, "range_rover_sport_p400e": 64.0}
CO2_TOLERANCE = 0.10


@pytest.mark.parametrize("name", PUBLISHED_WLTP_CO2_G_PER_KM)
def test_plug_in_wltp_weighted_co2(name):
    rep = phev_test(name, "wltp")["combined"]
    published = PUBLISHED_WLTP_CO2_G_PER_KM[name]
    err = rep["co2_g_per_km"] / published - 1
    assert abs(err) <= CO2_TOLERANCE, (
        f"{name}: {rep['co2_g_per_km']:.1f} g/km vs published {published}: {100 * err:+.1f} %")
    # the engine runs in the charge-depleting test (high demand, high speed), so the
    # equivalent electric range is shorter than the depleting distance but longer than the
    # distance to the first start
    assert rep["cd_fuel_l_per_100km"] > 0
    assert rep["electric_range_km"] <= rep["equivalent_electric_range_km"] <= \
        rep["cd_distance_km"]


def test_charge_depleting_engine_starts_under_high_demand():
    """The 330e depleting from full on the US06 (peaks above 80 kW at the wheels) starts its
    engine; on the UDDS (peaks near 30 kW, below 110 km/h) it stays electric."""
    car = load_vehicle("bmw_330e")
    us06 = simulate_hev(car, load_cycle("us06"), charge_depleting=True).summary
    udds = simulate_hev(car, load_cycle("udds"), charge_depleting=True).summary
    assert us06["engine_starts"] >= 1 and us06["fuel_kg"] > 0
    assert udds["engine_starts"] == 0 and udds["fuel_kg"] == 0


@pytest.mark.parametrize("name", ["toyota_prius_gen4", "bmw_330e"])
def test_engine_starts_and_running_time(name):
    """The Prius starts and stops its engine; the 330e, a P2 plug-in held in
    charge-sustaining operation, starts it once and keeps it running to the end of the
    cycle (``cs_engine_held``), idling at the stops after that start."""
    from edrive.sim.energy_management import operating_rules

    car = load_vehicle(name)
    cyc = load_cycle("udds")
    res = simulate_hev(car, cyc)
    on = res.series["engine_on"][1:]
    v = res.series["speed_m_s"]
    accelerations = int(np.count_nonzero((np.diff(v)[1:] > 0) & (np.diff(v)[:-1] <= 0)))
    starts = res.summary["engine_starts"]
    assert 1 <= starts <= accelerations
    share = on.mean()
    if operating_rules(car.model(), car.energy_management).cs_engine_held:
        assert starts == 1
        first = int(np.argmax(on))
        assert on[first:].all()
        standing = (v[1:] == 0) & (v[:-1] == 0)
        assert standing[first:].any() and on[first:][standing[first:]].all()
        assert share >= 0.5, f"{name}: engine runs {100 * share:.0f} % of the time"
    else:
        assert 0.2 <= share <= 0.95, f"{name}: engine runs {100 * share:.0f} % of the time"


def test_p2_plug_in_engine_speed_floor():
    """Charge-sustaining P2 plug-ins: no engine-on candidate pulls in a gear above the first
    below the floor; the same car as a full hybrid (``plug_in`` off) keeps every candidate;
    dynamic programming, free of the rules, burns no more than ECMS under them."""
    from edrive.sim.energy_management import operating_rules, rule_excluded

    car = load_vehicle("bmw_330e")
    vm = car.model()
    rules = operating_rules(vm, car.energy_management)
    assert rules.cs_engine_held and rules.engine_speed_min_rad_s > vm.engine_spec.speed_idle_rad_s
    v = np.array([3.0, 8.0, 15.0, 25.0])
    f = np.array([1500.0, 800.0, 600.0, 700.0])
    cand = vm.candidates(f, v, detail=True)
    out = rule_excluded(vm, car.energy_management, cand, v)
    w_in = (v / vm.radius_m)[:, None] * vm.transmission.overall_ratios[cand.gear]
    pulling = (cand.engine_torque_nm > 0) & (cand.gear > 0)
    assert out.any()
    np.testing.assert_array_equal(out, pulling & (w_in < rules.engine_speed_min_rad_s))
    # every row keeps an admissible candidate (first gear and electric drive are not floored)
    assert ((cand.ok & ~out).any(axis=1)).all()
    full = car.model_copy(update={"plug_in": False})
    full._model = None  # the copy carries the plug-in's built model: build its own
    fvm = full.model()
    assert not operating_rules(fvm, full.energy_management).cs_engine_held
    assert not rule_excluded(fvm, full.energy_management, fvm.candidates(f, v), v).any()
    ecms = simulate_hev(car, load_cycle("udds")).summary["fuel_kg"]
    dp = simulate_hev(car, load_cycle("udds"), strategy="dp").summary["fuel_kg"]
    assert dp <= ecms * 1.005


def test_cold_start_holds_the_engine_on():
    """From a cold start the engine runs from the first second until warm: more fuel and
    fewer electric kilometres in the first minutes than the same cycle hot."""
    car = load_vehicle("toyota_prius_gen4")
    cyc = load_cycle("udds")
    hot = simulate_hev(car, cyc, soc_initial=0.6, balance=False)
    cold = simulate_hev(car, cyc, soc_initial=0.6, balance=False, cold_start=True)
    assert cold.series["engine_on"][1:60].all()
    assert cold.summary["fuel_kg"] > hot.summary["fuel_kg"]
    assert cold.summary["electric_distance_share"] < hot.summary["electric_distance_share"]


def test_rules_are_obeyed_and_dp_stays_the_optimum():
    """Minimum on-time holds in the causal strategies; dynamic programming, free of the
    rules, burns no more than ECMS under them."""
    from edrive.sim.energy_management import operating_rules

    car = load_vehicle("toyota_prius_gen4")
    rules = operating_rules(car.model(), car.energy_management)
    res = simulate_hev(car, load_cycle("udds"))
    on = res.series["engine_on"][1:]
    dt = np.diff(res.series["time_s"])
    k = 0
    while k < len(on):
        if on[k]:
            j = k
            while j < len(on) and on[j]:
                j += 1
            if j < len(on):  # a run that ended inside the cycle lasted at least the minimum
                assert dt[k:j].sum() >= rules.on_time_min_s - 1e-9
            k = j
        else:
            k += 1
    dp = simulate_hev(car, load_cycle("udds"), strategy="dp").summary["fuel_kg"]
    assert dp <= res.summary["fuel_kg"] * 1.005


@pytest.mark.skipif(not EPA_FILE.exists(), reason="the full EPA 2022 file is not at hand")
def test_held_out_makes():
    """The shipped rules, fitted on the makes of ``CALIBRATION_MAKES["hev"]``, on every
    screened hybrid record of the other makes. Measured on 2026-12-07 (92 FTP-75 and 90 HWFET
    records): 6.3 % FTP-75 and 4.8 % HWFET mean absolute error (before the torque converter
    of P2 gearboxes that keep one: 6.7 % and 4.9 %; before the rules of charge-sustaining P2
    plug-ins: 8.7 % and 6.0 %); the bound is that figure plus one point, so a change that
    worsens the held-out makes fails here. The P2 full hybrids among them (28 records per
    cycle) are held to the 8 % target on the FTP-75: 7.3 % (8.6 % without the converter);
    their HWFET is 8.1 %, the target missed, bound at 8.1 % plus one point. Ford's P2 records
    (ten-speed automatic with lock-up) get a converter, Hyundai's and Kia's (six-speed, no
    lock-up) do not."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
    from calibrate_hev_defaults import hybrid_records

    from edrive.io.epa_hybrid import hev_from_record, hybrid_architecture
    from edrive.io.epa_testcar import predict
    from edrive.report.epa_report import CALIBRATION_MAKES

    recs = hybrid_records(EPA_FILE)
    held = [r for r in recs if r.make.strip().upper() not in CALIBRATION_MAKES["hev"]]
    assert len(held) >= 150
    err = {"ftp75": [], "hwfet": []}
    p2_full = {"ftp75": [], "hwfet": []}
    for r in held:
        e = abs(predict(r) / r.measured - 1) * 100
        err[r.cycle].append(e)
        if hybrid_architecture(r.fields) == "p2" and not r.fields["plug_in"]:
            p2_full[r.cycle].append(e)
            converter = hev_from_record(r).torque_converter
            assert converter == (r.make.upper() == "FORD"), (r.make, r.model)
    assert np.mean(err["ftp75"]) <= 6.3 + 1, np.mean(err["ftp75"])
    assert np.mean(err["hwfet"]) <= 4.8 + 1, np.mean(err["hwfet"])
    assert len(p2_full["ftp75"]) >= 25
    assert np.mean(p2_full["ftp75"]) <= 8.0, np.mean(p2_full["ftp75"])
    assert np.mean(p2_full["hwfet"]) <= 8.1 + 1, np.mean(p2_full["hwfet"])


def test_plug_in_epa_label_figures():
    """EPA label figures of the 330e: eq. (4) of edrive.sim.phev applied to the simulated
    charge-sustaining results, the 0.7 factor to the depleting figures (a consistency
    check, not a validation: the simulated charge-sustaining city result of the 330e is
    known to be high, see test_hybrid_reference)."""
    from edrive.constants import MILE_M
    from edrive.sim.icev import US_GALLON_L
    from edrive.sim.phev import DERIVED_5_CYCLE

    rep = phev_test("bmw_330e", "epa")
    for key in ("city", "highway"):
        a, b = DERIVED_5_CYCLE[key]
        unadj = 100 * US_GALLON_L / rep[key]["cs_fuel_l_per_100km"] / (MILE_M / 1e3)
        assert rep[f"{key}_cs_label_mpg"] == pytest.approx(1 / (a + b / unadj), rel=1e-12)
        assert rep[f"{key}_cs_label_mpg"] < unadj
        assert rep[f"{key}_cd_label_kwh_per_100mi"] > 0
    assert rep["label_electric_range_mi"] == pytest.approx(
        0.7 * rep["city"]["electric_range_km"] * 1e3 / MILE_M, rel=1e-12)
    c, h = rep["city_cs_label_mpg"], rep["highway_cs_label_mpg"]
    assert min(c, h) <= rep["combined_cs_label_mpg"] <= max(c, h)
