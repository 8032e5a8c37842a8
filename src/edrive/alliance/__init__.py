"""The alliance planner's ground: what drive units and batteries cost, and what a fleet's
line-up does to its maker's CO2 compliance.

* :mod:`edrive.alliance.cost_data`, :mod:`~edrive.alliance.cost`,
  :mod:`~edrive.alliance.volume`, :mod:`~edrive.alliance.battery_cost`: sourced cost data, the
  bottom-up bill of materials of a drive unit, experience curves and volume factors, battery
  packs by year and chemistry.
* :mod:`edrive.alliance.rules`: fleet CO2 rule packs (EU, GB) as sourced data.
* :mod:`edrive.alliance.fleet_file`: fleet files (maker, year, models) and their loading.
* :mod:`edrive.alliance.fleet_co2`: a maker's or a pool's average emissions, target, ZLEV
  factor, premium, and the electric share that meets the target.
* :mod:`edrive.alliance.family`: the drive-unit variants to develop and which programme takes
  which (a solved MILP), and what partners save by sharing them.
"""
