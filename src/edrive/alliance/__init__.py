"""The alliance planner and its ground: what drive units and batteries cost, what a fleet's
line-up does to its maker's CO2 compliance, and the optimisation models of a shared
drive-unit family.

* :mod:`edrive.alliance.cost_data`, :mod:`~edrive.alliance.cost`,
  :mod:`~edrive.alliance.volume`, :mod:`~edrive.alliance.battery_cost`: sourced cost data, the
  bottom-up bill of materials of a drive unit, experience curves and volume factors, battery
  packs by year and chemistry.
* :mod:`edrive.alliance.rules`, :mod:`~edrive.alliance.fleet_file`,
  :mod:`~edrive.alliance.fleet_co2`: fleet CO2 rule packs (EU, GB) as sourced data, fleet
  files, and a maker's or a pool's average, target, ZLEV factor, premium and the electric
  share that meets the target.
* :mod:`edrive.alliance.solver`: HiGHS (through SciPy) with status, bound, gap and duals.
* :mod:`edrive.alliance.family`: which drive-unit variants to develop and which programme
  gets which (a mixed-integer programme), together and alone.
* :mod:`edrive.alliance.sharing`: cost games between partners (Shapley value, core, least
  core, nucleolus); :mod:`~edrive.alliance.purchasing`: joint purchasing by price tiers.
* :mod:`edrive.alliance.production`: drive-unit volumes to plants and markets by year, with
  plant expansion and the shadow price of capacity.
"""
