"""``edrive app`` in headless Chromium: change a parameter, run, and find the library's
figures in the page; bad input gives one line, never a traceback; the sweep and the
comparison show what :func:`edrive.simulate_many` and :func:`edrive.simulate` return.

The time from the click on Run to the summary table is printed (``pytest -s``), not
asserted; docs/app.md records it.
"""

from __future__ import annotations

import time

import pytest

import edrive
from edrive.spec_paths import set_path
from edrive.vehicle import vehicle_from_dict


def changed(name: str, changes: dict):
    """The bundled car ``name`` with spec paths changed (SI values), built as a file would
    be: the library's own route, independent of the app's."""
    base = edrive.load_vehicle(name)
    data = base.model_dump(mode="json", exclude_none=True)
    for path, value in changes.items():
        set_path(data, path, value)
    return vehicle_from_dict(data, where="test")


def set_number(page, element_id: str, value) -> None:
    """Type ``value`` in a number field and wait until the page has sent it to the server
    (Shiny sends typed numbers after a short delay; a click before that would run with the
    old value)."""
    page.fill(f"#{element_id}", str(value))
    page.press(f"#{element_id}", "Tab")
    text = str(value).strip()
    expected = float(text) if text else None
    page.wait_for_function(
        "([id, v]) => { const sent = Shiny.shinyapp.$inputValues[id + ':shiny.number'];"
        " return v === null ? sent === null : sent === v; }", arg=[element_id, expected])


def run_and_time(page, run: int, figure: bool = False) -> float | tuple[float, float]:
    """Click Run and wait for the summary table of run number ``run`` [s]; with ``figure``,
    also for its figure: (table, figure) [s]."""
    start = time.perf_counter()
    page.click("#run")
    page.wait_for_selector(f'#summary[data-run="{run}"]')
    table = time.perf_counter() - start
    if not figure:
        return table
    page.wait_for_selector(f'img#result-plot[data-run="{run}"]')
    return table, time.perf_counter() - start


def figures(page, table: str) -> dict[tuple[str, str], tuple[float, str]]:
    """(key, column) -> (full value, text shown) of every number in a table of the page."""
    cells = page.eval_on_selector_all(
        f"#{table} td[data-value]",
        "cells => cells.map(c => [c.dataset.key, c.dataset.cycle ?? c.dataset.variant ?? '',"
        " c.dataset.value, c.textContent])")
    return {(k, col): (float(v), text) for k, col, v, text in cells}


def test_a_changed_car_shows_the_library_figures(page, artifacts):
    first = run_and_time(page, 1, figure=True)  # the car as it is (includes loading models)
    set_number(page, "p_test_mass", 1650)
    set_number(page, "p_motor_power", 150)
    page.check('input[name="cycles"][value="udds"]')
    page.wait_for_function("Shiny.shinyapp.$inputValues['cycles'].includes('udds')")
    after_change = run_and_time(page, 2, figure=True)
    print("\nclick to result in the browser (table, figure): WLTC, first run "
          f"{first[0]:.3f} s, {first[1]:.3f} s; WLTC and UDDS after a change "
          f"{after_change[0]:.3f} s, {after_change[1]:.3f} s")
    shown = figures(page, "summary")
    car = changed("bmw_i3s", {"mass.test_mass_kg": 1650.0,
                              "drive_units.0.motor.power_peak_w": 150e3})
    compared = 0
    for cycle in ("wltc", "udds"):
        report = edrive.simulate(car, cycle).report()
        for key, value in report.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            assert shown[(key, cycle)][0] == value, (key, cycle)
            compared += 1
    assert compared >= 20
    assert shown[("wall_wh_per_km", "wltc")][1] == f"{report_of(car, 'wltc'):.4g}"
    more = []
    for k, mass in enumerate((1700, 1750, 1800)):  # a few more changes, timed the same way
        set_number(page, "p_test_mass", mass)
        more.append(run_and_time(page, 3 + k, figure=True))
    print("after further changes: " + "; ".join(f"{a:.3f} s, {b:.3f} s" for a, b in more))
    page.screenshot(path=artifacts / "app_run.png", full_page=True)
    assert not page.outside_requests, page.outside_requests


def report_of(car, cycle: str) -> float:
    return edrive.simulate(car, cycle).report()["wall_wh_per_km"]


