"""Which drive unit fits which car: every programme of a portfolio with every candidate drive
unit and battery option, simulated, checked against its requirements, and its battery
priced.

For programme p, variant v and battery option b the car is the programme's base car with its
pack replaced by option b's (:func:`car_with_pack`) and every drive unit replaced by variant
v (:func:`edrive.sim.edu_compare.with_edu`; an all-wheel-drive car takes two). Then

* **consumption**: one WLTC class 3b (:func:`edrive.simulate`): the battery's terminal
  energy per metre ``consumption_j_per_m``, the energy from the wall per metre
  ``wall_consumption_j_per_m`` (charging losses included), and the cells' chemical energy
  per metre e (terminal energy plus the battery's internal loss);
* **range**, a first-order WLTP range: the usable energy E_u over e,

      R = E_u / e                                                                       (1)

  one WLTC's consumption held over the whole discharge; within 0.6 % of the consecutive-
  cycle procedure of :func:`edrive.wltp_range` for the bundled cars, at a hundredth of its
  cost;
* **full throttle** (:func:`edrive.performance` with gradeability at standstill only, on a
  speed grid of ``SPEED_STEP_M_S`` = 0.1 m/s, within a few parts in 10^6 of its default
  grid's times at a fraction of the cost): 0-100 km/h time (infinite where the car cannot reach
  100 km/h), top speed, and the largest grade held from standstill ``max_grade``
  (rise/run);
* **continuous power**: the units per car times the unit's continuous power
  (:meth:`edrive.edu.Edu.continuous_power_w`, the peak of its thermal envelope);
* **requirements**: ``checks[name][p, v, b]`` for each of :data:`CHECKS`, whether the car
  follows the whole WLTC (``"wltc"``: no trace miss, battery not empty) and meets each
  requirement of the programme (true where it asks none), compared within a relative
  ``REQUIREMENT_TOLERANCE`` (the rounding of unit conversions); ``meets[p, v, b]`` when it
  passes them all; ``failing`` names the first that fails (``"wltc"``, a requirement, or
  ``"error"`` where the car could not be built or simulated, the message in ``errors``);
* **battery cost**: :func:`edrive.alliance.battery_cost.pack_cost_eur` of the pack's energy,
  chemistry and discharge power, at the portfolio's battery price year in euros of its report
  year. ``best_battery[p, v]`` is the cheapest option that meets everything (-1 where none
  does) and ``pair_battery_cost_eur`` its cost.

**Packs.** A fixed option has its ``energy_kwh``; a sized option the smallest pack that gives
the programme's range (the base car's own pack energy when it asks for none). The pack's
mass follows its energy (:func:`car_with_pack`), and the consumption the mass, so the sized
energy E solves E u = R e(E) (u the usable share): e is simulated at the base pack's energy
E_a and at E_b = R e(E_a) / u, taken as linear in E between them (the mass enters the road
load and the inertia linearly), and

    E = R (e_a - s E_a) / (u - R s),        s = (e_b - e_a) / (E_b - E_a)               (2)

The car is then simulated at E; where its range (1) still falls short (the consumption is not
quite linear in the energy), E is raised in proportion and simulated again, up to
``SIZING_STEPS`` times. Sized packs stop at ``SIZED_PACK_MAX_J`` (250 kWh).

**Speed.** Each variant's drive unit is built once (``scale_edu`` or ``load_edu``, its loss
map included) and serves every programme's car, whose other parts are built once per pack;
the variants run as tasks on local worker processes or a Dask cluster
(:func:`edrive.sweep.runner.run_tasks`). ``simulate_many`` cannot batch these cars (its
compiled pass takes lumped motors only), so each is simulated alone.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import EdriveError, format_value
from .portfolio import (
    REQUIREMENT_SI,
    REQUIREMENTS,
    BatteryOption,
    PortfolioSpec,
    Variant,
    load_portfolio,
)

REQUIREMENT_TOLERANCE = 1e-9
SPEED_STEP_M_S = 0.1  # speed grid of the acceleration runs (edrive.performance)
SIZING_STEPS = 3
SIZED_PACK_MAX_J = 250 * 3.6e6
CHECKS = ("wltc", *REQUIREMENTS)
_FIGURES = ("consumption_j_per_m", "wall_consumption_j_per_m", "range_m", "accel_0_100_s",
            "top_speed_m_s", "max_grade", "mass_kg", "battery_energy_j",
            "battery_discharge_w", "follows_wltc")


@dataclass(frozen=True)
class Fit:
    """Every programme x variant x battery option of a portfolio, simulated and checked.

    Arrays are indexed ``[programme, variant, battery]`` (``[programme, variant]`` where
    named so); SI units (J/m, m, s, m/s, W, kg, J), money in euros of the report year. NaN
    marks a figure of a car that could not be evaluated (see ``errors``).
    """

    programmes: tuple[str, ...]
    variants: tuple[str, ...]
    batteries: tuple[str, ...]
    units_per_car: np.ndarray             # (P,)
    consumption_j_per_m: np.ndarray       # battery terminal energy per metre, WLTC
    wall_consumption_j_per_m: np.ndarray  # energy from the wall per metre, WLTC
    range_m: np.ndarray                   # eq. (1)
    accel_0_100_s: np.ndarray             # inf where 100 km/h is not reached
    top_speed_m_s: np.ndarray
    max_grade: np.ndarray                 # rise/run held from standstill
    continuous_power_w: np.ndarray        # (P, V): units per car x the unit's
    mass_kg: np.ndarray                   # the car with that pack and unit
    battery_energy_j: np.ndarray          # the pack (0-100 % state of charge)
    battery_cost_eur: np.ndarray
    meets: np.ndarray                     # bool: every check passed
    checks: dict[str, np.ndarray]         # CHECKS name -> bool: that check passed
    failing: np.ndarray                   # str: first failed check ("" where none)
    errors: np.ndarray                    # str: why a car was not evaluated ("" where it was)
    best_battery: np.ndarray              # (P, V) int: cheapest option that meets all, or -1
    pair_battery_cost_eur: np.ndarray     # (P, V): its cost (NaN where none)
    variant_cost_inputs: tuple[dict, ...]  # (V,) edu_cost_inputs of each variant
    seconds: float = 0.0

    @property
    def pair_meets(self) -> np.ndarray:
        """(P, V) bool: some battery option lets the variant serve the programme."""
        return self.best_battery >= 0

    def unserved(self) -> list[str]:
        """Programmes that no variant and battery can serve."""
        return [p for p, ok in zip(self.programmes, self.pair_meets.any(axis=1), strict=True)
                if not ok]


# --- one car --------------------------------------------------------------------------------

def pack_energy_j(car) -> float:
    """Energy of a car's pack between 0 and 100 % state of charge [J]."""
    return car.model().battery.energy_total_j


