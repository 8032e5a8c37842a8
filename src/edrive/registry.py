"""Specification files: YAML reading with one-line errors, and the registries of bundled files
(vehicles, drive units, engines) that also accept a user's file path."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import EdriveError, unknown_name


def read_yaml_mapping(text: str, where: str, kind: str) -> dict:
    """Parse YAML text that must hold a mapping; errors name the file and the line."""
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise EdriveError(f"{where}: not valid YAML{line}") from None
    if not isinstance(data, dict):
        raise EdriveError(f"{where}: expected a mapping of {kind} fields, got "
                          f"{type(data).__name__}")
    return data


def spec_from_yaml(text: str, where: str, kind: str, type_name: str,
                   validate_fn: Callable[[dict, str], Any]):
    """A spec from YAML text whose ``type`` (if given) must be ``type_name``: validated by
    ``validate_fn(data, where)`` and its numeric model built, so that limits the model checks
    are reported at load time, prefixed with ``where``."""
    data = read_yaml_mapping(text, where, kind)
    if data.get("type", type_name) != type_name:
        raise EdriveError(f"{where}: type: {data.get('type')!r}; allowed: {type_name!r}")
    spec = validate_fn(data, where)
    try:
        spec.model()
    except EdriveError as exc:
        raise EdriveError(f"{where}: {exc}") from None
    return spec


class Registry:
    """Bundled YAML files in ``edrive/data/<folder>``, found by name, or a user's file by path.

    ``parse(text, where, base_dir)`` builds the spec; bundled specs are cached (they are
    frozen, so one object can be shared).
    """

    def __init__(self, folder: str, kind: str, parse: Callable[[str, str, Path | None], Any]):
        self.folder, self.kind, self.parse = folder, kind, parse
        self._cache: dict[str, Any] = {}

    def _dir(self):
        return resources.files("edrive").joinpath(f"data/{self.folder}")

    def names(self) -> list[str]:
        return sorted(p.name[:-5] for p in self._dir().iterdir() if p.name.endswith(".yaml"))

    def load(self, name_or_path: str | Path, base_dir: Path | None = None):
        key = str(name_or_path)
        if key in self._cache:
            return self._cache[key]
        if key in self.names():
            text = self._dir().joinpath(f"{key}.yaml").read_text("utf-8")
            spec = self.parse(text, f"{key}.yaml", None)
            self._cache[key] = spec
            return spec
        path = Path(key)
        if not path.is_absolute() and base_dir is not None and (base_dir / path).exists():
            path = base_dir / path
        if path.suffix.lower() in (".yaml", ".yml") or path.exists():
            if not path.is_file():
                raise EdriveError(f"{self.kind} file {key!r} does not exist")
            try:
                text = path.read_text("utf-8")
            except UnicodeDecodeError:
                raise EdriveError(f"{self.kind} file {key}: not UTF-8 text") from None
            return self.parse(text, str(path), path.parent)
        raise unknown_name(self.kind, key, self.names())
