"""What gin knows about configurables: names, parameters and defaults, read by signature introspection.

Defaults come from signatures rather than from gin's operative config, which would need every
configurable to be called (models built) first.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import gin
from gin import config as gin_config

from ukiyoe.common.errors import ConfigError
from ukiyoe.common.ranges import Rule, rules_of


@dataclass(frozen=True)
class Target:
    """A registered configurable: its complete and shortest unambiguous selectors and its parameters."""

    selector: str
    shown: str
    parameters: tuple[str, ...]
    accepts_any_keyword: bool
    defaults: tuple[tuple[str, Any], ...]
    allowlist: tuple[str, ...] | None
    denylist: tuple[str, ...]
    annotations: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    rules: dict[str, Rule] = field(default_factory=dict, compare=False, hash=False)

    def accepts(self, name: str) -> bool:
        if name in self.denylist or (self.allowlist is not None and name not in self.allowlist):
            return False
        return name in self.parameters or self.accepts_any_keyword


def import_modules(modules: Iterable[str]) -> None:
    """Import the modules that register configurables; a broken one is a ConfigError."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as error:
            raise ConfigError(f"cannot import configurable module {name}: {error}") from None


def suggestion(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def find_target(selector: str, where: str) -> Target:
    """The configurable ``selector`` names; unknown or ambiguous names raise ConfigError at ``where``."""
    registry = gin_config._REGISTRY  # gin 0.5.0 exposes no public lookup without parsing
    try:
        configurable = registry.get_match(selector)
    except KeyError:
        matches = ", ".join(sorted(registry.matching_selectors(selector)))
        raise ConfigError(f"{where}: ambiguous configurable '{selector}' (matches {matches})") from None
    if configurable is None:
        names = [s for complete, _ in registry.items() for s in (complete, complete.rpartition(".")[2])]
        raise ConfigError(f"{where}: unknown configurable '{selector}'{suggestion(selector, names)}")
    return _describe(configurable.selector, registry.minimal_selector(configurable.selector))


def check_parameter(target: Target, name: str, where: str) -> None:
    """Raise unless ``name`` is a bindable parameter of ``target``."""
    if not target.accepts(name):
        hint = suggestion(name, [p for p in target.parameters if target.accepts(p)])
        raise ConfigError(f"{where}: unknown parameter '{name}' of {target.shown}{hint}")


@cache
def _describe(selector: str, shown: str) -> Target:
    configurable = gin_config._REGISTRY[selector]
    parameters, accepts_any, defaults = _signature(configurable.wrapped)

    allowlist = tuple(configurable.allowlist) if configurable.allowlist else None
    return Target(
        selector=selector,
        shown=shown,
        parameters=parameters,
        accepts_any_keyword=accepts_any,
        defaults=defaults,
        allowlist=allowlist,
        denylist=tuple(configurable.denylist or ()),
        annotations=evaluated_annotations(_construction_function(configurable.wrapped)),
        rules=rules_of(configurable.wrapped),
    )


def evaluated_annotations(function: Any) -> dict[str, Any]:
    """Each parameter's annotation as a type; annotations that do not evaluate (names imported only for
    type checkers) are left out and not checked."""
    annotations: dict[str, Any] = {}
    namespace = getattr(function, "__globals__", {})
    for name, annotation in getattr(function, "__annotations__", {}).items():
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, dict(namespace))  # the package's own source, never a config
            except Exception:
                continue
        annotations[name] = annotation
    return annotations


def _construction_function(fn_or_cls: Any) -> Any:
    fn = gin_config._find_class_construction_fn(fn_or_cls) if inspect.isclass(fn_or_cls) else fn_or_cls
    return inspect.unwrap(fn)


def _signature(fn_or_cls: Any) -> tuple[tuple[str, ...], bool, tuple[tuple[str, Any], ...]]:
    is_class = inspect.isclass(fn_or_cls)
    fn = _construction_function(fn_or_cls)
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return (), True, ()
    parameters = list(signature.parameters.values())
    if is_class and parameters:
        parameters = parameters[1:]
    names = tuple(
        p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY)
    )
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in parameters)
    defaults = tuple(
        (p.name, p.default)
        for p in parameters
        if p.name in names and p.default is not p.empty and p.default is not gin.REQUIRED
    )
    return names, accepts_any, defaults
