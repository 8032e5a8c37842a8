"""Many hybrids over one cycle: the causal energy management run for all of them at once.

A hybrid's simulation (:func:`edrive.sim.hev.simulate_hev`) has three parts: the cycle as
driven and the table of candidate controls per interval (:meth:`edrive.hybrid.HevModel.
candidates`), the energy management that picks one candidate per interval (the compiled
causal loop of :mod:`edrive.sim.energy_management`), and the charge balance, which runs the
strategy again from other initial SOCs (secant method, :class:`edrive.sim.hev.Balance`)
before the fuel is corrected by eq. (1) of :mod:`edrive.sim.hev`.

:func:`run_hev` does the same for N hybrids: each one's drive and candidate table are built by
the functions :func:`~edrive.sim.hev.simulate_hev` uses, then every step of the charge
balance runs the strategy for all the cars still iterating in one compiled call,
:func:`edrive.sim.energy_management.causal_many`, parallel over the cars, which calls for
each car the same compiled function as the single-car run
(:func:`~edrive.sim.energy_management._causal_one`). Each run is finished (battery, fuel,
stored energy) and each result built (energy audit included) by the single-car functions,
so a batched car's summary is the one :func:`edrive.simulate` gives, by construction.

What goes the single route instead (``reason``):

* ``dynamic programming``: a car whose energy management is ``dp`` (not a causal loop);
* ``battery window``: a run in which, at some interval, no candidate fits the battery's
  window at that SOC; the single-car simulation then drives that interval again more
  slowly (:mod:`edrive.sim.hev`), which the batch does not.
"""

from __future__ import annotations

import numpy as np

from ..errors import EdriveError
from . import hev
from .energy_management import Choice, _causal, causal_inputs, causal_many, rule_excluded
from .threads import map_on_threads

ROUTE = "compiled_hev"
REASON_DP = "dynamic programming"
REASON_BLOCKED = "battery window"


def hev_reason(spec) -> str | None:
    """Why the hybrid ``spec`` cannot take the compiled route, or None where it can (a run
    may still be sent to the single route: ``battery window``)."""
    if spec.energy_management.strategy == "dp":
        return REASON_DP
    return None


class _Car:
    """One hybrid of the batch: its drive, energy management and kernel inputs."""

    def __init__(self, spec, cyc):
        self.spec = spec
        self.drive = hev._drive(spec, cyc, "allow")
        vm = self.drive.vm
        self.ems = hev._energy_management(spec, None)
        self.lhv = vm.engine.fuel.lhv_j_kg
        self.inputs = causal_inputs(vm, self.ems, self.lhv, spec.soc_target)
        iv, v_ach = self.drive.iv, self.drive.v_ach
        self.wheel_w = np.asarray(iv.wheel_n * iv.speed_m_s, dtype=float)
        self.speed = np.asarray(iv.speed_m_s, dtype=float)
        self.may_shed = (v_ach[:-1] == 0) & (v_ach[1:] == 0)
        self.ok = self.drive.cand.ok & ~rule_excluded(vm, self.ems, self.drive.cand, self.speed)
        self.balance: hev.Balance | None = None


def _build_cars(specs, cyc) -> list[_Car | None]:
    """Each spec's :class:`_Car` (None where its model refuses it), built on threads: the
    candidate tables, most of the work, are compiled code that releases the GIL."""
    def build(spec):
        try:
            return _Car(spec, cyc)
        except EdriveError:
            return None
    return map_on_threads(build, list(specs))


