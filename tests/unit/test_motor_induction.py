"""Induction machine (inverse-Γ, rotor-flux orientation): analytic and physical checks."""

import numpy as np
import pytest

from edrive.edu.machines.induction import InductionModel, InductionSpec
from edrive.edu.machines.pmsm import MotorModel, PmsmSpec
from edrive.errors import EdriveError
from edrive.spec import validate

# Audi e-tron / Tesla-front-like squirrel-cage machine of about 150 kW at 396 V.
# Published (docs: /work/shared/reference/edu-physics.md §3.3, pyleecan AUDI_eTron.json):
#   p = 2, 48 stator slots, bore 157.2 mm, stator OD 255 mm, stack 120 mm, winding 6 turns
#   per coil in 2 parallel paths (24 series turns per phase), R_s,20 = 5.5 mOhm as pyleecan
#   computes it for that (assumed) winding. Rotor cage (pyleecan file, not in the note): 58
#   bars of 84 mm^2, end rings 20 x 15 mm.
# Estimates (no public source; reasoning beside them):
#   rated_flux_vs 0.178: psi = k_w N_s Phi, k_w 0.925 (q = 4, 5/6 pitch), N_s 24, Phi =
#     (2/pi) B tau_p L with B = 0.85 T peak air-gap flux density at rated flux.
#   magnetizing_inductance_h 3.0 mH: 60 A peak magnetises 0.85 T across an effective gap of
#     0.94 mm (0.6 mm from the pyleecan radii 78.5/77.9 mm, Carter 1.2, saturation 1.3).
#   leakage_inductance_h 150 uH: total leakage about 5 % of L_s.
#   stator_resistance_ohm 10 mOhm: pyleecan's 5.5 mOhm implies an almost solid copper slot;
#     at a fill factor of 0.55 the same turns give about 10 mOhm.
#   rotor_resistance_ohm 7 mOhm: the cage above in cast aluminium (3.2e-8 Ohm m), referred
#     to the stator with 4 m (k_w N_s)^2 / Z_r and (L_M / L_r)^2.
#   current_max_a 600 A peak (425 A rms): puts the peak torque near 320 Nm, the e-tron
#     front/rear machine class (unverified; not in the note).
#   speed_max 13,000 rpm, DC link 396 V (e-tron nominal pack voltage, unverified): inside the
#     note's ranges (10,000-18,000 rpm; 300-450 V).
#   iron_loss_no_load_w 1.5 kW at 400 Hz, friction 0.3 N*m, windage 250 W, inertia
#     0.08 kg m^2: inside the note's ranges for 150-250 kW machines.
ETRON_LIKE = {
    "pole_pairs": 2, "stator_resistance_ohm": 10e-3, "rotor_resistance_ohm": 7.0e-3,
    "leakage_inductance_h": 150e-6, "magnetizing_inductance_h": 3.0e-3, "rated_flux_vs": 0.178,
    "current_max_a": 600.0, "speed_max_rad_s": 13000 * np.pi / 30, "rotor_material": "aluminium",
    "iron_loss_no_load_w": 1500.0, "iron_loss_reference_hz": 400.0, "friction_torque_nm": 0.3,
    "windage_loss_at_max_speed_w": 250.0, "rotor_inertia_kg_m2": 0.08,
}
ETRON_VDC = 396.0

# The Tesla Model 3-like IPM of tests/unit/test_motor_edu.py and the bundled EDU, for comparison.
TESLA_PMSM = {
    "pole_pairs": 3, "stator_resistance_ohm": 4.85e-3, "d_inductance_h": 110e-6,
    "q_inductance_h": 340e-6, "magnet_flux_linkage_vs": 0.074, "current_max_a": 1373.0,
    "speed_max_rad_s": 16000 * np.pi / 30, "winding_temperature_k": 383.15,
    "ac_resistance_factor_at_max_speed": 1.3, "windage_loss_at_max_speed_w": 250.0,
}


def etron(**kw) -> InductionModel:
    return InductionModel(InductionSpec(**(ETRON_LIKE | kw)), ETRON_VDC)


def grid(m, n=21):
    w = np.linspace(0.0, m.spec.speed_max_rad_s, n)
    tmax, tmin = m.torque_envelope_nm(w)
    T, W = np.meshgrid(np.linspace(tmin.min(), tmax.max(), n + 4), w, indexing="ij")
    return T, W


