"""The alliance planner's ground: what a fleet's line-up does to its maker's CO2 compliance.

* :mod:`edrive.alliance.rules`: fleet CO2 rule packs (EU, GB) as sourced data.
"""
