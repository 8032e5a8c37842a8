"""Physical constants and unit conversion factors used at the edges (SI inside)."""

GRAVITY_M_S2 = 9.80665  # standard gravity (CGPM 1901)
AIR_DENSITY_KG_M3 = 1.2  # dry air at 20 degC, 101.325 kPa (WLTP reference, EU 2017/1151 Annex 4)

MPH_M_S = 0.44704  # 1 mile per hour in m/s (exact)
KMH_M_S = 1.0 / 3.6
MILE_M = 1609.344  # international mile (exact)
LBF_N = 4.4482216152605  # pound-force in newtons (exact definition via lb and g_n)
LB_KG = 0.45359237  # avoirdupois pound (exact)
RPM_RAD_S = 2.0 * 3.141592653589793 / 60.0
HP_W = 745.69987158  # mechanical horsepower, 550 ft*lbf/s (exact via lb, ft and g_n)
WH_J = 3600.0

# EPA's energy content of one gallon of gasoline equivalent for electric vehicles:
# 33.705 kWh/gal (40 CFR 600.002 / 74 FR 15100 "MPGe").
MPGE_WH_PER_GALLON = 33705.0

#: the EPA's two-cycle label factor (MPGe, electric range) and the city share of combined
#: figures (40 CFR 600.210-12 and 600.311-12)
EPA_LABEL_FACTOR = 0.7
EPA_CITY_WEIGHT = 0.55