def car_with_pack(car, option: BatteryOption, energy_j: float):
    """``car`` (battery-electric) with a pack of ``energy_j`` [J, 0-100 % state of charge] of
    ``option``'s chemistry.

    The same cells in series and in parallel, each cell's capacity scaled to the energy (the
    open-circuit curve of the chemistry integrated by :class:`~edrive.components.battery.
    Battery`) and its resistance in inverse proportion (the same cell design, larger); the
    power limits in proportion to the energy (the same C-rates) and the state-of-charge
    window kept. The car's mass (test mass if given, else kerb mass) changes by the packs'
    mass difference, each pack's mass its energy over its specific energy (the option's, and
    for the car's own pack :data:`~edrive.alliance.portfolio.PACK_SPECIFIC_ENERGY_WH_PER_KG`
    of its chemistry)."""
    from ..components.battery import Battery
    from ..vehicle import vehicle_from_dict
    from .portfolio import PACK_SPECIFIC_ENERGY_WH_PER_KG

    bat = car.battery
    own_j = pack_energy_j(car)
    cells = bat if bat.chemistry == option.chemistry else bat.replace(
        chemistry=option.chemistry, ocv=None)
    k = energy_j / Battery(cells).energy_total_j
    share = energy_j / own_j
    data = car.model_dump(mode="json", exclude_none=True)
    for unit, given in zip(data["drive_units"], car.drive_units, strict=True):
        if given.edu is not None and not isinstance(given.edu, str):
            unit["edu"] = given.edu  # the spec object itself: its built model is kept
    b = data["battery"]
    b["chemistry"] = option.chemistry
    if cells is not bat:
        b.pop("ocv", None)
    b["cell_capacity_as"] = bat.cell_capacity_as * k
    b["cell_resistance_ohm"] = bat.cell_resistance_ohm / k
    b["power_discharge_max_w"] = bat.power_discharge_max_w * share
    b["power_charge_max_w"] = bat.power_charge_max_w * share
    own_mass = own_j / (PACK_SPECIFIC_ENERGY_WH_PER_KG[bat.chemistry] * 3600.0)
    delta_kg = energy_j / option.pack_specific_energy_j_per_kg - own_mass
    key = "test_mass_kg" if car.mass.test_mass_kg is not None else "kerb_mass_kg"
    data["mass"][key] = data["mass"][key] + delta_kg
    where = f"{car.name} with a {energy_j / 3.6e6:.1f} kWh {option.chemistry} pack"
    data["name"] = where
    return vehicle_from_dict(data, where=where, base_dir=car._base_dir)