def test_same_keys_as_the_synchronous_machine_plus_rotor_quantities():
    op = etron().operating_points(np.array([10.0, -10.0]), 300.0)
    pm = MotorModel(PmsmSpec(**TESLA_PMSM), 350.0).operating_points(np.array([10.0]), 300.0)
    assert set(op) == set(pm) | {"rotor_copper_loss_w", "slip_rad_s"}
    assert all(v.shape == (2,) for v in op.values())


def test_torque_from_currents_matches_the_torque_asked():
    m = etron()
    t = np.array([30.0, 150.0, 300.0, -250.0, 60.0, 0.0])
    w = np.array([100.0, 300.0, 400.0, 600.0, 1300.0, 900.0])
    op = m.operating_points(t, w)
    assert op["feasible"].all()
    t_em = 1.5 * 2 * 3.0e-3 * op["i_d_a"] * op["i_q_a"]
    drag = (op["iron_loss_w"] + op["mechanical_loss_w"]) / w
    assert t_em == pytest.approx(t + drag, rel=1e-9, abs=1e-12)


def test_power_balance_of_the_equivalent_circuit():
    m = etron()
    T, W = grid(m)
    op = m.operating_points(T, W)
    ok = op["feasible"]
    assert ok.mean() > 0.5
    rhs = (T * W + op["copper_loss_w"] + op["iron_loss_w"] + op["mechanical_loss_w"])
    assert op["electrical_power_w"][ok] == pytest.approx(rhs[ok], rel=1e-6, abs=1e-6)
    # the stator power is the stator copper loss plus the air-gap power T_em omega_e / p
    t_em = 1.5 * 2 * 3.0e-3 * op["i_d_a"] * op["i_q_a"]
    w_e = 2 * W + op["slip_rad_s"]
    p_cu_s = op["copper_loss_w"] - op["rotor_copper_loss_w"]
    assert op["electrical_power_w"][ok] == pytest.approx((p_cu_s + t_em * w_e / 2)[ok],
                                                         rel=1e-9, abs=1e-6)
    assert op["motor_loss_w"] == pytest.approx(op["copper_loss_w"] + op["iron_loss_w"]
                                               + op["mechanical_loss_w"])
    assert op["dc_power_w"] == pytest.approx(T * W + op["loss_w"])


def test_slip_follows_the_rotor_equation_and_the_sign_of_the_torque():
    m = etron()
    op = m.operating_points(np.array([100.0, -100.0, 250.0, -250.0]), 400.0)
    assert op["feasible"].all()
    assert np.all(op["slip_rad_s"][[0, 2]] > 0) and np.all(op["slip_rad_s"][[1, 3]] < 0)
    psi_r = 3.0e-3 * op["i_d_a"]
    assert op["slip_rad_s"] == pytest.approx(m.r_r_hot * op["i_q_a"] / psi_r, rel=1e-12)
    assert op["rotor_copper_loss_w"] == pytest.approx(1.5 * m.r_r_hot * op["i_q_a"] ** 2)
    # the rotor copper loss is the slip share of the air-gap power, T_em omega_r / p
    t_em = 1.5 * 2 * psi_r * op["i_q_a"]
    assert op["rotor_copper_loss_w"] == pytest.approx(t_em * op["slip_rad_s"] / 2, rel=1e-12)


def test_rotor_cage_material_and_temperature():
    al = etron(rotor_temperature_k=393.15)
    cu = etron(rotor_temperature_k=393.15, rotor_material="copper")
    assert al.r_r_hot == pytest.approx(7e-3 * (1 + 0.00403 * 100))
    assert cu.r_r_hot == pytest.approx(7e-3 * (1 + 0.00393 * 100))


def test_an_unloaded_machine_is_defluxed():
    # no drag at all: zero electromagnetic torque, the flux goes to the lowest candidate
    m = etron(iron_loss_no_load_w=0.0, friction_torque_nm=0.0, windage_loss_at_max_speed_w=0.0)
    op = m.operating_points(np.zeros(3), np.array([0.0, 500.0, 1300.0]))
    assert op["i_d_a"] == pytest.approx(m.i_sd_min)
    assert op["i_q_a"] == pytest.approx(0.0, abs=1e-12)
    # with drag: coasting costs little more than the mechanical loss (unlike a PMSM, whose
    # magnets keep the full no-load iron loss)
    m = etron()
    w = np.array([300.0, 700.0, 1300.0])
    op = m.operating_points(np.zeros(3), w)
    assert np.all(op["i_d_a"] < 0.15 * m.i_sd_max)
    extra = op["motor_loss_w"] - op["mechanical_loss_w"]
    assert np.all(extra < 0.1 * op["mechanical_loss_w"])
    pm = MotorModel(PmsmSpec(**TESLA_PMSM), 350.0).operating_points(np.zeros(3), w)
    assert np.all(pm["iron_loss_w"] > 5 * op["iron_loss_w"])


