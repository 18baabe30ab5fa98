"""Declared parameter rules: every number or name a configurable takes has one, it is checked when the
configurable is built in Python too, and a declaration that contradicts its own signature is refused."""

from __future__ import annotations

import importlib
import inspect

import gin
import pytest
from gin import config as gin_config
from hypothesis import given
from hypothesis import strategies as st

from ukiyoe.common.errors import ConfigError
from ukiyoe.common.ranges import Between, Each, OneOf, PowerOfTwo, declare, one_of, rules_of
from ukiyoe.configurables import CONFIGURABLE_MODULES
from ukiyoe.gan.networks.discriminator import Discriminator
from ukiyoe.gan.schedules import LearningRates

# Parameters whose every value of the annotated type is valid (the device string is checked by pattern in
# TrainOptions itself; a style bias may be any number).
ANY_VALUE = {"TrainOptions.device", "SynthesisNetwork.style_scale_bias_init"}


def ukiyoe_configurables():
    for name in CONFIGURABLE_MODULES:
        importlib.import_module(name)
    for selector, configurable in gin_config._REGISTRY.items():
        if selector.startswith("ukiyoe."):
            yield selector.rpartition(".")[2], configurable


def test_every_number_and_name_parameter_declares_its_valid_values() -> None:
    missing = []
    for name, configurable in ukiyoe_configurables():
        target = configurable.wrapped
        function = target.__init__ if inspect.isclass(target) else target
        rules = rules_of(target)
        for parameter in list(inspect.signature(function).parameters.values()):
            annotation = str(parameter.annotation)
            key = f"{name}.{parameter.name}"
            denied = parameter.name in (configurable.denylist or ())
            if denied or key in ANY_VALUE or not any(t in annotation for t in ("int", "float", "str")):
                continue
            if parameter.name not in rules:
                missing.append(key)
    assert not missing, f"declare valid values for: {', '.join(missing)}"


def test_rules_are_checked_when_built_in_python_too() -> None:
    with pytest.raises(ConfigError, match=r"Discriminator.dropout: must be in \[0, 1\), got 1.0"):
        Discriminator(dropout=1.0)
    with pytest.raises(ConfigError, match=r"LearningRates.generator: must be in \(0, 1\), got -0.1"):
        LearningRates(generator=-0.1)


def test_a_declaration_must_match_its_signature() -> None:
    with pytest.raises(TypeError, match="unknown parameter 'rate'"):

        @declare(rate=Between(0, 1))
        def schedule(lr: float = 0.1) -> float:
            return lr

    with pytest.raises(TypeError, match="default 2.0 must be in"):

        @declare(lr=Between(0, 1))
        def other(lr: float = 2.0) -> float:
            return lr


@given(st.integers(-1000, 1000) | st.floats(allow_nan=True) | st.booleans() | st.text(max_size=3) | st.none())
def test_rules_accept_exactly_their_values(value) -> None:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    assert (Between(0, 1, high_open=True).problem(value) is None) == (number and 0 <= value < 1)
    power = (
        isinstance(value, int)
        and not isinstance(value, bool)
        and 8 <= value <= 256
        and bin(value).count("1") == 1
    )
    assert (PowerOfTwo(8, 256).problem(value) is None) == power
    assert (one_of("a", 1).problem(value) is None) == (value == "a" or (value == 1 and type(value) is int))
    assert Each(OneOf(("a",))).problem([value]) is None or value != "a"


def test_gin_builds_a_declared_configurable_and_its_rule_still_holds() -> None:
    from torch import nn

    gin.clear_config()
    try:
        gin.parse_config("ukiyoe.gan.Discriminator.dropout = 0.25")
        rates = [m.p for m in Discriminator().modules() if isinstance(m, nn.Dropout)]
        assert rates and set(rates) == {0.25}
        gin.parse_config("ukiyoe.gan.Discriminator.dropout = 1.5")
        with pytest.raises(ConfigError, match="Discriminator.dropout: must be in"):
            Discriminator()
    finally:
        gin.clear_config()