@pytest.mark.parametrize("element_id,value,expected", [
    ("p_test_mass", "-5", "mass.test_mass_kg: -5.0"),
    ("p_test_mass", "", "test mass [kg]: null; allowed: a number"),
    ("p_gear_ratio", "1e9", "drive_units.0.gear.ratio"),
])
def test_bad_numbers_give_one_line_in_the_page(page, element_id, value, expected, artifacts):
    set_number(page, element_id, value)
    page.click("#run")
    message = page.wait_for_selector("#car-message.edrive-message").inner_text()
    assert expected in message and "\n" not in message.strip()
    assert "Traceback" not in page.content()
    if element_id == "p_test_mass" and value == "-5":
        page.screenshot(path=artifacts / "app_bad_input.png", full_page=True)


def test_yaml_typed_in_the_page_is_read_safely(page, tmp_path):
    page.click("text=Edit the vehicle YAML")
    marker = tmp_path / "executed"
    for text, expected in [
        ("name: [unclosed", "not valid YAML at line 2"),
        (f'!!python/object/apply:os.system ["touch {marker}"]', "not valid YAML at line 1"),
        ("name: x\nmass: {test_mass_kg: 1500}\nfoo: 1\n", "foo"),
    ]:
        page.fill("#yaml_text", text)
        page.wait_for_function("v => Shiny.shinyapp.$inputValues['yaml_text'] === v", arg=text)
        page.click("#use_yaml")
        page.wait_for_function(
            "expected => (document.querySelector('#car-message')?.textContent ?? '')"
            ".includes(expected)", arg=expected)
        assert "Traceback" not in page.content()
    assert not marker.exists()


def test_sweep_shows_what_simulate_many_returns(page, artifacts):
    page.click("text=Sweep")
    page.wait_for_selector("#sweep_p1")
    page.select_option("#sweep_p1", "test_mass")
    page.wait_for_function("Shiny.shinyapp.$inputValues['sweep_p1'] === 'test_mass'")
    set_number(page, "sweep_lo1", 1400)
    set_number(page, "sweep_hi1", 1800)
    set_number(page, "sweep_n1", 3)
    page.click("#sweep_run")
    page.wait_for_selector('table#sweep-table[data-variants="3"]')
    shown = page.eval_on_selector_all(
        "#sweep-table td[data-key='wall_wh_per_km']", "cells => cells.map(c => c.dataset.value)")
    library = edrive.simulate_many("bmw_i3s", "wltc",
                                   variants={"mass.test_mass_kg": [1400.0, 1600.0, 1800.0]})
    assert [float(v) for v in shown] == list(library["wall_wh_per_km"])
    page.screenshot(path=artifacts / "app_sweep.png", full_page=True)


def test_compare_two_variants_side_by_side(page, artifacts):
    page.click("#add_variant")
    set_number(page, "p_test_mass", 1800)
    page.click("#add_variant")
    page.click("text=Compare")
    page.click("#compare_run")
    page.wait_for_selector("table#compare-table")
    shown = figures(page, "compare-table")
    for k, car in enumerate([edrive.load_vehicle("bmw_i3s"),
                             changed("bmw_i3s", {"mass.test_mass_kg": 1800.0})]):
        assert shown[("wall_wh_per_km", str(k))][0] == edrive.simulate(car, "wltc").summary[
            "wall_wh_per_km"]
    page.wait_for_selector("img#compare-plot")
    page.screenshot(path=artifacts / "app_compare.png", full_page=True)