def test_flux_grows_with_load_and_is_weakened_at_high_speed():
    m = etron()
    op = m.operating_points(np.array([10.0, 40.0, 200.0]), 200.0)
    assert np.all(np.diff(op["i_d_a"]) > 0)
    # at full torque the flux sits at its rated value at low speed ...
    w = np.array([100.0, 800.0, 1300.0])
    tmax, _ = m.torque_envelope_nm(w)
    op = m.operating_points(0.97 * tmax, w)
    assert op["feasible"].all()
    assert op["i_d_a"][0] == pytest.approx(m.i_sd_max, rel=0.02)
    # ... and falls roughly as 1/omega above base speed
    assert op["i_d_a"][1] < 0.8 * op["i_d_a"][0]
    assert op["i_d_a"][2] < op["i_d_a"][1]
    assert op["i_d_a"][2] / op["i_d_a"][1] == pytest.approx(800 / 1300, rel=0.2)


def test_search_finds_the_loss_minimum():
    m = etron()
    t = np.array([15.0, 120.0, -90.0, 40.0])
    w = np.array([150.0, 400.0, 900.0, 1200.0])
    op = m.operating_points(t, w)
    # brute force over 4000 flux currents at the same electromagnetic torque
    t_em = t + (op["iron_loss_w"] + op["mechanical_loss_w"]) / w
    cand = np.linspace(m.i_sd_min, m.i_sd_max, 4000)[:, None]
    res = m._evaluate(t_em[None, :], w[None, :], cand)
    cost = np.where(res["feasible"], res["copper_loss_w"] + res["iron_loss_w"], np.inf)
    mine = m._evaluate(t_em, w, op["i_d_a"])
    assert np.all(mine["copper_loss_w"] + mine["iron_loss_w"] <= cost.min(axis=0) * 1.001)


def test_operating_points_respect_the_limits():
    m = etron()
    T, W = np.meshgrid(np.linspace(-450, 450, 31), np.linspace(0, m.spec.speed_max_rad_s, 27),
                       indexing="ij")
    op = m.operating_points(T, W)
    ok = op["feasible"]
    assert np.all(op["current_a"][ok] <= 600 * (1 + 1e-9))
    assert np.all(op["voltage_v"][ok] <= 0.95 * ETRON_VDC / np.sqrt(3) * (1 + 1e-9))
    assert np.all(op["i_d_a"] > 0) and np.all(op["i_d_a"] <= 0.178 / 3.0e-3 * (1 + 1e-12))
    tmax, tmin = m.torque_envelope_nm(W[0])
    # every point well inside the envelope is feasible, every point well outside is not
    assert np.all(ok[(T < 0.97 * tmax[None, :]) & (T > 0.97 * tmin[None, :])])
    assert not np.any(ok[T > 1.03 * tmax[None, :] + 1])
    assert not np.any(ok[T < 1.03 * tmin[None, :] - 1])


def test_envelope_shape():
    m = etron()
    w = np.linspace(0, m.spec.speed_max_rad_s, 400)
    tmax, tmin = m.torque_envelope_nm(w)
    base = m.base_speed_rad_s()
    above = w >= base
    assert np.all(np.diff(tmax[above]) <= 1e-6)
    # generating: the drag adds to the braking torque, which grows a little with speed up to
    # the generating corner, later than the motoring one
    k_gen = int(np.argmax(-tmin))
    assert w[k_gen] > base
    assert np.all(np.diff(-tmin[k_gen:]) <= 1e-6)
    # below base speed: rated flux and the rest of the current circle
    i_sd = m.i_sd_max
    t0 = 1.5 * 2 * 0.178 * np.sqrt(600.0**2 - i_sd**2)
    assert tmax[0] == pytest.approx(t0, rel=1e-3)
    assert tmin[0] == pytest.approx(-t0, rel=1e-3)
    assert np.all(tmax[w < 0.95 * base] > 0.99 * t0 - 0.5)
    # generating reaches further than motoring at high speed (the R_s drop helps)
    assert np.all(-tmin[w > 1.2 * base] > tmax[w > 1.2 * base])
    assert m.torque_envelope_nm(np.array([1.01 * m.spec.speed_max_rad_s]))[0][0] == 0.0


