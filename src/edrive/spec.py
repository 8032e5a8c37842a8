"""Base class for validated parameter objects (specs).

Specs are pydantic v2 models that are frozen and reject unknown keys. ``replace`` returns a
re-validated copy (pydantic's own ``model_copy(update=...)`` skips validation).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import EdriveError


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    def replace(self, **changes: Any):
        """A copy with ``changes`` applied and every field validated again."""
        data = self.model_dump()
        data.update(changes)
        return validate(type(self), data, where=type(self).__name__)


def format_validation_error(exc: ValidationError, where: str) -> str:
    """One line naming the first offending field, its value and what is allowed. A required
    key missing beside an unknown key of the same mapping is reported as the unknown key (a
    misspelt name), with the names allowed."""
    errors = exc.errors()
    err = errors[0]
    if err["type"] == "missing":
        err = next((e for e in errors if e["type"] == "extra_forbidden"
                    and e["loc"][:-1] == err["loc"][:-1]), err)
    loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
    # pydantic puts union/tagged-union member names in loc; drop the class-like parts
    msg = err["msg"]
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        parent_loc, key = loc.rpartition(".")[0], loc.rpartition(".")[2]
        allowed = _allowed_keys(exc, err)
        hint = ""
        if allowed:
            from .errors import suggest

            hint = suggest(key, allowed) + f"; allowed keys: {', '.join(allowed)}"
        where_key = f"{parent_loc}: " if parent_loc else ""
        return f"{where}: {where_key}unknown key {key!r}{hint}"
    if kind == "missing":
        return f"{where}: {loc}: required field is missing"
    msg = msg.removeprefix("Value error, ")
    field = f"{loc}: " if loc else ""
    if isinstance(value, dict | list):
        return f"{where}: {field}{msg}"
    return f"{where}: {field}{short_repr(value)}: {msg}"


def short_repr(value, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters (a value in a message, never a page)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 3]}..."


def _allowed_keys(exc: ValidationError, err: dict) -> list[str]:
    """Field names of the model holding the offending key (following unions and the tags of
    discriminated unions in the error location)."""
    model = getattr(exc, "_edrive_model", None)
    if model is None:
        return []
    nodes = [model]
    for part in err["loc"][:-1]:
        if isinstance(part, int):
            continue
        tagged = [n for n in nodes if "kind" in n.model_fields
                  and n.model_fields["kind"].default == part]
        if tagged:
            nodes = tagged
            continue
        nodes = [m for n in nodes if part in n.model_fields
                 for m in _inner_models(n.model_fields[part].annotation)]
        if not nodes:
            return []
    return list(nodes[0].model_fields)


def _inner_models(annotation) -> list:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _inner_models(arg)]


def validate(model: type[Spec], data: Any, where: str) -> Any:
    """Build ``model`` from ``data``; raise :class:`EdriveError` with a one-line message."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        exc._edrive_model = model  # type: ignore[attr-defined]
        raise EdriveError(format_validation_error(exc, where)) from None
    except EdriveError as exc:
        raise EdriveError(f"{where}: {exc}") from None
