"""A vehicle spec's own rules applied to many values at once: which variants of a base vehicle
(values at spec paths, one array per path) the spec could refuse.

Validating one spec per variant costs about 0.2 ms, too much for the thousands of variants
of :func:`edrive.simulate_many` that differ in a few numbers. :func:`variants_to_build` finds
the variants that need it from the spec's own definition, not from a second set of rules:

* each varied field's type and bounds (pydantic's ``gt``, ``ge``, ``lt``, ``le`` and whole
  numbers for ``int`` fields), read from the field's annotation and compared on the whole
  array; a field with a constraint of another kind is validated by pydantic value by value;
* the validators of every model on the way from the vehicle to a varied field (model
  validators, and field validators of the fields on the way), called once per distinct
  combination of the varied values below that model, unless a first call on the base vehicle,
  with each varied value replaced by a stand-in that refuses every use, shows that the
  validator does not read them.

A variant so marked is then built through the spec, which gives its message (or accepts it);
every other variant is one the spec accepts. This holds for validators that are deterministic
functions of the model they are given, for plain numbers (the caller builds any other value
through the spec) and for "before" validators that leave plain numbers as they are (the unit
conversion does). Non-finite values are always marked. The checks of the numeric model
(``spec.model()``) are the caller's: it derives its own numbers and builds the spec of any
variant whose numbers are not finite.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Mapping
from functools import cache

import annotated_types as at
import numpy as np
from pydantic import BaseModel, BeforeValidator, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from .spec_paths import split_path

_BOUNDS = {at.Gt: ("gt", np.greater), at.Ge: ("ge", np.greater_equal),
           at.Lt: ("lt", np.less), at.Le: ("le", np.less_equal)}


def variants_to_build(spec: BaseModel, columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """Boolean mask of the variants that must be built through the spec (it may refuse
    them); ``columns`` maps each varied path (checked with
    :func:`edrive.spec_paths.check_value_path`) to its float values, one per variant."""
    n = len(next(iter(columns.values())))
    build = np.zeros(n, dtype=bool)
    kinds = {}
    for path, values in columns.items():
        build |= ~np.isfinite(values)
        holder, name = _holder(spec, path)
        rule = _numeric_rule(type(holder), name) if isinstance(holder, BaseModel) else None
        if rule is None:  # not a numeric field of a model (e.g. an item of a list)
            return np.ones(n, dtype=bool)
        kinds[path], bounds, complete = rule
        if not complete:
            build |= _refused_one_by_one(type(holder), name, values)
        with np.errstate(invalid="ignore"):
            if kinds[path] is int:
                build |= values != np.floor(values)
            for compare, limit in bounds:
                build |= ~compare(values, limit)
    for prefix, model in _models_on(spec, columns):
        below = {p[len(prefix):].lstrip("."): p for p in columns
                 if prefix == "" or p.startswith(prefix + ".")}
        scratch, slots = _scratch(model, list(below))
        for check in _validators(type(model), frozenset(split_path(r)[0] for r in below)):
            if check is None:  # a validator that cannot be called on its own
                return np.ones(n, dtype=bool)
            build |= _refused_by(check, scratch, slots,
                                 [(columns[p], kinds[p]) for p in below.values()], build)
    return build


# --- the field at a path and its rule ---------------------------------------------------------

def _holder(spec, path: str):
    """(the model or list holding the value at ``path``, its key there)."""
    parts = split_path(path)
    node = spec
    for part in parts[:-1]:
        node = _get(node, part)
    return node, parts[-1]


def _get(node, key):
    return node.__dict__[key] if isinstance(node, BaseModel) else node[key]


def _put(node, key, value) -> None:
    if isinstance(node, BaseModel):
        node.__dict__[key] = value
    else:
        node[key] = value


@cache
def _numeric_rule(model: type[BaseModel], name: str):
    """(int or float, [(compare, limit), ...], whether these are all its constraints) of a
    numeric field, from its annotation and metadata; None when it is not a number."""
    field = model.model_fields[name]
    items = list(field.metadata)
    annotation = field.annotation
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *more = typing.get_args(annotation)
            items += more
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return None
            annotation = args[0]
        else:
            break
    if annotation not in (int, float):
        return None
    bounds, complete = [], True
    while items:
        item = items.pop()
        if isinstance(item, FieldInfo):
            items += item.metadata
        elif type(item) in _BOUNDS:
            attr, compare = _BOUNDS[type(item)]
            bounds.append((compare, getattr(item, attr)))
        elif not isinstance(item, BeforeValidator):
            complete = False
    return annotation, bounds, complete


@cache
def _type_adapter(model: type[BaseModel], name: str) -> TypeAdapter:
    field = model.model_fields[name]
    return TypeAdapter(typing.Annotated[(field.annotation, *field.metadata)]
                       if field.metadata else field.annotation)


# --- validators on the way to the varied fields -----------------------------------------------

def _models_on(spec, columns):
    """(path prefix, model) of every model from the vehicle down to the varied fields."""
    seen = {"": spec}
    for path in columns:
        parts = split_path(path)
        node = spec
        for k, part in enumerate(parts[:-1]):
            node = _get(node, part)
            if isinstance(node, BaseModel):
                seen.setdefault(".".join(str(p) for p in parts[:k + 1]), node)
    return seen.items()


@cache
def _validators(model: type[BaseModel], fields: frozenset) -> tuple[Callable | None, ...]:
    """Calls of ``model``'s validators that may see the varied ``fields``, each taking the
    model; None for a validator that is neither "before" nor "after"."""
    found = []
    decorators = model.__pydantic_decorators__
    for d in decorators.model_validators.values():
        if d.info.mode == "after":
            found.append(d.func)
        elif d.info.mode == "before":
            call = _without_info(d.func)
            found.append(lambda m, call=call: call(dict(m.__dict__)))
        else:
            found.append(None)
    for d in decorators.field_validators.values():
        names = fields if "*" in d.info.fields else fields & set(d.info.fields)
        for name in names:
            if d.info.mode in ("after", "before"):
                call = _without_info(d.func)
                found.append(lambda m, call=call, name=name: call(m.__dict__[name]))
            else:
                found.append(None)
    return tuple(found)


def _without_info(validator) -> Callable:
    """A bound class-method validator as a function of the value alone (the validation info,
    if it takes one, is None)."""
    if len(inspect.signature(validator).parameters) > 1:
        return lambda value: validator(value, None)
    return validator


def _scratch(model: BaseModel, rel_paths: list[str]):
    """A copy of ``model`` whose models and lists along ``rel_paths`` are copies too, and for
    each path the container (a model's field dictionary or a list) and key of its value in
    the copy: writing there leaves ``model`` untouched."""
    top = model.model_copy()
    made = {id(top)}
    slots = []
    for rel in rel_paths:
        parts = split_path(rel)
        node = top
        for part in parts[:-1]:
            child = _get(node, part)
            if id(child) not in made:
                child = child.model_copy() if isinstance(child, BaseModel) else list(child)
                made.add(id(child))
                _put(node, part, child)
            node = child
        slots.append((node.__dict__ if isinstance(node, BaseModel) else node, parts[-1]))
    return top, slots


class _Unread:
    """Stands for a varied value in a validator's first call: any use of it raises."""

    def _use(self, *args, **kwargs):
        raise TypeError("a varied value was read")

    __bool__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = _use
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _use
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _use
    __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = __round__ = _use
    __float__ = __int__ = __index__ = __format__ = __str__ = __repr__ = __array__ = _use
    __iter__ = __len__ = __contains__ = __getitem__ = __getattr__ = _use


def _refused_by(check, scratch, slots, columns, skip: np.ndarray) -> np.ndarray:
    """Mask of the variants (not in ``skip``) that ``check`` refuses, calling it once per
    distinct combination of their values, after a first call that finds whether it reads
    them at all."""
    refused = np.zeros(len(skip), dtype=bool)
    for container, key in slots:
        container[key] = _Unread()
    try:
        check(scratch)
        return refused
    except Exception:  # noqa: BLE001 - it reads a varied value (or fails anyway)
        pass
    rows = np.flatnonzero(~skip)
    first, where = _distinct_rows([values[rows] for values, _ in columns])
    setters = [(container, key, [kind(v) for v in values[rows][first].tolist()])
               for (container, key), (values, kind) in zip(slots, columns, strict=True)]
    bad = np.zeros(len(first), dtype=bool)
    for k in range(len(first)):
        for container, key, values in setters:
            container[key] = values[k]
        try:
            check(scratch)
        except Exception:  # noqa: BLE001 - whatever it raises, the spec decides
            bad[k] = True
    refused[rows] = bad[where]
    return refused


def _distinct_rows(columns: list[np.ndarray]):
    """(index of the first row of each distinct combination of the columns' values, the
    combination of each row)."""
    order = np.lexsort(columns)
    table = np.stack([values[order] for values in columns])
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = (table[:, 1:] != table[:, :-1]).any(axis=0)
    where = np.empty(len(order), dtype=np.int64)
    where[order] = np.cumsum(starts) - 1
    return order[starts], where


def _refused_one_by_one(model: type[BaseModel], name: str, values: np.ndarray) -> np.ndarray:
    """Mask of the values that pydantic refuses for the field ``name`` of ``model``."""
    refused = np.zeros(len(values), dtype=bool)
    adapter = _type_adapter(model, name)
    for k, value in enumerate(values.tolist()):
        try:
            adapter.validate_python(value)
        except ValidationError:
            refused[k] = True
    return refused
