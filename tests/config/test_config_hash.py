"""Property tests: the hash ignores layout and order but not values; literals and params round-trip."""

from __future__ import annotations

import tempfile
from pathlib import Path

from config_tree import TOY_MODULES
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ukiyoe.common.errors import ConfigError
from ukiyoe.config import compile_experiment
from ukiyoe.config.gin_files import parse_value
from ukiyoe.config.literals import to_gin_literal
from ukiyoe.config.params import check_value, load_params

# Parameters without annotations: any literal is a valid value there (typed ones are checked at compile time).
KEYS = (
    "ToyGenerator.blocks", "ToyOptimizer.params", "ToyOptimizer.betas", "ToyOptimizer.scale",
    "toy_build_optimizers.factory", "gen/ToyOptimizer.betas", "gen/ToyGenerator.blocks",
)
scalars = (
    st.integers(-10**6, 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
    | st.none()
    | st.text(max_size=8)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(st.text(max_size=4) | st.integers(), inner, max_size=3),
    max_leaves=6,
)
configs = st.dictionaries(st.sampled_from(KEYS), scalars | st.lists(st.integers(), max_size=3), min_size=1)
comment_text = st.text(st.characters(blacklist_categories=["Cc", "Cs"]), max_size=10)
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def compile_text(text: str):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "experiments" / "exp.gin"
        path.parent.mkdir()
        path.write_text(text)
        return compile_experiment(path, None, modules=TOY_MODULES)


def canonical(config: dict) -> str:
    return "".join(f"{key} = {to_gin_literal(value)}\n" for key, value in sorted(config.items()))


@FAST
@given(config=configs, data=st.data())
def test_hash_ignores_comments_whitespace_and_order(config: dict, data: st.DataObject) -> None:
    order = data.draw(st.permutations(sorted(config)))
    lines = []
    for key in order:
        if data.draw(st.booleans()):
            lines.append(f"# {data.draw(comment_text)}")
        spaces = " " * data.draw(st.integers(0, 3))
        comment = "  # trailing" if data.draw(st.booleans()) else ""
        lines.append(f"{key}{spaces}={spaces or ' '}{to_gin_literal(config[key])}{comment}")
        lines.extend([""] * data.draw(st.integers(0, 2)))
    shuffled = compile_text("\n".join(lines) + "\n")
    assert shuffled.sha256 == compile_text(canonical(config)).sha256
    assert shuffled.operative_gin == compile_text(canonical(config)).operative_gin


@FAST
@given(config=configs, data=st.data())
def test_hash_changes_when_any_value_changes(config: dict, data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(sorted(config)))
    new_value = data.draw(scalars)
    assume(to_gin_literal(new_value) != to_gin_literal(config[key]))
    changed = {**config, key: new_value}
    assert compile_text(canonical(changed)).sha256 != compile_text(canonical(config)).sha256


@settings(max_examples=200, deadline=None)
@given(value=values)
def test_gin_literals_parse_back_to_the_same_value(value: object) -> None:
    literal = to_gin_literal(value)
    parsed = parse_value(literal, "test")
    assert parsed == value
    assert to_gin_literal(parsed) == literal


@settings(max_examples=100, deadline=None)
@given(rate=st.floats(min_value=1e-12, max_value=10.0, allow_subnormal=False))
def test_any_float_dvc_writes_reaches_gin_as_that_float(rate: float) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "params.yaml"
        for text in (repr(rate), f"{rate:e}", f"'{rate:e}'"):
            path.write_text(f"gen_lr: {text}\n")
            assert load_params(path, "params.yaml").macros["GEN_LR"] == float(text.strip("'"))


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(["gen_lr", "dropout", "epochs", "batch_size", "seed", "other"]),
       value=scalars)
def test_param_rules_accept_exactly_the_valid_values(name: str, value: object) -> None:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    valid = {
        "gen_lr": number and value > 0,
        "dropout": number and 0 <= value <= 1,
        "epochs": isinstance(value, int) and not isinstance(value, bool) and value > 0,
        "batch_size": isinstance(value, int) and not isinstance(value, bool) and value > 0,
        "seed": isinstance(value, int) and not isinstance(value, bool),
        "other": True,
    }[name]
    try:
        checked = check_value(name, value, "params.yaml:1")
    except ConfigError as error:
        assert not valid
        assert str(error).startswith(f"params.yaml:1: {name} must be")
    else:
        assert valid
        assert checked == value
