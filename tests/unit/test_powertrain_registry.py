"""The registry of powertrains (:mod:`edrive.powertrains`): every vehicle type has its entry,
each entry's pieces fit what its simulation returns, and no module outside the powertrains
branches on a vehicle's ``type``."""

import ast
from pathlib import Path

import pytest

from edrive import load_vehicle, simulate
from edrive.errors import EdriveError
from edrive.powertrains import POWERTRAINS, powertrain_of
from edrive.powertrains.api import test_procedure as run_procedure
from edrive.vehicle import SPEC_TYPES, list_vehicles

SRC = Path(__file__).resolve().parents[2] / "src"

#: the modules of the powertrains themselves, where a branch on the type is their own physics
POWERTRAIN_MODULES = {"edrive.sim.bev", "edrive.sim.icev", "edrive.sim.hev", "edrive.sim.phev"}

#: comparisons of a vehicle's type with a name that stay outside the powertrains, each with
#: why; the list only shrinks
ALLOWED = {
    ("edrive.procedures.wltp_gearshift", "wltp_gearshift_for"):
        "an input check: the gearshift procedure needs a conventional car (its layer is "
        "below the registry)",
    ("edrive.io.anl_replay", "replay_trace"):
        "an input check: measured fuel flow is replayed on a conventional car only",
}


def _is_type(node) -> bool:
    """``x.type`` or ``getattr(x, "type", ...)``."""
    if isinstance(node, ast.Attribute):
        return node.attr == "type"
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "getattr" and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant) and node.args[1].value == "type")


def _is_name(node) -> bool:
    """A string literal, or a tuple, list or set of them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return (isinstance(node, ast.Tuple | ast.List | ast.Set) and bool(node.elts)
            and all(_is_name(e) for e in node.elts))


def _type_branches(tree) -> list[tuple[str, int]]:
    """(enclosing function, line) of each comparison of a ``type`` with a literal name."""
    found = []

    def visit(node, where):
        for child in ast.iter_child_nodes(node):
            here = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef
                                            | ast.ClassDef) else where
            if isinstance(child, ast.Compare):
                sides = [child.left, *child.comparators]
                if any(_is_type(s) for s in sides) and any(_is_name(s) for s in sides):
                    found.append((where, child.lineno))
            visit(child, here)

    visit(tree, "<module>")
    return found


def _scan() -> dict[tuple[str, str], list[int]]:
    out: dict[tuple[str, str], list[int]] = {}
    for path in sorted((SRC / "edrive").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if module.startswith("edrive.powertrains") or module in POWERTRAIN_MODULES:
            continue
        for where, line in _type_branches(ast.parse(path.read_text(), str(path))):
            out.setdefault((module, where), []).append(line)
    return out


def test_nothing_outside_the_powertrains_branches_on_the_vehicle_type():
    found = _scan()
    new = {f"{m}.{f}: lines {lines}" for (m, f), lines in found.items()
           if (m, f) not in ALLOWED}
    assert sorted(new) == []
    gone = sorted(k for k in ALLOWED if k not in found)
    assert gone == [], "no longer branches on the type: drop from ALLOWED"


@pytest.mark.parametrize(("source", "expected"), [
    ('if spec.type == "bev": pass', 1),
    ('if car.type != "icev": pass', 1),
    ('x = getattr(spec, "type", None) in ("hev", "icev")', 1),
    ('if "hev" == s.type: pass', 1),
    ('if spec.type == kind: pass', 0),
    ('if spec.plug_in: pass', 0),
])
def test_a_branch_on_the_type_is_found(source, expected):
    assert len(_type_branches(ast.parse(source))) == expected


def test_every_vehicle_type_has_its_powertrains():
    for kind, cls in SPEC_TYPES.items():
        entries = [p for p in POWERTRAINS.values() if p.spec_class is cls]
        assert entries, kind
        assert all(p.type == kind for p in entries)
    assert set(POWERTRAINS) == {"bev", "icev", "hev", "phev"}
    assert all(name == p.name for name, p in POWERTRAINS.items())


def test_each_bundled_car_finds_one_powertrain():
    seen = set()
    for name in list_vehicles():
        spec = load_vehicle(name)
        accepted = [p.name for p in POWERTRAINS.values()
                    if isinstance(spec, p.spec_class) and p.accepts(spec)]
        assert accepted == [powertrain_of(spec).name], name
        seen.add(powertrain_of(spec).name)
    assert seen == set(POWERTRAINS)


def test_a_spec_of_no_powertrain_is_refused():
    with pytest.raises(EdriveError, match="not a vehicle spec of a known powertrain; allowed: "
                                          "bev, icev, phev, hev"):
        powertrain_of(object())


@pytest.mark.parametrize("name", ["bev", "icev", "hev", "phev"])
def test_the_pieces_of_each_entry_fit_its_results(name):
    """The simulation returns the entry's result kind, and every key its tables, reports and
    sweeps name is in that result's report."""
    entry = POWERTRAINS[name]
    spec = next(s for s in map(load_vehicle, list_vehicles()) if powertrain_of(s) is entry)
    result = simulate(spec, "udds")
    assert type(result) is entry.result_kind
    report = result.report()
    keys = {c.key for c in entry.table} | set(entry.summary_keys) | set(entry.sweep_keys)
    assert keys - set(report) == set()
    assert entry.headline[0] in report
    assert entry.table[0].cell(report) == "udds"
    assert all(isinstance(line, str) for line in entry.table_notes([report], None))


