"""Mild hybrids: a conventional car with a starter-generator on its crankshaft or belt.

A 48 V belt starter-generator (P0) or crankshaft-integrated machine (P1) turns with the
engine (:class:`~edrive.vehicle.StarterGeneratorSpec`). It cannot move the car on its own
and it does not change the gear the car's shift map chooses, so the car is driven by the
conventional loop of :mod:`edrive.sim.batch_icev_kernel` (gears, engine speed and torque,
friction brakes per interval), and the machine then changes, interval by interval and in
time order (the battery's state of charge carries from one to the next), only what it can
change: the engine's torque and the friction brakes' share.

Per interval, with the engine turning at omega_e, the machine at omega_m = k omega_e (k the
belt's ``speed_ratio``) and a crank torque T_c = tau k eta_b when motoring (tau the
machine's shaft torque, eta_b the belt's efficiency), tau k / eta_b when generating:

* braking in gear with the converter or clutch closed, the friction brakes taking a force
  F_fb at the wheels (the ``friction_n`` series holds -F_fb): the machine generates
  T_c = min(F_fb r eta_k / G_k, its generating envelope at omega_m, what the battery's
  charge window takes), and the friction brakes keep F_fb - T_c G_k / (eta_k r) (the
  braking torque passes the gear with its mesh efficiency eta_k, eq. (4) of
  :mod:`edrive.components.gear`, so the transmission's loss grows by
  T_c omega_e (1 / eta_k - 1));
* with the engine fired (torque above zero): the battery supplies the electrical auxiliaries
  (``aux_power_w``) while its state of charge lies above ``soc_min`` + ``SOC_RESERVE``, and
  the engine no longer carries the alternator's load (P_aux / eta_alt); above
  ``soc_target`` the machine assists with T_c up to its motoring envelope, the battery's
  discharge window and the engine's own torque (the engine does not go below zero);
* with the engine stopped (stop-start at standstill) the battery supplies the auxiliaries
  while it can (the conventional model leaves them out there: they run from the 12 V
  battery, not counted);
* the engine's fuel is that of :meth:`edrive.components.engine.Engine.fuel_power_w` at its
  new torque (the same equations the conventional loop uses; an unchanged interval keeps its
  fuel); the machine's losses come from its loss map (:func:`edrive.components.drive_unit.
  motor_loss_map`), the battery's from its Rint model (:mod:`edrive.components.battery`).

The intervals run in one compiled loop (:func:`_intervals`), made of the components' own
compiled functions: the machine's envelope and loss-map lookup and the engine's fuel of
:mod:`edrive.hybrid_table`, the battery's power window and current of eq. (2)-(3) of
:mod:`edrive.components.battery`.

Charge balance: the run starts at the state of charge at which it ends, found as for hybrids
(:class:`edrive.sim.charge_balance.Balance`: the secant method on f(soc_0) = soc_end - soc_0
from ``soc_target``, the run nearest balance kept), and what is left of the change of stored
energy Delta E is corrected at the run's mean brake efficiency eta_e = engine work / fuel
energy,

    m_f,corr = m_f - Delta E / (eta_e H_u)                                              (1)

(a linear charge balance in the spirit of SAE J1711's; Delta E > 0 stored, credited).

Energy audit: mechanically, the engine's work plus the machine's crank work equals the
conventional audit's terms with the friction brakes, the transmission's loss and the
auxiliaries' crank load as changed here; electrically, the battery's terminal energy equals
the crank work plus the machine's and the belt's losses plus the auxiliaries it supplied
(both close to rounding error; :func:`edrive.sim.icev.simulate_icev` checks them).

Not modelled: engine-off coasting at speed, the machine's own rotor inertia and the drag of
an idle machine (its inverter draws nothing at zero torque), load-point raising to charge
the battery (it is charged by braking alone; below ``soc_min`` + ``SOC_RESERVE`` the
alternator load returns to the engine), a cold battery.
"""

from __future__ import annotations

import numpy as np

from ..components.battery import interval_power_window_w, rint_current_a
from ..hybrid_table import _fuel_rate, _machine, _torque_limits, engine_numbers, machine_numbers
from ..maps import interp
from .charge_balance import Balance
from .jit import njit

SOC_RESERVE = 0.05  # the battery supplies the auxiliaries above soc_min + this
BISECTION_STEPS = 40  # machine torque to the battery's window: to 1e-12 of the envelope
SLACK_W = 1e-9  # a DC power this far outside the battery's window counts as inside


