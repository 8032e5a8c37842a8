"""The layers of edrive, from the ground up: a module imports only from its own layer or
the layers below it (``tests/unit/test_import_graph.py`` checks every import of every
module, and that no modules import each other in a circle).

=====  ==========  ===========================================================================
layer  name        modules
=====  ==========  ===========================================================================
0      ground      errors, constants, units, limits, arguments, spec (validated parameter
                   objects), spec_paths, spec_rules, registry (bundled files), maps, cycles,
                   io.output (safe file writes), report.text (text tables and JSON),
                   layers, version, sim.jit (the declaration of compiled functions)
1      components  components.* (gear, loss map, battery, engine, transmission, road,
                   drive unit), edu (the physics-based drive unit: edu.machines,
                   edu.inverter, edu.gearbox and edu.drive_unit built from them), and
                   two test procedures that are pure functions of ground-floor inputs and
                   that the simulation itself calls: procedures.wltp_gearshift (the gear of
                   a manual car on a WLTP trace, used by sim.icev) and
                   procedures.utility_factor (used by sim.phev); below sim so that the
                   simulation may call them
2      vehicle     chassis (what every vehicle shares), hybrid and hybrid_table (its
                   compiled candidate tables), vehicle (the other specs and
                   the union of every vehicle type): the vehicle specs composed of components
3      sim         sim.*: one car or many over a cycle, performance; procedures.* (the
                   regulatory tests, which call the simulation); on top of
                   them powertrains (the registry: one entry per powertrain, and the calls
                   that take a car of any powertrain through it)
4      io          io.*: readers of outside data (EPA, ANL, FASTSim) and their validation
5      sweep       sweep.*: design sweeps
6      alliance    alliance.*: cost, fleet CO2 and the plan of two makers
7      report      report.*: plots, charts and HTML reports
8      faces       cli, sweep.cli, alliance.cli, alliance.cost_cli, report.cli, app (the web
                   app) and the package itself (``edrive``, the public API)
=====  ==========  ===========================================================================

A module's layer is that of the longest name in :data:`LAYERS` it starts with (``edrive``
alone is the package itself: a new top-level module needs its own entry).
"""

from __future__ import annotations

#: layer names, from the ground up
LAYER_NAMES = ("ground", "components", "vehicle", "sim", "io", "sweep", "alliance", "report",
               "faces")

#: module name (or package prefix) -> layer name
LAYERS = {
    "edrive.errors": "ground", "edrive.constants": "ground", "edrive.units": "ground",
    "edrive.limits": "ground", "edrive.arguments": "ground", "edrive.spec": "ground",
    "edrive.spec_paths": "ground", "edrive.spec_rules": "ground", "edrive.registry": "ground",
    "edrive.maps": "ground", "edrive.cycles": "ground", "edrive.io.output": "ground",
    "edrive.sim.jit": "ground",
    "edrive.report.text": "ground", "edrive.layers": "ground", "edrive.version": "ground",
    "edrive.components": "components", "edrive.edu": "components",
    "edrive.procedures.wltp_gearshift": "components",
    "edrive.procedures.utility_factor": "components",
    "edrive.chassis": "vehicle", "edrive.vehicle": "vehicle", "edrive.hybrid": "vehicle",
    "edrive.hybrid_table": "vehicle",
    "edrive.sim": "sim", "edrive.procedures": "sim", "edrive.powertrains": "sim",
    "edrive.io": "io",
    "edrive.sweep": "sweep",
    "edrive.alliance": "alliance",
    "edrive.report": "report",
    "edrive": "faces", "edrive.cli": "faces", "edrive.sweep.cli": "faces",
    "edrive.alliance.cli": "faces", "edrive.alliance.cost_cli": "faces",
    "edrive.report.cli": "faces", "edrive.app": "faces",
}


def layer_of(module: str) -> str:
    """The layer of a module of edrive (``edrive.sim.bev`` -> ``"sim"``)."""
    parts = module.split(".")
    for n in range(len(parts), 1, -1):
        name = ".".join(parts[:n])
        if name in LAYERS:
            return LAYERS[name]
    if module == "edrive":
        return LAYERS["edrive"]
    raise KeyError(f"{module}: no layer declared in edrive.layers.LAYERS")


def level(module: str) -> int:
    """The height of a module's layer (0: ground)."""
    return LAYER_NAMES.index(layer_of(module))
