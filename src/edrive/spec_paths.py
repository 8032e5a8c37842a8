"""Dotted paths into a vehicle's specification dictionary (``drive_units.0.motor.power_peak_w``).

A path names one value of the dictionary that ``spec.model_dump(mode="json")`` gives: mapping
keys separated by dots, list positions as integers. Paths are checked against the base
vehicle before anything runs (sweeps, :func:`edrive.simulate_many` variants), so that a typo
fails at once with the keys that are allowed.
"""

from __future__ import annotations

from typing import Any

from .errors import EdriveError, format_value, suggest

# SI unit of a field, read from the unit suffix its name carries (ARCHITECTURE: naming and
# units). Longest suffixes first so that ``_m_s`` wins over ``_s``.
_SUFFIX_UNITS = [
    ("_kg_m2", "kg*m**2"), ("_rad_s", "rad/s"), ("_m_s2", "m/s**2"), ("_m_s", "m/s"),
    ("_m2", "m**2"), ("_nm", "N*m"), ("_kg", "kg"), ("_as", "A*s"), ("_ohm", "ohm"),
    ("_w", "W"), ("_j", "J"), ("_v", "V"), ("_a", "A"), ("_k", "K"), ("_m", "m"), ("_s", "s"),
]


def si_unit_of(path: str) -> str | None:
    """The SI unit of the field at ``path`` from its name's suffix, or None (dimensionless or
    not a quantity)."""
    leaf = path.rsplit(".", 1)[-1]
    for suffix, unit in _SUFFIX_UNITS:
        if leaf.endswith(suffix):
            return unit
    return None


def split_path(path: str) -> list[str | int]:
    """``"drive_units.0.gear.ratio"`` -> ``["drive_units", 0, "gear", "ratio"]``."""
    return [int(p) if p.isascii() and p.isdigit() else p for p in path.split(".")]


def get_path(data: Any, path: str, where: str = "parameters") -> Any:
    """The value at ``path`` in ``data``; an :class:`EdriveError` naming the first part that
    is not there and the keys (or positions) that are."""
    node = data
    done: list[str] = []
    for part in split_path(path):
        if isinstance(node, dict) and isinstance(part, str):
            if part not in node:
                allowed = sorted(k for k in node)
                at = ".".join(done) or "the top level"
                raise EdriveError(
                    f"{where}: {format_value(path)} is not in the base vehicle: no key {format_value(part)} "
                    f"under {at}"
                    f"{suggest(part, allowed)}; allowed keys: {', '.join(allowed)}")
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int):
            if not 0 <= part < len(node):
                raise EdriveError(f"{where}: {format_value(path)} is not in the base vehicle: "
                                  f"{'.'.join(done)} has positions 0 to {len(node) - 1}")
            node = node[part]
        else:
            kind = "a list (use a position such as 0)" if isinstance(node, list) else (
                "a mapping" if isinstance(node, dict) else f"a value ({format_value(node)})")
            raise EdriveError(f"{where}: {format_value(path)} is not in the base vehicle: "
                              f"{'.'.join(done) or 'the top level'} is {kind}")
        done.append(str(part))
    return node


def set_path(data: Any, path: str, value: Any) -> None:
    """Set the value at ``path`` in the nested ``data`` (in place); the parents must exist."""
    parts = split_path(path)
    node = data
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value


def copy_for_paths(data: dict, paths: list[str]) -> dict:
    """A copy of ``data`` in which only the containers along ``paths`` are new objects, so
    that setting those paths leaves ``data`` untouched (cheaper than a deep copy)."""
    out = dict(data)
    for path in paths:
        parts = split_path(path)
        node = out
        for part in parts[:-1]:
            child = node[part]
            child = dict(child) if isinstance(child, dict) else list(child)
            node[part] = child
            node = child
    return out


def check_value_path(base_dict: dict, full_dict: dict, path: str, where: str,
                     field: str) -> Any:
    """Check that ``path`` names one value a vehicle may set: present in ``full_dict`` (the
    spec dumped with its unset optional fields), its parent set in ``base_dict`` (dumped
    without them), and not a group of fields. Returns the base value. Errors start with
    ``where`` (path not found) or ``field`` (the path's own entry)."""
    base_value = get_path(full_dict, path, where=where)
    parts = split_path(path)
    if len(parts) > 1:
        parent = ".".join(str(p) for p in parts[:-1])
        try:
            get_path(base_dict, parent)
        except EdriveError:
            raise EdriveError(f"{field}: {parent} is not set in the base vehicle; set it there "
                              "first") from None
    if isinstance(base_value, dict | list):
        raise EdriveError(f"{field}: names a group of fields, not one value; allowed: a path "
                          f"to a value, e.g. {path}.{next(iter(base_value), 0)}")
    return base_value
