"""Hybrid vehicles (``type: hev``): parallel P2, power-split and series powertrains.

Each architecture is reduced, per interval of the drive cycle, to a table of *candidate
controls*: for every candidate j at interval i, the fuel rate, the battery terminal power and
whether the components can run there. The energy management of :mod:`edrive.sim.
energy_management` (rule-based, ECMS, dynamic programming) only chooses among these
candidates, so all strategies share one, exactly balanced, powertrain model (the backward
quasi-static structure of Guzzella & Sciarretta, *Vehicle Propulsion Systems*, 3rd ed.,
Springer 2013, ch. 4 and 7).

Parallel P2 (engine, clutch K0, motor, stepped gearbox; BMW 330e, Range Rover P400e). The
motor sits on the gearbox input shaft. With the gearbox of :mod:`edrive.components.
transmission` in gear k (overall ratio G_k, mesh efficiency eta_k, drag T_d at the input),
the input torque the wheels need is

    T_in = T_wheel / (G_k eta_k) + T_d    (traction),   T_wheel eta_k / G_k + T_d    (braking)

and is shared as T_in = T_e + T_m. Candidates per gear: electric only (engine off, K0 open,
T_m = T_in, regeneration down to the motor's generating limit, the friction brakes take the
rest), and engine on at ``engine_levels`` fractions of its full-load torque or at exactly
T_in (motor idle), the motor making up the difference (boost, or load-point raising when
negative). Below ``engine_clutch_slip_speed_rad_s`` at the gearbox input, K0 slips: the engine
runs at that speed and the clutch dissipates T_e (omega_e - omega_in) (a friction clutch
passes equal torque on both sides). Where the maker publishes a system torque or output below
the sum of engine and motor, T_e + T_m and (T_e + T_m) omega_in are held to it.

Some P2 gearboxes keep their torque converter between the motor and the gearbox: Ford's
modular hybrid transmission of the Explorer, Aviator and F-150 hybrids inserts "an electric
motor and disconnect clutch between the engine and torque converter" of its ten-speed
automatic (Green Car Journal, "Ford's Modular Hybrid Transmission", 23 Dec 2019); in others
the motor takes its place and the car launches on a clutch (Hyundai's six-speed hybrid
automatic: "the torque converter has been removed completely", Hyundai, 28 Oct 2014)
(``torque_converter``, default False). With one, while the converter
is open (below the lock-up gear or speed of the gearbox's schedule, :func:`edrive.components.
transmission.lockup_schedule`), the gearbox input above is its turbine side: engine and motor
turn at the pump speed omega_p of the converter model of :mod:`edrive.components.transmission`
(Kotwicki, SAE 820393; eqs. 3-8 there) and give T_in = T_t / TR(omega_t / omega_p) + T_d(omega_p),
the converter dissipating T_p omega_p - T_t omega_t; open and coasting or braking, it passes no
torque (the friction brakes take the wheel torque, as in the conventional car) and the motor,
turning with the turbine, gives the drag T_d. Locked, the equations above hold unchanged.
Simplifications: the open converter does not creep at standstill (the gearbox is taken to
decouple, as the seven- to ten-speed automatics do); the operating rules' engine-speed floor
of charge-sustaining P2 plug-ins (:mod:`edrive.sim.energy_management`) and the full-throttle
run's rotating inertia (:mod:`edrive.sim.performance`, eq. 6) take the gearbox input speed
even while the converter slips.

Power-split (Toyota Hybrid System II, Prius). A planetary gear set with the engine on the
carrier, MG1 on the sun and the output on the ring; MG2 drives the ring through a reduction.
With k = z_ring / z_sun, the Willis equation and the torque balance of the (lossless) set
(Liu & Peng, "Modeling and control of a power-split hybrid vehicle", IEEE Trans. Control
Systems Technology 16(6), 2008) give

    omega_MG1 = (1 + k) omega_e - k omega_ring,    T_MG1 = -T_e / (1 + k),
    T_ring,engine = T_e k / (1 + k)

and MG2 supplies the rest of the ring torque. Candidates: electric only (engine at rest,
MG1 spinning unloaded), and engine on at ``engine_levels`` powers, each at the engine speed
of least fuel for that power (the optimal operating line) clipped to the speeds MG1 allows.

Series (engine-generator set, traction motor; e.g. range extenders). The engine drives the
generator (speed ratio ``generator_ratio``), the traction motor drives the wheels through a
single reduction. Candidates: electric only, and engine on at ``engine_levels`` powers on
the optimal operating line.

In every architecture the electric machines are :class:`~edrive.components.drive_unit.
MotorSpec` loss maps (generic lumped model or CSV), the battery is the Rint model of
:mod:`edrive.components.battery`, and the auxiliaries draw ``aux_power_w`` from the traction
battery. The engine is off (no fuel) when not needed; the operating rules of production
cars (minimum on and off times, electric-drive limits, start fuel and energy, idling and
warm-up after a cold start) are applied by the causal strategies of
:mod:`edrive.sim.energy_management`. P2 candidates for braking include the engine coupled in
fuel cut (its motoring torque drags), for an engine the rules hold on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from . import hybrid_table as table
from .chassis import ChargerSpec, ChassisModel, VehicleBase
from .components.battery import Battery, BatterySpec, within_power
from .components.drive_unit import MotorSpec, motor_loss_map
from .components.gear import output_torque_nm
from .errors import EdriveError
from .spec import Spec, validate
from .units import AngularSpeed, Power, Speed, Time, Torque

RPM = np.pi / 30.0
TOL = 1e-9
REGEN_SHARES = table.REGEN_SHARES
NO_PICK = np.zeros(0, dtype=np.int64)   # a table of every candidate (HevModel._candidates)
NO_PICK.flags.writeable = False
# DC/DC (boost) converter efficiency by architecture: power-split systems (Toyota's THS-II
# "variable voltage" system raises the Prius's 201.6 V battery to up to 600 V for MG1 and
# MG2; Ford's and Honda's systems do the same) pass all electric power through one, about
# 98 % efficient at the loads that matter (estimate); P2 and series systems here run their
# machines at battery voltage.
BOOST_EFFICIENCY = {"power_split": 0.98, "p2": 1.0, "series": 1.0}


class PlanetarySpec(Spec):
    """Power-split gear set: teeth of ring and sun, the ratio from ring to wheels (counter
    gear times final drive), MG2's reduction to the ring, and the mesh efficiency from ring
    to wheels."""

    ring_teeth: Annotated[int, Field(ge=20, le=200)] = 78
    sun_teeth: Annotated[int, Field(ge=10, le=100)] = 30
    ring_to_wheel_ratio: Annotated[float, Field(gt=1, le=10)]
    mg2_to_ring_ratio: Annotated[float, Field(gt=0.5, le=6)] = 1.0
    mesh_efficiency: Annotated[float, Field(gt=0.8, le=1)] = 0.97
    drag_torque_nm: Annotated[Torque, Field(ge=0, le=20)] = 0.5

    @property
    def k(self) -> float:
        return self.ring_teeth / self.sun_teeth


class EnergyManagementSpec(Spec):
    """How the engine and battery share the load (see :mod:`edrive.sim.energy_management`).

    ``strategy``: ``ecms`` (default), ``rule`` or ``dp``. ``equivalence_factor`` and
    ``soc_feedback`` are the ECMS s_0 and k_p; ``engine_on_power_w`` the wheel power above
    which the rule-based strategy starts the engine (default 25 % of the engine's rated
    power); ``charge_power_w`` its charging power per unit of SOC below target (default
    10 x the engine's rated power, i.e. 10 % of it at 1 % SOC); ``dp_soc_points`` the SOC
    grid of dynamic programming; ``start_penalty_j`` the ECMS cost of an engine start [J of
    fuel energy] that damps rapid on/off cycling (a strategy setting, not fuel burnt)."""

    strategy: Literal["ecms", "rule", "dp"] = "ecms"
    equivalence_factor: Annotated[float, Field(gt=0.5, le=10)] = 2.5
    soc_feedback: Annotated[float, Field(ge=0, le=1000)] = 30.0
    engine_on_power_w: Annotated[Power, Field(ge=0, le=1e6)] | None = None
    charge_power_w: Annotated[Power, Field(ge=0, le=1e8)] | None = None
    dp_soc_points: Annotated[int, Field(ge=21, le=2001)] = 161
    start_penalty_j: Annotated[float, Field(ge=0, le=1e7)] = 100e3
    # operating rules of production cars (edrive.sim.energy_management, "Operating rules");
    # None: the generic value of the architecture (ARCHITECTURE_RULES there)
    engine_on_time_min_s: Annotated[Time, Field(ge=0, le=600)] | None = None
    engine_off_time_min_s: Annotated[Time, Field(ge=0, le=600)] | None = None
    ev_speed_max_m_s: Annotated[Speed, Field(ge=0, le=100)] | None = None
    ev_power_max_w: Annotated[Power, Field(ge=0, le=1e6)] | None = None
    cd_engine_power_w: Annotated[Power, Field(ge=0, le=1e6)] | None = None
    cd_speed_max_m_s: Annotated[Speed, Field(ge=0, le=100)] | None = None
    soc_reserve: Annotated[float, Field(ge=0, le=0.5)] | None = None
    start_fuel_idle_s: Annotated[Time, Field(ge=0, le=30)] | None = None
    start_energy_j_per_m3: Annotated[float, Field(ge=0, le=1e8)] | None = None
    catalyst_heating_s: Annotated[Time, Field(ge=0, le=600)] | None = None
    warmup_fuel_j_per_m3: Annotated[float, Field(ge=0, le=1e11)] | None = None


class HevSpec(VehicleBase):
    """A hybrid vehicle (``type: hev``); with ``plug_in: true`` a plug-in hybrid."""

    type: Literal["hev"] = "hev"
    architecture: Literal["p2", "power_split", "series"]
    driven_axle: Literal["front", "rear", "all"] = "front"
    engine: str | dict
    transmission: str | dict | None = None          # p2
    planetary: PlanetarySpec | None = None           # power_split
    motor: MotorSpec                                 # P2 motor, MG2, or traction motor
    motor_ratio: Annotated[float, Field(gt=0.1, le=20)] = 1.0   # series: motor / wheel speed
    motor_reduction_efficiency: Annotated[float, Field(gt=0.8, le=1)] = 0.97  # series
    generator: MotorSpec | None = None               # MG1 or series generator
    generator_ratio: Annotated[float, Field(gt=0.1, le=10)] = 1.0  # series: gen / engine
    battery: BatterySpec
    soc_target: Annotated[float, Field(gt=0, lt=1)] = 0.6
    plug_in: bool = False
    charger: ChargerSpec = ChargerSpec()
    energy_management: EnergyManagementSpec = EnergyManagementSpec()
    aux_power_w: Annotated[Power, Field(ge=0, le=20e3)] = 300.0
    engine_clutch_slip_speed_rad_s: Annotated[AngularSpeed, Field(gt=20, le=300)] = 1000 * RPM
    engine_levels: Annotated[int, Field(ge=3, le=60)] = 16
    # DC/DC converter between battery and machines' DC bus (Toyota, Ford and Honda hybrids
    # boost the battery voltage for their machines); None: BOOST_EFFICIENCY of the
    # architecture
    dc_dc_efficiency: Annotated[float, Field(gt=0.8, le=1)] | None = None
    # P2 system limits at the gearbox input, as makers publish them ("system torque", "system
    # output"): the engine and motor together deliver at most these at full throttle (the
    # gearbox's input rating and the controller's torque coordination); None: the sum of
    # engine and motor
    system_torque_max_nm: Annotated[Torque, Field(gt=0, le=5000)] | None = None
    system_power_max_w: Annotated[Power, Field(gt=0, le=2e6)] | None = None
    # P2: a torque converter between the motor and the gearbox (Ford's modular hybrid
    # transmission keeps it; hybrid modules that take its place launch on a clutch), with
    # the converter fields and lock-up schedule of the (automatic) ``transmission``
    torque_converter: bool = False

    @model_validator(mode="after")
    def _parts(self):
        need = {"p2": ("transmission",), "power_split": ("planetary", "generator"),
                "series": ("generator",)}[self.architecture]
        for f in need:
            if getattr(self, f) is None:
                raise ValueError(f"a {self.architecture} hybrid needs '{f}'")
        if not self.battery.soc_min < self.soc_target < self.battery.soc_max:
            raise ValueError(f"soc_target {self.soc_target} must lie inside the battery window "
                             f"{self.battery.soc_min}..{self.battery.soc_max}")
        if self.torque_converter and self.architecture != "p2":
            raise ValueError(f"torque_converter applies to a p2 hybrid, not a "
                             f"{self.architecture}")
        return self

    @property
    def drive(self) -> str:
        return {"front": "fwd", "rear": "rwd", "all": "awd"}[self.driven_axle]


@dataclass
class Candidates:
    """Per interval (rows) and candidate control (columns), all exactly balanced:

    engine_w + battery_w = wheel_w + friction_w + driveline_loss_w + machine_loss_w + aux_w

    with wheel_w the power the driveline delivers to the wheels (the interval's wheel power
    less what the friction brakes absorb, friction_w >= 0). The columns the energy
    management and the trace search use come first; the detail columns (engine operating
    point, friction brakes, losses) are None in the tables the simulation runs on, and are
    computed for the chosen candidates only (:meth:`HevModel.chosen`)."""

    ok: np.ndarray
    fuel_kg_s: np.ndarray
    battery_w: np.ndarray
    engine_on: np.ndarray
    engine_fires: np.ndarray
    gear: np.ndarray
    engine_speed_rad_s: np.ndarray | None = None
    engine_torque_nm: np.ndarray | None = None
    friction_w: np.ndarray | None = None
    driveline_loss_w: np.ndarray | None = None
    machine_loss_w: np.ndarray | None = None

    @classmethod
    def of(cls, columns: tuple, detail: bool) -> Candidates:
        """The table of the columns of :func:`edrive.hybrid_table.empty_table`."""
        return cls(*columns) if detail else cls(*columns[:6])

    def _names(self) -> list[str]:
        return [k for k in self.__dataclass_fields__ if getattr(self, k) is not None]

    def take(self, j: np.ndarray, names=None) -> dict:
        """The columns ``names`` (default: all it has) of the candidate ``j[i]`` of each
        row i."""
        n, m = self.ok.shape
        flat = np.arange(n) * m + j      # one index for every column (C-ordered tables)
        return {k: np.ravel(getattr(self, k))[flat]
                for k in (self._names() if names is None else names)}

    def with_rows(self, rows: np.ndarray, other: Candidates) -> Candidates:
        """A copy with ``rows`` replaced by the rows of ``other`` (in order)."""
        def put(a, b):
            a = a.copy()
            a[rows] = b
            return a

        return Candidates(**{k: put(getattr(self, k), getattr(other, k))
                             for k in self._names()})


class HevModel(ChassisModel):
    """Numbers derived once from a :class:`HevSpec`, and the candidate tables."""

    def __init__(self, spec: HevSpec):
        from .components.engine import EngineSpec, load_engine
        from .components.transmission import TransmissionSpec, preset

        base = spec._base_dir
        eng = spec.engine
        self.engine_spec = (load_engine(eng, base) if isinstance(eng, str)
                            else validate(EngineSpec, eng, where="engine"))
        self.engine = self.engine_spec.model()
        self.motor = motor_loss_map(spec.motor, base)
        self.generator = motor_loss_map(spec.generator, base) if spec.generator else None
        self.battery = Battery(spec.battery)
        self.arch = spec.architecture
        self.aux_power_w = spec.aux_power_w
        self.dc_dc_efficiency = (BOOST_EFFICIENCY[self.arch] if spec.dc_dc_efficiency is None
                                 else spec.dc_dc_efficiency)
        es = self.engine_spec
        rotating = spec.motor.rotor_inertia_kg_m2
        r = spec.wheels.rolling_radius_m
        if self.arch == "p2":
            tr = spec.transmission
            self.transmission = (preset(tr) if isinstance(tr, str)
                                 else validate(TransmissionSpec, tr, where="transmission"))
            if spec.torque_converter and self.transmission.kind != "automatic":
                raise EdriveError(f"torque_converter: a {self.transmission.kind} gearbox has "
                                  "none; it needs transmission kind 'automatic'")
            g_top = float(self.transmission.overall_ratios[-1])
            w_lim = min(es.speed_max_rad_s, self.motor.speed_max_rad_s)
            super().__init__(spec, spec.drive, rotating * g_top**2 / r**2)
            self._limit_speed(w_lim * r / g_top)
        elif self.arch == "power_split":
            ps = spec.planetary
            g2 = ps.ring_to_wheel_ratio * ps.mg2_to_ring_ratio
            super().__init__(spec, spec.drive, rotating * g2**2 / r**2)
            self._limit_speed(self.motor.speed_max_rad_s * r / g2)
        else:
            super().__init__(spec, spec.drive, rotating * spec.motor_ratio**2 / r**2)
            self._limit_speed(self.motor.speed_max_rad_s * r / spec.motor_ratio)
        self._ool = self.engine.operating_line(spec.engine_levels)
        self._table, self._table_args = self._table_arguments()
        self._columns = table.columns(
            self.arch, len(self.transmission.overall_ratios) if self.arch == "p2" else 0,
            spec.engine_levels)

    @property
    def electric_drive_power_w(self) -> float:
        """Wheel-side power the electric drive alone can give [W]: the traction motor's peak
        power or the battery's discharge limit less the auxiliaries, whichever is less."""
        return float(min(self.spec.motor.power_peak_w,
                         self.battery.power_discharge_max_w - self.aux_power_w))

    # --- candidates -----------------------------------------------------------------------
    def candidates(self, wheel_force_n, speed_m_s, detail: bool = False) -> Candidates:
        """The candidate table for interval wheel forces [N] and mean speeds [m/s]; with
        ``detail``, its detail columns too.

        The last table without detail is kept and given again for the same forces and speeds
        (following the trace asks for the table of the whole cycle, and the run then asks for
        it once more); a caller does not modify a table it is given."""
        f = np.atleast_1d(np.asarray(wheel_force_n, dtype=float))
        v = np.atleast_1d(np.asarray(speed_m_s, dtype=float))
        f, v = np.broadcast_arrays(f, v)
        if detail:
            return self._candidates(f, v, NO_PICK, True)
        last = getattr(self, "_last_candidates", None)
        if last is not None and np.array_equal(last[0], f) and np.array_equal(last[1], v):
            return last[2]
        c = self._candidates(f, v, NO_PICK, False)
        self._last_candidates = (f.copy(), v.copy(), c)
        return c

    def chosen(self, wheel_force_n, speed_m_s, index) -> dict:
        """Every column of the candidate ``index[i]`` of each interval i (forces [N] and
        mean speeds [m/s] as for :meth:`candidates`): the same table function, run for the
        chosen candidates only."""
        f = np.asarray(wheel_force_n, dtype=float)
        v = np.asarray(speed_m_s, dtype=float)
        pick = np.ascontiguousarray(index, dtype=np.int64)
        if pick.shape != f.shape or np.any((pick < 0) | (pick >= self._columns)):
            raise ValueError("chosen: one candidate index per interval, within the table")
        c = self._candidates(f, v, pick, True)
        return {k: getattr(c, k)[:, 0] for k in c._names()}

    def forget_candidates(self) -> None:
        """Drop the kept table (a few megabytes per car: a batch of hybrids lets each one go
        when its car is done)."""
        self._last_candidates = None

    def _candidates(self, f, v, pick, detail) -> Candidates:
        """The table of :mod:`edrive.hybrid_table` for the architecture (compiled; the one
        implementation of the equations of the module docstring): every candidate, or
        (``pick`` not empty) the one ``pick[i]`` of each row."""
        tw = np.ascontiguousarray(f * self.radius_m)
        ww = np.ascontiguousarray(v / self.radius_m)
        out = table.empty_table(len(tw), self._columns if len(pick) == 0 else 1, detail)
        self._table(*out, pick, detail, tw, ww, *self._table_args)
        return Candidates.of(out, detail)

    def _table_arguments(self):
        """The compiled table function of the architecture and its arguments after the
        wheel torques and speeds."""
        eng = (table.engine_numbers(self.engine), self.engine._knot_speed,
               self.engine._knot_power, *self.engine.fuel_parameters[7:9])
        motor = (table.machine_numbers(self.spec.motor, self.motor), *self.motor.compiled[:3])
        b = self.battery
        box = np.array([self.dc_dc_efficiency, self.aux_power_w, b.power_discharge_max_w,
                        b.power_charge_max_w], dtype=float)
        electric = np.array(REGEN_SHARES, dtype=float)
        if self.arch == "p2":
            tr, es, s = self.transmission, self.engine_spec, self.spec
            t0, cv = tr.drag
            n = s.engine_levels
            return table.p2_table, (
                np.asarray(tr.overall_ratios, dtype=float),
                np.asarray(tr.efficiencies, dtype=float), float(t0), float(cv),
                float(max(s.engine_clutch_slip_speed_rad_s, es.speed_idle_rad_s)),
                np.linspace(1.0 / n, 1.0, n), electric,
                -1.0 if s.system_torque_max_nm is None else float(s.system_torque_max_nm),
                -1.0 if s.system_power_max_w is None else float(s.system_power_max_w),
                np.array([tr.lockup_gear, tr.lockup_speed_rad_s, tr.converter_k_stall,
                          tr.converter_torque_ratio_stall, tr.converter_coupling_speed_ratio,
                          es.speed_idle_rad_s], dtype=float) if s.torque_converter
                else np.empty(0), *eng, *motor, box)
        generator = (table.machine_numbers(self.spec.generator, self.generator),
                     *self.generator.compiled[:3])
        p, w_ool = self._ool
        line = np.zeros((3, len(p)))   # the operating line's points, filled by the table
        if self.arch == "power_split":
            ps = self.spec.planetary
            return table.power_split_table, (
                float(ps.k), float(ps.ring_to_wheel_ratio), float(ps.mg2_to_ring_ratio),
                float(ps.mesh_efficiency), float(ps.drag_torque_nm), p, w_ool, line, electric,
                *eng, *motor, *generator, box)
        s = self.spec
        return table.series_table, (
            float(s.motor_ratio), float(s.motor_reduction_efficiency),
            float(s.generator_ratio), p, w_ool, line, electric, *eng, *motor, *generator, box)

    # --- limits for following the trace ------------------------------------------------------
    def feasible(self, force_n, speed_m_s, grade=0.0, road_load_n=0.0, battery_window=None):
        """True where some candidate delivers the force (and grip allows it); with
        ``battery_window`` (lowest, highest terminal power [W]), some candidate whose battery
        power lies in it."""
        f = np.asarray(force_n, dtype=float)
        v = np.asarray(speed_m_s, dtype=float)
        grip = self.grip_force_n(road_load_n, grade)
        shape = np.broadcast(f, v).shape
        c = self.candidates(np.broadcast_to(f, shape).ravel(), np.broadcast_to(v, shape).ravel())
        ok = c.ok
        if battery_window is not None:
            low, high = battery_window
            ok = ok & within_power(c.battery_w, high) & within_power(-c.battery_w, -low)
        out = ok.any(axis=1).reshape(shape) & (f <= grip + 1e-6)
        return out if out.ndim else bool(out)

    def propulsion_force_max(self, speed_m_s, grade=0.0, road_load_n=0.0):
        """Largest feasible wheel force [N] at each speed: grip, or the largest force some
        candidate delivers (bisection on :meth:`feasible`, vectorised over the speeds; the
        battery at its power limits)."""
        v, grade, road = np.broadcast_arrays(np.asarray(speed_m_s, dtype=float),
                                             np.asarray(grade, dtype=float),
                                             np.asarray(road_load_n, dtype=float))
        hi = np.maximum(self.grip_force_n(road, grade), 0.0) + 0.0 * v
        if self.arch == "p2":
            out = np.minimum(hi, self._p2_force_max(v))
            return out if out.ndim else float(out)
        ok_hi = np.asarray(self.feasible(hi, v, grade, road), dtype=bool)
        lo = np.zeros_like(hi)
        hi_b = hi.copy()
        for _ in range(30):  # to 1e-9 of the grip force
            mid = 0.5 * (lo + hi_b)
            ok = np.asarray(self.feasible(mid, v, grade, road), dtype=bool)
            lo, hi_b = np.where(ok, mid, lo), np.where(ok, hi_b, mid)
        out = np.where(ok_hi, hi, lo)
        return out if out.ndim else float(out)

    def _p2_force_max(self, v):
        """Largest P2 wheel force [N] over the gears (:meth:`p2_gear_forces`)."""
        return self.p2_gear_forces(v).max(axis=0)

    def p2_gear_forces(self, v):
        """P2 wheel force [N] in each gear (rows) at speeds ``v`` [m/s]: engine at full load
        (clutch slipping below its slip speed) plus the motor at its envelope, the motor held
        to what the battery's discharge limit leaves after the auxiliaries (bisection on its
        torque); the candidates' own extremes, found directly. The gearbox input torque is
        then held to the published system limits,

            T_in = min(T_e + T_m, T_sys, P_sys / omega_in),

        ``system_torque_max_nm`` and ``system_power_max_w`` where given (a maker's "system
        torque" is below the sum of the peaks where the gearbox's input rating or the
        torque coordination caps it; e.g. BMW 330e 300 + 265 N*m, system 420 N*m). Zero where
        the motor's shaft turns faster than the motor's maximum speed; above the engine's
        maximum speed the motor alone. With a ``torque_converter``, where it is open (below
        the lock-up gear or speed) engine and motor turn at its pump speed, within the
        motor's maximum speed, and the gearbox input torque T_t is the largest whose pump
        torque T_t / TR they can give there (eqs. 3-8 of :mod:`edrive.components.
        transmission`, bisection on T_t); the system limits then hold the pump side, which
        the converter multiplies by TR."""
        from .components.transmission import converter_pump_point, driveline_slipping

        v = np.asarray(v, dtype=float)
        tr = self.transmission
        t0, cv = tr.drag
        ww = v / self.radius_m
        forces = []
        for k, (g, eta) in enumerate(zip(tr.overall_ratios, tr.efficiencies, strict=True)):
            w_t = ww * g
            t_t = self._p2_input_torque_max(w_t) - (t0 + cv * w_t)
            open_ = (driveline_slipping(True, k, w_t, tr.lockup_gear, tr.lockup_speed_rad_s,
                                        self.engine_spec.speed_idle_rad_s, 0.0)
                     & self.spec.torque_converter)
            if np.any(open_):   # bisection on T_t where the converter is open
                w_o = w_t[open_]
                conv = (tr.converter_k_stall, tr.converter_torque_ratio_stall,
                        tr.converter_coupling_speed_ratio)
                lo = np.zeros_like(w_o)   # bound: TR_0 times engine and motor at their peaks
                hi = np.full_like(w_o, conv[1] * (self.engine_spec.torque_max_nm
                                                  + self.spec.motor.torque_peak_nm))
                for _ in range(50):  # to 1e-15 of the bound
                    mid = 0.5 * (lo + hi)
                    w_p, ratio = converter_pump_point(w_o, mid, 0.0, *conv)
                    ok = ((mid / ratio <= self._p2_input_torque_max(w_p) - (t0 + cv * w_p))
                          & (w_p <= self.motor.speed_max_rad_s * (1 + 1e-9)))
                    lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
                t_t[open_] = lo
            f = np.maximum(output_torque_nm(t_t, g, eta, 0.0), 0.0) / self.radius_m
            forces.append(np.where(w_t <= self.motor.speed_max_rad_s, f, 0.0))
        return np.array(forces)

    def _p2_input_torque_max(self, w_in):
        """The largest torque engine and motor give together at the speed ``w_in`` of the
        motor's shaft [N*m] (:meth:`p2_gear_forces`): T_in = min(T_e + T_m, T_sys,
        P_sys / omega_in), zero above the engine's maximum speed for the engine's share."""
        es = self.engine_spec
        slip_w = max(self.spec.engine_clutch_slip_speed_rad_s, es.speed_idle_rad_s)
        p_avail = (self.battery.power_discharge_max_w - self.aux_power_w) * self.dc_dc_efficiency
        t_m = self.motor.torque_max_nm(w_in)
        over = self.motor.dc_power(t_m, w_in) > p_avail
        if np.any(over):
            lo, hi = np.zeros_like(t_m), t_m.copy()
            for _ in range(30):
                mid = 0.5 * (lo + hi)
                ok = self.motor.dc_power(mid, w_in) <= p_avail
                lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
            t_m = np.where(over, lo, t_m)
        t_e = np.where(w_in <= es.speed_max_rad_s,
                       self.engine.torque_max_nm(np.maximum(w_in, slip_w)), 0.0)
        t_sys = self.spec.system_torque_max_nm
        t_in = np.minimum(t_e + t_m, np.inf if t_sys is None else t_sys)
        if self.spec.system_power_max_w is not None:
            t_in = np.minimum(t_in, self.spec.system_power_max_w / np.maximum(w_in, 1e-9))
        return t_in


HevSpec.model_class = HevModel
