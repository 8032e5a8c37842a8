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
stator flux linkage per ampere of it in this frame, so that L_mf I_f,max is the peak
flux linkage at full field, the counterpart of a magnet's psi_f. (Models that refer the field
current to the stator, as gym-electric-motor's EESM, i_E = (2/3) i_f / k with the turns
ratio k, have the same L_mf i_f product.) Because L_d > L_q, reluctance torque wants a
*positive* d-axis current at low speed; at high speed the field is weakened by lowering i_f,
not by a negative i_d, so the flux (and with it iron loss) falls and the power factor stays
high. At i_f = 0 there is no back-EMF at all: no uncontrolled generator fault and, coasting,
no iron loss.

Limits: stator current i_d^2 + i_q^2 <= I_max^2 (peak), stator voltage u_d^2 + u_q^2 <=
U_max^2 with U_max = k_m V_dc / sqrt(3) (space-vector modulation, linear range, k_m a control
margin), as for :mod:`edrive.components.motor`; and 0 <= i_f <= I_f,max.

Losses:

* stator copper, P_cu = 1.5 R_s(T_w, f) (i_d^2 + i_q^2), with the temperature and AC factor
  of :mod:`edrive.components.motor`;
* field, supplied from the DC link through a field converter of efficiency eta_exc and a pair
  of brushes on slip rings with a roughly constant contact drop U_b (about 1 V per brush):

      P_field = (R_f(T_f) i_f^2 + U_b i_f) / eta_exc,  R_f(T_f) = R_f,20 (1 + 0.00393 (T_f - 20 degC))

  with the field winding at its own temperature T_f (a copper field winding; the Modelica
  Standard Library's ``SM_ElectricalExcited`` carries the same loss terms: temperature-
  dependent stator and excitation resistances, brush losses, friction, core losses);
* iron, the lumped flux-linkage form of :mod:`edrive.components.motor`, referenced to the
  flux linkage at full field, psi_ref = L_mf I_f,max:

      P_fe = P_fe0 (psi / psi_ref)^2 [k_h (f/f_0) + (1 - k_h) (f/f_0)^2],   psi = |psi_dq|

  so ``iron_loss_no_load_w`` is the no-load iron loss at full field and frequency f_0;
* mechanical, P_mech = (T_fric + T_brush) omega_m + P_w,max (omega_m / omega_max)^3: bearings,
  brush friction on the slip rings (a small constant torque) and windage.

The electromagnetic torque covers the shaft torque and the iron and mechanical losses,
T_em = T_shaft + (P_fe + P_mech) / omega_m, solved twice as in :mod:`edrive.components.motor`
(the second pass uses the iron loss of the first, and that is the iron loss reported), so
that the stator power balance 1.5 (u_d i_d + u_q i_q) = T_shaft omega_m + P_cu + P_fe + P_mech
holds exactly. The field power does no mechanical work in steady state; it is drawn from the
DC link beside the inverter's input, so

    P_dc = T_shaft omega_m + P_cu + P_fe + P_mech + P_field + P_inv.

Control: at each (torque, speed) the pair (i_d, i_f) is chosen to minimise copper + field +
iron + inverter losses (loss-minimising control), with i_q from eq. (1) and both limits met: a
vectorised grid search, a coarse grid over i_f in [0, I_f,max] x i_d in [-I_max, I_max], then
two refined grids around the best candidate. The torque envelope is the largest motoring and
most negative generating torque over (i_d, i_f) on a grid, each with the largest |i_q| inside
the current circle and the voltage ellipse (a quadratic in i_q with the R_s drop), then
refined; the iron and mechanical drag at the envelope's own flux is subtracted.

Sources: model and loss terms as above; the comparison of wound-rotor traction machines with
PM and induction machines (efficiency at light load lowered by the field loss, a wide high-
efficiency region at high speed, brushes and slip rings versus brushless exciters) follows
Pyrhönen-era reviews such as "Traction Synchronous Motors with Rotor Field Winding: A
Literature Review", World Electric Vehicle Journal 16(11), 633 (2025),
doi:10.3390/wevj16110633. Public BMW Gen5 figures (iX3: 210 kW / 400 Nm, EESM with brushes
and slip rings, motor efficiency "up to 93 %"; about 17,000 rpm from a third-party i4 page)
are collected with their sources in the project's EDU physics notes, section 3.1.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from ..spec import Spec
from ..units import AngularSpeed, Current, Inertia, Power, Resistance, Torque, Voltage
from .motor import ALPHA_CU_PER_K, T20_K