@njit(cache=True, nogil=True)
def _largest(tau_max, sign, w_m, mach, m_t, m_w, m_flat, low, high):
    """The largest shaft torque magnitude in [0, ``tau_max``] (motoring: ``sign`` 1,
    generating: -1) whose DC power lies in the battery's window [low, high], and that power
    (bisection; the DC power is monotone in the torque); no torque draws nothing (the
    inverter idles)."""
    if tau_max <= 0:
        return 0.0, 0.0
    p = _machine(sign * tau_max, w_m, mach, m_t, m_w, m_flat)[0]
    if low - SLACK_W <= p <= high + SLACK_W:
        return tau_max, p
    lo, hi = 0.0, tau_max
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        pm = _machine(sign * mid, w_m, mach, m_t, m_w, m_flat)[0]
        if low - SLACK_W <= pm <= high + SLACK_W:
            lo = mid
        else:
            hi = mid
    if lo <= 0:
        return 0.0, 0.0
    return lo, _machine(sign * lo, w_m, mach, m_t, m_w, m_flat)[0]


@njit(cache=True, nogil=True)
def _intervals(dt, speed, gear, w_e, t_e, fuel, f_fric, loss_tr, aux_crank, ratios, etas,
               radius, aux_el, aux_mech, k, eta_b, mach, m_t, m_w, m_flat, eng, knot_speed,
               knot_power, curve_x, curve_y, ocv_soc, ocv_v, res, cap, soc_min, soc_max, p_dis,
               p_chg, soc0, soc_target):
    """The rules of the module docstring, interval by interval (``t_e``, ``fuel``,
    ``f_fric``, ``loss_tr`` and ``aux_crank`` changed in place): the machine's crank torque,
    the battery's terminal power, the machine's DC power and the auxiliaries' share per
    interval, and the state of charge at each interval's start and at the end."""
    n = dt.shape[0]
    t_sg = np.zeros(n)
    dc = np.zeros(n)
    p_batt = np.zeros(n)
    aux_batt = np.zeros(n)
    soc = np.zeros(n + 1)
    soc[0] = soc0
    soc_floor = soc_min + SOC_RESERVE
    for i in range(n):
        s, w = soc[i], w_e[i]
        v_oc = interp(s, ocv_soc, ocv_v)
        low, high = interval_power_window_w(s, dt[i], v_oc, res, cap, soc_min, soc_max,
                                            p_dis, p_chg)
        p = 0.0
        aux_ok = s > soc_floor and low - SLACK_W <= aux_el <= high + SLACK_W
        if w > 0:
            g, eta = ratios[gear[i]], etas[gear[i]]
            w_m = k * w
            locked = abs(w - g * speed[i] / radius) <= 1e-9 * (1.0 + w)
            if f_fric[i] < -1e-9 and locked:  # regenerate what the friction brakes would take
                t_brk = -f_fric[i] * radius * eta / g
                tau_max = min(-_torque_limits(w_m, mach)[1], t_brk * eta_b / k)
                tau, p = _largest(tau_max, -1.0, w_m, mach, m_t, m_w, m_flat, low, high)
                dc[i] = p
                t_c = tau * k / eta_b
                t_sg[i] = -t_c
                f_fric[i] += t_c * g / (eta * radius)
                loss_tr[i] += t_c * w * (1.0 / eta - 1.0)
            elif t_e[i] > 0 and fuel[i] > 0:  # the engine fired
                t = t_e[i]
                if aux_ok:
                    t -= aux_mech / w
                    aux_crank[i] = 0.0
                    p = aux_el
                    aux_batt[i] = aux_el
                if s > soc_target and t > 0:
                    tau_max = min(_torque_limits(w_m, mach)[0], t / (k * eta_b))
                    tau, p_m = _largest(tau_max, 1.0, w_m, mach, m_t, m_w, m_flat, low - p,
                                        high - p)
                    t_sg[i] = tau * k * eta_b
                    t -= t_sg[i]
                    p += p_m
                    dc[i] = p_m
                if t != t_e[i]:
                    t_e[i] = t
                    fuel[i] = _fuel_rate(t, w, eng, knot_speed, knot_power, curve_x, curve_y)
        elif aux_ok:  # stopped: the battery alone
            p = aux_el
            aux_batt[i] = aux_el
        p_batt[i] = p
        soc[i + 1] = s - rint_current_a(p, v_oc, res) * dt[i] / cap
    return t_sg, p_batt, dc, aux_batt, soc


