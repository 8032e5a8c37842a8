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
from .energy_management import Choice, _causal, causal_inputs, causal_many
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
        self.ok = self.drive.usable(self.ems)
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


class _Group:
    """Cars whose open-circuit-voltage curves have the same number of points: the inputs of
    :func:`edrive.sim.energy_management.causal_many`, stacked once for every run of the
    charge balance (the candidate tables padded with inadmissible columns to a common
    width)."""

    def __init__(self, keys: list[int], cars: list[_Car]):
        self.keys, self.cars = keys, cars
        n_car, n = len(cars), len(cars[0].wheel_w)
        self.dt = np.asarray(cars[0].drive.iv.dt, dtype=float)
        if n_car == 1:
            return
        m = max(c.drive.cand.ok.shape[1] for c in cars)
        self.ok = np.zeros((n_car, n, m), dtype=bool)  # padding: never admissible
        self.fuel = np.zeros((n_car, n, m))
        self.batt = np.zeros((n_car, n, m))
        self.on = np.zeros((n_car, n, m), dtype=bool)
        for j, c in enumerate(cars):
            cand = c.drive.cand
            w = cand.ok.shape[1]
            self.ok[j, :, :w] = c.ok
            self.fuel[j, :, :w] = cand.fuel_kg_s
            self.batt[j, :, :w] = cand.battery_w
            self.on[j, :, :w] = cand.engine_on
        stack = lambda f: np.stack([f(c) for c in cars])
        self.wheel_w, self.speed = stack(lambda c: c.wheel_w), stack(lambda c: c.speed)
        self.ocv_soc = stack(lambda c: c.inputs.ocv_soc)
        self.ocv_v = stack(lambda c: c.inputs.ocv_v)
        self.scalars, self.rules = stack(lambda c: c.inputs.scalars), stack(lambda c: c.inputs.rules)
        self.may_shed = stack(lambda c: c.may_shed)

    def choose(self, soc0: dict[int, float]) -> dict[int, Choice]:
        """The strategy's choices for the cars of ``soc0`` (key: the car's position in the
        chunk; value: its initial SOC); a group of one car is run as
        :func:`edrive.sim.hev.simulate_hev` runs it, without starting the threads of the
        parallel call."""
        if len(self.cars) == 1:
            k, c = self.keys[0], self.cars[0]
            if k not in soc0:
                return {}
            return {k: _causal(c.drive.vm, c.drive.cand, c.ok, self.dt, c.wheel_w, c.speed,
                               soc0[k], c.ems, c.lhv, c.spec.soc_target, None, c.may_shed,
                               False)}
        active = np.array([k in soc0 for k in self.keys])
        x0 = np.array([soc0.get(k, 0.0) for k in self.keys], dtype=float)
        res = causal_many(self.ok, self.fuel, self.batt, self.on, self.wheel_w, self.speed,
                          self.dt, x0, self.ocv_soc, self.ocv_v, self.scalars, self.rules,
                          self.may_shed, False, active)
        choice_idx, socs, soc_end, shed, blocked, state, extra_fuel, extra_batt = res
        return {k: Choice(choice_idx[j], socs[j], float(soc_end[j]), shed[j], int(blocked[j]),
                          state[j], extra_fuel[j], extra_batt[j])
                for j, k in enumerate(self.keys) if active[j]}


def _groups(cars: dict[int, _Car]) -> list[_Group]:
    """The cars (key: position in the chunk) in :class:`_Group` s."""
    keys: dict[int, list[int]] = {}
    for k, car in cars.items():
        keys.setdefault(len(car.inputs.ocv_soc), []).append(k)
    return [_Group(ks, [cars[k] for k in ks]) for ks in keys.values()]


def _choose_many(groups: list[_Group], soc0: dict[int, float]) -> dict[int, Choice]:
    """The strategy's choices for each car of ``soc0`` from its initial SOC (one compiled
    call per group)."""
    out: dict[int, Choice] = {}
    for g in groups:
        out |= g.choose(soc0)
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
    groups = _groups(cars)
    while soc0:
        for k, choice in _choose_many(groups, soc0).items():
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
