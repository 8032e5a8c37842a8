"""The bundled 2018 Toyota Camry on Argonne's measured dynamometer traces of that car.

Reference data
--------------
Argonne National Laboratory D3 chassis-dynamometer tests of a 2018 Toyota Camry XLE 2.5 L 8AT
(files and provenance in ``tests/validation/data/anl``): roller speed and fuel flow at 1 Hz.
The simulated car (``toyota_camry_2018``) drives the measured speed trace itself, so the
driver's deviations from the schedule are in both sides of the comparison.

Tolerances
----------
* Cumulative fuel within 5 % of the measured volume per trace: the car's mass and road load
  are the EPA test inputs of the same powertrain, the engine's rating, peak efficiency and
  Atkinson cycle are published (its part-load pumping is the project's Atkinson-cycle value,
  taken over from the 2ZR-FXE), while the friction, the transmission and converter losses and
  the input inertia are generic (one set for all engines and automatics); 5 % is what such a
  model should reach on a known car. The FTP file starts cold: its replay gets the generic
  cold-start fuel of the EPA records (``edrive.io.epa_icev.cold_start_fuel_l``, per kW of
  rated power, 0.050 L for this engine) over its first 505 s.
  Cases that miss are ``xfail(strict=False)`` with the measured figure; nothing in the car
  is tuned to these traces.
* Fuel-rate shape: Pearson r >= 0.9 and normalised RMS <= 0.45 for the rates smoothed over
  5 s. A fuel model that ignores load (constant rate) gives r = 0 or undefined; one that lost
  the inertia term (fuel from road-load power only) gives r = 0.34 on the hot UDDS (see
  ``test_a_load_blind_model_fails``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edrive.cycles import load_cycle
from edrive.io.anl import drive_segments, read_anl_trace, trace_to_cycle
from edrive.io.anl_replay import TraceComparison, replay_trace
from edrive.io.epa_icev import cold_start_fuel_l
from edrive.vehicle import load_vehicle

DATA = Path(__file__).parent / "data" / "anl"
VEHICLE = "toyota_camry_2018"
TOLERANCE = 0.05
CORRELATION_MIN = 0.9
RMS_RELATIVE_MAX = 0.45

# file stem: (cycle, offsets [s] where a full copy of the schedule starts, soaks in the file)
CONTENT = {
    "61811011": ("udds", (0, 1974), 1),
    "61811012": ("udds", (0,), 0),
    "61811013": ("hwfet", (0, 780), 0),
    "61811014": ("us06", (0, 690), 0),
}
#: files that start with a cold engine (the FTP's cold UDDS): the generic cold-start fuel of
#: the EPA records (cold_start_fuel_l) is added to their first segment
COLD_START = {"61811011"}

# Measured (fuel V_sim / V_meas - 1): FTP (cold start, with the generic cold-start fuel)
# -3.2 % (per kW of rated power; -2.4 % with the earlier 0.025 L per litre), hot UDDS -0.1 %, HWFET x2 -0.5 %, US06 x2 +2.6 %, with the input inertia of a
# slipping converter (eqs. 6a-6b of edrive.components.transmission), the part-throttle
# overrun fuel (engine eq. 1b), the refitted generic defaults and the Atkinson-cycle pumping
# of the A25A-FKS (its engine file; with the generic throttled-engine pumping instead +7.6 %
# before the cold-start fuel, +15.0, +8.7 and +8.1 %). Before: +8.7, +16.9, +8.9, +7.2 %.
# A case that misses goes here as xfail(strict=False) with its measured figure.
KNOWN_MISSES: dict[str, str] = {}


def _trace(stem):
    return read_anl_trace(DATA / f"{stem}_Test_Data.txt")


@pytest.fixture(scope="module")
def comparisons() -> dict[str, TraceComparison]:
    car = load_vehicle(VEHICLE)
    return {stem: replay_trace(car, _trace(stem), cold_start_fuel_l=cold_start_fuel_l(car)
                               if stem in COLD_START else 0.0) for stem in CONTENT}


@pytest.mark.parametrize("stem", CONTENT)
def test_file_holds_the_named_cycle(stem):
    """The measured speed matches the bundled schedule at the documented offsets."""
    cycle_name, offsets, soaks = CONTENT[stem]
    trace = _trace(stem)
    ref = load_cycle(cycle_name).speed_m_s
    for off in offsets:
        rms = np.sqrt(np.mean((trace.speed_m_s[off:off + len(ref)] - ref) ** 2))
        assert rms < 0.3, f"{stem} at {off} s: RMS {rms:.2f} m/s from {cycle_name}"
    assert len(drive_segments(trace)) == soaks + 1


def test_soak_is_engine_off_in_the_measurement():
    trace = _trace("61811011")
    (a0, a1), (b0, b1) = drive_segments(trace)
    assert a0 == 0 and b1 == len(trace.time_s) - 1
    # from 20 s after the car stops to the restart just before the lead-in, no fuel flows
    soak = slice(a1 + 20, b0 - 2)
    assert trace.time_s[b0] - trace.time_s[a1] > 550
    assert np.all(trace.fuel_rate_m3_s[soak] == 0.0)


def _fuel_cases():
    for stem in CONTENT:
        marks = ([pytest.mark.xfail(strict=False, reason=KNOWN_MISSES[stem])]
                 if stem in KNOWN_MISSES else [])
        yield pytest.param(stem, marks=marks, id=stem)


@pytest.mark.parametrize("stem", list(_fuel_cases()))
def test_cumulative_fuel(comparisons, stem):
    c = comparisons[stem]
    assert abs(c.fuel_error) <= TOLERANCE, (
        f"{stem}: simulated {c.fuel_sim_m3 * 1e3:.3f} L vs measured {c.fuel_meas_m3 * 1e3:.3f} L:"
        f" {100 * c.fuel_error:+.1f} % (tolerance {100 * TOLERANCE:.0f} %)")


@pytest.mark.parametrize("stem", CONTENT)
def test_fuel_rate_follows_the_measurement(comparisons, stem):
    c = comparisons[stem]
    assert c.correlation >= CORRELATION_MIN, f"{stem}: r = {c.correlation:.3f}"
    assert c.rms_relative <= RMS_RELATIVE_MAX, f"{stem}: RMS {c.rms_relative:.3f}"


@pytest.mark.parametrize("stem", CONTENT)
def test_car_follows_the_measured_trace(comparisons, stem):
    for res in comparisons[stem].results:
        assert res.summary["trace_missed_s"] == 0
        assert abs(res.summary["audit_residual"]) < 1e-6


def test_measured_and_simulated_sums_are_consistent(comparisons):
    c = comparisons["61811012"]
    trace = _trace("61811012")
    assert c.fuel_meas_m3 == pytest.approx(trace.fuel_m3, rel=1e-12)
    sim_cum, meas_cum = c.cumulative_m3()
    assert sim_cum[-1] == pytest.approx(c.results[0].summary["fuel_l"] * 1e-3, rel=1e-9)
    assert np.all(np.diff(sim_cum) >= 0) and np.all(np.diff(meas_cum) >= 0)


def test_a_load_blind_model_fails(comparisons):
    """The rate criteria reject a fuel model that ignores the inertia load: the same car
    with the trace's speed but each interval's acceleration removed (steady speed)."""
    c = comparisons["61811012"]
    trace = _trace("61811012")
    car = load_vehicle(VEHICLE)
    vm = car.model()
    cyc = trace_to_cycle(trace)
    v = 0.5 * (cyc.speed_m_s[1:] + cyc.speed_m_s[:-1])
    force = vm.road_load_n(v)
    power = np.maximum(force * v, 0.0)
    # crude load-blind stand-in: fuel proportional to road-load power plus the idle rate
    idle = vm.engine.idle_fuel_rate_kg_s() / vm.engine.fuel.density_kg_m3
    rate = idle + power / (0.25 * vm.engine.fuel.lhv_j_kg * vm.engine.fuel.density_kg_m3)
    blind = TraceComparison(c.vehicle, c.trace, c.time_s, c.dt_s, rate,
                            c.fuel_rate_meas_m3_s, c.driven, c.segments, [], c.window_s)
    assert blind.correlation < CORRELATION_MIN


def test_figure_is_written(comparisons, tmp_path):
    from edrive.report.plots import plot_trace_comparison

    out = tmp_path / "anl.png"
    plot_trace_comparison([comparisons["61811014"]], out)
    assert out.stat().st_size > 10_000


def test_cold_start_fuel_adds_its_volume_to_the_first_segment(comparisons):
    """The cold-start fuel goes into the first segment's first 505 s, all of it, and
    nowhere else; a negative or boolean volume is refused."""
    from edrive.errors import EdriveError

    car = load_vehicle(VEHICLE)
    trace = _trace("61811011")
    warm = replay_trace(car, trace)
    cold = comparisons["61811011"]
    extra = cold.fuel_rate_sim_m3_s - warm.fuel_rate_sim_m3_s
    first = cold.segments[0][0]
    assert np.sum(extra * cold.dt_s) == pytest.approx(cold_start_fuel_l(car) * 1e-3, rel=1e-12)
    assert np.all(extra[cold.time_s - cold.time_s[first] >= 505.0] == 0.0)
    assert np.all(extra[first:first + 500] > 0)
    for bad in (-0.1, True, float("nan")):
        with pytest.raises(EdriveError, match="cold_start_fuel_l"):
            replay_trace(car, trace, cold_start_fuel_l=bad)
