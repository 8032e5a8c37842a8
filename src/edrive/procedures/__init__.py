"""Test procedures: the regulatory range and label tests of battery-electric cars
(:mod:`~edrive.procedures.regulatory`: WLTP and the EPA two-cycle label), the utility factors
of plug-in hybrids (:mod:`~edrive.procedures.utility_factor`) and the WLTP gear-shift
procedure of manual cars (:mod:`~edrive.procedures.wltp_gearshift`).

The package imports none of its modules: the gear-shift procedure and the utility factors
sit below the simulation (which uses them), the regulatory tests above it.
"""
