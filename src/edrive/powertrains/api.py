"""The calls that take a car of any powertrain and find what differs through the registry
(:mod:`edrive.powertrains.registry`): full-throttle performance and the range procedures.
One car over a cycle is :func:`edrive.sim.run.simulate`."""

from __future__ import annotations

from ..errors import EdriveError, format_value
from ..procedures.regulatory import PROCEDURES
from ..sim.performance import (
    DEFAULT_GRADE_SPEEDS_M_S,
    SPEED_STEP_M_S,
    PerformanceResult,
    check_grid,
    full_throttle_runs,
)
from ..vehicle import load_vehicle
from .registry import POWERTRAINS, powertrain_of


def performance(vehicle, *, soc: float | None = None,
                grade_speeds_m_s=DEFAULT_GRADE_SPEEDS_M_S, shift_time_s: float | None = None,
                engine_inertia: float | None = None,
                speed_step_m_s: float = SPEED_STEP_M_S) -> PerformanceResult:
    """Acceleration times, top speed and gradeability at full throttle.

    Parameters
    ----------
    vehicle : VehicleSpec or IcevSpec or str or Path
        A spec, a bundled vehicle name or a YAML path (anything
        :func:`edrive.vehicle.load_vehicle` accepts).
    soc : float, optional
        Battery state of charge [-], which sets the discharge power limit; defaults to the
        spec's ``soc_initial``, else its ``soc_max``. Held constant through each run; a run
        that would draw more charge than is left above ``soc_min`` is not reachable.
        Battery-electric cars only.
    grade_speeds_m_s : sequence of float
        Speeds at which to find the largest grade the car can hold [m/s].
    shift_time_s : float, optional
        Torque interruption per upshift [s] (combustion cars and parallel hybrids); defaults
        to ``edrive.sim.performance.SHIFT_TIME_S`` of the transmission's kind.
    engine_inertia : float, optional
        Engine-side rotating inertia J_e [kg m^2] (combustion cars and P2 hybrids); defaults to
        :func:`edrive.sim.performance.engine_inertia_kg_m2` of the displacement.
    speed_step_m_s : float
        Largest spacing of the speed grid of eq. (2) of :mod:`edrive.sim.performance` [m/s], from ``SPEED_STEP_MIN_M_S`` to
        ``SPEED_STEP_MAX_M_S``. A coarser grid is faster (the cost of a run grows with its
        points, most for two drive units or a battery that limits the force); the error of
        eq. (2) grows as the square of the step, a few parts in 10^6 of a 0-100 km/h time at
        0.1 m/s for the bundled cars. The scan for the top speed takes this spacing too
        where it is coarser than ``TOP_SPEED_SCAN_M_S``.

    Returns
    -------
    PerformanceResult
        SI figures; ``.report()`` gives them in s, km/h and %.

    Notes
    -----
    Eq. (1)-(4) of :mod:`edrive.sim.performance`: m_eff dv/dt = F_max(v) - R(v) integrated as
    t = integral m_eff dv / (F_max - R) over a fine speed grid; top speed where
    F_max = R; gradeability from F_max(v, theta) = R(v, theta) + m g sin(theta) with load
    transfer on the grade. Combustion cars: eq. (5)-(7), the best gear's force and the
    engine's inertia, converter or clutch launch, and a torque interruption per upshift. References:
    Gillespie, *Fundamentals of Vehicle Dynamics*, SAE 1992, ch. 2; Ehsani et al., *Modern
    Electric, Hybrid Electric and Fuel Cell Vehicles*, ch. 2; Kotwicki, SAE 820393 (1982).
    """
    spec = load_vehicle(vehicle)
    speeds, step = check_grid(grade_speeds_m_s, speed_step_m_s)
    pwt, soc = powertrain_of(spec).full_throttle(spec, soc, shift_time_s, engine_inertia)
    return full_throttle_runs(spec, pwt, soc, speeds, step)


def test_procedure(vehicle, procedure: str, progress=None) -> dict:
    """Run ``procedure`` ('wltp' or 'epa', in any case) on a car whose powertrain offers it:
    a battery-electric car (:func:`edrive.procedures.regulatory.wltp_range`,
    :func:`~edrive.procedures.regulatory.epa_label`) or a plug-in hybrid
    (:func:`edrive.sim.phev.phev_test`). ``progress``: see
    :func:`~edrive.procedures.regulatory.wltp_range`."""
    if not isinstance(procedure, str) or procedure.lower() not in PROCEDURES:
        raise EdriveError(f"procedure: {format_value(procedure)}; allowed: {', '.join(PROCEDURES)}")
    spec = load_vehicle(vehicle)
    run = powertrain_of(spec).procedures.get(procedure.lower())
    if run is None:
        offering = [p.title for p in POWERTRAINS.values() if procedure.lower() in p.procedures]
        cars = " and ".join(f"{t} cars" if i == 0 else f"{t}s" for i, t in enumerate(offering))
        raise EdriveError(f"{spec.name}: range procedures apply to {cars}, not to a "
                          f"{powertrain_of(spec).title} car (type {spec.type})")
    return run(spec, progress)


test_procedure.__test__ = False  # not a pytest test despite its name