def test_pull_out_torque_falls_as_one_over_speed_squared():
    # a nearly lossless machine with a large current limit: the voltage alone limits, eq. (5)
    m = etron(stator_resistance_ohm=1e-6, rotor_resistance_ohm=1e-6, current_max_a=3000.0,
              iron_loss_no_load_w=0.0, friction_torque_nm=0.0, windage_loss_at_max_speed_w=0.0,
              ac_resistance_factor_at_max_speed=1.0)
    w = np.array([900.0, 1100.0, 1361.0])
    tmax, tmin = m.torque_envelope_nm(w)
    psi_s = m.u_max / (2 * w)
    t_po = 1.5 * 2 * (3.0e-3 / 3.15e-3) * psi_s**2 / (2 * 150e-6)
    assert tmax == pytest.approx(t_po, rel=2e-3)
    assert -tmin == pytest.approx(t_po, rel=2e-3)


def test_etron_like_figures():
    m = InductionModel(InductionSpec(**ETRON_LIKE), ETRON_VDC)
    w = np.linspace(0, m.spec.speed_max_rad_s, 240)
    tmax, _ = m.torque_envelope_nm(w)
    p = tmax * w
    assert 300 < tmax.max() < 340
    assert 140e3 < p.max() < 170e3
    assert 4000 < m.base_speed_rad_s() * 30 / np.pi < 5500
    assert tmax[-1] * w[-1] > 0.4 * p.max()  # the pull-out limit leaves ~half power at n_max

    def peak(model, wm, tm):
        T, W = np.meshgrid(np.linspace(0, tm.max(), 60)[1:], wm[1:], indexing="ij")
        op = model.operating_points(T, W)
        ok = op["feasible"] & (T <= np.interp(W, wm, tm))
        return np.nanmax(np.where(ok, T * W / (T * W + op["motor_loss_w"]), np.nan))

    pm = MotorModel(PmsmSpec(**TESLA_PMSM), 350.0)
    w_pm = np.linspace(0, pm.spec.speed_max_rad_s, 240)
    eta_im, eta_pm = peak(m, w, tmax), peak(pm, w_pm, pm.torque_envelope_nm(w_pm)[0])
    assert 0.93 < eta_im < eta_pm
    # light load at high speed: no magnets to drag, the induction machine does better;
    # low speed and high torque: its rotor copper loss makes it worse
    light = (10.0, 10000 * np.pi / 30)
    heavy = (150.0, 2000 * np.pi / 30)
    for (t, wm), im_better in ((light, True), (heavy, False)):
        loss_im = m.operating_points(t, wm)["motor_loss_w"]
        loss_pm = pm.operating_points(t, wm)["motor_loss_w"]
        assert (loss_im < loss_pm) == im_better


@pytest.mark.parametrize("change, message", [
    ({"leakage_inductance_h": 2e-3}, "leakage_inductance_h"),
    ({"rated_flux_vs": 1.8}, "magnetising current"),
    ({"rotor_resistance_ohm": -1e-3}, "rotor_resistance_ohm"),
    ({"rotor_material": "brass"}, "rotor_material"),
    ({"pole_pairs": 0}, "pole_pairs"),
    ({"slip_max": 0.1}, "unknown key"),
])
def test_bad_specs_are_rejected(change, message):
    with pytest.raises(EdriveError, match=message):
        validate(InductionSpec, ETRON_LIKE | change, where="motor")


def test_units_in_user_files():
    spec = validate(InductionSpec, ETRON_LIKE | {"stator_resistance_ohm": "10 mohm",
                                                 "speed_max_rad_s": "13000 rpm",
                                                 "iron_loss_no_load_w": "1.5 kW"}, "motor")
    assert spec.stator_resistance_ohm == pytest.approx(10e-3)
    assert spec.speed_max_rad_s == pytest.approx(13000 * np.pi / 30)
    assert spec.kind == "induction"
