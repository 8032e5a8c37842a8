"""Multi-speed transmissions for combustion and hybrid cars: stepped automatic with torque
converter, dual-clutch (DCT) and manual.

Gearbox (locked converter or closed clutch). With the overall ratio G_k = i_k i_fd of gear k
(gear ratio times final drive), the input speed is omega_in = G_k omega_wheel and the
torque the engine must give is, like eq. (4) of :mod:`edrive.components.drive_unit`,

    traction:  T_in = T_wheel / (G_k eta_k) + T_d(omega_e)                              (1)
    overrun:   T_in = T_wheel eta_k / G_k   + T_d(omega_e)

with the mesh efficiency eta_k of gear k (load-dependent losses: gear meshes, bearings
under load) and the drag torque at the input

    T_d(omega_e) = T_0 + c_v omega_e                                                     (2)

(spin losses: the automatic's and the wet DCT's hydraulic pump, clutch-pack drag, oil
churning; ISO/TR 14179-1 splits gearbox losses the same way). The drag is taken at engine
speed in every state (the pumps are engine-driven; for a manual the input shaft turns with
the engine in neutral) -- a simplification for the manual with the clutch pressed.

Default efficiencies and drag by kind (``kind``; *estimates* in the range of the published
figures, not fits to one transmission): mesh efficiency per gear 0.965 for a stepped
automatic in lock-up (planetary sets, several open clutches), 0.97 for a DCT, 0.975 for a
manual (two spur/helical meshes in the indirect gears); Naunheimer, Bertsche, Ryborz &
Novak, *Automotive Transmissions*, 2nd ed., Springer 2011, ch. 7 (efficiency of gearboxes
and converters) and Kirchner, *Leistungsuebertragung in Fahrzeuggetrieben*, Springer 2007,
give full-load gear efficiencies of 0.96-0.99 for such gearboxes, and the EPA ALPHA
benchmark maps of 6- and 8-speed automatics (Moskalik et al., SAE 2015-01-0589 and later
EPA benchmarking reports) show 0.93-0.97 at mid load including spin losses. Drag T_0 =
0.72 N*m (fitted with the engine defaults to the EPA 2022 records, docs/validation.md),
c_v = 0.008 N*m*s/rad for automatics (pump), 2.0 N*m and 0.005 for a (wet) DCT, 1.0 N*m and
0.003 for a manual: about 0.5, 0.7 and 0.3 kW at 2,000 rpm (estimates but the first).

Torque converter (``kind="automatic"``). It is locked (eq. 1 applies) in gear
``lockup_gear`` and above once the turbine speed omega_t = G_k omega_wheel reaches
``lockup_speed_rad_s``; otherwise it is open and follows the quasi-static model of
Kotwicki (A. J. Kotwicki, "Dynamic models for torque converter equipped vehicles",
SAE 820393, 1982) in its simplest form: with the speed ratio SR = omega_t / omega_p,

    T_p = (omega_p / K(SR))^2,        T_t = TR(SR) T_p                                   (3)

with a capacity factor K constant (K_0, the stall value) up to the coupling point SR_c and
rising to infinity at SR = 1, and a torque ratio falling linearly from TR_0 at stall to one
at the coupling point:

    K(SR)  = K_0                                   SR <= SR_c
           = K_0 sqrt((1 - SR_c) / (1 - SR))       SR >  SR_c                            (4)
    TR(SR) = TR_0 - (TR_0 - 1) SR / SR_c           SR <= SR_c,   1 above

Given the turbine speed and torque (the gearbox input, eq. 1 without drag), eq. (3) is
solved for the pump (engine) speed in closed form: on each branch of eq. (4) it is a
quadratic in omega_p (eqs. 7-8 in :func:`converter_pump_speed_rad_s`); T_t(omega_p) rises
monotonically with omega_p, so the root is unique. If the solution lies below idle, the
engine runs at idle and the pump torque is
T_t / TR(omega_t / omega_idle) (creep surplus taken by the brakes, not modelled). Defaults
K_0 = 12 rad/s/sqrt(N*m) (stall at about 2,100 rpm with 350 N*m), TR_0 = 2.0, SR_c = 0.85,
typical of passenger-car converters (Naunheimer et al., ch. 9). The converter loss is
T_p omega_p - T_t omega_t >= 0 (TR SR <= 1 by construction for TR_0 <= 3).

Creep load at standstill in gear (automatic). With the car held by the brakes in D the
turbine is stalled (SR = 0) and the converter absorbs at the idling pump speed the stall
torque of eq. (3)-(4), dissipating it as heat:

    T_creep = (omega_idle / K_0)^2,       P_creep = T_creep omega_idle                   (9)

the capacity-factor ("K-factor") model of the hydrodynamic drive test code SAE J643 and of
Kotwicki (SAE 820393) at its stall point. It applies whenever the turbine stands still with
the converter open; when the car's standstill road load needs more (eq. 3 with the pump
above idle), that larger pump torque holds. Many gearboxes of recent design open their forward
clutch at a stop ("neutral idle" or standstill decoupling, e.g. ZF 8HP, Aisin AWF8F, GM
Hydra-Matic 9T/10L), so the engine idles unloaded; older 4-6-speed boxes stay in gear.
``neutral_idle`` chooses; left out it is True for automatics with seven or more gears and
False below (estimate by vintage: the 7- to 10-speed automatics came with standstill
decoupling, the 4-6-speed ones mostly without). :func:`converter_creep_torque_nm` is the one
implementation of eq. (9), used by :func:`engine_side` and by the compiled batch kernel.

Lock-up schedule (automatic). Left out, ``lockup_gear`` and ``lockup_speed_rad_s`` follow
the count of gears (``LOCKUP_BY_GEARS``, :func:`lockup_schedule`): eight or more speeds lock
from second gear above 1,000 rpm turbine speed (wide-ratio boxes with small steps and
lock-up from low gears, Naunheimer et al. 2011 ch. 9; ZF 8HP), a 7-speed from third above
1,100 rpm, 5- and 6-speed boxes from third above 1,200 rpm and a 4-speed from third above
1,400 rpm (estimates: the older boxes lock later and only in the higher gears, as their
converter is their launch and low-speed device; for the 5-6-speed boxes, third gear at
1,200 rpm was chosen among three plausible schedules, 2nd/1,000, 3rd/1,200 and 4th/1,300
rpm, by the FTP-75 and HWFET records of the fitting half of the EPA 2022 makes,
docs/validation.md; the EPA Test Car List marks whether a box locks at all,
``Transmission Lockup?``).

Launch clutch (``kind="dct"`` or ``"manual"``). Below ``launch_speed_rad_s`` at the gearbox
input the clutch slips: the engine is held at max(launch speed, idle), the clutch passes
the gearbox input torque unchanged (a friction clutch transmits equal torque on both sides)
and dissipates T_clutch (omega_e - omega_in).

Overrun while slipping (converter open, or clutch slipping) and zero torque at standstill:
the driveline is decoupled (clutch open, neutral-idle). The engine idles and supplies only
the drag (2); the whole wheel torque is returned as ``brake_torque_nm`` for the friction
brakes. The energy balance in every state is

    T_e omega_e = (T_wheel - T_brake) omega_wheel + P_loss                               (5)

Gear choice, economy shift (``shift_strategy: economy`` of a vehicle; the compiled loop of
:mod:`edrive.sim.batch_icev_kernel` runs it, interval by interval):

1. Gear k is *usable* in an interval when the engine speed from :func:`engine_side_at` and
   the gear's locked input speed are at most the engine's maximum speed (an open converter
   or clutch lets the engine idle, not the gearbox input), the locked input speed
   G_k omega_wheel is at least the upshift floor max(idle, 1,100 rpm) (not for first gear,
   which may slip), the higher of the two is at most the upshift ceiling (80 % of the
   maximum speed), and the engine torque is at most 0.9 T_max(omega_e); while coasting, a
   gear in which the open converter or launch clutch would decouple the engine is usable
   only when no usable gear keeps it coupled (a shift map does not shift down to coast in
   neutral). The raw choice is the usable gear of least fuel (the engine's fuel rate at its
   torque plus the auxiliaries'; among equal ones the lowest engine speed; an economy
   schedule, e.g. Newman, Kargul & Barba, SAE 2015-01-1142, EPA ALPHA shift strategy). When
   no gear is usable with the reserve, the gear with the largest torque margin
   T_max - T_e among those within the speed range is taken, and when none is within it the
   one nearest to it.
2. Hysteresis, in time order (:func:`shift_hysteresis`): (a) *dwell*: a gear is held at
   least the vehicle's ``shift_hold_s`` before an unforced shift; (b) *no reversal*: an
   unforced shift in the opposite direction to the previous shift (up-down or down-up) also
   needs the raw choice to have stayed on that side of the held gear for as long without a
   break; (c) *forced*: when the held gear becomes unusable the shift to the raw choice is
   made at once, whatever (a) and (b) say; so is an upshift while the engine or the gearbox
   input runs above the upshift ceiling, as a driver or a shift map would not hold a low
   gear to the limiter under light load.

A driver's gear choice in a manual car (:func:`driver_gear`, ``shift_strategy: driver`` of
a vehicle): shifts at fixed engine speeds, not an economy optimiser; see its docstring.

Not modelled: shift transients (torque interruption, inertia phase), converter lock-up
slip control. The UN GTR 15 Annex 2 gearshift procedure for manual cars is
:mod:`edrive.procedures.wltp_gearshift` (``shift_strategy: wltp`` of a vehicle).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Literal, NamedTuple

import numpy as np
from pydantic import Field, model_validator

from ..errors import EdriveError
from ..sim.jit import jitable, njit
from ..spec import Spec, validate
from ..units import AngularSpeed, Torque
from .engine import full_load_torque_nm
from .gear import input_torque_nm

RPM = 2 * np.pi / 60
Kind = Literal["automatic", "dct", "manual"]
Efficiency = Annotated[float, Field(gt=0.5, le=1)]

# Defaults by kind (estimates, see module docstring).
MESH_EFFICIENCY = {"automatic": 0.965, "dct": 0.97, "manual": 0.975}
DRAG_TORQUE_NM = {"automatic": 0.72, "dct": 2.0, "manual": 1.0}
VISCOUS_DRAG_NM_S = {"automatic": 0.008, "dct": 0.005, "manual": 0.003}
LAUNCH_SPEED_RAD_S = {"automatic": 0.0, "dct": 1000 * RPM, "manual": 1100 * RPM}
# economy shift, step 1 (module docstring): the engine's torque at most this share of its full
# load, the gearbox input at least the floor (or idle) above first gear and at most the
# ceiling's share of the maximum speed
ECONOMY_SHIFT_RESERVE = 0.9
ECONOMY_SHIFT_FLOOR_RAD_S = 1100 * RPM
ECONOMY_SHIFT_CEILING = 0.8
# lock-up gear (1 = first) and turbine speed [rad/s] by the count of gears (estimates, see the
# module docstring); a gear count not listed takes the nearest one below
LOCKUP_BY_GEARS = {4: (3, 1400 * RPM), 5: (3, 1200 * RPM), 6: (3, 1200 * RPM),
                   7: (3, 1100 * RPM), 8: (2, 1000 * RPM)}
NEUTRAL_IDLE_FROM_GEARS = 7  # automatics with this many gears or more decouple at a stop
# share of the input inertia J_in on the gearbox side of the converter or launch clutch
# (turbine, clutch disc, gearbox input shaft and drums): the part that keeps turning at
# G_k v / r while the converter or clutch slips (eq. 6a of input_inertia_force_n; estimates)
INPUT_INERTIA_GEARBOX_SHARE = {"automatic": 0.2, "dct": 0.1, "manual": 0.1}


def lockup_schedule(n_gears: int) -> tuple[int, float]:
    """Default (lock-up gear, lock-up turbine speed [rad/s]) of an automatic with
    ``n_gears`` gears (``LOCKUP_BY_GEARS``; more than eight gears: as eight)."""
    return LOCKUP_BY_GEARS[min(max(int(n_gears), 4), 8)]


@jitable
def driveline_slipping(automatic, gear_index, input_speed_rad_s, lockup_gear,
                       lockup_speed_rad_s, speed_idle_rad_s, launch_speed_rad_s):
    """Whether the torque converter is open (``automatic``: below ``lockup_gear``, counted
    from 1, or below the lock-up or idle speed at the gearbox input) or the launch clutch
    slips (below the launch speed), in gear ``gear_index`` (0 for first) at the locked
    gearbox input speed G_k omega_wheel [rad/s]; scalars or arrays, the one test for
    :func:`engine_side_at` and :func:`input_inertia_force_n`."""
    if automatic:
        return ((gear_index < lockup_gear - 1)
                | (input_speed_rad_s < max(lockup_speed_rad_s, speed_idle_rad_s)))
    return input_speed_rad_s < launch_speed_rad_s


@jitable
def input_inertia_force_n(inertia_kg_m2, overall_ratio, wheel_radius_m, acceleration_m_s2,
                          slipping, gearbox_share):
    """Wheel force that accelerates the parts turning at the gearbox input speed in gear k
    [N]: the input speed is G_k v / r, so their kinetic energy J_in (G_k v / r)^2 / 2 acts as
    an equivalent mass J_in (G_k / r)^2 (Gillespie, *Fundamentals of Vehicle Dynamics*, SAE
    1992, ch. 2; Guzzella & Sciarretta, *Vehicle Propulsion Systems*, 3rd ed., Springer 2013,
    sec. 2.1), large in the low gears:

        F_J = J_in (G_k / r)^2 a                                                         (6)

    While the converter is open or the launch clutch slips (:func:`driveline_slipping` at
    the gear's locked input speed), only the parts on the gearbox side of it follow G_k v / r: the
    turbine or clutch disc and the gearbox input. The engine side (crankshaft, flywheel or
    converter pump with its oil) turns at the speed the converter or the clutch sets, held
    near idle or the launch speed, not at G_k v / r, so

        F_J = s_gb J_in (G_k / r)^2 a      while slipping                               (6a)

    with the gearbox-side share s_gb (``INPUT_INERTIA_GEARBOX_SHARE``: 0.2 behind a torque
    converter, whose turbine is about a third of its inertia, and 0.1 behind a dry or wet
    launch clutch; estimates: the converter is about half of the input inertia of an
    automatic and its turbine about a third of the converter, a clutch disc and gearbox input
    shaft about a tenth of engine and flywheel). The engine side, J_e = (1 - s_gb) J_in,
    takes instead the torque of its own speed change while slipping (from idle to the
    converter's pump speed or the launch speed at a start), between intervals i - 1 and i

        T_J,e = J_e (omega_e,i - omega_e,i-1) / dt                                      (6b)

    (:func:`engine_spin_torque_nm`, counted where the driveline slips in both intervals; at
    a lock-up or a shift the speed step is released, as the locked parts' is at a gear
    change). The energy is returned when the car slows down in the same gear and state.

    Returns F_J [N] of eq. (6), or (6a) where ``slipping`` (bool), for the input inertia
    ``inertia_kg_m2`` in a gear of overall ratio ``overall_ratio`` with the gearbox-side share
    ``gearbox_share``; scalars or arrays."""
    share = 1.0 - (1.0 - gearbox_share) * (slipping * 1.0)
    return inertia_kg_m2 * (overall_ratio / wheel_radius_m) ** 2 * acceleration_m_s2 * share


@jitable
def engine_spin_torque_nm(engine_side_inertia_kg_m2, speed_rad_s, speed_before_rad_s,
                          time_step_s, slipping_both):
    """Eq. (6b): torque [N*m] the engine spends changing the speed of its own side of a
    slipping converter or launch clutch, J_e (omega_e - omega_e,before) / dt between the
    centres of two intervals, where the driveline slips in both (``slipping_both``, bool) and
    zero otherwise; scalars or arrays."""
    return (engine_side_inertia_kg_m2 * (speed_rad_s - speed_before_rad_s) / time_step_s
            * (slipping_both * 1.0))


@jitable
def converter_creep_torque_nm(pump_speed_rad_s, k_stall):
    """Pump torque of a stalled torque converter, eq. (9): (omega_p / K_0)^2 [N*m] for the
    pump speed [rad/s] and the stall capacity factor K_0 [rad/s/sqrt(N*m)] (scalars or
    arrays; numba compiles it inside the batch kernel)."""
    return (pump_speed_rad_s / k_stall) ** 2


@jitable
def full_load_input_torque_nm(torque_max_nm, speed_rad_s, aux_power_w, drag_torque_nm,
                              viscous_drag_nm_s):
    """Torque the engine at full load leaves for the gearbox [N*m]: its full-load torque less
    the auxiliaries' P_aux / omega_e and the drag of eq. (2), T_max - P_aux / omega_e - T_0 -
    c_v omega_e, at an engine speed omega_e > 0 (scalars or arrays; the largest force of a
    gear, full-throttle performance and the compiled kernel's trace check take it from
    here)."""
    w = speed_rad_s
    return torque_max_nm - aux_power_w / w - drag_torque_nm - viscous_drag_nm_s * w


@jitable
def gear_force_max_n(speed_m_s, overall_ratio, efficiency, radius_m, knot_speed, knot_power,
                     speed_idle_rad_s, speed_max_rad_s, launch_speed_rad_s, aux_power_w,
                     drag_torque_nm, viscous_drag_nm_s):
    """Largest propulsive wheel force [N] in a gear of overall ratio G_k and mesh efficiency
    eta_k at a vehicle speed v (scalars or arrays of v), as the cycle's trace test takes it:
    T_net(omega_e) G_k eta_k / r with T_net of :func:`full_load_input_torque_nm` and the
    engine's full-load torque (:func:`edrive.components.engine.full_load_torque_nm`, its power
    knots), at omega_e = max(G_k v / r, idle, launch speed) (a slipping converter or clutch
    holds the engine up at low speed), never below zero; zero where the locked input speed
    G_k v / r is above the engine's maximum. The one implementation for
    ``IcevModel.propulsion_force_max`` and the conventional loop's reach test."""
    w_lock = speed_m_s / radius_m * overall_ratio
    w_e = np.maximum(w_lock, max(speed_idle_rad_s, launch_speed_rad_s))
    t_e = full_load_input_torque_nm(
        full_load_torque_nm(w_e, knot_speed, knot_power, speed_idle_rad_s, speed_max_rad_s),
        w_e, aux_power_w, drag_torque_nm, viscous_drag_nm_s)
    return (np.maximum(t_e, 0.0) * overall_ratio * efficiency / radius_m
            * (w_lock <= speed_max_rad_s))


class TransmissionSpec(Spec):
    """A stepped transmission with final drive (see module docstring for the model).

    ``gear_ratios`` are the gearbox ratios, first gear first (strictly decreasing, 4 to 10
    gears); ``mesh_efficiency`` a float for all gears or a list with one value per gear;
    ``None`` fields take the defaults of their ``kind``. ``lockup_*``, ``neutral_idle`` and
    ``converter_*`` apply to automatics (left out, the first two follow the count of gears:
    :func:`lockup_schedule`, ``NEUTRAL_IDLE_FROM_GEARS``), ``launch_speed_rad_s`` to DCTs
    and manuals."""

    kind: Kind
    gear_ratios: Annotated[list[Annotated[float, Field(gt=0.3, le=8)]],
                           Field(min_length=4, max_length=10)]
    final_drive_ratio: Annotated[float, Field(gt=1, le=8)]
    mesh_efficiency: Efficiency | list[Efficiency] | None = None
    drag_torque_nm: Annotated[Torque, Field(ge=0, le=50)] | None = None
    viscous_drag_nm_s: Annotated[float, Field(ge=0, le=1)] | None = None
    # torque converter (automatic)
    lockup_gear: Annotated[int, Field(ge=1, le=10)] | None = None
    lockup_speed_rad_s: Annotated[AngularSpeed, Field(ge=0, le=400)] | None = None
    neutral_idle: bool | None = None
    converter_k_stall: Annotated[float, Field(gt=2, le=50)] = 12.0
    converter_torque_ratio_stall: Annotated[float, Field(ge=1, le=3)] = 2.0
    converter_coupling_speed_ratio: Annotated[float, Field(gt=0.5, lt=1)] = 0.85
    # launch clutch (DCT, manual)
    launch_speed_rad_s: Annotated[AngularSpeed, Field(gt=0, le=400)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _by_gear_count(cls, data):
        ratios = data.get("gear_ratios") if isinstance(data, dict) else None
        if not isinstance(ratios, list) or not 4 <= len(ratios) <= 10:
            return data  # the field checks report it
        data = dict(data)
        gear, speed = lockup_schedule(len(ratios))
        if data.get("lockup_gear") is None:
            data["lockup_gear"] = gear
        if data.get("lockup_speed_rad_s") is None:
            data["lockup_speed_rad_s"] = speed
        if data.get("neutral_idle") is None:
            data["neutral_idle"] = len(ratios) >= NEUTRAL_IDLE_FROM_GEARS
        return data

    @model_validator(mode="after")
    def _check(self):
        r = self.gear_ratios
        if any(b >= a for a, b in pairwise(r)):
            raise ValueError(f"gear_ratios {r} must decrease strictly (first gear first)")
        if isinstance(self.mesh_efficiency, list) and len(self.mesh_efficiency) != len(r):
            raise ValueError(f"mesh_efficiency has {len(self.mesh_efficiency)} values for "
                             f"{len(r)} gears")
        if self.lockup_gear > len(r):
            raise ValueError(f"lockup_gear {self.lockup_gear} exceeds the {len(r)} gears")
        return self

    @property
    def n_gears(self) -> int:
        return len(self.gear_ratios)

    @property
    def overall_ratios(self) -> np.ndarray:
        """G_k = i_k i_fd per gear [-]."""
        return np.asarray(self.gear_ratios) * self.final_drive_ratio

    @property
    def efficiencies(self) -> np.ndarray:
        """eta_k per gear [-] (eq. 1)."""
        e = MESH_EFFICIENCY[self.kind] if self.mesh_efficiency is None else self.mesh_efficiency
        return np.broadcast_to(np.asarray(e, dtype=float), (self.n_gears,)).copy()

    @property
    def drag(self) -> tuple[float, float]:
        """(T_0 [N*m], c_v [N*m*s/rad]) of eq. (2)."""
        t0 = DRAG_TORQUE_NM[self.kind] if self.drag_torque_nm is None else self.drag_torque_nm
        cv = (VISCOUS_DRAG_NM_S[self.kind] if self.viscous_drag_nm_s is None
              else self.viscous_drag_nm_s)
        return t0, cv

    @property
    def launch_speed(self) -> float:
        """Engine speed while the launch clutch slips [rad/s] (0 for automatics)."""
        if self.kind == "automatic":
            return 0.0
        return (LAUNCH_SPEED_RAD_S[self.kind] if self.launch_speed_rad_s is None
                else self.launch_speed_rad_s)

    @property
    def creeps(self) -> bool:
        """Whether the engine drives a stalled converter at a stop, eq. (9)."""
        return self.kind == "automatic" and not self.neutral_idle


# --- presets ---------------------------------------------------------------------------

#: ZF 8HP (8HP45/8HP70) ratios as published by ZF and widely reproduced; final drive 2.81
#: as for the BMW 330i (EPA Test Car List N/V); efficiencies and drag are the automatic
#: defaults (estimates).
ZF_8HP: dict = {"kind": "automatic",
                "gear_ratios": [4.714, 3.143, 2.106, 1.667, 1.285, 1.000, 0.839, 0.667],
                "final_drive_ratio": 2.81}
#: Illustrative 7-speed DCT (ratio spread about 6.1, typical of 7-speed DCTs in compact
#: cars; not one specific product).
DCT_7: dict = {"kind": "dct",
               "gear_ratios": [3.80, 2.35, 1.57, 1.16, 0.90, 0.74, 0.62],
               "final_drive_ratio": 3.65}
#: Illustrative 6-speed manual (ratio spread about 6.1; not one specific product).
MANUAL_6: dict = {"kind": "manual",
                  "gear_ratios": [3.77, 2.04, 1.32, 0.95, 0.76, 0.62],
                  "final_drive_ratio": 3.65}
TRANSMISSION_PRESETS: dict[str, dict] = {"zf_8hp": ZF_8HP, "dct_7": DCT_7,
                                         "manual_6": MANUAL_6}


def preset(name: str, **changes) -> TransmissionSpec:
    """A validated :class:`TransmissionSpec` from :data:`TRANSMISSION_PRESETS`."""
    if name not in TRANSMISSION_PRESETS:
        raise EdriveError(f"unknown transmission preset {name!r}; known: "
                          f"{', '.join(TRANSMISSION_PRESETS)}")
    return validate(TransmissionSpec, {**TRANSMISSION_PRESETS[name], **changes},
                    where=f"transmission {name}")


# --- engine side of the transmission ---------------------------------------------------

class EngineSide(NamedTuple):
    """Engine-side operating point per time step (eq. 5)."""

    speed_rad_s: np.ndarray      # engine (transmission input) speed
    torque_nm: np.ndarray        # torque the engine delivers to the transmission
    loss_w: np.ndarray           # mesh + drag + converter/clutch slip loss
    slipping: np.ndarray         # converter open or launch clutch slipping (bool)
    brake_torque_nm: np.ndarray  # wheel torque left to the brakes (driveline decoupled)


@jitable
def converter_pump_speed_rad_s(turbine_speed, turbine_torque, k_stall, torque_ratio_stall,
                               coupling_speed_ratio):
    """Pump speed [rad/s] solving eq. (3)-(4) for a turbine speed and torque (a negative torque
    counts as none).

    Both branches of eq. (4) make eq. (3) a quadratic in omega_p. With a = (TR_0 - 1) / SR_c,
    below the coupling point (SR <= SR_c)

        TR_0 omega_p^2 - a omega_t omega_p - K_0^2 T_t = 0                              (7)

    and above it (TR = 1, K^2 = K_0^2 (1 - SR_c) / (1 - SR))

        omega_p^2 - omega_t omega_p - K_0^2 (1 - SR_c) T_t = 0                           (8)

    each taken at its positive root. The coupling point itself, omega_p = omega_t / SR_c,
    needs T_c = (omega_t / (SR_c K_0))^2: a larger turbine torque means more slip (7), a
    smaller one less (8). T_t(omega_p) rises monotonically, so the root is unique.
    The one implementation for numpy arrays, scalars and the compiled loop (the branch is a
    product with its test, exact for the finite roots)."""
    k0, tr0, src = k_stall, torque_ratio_stall, coupling_speed_ratio
    wt = turbine_speed
    tt = np.maximum(turbine_torque, 0.0)
    a = (tr0 - 1.0) / src
    low = (a * wt + np.sqrt((a * wt) ** 2 + 4.0 * tr0 * k0 * k0 * tt)) / (2.0 * tr0)
    high = 0.5 * (wt + np.sqrt(wt * wt + 4.0 * k0 * k0 * (1.0 - src) * tt))
    slipping = tt * (src * k0) ** 2 >= wt * wt
    return low * slipping + high * (tt * (src * k0) ** 2 < wt * wt)


@jitable
def converter_speed_ratio(turbine_speed, pump_speed):
    """SR = omega_t / omega_p of eqs. (3)-(4), held within [0, 1 - 1e-12] (at SR = 1 the
    capacity factor K is infinite) (scalars or arrays; the converter functions below, the
    cycle's, full throttle's and the compiled kernel's, take it from here)."""
    sr = turbine_speed / np.maximum(pump_speed, 1e-12)
    return np.minimum(np.maximum(sr, 0.0), 1.0 - 1e-12)


@jitable
def converter_torque_ratio(speed_ratio, torque_ratio_stall, coupling_speed_ratio):
    """TR(SR) of eq. (4): TR_0 - (TR_0 - 1) SR / SR_c below the coupling point, 1 above
    (scalars or arrays; the branch is a product with its test, exact for SR in [0, 1])."""
    tr0, src = torque_ratio_stall, coupling_speed_ratio
    below = speed_ratio < src
    return (tr0 - (tr0 - 1.0) * speed_ratio / src) * below + 1.0 * (speed_ratio >= src)


@jitable
def converter_capacity_factor(speed_ratio, k_stall, coupling_speed_ratio):
    """K(SR) of eq. (4) [rad/s/sqrt(N*m)]: K_0 up to the coupling point, then
    K_0 sqrt((1 - SR_c) / (1 - SR)) (scalars or arrays; SR < 1)."""
    return k_stall * np.sqrt(np.maximum((1 - coupling_speed_ratio) / (1 - speed_ratio), 1.0))


@jitable
def converter_pump_point(turbine_speed, turbine_torque, pump_speed_min, k_stall,
                         torque_ratio_stall, coupling_speed_ratio):
    """The open converter's pump side for a turbine speed and torque: (pump speed [rad/s],
    torque ratio TR), the pump speed of :func:`converter_pump_speed_rad_s` held at least at
    ``pump_speed_min`` (an engine's idle speed; 0 for a P2 hybrid's motor) and TR at the
    speed ratio there, so the pump gives T_t / TR (eq. 3) (scalars or arrays; the one
    composition for :func:`engine_side_at`, the P2 hybrid's candidate table and its
    full-throttle force)."""
    wp = np.maximum(converter_pump_speed_rad_s(turbine_speed, turbine_torque, k_stall,
                                               torque_ratio_stall, coupling_speed_ratio),
                    pump_speed_min)
    return wp, converter_torque_ratio(converter_speed_ratio(turbine_speed, wp),
                                      torque_ratio_stall, coupling_speed_ratio)


@jitable
def converter_pump_torque_nm(pump_speed, turbine_speed, k_stall, coupling_speed_ratio):
    """Pump torque of eq. (3), T_p = (omega_p / K(SR))^2 [N*m], with SR from
    :func:`converter_speed_ratio` (scalars or arrays)."""
    sr = converter_speed_ratio(turbine_speed, pump_speed)
    return (pump_speed / converter_capacity_factor(sr, k_stall, coupling_speed_ratio)) ** 2


def engine_side(spec: TransmissionSpec, wheel_torque_nm, wheel_speed_rad_s, gear_index,
                speed_idle_rad_s: float = 750 * RPM) -> EngineSide:
    """Engine speed, torque and transmission loss for a wheel torque and speed in a gear.

    Parameters
    ----------
    spec : TransmissionSpec
    wheel_torque_nm, wheel_speed_rad_s : array_like
        Torque and speed at the driven wheels (sum over the axle) [N*m], [rad/s];
        speed >= 0.
    gear_index : array_like of int
        Gear per step, 0 for first gear.
    speed_idle_rad_s : float
        Engine idle speed [rad/s]: the least engine speed while the converter or clutch
        slips and when decoupled.

    Returns
    -------
    EngineSide
        Arrays broadcast to a common shape; they satisfy eq. (5) exactly.
    """
    tw, ww, k = np.broadcast_arrays(np.asarray(wheel_torque_nm, dtype=float),
                                    np.asarray(wheel_speed_rad_s, dtype=float),
                                    np.asarray(gear_index))
    k = k.astype(int)
    if np.any((k < 0) | (k >= spec.n_gears)):
        raise EdriveError(f"gear_index must lie in 0..{spec.n_gears - 1}")
    t0, cv = spec.drag
    points = [np.ascontiguousarray(a).reshape(-1) for a in
              (tw, ww, k, spec.overall_ratios[k], spec.efficiencies[k])]
    parts = _engine_side_points(*points, float(speed_idle_rad_s), spec.kind == "automatic",
                                t0, cv, spec.lockup_gear, spec.lockup_speed_rad_s,
                                spec.converter_k_stall, spec.converter_torque_ratio_stall,
                                spec.converter_coupling_speed_ratio, spec.launch_speed,
                                spec.creeps)
    return EngineSide(*(a.reshape(tw.shape) for a in parts))


@jitable
def engine_side_at(wheel_torque_nm, wheel_speed_rad_s, gear_index, overall_ratio, efficiency,
                   speed_idle_rad_s, automatic, drag_torque_nm, drag_viscous_nm_s,
                   lockup_gear, lockup_speed_rad_s, k_stall, torque_ratio_stall,
                   coupling_speed_ratio, launch_speed_rad_s, creeps):
    """:func:`engine_side` at one point, the one implementation (the compiled loop of
    conventional cars calls it; :func:`engine_side` runs it point by point over arrays):
    (engine speed [rad/s], engine torque [N*m], loss [W], slipping, wheel torque left to the
    brakes [N*m]) in the gear of index ``gear_index`` (``overall_ratio``, ``efficiency``);
    eqs. (1), (3)-(9)."""
    tw, ww, idle = wheel_torque_nm, wheel_speed_rad_s, speed_idle_rad_s
    w_gear = ww * overall_ratio                           # gearbox input (turbine) speed
    t_gear = input_torque_nm(tw, overall_ratio, efficiency, 0.0)  # eq. (1) without drag
    slipping = driveline_slipping(automatic, gear_index, w_gear, lockup_gear,
                                  lockup_speed_rad_s, idle, launch_speed_rad_s)
    pos = slipping and t_gear > 0
    if automatic:  # the converter: pump speed of eqs. (7)-(8), T_p = T_t / TR of eq. (3)
        w_slip, ratio = (converter_pump_point(w_gear, t_gear, idle, k_stall, torque_ratio_stall,
                                              coupling_speed_ratio) if pos else (idle, 1.0))
        t_slip = t_gear / ratio
    else:  # friction clutch: equal torque at the launch speed
        w_slip, t_slip = max(launch_speed_rad_s, idle), t_gear
    decoupled = slipping and not pos
    if decoupled:
        w_e, t_e, brake = idle, 0.0, tw
    elif slipping:
        w_e, t_e, brake = w_slip, t_slip, 0.0
    else:
        w_e, t_e, brake = w_gear, t_gear, 0.0
    if creeps and slipping and ww == 0:  # stopped in gear: the stalled converter, eq. (9)
        t_e = max(t_e, converter_creep_torque_nm(w_e, k_stall))
    t_e = t_e + drag_torque_nm + drag_viscous_nm_s * w_e
    loss = t_e * w_e - (tw - brake) * ww
    return w_e, t_e, loss, slipping, brake


@njit(cache=True)
def _engine_side_points(tw, ww, k, g, eta, idle, automatic, t0, cv, lockup_gear,
                        lockup_speed, k0, tr0, src, launch, creeps):
    """:func:`engine_side_at` at each point of the flat arrays (speed, torque, loss,
    slipping, brake torque)."""
    n = tw.shape[0]
    w_e, t_e, loss, brake = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    slipping = np.empty(n, dtype=np.bool_)
    for i in range(n):
        w_e[i], t_e[i], loss[i], slipping[i], brake[i] = engine_side_at(
            tw[i], ww[i], k[i], g[i], eta[i], idle, automatic, t0, cv, lockup_gear,
            lockup_speed, k0, tr0, src, launch, creeps)
    return w_e, t_e, loss, slipping, brake


# --- gear choice -----------------------------------------------------------------------

@jitable
def shift_hysteresis(held, target, held_usable, held_speed_rad_s, ceiling_rad_s, time_s,
                     last_shift_s, last_direction, side, side_since_s, min_hold_s):
    """One step of the hysteresis (2) of the economy shift (module docstring), the one
    implementation (the compiled loop of :mod:`edrive.sim.batch_icev_kernel` calls it): the gear
    ``held`` so far, the raw choice ``target``, whether the held gear is usable and the
    higher of its engine and gearbox input speeds, at time ``time_s``; the state carried
    from step to step is the time and direction (+1 up, -1 down) of the last shift and the
    side (+1, -1, 0 for none) on which the raw choice has stayed since ``side_since_s``.
    Returns (gear, last_shift_s, last_direction, side, side_since_s, forced)."""
    if target == held:
        return held, last_shift_s, last_direction, 0, side_since_s, False
    d = 1 if target > held else -1
    forced = (not held_usable) or (d == 1 and held_speed_rad_s > ceiling_rad_s)  # (c)
    shift = forced
    if not forced:
        side_ok = True
        if d == -last_direction:  # (b) no reversal before the raw choice has stayed there
            if side != d:
                side, side_since_s = d, time_s
            side_ok = time_s - side_since_s >= min_hold_s
        else:
            side = 0
        shift = side_ok and time_s - last_shift_s >= min_hold_s  # (a) dwell
    if shift:
        return target, time_s, d, 0, side_since_s, forced
    return held, last_shift_s, last_direction, side, side_since_s, forced


# --- a driver's shift points (manual cars) ---------------------------------------------------

#: engine speed after an upshift [rad/s] and engine speed below which a driver shifts down
#: (estimates, see driver_gear)
DRIVER_UPSHIFT_RAD_S = 1500 * RPM
DRIVER_DOWNSHIFT_RAD_S = 1100 * RPM


@jitable
def driver_gear(held, n_gears, gearbox_speed_rad_s, engine_speed_rad_s, engine_torque_nm,
                torque_max_nm, speed_max_rad_s, upshift_rad_s=DRIVER_UPSHIFT_RAD_S,
                downshift_rad_s=DRIVER_DOWNSHIFT_RAD_S):
    """One step of a driver shifting a manual gearbox at fixed engine speeds, as a shift
    indicator or the maker's recommended shift points tell (no economy optimiser), the one
    implementation (the compiled loop of :mod:`edrive.sim.batch_icev_kernel` calls it each
    interval): from the gear ``held`` (0 for first) so far and, per gear k < ``n_gears``, the
    locked gearbox input speed omega_k = G_k v / r, the engine speed and torque
    (:func:`engine_side_at`, with the input inertia of eq. 6) and the full-load torque there.

    The driver shifts up to the highest gear with omega_k >= ``upshift_rad_s`` as soon as it
    is above the held one, and down, to the highest gear with omega_k >= ``downshift_rad_s``
    (first gear if none), once the held gear's speed falls below ``downshift_rad_s``
    (hysteresis between the two thresholds; first gear's launch clutch slips or opens at low
    speed). Then the engine's limits: the next higher gear while the engine would exceed its
    maximum speed, the next lower gear while the engine torque would exceed the full-load
    torque. Defaults 1,500 and 1,100 rpm (estimates: the least engine speed in drive of the
    UN GTR 15 Annex 2 gearshift procedure, n_min_drive = n_idle + 0.125 (n_rated - n_idle),
    is about 1,400 rpm for a petrol engine rated at 6,000 rpm; drivers and shift indicators
    upshift a little above it). Returns (the driver's gear, the gear driven)."""
    up, down = -1, -1
    for k in range(n_gears):
        up += gearbox_speed_rad_s[k] >= upshift_rad_s
        down += gearbox_speed_rad_s[k] >= downshift_rad_s
    g = held
    if up > g:
        g = up
    elif g > 0 and gearbox_speed_rad_s[g] < downshift_rad_s:
        g = max(down, 0)
    k = g
    while k < n_gears - 1 and engine_speed_rad_s[k] > speed_max_rad_s * (1 + 1e-9):
        k += 1
    while (k > 0 and engine_torque_nm[k] > torque_max_nm[k] * (1 + 1e-9) + 1e-9
           and not engine_speed_rad_s[k - 1] > speed_max_rad_s * (1 + 1e-9)):
        k -= 1
    return g, k
