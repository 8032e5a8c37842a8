"""Electric machines from lumped parameters: operating points, envelopes and losses.

Permanent-magnet synchronous machine (surface or interior magnets), steady-state dq model in
the amplitude-invariant Park frame (peak phase quantities; Krause, Wasynczuk & Sudhoff,
*Analysis of Electric Machinery and Drive Systems*, Wiley 2013, ch. 5 and 15):

    psi_d = psi_f + L_d i_d,            psi_q = L_q i_q
    u_d = R_s i_d - omega_e psi_q,      u_q = R_s i_q + omega_e psi_d
    T_em = 1.5 p (psi_d i_q - psi_q i_d) = 1.5 p [psi_f + (L_d - L_q) i_d] i_q          (1)

with omega_e = p omega_m. Limits: current i_d^2 + i_q^2 <= I_max^2 (peak), voltage
u_d^2 + u_q^2 <= U_max^2 with U_max = k_m V_dc / sqrt(3) (space-vector modulation, linear
range, k_m a control margin).

Losses: copper, iron and mechanical, in the lumped forms shared by every machine kind
(:mod:`edrive.edu.machines.base`).

The electromagnetic torque covers the shaft torque and the iron and mechanical losses,
T_em = T_shaft + (P_fe + P_mech) / omega_m. P_fe depends on the currents, so the operating
point is solved twice: the second pass uses the iron loss of the first, and that is the iron
loss reported, so that the power balance 1.5 (u_d i_d + u_q i_q) = T_shaft omega_m + P_cu +
P_fe + P_mech holds exactly (the iron loss itself is then within a fraction of a percent of
its value at the final flux).

Control: at each (torque, speed) the d-axis current is chosen, among a fine set of candidates
that respect both limits, to minimise copper + iron + inverter losses (loss-minimising
control). Below base speed this is maximum torque per ampere plus a small iron-loss shift;
above it, field weakening; at the voltage limit's edge, maximum torque per volt. A
surface-magnet machine (L_d = L_q) needs no d-axis current below base speed.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from .base import MachineLosses, MachineSpec, hot_resistance_ohm

N_ID = 32  # d-axis current candidates of the coarse search
N_FINE = 17  # candidates of the first refinement


class PmsmSpec(MachineSpec):
    """Permanent-magnet synchronous machine (see module docstring)."""

    kind: Literal["pmsm"] = "pmsm"
    d_inductance_h: Annotated[float, Field(gt=0, le=0.1)]
    q_inductance_h: Annotated[float, Field(gt=0, le=0.1)]
    magnet_flux_linkage_vs: Annotated[float, Field(gt=0, le=2)]

    @model_validator(mode="after")
    def _saliency(self):
        if self.q_inductance_h < self.d_inductance_h * (1 - 1e-9):
            raise ValueError("a permanent-magnet machine needs q_inductance_h >= d_inductance_h "
                             "(reluctance torque with negative d-axis current)")
        return self


class MotorModel(MachineLosses):
    """Vectorised operating-point solver for a :class:`PmsmSpec` at a DC-link voltage."""

    def __init__(self, spec: PmsmSpec, dc_voltage_v: float, inverter_loss=None):
        super().__init__(spec, dc_voltage_v, inverter_loss)
        s = spec
        self.psi_f, self.ld, self.lq = s.magnet_flux_linkage_vs, s.d_inductance_h, s.q_inductance_h
        self.i_max = s.current_max_a
        self.r_hot = hot_resistance_ohm(s.stator_resistance_ohm, s.winding_temperature_k)
        self.psi_ref = self.psi_f
        self.f_max = self.p * s.speed_max_rad_s / (2 * np.pi)

    # --- one candidate set -----------------------------------------------------------------
    def _evaluate(self, torque_em, speed, i_d, with_inverter: bool = True):
        """Currents, voltages and losses for electromagnetic torque ``torque_em`` at the
        d-axis current ``i_d`` (arrays broadcast together)."""
        k = 1.5 * self.p * (self.psi_f + (self.ld - self.lq) * i_d)
        with np.errstate(divide="ignore", invalid="ignore"):
            i_q = np.where(np.abs(k) > 1e-12, torque_em / k, np.inf)
        we = self.p * speed
        r = self.resistance_ohm(speed)
        psi_d = self.psi_f + self.ld * i_d
        psi_q = self.lq * i_q
        u_d = r * i_d - we * psi_q
        u_q = r * i_q + we * psi_d
        u = np.hypot(u_d, u_q)
        i = np.hypot(i_d, i_q)
        ok = (i <= self.i_max * (1 + 1e-9)) & (u <= self.u_max * (1 + 1e-9))
        p_cu = 1.5 * r * i * i
        p_fe = self.iron_loss_w(speed, np.hypot(psi_d, psi_q))
        p_elec = 1.5 * (u_d * i_d + u_q * i_q)
        with np.errstate(divide="ignore", invalid="ignore"):
            cos_phi = np.where(u * i > 0, p_elec / (1.5 * u * i), 1.0)
        m = u / (self.dc_voltage_v / 2)
        p_inv = (self.inverter_loss(i, m, cos_phi, self.dc_voltage_v)
                 if self.inverter_loss is not None and with_inverter else 0.0 * i)
        return {"i_d_a": i_d + 0 * i_q, "i_q_a": i_q, "current_a": i, "voltage_v": u,
                "power_factor": cos_phi, "modulation_index": m, "copper_loss_w": p_cu,
                "iron_loss_w": p_fe, "inverter_loss_w": p_inv, "feasible": ok,
                "electrical_power_w": p_elec}

    def operating_points(self, torque_nm, speed_rad_s):
        """Loss-minimising operating points for shaft torques and speeds (broadcast).

        Returns a dict of arrays: currents, voltage, power factor, the losses of the machine
        (copper, iron, mechanical) and of the inverter, ``dc_power_w`` and ``feasible``
        (False where no current meets the torque within both limits).
        """
        t, w = np.broadcast_arrays(np.asarray(torque_nm, float), np.asarray(speed_rad_s, float))
        shape = t.shape
        t, w = t.ravel(), np.abs(w.ravel())
        p_mech = self.mechanical_loss_w(w)

        def solve(idx, p_fe):
            """Operating points for the subset ``idx`` with the iron loss ``p_fe`` in the
            torque; the iron loss reported is that one (exact power balance)."""
            ww = w[idx]
            with np.errstate(divide="ignore", invalid="ignore"):
                drag = np.where(ww > 0, (p_mech[idx] + p_fe) / np.maximum(ww, 1e-9), 0.0)
            res = self._search(t[idx] + drag, ww)
            actual = res["iron_loss_w"]
            res["iron_loss_w"] = p_fe + 0 * actual
            return res, actual

        # torque-consistent iron loss (see module docstring): pass 1 without iron loss, pass 2
        # with pass 1's; where pass 1 found no feasible currents its iron loss is meaningless,
        # so those points take a third pass with pass 2's
        everything = np.arange(t.size)
        first, fe1 = solve(everything, np.zeros_like(t))
        best, fe2 = solve(everything, fe1)
        redo = np.flatnonzero(~first["feasible"] & best["feasible"])
        if redo.size:
            third, _ = solve(redo, fe2[redo])
            for key, val in third.items():
                best[key] = np.array(best[key], dtype=float if key != "feasible" else bool)
                best[key][redo] = val
        best["mechanical_loss_w"] = p_mech
        loss = best["copper_loss_w"] + best["iron_loss_w"] + p_mech + best["inverter_loss_w"]
        best["motor_loss_w"] = best["copper_loss_w"] + best["iron_loss_w"] + p_mech
        best["loss_w"] = loss
        best["dc_power_w"] = t * w + loss
        best["torque_nm"] = t
        best["speed_rad_s"] = w
        return {k: np.asarray(v).reshape(shape) for k, v in best.items()}

    def _search(self, t_em, w):
        """Best d-axis current for each point: a coarse grid over [-I_max, 0] on machine
        losses alone, then two refinements around the best candidate that include the
        inverter's losses (final resolution about I_max / 1300)."""
        lo, hi = -self.i_max, 0.0
        cand = np.linspace(lo, hi, N_ID)[:, None]
        res = self._evaluate(t_em[None, :], w[None, :], cand, with_inverter=False)
        centre = cand[self._pick(res), 0]
        step = (hi - lo) / (N_ID - 1)
        for n in (N_FINE, 9):
            fine = np.clip(centre[None, :] + np.linspace(-step, step, n)[:, None], lo, hi)
            res = self._evaluate(t_em[None, :], w[None, :], fine)
            k = self._pick(res)
            centre = np.take_along_axis(fine, k[None, :], axis=0)[0]
            step = 2 * step / (n - 1)
        return {key: np.take_along_axis(np.broadcast_to(v, res["feasible"].shape), k[None, :],
                                        axis=0)[0] for key, v in res.items()}

    @staticmethod
    def _pick(res):
        cost = res["copper_loss_w"] + res["iron_loss_w"] + res["inverter_loss_w"]
        # infeasible candidates rank after feasible ones, by how far they exceed the limits
        cost = np.where(res["feasible"], cost, 1e12 + res["current_a"] + res["voltage_v"])
        return np.argmin(cost, axis=0)

    # --- envelope --------------------------------------------------------------------------
    def torque_envelope_nm(self, speed_rad_s, n_candidates: int = 400):
        """Largest motoring and generating shaft torque at each speed [N*m].

        For each d-axis current on a fine grid, the largest |i_q| inside both the current
        circle and the voltage ellipse (including the R_s drop, a quadratic in i_q) gives a
        torque by eq. (1); the best over i_d is the envelope (maximum torque per ampere below
        base speed, the current-voltage intersection and maximum torque per volt above)."""
        w = np.abs(np.asarray(speed_rad_s, float)).ravel()
        i_d = np.linspace(-self.i_max, 0.0, n_candidates)[:, None]
        we = self.p * w[None, :]
        r = self.resistance_ohm(w)[None, :]
        psi_d = self.psi_f + self.ld * i_d
        a = (we * self.lq) ** 2 + r * r
        b = 2 * (-r * i_d * we * self.lq + r * we * psi_d)
        c = (r * i_d) ** 2 + (we * psi_d) ** 2 - self.u_max**2
        disc = b * b - 4 * a * c
        sq = np.sqrt(np.maximum(disc, 0.0))
        iq_v_pos = np.where(disc >= 0, (-b + sq) / (2 * a), -np.inf)
        iq_v_neg = np.where(disc >= 0, (-b - sq) / (2 * a), np.inf)
        iq_c = np.sqrt(np.maximum(self.i_max**2 - i_d**2, 0.0))
        iq_pos = np.minimum(iq_c, iq_v_pos)
        iq_neg = np.maximum(-iq_c, iq_v_neg)
        k = 1.5 * self.p * (self.psi_f + (self.ld - self.lq) * i_d)
        t_pos = np.where(iq_pos >= 0, k * iq_pos, 0.0)
        t_neg = np.where(iq_neg <= 0, k * iq_neg, 0.0)
        k_max, k_min = np.argmax(t_pos, axis=0), np.argmin(t_neg, axis=0)
        cols = np.arange(w.size)
        t_em_max, t_em_min = t_pos[k_max, cols], t_neg[k_min, cols]
        # shaft torque: the machine's own iron loss at the envelope point's flux, and the
        # mechanical losses, take their share
        psi_d_max, psi_d_min = psi_d[k_max, 0], psi_d[k_min, 0]
        psi_max = np.hypot(psi_d_max, self.lq * np.where(np.isfinite(iq_pos[k_max, cols]),
                                                         iq_pos[k_max, cols], 0.0))
        psi_min = np.hypot(psi_d_min, self.lq * np.where(np.isfinite(iq_neg[k_min, cols]),
                                                         iq_neg[k_min, cols], 0.0))
        return self._shaft_envelope(w, t_em_max, t_em_min, psi_max, psi_min)