def _choose_many(cars: list[_Car], soc0: list[float]) -> list[Choice]:
    """The strategy's choices for each car from its initial SOC (one compiled call per
    group of cars whose open-circuit-voltage curves have the same number of points; a group
    of one car is run as :func:`edrive.sim.hev.simulate_hev` runs it, without starting the
    threads of the parallel call)."""
    out: list[Choice | None] = [None] * len(cars)
    groups: dict[int, list[int]] = {}
    for k, car in enumerate(cars):
        groups.setdefault(len(car.inputs.ocv_soc), []).append(k)
    for idx in groups.values():
        group = [cars[k] for k in idx]
        n_car, n = len(group), len(group[0].wheel_w)
        m = max(c.drive.cand.ok.shape[1] for c in group)
        ok = np.zeros((n_car, n, m), dtype=bool)  # padding: never admissible
        fuel = np.zeros((n_car, n, m))
        batt = np.zeros((n_car, n, m))
        on = np.zeros((n_car, n, m), dtype=bool)
        for j, c in enumerate(group):
            cand = c.drive.cand
            w = cand.ok.shape[1]
            ok[j, :, :w] = c.ok
            fuel[j, :, :w] = cand.fuel_kg_s
            batt[j, :, :w] = cand.battery_w
            on[j, :, :w] = cand.engine_on
        dt = np.asarray(group[0].drive.iv.dt, dtype=float)
        if n_car == 1:  # no threads to start for one car: its kernel directly
            c = group[0]
            out[idx[0]] = _causal(c.drive.vm, c.drive.cand, dt, c.wheel_w, c.speed, soc0[idx[0]],
                                  c.ems, c.lhv, c.spec.soc_target, None, c.may_shed, False)
            continue
        res = causal_many(
            ok, fuel, batt, on, np.stack([c.wheel_w for c in group]),
            np.stack([c.speed for c in group]), dt,
            np.array([soc0[k] for k in idx], dtype=float),
            np.stack([c.inputs.ocv_soc for c in group]),
            np.stack([c.inputs.ocv_v for c in group]),
            np.stack([c.inputs.scalars for c in group]),
            np.stack([c.inputs.rules for c in group]),
            np.stack([c.may_shed for c in group]), False, np.ones(n_car, dtype=bool))
        choice_idx, socs, soc_end, shed, blocked, state, extra_fuel, extra_batt = res
        for j, k in enumerate(idx):
            out[k] = Choice(choice_idx[j], socs[j], float(soc_end[j]), shed[j],
                            int(blocked[j]), state[j], extra_fuel[j], extra_batt[j])
    return out


def run_hev(specs, cyc, soc_initial: float | None = None) -> list[dict | str]:
    """Per hybrid of ``specs`` (each one that :func:`hev_reason` passes) over ``cyc``, as
    ``edrive.simulate(spec, cyc, soc_initial=soc_initial)`` runs it (without ``soc_initial``:
    charge-balanced from its ``soc_target``; with it: from that SOC, not balanced): its
    summary, equal to that call's, or the reason (a string) why it goes the single route
    (``soc_initial`` where it lies outside the battery's window: the single route refuses
    it)."""
    out: list[dict | str] = [REASON_BLOCKED] * len(specs)
    balance = soc_initial is None
    cars: dict[int, _Car] = {}
    built = _build_cars(specs, cyc)
    for k, car in enumerate(built):
        if car is None:
            out[k] = "model"  # the single route gives the message
            continue
        cars[k] = car
        b = car.drive.vm.battery
        if not balance and not b.soc_min <= soc_initial <= b.soc_max:
            out[k] = "soc_initial"
            cars.pop(k)
    soc0 = {k: float(car.spec.soc_target if balance else soc_initial)
            for k, car in cars.items()}
    while soc0:
        keys = list(soc0)
        choices = _choose_many([cars[k] for k in keys], [soc0[k] for k in keys])
        for k, choice in zip(keys, choices, strict=True):
            car = cars[k]
            if choice.blocked >= 0:
                cars.pop(k)
                continue
            run = hev._finish(car.drive, choice, soc0[k], car.ems.strategy, False)
            if car.balance is None:
                b = car.drive.vm.battery
                car.balance = hev.Balance(b, soc0[k], run, car.lhv, balance)
            else:
                car.balance.add(run)
        soc0 = {}
        for k, car in cars.items():
            x = car.balance.next_soc()
            if x is not None:
                soc0[k] = x
    for k, car in cars.items():
        run, fuel_corr = car.balance.result(balance)
        out[k] = hev._result(car.spec, cyc, run, fuel_corr).summary
    for car in built:
        if car is not None:
            car.drive.vm.forget_candidates()
    return out
