"""Specification files: YAML reading with one-line errors, and the registries of bundled files
(vehicles, drive units, engines) that also accept a user's file path.

Spec files are read with two limits, overridable by environment variables of the same names
(see :mod:`edrive.limits`): ``EDRIVE_MAX_SPEC_FILE_BYTES``, the size of a file, checked
before it is read, and ``EDRIVE_MAX_YAML_NODES``, the number of values in the document once
its aliases (``*name``) are expanded, checked before anything is built from it, so that a
few lines of nested aliases cannot expand to gigabytes. A key that appears twice in one
mapping is an error (YAML would silently keep the last one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import EdriveError, format_value, unknown_name
from .limits import exists, limit, read_text_bounded
from .spec import Spec, validate

MAX_SPEC_FILE_BYTES = 1_000_000
MAX_YAML_NODES = 100_000

_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Refused(yaml.YAMLError):
    """A value the loader refuses, with the line it starts on and the reason."""

    def __init__(self, node, reason: str):
        super().__init__(reason)
        self.line, self.reason = node.start_mark.line + 1, reason


class _Loader(_BASE_LOADER):
    """The safe loader, refusing a key that appears twice in one mapping and reporting the
    line of a value Python cannot hold (an integer of thousands of digits, a date such as
    2021-02-30)."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except ValueError:
            raise _Refused(node, "the value cannot be read (a number of thousands of digits, "
                                 "or a date that does not exist)") from None

    def construct_mapping(self, node, deep=False):
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                continue
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in first_line:
                raise _Refused(key_node, f"key {format_value(key)} appears again (first at "
                                         f"line {first_line[key]}); give each key once")
            first_line[key] = line
        return super().construct_mapping(node, deep=deep)


def _expanded_size(root) -> int:
    """Number of nodes in the document with every alias expanded (a node reached through n
    aliases counts n times), without expanding anything; -1 if an alias contains itself."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            children = _children(node)
            size[key] = 1 + sum(size[id(c)] for c in children)
            on_path.discard(key)
            continue
        if key in size:
            continue
        if key in on_path:
            return -1
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in size)
    return size[id(root)]


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def read_yaml_mapping(text: str, where: str, kind: str) -> dict:
    """Parse YAML text that must hold a mapping; errors name the file and the line."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise EdriveError(f"{where}: the file is empty; expected a mapping of {kind} fields")
        nodes = _expanded_size(root)
        if nodes < 0:
            raise EdriveError(f"{where}: an alias (*name) refers to the value that contains it")
        max_nodes = limit("EDRIVE_MAX_YAML_NODES", MAX_YAML_NODES)
        if nodes > max_nodes:
            raise EdriveError(f"{where}: {nodes:,} values once aliases (*name) are expanded; "
                              f"the limit is {max_nodes:,} (EDRIVE_MAX_YAML_NODES)")
        data = loader.construct_document(root)
    except _Refused as exc:
        raise EdriveError(f"{where}: line {exc.line}: {exc.reason}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise EdriveError(f"{where}: not valid YAML{line}") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        found = "a list" if isinstance(data, list) else "a single value"
        raise EdriveError(f"{where}: expected a mapping of {kind} fields (key: value lines), "
                          f"found {found}")
    return data


def read_spec_file(path: Path, kind: str) -> str:
    """The text of a spec file, refused unread when it is larger than
    ``MAX_SPEC_FILE_BYTES`` (``EDRIVE_MAX_SPEC_FILE_BYTES``), and refused if not UTF-8."""
    return read_text_bounded(path, f"{kind} file", "a YAML file",
                             "EDRIVE_MAX_SPEC_FILE_BYTES", MAX_SPEC_FILE_BYTES)


def check_kind(data: dict, fields: Iterable[str], where: str, kind: str) -> None:
    """Refuse a mapping none of whose keys is one of ``fields``: a file of some other kind,
    whose content is not repeated in the message."""
    fields = list(fields)
    if not any(isinstance(k, str) and k in fields for k in data):
        raise EdriveError(f"{where}: expected {kind} fields (keys such as "
                          f"{', '.join(fields[:6])}), found none")


def spec_from_yaml(text: str, where: str, kind: str, model: type[Spec]):
    """A ``model`` spec from YAML text whose ``type`` (if given) must be the model's:
    validated and its numeric model built, so that limits the model checks are reported at
    load time, prefixed with ``where``."""
    data = read_yaml_mapping(text, where, kind)
    check_kind(data, model.model_fields, where, kind)
    type_name = model.model_fields["type"].default
    if data.get("type", type_name) != type_name:
        raise EdriveError(f"{where}: type: {format_value(data.get('type'))}; allowed: "
                          f"{type_name!r}")
    spec = validate(model, data, where=where)
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
        if not path.is_absolute() and base_dir is not None and exists(base_dir / path):
            path = base_dir / path
        if path.suffix.lower() in (".yaml", ".yml") or exists(path):
            return self.parse(read_spec_file(path, self.kind), str(path), path.parent)
        raise unknown_name(self.kind, key, self.names())