def _wltc(car, cycle) -> dict:
    """WLTC figures of a car: consumption at the battery, from the wall, of the cells, and
    whether it followed the whole cycle."""
    from ..sim.run import simulate

    s = simulate(car, cycle).summary
    d = s["distance_m"]
    if not (d > 0 and s["battery_chemical_energy_j"] > 0):
        raise EdriveError(f"{car.name}: does not move on the WLTC (distance {d:.0f} m)")
    return {"consumption_j_per_m": s["battery_energy_j"] / d,
            "wall_consumption_j_per_m": s["wall_energy_j"] / d,
            "chemical_j_per_m": s["battery_chemical_energy_j"] / d,
            "follows_wltc": s["trace_missed_s"] == 0 and s["battery_empty_at_s"] is None}


def _figures(car, cycle, wltc: dict | None = None) -> dict:
    """Everything the fit records of one car (see the module docstring); ``wltc``: its
    :func:`_wltc` figures where already simulated."""
    from ..powertrains.api import performance

    out = dict(wltc or _wltc(car, cycle))
    bat = car.model().battery
    out["range_m"] = bat.energy_usable_j / out.pop("chemical_j_per_m")
    perf = performance(car, grade_speeds_m_s=(0.0,), speed_step_m_s=SPEED_STEP_M_S)
    out["accel_0_100_s"] = (math.inf if perf.accel_0_100_kmh_s is None
                            else perf.accel_0_100_kmh_s)
    out["top_speed_m_s"] = perf.top_speed_m_s
    out["max_grade"] = 0.0 if perf.max_grade[0] is None else perf.max_grade[0]
    out["mass_kg"] = car.mass.mass_kg
    out["battery_energy_j"] = bat.energy_total_j
    out["battery_discharge_w"] = bat.power_discharge_max_w
    return out


def _sized(car, option: BatteryOption, range_m: float | None, cycle) -> dict:
    """The figures of ``car`` (its drive units fitted) with the pack of ``option`` sized for
    ``range_m`` (eq. 2 of the module docstring; the car's own pack energy without a
    range)."""
    e_a = pack_energy_j(car)
    car_a = car_with_pack(car, option, e_a)
    if range_m is None:
        return _figures(car_a, cycle)
    u = car_a.model().battery.energy_usable_j / e_a
    c_a = _wltc(car_a, cycle)["chemical_j_per_m"]
    e_b = min(range_m * c_a / u, SIZED_PACK_MAX_J)
    energy = e_b
    if abs(e_b - e_a) > 1e-6 * e_a:
        c_b = _wltc(car_with_pack(car, option, e_b), cycle)["chemical_j_per_m"]
        slope = (c_b - c_a) / (e_b - e_a)
        denominator = u - range_m * slope
        energy = (range_m * (c_a - slope * e_a) / denominator if denominator > 0
                  else SIZED_PACK_MAX_J)
    energy = min(max(energy, 1e-3 * e_a), SIZED_PACK_MAX_J)
    for _ in range(SIZING_STEPS + 1):
        sized = car_with_pack(car, option, energy)
        wltc = _wltc(sized, cycle)
        short = range_m * wltc["chemical_j_per_m"] / (u * energy)
        if short <= 1.0 or energy >= SIZED_PACK_MAX_J:
            break
        energy = min(energy * short * (1 + 1e-6), SIZED_PACK_MAX_J)
    return _figures(sized, cycle, wltc)


