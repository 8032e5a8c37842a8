"""Charge balance of a car with a battery that the engine keeps charged (hybrids,
:mod:`edrive.sim.hev`; mild hybrids, :mod:`edrive.sim.starter_generator`): the initial state of
charge at which a run ends where it began, found one run at a time, and the fuel of a run
with the change of stored energy Delta E_batt left corrected by the slope of fuel over stored
energy between the two runs nearest balance,

    m_fuel,0 = m_fuel - (dm_fuel / dE_batt) Delta E_batt                               (1)

(SAE J1711's linear correction, the slope measured instead of assumed).
"""

from __future__ import annotations

import numpy as np

BALANCE_TOLERANCE = 0.005  # |Delta E_batt| / fuel energy within which no iteration is needed
STOP_TOLERANCE = 0.2 * BALANCE_TOLERANCE  # ... within which the secant search stops
BALANCE_RUNS = 6  # the most runs after the first


class Balance:
    """The charge balance of the module docstring, one run at a time: the secant method on
    f(soc0) = soc_end - soc0 from the first run (at most ``BALANCE_RUNS`` more runs, stopping
    where the change of stored energy is within :data:`STOP_TOLERANCE` of the fuel energy),
    then, with ``balance``, eq. (1) from the two runs nearest balance. A run is a mapping
    with at least ``soc_end``, ``d_e`` (the change of stored energy [J]) and ``fuel_kg``. :meth:`next_soc` gives the
    initial SOC of the next run (None: done), :meth:`add` takes that run, :meth:`result`
    gives the run kept and its balanced fuel [kg]."""

    def __init__(self, battery, soc0: float, run: dict, lhv_j_kg: float, iterate: bool):
        self.soc_min, self.soc_max, self.lhv = battery.soc_min, battery.soc_max, lhv_j_kg
        self.runs = [run]
        self.x0, self.f0 = soc0, run["soc_end"] - soc0
        self.x1 = float(np.clip(soc0 + self.f0, self.soc_min, self.soc_max))
        self.steps = 0
        self.done = not iterate

    def rel(self, r) -> float:
        return abs(r["d_e"]) / max(r["fuel_kg"] * self.lhv, 1.0)

    def next_soc(self) -> float | None:
        if (self.done or self.steps >= BALANCE_RUNS
                or self.rel(self.runs[-1]) < STOP_TOLERANCE or self.x1 == self.x0):
            self.done = True
            return None
        return self.x1

    def add(self, r1: dict) -> None:
        self.steps += 1
        self.runs.append(r1)
        f1 = r1["soc_end"] - self.x1
        if f1 == self.f0:
            self.done = True
            return
        x0, x1, f0 = self.x0, self.x1, self.f0
        self.x0, self.f0 = x1, f1
        self.x1 = float(np.clip(x1 - f1 * (x1 - x0) / (f1 - f0), self.soc_min, self.soc_max))

    def result(self, balance: bool) -> tuple[dict, float]:
        runs = self.runs
        run = min(runs, key=self.rel)
        fuel_corr = run["fuel_kg"]
        if balance and len(runs) >= 2:
            pts = sorted(runs, key=self.rel)[:2]
            de = pts[0]["d_e"] - pts[1]["d_e"]
            if abs(de) > 1e-9:
                slope = (pts[0]["fuel_kg"] - pts[1]["fuel_kg"]) / de
                fuel_corr = run["fuel_kg"] - slope * run["d_e"]
        return run, fuel_corr