# grid search: coarse (field current x d-axis current), then refined levels of N_FINE^2
N_IF_COARSE = 9
N_ID_COARSE = 17
N_FINE = 5
N_LEVELS = 3
CHUNK_ELEMENTS = 1 << 16  # candidates x points per block (keeps temporaries in cache)


class EesmSpec(Spec):
    """Electrically excited (wound-rotor) synchronous machine (see module docstring)."""

    kind: Literal["eesm"] = "eesm"
    pole_pairs: Annotated[int, Field(ge=1, le=20)]
    stator_resistance_ohm: Annotated[Resistance, Field(gt=0, le=1)]
    d_inductance_h: Annotated[float, Field(gt=0, le=0.1)]
    q_inductance_h: Annotated[float, Field(gt=0, le=0.1)]
    mutual_inductance_h: Annotated[float, Field(gt=0, le=1)]  # L_mf, stator flux per field A
    field_resistance_ohm: Annotated[Resistance, Field(gt=0, le=1000)]  # at 20 degC
    field_current_max_a: Annotated[Current, Field(gt=0, le=1000)]
    brush_voltage_v: Annotated[Voltage, Field(ge=0, le=20)] = 1.5
    exciter_efficiency: Annotated[float, Field(gt=0.5, le=1.0)] = 0.95
    current_max_a: Annotated[Current, Field(gt=0, le=5000)]
    speed_max_rad_s: Annotated[AngularSpeed, Field(gt=0, le=6000)]
    winding_temperature_k: Annotated[float, Field(gt=200, le=500)] = 373.15
    field_winding_temperature_k: Annotated[float, Field(gt=200, le=500)] = 373.15
    ac_resistance_factor_at_max_speed: Annotated[float, Field(ge=1, le=5)] = 1.2
    iron_loss_no_load_w: Annotated[Power, Field(ge=0, le=1e5)] = 1000.0
    iron_loss_reference_hz: Annotated[float, Field(gt=0, le=5000)] = 400.0
    iron_loss_hysteresis_share: Annotated[float, Field(ge=0, le=1)] = 0.5
    friction_torque_nm: Annotated[Torque, Field(ge=0, le=50)] = 0.2
    brush_friction_torque_nm: Annotated[Torque, Field(ge=0, le=10)] = 0.05
    windage_loss_at_max_speed_w: Annotated[Power, Field(ge=0, le=1e5)] = 150.0
    rotor_inertia_kg_m2: Annotated[Inertia, Field(ge=0, le=10)] = 0.05
    modulation_margin: Annotated[float, Field(gt=0.5, le=1.0)] = 0.95

    @model_validator(mode="after")
    def _saliency(self):
        if self.d_inductance_h < self.q_inductance_h * (1 - 1e-9):
            raise ValueError("a wound-rotor (salient-pole) machine needs d_inductance_h >= "
                             "q_inductance_h (d axis on the field axis)")
        return self