def requirement_checks(figures: dict, required: dict[str, float]) -> dict[str, np.ndarray]:
    """Whether a car (or arrays of cars) passes each check of :data:`CHECKS`: ``"wltc"``, it
    follows the whole WLTC, then each requirement of :data:`~edrive.alliance.portfolio.
    REQUIREMENTS` given in ``required`` (SI, as :meth:`Requirements.si`; true where not
    asked), within ``REQUIREMENT_TOLERANCE``. A figure that is NaN (not evaluated) fails."""
    tol = 1 + REQUIREMENT_TOLERANCE
    out = {"wltc": np.asarray(figures["follows_wltc"]) == 1}
    for name, (key, _) in REQUIREMENT_SI.items():
        value = np.asarray(figures[key], dtype=float)
        if key not in required:
            out[name] = np.ones(value.shape, dtype=bool)
        elif name == "accel_0_100_kmh_s":
            out[name] = value <= required[key] * tol
        else:
            out[name] = value * tol >= required[key]
    return out


def first_failing(checks: dict[str, np.ndarray]) -> np.ndarray:
    """The first check of :data:`CHECKS` each car fails ("" where it passes them all)."""
    shape = np.shape(checks["wltc"])
    failing = np.full(shape, "", dtype=object)
    for name in reversed(CHECKS):
        failing = np.where(np.broadcast_to(checks[name], shape), failing, name)
    return failing


def check_requirements(figures: dict, required: dict[str, float]) -> str:
    """The first check one car fails ("" where none), by :func:`requirement_checks`."""
    return str(first_failing(requirement_checks(figures, required))[()])


# --- one variant with every programme --------------------------------------------------------

@dataclass(frozen=True)
class _Job:
    """What each task needs (small and picklable: names and paths, no built models)."""

    vehicles: tuple[str, ...]
    required: tuple[dict, ...]
    units_per_car: tuple[int, ...]
    variants: tuple[Variant, ...]
    batteries: tuple[BatteryOption, ...]


def _variant_task(job: _Job, v: int) -> tuple[int, dict]:
    """Variant ``v`` with every programme and battery option: figures (P, B), its continuous
    power and cost inputs."""
    from ..cycles import load_cycle
    from ..sim.edu_compare import with_edu
    from ..vehicle import load_vehicle
    from .cost import edu_cost_inputs

    edu = job.variants[v].build()
    unit_w = edu.model().continuous_power_w()
    cycle = load_cycle("wltc")
    n_p, n_b = len(job.vehicles), len(job.batteries)
    out = {k: np.full((n_p, n_b), np.nan) for k in _FIGURES}
    errors = np.full((n_p, n_b), "", dtype=object)
    for p, ref in enumerate(job.vehicles):
        try:
            fitted = with_edu(load_vehicle(ref), edu)
        except EdriveError as exc:
            errors[p, :] = str(exc)
            continue
        for b, option in enumerate(job.batteries):
            try:
                if option.sized:
                    figures = _sized(fitted, option, job.required[p].get("range_m"), cycle)
                else:
                    figures = _figures(car_with_pack(fitted, option, option.energy_kwh * 3.6e6),
                                       cycle)
            except EdriveError as exc:
                errors[p, b] = str(exc)
                continue
            for k in _FIGURES:
                out[k][p, b] = figures[k]
    out["errors"] = errors
    out["continuous_power_w"] = unit_w * np.asarray(job.units_per_car, dtype=float)
    out["cost_inputs"] = edu_cost_inputs(edu)
    return v, out


# --- the portfolio -----------------------------------------------------------------------------

