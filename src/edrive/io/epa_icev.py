"""Petrol and diesel cars built from records of the EPA Test Car List with generic
defaults: an engine sized by the record's displacement and rated power
(:func:`edrive.components.engine.engine_from_rating`), a gearbox with the record's gear
count and a generic ratio spread whose top gear gives the record's N/V ratio (a CVT: ten
fixed ratios over a CVT's spread, ``cvt_ratio_spread``), and the
record's road-load coefficients and test weight. With ``mild_hybrid`` set in the defaults
(e.g. to :data:`GENERIC_MILD_HYBRID`), a record whose model name says it is a 48 V mild
hybrid (``MHEV``) gets that belt starter-generator (:mod:`edrive.sim.starter_generator`);
by default such records are built as conventional cars (docs/validation.md, section 7). Used by
:mod:`edrive.io.epa_testcar` (petrol and diesel records) and :mod:`edrive.io.epa_hybrid`
(the engine of a hybrid)."""

from __future__ import annotations

import math
import re

from ..components.engine import engine_from_rating
from ..constants import HP_W, LB_KG, MPH_M_S, RPM_RAD_S
from ..vehicle import vehicle_from_dict
from .epa_screen import Record, is_awd

# Generic defaults for petrol and diesel records.
GENERIC_ICE = {
    "wheel_radius_m": 0.33,
    "rated_speed_rpm": {"petrol": 6000.0, "diesel": 4000.0},
    "turbo_specific_power_w_per_l": 70e3,  # petrol engines above this are taken as turbocharged
    # overall ratio spread (first gear over top gear) of a stepped gearbox by its count of
    # gears (estimates; docs/validation.md, section 7, on the sourced 10-speed value tried)
    "ratio_spread": {4: 3.6, 5: 4.2, 6: 5.5, 7: 6.5, 8: 7.0, 9: 9.0, 10: 10.0},
    "cvt_steps": 10,  # a CVT is approximated by 10 fixed ratios over its spread
    # a CVT's ratio spread: belt CVTs spanned about 6.0 until 2009, when Nissan and JATCO's
    # CVT with an auxiliary gearbox raised it to 7.3 (Nissan, 22 July 2009, reported by
    # Green Car Congress: "from current 6.0:1 to 7.3:1"); Toyota's Direct Shift-CVT (2018)
    # reaches 7.5, "class-leading" (Toyota, 26 Feb 2018, reported by just-auto). 7.0 lies
    # in that range; it was chosen from these figures, not fitted
    "cvt_ratio_spread": 7.0,
    # extra fuel after a cold start per kW of rated engine power [L/kW] (cold_start_fuel_l)
    "cold_start_fuel_l_per_kw": 3.33e-4,
    # EngineSpec fields for every record's engine. The file does not say which cars stop
    # their engine at standstill; the generic car idles (the engine-off share in the test is
    # unknown, and the simple stop-start of edrive.sim.icev stops at every halt, which would
    # credit every car with the largest saving)
    "engine": {"stop_start": False},
    # a petrol engine's indicated efficiency (engine eq. 2a): the aspirated engine's e_0,NA
    # and the exponent k of the knock-limited compression ratio of a boosted one; None: the
    # library's (the aspirated kind's e_0, edrive.components.engine.KNOCK_COMPRESSION_EXPONENT)
    "indicated_efficiency_aspirated": None,
    "knock_compression_exponent": None,
    # {engine kind: EngineSpec fields}, applied after "engine"; empty: the library's kind
    # defaults, whose petrol values were fitted to this file's records with
    # tools/calibrate_ice_defaults.py (edrive.components.engine.FUEL_DEFAULTS)
    "engine_by_kind": {},
    # TransmissionSpec fields; drag torque fitted as above (kind default for the rest)
    "transmission": {"drag_torque_nm": 0.72},
    # gear choice per transmission kind (IcevSpec.shift_strategy; kind not listed: economy):
    # manual cars are shifted by the driver at fixed road speeds on the dynamometer
    "shift_strategy": {"manual": "driver"},
    "aux_power_w": None,  # None = the library default
    # rotating inertia at the gearbox input per litre of displacement [kg*m^2/L]; None: the
    # library default (edrive.vehicle.INPUT_INERTIA_KG_M2_PER_M3, fitted as above)
    "input_inertia_kg_m2_per_l": None,
    # the starter-generator given to 48 V mild hybrid records (IcevSpec.starter_generator);
    # None: they are built as conventional cars (docs/validation.md, section 7)
    "mild_hybrid": None,
}
# a generic 48 V belt starter-generator (all estimates, typical of 2019-2022 systems: 10-15
# kW machines at 2.5-3 times the crankshaft speed, 0.2-0.5 kWh lithium-ion batteries of 13-14
# cells; not any one maker's figures): GENERIC_ICE["mild_hybrid"] for tools/mild_hybrids.py
GENERIC_MILD_HYBRID = {
    "motor": {"power_peak_w": 12e3, "torque_peak_nm": 45.0,
              "speed_max_rad_s": 18000 * RPM_RAD_S},
    "speed_ratio": 2.7, "belt_efficiency": 0.95,
    "battery": {"cells_series": 13, "cell_capacity_as": 8 * 3600.0,
                "cell_resistance_ohm": 1.5e-3, "chemistry": "nmc", "soc_min": 0.3,
                "soc_max": 0.8, "power_discharge_max_w": 12e3, "power_charge_max_w": 12e3},
    "soc_target": 0.55,
}
MILD_HYBRID_NAME = re.compile(r"\bmhev\b", re.IGNORECASE)

