"""The alliance planner's ground: what a fleet's line-up does to its maker's CO2 compliance.

* :mod:`edrive.alliance.rules`: fleet CO2 rule packs (EU, GB) as sourced data.
* :mod:`edrive.alliance.fleet_file`: fleet files (maker, year, models) and their loading.
* :mod:`edrive.alliance.fleet_co2`: a maker's or a pool's average emissions, target, ZLEV
  factor, premium, and the electric share that meets the target.
"""
