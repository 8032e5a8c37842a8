"""Base class for validated parameter objects (specs).

Specs are pydantic v2 models that are frozen and reject unknown keys. ``replace`` returns a
re-validated copy (pydantic's own ``model_copy(update=...)`` skips validation).

Numbers must be finite, and a field that takes numbers refuses booleans: pydantic would
otherwise read ``true`` as 1 and ``no`` as 0. Strings of numbers (``"1e3"``) are numbers.
"""

from __future__ import annotations

import re
import typing
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator

from .errors import EdriveError, format_value, suggest
from .units import NEGLIGIBLE, negligible


class FieldError(ValueError):
    """A problem with one field found by a check on the whole model (the field and its value
    join the error's location)."""

    def __init__(self, field: str, value: Any, message: str):
        super().__init__(message)
        self.field, self.value = field, value


YES_NO = "a yes/no value is not a number; allowed: a number"
TOO_SMALL = f"too small to compute with; allowed: {NEGLIGIBLE}"


def _number_as_given(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(YES_NO)
    if isinstance(value, float) and negligible(value):
        raise ValueError(TOO_SMALL)
    return value


# For numbers nested in lists and mappings, which the model-wide check below does not reach:
# ``dict[str, Annotated[float, NUMBER]]`` refuses ``true`` and 1e-320 as a field does.
NUMBER = BeforeValidator(_number_as_given)


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True,
                              allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for field in _numeric_fields(cls):
                value = data.get(field)
                if isinstance(value, bool):
                    raise FieldError(field, value, YES_NO)
                if isinstance(value, float) and negligible(value):
                    raise FieldError(field, value, TOO_SMALL)
                if isinstance(value, list):
                    for i, item in enumerate(value):
                        if isinstance(item, bool):
                            raise FieldError(field, value, f"item {i + 1} is a yes/no value, "
                                                           "not a number; allowed: numbers")
                if isinstance(value, dict):
                    for key, item in value.items():
                        if isinstance(item, bool):
                            raise FieldError(f"{field}.{key}", item, YES_NO)
        return data

    def replace(self, **changes: Any):
        """A copy with ``changes`` applied and every field validated again."""
        data = self.model_dump()
        data.update(changes)
        return validate(type(self), data, where=type(self).__name__)


@cache
def _numeric_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """Names of the fields of ``model`` that take numbers (or lists of numbers)."""
    return tuple(name for name, f in model.model_fields.items() if _numeric(f.annotation))


def _numeric(annotation) -> bool:
    """Whether a field annotation takes numbers (alone, in a union or as list items)."""
    if annotation is bool:
        return False
    if annotation in (int, float):
        return True
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        return _numeric(args[0])
    if origin is Literal:
        return any(isinstance(a, int | float) and not isinstance(a, bool) for a in args)
    return any(_numeric(a) for a in args)


def format_validation_error(exc: ValidationError, where: str) -> str:
    """One line naming the offending field, its value and what is allowed: the first error,
    or an unknown key when the first error is a missing field (the key is most likely that
    field misspelt)."""
    errors = exc.errors()
    err = errors[0]
    if err["type"] == "missing":
        err = next((e for e in errors if e["type"] == "extra_forbidden"), err)
    parts = _field_path(err)
    # a value that fits no member of a union (``str | dict``) has one error per member
    msgs = list(dict.fromkeys(e["msg"] for e in errors if _field_path(e) == parts))
    if len(msgs) > 1 and all(m.startswith(_SHOULD) for m in msgs):
        err = {**err, "msg": _SHOULD + " or ".join(m.removeprefix(_SHOULD) for m in msgs)}
    msg = err["msg"]
    kind = err["type"]
    value = err.get("input")
    cause = err.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):
        parts.append(cause.field)
        value = cause.value
    loc = ".".join(parts)
    if kind == "extra_forbidden":
        parent_loc, key = loc.rpartition(".")[0], loc.rpartition(".")[2]
        allowed = _allowed_keys(exc, err)
        hint = ""
        if allowed:
            hint = suggest(key, allowed) + f"; allowed keys: {', '.join(allowed)}"
        where_key = f"{parent_loc}: " if parent_loc else ""
        return f"{where}: {where_key}unknown key {format_value(key)}{hint}"
    at = f"{where}: {loc}" if loc else where
    if kind == "missing":
        return f"{at}: required field is missing"
    msg = msg.removeprefix("Value error, ")
    if kind == "model_type":  # pydantic's message names the class
        msg = "expected a mapping of fields (key: value)"
    if isinstance(value, dict | list):
        return f"{at}: {msg}"
    return f"{at}: {format_value(value)}: {msg}"


_SHOULD = "Input should be "
# the parts pydantic adds to an error's location for the members of a union
_UNION_MEMBER = re.compile(r"(str|int|float|bool|(dict|list|tuple)\[.*\])|function-.*")


def _field_path(err: dict) -> list[str]:
    """The field names in a pydantic error's location, without union members."""
    return [str(p) for p in err["loc"] if not _UNION_MEMBER.fullmatch(str(p))]


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
