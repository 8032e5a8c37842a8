"""Battery pack: cells in series and parallel, an open-circuit voltage curve and a resistance.

Zeroth-order equivalent circuit (Rint model; Plett, *Battery Management Systems* Vol. 1,
Artech House 2015, ch. 2):

    V_t = V_oc(SOC) - R I,        P = V_t I = V_oc I - R I^2                       (1)

so the current for a terminal power P (positive = discharge) is

    I = (V_oc - sqrt(V_oc^2 - 4 R P)) / (2 R)                                     (2)

which exists for P <= V_oc^2 / (4 R), the matched-load maximum. State of charge falls with
the charge drawn, dSOC/dt = -I / Q. The pack is n_s cells in series and n_p in parallel:
V_oc,pack = n_s V_oc,cell, R_pack = (n_s / n_p) R_cell, Q_pack = n_p Q_cell.

Usable window. The pack gives and takes energy only inside [soc_min, soc_max]. Over an
interval dt from a state of charge SOC, with the current held (as every simulation steps it,
SOC_next = SOC - I dt / Q), the terminal power must lie in

    P_low = max(-P_charge,max, V_oc I_full - R I_full^2),   I_full = (SOC - soc_max) Q / dt
    P_high = min(P_discharge, V_oc I_empty - R I_empty^2),
             I_empty = (SOC - soc_min) Q / dt  (at most V_oc / (2 R))                      (3)

eq. (1) at the current that ends the interval exactly at the window's edge: no discharge at
all once the usable energy is spent (regeneration still charges) and no charging at the top.
P_discharge is the discharge limit the simulation works with, held to
:func:`discharge_limit_w` at this SOC (the pack's limit, or just under the matched-load
maximum V_oc^2 / (4 R); zero at soc_min). :func:`interval_power_window_w` is eq. (3), one
implementation for every simulation path: plain numpy from Python, compiled into the
compiled loops that call it.

Chemistry presets give a cell open-circuit voltage curve; the defaults are typical of
published curves for NMC/graphite (e.g. Samsung SDI 94 Ah prismatic, as in the BMW i3) and
LFP/graphite cells, rounded to 0.01 V.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from ..errors import EdriveError
from ..maps import interp_at
from ..sim.jit import jitable, njit
from ..spec import Spec
from ..units import Charge, Power, Resistance

OCV_PRESETS: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    # SOC points and cell open-circuit voltage [V]
    "nmc": ((0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
            (3.00, 3.35, 3.46, 3.57, 3.63, 3.68, 3.74, 3.82, 3.91, 4.00, 4.08, 4.18)),
    "lfp": ((0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
            (2.80, 3.10, 3.20, 3.24, 3.26, 3.28, 3.29, 3.30, 3.31, 3.33, 3.35, 3.45)),
}


SOC_TOLERANCE = 1e-9
"""How far a state of charge may stray outside the usable window by rounding [-]."""


@jitable
def discharge_limit_w(soc, soc_min, ocv_v, resistance_ohm, power_max_w):
    """Largest terminal power [W]: the pack's limit or just under the matched-load maximum
    of eq. (2), V_oc^2 / (4 R); zero at and below ``soc_min``, where the usable energy is
    spent (scalars or arrays; ``ocv_v`` at ``soc``)."""
    return (np.minimum(power_max_w, 0.999 * ocv_v * ocv_v / (4 * resistance_ohm))
            * (soc > soc_min))


@jitable
def interval_power_window_w(soc, dt_s, ocv_v, resistance_ohm, capacity_as, soc_min, soc_max,
                            discharge_max_w, charge_max_w):
    """Eq. (3): (lowest, highest) terminal power [W] over an interval of ``dt_s`` from ``soc``
    that keeps the pack inside its usable window (scalars or arrays; ``ocv_v`` at ``soc``)."""
    i_empty = np.minimum(np.maximum((soc - soc_min) * capacity_as / dt_s, 0.0),
                         ocv_v / (2 * resistance_ohm))
    i_full = np.minimum((soc - soc_max) * capacity_as / dt_s, 0.0)
    p_low = np.maximum(-charge_max_w, ocv_v * i_full - resistance_ohm * i_full * i_full)
    p_high = np.minimum(discharge_limit_w(soc, soc_min, ocv_v, resistance_ohm, discharge_max_w),
                        ocv_v * i_empty - resistance_ohm * i_empty * i_empty)
    return p_low, p_high


@jitable
def rint_current_a(power_w, ocv_v, resistance_ohm):
    """Eq. (2): current [A] for a terminal power (positive: discharge); NaN above the
    matched-load maximum V_oc^2 / (4 R), where no current gives it (scalars or arrays; the
    root is written as 2 P / (V_oc + sqrt(...)), exact also at P = 0 and R = 0)."""
    return 2 * power_w / (ocv_v + np.sqrt(ocv_v * ocv_v - 4 * resistance_ohm * power_w))


@jitable
def within_power(power_w, limit_w):
    """Whether a power stays at or below a limit, to rounding (scalars or arrays); a window
    (low, high) of eq. (3) holds P where within_power(P, high) and within_power(-P, -low)."""
    return power_w <= limit_w * (1 + 1e-9)


@jitable
def shed_auxiliaries_w(power_w, aux_w, high_w):
    """Terminal power [W] with the auxiliaries (``aux_w`` of ``power_w``) cut back as far as
    the window's ``high_w`` needs, at most to nothing: what a battery at the bottom of its
    window gives them when nothing else can (scalars or arrays)."""
    return np.minimum(power_w, np.maximum(high_w, power_w - aux_w))


def check_soc_window(soc_low: float, soc_high: float, soc_min: float, soc_max: float,
                     what: str) -> None:
    """Part of every simulation's audit: the state of charge stayed in the usable window."""
    if soc_low < soc_min - SOC_TOLERANCE or soc_high > soc_max + SOC_TOLERANCE:
        raise RuntimeError(f"{what}: state of charge {soc_low:.9f}..{soc_high:.9f} leaves the "
                           f"usable window {soc_min}..{soc_max}")