# EPA transmission codes: A automatic, SA semi-automatic (an automatic with a manual mode),
# AM automated manual, AMS automated manual with a manual mode (in the 2022 file the
# dual-clutch boxes of Volkswagen, Porsche, Hyundai and others: 260 of its 288 AMS records
# say "no lock-up", having no torque converter), M manual, CVT/SCV/AV continuously variable
CVT_CODES = ("CVT", "SCV", "AV")
TRANSMISSION_KINDS = {"A": "automatic", "SA": "automatic", "AMS": "dct", "AM": "dct",
                      "M": "manual", "CVT": "automatic", "SCV": "automatic", "AV": "automatic"}


def cold_start_fuel_l(car) -> float:
    """The generic extra fuel of a cold start [L] of a petrol, diesel or hybrid car's engine
    (``car`` a vehicle spec), added to the FTP-75's first bag:

        V_cold = v_cold P_rated,   v_cold = ``GENERIC_ICE["cold_start_fuel_l_per_kw"]``

    v_cold = 0.333 mL per kW is the median, over the 951 petrol FTP-75 records of the EPA 2022
    Test Car List with status ``ok`` and all three bags, of the measured cold-start excess
    D_1 (1 / FE_bag1 - 1 / FE_bag3) (bags 1 and 3 drive the same 3.59 miles, cold and hot)
    divided by the rated power (interquartile range 0.28-0.40 mL/kW). Rated power predicts
    the excess better than displacement (0.0256 L per litre): mean absolute deviation 19 mL
    against 22 mL, and it leaves no trend with specific power (correlation of the residual
    with kW per litre -0.15 against +0.52 per litre: engines of 100-200 kW/L burn 0.036-0.040
    L per litre, those below 70 kW/L 0.020-0.022). Catalyst heating after a cold start heats
    converters sized for the exhaust flow at rated power, not for the swept volume
    (Heywood, *Internal Combustion Engine Fundamentals*, 1988, ch. 11 on converter sizing by
    space velocity)."""
    power_w = car.model().engine_spec.power_rated_w
    return GENERIC_ICE["cold_start_fuel_l_per_kw"] * power_w / 1e3


def icev_from_record(rec: Record, defaults: dict | None = None):
    """A petrol or diesel car built from a test record and the generic defaults."""
    f, g = rec.fields, GENERIC_ICE | (defaults or {})
    fuel = "diesel" if "diesel" in f["fuel"].lower() else "petrol"
    grade = {"diesel": "diesel_b0"}.get(fuel, "petrol_e10" if "e10" in f["fuel"].lower()
                                       else "petrol_e0")
    vd = f["displacement_l"] * 1e-3
    power = f["hp"] * HP_W
    if fuel == "diesel":
        kind = "turbo_diesel"
    else:
        kind = "turbo_petrol" if power / f["displacement_l"] > g["turbo_specific_power_w_per_l"] \
            else "petrol"
    w_rated = g["rated_speed_rpm"][fuel] * RPM_RAD_S
    knock = {key: g[name] for key, name in (
        ("knock_exponent", "knock_compression_exponent"),
        ("efficiency_aspirated", "indicated_efficiency_aspirated")) if g[name] is not None}
    engine = engine_from_rating(kind, vd, power, w_rated, name=f"{rec.make} {rec.model} engine",
                                fuel_grade=grade, **knock,
                                **(g["engine"] | g["engine_by_kind"].get(kind, {})))
    code = f["trans"]
    cvt = code in CVT_CODES
    n = g["cvt_steps"] if cvt or math.isnan(f["gears"]) else int(min(max(f["gears"], 4), 10))
    spread = g["cvt_ratio_spread"] if cvt else g["ratio_spread"].get(n, 7.0)
    top = 0.67 if n >= 7 else 0.8
    ratios = [top * spread ** ((n - 1 - k) / (n - 1)) for k in range(n)]
    r = g["wheel_radius_m"]
    overall_top = f["nv"] * RPM_RAD_S * r / MPH_M_S
    final = overall_top / ratios[-1]
    data = {
        "type": "icev", "name": f"{rec.make} {rec.model}".strip(),
        "description": f"built from EPA test {rec.test_number} with generic defaults",
        "mass": {"test_mass_kg": f["etw_lb"] * LB_KG},
        "road_load": {"epa": {"a_lbf": f["a"], "b_lbf_per_mph": f["b"],
                              "c_lbf_per_mph2": f["c"]}},
        "wheels": {"radius_m": r, "count": 4 if is_awd(f) else 2},
        "driven_axle": "all" if is_awd(f) else ("front" if f["drive_code"] == "F" else "rear"),
        "engine": engine.model_dump(mode="json"),
        "transmission": {"kind": TRANSMISSION_KINDS.get(code, "automatic"),
                         "gear_ratios": ratios, "final_drive_ratio": final, **g["transmission"]},
        "shift_strategy": g["shift_strategy"].get(TRANSMISSION_KINDS.get(code, "automatic"),
                                                  "economy"),
    }
    if g["aux_power_w"] is not None:
        data["aux_power_w"] = g["aux_power_w"]
    if g["input_inertia_kg_m2_per_l"] is not None:
        data["input_inertia_kg_m2"] = g["input_inertia_kg_m2_per_l"] * f["displacement_l"]
    if g["mild_hybrid"] is not None and MILD_HYBRID_NAME.search(rec.model):
        data["starter_generator"] = g["mild_hybrid"]
    return vehicle_from_dict(data, where=f"EPA test {rec.test_number}")
