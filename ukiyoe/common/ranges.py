"""Declared valid values of configurable parameters, stated once beside each configurable.

``@declare(dropout=Between(0, 1, high_open=True))`` records the rule where the config compiler finds it
(so ``Discriminator.dropout = 1.5`` fails at compile time with its ``file:line``) and checks explicit
arguments when the configurable is constructed, so Python callers get the same message. Light on purpose:
the network modules import it, the compiler reads it, neither pulls in the other.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from ukiyoe.common.errors import ConfigError

RULES_ATTRIBUTE = "__ukiyoe_rules__"
T = TypeVar("T")


class Rule(Protocol):
    def problem(self, value: Any) -> str | None:
        """Why ``value`` is invalid (``must be ...``), or None."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Between:
    """A finite number in an interval; ``None`` bounds are open-ended."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def __str__(self) -> str:
        if self.high is None:
            return f"{'>' if self.low_open else '>='} {self.low:g}"
        if self.low is None:
            return f"{'<' if self.high_open else '<='} {self.high:g}"
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"in {left}{self.low:g}, {self.high:g}{right}"

    def problem(self, value: Any) -> str | None:
        if not _is_number(value) or not math.isfinite(value):
            return f"must be a number {self}"
        below = self.low is not None and (value < self.low or (self.low_open and value == self.low))
        above = self.high is not None and (value > self.high or (self.high_open and value == self.high))
        return f"must be {self}" if below or above else None


@dataclass(frozen=True)
class OneOf:
    choices: tuple[Any, ...]

    def problem(self, value: Any) -> str | None:
        # bool is an int to Python: True must not pass for 1, nor 1 for True
        if any(value == c and type(value) is type(c) for c in self.choices):
            return None
        return f"must be one of {', '.join(map(repr, self.choices))}"


@dataclass(frozen=True)
class PowerOfTwo:
    low: int
    high: int

    def problem(self, value: Any) -> str | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and self.low <= value <= self.high
        if ok and value & (value - 1) == 0:
            return None
        return f"must be a power of two in {self.low}..{self.high}"


@dataclass(frozen=True)
class Each:
    """Every item of a tuple or list obeys ``rule``."""

    rule: Rule

    def problem(self, value: Any) -> str | None:
        if not isinstance(value, list | tuple):
            return "must be a tuple"
        problems = [self.rule.problem(item) for item in value]
        return next((f"each item {p}" for p in problems if p), None)


def one_of(*choices: Any) -> OneOf:
    return OneOf(tuple(choices))


def rules_of(configurable: Any) -> dict[str, Rule]:
    """The rules declared for a class or function (empty when none)."""
    return dict(getattr(configurable, RULES_ATTRIBUTE, {}))


def problem_with(rule: Rule, value: Any) -> str | None:
    """``rule``'s complaint about ``value``; None passes (an optional parameter left unset)."""
    return None if value is None else rule.problem(value)


def _check_declaration(target: Any, signature: inspect.Signature, rules: dict[str, Rule]) -> None:
    for name, rule in rules.items():
        parameter = signature.parameters.get(name)
        if parameter is None:
            raise TypeError(f"{target.__qualname__}: rule for unknown parameter {name!r}")
        if parameter.default is not parameter.empty and (problem := problem_with(rule, parameter.default)):
            raise TypeError(f"{target.__qualname__}.{name}: default {parameter.default!r} {problem}")


def declare(**rules: Rule) -> Callable[[T], T]:
    """Attach ``rules`` (parameter name -> rule) to a configurable class or function and check every
    explicit argument against them when it is called. Place it below ``@gin.configurable``."""

    def decorate(target: T) -> T:
        function = target.__init__ if inspect.isclass(target) else target
        signature = inspect.signature(function)
        _check_declaration(target, signature, rules)

        @functools.wraps(function)
        def checked(*args: Any, **kwargs: Any) -> Any:
            for name, value in signature.bind_partial(*args, **kwargs).arguments.items():
                if name in rules and (problem := problem_with(rules[name], value)):
                    raise ConfigError(f"{target.__qualname__}.{name}: {problem}, got {value!r}")
            return function(*args, **kwargs)

        if inspect.isclass(target):
            target.__init__ = checked
            setattr(target, RULES_ATTRIBUTE, rules)
            return target
        setattr(checked, RULES_ATTRIBUTE, rules)
        return checked  # type: ignore[return-value]

    return decorate
