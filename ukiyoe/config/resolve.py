"""From ordered gin statements to final bindings: last write wins, macros replaced, defaults filled in.

Every value keeps its source: the ``file:line`` of the statement, ``params.yaml:key`` or ``--bind`` for a
value that came through a macro, or ``default`` for a parameter nobody bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from gin.config_parser import BindingStatement, BlockDeclaration

from ukiyoe.common.errors import ConfigError
from ukiyoe.config.gin_files import ConfigurableRef, Located, MacroRef
from ukiyoe.config.literals import to_gin_literal
from ukiyoe.config.params import check_value
from ukiyoe.config.registry import Target, check_parameter, find_target

DEFAULT = "default"


@dataclass(frozen=True)
class Write:
    """One assignment of a binding or macro, in precedence order."""

    value: Any
    where: str


@dataclass(frozen=True)
class Binding:
    """A final binding: resolved value, where the value came from and where the binding was written."""

    scope: str
    target: Target
    arg: str
    value: Any
    source: str
    statement: str
    macro: str | None = None
    overrides: tuple[Write, ...] = ()

    @property
    def key(self) -> str:
        return binding_key(self.scope, self.target.shown, self.arg)


def binding_key(scope: str, configurable: str, arg: str) -> str:
    """``scope/Configurable.param`` (no leading slash when unscoped)."""
    return f"{scope}/{configurable}.{arg}" if scope else f"{configurable}.{arg}"


@dataclass
class Resolver:
    """Collects writes in precedence order, then resolves them (see ``resolve``)."""

    writes: dict[tuple[str, str, str], list[Write]] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)
    macros: dict[str, list[Write]] = field(default_factory=dict)
    used_macros: set[str] = field(default_factory=set)

    def add(self, located: Located) -> None:
        """Record a binding, macro definition or block declaration (imports were checked when read)."""
        statement = located.statement
        if isinstance(statement, BlockDeclaration):
            find_target(statement.selector, located.where)
        elif isinstance(statement, BindingStatement):
            if not statement.arg_name:
                name = f"{statement.scope}/{statement.selector}" if statement.scope else statement.selector
                self.add_macro(name, statement.value, located.where)
                return
            target = find_target(statement.selector, located.where)
            check_parameter(target, statement.arg_name, located.where)
            _check_finite(statement.value, located.where)
            self.targets[target.selector] = target
            key = (statement.scope, target.selector, statement.arg_name)
            self.writes.setdefault(key, []).append(Write(statement.value, located.where))

    def add_macro(self, name: str, value: Any, where: str) -> None:
        _check_finite(value, where)
        if not _contains_reference(value):
            value = check_value(name.rpartition("/")[2], value, where)
        self.macros.setdefault(name, []).append(Write(value, where))

    def resolve(self) -> list[Binding]:
        """Final bindings sorted by key, defaults of every used configurable included."""
        bindings: list[Binding] = []
        used: set[tuple[str, str]] = set()
        for (scope, selector, arg), writes in self.writes.items():
            last = writes[-1]
            macro = last.value.name if isinstance(last.value, MacroRef) else None
            value, source = self._resolve_value(last.value, last.where, ())
            value = self._check_references(value, scope, last.where, used)
            target = self.targets[selector]
            used.add((scope, selector))
            if to_gin_literal(value) is None:
                raise ConfigError(f"{last.where}: value of {binding_key(scope, target.shown, arg)} "
                                  "is not a gin literal")
            bindings.append(Binding(scope, target, arg, value, source, last.where, macro, tuple(writes[:-1])))
        bindings.extend(self._defaults(used))
        return sorted(bindings, key=lambda b: b.key)

    def macro_value(self, name: str) -> tuple[Any, str]:
        """Final value and source of a defined macro."""
        last = self.macros[name][-1]
        return self._resolve_value(last.value, last.where, ())

    def _resolve_value(self, value: Any, where: str, stack: tuple[str, ...]) -> tuple[Any, str]:
        if isinstance(value, MacroRef):
            return self._macro(value.name, where, stack)
        return self._substitute(value, where, stack), where

    def _macro(self, name: str, where: str, stack: tuple[str, ...]) -> tuple[Any, str]:
        writes = self.macros.get(name)
        if not writes:
            key = name.rpartition("/")[2].lower()
            raise ConfigError(
                f"{where}: macro %{name} is used but never defined (set '{key}' in params.yaml, "
                f"define {name} in a gin file or pass --bind '{name}=...')"
            )
        if name in stack:
            raise ConfigError(f"{where}: macro cycle {' -> '.join((*stack, name))}")
        self.used_macros.add(name)
        last = writes[-1]
        return self._resolve_value(last.value, last.where, (*stack, name))

    def _substitute(self, value: Any, where: str, stack: tuple[str, ...]) -> Any:
        if isinstance(value, MacroRef):
            return self._macro(value.name, where, stack)[0]
        if isinstance(value, list | tuple):
            return type(value)(self._substitute(item, where, stack) for item in value)
        if isinstance(value, dict):
            return {k: self._substitute(v, where, stack) for k, v in value.items()}
        return value

    def _check_references(self, value: Any, scope: str, where: str, used: set[tuple[str, str]]) -> Any:
        """Validate ``@Name`` references, spell them canonically and mark their configurables used."""
        if isinstance(value, ConfigurableRef):
            target = find_target(value.selector, where)
            self.targets[target.selector] = target
            used.add(("/".join(s for s in (scope, value.scope) if s), target.selector))
            scoped = f"{value.scope}/{target.shown}" if value.scope else target.shown
            return ConfigurableRef(scoped, value.evaluate)
        if isinstance(value, list | tuple):
            return type(value)(self._check_references(item, scope, where, used) for item in value)
        if isinstance(value, dict):
            return {k: self._check_references(v, scope, where, used) for k, v in value.items()}
        return value

    def _defaults(self, used: set[tuple[str, str]]) -> list[Binding]:
        """Signature defaults of used configurables, where no binding in the scope or above applies."""
        bound = set(self.writes)
        defaults = []
        for scope, selector in sorted(used):
            target = self.targets[selector]
            prefixes = ["/".join(scope.split("/")[:i]) for i in range(len(scope.split("/")) + 1)]
            for arg, default in target.defaults:
                if not target.accepts(arg) or any((p, selector, arg) in bound for p in set(prefixes)):
                    continue
                if to_gin_literal(default) is not None:
                    defaults.append(Binding(scope, target, arg, default, DEFAULT, DEFAULT))
        return defaults


def _check_finite(value: Any, where: str) -> None:
    """``1e999`` parses as infinity, which no config file can hold: refuse it where it was written."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where}: {value!r} is not a finite number")
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else ()
    for item in items:
        _check_finite(item, where)


def _contains_reference(value: Any) -> bool:
    if isinstance(value, MacroRef | ConfigurableRef):
        return True
    if isinstance(value, list | tuple):
        return any(_contains_reference(item) for item in value)
    if isinstance(value, dict):
        return any(_contains_reference(v) for v in value.values())
    return False


def macros_in(value: Any) -> set[str]:
    """Names of the macros a (possibly nested) value refers to."""
    if isinstance(value, MacroRef):
        return {value.name}
    if isinstance(value, list | tuple):
        return set().union(*(macros_in(item) for item in value))
    if isinstance(value, dict):
        return set().union(*(macros_in(v) for v in value.values()))
    return set()