def test_procedures_are_those_of_the_registry():
    offered = {name: set(p.procedures) for name, p in POWERTRAINS.items()}
    assert offered == {"bev": {"wltp", "epa"}, "phev": {"wltp", "epa"}, "icev": set(),
                       "hev": set()}
    hybrid = next(s for s in map(load_vehicle, list_vehicles())
                  if powertrain_of(s).name == "hev")
    with pytest.raises(EdriveError, match="range procedures apply to battery-electric cars and "
                                          "plug-in hybrids, not to a hybrid car \\(type hev\\)"):
        run_procedure(hybrid, "wltp")


def test_the_calls_go_through_the_registry(monkeypatch):
    """A powertrain added to the registry is what simulate, performance and the procedures
    call: none of them asks the car its type."""
    from dataclasses import replace

    import edrive
    from edrive.powertrains import registry

    calls = []
    probe = replace(
        POWERTRAINS["bev"], name="probe", accepts=lambda spec: spec.name == "probe car",
        simulate=lambda spec, cycle, **kw: calls.append(("simulate", kw)) or "simulated",
        full_throttle=lambda spec, *args: calls.append(("full_throttle", args)) or 1 / 0,
        procedures={"epa": lambda spec, progress=None: {"probe": True}})
    monkeypatch.setattr(registry, "POWERTRAINS", {"probe": probe, **POWERTRAINS})
    spec = load_vehicle("tesla_model3_rwd").model_copy(update={"name": "probe car"})
    assert powertrain_of(spec) is probe
    assert edrive.simulate(spec, "udds", soc_initial=0.5) == "simulated"
    assert calls[-1] == ("simulate", {"soc_initial": 0.5, "trace_miss": "allow",
                                      "strategy": None})
    with pytest.raises(ZeroDivisionError):
        edrive.performance(spec, soc=0.7)
    assert calls[-1] == ("full_throttle", (0.7, None, None))
    assert edrive.test_procedure(spec, "EPA") == {"probe": True}
    with pytest.raises(EdriveError, match="range procedures apply to battery-electric cars and "
                                          "plug-in hybrids, not to a battery-electric car "
                                          "\\(type bev\\)"):
        edrive.test_procedure(spec, "wltp")


def test_every_bundled_car_names_the_compiled_code_that_ran_it():
    """simulate's result names its route: each powertrain's compiled loop (a hybrid's
    compiled table and strategy loop), and dynamic programming where it is asked for."""
    expected = {"bev": "compiled_bev", "icev": "compiled_icev", "hev": "compiled_hev",
                "phev": "compiled_hev"}
    for name in list_vehicles():
        spec = load_vehicle(name)
        assert simulate(spec, "udds").route == expected[spec.type], name
    assert simulate("toyota_prius_gen4", "udds", strategy="dp").route == "dynamic_programming"