class OcvCurve(Spec):
    soc: list[Annotated[float, Field(ge=0, le=1)]]
    voltage_v: list[Annotated[float, Field(gt=0, le=10)]]

    @model_validator(mode="after")
    def _check(self):
        if len(self.soc) != len(self.voltage_v) or len(self.soc) < 2:
            raise ValueError("soc and voltage_v need the same length, at least 2 points")
        if np.any(np.diff(self.soc) <= 0):
            raise ValueError("soc points must increase")
        if np.any(np.diff(self.voltage_v) < 0):
            raise ValueError("open-circuit voltage must not fall as SOC rises")
        return self


class BatterySpec(Spec):
    """Battery pack built from cells (see module docstring)."""

    cells_series: Annotated[int, Field(ge=1, le=1000)]
    cells_parallel: Annotated[int, Field(ge=1, le=10000)] = 1
    cell_capacity_as: Annotated[Charge, Field(gt=0, le=3.6e6)]
    cell_resistance_ohm: Annotated[Resistance, Field(gt=0, le=1)]
    chemistry: Literal["nmc", "lfp"] = "nmc"
    ocv: OcvCurve | None = None
    soc_min: Annotated[float, Field(ge=0, lt=1)] = 0.03
    soc_max: Annotated[float, Field(gt=0, le=1)] = 0.97
    soc_initial: Annotated[float, Field(ge=0, le=1)] | None = None
    power_discharge_max_w: Annotated[Power, Field(gt=0, le=5e6)]
    power_charge_max_w: Annotated[Power, Field(gt=0, le=5e6)]

    @model_validator(mode="after")
    def _window(self):
        if self.soc_min >= self.soc_max:
            raise ValueError(f"soc_min {self.soc_min} must be below soc_max {self.soc_max}")
        if self.soc_initial is not None and not (self.soc_min <= self.soc_initial <= self.soc_max):
            raise ValueError(f"soc_initial {self.soc_initial} must lie in the usable window "
                             f"{self.soc_min}..{self.soc_max}")
        return self