def test_an_uploaded_vehicle_file_is_the_car_run(page, tmp_path):
    from edrive.vehicle import vehicle_to_yaml

    car = changed("tesla_model3_rwd", {"name": "Uploaded test car", "aux_power_w": 450.0})
    good = tmp_path / "uploaded.yaml"
    good.write_text(vehicle_to_yaml(car))
    page.set_input_files("#upload", str(good))
    page.wait_for_selector("text=Uploaded test car (bev)")
    run_and_time(page, 1)
    shown = figures(page, "summary")
    assert shown[("wall_wh_per_km", "wltc")][0] == edrive.simulate(car, "wltc").summary[
        "wall_wh_per_km"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(vehicle_to_yaml(car).replace("aux_power_w: 450.0", "aux_power_w: lots"))
    page.set_input_files("#upload", str(bad))
    message = page.wait_for_selector("#car-message.edrive-message").inner_text()
    assert "uploaded file 'bad.yaml'" in message and "aux_power_w" in message


def test_maps_energy_and_plan(page, artifacts, open_offline, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from edrive.alliance.plan import plan_portfolio

    pool = ThreadPoolExecutor(1)  # the library's plan, made while the page makes its own
    planned = pool.submit(lambda: plan_portfolio("illustrative_bmw_jlr", draws=0).to_dict())
    run_and_time(page, 1)
    page.click("text=Maps and energy")
    page.wait_for_selector("table#energy")
    energy = figures(page, "energy")
    audit = edrive.simulate("bmw_i3s", "wltc").summary["energy_j"]
    assert energy[("motor_inverter_loss", "wltc")][0] == audit["motor_inverter_loss_j"] / 3.6e6
    page.wait_for_selector("img.energy-flow")
    assert page.eval_on_selector_all(
        "#energy-plots img", "imgs => imgs.every(i => i.complete && i.naturalWidth > 200)")
    page.select_option("#edu", "tesla_model3_rear_ipm")
    page.wait_for_function("Shiny.shinyapp.$inputValues['edu'] === 'tesla_model3_rear_ipm'")
    page.click("#edu_show")
    page.wait_for_selector("img#edu-plot")
    page.screenshot(path=artifacts / "app_maps.png", full_page=True)
    page.click("text=Plan")
    page.click("#plan_run")
    page.wait_for_selector("table#plan-table")
    shown = figures(page, "plan-summary")
    library = planned.result()
    pool.shutdown()
    assert shown[("total_cost_eur", "")][0] == library["total_cost_eur"]
    programmes = page.eval_on_selector_all("#plan-table td[data-key='programme']",
                                           "cells => cells.map(c => c.textContent)")
    assert programmes == [a["programme"] for a in library["assignment"]]
    page.wait_for_selector("img#plan-plot")
    page.screenshot(path=artifacts / "app_plan.png", full_page=True)
    path = saved_download(page, "plan_download", tmp_path)
    assert path.name == "Illustrative_BMW_like_and_JLR_like_line_up_plan_report.html"
    _, report, blocked, broken = open_offline(path, "app_plan_report.png")
    assert not blocked and not broken and report.locator("img").count() >= 1
    for a in library["assignment"]:
        assert a["programme"] in report.inner_text("body")


def test_a_fitted_drive_unit_is_the_one_simulated(page):
    from edrive.sim.edu_compare import with_edu

    page.select_option("#fit_edu_name", "tesla_model3_rear_ipm")
    page.wait_for_function(
        "Shiny.shinyapp.$inputValues['fit_edu_name'] === 'tesla_model3_rear_ipm'")
    page.click("#fit_edu")
    page.wait_for_selector("#car-name:has-text('with')")
    run_and_time(page, 1)
    car = with_edu("bmw_i3s", "tesla_model3_rear_ipm")
    assert page.inner_text("#result-vehicle") == car.name
    assert figures(page, "summary")[("wall_wh_per_km", "wltc")][0] == edrive.simulate(
        car, "wltc").summary["wall_wh_per_km"]


def test_names_from_a_file_are_shown_as_text(page, tmp_path):
    """Markup in a car's name is text on the page, never HTML or script."""
    from edrive.vehicle import vehicle_to_yaml

    name = '<img src=x onerror="window.injected=1"><script>window.injected=2</script>'
    car = changed("bmw_i3s", {"name": name})
    path = tmp_path / "markup.yaml"
    path.write_text(vehicle_to_yaml(car))
    page.set_input_files("#upload", str(path))
    page.wait_for_selector("#car-name:has-text('onerror')")
    run_and_time(page, 1)
    page.click("#add_variant")
    page.click("text=Compare")
    page.click("#compare_run")
    page.wait_for_selector("table#compare-table")
    assert page.inner_text("#result-vehicle") == name
    assert page.evaluate("window.injected") is None
    assert page.locator("img[src='x']").count() == 0


def saved_download(page, button: str, folder):
    """Click the download button ``button`` and save the file under its suggested name."""
    with page.expect_download() as waiting:
        page.click(f"#{button}")
    download = waiting.value
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


def test_the_report_of_the_changed_car_downloads_and_opens_offline(page, open_offline,
                                                                   tmp_path):
    set_number(page, "p_test_mass", 1650)
    page.click("#make_report")
    page.wait_for_selector("#report_download")
    path = saved_download(page, "report_download", tmp_path)
    assert path.name == "BMW_i3s_120_Ah_MY2019_report.html"
    car = changed("bmw_i3s", {"mass.test_mass_kg": 1650.0})
    wall = edrive.simulate(car, "wltc").report()["wall_wh_per_km"]
    _, report, blocked, broken = open_offline(path, "app_report.png")
    assert not blocked and not broken
    assert report.locator("img").count() >= 3
    from edrive.report.html import fmt

    assert fmt(wall) in report.inner_text("body")