class EesmModel:
    """Vectorised operating-point solver for an :class:`EesmSpec` at a DC-link voltage.

    Same interface as :class:`edrive.components.motor.MotorModel`, plus the field current and
    field loss in :meth:`operating_points`.
    """

    def __init__(self, spec: EesmSpec, dc_voltage_v: float, inverter_loss=None):
        self.spec = spec
        s = spec
        self.dc_voltage_v = float(dc_voltage_v)
        self.u_max = s.modulation_margin * self.dc_voltage_v / np.sqrt(3.0)
        self.inverter_loss = inverter_loss  # callable(i_peak, m, cos_phi, v_dc) -> W, or None
        self.p = s.pole_pairs
        self.ld, self.lq, self.lmf = s.d_inductance_h, s.q_inductance_h, s.mutual_inductance_h
        self.i_max, self.if_max = s.current_max_a, s.field_current_max_a
        self.r_hot = s.stator_resistance_ohm * (1 + ALPHA_CU_PER_K * (s.winding_temperature_k - T20_K))
        self.rf_hot = s.field_resistance_ohm * (
            1 + ALPHA_CU_PER_K * (s.field_winding_temperature_k - T20_K))
        self.psi_ref = self.lmf * self.if_max
        self.f_max = self.p * s.speed_max_rad_s / (2 * np.pi)

    # --- loss pieces ---------------------------------------------------------------------
    def resistance_ohm(self, speed_rad_s):
        f = self.p * np.abs(speed_rad_s) / (2 * np.pi)
        kac = 1 + (self.spec.ac_resistance_factor_at_max_speed - 1) * (f / self.f_max) ** 2
        return self.r_hot * kac

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
        return (self.rf_hot * i_f * i_f + self.spec.brush_voltage_v * i_f) / self.spec.exciter_efficiency

    def mechanical_loss_w(self, speed_rad_s):
        s = self.spec
        w = np.abs(speed_rad_s)
        return ((s.friction_torque_nm + s.brush_friction_torque_nm) * w
                + s.windage_loss_at_max_speed_w * (w / s.speed_max_rad_s) ** 3)

    # --- candidate costs (search) ------------------------------------------------------------
    def _cost(self, t_em, w, we, r, cfe, i_f, i_d):
        """Loss to minimise for candidates (i_f, i_d) (arrays broadcast: candidates x points);
        infeasible candidates cost 1e12 plus their relative limit violation."""
        k = 1.5 * self.p * (self.lmf * i_f + (self.ld - self.lq) * i_d)
        k = np.where(np.abs(k) < 1e-12, 1e-12, k)
        i_q = t_em / k
        psi_d = self.ld * i_d + self.lmf * i_f
        psi_q = self.lq * i_q
        u_d = r * i_d - we * psi_q
        u_q = r * i_q + we * psi_d
        u2 = u_d * u_d + u_q * u_q
        i2 = i_d * i_d + i_q * i_q
        p_cu = 1.5 * r * i2
        cost = p_cu + cfe * (psi_d * psi_d + psi_q * psi_q) + self.field_loss_w(i_f)
        viol = np.maximum(i2 * (1 / self.i_max**2), u2 * (1 / self.u_max**2))
        ok = viol <= 1 + 2e-9
        if self.inverter_loss is not None:
            # only where feasible: the inverter model is the costliest part of the search
            i = np.sqrt(i2[ok])
            u = np.sqrt(u2[ok])
            p_el = (p_cu + t_em * w)[ok]  # = 1.5 (u_d i_d + u_q i_q), eq. (1)
            ui = 1.5 * u * i
            cos_phi = np.clip(np.divide(p_el, ui, out=np.ones_like(ui), where=ui > 0), -1, 1)
            cost[ok] += self.inverter_loss(i, u / (self.dc_voltage_v / 2), cos_phi,
                                           self.dc_voltage_v)
        return np.where(ok, cost, 1e12 + viol)

    def _search(self, t_em, w, start=None):
        """Loss-minimising (i_f, i_d) per point: a coarse grid (or, with ``start``, a window of
        one coarse step around the given currents), then refined grids around the best."""
        we = (self.p * w)[None, :]
        r = self.resistance_ohm(w)[None, :]
        cfe = self._iron_coefficient(w)[None, :]
        t = t_em[None, :]
        sf = self.if_max / (N_IF_COARSE - 1)
        sd = 2 * self.i_max / (N_ID_COARSE - 1)
        if start is None:
            gf, gd = np.meshgrid(np.linspace(0.0, self.if_max, N_IF_COARSE),
                                 np.linspace(-self.i_max, self.i_max, N_ID_COARSE), indexing="ij")
            gf, gd = gf.reshape(-1, 1), gd.reshape(-1, 1)
            kb = np.argmin(self._cost(t, w[None, :], we, r, cfe, gf, gd), axis=0)
            f0, d0 = gf[kb, 0], gd[kb, 0]
        else:
            f0, d0 = start
        of, od = np.meshgrid(np.linspace(-1, 1, N_FINE), np.linspace(-1, 1, N_FINE), indexing="ij")
        of, od = of.reshape(-1, 1), od.reshape(-1, 1)
        cols = np.arange(t_em.size)
        for _ in range(N_LEVELS):
            cf = np.clip(f0[None, :] + sf * of, 0.0, self.if_max)
            cd = np.clip(d0[None, :] + sd * od, -self.i_max, self.i_max)
            kb = np.argmin(self._cost(t, w[None, :], we, r, cfe, cf, cd), axis=0)
            f0, d0 = cf[kb, cols], cd[kb, cols]
            sf, sd = sf * 2 / (N_FINE - 1), sd * 2 / (N_FINE - 1)
        return f0, d0

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
        :meth:`edrive.components.motor.MotorModel.operating_points` plus ``field_current_a``
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
        best = {}
        n_cand = max(N_IF_COARSE * N_ID_COARSE, N_FINE * N_FINE)
        for blk in self._blocks(n, n_cand):
            tb, wb = t[blk], w[blk]
            p_fe = np.zeros_like(tb)
            start = None
            for _ in range(2):  # torque-consistent iron loss (see module docstring)
                drag = np.where(wb > 0, (p_mech[blk] + p_fe) / np.maximum(wb, 1e-9), 0.0)
                f0, d0 = self._search(tb + drag, wb, start)
                start = (f0, d0)
                p_fe_used[blk] = p_fe
                p_fe = self.iron_loss_w(wb, np.hypot(self.ld * d0 + self.lmf * f0,
                                                     self._iq(tb + drag, f0, d0) * self.lq))
            f_best[blk], d_best[blk] = f0, d0
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

    def _iq(self, t_em, i_f, i_d):
        k = 1.5 * self.p * (self.lmf * i_f + (self.ld - self.lq) * i_d)
        return t_em / np.where(np.abs(k) < 1e-12, 1e-12, k)

    # --- envelope --------------------------------------------------------------------------
    def _envelope_em(self, w, cf, cd):
        """Largest and smallest electromagnetic torque over candidates (cf, cd) (candidates x
        speeds), with the i_q and candidate index that give them."""
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
        linkage at it, per speed: a grid over (i_f, i_d), then refined."""
        gf, gd = np.meshgrid(np.linspace(0.0, self.if_max, n_f),
                             np.linspace(-self.i_max, self.i_max, n_d), indexing="ij")
        cf, cd = gf.reshape(-1, 1), gd.reshape(-1, 1)
        sf, sd = self.if_max / (n_f - 1), 2 * self.i_max / (n_d - 1)
        cols = np.arange(w.size)
        n_ref = 9
        of, od = np.meshgrid(np.linspace(-1, 1, n_ref), np.linspace(-1, 1, n_ref), indexing="ij")
        of, od = of.reshape(-1, 1), od.reshape(-1, 1)
        for level in range(4):
            t_max, t_min, iq_max, iq_min = self._envelope_em(w, cf, cd)
            tt, iq = (t_max, iq_max) if sign > 0 else (-t_min, iq_min)
            kb = np.argmax(tt, axis=0)
            kc = kb if level == 0 else (kb, cols)
            f0, d0 = (cf[kb, 0], cd[kb, 0]) if level == 0 else (cf[kc], cd[kc])
            t_best = tt[kc] if level else tt[kb, cols]
            iq_best = iq[kc] if level else iq[kb, cols]
            cf = np.clip(f0[None, :] + sf * of, 0.0, self.if_max)
            cd = np.clip(d0[None, :] + sd * od, -self.i_max, self.i_max)
            sf, sd = sf * 2 / (n_ref - 1), sd * 2 / (n_ref - 1)
        psi = np.hypot(self.ld * d0 + self.lmf * f0, self.lq * iq_best)
        t_best = np.where(np.isfinite(t_best), t_best, 0.0)
        return sign * np.maximum(t_best, 0.0), psi

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
        p_mech = self.mechanical_loss_w(w)
        with np.errstate(divide="ignore", invalid="ignore"):
            drag_max = np.where(w > 0, (p_mech + self.iron_loss_w(w, psi_max)) / np.maximum(w, 1e-9), 0.0)
            drag_min = np.where(w > 0, (p_mech + self.iron_loss_w(w, psi_min)) / np.maximum(w, 1e-9), 0.0)
        over = w > self.spec.speed_max_rad_s * (1 + 1e-9)
        t_max = np.where(over, 0.0, np.maximum(t_em_max - drag_max, 0.0))
        t_min = np.where(over, 0.0, np.minimum(t_em_min - drag_min, 0.0))
        return t_max, t_min

    def base_speed_rad_s(self) -> float:
        """Speed at which the peak torque starts to fall (the corner of the envelope)."""
        w = np.linspace(1.0, self.spec.speed_max_rad_s, 2000)
        t, _ = self.torque_envelope_nm(w, 200)
        return float(w[np.argmax(t < t[0] * 0.995)]) if (t < t[0] * 0.995).any() else float(w[-1])