class Battery:
    """Numeric form of a :class:`BatterySpec` (pack level)."""

    def __init__(self, spec: BatterySpec):
        self.spec = spec
        soc, v = (spec.ocv.soc, spec.ocv.voltage_v) if spec.ocv else OCV_PRESETS[spec.chemistry]
        self.ocv_soc = np.asarray(soc, dtype=float)
        self.ocv_v = np.asarray(v, dtype=float) * spec.cells_series
        self.resistance_ohm = spec.cell_resistance_ohm * spec.cells_series / spec.cells_parallel
        self.capacity_as = spec.cell_capacity_as * spec.cells_parallel
        self.soc_min, self.soc_max = spec.soc_min, spec.soc_max
        self.soc_initial = spec.soc_initial if spec.soc_initial is not None else spec.soc_max
        self.power_discharge_max_w = spec.power_discharge_max_w
        self.power_charge_max_w = spec.power_charge_max_w

    def ocv(self, soc):
        """Pack open-circuit voltage [V]."""
        return np.interp(soc, self.ocv_soc, self.ocv_v)

    @property
    def voltage_nominal_v(self) -> float:
        return float(self.ocv(0.5))

    def energy_between_j(self, soc_low: float, soc_high: float) -> float:
        """Open-circuit energy stored between two SOCs: Q * integral V_oc dSOC from
        ``soc_low`` to ``soc_high`` [J], negative where ``soc_low`` lies above ``soc_high``
        (the energy given up going from the first to the second)."""
        s = np.linspace(soc_low, soc_high, 201)
        v = self.ocv(s)
        return float(self.capacity_as * np.sum(0.5 * (v[1:] + v[:-1]) * np.diff(s)))

    @property
    def energy_usable_j(self) -> float:
        return self.energy_between_j(self.soc_min, self.soc_max)

    @property
    def energy_total_j(self) -> float:
        return self.energy_between_j(0.0, 1.0)

    def power_discharge_limit_w(self, soc):
        """Largest terminal power: the spec limit or the matched-load limit of eq. (2); zero
        at and below ``soc_min``, where the usable energy is spent."""
        return discharge_limit_w(np.asarray(soc), self.soc_min, self.ocv(soc),
                                 self.resistance_ohm, self.power_discharge_max_w)

    def power_window_w(self, soc, dt_s, discharge_max_w):
        """Eq. (3): (lowest, highest) terminal power [W] over ``dt_s`` from ``soc`` inside the
        usable window, with ``discharge_max_w`` the discharge power limit in force."""
        return interval_power_window_w(soc, dt_s, self.ocv(soc), self.resistance_ohm,
                                       self.capacity_as, self.soc_min, self.soc_max,
                                       discharge_max_w, self.power_charge_max_w)

    def check_window(self, soc, what: str) -> None:
        """Raise (an internal error) if a state-of-charge trace left the usable window."""
        check_soc_window(float(np.min(soc)), float(np.max(soc)), self.soc_min, self.soc_max,
                         what)

    def current_a(self, power_w, soc):
        """Eq. (2): current for a terminal power [A]; NaN where it cannot be delivered."""
        with np.errstate(invalid="ignore"):
            return rint_current_a(np.asarray(power_w), self.ocv(soc), self.resistance_ohm)

    def run(self, power_w: np.ndarray, dt_s: np.ndarray, soc0: float):
        """Currents and SOC over a power trace (power held over each interval).

        SOC enters only through the slowly varying open-circuit voltage, so the sequence
        ``I_k = f(P_k, SOC_k)``, ``SOC_{k+1} = SOC_k - I_k dt_k / Q`` is solved as a fixed point
        over the whole trace at once: each pass is exact for the previous pass's SOC and the
        error shrinks by about (SOC swing) x (dV_oc/dSOC) / V_oc per pass, so passes repeat
        until no SOC moves by more than 1e-13 (three or four on a regulatory cycle; the test
        suite checks the result against a step-by-step loop).

        Returns
        -------
        current_a, soc_start, ocv_v : ndarray (per interval), and the final SOC
        """
        power_w = np.ascontiguousarray(power_w, dtype=float)
        soc, k = _soc_fixed_point(power_w, np.ascontiguousarray(dt_s, dtype=float),
                                  float(soc0), self.ocv_soc, self.ocv_v, self.resistance_ohm,
                                  self.capacity_as)
        if k >= 0:
            raise EdriveError(f"battery cannot deliver {power_w[k] / 1e3:.1f} kW at SOC "
                              f"{soc[k]:.3f}")
        i = self.current_a(power_w, soc)
        soc_end = soc0 - float(np.sum(i * dt_s)) / self.capacity_as
        return i, soc, self.ocv(soc), float(soc_end)

    def charge_efficiency(self, charge_power_w: float) -> float:
        """Share of DC charging power stored, eq. (1) at mid SOC and the given power."""
        v = self.ocv(0.5)
        i = charge_power_w / v  # first-order current while charging
        return float(1.0 - i * self.resistance_ohm / v)


@njit(cache=True, error_model="numpy", nogil=True)
def _soc_fixed_point(power_w, dt_s, soc0, ocv_soc, ocv_v, resistance_ohm, capacity_as):
    """The passes of :meth:`Battery.run`, compiled: the SOC at the start of each interval
    from the currents of eq. (2) at the previous pass's SOC (the open-circuit voltage by
    :func:`edrive.maps.interp_at`), until no SOC moves by more than 1e-13 (at most 60
    passes). Returns (SOC per interval, the first interval whose power the battery cannot
    deliver, or -1)."""
    n = power_w.shape[0]
    soc = np.full(n, soc0)
    new = np.empty(n)
    for _ in range(60):
        acc = 0.0
        change = 0.0
        for k in range(n):
            i = rint_current_a(power_w[k], interp_at(soc[k], ocv_soc, ocv_v), resistance_ohm)
            if np.isnan(i):
                return soc, k
            new[k] = soc0 - acc / capacity_as
            acc += i * dt_s[k]
            change = max(change, abs(new[k] - soc[k]))
        soc, new = new, soc
        if change < 1e-13:
            break
    return soc, -1
