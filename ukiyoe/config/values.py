"""Bound values checked at compile time against their parameter's annotation and declared rule
(``ukiyoe.common.ranges``), so ``Discriminator.dropout = 'high'`` or ``= 1.5`` fails naming where it was
written instead of deep inside a training run."""

from __future__ import annotations

import inspect
import types
import typing
from typing import Any

from ukiyoe.common.errors import ConfigError
from ukiyoe.common.ranges import problem_with
from ukiyoe.config.gin_files import ConfigurableRef
from ukiyoe.config.literals import to_gin_literal
from ukiyoe.config.resolve import DEFAULT, Binding

TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a quoted string"}


def matches(value: Any, annotation: Any) -> bool:
    """Whether a gin literal can be ``annotation``; types gin cannot write (classes, callables) pass."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation in (None, type(None)):
        return value is None
    if origin in (typing.Union, types.UnionType):
        return any(matches(value, arg) for arg in args)
    if annotation is bool:
        return isinstance(value, bool)
    if annotation in (int, float):
        allowed = int if annotation is int else int | float
        return isinstance(value, allowed) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if origin in (tuple, list) or annotation in (tuple, list):
        return isinstance(value, tuple | list) and _items_match(value, args)
    if origin is dict or annotation is dict:
        return isinstance(value, dict)
    return True


def _items_match(value: tuple | list, args: tuple) -> bool:
    if not args:
        return True
    if len(args) == 2 and args[1] is Ellipsis or len(args) == 1:
        return all(matches(item, args[0]) for item in value)
    return len(value) == len(args) and all(matches(item, arg) for item, arg in zip(value, args, strict=True))


def describe(annotation: Any) -> str:
    if annotation in TYPE_NAMES:
        return TYPE_NAMES[annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return " or ".join("None" if a is type(None) else describe(a) for a in typing.get_args(annotation))
    if typing.get_origin(annotation):
        return str(annotation)
    return getattr(annotation, "__name__", str(annotation))


def _holds_reference(value: Any) -> bool:
    if isinstance(value, ConfigurableRef):
        return True
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else ()
    return any(_holds_reference(item) for item in items)


def where_from(binding: Binding) -> str:
    """Where the value was written: the statement, or the params key / ``--bind`` behind its macro."""
    if binding.macro is None or binding.source == binding.statement:
        return binding.source
    return f"{binding.source} (via %{binding.macro} at {binding.statement})"


def check_binding(binding: Binding) -> None:
    """Raise a ConfigError naming where ``binding``'s value came from when it breaks its type or rule."""
    value = binding.value
    if binding.source == DEFAULT or _holds_reference(value):
        return
    annotation = binding.target.annotations.get(binding.arg, inspect.Parameter.empty)
    shown = f"{binding.key} = {to_gin_literal(value)}"
    if annotation is not inspect.Parameter.empty and not matches(value, annotation):
        raise ConfigError(f"{where_from(binding)}: {shown}: must be {describe(annotation)}")
    rule = binding.target.rules.get(binding.arg)
    if rule is not None and (problem := problem_with(rule, value)):
        raise ConfigError(f"{where_from(binding)}: {shown}: {problem}")


def check_bindings(bindings: list[Binding]) -> list[Binding]:
    """``bindings``, once every one has passed ``check_binding``."""
    for binding in bindings:
        check_binding(binding)
    return bindings
