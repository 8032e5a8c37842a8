"""Hybrid records of an EPA Test Car List: a generic hybrid built from a record.

Which records are hybrids is decided in :func:`edrive.io.epa_testcar.classify` (model name,
plug-in records of the same vehicle, highway/city ratio; every petrol record with
``--powertrain hev``); 48 V mild hybrids (``MHEV``) are simulated as conventional cars and
plug-in hybrids' charge-sustaining records as hybrids.

A generic hybrid is built from the record and the defaults in :data:`GENERIC_HEV` (all
estimates, chosen once for every car from published data of typical 2016-2022 hybrids, never
per car):

* architecture: a transmission with one ratio (``CVT``/``SCV``/``AV``: Toyota, Ford, Lexus
  e-CVTs, Honda two-motor) is taken as a power-split; a stepped transmission as a parallel P2
  (Hyundai/Kia six-speed, Ford ten-speed). Honda's two-motor system (series with an engine
  clutch for cruising) is approximated by the power-split. A P2 whose record gives a
  torque-converter automatic (``A``/``SA``) with lock-up (``Transmission Lockup?`` = Y; Ford's
  ten-speed modular hybrid transmission) keeps the converter between its motor and gearbox
  (:class:`edrive.hybrid.HevSpec` ``torque_converter``); the others (Hyundai/Kia's six-speed
  without lock-up, dual-clutch boxes) launch on a clutch. Makers do not file the lock-up
  field consistently (BMW's plug-ins with ZF's hybrid eight-speed, which has no converter,
  both ways: docs/validation.md, section 8);
* engine: the generic engine of :func:`edrive.io.epa_testcar.icev_from_record` at the
  record's displacement and rated power (the Test Car List's rated power of a hybrid is, for
  most makers, the engine's); naturally aspirated petrol engines of hybrids run the Atkinson
  cycle with cooled EGR and take the loss set of the bundled Toyota 2ZR-FXE (about 40 %
  peak brake efficiency, Toyota's published figure for its hybrid engines);
* machines: traction motor (MG2 or P2 motor) of ``motor_power_share`` of the engine power
  (P2: at most ``motor_power_max_w``), base speed ``motor_base_speed_rpm``; power-split MG1 sized to react the engine's maximum
  torque; generic lumped losses;
* battery: ``battery_energy_wh`` at about 220 V, power limit ``battery_power_share`` of the
  engine power (at most 1.2 x the motor's), SOC window 0.4-0.8 with target 0.6; a plug-in
  hybrid's charge-sustaining record (the same vehicle has charge-depleting records) gets the
  ``plug_in`` battery, held near the bottom of its window, and the plug-in operating rules
  of :mod:`edrive.sim.energy_management`.
"""

from __future__ import annotations

import numpy as np

from ..components.engine import RPM
from ..vehicle import vehicle_from_dict
from .epa_icev import CVT_CODES, icev_from_record


def hybrid_architecture(fields: dict) -> str:
    """The architecture of a hybrid record's generic car: a continuously variable box (an
    e-CVT, ``CVT_CODES``) or a single ratio makes it a power-split, a stepped gearbox a
    parallel P2."""
    return "power_split" if fields["trans"] in CVT_CODES or fields["gears"] <= 1 else "p2"


GENERIC_HEV = {
    # Prius 53 kW / 71 kW, Camry and RAV4 88 / 131, Escape 88 / 122: about 0.7
    "motor_power_share": {"power_split": 0.7, "p2": 0.35},  # P2: Ioniq 0.42, Sonata 0.35
    # P2 motors of full hybrids hardly grow with the engine: Hyundai/Kia 32-44 kW, Ford
    # Explorer and F-150 35 kW (maker figures)
    "motor_power_max_w": {"p2": 40e3},
    "motor_base_speed_rpm": {"power_split": 3500.0, "p2": 1800.0},
    "motor_speed_max_rpm": {"power_split": 15000.0},  # P2: the engine's maximum speed
    "mg2_to_ring_ratio": 3.0,        # Prius Gen 4: 3.118; Gen 3: 2.636
    "mg1_speed_max_rpm": 10000.0,    # Prius Gen 3 (ORNL/TM-2010/253)
    "battery_energy_wh": 1200.0,     # Prius 0.75-1.3 kWh, Camry 1.6 kWh
    "battery_cells_series": 60,      # about 220 V
    "battery_cell_resistance_ohm": 2e-3,
    "battery_power_share": 0.45,     # power limit / engine power
    # plug-in hybrids' charge-sustaining records: 2022 plug-ins carry 9-18 kWh (BMW 330e 12,
    # Escape 14.4, RAV4 Prime 18.1, Niro 8.9 kWh) and sustain the charge near the bottom of
    # a 0.1-0.95 window (BMW: about 15 %)
    "plug_in": {"battery_energy_wh": 12e3, "soc_min": 0.1, "soc_max": 0.95,
                "soc_target": 0.15},
    # Atkinson-cycle hybrid engines are four-cylinders of 1.5-2.5 L (Toyota, Hyundai/Kia,
    # Ford 2.0/2.5, Honda 2.0); larger engines of hybrids (Ford 3.3 V6 and 3.5 V6 turbo,
    # Acura NSX) keep their conventional cycle and the generic loss set
    "atkinson_displacement_max_l": 2.5,
    # ... and of low specific power: late intake-valve closing trades power for efficiency
    # (Toyota 2ZR-FXE 41 kW/L, A25A-FXS 53, Hyundai 1.6 GDi 49, Ford 2.5 48, Honda 2.0 53);
    # the turbocharged engines of European plug-ins run 67-150 kW/L (BMW B48 in the 330e 68)
    "atkinson_specific_power_max_w_per_l": 60e3,
    "atkinson_engine": {"indicated_efficiency": 0.455, "pmep0_pa": 25e3,
                        "friction_factor": 0.85, "speed_idle_rad_s": 1000 * RPM},
}