def fit_portfolio(portfolio, progress: Callable[[int, int], None] | None = None,
                  workers: int = 1, scheduler: str | None = None) -> Fit:
    """Every programme x variant x battery option of ``portfolio`` (a :class:`PortfolioSpec`,
    bundled name or path), simulated and checked (see the module docstring).

    ``progress(cars_done, cars_total)`` is called as each variant's cars are done.
    ``workers`` local processes (at most ``WORKERS_PER_CPU`` per core, as sweeps) or the Dask
    scheduler at ``scheduler`` share the variants; 1 runs here.
    """
    from ..sweep.runner import PRELOAD, check_workers, run_tasks

    spec: PortfolioSpec = load_portfolio(portfolio)
    check_workers(workers)
    if scheduler is not None and not isinstance(scheduler, str):
        raise EdriveError(f"scheduler: {format_value(scheduler)}; allowed: the address of a Dask "
                          "scheduler, e.g. 'tcp://host:8786'")
    start = time.perf_counter()
    variants = tuple(spec.variant_definitions())
    batteries = tuple(spec.battery_options())
    job = _Job(spec.vehicle_refs(), tuple(p.requirements.si() for p in spec.programmes),
               tuple(int(n) for n in spec.units_per_car()), variants, batteries)
    n_p, n_v, n_b = len(job.vehicles), len(variants), len(batteries)
    arrays = {k: np.full((n_p, n_v, n_b), np.nan) for k in _FIGURES}
    errors = np.full((n_p, n_v, n_b), "", dtype=object)
    continuous = np.full((n_p, n_v), np.nan)
    cost_inputs: list[dict | None] = [None] * n_v
    done = 0

    def store(v: int, out: dict) -> None:
        nonlocal done
        for k in _FIGURES:
            arrays[k][:, v, :] = out[k]
        errors[:, v, :] = out["errors"]
        continuous[:, v] = out["continuous_power_w"]
        cost_inputs[v] = out["cost_inputs"]
        done += n_p * n_b
        if progress is not None:
            progress(done, n_p * n_v * n_b)

    if progress is not None:
        progress(0, n_p * n_v * n_b)
    run_tasks(_variant_task, job, iter(range(n_v)), store, workers=workers,
              scheduler=scheduler, preload=[*PRELOAD, "edrive.alliance.fit"],
              died="workers: a worker process died while fitting the drive units")
    return _assemble(spec, variants, batteries, arrays, errors, continuous, cost_inputs,
                     time.perf_counter() - start)


def _assemble(spec, variants, batteries, arrays, errors, continuous, cost_inputs,
              seconds) -> Fit:
    """The checks, the battery costs and the cheapest battery of each pair."""
    from .battery_cost import pack_cost_eur
    from .cost_data import load_cost_data

    n_p, n_v, n_b = errors.shape
    checks = {name: np.zeros((n_p, n_v, n_b), dtype=bool) for name in CHECKS}
    for p, prog in enumerate(spec.programmes):
        figures = {k: arrays[k][p] for k in _FIGURES}
        figures["continuous_power_w"] = np.broadcast_to(continuous[p][:, None], (n_v, n_b))
        for name, ok in requirement_checks(figures, prog.requirements.si()).items():
            checks[name][p] = ok
    failing = np.where(errors != "", "error", first_failing(checks))
    meets = failing == ""
    data = load_cost_data(spec.cost_overrides_path())
    cost = np.full((n_p, n_v, n_b), np.nan)
    for b, option in enumerate(batteries):
        ok = ~np.isnan(arrays["battery_energy_j"][:, :, b])
        if ok.any():
            cost[:, :, b][ok] = pack_cost_eur(
                arrays["battery_energy_j"][:, :, b][ok], spec.price_year(),
                chemistry=option.chemistry, power_w=arrays["battery_discharge_w"][:, :, b][ok],
                report_year=spec.report_year, overrides=data)
    priced = np.where(meets, cost, np.inf)
    best = np.where(meets.any(axis=2), np.argmin(priced, axis=2), -1)
    pair_cost = np.where(best >= 0, np.take_along_axis(
        cost, np.maximum(best, 0)[:, :, None], axis=2)[:, :, 0], np.nan)
    return Fit(
        programmes=tuple(p.name for p in spec.programmes),
        variants=tuple(v.name for v in variants), batteries=tuple(b.name for b in batteries),
        units_per_car=spec.units_per_car(),
        consumption_j_per_m=arrays["consumption_j_per_m"],
        wall_consumption_j_per_m=arrays["wall_consumption_j_per_m"],
        range_m=arrays["range_m"], accel_0_100_s=arrays["accel_0_100_s"],
        top_speed_m_s=arrays["top_speed_m_s"], max_grade=arrays["max_grade"],
        continuous_power_w=continuous, mass_kg=arrays["mass_kg"],
        battery_energy_j=arrays["battery_energy_j"], battery_cost_eur=cost, meets=meets,
        checks=checks, failing=failing.astype(str), errors=errors.astype(str), best_battery=best,
        pair_battery_cost_eur=pair_cost, variant_cost_inputs=tuple(cost_inputs),
        seconds=seconds)


__all__ = ["CHECKS", "Fit", "car_with_pack", "check_requirements", "fit_portfolio",
           "requirement_checks"]
