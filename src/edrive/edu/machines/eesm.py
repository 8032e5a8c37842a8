"""Electrically excited (wound-rotor) synchronous machine: operating points, envelope, losses.

The rare-earth-free machine type of BMW's fifth-generation eDrive (iX3, i4, iX: a current-
excited synchronous machine fed through brushes and slip rings; 210 kW / 400 Nm in the iX3,
about 17,000 rpm; see the sources below). The rotor carries a DC field winding instead of
magnets, so the excitation is a third control variable beside the two stator currents.

Steady-state dq model in the amplitude-invariant Park frame (peak phase quantities), d axis on
the rotor's field axis, so that a salient-pole rotor has L_d > L_q (Krause, Wasynczuk, Sudhoff
& Pekarek, *Analysis of Electric Machinery and Drive Systems*, 3rd ed., Wiley-IEEE 2013,
ch. 5, the wound-rotor synchronous machine without damper currents in steady state):

    psi_d = L_d i_d + L_mf i_f,          psi_q = L_q i_q
    u_d = R_s i_d - omega_e psi_q,       u_q = R_s i_q + omega_e psi_d
    T_em = 1.5 p (psi_d i_q - psi_q i_d) = 1.5 p [L_mf i_f + (L_d - L_q) i_d] i_q      (1)

with omega_e = p omega_m. i_f is the actual field-winding current (A, DC) and L_mf the
stator flux linkage per ampere of it in this frame, so that L_mf I_f,max is the peak flux
linkage at full field, the counterpart of a magnet's psi_f. (gym-electric-motor's EESM refers
the field current to the stator, i_E = (2/3) i_f / k and L_M = 1.5 k L_mf with the turns ratio
k, which leaves the product L_M i_E = L_mf i_f unchanged.) Because L_d > L_q, reluctance
torque wants a *positive* d-axis current at low speed, and the d-axis flux can be weakened
through i_f as well as i_d. At i_f = 0 there is no back-EMF at all: no uncontrolled generator
fault and, coasting, no iron loss.

Limits: stator current i_d^2 + i_q^2 <= I_max^2 (peak), stator voltage u_d^2 + u_q^2 <=
U_max^2 with U_max = k_m V_dc / sqrt(3) (space-vector modulation, linear range, k_m a control
margin), as for :mod:`edrive.edu.machines.pmsm`; and 0 <= i_f <= I_f,max.

Losses:

* stator copper, P_cu = 1.5 R_s(T_w, f) (i_d^2 + i_q^2), with the temperature and AC factor
  of :mod:`edrive.edu.machines.base`;
* field, supplied from the DC link through a field converter of efficiency eta_exc and a pair
  of brushes on slip rings with a roughly constant contact drop U_b (about 1 V per brush):

      P_field = (R_f(T_f) i_f^2 + U_b i_f) / eta_exc,
      R_f(T_f) = R_f,20 (1 + 0.00393 (T_f - 20 degC))

  with the field winding at its own temperature T_f (a copper field winding; the Modelica
  Standard Library's ``SM_ElectricalExcited`` carries the same loss terms: temperature-
  dependent stator and excitation resistances, brush losses, friction, core losses);
* iron, the lumped flux-linkage form of :mod:`edrive.edu.machines.base`, referenced to the
  flux linkage at full field, psi_ref = L_mf I_f,max:

      P_fe = P_fe0 (psi / psi_ref)^2 [k_h (f/f_0) + (1 - k_h) (f/f_0)^2],   psi = |psi_dq|

  so ``iron_loss_no_load_w`` is the no-load iron loss at full field and frequency f_0;
* mechanical, P_mech = (T_fric + T_brush) omega_m + P_w,max (omega_m / omega_max)^3: bearings,
  brush friction on the slip rings (a small constant torque) and windage.

The electromagnetic torque covers the shaft torque and the iron and mechanical losses,
T_em = T_shaft + (P_fe + P_mech) / omega_m. P_fe depends on the currents, so, as in
:mod:`edrive.edu.machines.pmsm`, the operating point is solved twice and the second pass uses
the iron loss of the first, which is the iron loss reported: the stator power balance
1.5 (u_d i_d + u_q i_q) = T_shaft omega_m + P_cu + P_fe + P_mech then holds exactly (the iron
loss is within about 2 % of its value at the final flux). Where the first pass finds no
feasible currents but the second does (near the envelope, where the first pass's torque lacks
the iron drag), the first pass's iron loss belongs to an infeasible candidate, so a third pass
takes the second's. The field power does no mechanical work in steady state; the field
converter draws it from the DC link beside the inverter, so

    P_dc = T_shaft omega_m + P_cu + P_fe + P_mech + P_field + P_inv.

Control (loss-minimising): at each (torque, speed) the currents minimise copper + field +
iron + inverter loss with i_q from eq. (1), within the current, voltage and field-current
limits. The search runs in the variables kap = L_mf i_f + (L_d - L_q) i_d (the "torque flux":
i_q = T_em / (1.5 p kap)) and s in [0, 1], the position of i_d in the interval that the
limits leave for it at that kap (all three are intervals in i_d; the voltage limit is a
quadratic in i_d with the R_s drop). In (kap, s) the feasible set is a box and an optimum on
the voltage limit is its edge, so a vectorised grid search finds it: a coarse grid, then
refined grids around the best (see :meth:`EesmModel._search`). Checked at 200 random points
of a 900 A, 20 A machine against a brute-force grid of 401 x 1801 (i_f, i_d) candidates, the
loss found is never more than 0.01 W above that grid's best (often below it). Below base speed the optimum is a field current of a few
amperes at light load with a positive i_d (reluctance torque); in the voltage-limited region
the optimum weakens the d-axis flux psi_d, and near the voltage limit at high load it does so
by over-exciting (raising i_f) against a negative i_d, which cuts i_q and so the q-axis
reaction L_q i_q (the classical unity-power-factor operation of a synchronous machine). With
no torque the field current falls to about a twentieth of its maximum, and the coasting drag
is mechanical but for a few watts: no magnet flux, next to no iron loss.

The torque envelope is the largest motoring and most negative generating torque over (i_f,
i_d) on a grid, each with the largest |i_q| inside both the current circle and the voltage
ellipse (a quadratic in i_q including R_s, as in :mod:`edrive.edu.machines.pmsm`), refined
around the best candidate; the iron and mechanical drag at the envelope point's own flux is
subtracted.

Sources: model, Krause et al. (above); loss terms as above. On wound-rotor traction machines
against PM and induction machines (light-load efficiency lowered by the field loss, a wide
high-efficiency region at high speed, brushes and slip rings versus brushless exciters):
"Traction Synchronous Motors with Rotor Field Winding: A Literature Review", World Electric
Vehicle Journal 16(11), 633 (2025), doi:10.3390/wevj16110633. Public BMW Gen5 figures (iX3:
210 kW / 400 Nm, current-excited synchronous machine with brushes and slip rings, motor
efficiency "up to 93 %" (marktspiegel.de; greencarcongress.com 2021-06-02); about
17,000 rpm from a third-party i4 page of low reliability) are collected with their sources in
the project's EDU physics notes (edu-physics.md, section 3.1).
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from ...units import Current, Resistance, Torque, Voltage
from .base import MachineLosses, MachineSpec, hot_resistance_ohm

# operating points: coarse grid (torque flux x position in the d-current interval), then
# N_LEVELS refined grids of N_FINE^2 around the best, each half the step of the one before
N_KAP_COARSE = 17
N_S_COARSE = 9
N_FINE = 5
N_LEVELS = 5
N_LEVELS_AGAIN = 3  # the second pass (torque-consistent iron loss) starts from the first
N_ENV_FINE = 7  # envelope: refined grids of N_ENV_FINE^2 around the best, N_ENV_LEVELS times
N_ENV_LEVELS = 3
CHUNK_ELEMENTS = 1 << 18


class EesmSpec(MachineSpec):
    """Electrically excited (wound-rotor) synchronous machine (see module docstring)."""

    kind: Literal["eesm"] = "eesm"
    d_inductance_h: Annotated[float, Field(gt=0, le=0.1)]
    q_inductance_h: Annotated[float, Field(gt=0, le=0.1)]
    mutual_inductance_h: Annotated[float, Field(gt=0, le=1)]  # L_mf, stator flux per field A
    field_resistance_ohm: Annotated[Resistance, Field(gt=0, le=1000)]  # at 20 degC
    field_current_max_a: Annotated[Current, Field(gt=0, le=1000)]
    brush_voltage_v: Annotated[Voltage, Field(ge=0, le=20)] = 1.5
    exciter_efficiency: Annotated[float, Field(gt=0.5, le=1.0)] = 0.95
    field_winding_temperature_k: Annotated[float, Field(gt=200, le=500)] = 373.15
    brush_friction_torque_nm: Annotated[Torque, Field(ge=0, le=10)] = 0.05

    @model_validator(mode="after")
    def _saliency(self):
        if self.d_inductance_h < self.q_inductance_h * (1 - 1e-9):
            raise ValueError("a wound-rotor (salient-pole) machine needs d_inductance_h >= "
                             "q_inductance_h (d axis on the field axis)")
        return self


class EesmModel(MachineLosses):
    """Vectorised operating-point solver for an :class:`EesmSpec` at a DC-link voltage.

    Same interface as :class:`edrive.edu.machines.pmsm.MotorModel`, plus the field current and
    field loss in :meth:`operating_points`.
    """

    def __init__(self, spec: EesmSpec, dc_voltage_v: float, inverter_loss=None):
        super().__init__(spec, dc_voltage_v, inverter_loss)
        s = spec
        self.ld, self.lq, self.lmf = s.d_inductance_h, s.q_inductance_h, s.mutual_inductance_h
        self.i_max, self.if_max = s.current_max_a, s.field_current_max_a
        self.r_hot = hot_resistance_ohm(s.stator_resistance_ohm, s.winding_temperature_k)
        # the field winding at its own temperature
        self.rf_hot = hot_resistance_ohm(s.field_resistance_ohm, s.field_winding_temperature_k)
        self.psi_ref = self.lmf * self.if_max
        self.f_max = self.p * s.speed_max_rad_s / (2 * np.pi)

    # --- loss pieces ---------------------------------------------------------------------
    def _iron_coefficient(self, speed_rad_s):
        """P_fe / psi^2 at a speed [W/(V*s)^2]."""
        s = self.spec
        r = self.p * np.abs(speed_rad_s) / (2 * np.pi) / s.iron_loss_reference_hz
        kh = s.iron_loss_hysteresis_share
        return s.iron_loss_no_load_w / self.psi_ref**2 * (kh * r + (1 - kh) * r * r)

    def iron_loss_w(self, speed_rad_s, psi_vs):
        return self._iron_coefficient(speed_rad_s) * np.asarray(psi_vs) ** 2

    def field_loss_w(self, field_current_a):
        """Power drawn by the field circuit from the DC link [W]."""
        i_f = np.asarray(field_current_a, float)
        s = self.spec
        return (self.rf_hot * i_f * i_f + s.brush_voltage_v * i_f) / s.exciter_efficiency

    def mechanical_loss_w(self, speed_rad_s):
        """Bearing and brush friction and windage [W]."""
        return (super().mechanical_loss_w(speed_rad_s)
                + self.spec.brush_friction_torque_nm * np.abs(speed_rad_s))

    # --- candidate costs (search) ------------------------------------------------------------
    def _candidates(self, t_em, w, we, r, cfe, kap, s, with_currents=False, inverter=True):
        """Loss to minimise for candidates given by the torque flux ``kap`` and the position
        ``s`` in [0, 1] within the feasible d-axis current interval (see :meth:`_search`).

        Arrays broadcast to (torque fluxes, positions, points); the result is flattened to
        (candidates, points). Infeasible candidates cost 1e12 plus a measure of their limit
        violation. With ``with_currents``, (cost, i_d, i_f) is returned."""
        dl = self.ld - self.lq
        # per torque flux: i_q, and the interval that the limits leave for i_d
        i_q = t_em / (1.5 * self.p * np.where(np.abs(kap) < 1e-12, 1e-12, kap))
        i_q = np.where(t_em == 0, 0.0, i_q)
        psi_q = self.lq * i_q
        c2 = self.i_max**2 - i_q * i_q  # current circle: |i_d| <= sqrt(c2)
        c = np.sqrt(np.maximum(c2, 0.0))
        lo, hi = -c, c
        if dl > 0:  # 0 <= i_f = (kap - (L_d - L_q) i_d) / L_mf <= I_f,max
            lo = np.maximum(lo, (kap - self.lmf * self.if_max) / dl)
            hi = np.minimum(hi, kap / dl)
        # voltage: psi_d = kap + L_q i_d, u^2 = a i_d^2 + b i_d + c0 + U_max^2 <= U_max^2
        e = r * i_q + we * kap
        a = r * r + (we * self.lq) ** 2
        b = 2 * we * (self.lq * e - r * psi_q)
        c0 = (we * psi_q) ** 2 + e * e - self.u_max**2
        disc = b * b - 4 * a * c0
        sq = np.sqrt(np.maximum(disc, 0.0))
        lo = np.maximum(lo, (-b - sq) / (2 * a))
        hi = np.minimum(hi, (-b + sq) / (2 * a))
        width = hi - lo
        viol = (np.maximum(-width, 0.0) / self.i_max + np.maximum(-c2, 0.0) / self.i_max**2
                + np.maximum(-disc, 0.0) / (4 * a * self.u_max**2))
        ok = viol == 0
        fixed = 1.5 * r * i_q * i_q + cfe * psi_q * psi_q  # the i_q parts of copper and iron
        # per candidate
        i_d = lo + s * width
        i_f = (kap - dl * i_d) * (1 / self.lmf)
        psi_d = kap + self.lq * i_d
        cost = (1.5 * r) * (i_d * i_d) + cfe * (psi_d * psi_d) + fixed + self.field_loss_w(i_f)
        ok = np.broadcast_to(ok, cost.shape)
        if inverter and self.inverter_loss is not None:
            # only where feasible: the inverter model is the costliest part of the search
            sel = np.broadcast_to
            i2 = sel(i_d * i_d + i_q * i_q, ok.shape)[ok]
            u2 = sel(a * i_d * i_d + b * i_d + c0, ok.shape)[ok] + self.u_max**2
            i, u = np.sqrt(i2), np.sqrt(np.maximum(u2, 0.0))
            p_el = 1.5 * sel(r, ok.shape)[ok] * i2 + sel(t_em * w, ok.shape)[ok]  # eq. (1)
            ui = 1.5 * u * i
            cos_phi = np.clip(np.divide(p_el, ui, out=np.ones_like(ui), where=ui > 0), -1, 1)
            cost[ok] += self.inverter_loss(i, u * (2 / self.dc_voltage_v), cos_phi,
                                           self.dc_voltage_v)
        cost = np.where(ok, cost, 1e12 + viol).reshape(-1, cost.shape[-1])
        if with_currents:
            return cost, i_d.reshape(cost.shape), np.clip(i_f, 0.0, self.if_max).reshape(cost.shape)
        return cost

    def _search(self, t_em, w, start=None):
        """Loss-minimising currents per point.

        The variables are the torque flux kap = L_mf i_f + (L_d - L_q) i_d, which fixes
        i_q = T_em / (1.5 p kap) by eq. (1), and the position s in [0, 1] of i_d within the
        interval that all limits leave for it at that kap: the current circle, 0 <= i_f <=
        I_f,max (linear in i_d) and the voltage limit (with psi_d = kap + L_q i_d, a quadratic
        in i_d including the R_s drop). The feasible set is then a box, and an optimum on the
        voltage limit (field weakening) is its edge s = 0 or 1, which a grid holds exactly. A
        coarse grid over kap in [|T_em| / (1.5 p I_max), kap_max] x s, ranked by the machine's
        losses alone (the inverter adds a smooth, current-driven term), is followed by refined
        grids of all losses around the best candidate (a compass search: the window halves
        where the best lies inside it and moves on where it lies on its edge). With ``start``
        = (kap, s, step_kap, step_s) from an earlier search, the refined grids start there.
        Returns (kap, s, i_d, i_f, step_kap, step_s, feasible)."""
        n = t_em.size
        t = t_em[None, None, :]
        ww = w[None, None, :]
        we = self.p * ww
        r = self.resistance_ohm(ww)
        cfe = self._iron_coefficient(ww)
        args = (t, ww, we, r, cfe)
        kap_max = self.lmf * self.if_max + (self.ld - self.lq) * self.i_max
        kap_lo = np.minimum(np.abs(t_em) / (1.5 * self.p * self.i_max), kap_max)
        dk = np.maximum((kap_max - kap_lo) / (N_KAP_COARSE - 1), 1e-12)
        ds = np.full(n, 1.0 / (N_S_COARSE - 1))
        cols = np.arange(n)
        levels = N_LEVELS
        if start is None:
            kap = kap_lo + (kap_max - kap_lo) * np.linspace(0, 1, N_KAP_COARSE)[:, None, None]
            s = np.linspace(0.0, 1.0, N_S_COARSE)[None, :, None]
            kb = np.argmin(self._candidates(*args, kap, s, inverter=False), axis=0)
            kap0 = kap[kb // N_S_COARSE, 0, cols]
            s0 = s[0, kb % N_S_COARSE, 0]
        else:
            kap0, s0, dk, ds = start
            levels = N_LEVELS_AGAIN
        off = np.linspace(-1.0, 1.0, N_FINE)[:, None]
        for _ in range(levels):
            kap = np.clip(kap0 + dk * off, kap_lo, kap_max)[:, None, :]
            s = np.clip(s0 + ds * off, 0.0, 1.0)[None, :, :]
            kb = np.argmin(self._candidates(*args, kap, s), axis=0)
            jk, js = kb // N_FINE, kb % N_FINE
            kap0, s0 = kap[jk, 0, cols], s[0, js, cols]
            # refine where the best lies inside the window (or on the box's bound); keep the
            # step where it lies on the window's free edge, so that the search can travel
            free_k = ((jk == 0) & (kap0 > kap_lo)) | ((jk == N_FINE - 1) & (kap0 < kap_max))
            free_s = ((js == 0) & (s0 > 0)) | ((js == N_FINE - 1) & (s0 < 1))
            dk = np.where(free_k, dk, dk * 2 / (N_FINE - 1))
            ds = np.where(free_s, ds, ds * 2 / (N_FINE - 1))
        cost, i_d, i_f = self._candidates(*args, kap0[None, None, :], s0[None, None, :],
                                          with_currents=True)
        return kap0, s0, i_d[0], i_f[0], dk, ds, cost[0] < 1e12

    def _blocks(self, n, n_cand):
        step = max(CHUNK_ELEMENTS // n_cand, 64)
        return [slice(a, min(a + step, n)) for a in range(0, n, step)]

    # --- one operating point per entry ----------------------------------------------------------
    def _evaluate(self, torque_em, speed, i_f, i_d):
        """Currents, voltages and losses at electromagnetic torque ``torque_em`` and the
        chosen field and d-axis currents (1-D arrays of equal length)."""
        k = 1.5 * self.p * (self.lmf * i_f + (self.ld - self.lq) * i_d)
        with np.errstate(divide="ignore", invalid="ignore"):
            i_q = np.where(np.abs(k) > 1e-12, torque_em / np.where(k == 0, 1.0, k),
                           np.where(torque_em == 0, 0.0, np.inf))
        we = self.p * speed
        r = self.resistance_ohm(speed)
        psi_d = self.ld * i_d + self.lmf * i_f
        psi_q = self.lq * i_q
        u_d = r * i_d - we * psi_q
        u_q = r * i_q + we * psi_d
        u = np.hypot(u_d, u_q)
        i = np.hypot(i_d, i_q)
        ok = (i <= self.i_max * (1 + 1e-9)) & (u <= self.u_max * (1 + 1e-9))
        p_cu = 1.5 * r * i * i
        p_fe = self.iron_loss_w(speed, np.hypot(psi_d, psi_q))
        with np.errstate(invalid="ignore"):
            p_elec = 1.5 * (u_d * i_d + u_q * i_q)
        with np.errstate(divide="ignore", invalid="ignore"):
            cos_phi = np.clip(np.where(u * i > 0, p_elec / (1.5 * u * i), 1.0), -1.0, 1.0)
        m = u / (self.dc_voltage_v / 2)
        if self.inverter_loss is not None:
            fin = np.isfinite(i)
            p_inv = np.full_like(i, np.inf)
            p_inv[fin] = self.inverter_loss(i[fin], m[fin], cos_phi[fin], self.dc_voltage_v)
        else:
            p_inv = np.zeros_like(i)
        return {"i_d_a": i_d, "i_q_a": i_q, "field_current_a": i_f, "current_a": i,
                "voltage_v": u, "power_factor": cos_phi, "modulation_index": m,
                "copper_loss_w": p_cu, "iron_loss_w": p_fe, "field_loss_w": self.field_loss_w(i_f),
                "inverter_loss_w": p_inv, "feasible": ok, "electrical_power_w": p_elec}

    def operating_points(self, torque_nm, speed_rad_s):
        """Loss-minimising operating points for shaft torques and speeds (broadcast).

        Returns a dict of arrays with the keys of
        :meth:`edrive.edu.machines.pmsm.MotorModel.operating_points` plus ``field_current_a``
        and ``field_loss_w``; the field loss is part of ``motor_loss_w``, ``loss_w`` and
        ``dc_power_w``. ``feasible`` is False where no currents meet the torque within the
        limits.
        """
        t, w = np.broadcast_arrays(np.asarray(torque_nm, float), np.asarray(speed_rad_s, float))
        shape = t.shape
        t, w = t.ravel().copy(), np.abs(w.ravel())
        n = t.size
        p_mech = self.mechanical_loss_w(w)
        f_best, d_best = np.zeros(n), np.zeros(n)
        p_fe_used = np.zeros(n)
        n_cand = max(N_KAP_COARSE * N_S_COARSE, N_FINE * N_FINE)
        for blk in self._blocks(n, n_cand):
            tb, wb = t[blk], w[blk]
            pm = p_mech[blk]
            # torque-consistent iron loss (see module docstring): the second pass takes the
            # iron loss of the first; where the first found no feasible currents (its iron
            # loss belongs to an infeasible candidate) but the second did, a third pass
            # takes the second's
            r1 = self._search(tb + pm / np.maximum(wb, 1e-9) * (wb > 0), wb)
            fe1 = self._iron_at(tb, wb, pm, 0.0, r1)
            drag = np.where(wb > 0, (pm + fe1) / np.maximum(wb, 1e-9), 0.0)
            r2 = self._search(tb + drag, wb, (r1[0], r1[1], r1[4] * 4, r1[5] * 4))
            fe_used, d0, f0 = fe1, r2[2], r2[3]
            redo = np.flatnonzero(r2[6] & ~r1[6])
            if redo.size:
                fe2 = self._iron_at(tb[redo], wb[redo], pm[redo], fe1[redo],
                                    tuple(x[redo] for x in r2))
                drag = (pm[redo] + fe2) / np.maximum(wb[redo], 1e-9)
                r3 = self._search(tb[redo] + drag, wb[redo],
                                  tuple(x[redo] for x in r2[:2]) + (r2[4][redo], r2[5][redo]))
                keep = redo[r3[6]]
                fe_used, d0, f0 = fe_used.copy(), d0.copy(), f0.copy()
                fe_used[keep], d0[keep], f0[keep] = fe2[r3[6]], r3[2][r3[6]], r3[3][r3[6]]
            p_fe_used[blk], d_best[blk], f_best[blk] = fe_used, d0, f0
        drag = np.where(w > 0, (p_mech + p_fe_used) / np.maximum(w, 1e-9), 0.0)
        best = self._evaluate(t + drag, w, f_best, d_best)
        best["iron_loss_w"] = p_fe_used  # the iron loss the torque was solved with: exact balance
        best["mechanical_loss_w"] = p_mech
        motor = best["copper_loss_w"] + best["iron_loss_w"] + p_mech + best["field_loss_w"]
        best["motor_loss_w"] = motor
        best["loss_w"] = motor + best["inverter_loss_w"]
        best["dc_power_w"] = t * w + best["loss_w"]
        best["torque_nm"] = t
        best["speed_rad_s"] = w
        return {k: np.asarray(v).reshape(shape) for k, v in best.items()}

    def _iron_at(self, t, w, p_mech, p_fe, res):
        """Iron loss at the currents of a search result ``res`` for shaft torque ``t``, solved
        with the drag of ``p_mech`` and ``p_fe``."""
        i_d, i_f = res[2], res[3]
        t_em = t + np.where(w > 0, (p_mech + p_fe) / np.maximum(w, 1e-9), 0.0)
        k = 1.5 * self.p * (self.lmf * i_f + (self.ld - self.lq) * i_d)
        i_q = t_em / np.where(np.abs(k) < 1e-12, 1e-12, k)
        return self.iron_loss_w(w, np.hypot(self.ld * i_d + self.lmf * i_f, self.lq * i_q))

    # --- envelope --------------------------------------------------------------------------
    def _envelope_em(self, w, cf, cd):
        """Largest and smallest electromagnetic torque of each candidate (cf, cd) (candidates x
        speeds; -inf / +inf where the current and voltage limits leave no i_q), with the i_q
        that gives each."""
        we = self.p * w[None, :]
        r = self.resistance_ohm(w)[None, :]
        psi_d = self.ld * cd + self.lmf * cf
        a = (we * self.lq) ** 2 + r * r
        b = 2 * r * (we * psi_d - we * self.lq * cd)
        c = (r * cd) ** 2 + (we * psi_d) ** 2 - self.u_max**2
        disc = b * b - 4 * a * c
        sq = np.sqrt(np.maximum(disc, 0.0))
        iq_c = np.sqrt(np.maximum(self.i_max**2 - cd * cd, 0.0))
        hi = np.minimum(iq_c, (-b + sq) / (2 * a))
        lo = np.maximum(-iq_c, (-b - sq) / (2 * a))
        valid = (disc >= 0) & (lo <= hi)  # the current and voltage intervals overlap
        k = 1.5 * self.p * (self.lmf * cf + (self.ld - self.lq) * cd)
        t_hi, t_lo = k * hi, k * lo
        t_max = np.where(valid, np.maximum(t_hi, t_lo), -np.inf)
        t_min = np.where(valid, np.minimum(t_hi, t_lo), np.inf)
        iq_max = np.where(t_hi >= t_lo, hi, lo)
        iq_min = np.where(t_hi >= t_lo, lo, hi)
        return t_max, t_min, iq_max, iq_min

    def _envelope_side(self, w, sign, n_f, n_d):
        """Best (sign = +1: largest, -1: most negative) electromagnetic torque and the flux
        linkage at it, per speed: a grid over (i_f, i_d), then refined grids around the best."""
        gf, gd = np.meshgrid(np.linspace(0.0, self.if_max, n_f),
                             np.linspace(-self.i_max, self.i_max, n_d), indexing="ij")
        cf, cd = gf.reshape(-1, 1), gd.reshape(-1, 1)
        sf, sd = self.if_max / (n_f - 1), 2 * self.i_max / (n_d - 1)
        of, od = np.meshgrid(np.linspace(-1, 1, N_ENV_FINE), np.linspace(-1, 1, N_ENV_FINE),
                             indexing="ij")
        of, od = of.reshape(-1, 1), od.reshape(-1, 1)
        cols = np.arange(w.size)
        for _level in range(1 + N_ENV_LEVELS):
            t_max, t_min, iq_max, iq_min = self._envelope_em(w, cf, cd)
            tt, iq = (t_max, iq_max) if sign > 0 else (-t_min, iq_min)
            kb = np.argmax(tt, axis=0)
            f0 = np.broadcast_to(cf, tt.shape)[kb, cols]
            d0 = np.broadcast_to(cd, tt.shape)[kb, cols]
            t_best, iq_best = tt[kb, cols], iq[kb, cols]
            cf = np.clip(f0[None, :] + sf * of, 0.0, self.if_max)
            cd = np.clip(d0[None, :] + sd * od, -self.i_max, self.i_max)
            sf, sd = sf * 2 / (N_ENV_FINE - 1), sd * 2 / (N_ENV_FINE - 1)
        ok = np.isfinite(t_best) & (t_best > 0)
        psi = np.where(ok, np.hypot(self.ld * d0 + self.lmf * f0, self.lq * iq_best), 0.0)
        return sign * np.where(ok, t_best, 0.0), psi

    def torque_envelope_nm(self, speed_rad_s, n_candidates: int = 400):
        """Largest motoring and generating shaft torque at each speed [N*m].

        For each (i_f, i_d) on a grid (about ``n_candidates`` d-axis values by a proportionate
        number of field currents, then refined), the largest |i_q| inside both the current
        circle and the voltage ellipse (including the R_s drop, a quadratic in i_q) gives a
        torque by eq. (1); the best over the grid, less the iron and mechanical drag at that
        point's flux linkage, is the envelope."""
        w = np.abs(np.asarray(speed_rad_s, float)).ravel()
        n_d = max(int(n_candidates) // 8, 12) | 1
        n_f = max(n_d // 2, 6)
        t_em_max, psi_max = self._envelope_side(w, +1, n_f, n_d)
        t_em_min, psi_min = self._envelope_side(w, -1, n_f, n_d)
        return self._shaft_envelope(w, t_em_max, t_em_min, psi_max, psi_min)