def hev_from_record(rec, defaults: dict | None = None, hybrid: dict | None = None):
    """A generic hybrid built from a test record (see module docstring): ``defaults``
    override the conventional-car defaults its engine and gearbox come from, ``hybrid`` the
    entries of :data:`GENERIC_HEV`."""
    g = GENERIC_HEV | (hybrid or {})
    f = rec.fields
    icev = icev_from_record(rec, defaults)
    engine = icev.model().engine_spec.model_dump(mode="json")
    specific_w_per_l = engine["power_rated_w"] / f["displacement_l"]
    if (engine["kind"] == "petrol" and f["displacement_l"] <= g["atkinson_displacement_max_l"]
            and specific_w_per_l <= g["atkinson_specific_power_max_w_per_l"]):
        engine |= g["atkinson_engine"]
        engine.pop("fuel_cut_speed_rad_s", None)  # re-derived from the new idle speed
    arch = hybrid_architecture(f)
    p_e = engine["power_rated_w"]
    p_m = min(g["motor_power_share"][arch] * p_e, g["motor_power_max_w"].get(arch, np.inf))
    w_base = g["motor_base_speed_rpm"][arch] * RPM
    w_eng_max = engine["speed_max_rad_s"]
    motor = {"power_peak_w": p_m, "torque_peak_nm": p_m / w_base,
             "speed_max_rad_s": g["motor_speed_max_rpm"].get(arch, 0) * RPM or w_eng_max}
    n_s = g["battery_cells_series"]
    cell_ah = g["battery_energy_wh"] / (n_s * 3.7)
    p_b = min(g["battery_power_share"] * p_e, 1.2 * p_m)
    data = {
        "type": "hev", "name": f"{rec.make} {rec.model}".strip(),
        "description": f"generic {arch} hybrid built from EPA test {rec.test_number}",
        "mass": icev.mass.model_dump(mode="json", exclude_none=True),
        "road_load": icev.road_load.model_dump(mode="json", exclude_none=True),
        "wheels": icev.wheels.model_dump(mode="json", exclude_none=True),
        "driven_axle": icev.driven_axle, "architecture": arch, "engine": engine,
        "motor": motor,
        "battery": {"cells_series": n_s, "cell_capacity_as": cell_ah * 3600,
                    "cell_resistance_ohm": g["battery_cell_resistance_ohm"],
                    "soc_min": 0.4, "soc_max": 0.8, "power_discharge_max_w": p_b,
                    "power_charge_max_w": p_b},
        "soc_target": 0.6,
    }
    if f.get("plug_in"):  # a plug-in's charge-sustaining record: its larger battery, held low
        pi = g["plug_in"]
        cell_ah = pi["battery_energy_wh"] / (n_s * 3.7)
        data["battery"] |= {"cell_capacity_as": cell_ah * 3600, "soc_min": pi["soc_min"],
                            "soc_max": pi["soc_max"]}
        data |= {"plug_in": True, "soc_target": pi["soc_target"]}
    if arch == "p2":
        data["transmission"] = icev.transmission if isinstance(icev.transmission, dict) \
            else icev.transmission.model_dump(mode="json")
        data["torque_converter"] = (data["transmission"]["kind"] == "automatic"
                                    and bool(f.get("lockup")))
    else:
        k = 2.6
        t_e = engine["torque_max_nm"]
        t1 = 1.2 * t_e / (1 + k)
        w1 = g["mg1_speed_max_rpm"] * RPM
        data["generator"] = {"power_peak_w": min(0.6 * p_e, 0.9 * t1 * w1),
                             "torque_peak_nm": t1, "speed_max_rad_s": w1}
        data["planetary"] = {"ring_teeth": 78, "sun_teeth": 30,
                             "ring_to_wheel_ratio": f["axle"] if f["axle"] > 1 else 3.0,
                             "mg2_to_ring_ratio": g["mg2_to_ring_ratio"]}
    return vehicle_from_dict(data, where=f"EPA test {rec.test_number}")