def apply(spec, vm, dt, speed_m_s, gear, rec: dict) -> dict:
    """The mild hybrid's run from the conventional run's recorded intervals (``rec``: the
    columns of :data:`edrive.sim.batch_icev_kernel.REC_NAMES`, ``gear`` as indices):
    per interval the new engine torque, fuel rate [kg/s], friction force [N], transmission
    loss [W], the machine's crank torque [N*m] (motoring > 0) and the battery's terminal
    power [W] and state of charge, and the totals of the module docstring."""
    sg = spec.starter_generator
    loss_map, battery = vm.starter_generator
    engine = vm.engine
    k, eta_b = sg.speed_ratio, sg.belt_efficiency
    w_e = np.ascontiguousarray(rec["engine_speed_rad_s"], dtype=float)
    dt = np.ascontiguousarray(dt, dtype=float)
    fixed = (np.ascontiguousarray(speed_m_s, dtype=float),
             np.ascontiguousarray(gear, dtype=np.int64), w_e)
    parts = (np.asarray(vm.transmission.overall_ratios, dtype=float),
             np.asarray(vm.transmission.efficiencies, dtype=float), float(vm.radius_m),
             float(spec.aux_power_w), float(vm.aux_mech_power_w), float(k), float(eta_b),
             machine_numbers(sg.motor, loss_map), *loss_map.compiled[:3],
             engine_numbers(engine), engine._knot_speed, engine._knot_power,
             *engine.fuel_parameters[7:9], np.asarray(battery.ocv_soc, dtype=float),
             np.asarray(battery.ocv_v, dtype=float), float(battery.resistance_ohm),
             float(battery.capacity_as), float(battery.soc_min), float(battery.soc_max),
             float(battery.power_discharge_max_w), float(battery.power_charge_max_w))
    lhv = engine.fuel.lhv_j_kg
    names = ("engine_torque_nm", "fuel_rate_kg_s", "friction_n", "transmission_loss_w")

    def run(soc0) -> dict:
        r = {c: np.array(rec[c], dtype=float) for c in names}
        r["aux_crank_w"] = np.where(w_e > 0, float(vm.aux_mech_power_w), 0.0)
        out = _intervals(dt, *fixed, *(r[c] for c in names), r["aux_crank_w"], *parts,
                         float(soc0), float(sg.soc_target))
        r |= dict(zip(("starter_generator_torque_nm", "battery_w", "dc_w", "aux_battery_w",
                       "soc"), out, strict=True))
        soc = r["soc"]
        r["d_e"] = battery.energy_between_j(soc[0], soc[-1])  # stored (+) or given up (-)
        r["soc_end"] = float(soc[-1])
        r["fuel_kg"] = float(np.sum(r["fuel_rate_kg_s"] * dt))
        return r

    # charge balance: the run that starts where it ends (edrive.sim.charge_balance); what is
    # left of the stored energy is corrected by eq. (1) of the module docstring
    bal = Balance(battery, sg.soc_target, run(sg.soc_target), lhv, iterate=True)
    while (x := bal.next_soc()) is not None:
        bal.add(run(x))
    r, _ = bal.result(balance=False)
    t_e, fuel, f_fric, loss_tr = (r[c] for c in names)
    t_sg, p_batt, dc_w = r["starter_generator_torque_nm"], r["battery_w"], r["dc_w"]
    aux_crank, aux_batt, soc, stored_j = r["aux_crank_w"], r["aux_battery_w"], r["soc"], r["d_e"]
    e = lambda x: float(np.sum(x * dt))
    w_m_all = k * w_e
    tau_all = np.where(t_sg > 0, t_sg / (k * eta_b), t_sg * eta_b / k)
    shaft_w = tau_all * w_m_all
    return {
        "engine_torque_nm": t_e, "fuel_rate_kg_s": fuel, "friction_n": f_fric,
        "transmission_loss_w": loss_tr, "starter_generator_torque_nm": t_sg,
        "battery_w": p_batt, "soc": soc, "aux_crank_w": aux_crank,
        "battery_stored_j": stored_j,
        "regenerated_j": e(np.where(t_sg < 0, -dc_w, 0.0)),
        "assist_j": e(np.where(t_sg > 0, dc_w, 0.0)),
        "aux_from_battery_j": e(aux_batt),
        "machine_loss_j": e(dc_w - shaft_w),
        "belt_loss_j": e(shaft_w - t_sg * w_e),
        "starter_generator_crank_j": e(t_sg * w_e),
    }
