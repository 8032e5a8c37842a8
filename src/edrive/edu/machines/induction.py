"""Induction (asynchronous, squirrel-cage) machine from lumped parameters.

Steady-state inverse-Γ equivalent circuit in rotor-flux orientation, amplitude-invariant Park
frame with peak phase quantities and the motor sign convention, as in
:mod:`edrive.edu.machines.pmsm` (Slemon, "Modelling of induction machines for electric
drives", *IEEE Trans. Ind. Appl.* 25(6), 1989; Krause, Wasynczuk & Sudhoff, *Analysis of
Electric Machinery and Drive Systems*, Wiley 2013, ch. 6; the inverse-Γ parameters of
motulator's ``InductionMachineInvGammaPars``). The inverse-Γ circuit puts all the leakage on the
stator side: stator resistance R_s, leakage inductance L_σ, magnetising inductance L_M and
rotor resistance R_R, all referred to the stator.

With the d axis on the rotor flux, the rotor current has no d component in steady state
(R_R i_Rd = -dψ_R/dt = 0), so with the flux-producing current i_sd and the torque-producing
current i_sq

    ψ_R = L_M i_sd,      ψ_sd = (L_M + L_σ) i_sd = L_s i_sd,      ψ_sq = L_σ i_sq
    T_em = 1.5 p ψ_R i_sq = 1.5 p L_M i_sd i_sq                                      (1)
    ω_r = R_R i_sq / ψ_R           (slip angular frequency, electrical)              (2)
    ω_e = p ω_m + ω_r
    u_sd = R_s i_sd - ω_e L_σ i_sq,      u_sq = R_s i_sq + ω_e L_s i_sd               (3)

The electrical power into the stator is

    1.5 (u_sd i_sd + u_sq i_sq) = 1.5 R_s |i_s|^2 + 1.5 ω_e L_M i_sd i_sq
                                = P_cu,s + T_em ω_e / p          (air-gap power)
                                = P_cu,s + T_em ω_m + 1.5 R_R i_sq^2                  (4)

since T_em ω_r / p = 1.5 ψ_R i_sq R_R i_sq / ψ_R is the rotor copper loss. The slip, and with
it eq. (4)'s rotor term, is positive when motoring (T_em > 0) and negative when generating.

Limits: current |i_s| <= I_max (peak); voltage |u_s| <= U_max = k_m V_dc / sqrt(3) (space-vector
modulation, linear range, k_m a control margin); the flux ψ_R <= ψ_rated
(``rated_flux_vs``), i.e. i_sd <= ψ_rated / L_M. L_M is taken constant: the rated flux sits
at the knee of the magnetising curve and the model does not go past it, so saturation never
enters the flux range used; below it L_M is nearly constant. The pull-out (breakdown) torque
is not a separate limit: it is what the voltage ellipse leaves. With R_s neglected, the most
torque at stator flux ψ_s = U_max / ω_e is at L_s i_sd = L_σ i_sq = ψ_s / sqrt 2,

    T_po = 1.5 p (L_M / L_s) ψ_s^2 / (2 L_σ)  ∝  1 / ω^2                             (5)

Losses:

* stator copper: P_cu,s = 1.5 R_s(T_w, f) |i_s|^2, R_s = R_s,20 (1 + α_Cu (T_w - 20 degC))
  k_ac(f), k_ac = 1 + (k_ac,max - 1) (f / f_max)^2, as for the synchronous machine;
* rotor copper (cage): P_cu,r = 1.5 R_R(T_r) i_sq^2, R_R = R_R,20 (1 + α (T_r - 20 degC)),
  α = 0.00393 /K for a copper cage (IEC 60028) and 0.00403 /K for an aluminium cage (the value
  of IEC 60889 for hard-drawn aluminium; cast cage alloys lie near 0.0039-0.0043 /K). The
  rotor sees only the slip frequency, a few hertz, so no skin effect is modelled in the cage
  (deep-bar effects matter at start-up from the mains, not on an inverter);
* iron, the lumped flux form of :mod:`edrive.edu.machines.base`:
  P_fe = P_fe0 (ψ/ψ_0)^2 [k_h (f/f_0) + (1 - k_h) (f/f_0)^2], with ψ = |ψ_s| the stator flux
  magnitude (the flux behind the stator voltage, which sets the stator core's flux density)
  and ψ_0 = (L_s / L_M) ψ_rated, the stator flux at no load and rated rotor flux, so that
  P_fe0 is the no-load iron loss at rated flux and frequency f_0. The frequency is taken as
  f = p ω_m / 2π: the stator core sees ω_e = p ω_m + ω_r and the rotor core the slip
  frequency, and the difference (a few per cent at speeds where iron loss matters) is dropped
  so that the torque-consistent drag below stays finite as ω_m -> 0;
* mechanical: P_mech = T_fric ω_m + P_w,max (ω_m / ω_max)^3.

As for the synchronous machine, the electromagnetic torque covers the shaft torque and the iron
and mechanical losses, T_em = T_shaft + (P_fe + P_mech) / ω_m, solved twice; the iron loss
reported is the one the second pass was solved with, so by eq. (4)

    1.5 (u_sd i_sd + u_sq i_sq) = T_shaft ω_m + P_cu,s + P_cu,r + P_fe + P_mech

holds exactly.

Control (loss-minimising flux): at each (torque, speed) the flux current i_sd is chosen from a
grid over (0, min(I_max, ψ_rated / L_M)], coarse then refined twice, with i_sq from eq. (1), to
minimise stator copper + rotor copper + iron + inverter losses among the candidates within
both limits. At light load this lowers the flux well below rated (i_sd ≈ i_sq sqrt((R_s +
R_R) / R_s) for copper alone), and at no torque the flux goes to the lowest candidate: unlike
a permanent-magnet machine, a de-fluxed induction machine coasts with nearly its mechanical
loss alone. Above base speed the voltage limit weakens the flux roughly as 1/ω, and at high
speed the pull-out limit (5) takes over.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from ...units import Resistance
from .base import ALPHA_CU_PER_K, MachineLosses, MachineSpec, hot_resistance_ohm

ALPHA_AL_PER_K = 0.00403  # aluminium resistance temperature coefficient at 20 degC (IEC 60889)
N_ISD = (48, 24, 12)  # flux-current candidates per pass: coarse, then twice refined
ISD_MIN_SHARE = 1e-3  # lowest flux-current candidate, as a share of the largest
N_ENV_SAMPLES = 12  # samples of the voltage along i_sq before the bisection (envelope)
N_ENV_BISECT = 32  # bisection steps on the voltage boundary (envelope)


class InductionSpec(MachineSpec):
    """Squirrel-cage induction machine, inverse-Γ parameters (see module docstring).

    Resistances are at 20 degC, per phase; inductances per phase (Park frame, peak quantities,
    like :class:`edrive.edu.machines.pmsm.PmsmSpec`); ``rated_flux_vs`` is the peak rotor flux
    linkage at rated magnetisation, the upper flux limit and the reference of the iron loss.
    """

    kind: Literal["induction"] = "induction"
    rotor_resistance_ohm: Annotated[Resistance, Field(gt=0, le=1)]
    leakage_inductance_h: Annotated[float, Field(gt=0, le=0.1)]
    magnetizing_inductance_h: Annotated[float, Field(gt=0, le=1)]
    rated_flux_vs: Annotated[float, Field(gt=0, le=2)]
    rotor_temperature_k: Annotated[float, Field(gt=200, le=550)] = 393.15
    rotor_material: Literal["aluminium", "copper"] = "aluminium"

    @model_validator(mode="after")
    def _consistent(self):
        if self.leakage_inductance_h >= 0.5 * self.magnetizing_inductance_h:
            raise ValueError("leakage_inductance_h must be below half of "
                             "magnetizing_inductance_h (an induction machine's leakage is a "
                             "small share of its magnetising inductance)")
        i_mag = self.rated_flux_vs / self.magnetizing_inductance_h
        if i_mag >= 0.95 * self.current_max_a:
            raise ValueError(f"the rated flux needs a magnetising current of {i_mag:.0f} A "
                             f"(rated_flux_vs / magnetizing_inductance_h), which leaves no room "
                             f"for torque current within current_max_a "
                             f"{self.current_max_a:.0f} A")
        return self


class InductionModel(MachineLosses):
    """Vectorised operating-point solver for an :class:`InductionSpec` at a DC-link voltage.

    Same interface as :class:`edrive.edu.machines.pmsm.MotorModel`; ``operating_points`` also
    returns the rotor copper loss and the slip angular frequency. In the returned dict
    ``i_d_a`` is the flux-producing current i_sd and ``i_q_a`` the torque-producing i_sq.
    """

    def __init__(self, spec: InductionSpec, dc_voltage_v: float, inverter_loss=None):
        super().__init__(spec, dc_voltage_v, inverter_loss)
        s = spec
        self.l_m, self.l_sigma = s.magnetizing_inductance_h, s.leakage_inductance_h
        self.l_s = self.l_m + self.l_sigma
        self.i_max = s.current_max_a
        self.i_sd_max = min(s.rated_flux_vs / self.l_m, self.i_max)
        self.i_sd_min = ISD_MIN_SHARE * self.i_sd_max
        self.psi_ref = s.rated_flux_vs * self.l_s / self.l_m
        self.r_hot = hot_resistance_ohm(s.stator_resistance_ohm, s.winding_temperature_k)
        alpha_r = ALPHA_CU_PER_K if s.rotor_material == "copper" else ALPHA_AL_PER_K
        self.r_r_hot = hot_resistance_ohm(s.rotor_resistance_ohm, s.rotor_temperature_k, alpha_r)
        self.f_max = self.p * s.speed_max_rad_s / (2 * np.pi)

    # --- loss pieces ---------------------------------------------------------------------
    def _voltage(self, i_sd, i_sq, speed, r):
        """Stator voltage components, eq. (3), with the slip of eq. (2)."""
        w_r = self.r_r_hot * i_sq / (self.l_m * i_sd)
        we = self.p * speed + w_r
        return r * i_sd - we * self.l_sigma * i_sq, r * i_sq + we * self.l_s * i_sd, w_r

    # --- one candidate set -----------------------------------------------------------------
    def _evaluate(self, torque_em, speed, i_sd):
        """Currents, voltages and losses for electromagnetic torque ``torque_em`` at the flux
        current ``i_sd`` > 0 (arrays broadcast together)."""
        i_sq = torque_em / (1.5 * self.p * self.l_m * i_sd)
        r = self.resistance_ohm(speed)
        u_d, u_q, w_r = self._voltage(i_sd, i_sq, speed, r)
        i_sq2 = i_sq * i_sq
        i2 = i_sd * i_sd + i_sq2
        u = np.sqrt(u_d * u_d + u_q * u_q)
        i = np.sqrt(i2)
        ok = (i <= self.i_max * (1 + 1e-9)) & (u <= self.u_max * (1 + 1e-9))
        p_cu_s = 1.5 * r * i2
        p_cu_r = 1.5 * self.r_r_hot * i_sq2
        p_fe = self.iron_loss_w(speed, np.sqrt((self.l_s * i_sd) ** 2 + self.l_sigma**2 * i_sq2))
        p_elec = 1.5 * (u_d * i_sd + u_q * i_sq)
        with np.errstate(divide="ignore", invalid="ignore"):
            cos_phi = np.where(u * i > 0, p_elec / (1.5 * u * i), 1.0)
        m = u / (self.dc_voltage_v / 2)
        p_inv = (self.inverter_loss(i, m, cos_phi, self.dc_voltage_v)
                 if self.inverter_loss is not None else 0.0 * i)
        return {"i_d_a": i_sd + 0 * i_sq, "i_q_a": i_sq, "current_a": i, "voltage_v": u,
                "power_factor": cos_phi, "modulation_index": m,
                "copper_loss_w": p_cu_s + p_cu_r, "rotor_copper_loss_w": p_cu_r,
                "iron_loss_w": p_fe, "inverter_loss_w": p_inv, "feasible": ok,
                "electrical_power_w": p_elec, "slip_rad_s": w_r}

    def operating_points(self, torque_nm, speed_rad_s):
        """Loss-minimising operating points for shaft torques and speeds (broadcast).

        Returns a dict of arrays with the keys of
        :meth:`edrive.edu.machines.pmsm.MotorModel.operating_points` (``copper_loss_w`` is
        stator plus rotor copper) and ``rotor_copper_loss_w`` and ``slip_rad_s`` (the slip
        angular frequency ω_r = ω_e - p ω_m, electrical, positive when motoring).
        ``feasible`` is False where no flux current meets the torque within both limits.
        Speeds are taken as magnitudes, as in ``MotorModel``.
        """
        t, w = np.broadcast_arrays(np.asarray(torque_nm, float), np.asarray(speed_rad_s, float))
        shape = t.shape
        t, w = t.ravel(), np.abs(w.ravel())
        p_mech = self.mechanical_loss_w(w)
        p_fe = np.zeros_like(t)
        best = None
        for _ in range(2):  # torque-consistent iron loss (see module docstring)
            with np.errstate(divide="ignore", invalid="ignore"):
                drag = np.where(w > 0, (p_mech + p_fe) / np.maximum(w, 1e-9), 0.0)
            best = self._search(t + drag, w)
            p_fe_next = best["iron_loss_w"]
            best["iron_loss_w"] = p_fe  # the iron loss the torque was solved with: exact balance
            p_fe = p_fe_next
        best["mechanical_loss_w"] = p_mech
        best["motor_loss_w"] = best["copper_loss_w"] + best["iron_loss_w"] + p_mech
        best["loss_w"] = best["motor_loss_w"] + best["inverter_loss_w"]
        best["dc_power_w"] = t * w + best["loss_w"]
        best["torque_nm"] = t
        best["speed_rad_s"] = w
        return {k: np.asarray(v).reshape(shape) for k, v in best.items()}

    def _search(self, t_em, w):
        """Best flux current for each point: a grid over (0, i_sd,max], then two finer grids
        around the best candidate of the one before (the optimum often lies on the voltage
        limit, where the loss changes linearly with i_sd, so the last grid is fine)."""
        lo, hi = self.i_sd_min, self.i_sd_max
        cand = np.linspace(lo, hi, N_ISD[0])[:, None]
        step = (hi - lo) / (N_ISD[0] - 1)
        for n in N_ISD[1:]:
            res = self._evaluate(t_em[None, :], w[None, :], cand)
            centre = np.take_along_axis(np.broadcast_to(cand, res["feasible"].shape),
                                        self._pick(res)[None, :], axis=0)
            cand = np.clip(centre + np.linspace(-step, step, n)[:, None], lo, hi)
            step = 2 * step / (n - 1)
        res = self._evaluate(t_em[None, :], w[None, :], cand)
        k = self._pick(res)
        shape = res["feasible"].shape
        return {key: np.take_along_axis(np.broadcast_to(v, shape), k[None, :], axis=0)[0]
                for key, v in res.items()}

    @staticmethod
    def _pick(res):
        cost = res["copper_loss_w"] + res["iron_loss_w"] + res["inverter_loss_w"]
        # infeasible candidates rank after feasible ones, by how far they exceed the limits
        cost = np.where(res["feasible"], cost, 1e12 + res["current_a"] + res["voltage_v"])
        return np.argmin(cost, axis=0)

    # --- envelope --------------------------------------------------------------------------
    def _largest_i_sq(self, i_sd, speed, r, i_hi, sign):
        """Largest |i_sq| in [0, i_hi] (i_sq of sign ``sign``) with |u_s| <= U_max, by eq. (3)
        with the slip of eq. (2): |u_s|^2 is a quartic in i_sq, so it is sampled and the
        boundary after the last sample within the limit is found by bisection (for i_sq > 0
        |u_s| grows monotonically; when generating the R_s drop first lowers it). NaN where
        no sample is within the limit."""
        u2 = self.u_max**2

        def inside(x):
            u_d, u_q, _ = self._voltage(i_sd, sign * x, speed, r)
            return u_d * u_d + u_q * u_q <= u2

        step = i_hi / (N_ENV_SAMPLES - 1)
        lo = np.full(np.broadcast_shapes(i_sd.shape, speed.shape), np.nan)
        for k in range(N_ENV_SAMPLES):
            x = k * step
            lo = np.where(inside(x), x, lo)
        found = np.isfinite(lo)
        a = np.where(found, lo, 0.0)
        b = np.minimum(a + step, i_hi)
        for _ in range(N_ENV_BISECT):
            mid = 0.5 * (a + b)
            ok = inside(mid)
            a = np.where(ok, mid, a)
            b = np.where(ok, b, mid)
        return np.where(found, a, np.nan)

    def torque_envelope_nm(self, speed_rad_s, n_candidates: int = 160):
        """Largest motoring and generating shaft torque at each speed [N*m].

        For each flux current i_sd on a grid over (0, i_sd,max], the largest |i_sq| inside the
        current circle and the voltage limit (eq. 3 with the slip, R_s included) gives T_em by
        eq. (1); the shaft torque is T_em less the iron and mechanical drag at that point, and
        the best over i_sd is the envelope: constant torque at rated flux up to base speed,
        the flux weakened about as 1/ω above it, and the pull-out limit (5) at high speed."""
        w = np.abs(np.asarray(speed_rad_s, float)).ravel()
        i_sd = np.linspace(self.i_sd_min, self.i_sd_max, n_candidates)[:, None]
        ww = w[None, :]
        r = self.resistance_ohm(ww)
        i_c = np.sqrt(np.maximum(self.i_max**2 - i_sd**2, 0.0)) + 0 * ww
        k = 1.5 * self.p * self.l_m * i_sd
        p_mech = self.mechanical_loss_w(ww)
        out = []
        for sign in (1.0, -1.0):
            i_sq = sign * self._largest_i_sq(i_sd, ww, r, i_c, sign)
            p_fe = self.iron_loss_w(ww, np.hypot(self.l_s * i_sd, self.l_sigma * i_sq))
            with np.errstate(divide="ignore", invalid="ignore"):
                drag = np.where(ww > 0, (p_mech + p_fe) / np.maximum(ww, 1e-9), 0.0)
            t = k * i_sq - drag
            if sign > 0:
                out.append(np.nan_to_num(t, nan=-np.inf).max(axis=0))
            else:
                out.append(np.nan_to_num(t, nan=np.inf).min(axis=0))
        over = w > self.spec.speed_max_rad_s * (1 + 1e-9)
        t_max = np.where(over, 0.0, np.maximum(out[0], 0.0))
        t_min = np.where(over, 0.0, np.minimum(out[1], 0.0))
        return t_max, t_min

    def base_speed_rad_s(self) -> float:
        """Speed at which the peak torque starts to fall (0.5 % below its low-speed value),
        located on a grid and refined by bisection."""
        w = np.linspace(1.0, self.spec.speed_max_rad_s, 200)
        t, _ = self.torque_envelope_nm(w)
        drop = t < t[0] * 0.995
        if not drop.any():
            return float(w[-1])
        k = int(np.argmax(drop))
        if k == 0:
            return float(w[0])
        a, b = w[k - 1], w[k]
        for _ in range(20):
            mid = 0.5 * (a + b)
            if self.torque_envelope_nm(np.array([mid]))[0][0] < t[0] * 0.995:
                b = mid
            else:
                a = mid
        return float(b)
