"""The modules of edrive import each other in layers, never upward and never in a circle
(the layers are declared in :mod:`edrive.layers`); imports inside functions are for heavy or
optional libraries, not for dodging a circle."""

import ast
from pathlib import Path

import pytest

from edrive.layers import LAYER_NAMES, layer_of, level

SRC = Path(__file__).resolve().parents[2] / "src"

#: libraries a function may import when it needs them: optional extras, and heavy ones kept
#: off the start-up path of the command line (``edrive --help`` must stay quick)
LAZY_LIBRARIES = {
    "dask", "distributed", "pymoo", "shiny", "uvicorn",  # optional extras
    "matplotlib", "pandas", "scipy", "numba", "pyarrow", "duckdb", "typer", "rich",
    "yaml", "pint", "hypothesis", "numpy", "pydantic",
}



def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in sorted((SRC / "edrive").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if package else parts)] = (path, package)
    return out


MODULES = _modules()


def _targets(module: str, package: bool, node) -> list[str]:
    """The modules an import statement names (``from .x import y``: the module ``x.y`` if
    ``y`` is a module, else ``x``)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    here = module.split(".") if package else module.split(".")[:-1]
    if node.level:
        base = ".".join(here[:len(here) - node.level + 1] + ([node.module] if node.module else []))
    else:
        base = node.module
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]


def _owner(name: str) -> str:
    while name not in MODULES:
        name = name.rsplit(".", 1)[0]
    return name


def _imports():
    """(module, target, inside a function, line) of every import of every module, those
    made for type checking only included (an arrow all the same)."""
    out = []
    for module, (path, package) in MODULES.items():
        def visit(node, inside, module=module, package=package):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.Import | ast.ImportFrom):
                    for target in _targets(module, package, child):
                        out.append((module, target, inside, child.lineno))
                visit(child, inside or isinstance(
                    child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))
        visit(ast.parse(path.read_text(), str(path)), False)
    return out


IMPORTS = _imports()


def _graph(inside: bool) -> dict[str, set[str]]:
    graph = {m: set() for m in MODULES}
    for module, target, in_function, _ in IMPORTS:
        if target.split(".")[0] == "edrive" and (inside or not in_function):
            graph[module].add(_owner(target))
    return graph


def _circles(graph) -> list[frozenset]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = set()
            while True:
                w = stack.pop()
                on.discard(w)
                part.add(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(frozenset(part))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return found


def test_every_module_has_a_layer():
    for module in MODULES:
        assert layer_of(module) in LAYER_NAMES, module


def test_no_circle_at_module_level():
    assert _circles(_graph(inside=False)) == []


def test_no_circle_held_open_by_an_import_inside_a_function():
    assert _circles(_graph(inside=True)) == []


def test_no_import_goes_upward():
    upward = {}
    for module, target, _, line in IMPORTS:
        if target.split(".")[0] != "edrive":
            continue
        target = _owner(target)
        if level(target) > level(module):
            upward.setdefault((module, target), f"{module}:{line} imports {target} "
                              f"({layer_of(module)} -> {layer_of(target)})")
    assert sorted(upward) == [], sorted(upward.values())


def test_imports_inside_functions_are_of_edrive_or_of_lazy_libraries():
    import sys

    odd = sorted({f"{m}:{line} imports {t}" for m, t, inside, line in IMPORTS
                  if inside and t.split(".")[0] != "edrive"
                  and t.split(".")[0] not in sys.stdlib_module_names
                  and t.split(".")[0] not in LAZY_LIBRARIES})
    assert odd == []


@pytest.mark.parametrize(("source", "expected"), [
    ("import edrive.sim.bev", ["edrive.sim.bev"]),
    ("from .bev import simulate", ["edrive.sim.bev"]),
    ("from . import bev", ["edrive.sim.bev"]),
    ("from ..components.battery import Battery", ["edrive.components.battery"]),
])
def test_imports_are_resolved_to_modules(source, expected):
    node = ast.parse(source).body[0]
    assert [_owner(t) for t in _targets("edrive.sim.run", False, node)] == expected


def test_a_circle_and_an_upward_import_are_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [frozenset("abc")]
    assert level("edrive.sim.bev") > level("edrive.components.battery")
    assert layer_of("edrive") == "faces"
    with pytest.raises(KeyError):
        layer_of("edrive.new_module")


def test_compiled_functions_go_through_edrive_jit():
    """Every compiled function is declared with edrive.sim.jit.njit (cached where a folder can
    be written, and announced while it compiles), every shared equation with
    edrive.sim.jit.jitable (inlined by LLVM, without reference counting)."""
    compilers = {"njit", "jit", "vectorize", "guvectorize", "cfunc", "stencil",
                 "register_jitable"}
    found = []
    for module, (path, _) in MODULES.items():
        if module == "edrive.sim.jit":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("numba")
                    and any(a.name in compilers for a in node.names)):
                found.append(f"{module}:{node.lineno}")
            if (isinstance(node, ast.Attribute) and node.attr in compilers
                    and isinstance(node.value, ast.Name) and node.value.id == "numba"):
                found.append(f"{module}:{node.lineno}")
    assert found == []
