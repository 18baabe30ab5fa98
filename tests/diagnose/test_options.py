"""``DiagnoseOptions`` from compiled ``config.json`` files: known keys apply, bad values fail in one line."""

from __future__ import annotations

import dataclasses
import json

import gin
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ukiyoe.diagnose.options import DiagnoseOptions, load_options, options_from_flat
from ukiyoe.errors import ConfigError

INT_FIELDS = [f.name for f in dataclasses.fields(DiagnoseOptions) if f.type == "int" and f.name != "seed"]


@given(name=st.sampled_from(INT_FIELDS), value=st.integers(1, 100_000), scope=st.sampled_from(["", "eval/"]))
def test_positive_ints_are_applied(name: str, value: int, scope: str) -> None:
    options = options_from_flat({f"{scope}DiagnoseOptions.{name}": value, "Generator.z_dim": 512})
    assert getattr(options, name) == value


@given(
    name=st.sampled_from(INT_FIELDS),
    value=st.one_of(st.integers(max_value=0), st.text(), st.booleans(), st.floats(allow_nan=True)),
)
def test_invalid_ints_are_rejected(name: str, value: object) -> None:
    with pytest.raises(ConfigError, match=rf"DiagnoseOptions\.{name}"):
        options_from_flat({f"DiagnoseOptions.{name}": value})


@given(value=st.one_of(st.floats(max_value=0.0), st.floats(min_value=0.5), st.text()))
def test_duplicate_quantile_must_lie_in_open_interval(value: object) -> None:
    with pytest.raises(ConfigError, match="duplicate_quantile"):
        options_from_flat({"DiagnoseOptions.duplicate_quantile": value})


@given(value=st.integers(max_value=-1))
def test_negative_seed_is_rejected(value: int) -> None:
    with pytest.raises(ConfigError, match="seed"):
        options_from_flat({"DiagnoseOptions.seed": value})


def test_unknown_parameter_names_the_file() -> None:
    with pytest.raises(ConfigError, match=r"cfg\.json: unknown parameter 'num_sample' of DiagnoseOptions"):
        options_from_flat({"DiagnoseOptions.num_sample": 10}, where="cfg.json")


def test_feature_space_is_validated() -> None:
    with pytest.raises(ConfigError, match="feature_space"):
        options_from_flat({"DiagnoseOptions.feature_space": "inception"})


def test_load_options_reads_compiled_config(tmp_path) -> None:
    assert load_options(tmp_path) == DiagnoseOptions()
    (tmp_path / "config.json").write_text(
        json.dumps({"DiagnoseOptions.num_samples": 64, "DiagnoseOptions.seed": 9})
    )
    assert load_options(tmp_path) == DiagnoseOptions(num_samples=64, seed=9)
    (tmp_path / "config.json").write_text("[1, 2]")
    with pytest.raises(ConfigError, match="config.json: expected a JSON object"):
        load_options(tmp_path)


def test_gin_bindings_reach_the_configurable_but_not_config_json() -> None:
    gin.clear_config()
    try:
        gin.parse_config("DiagnoseOptions.num_samples = 17")
        assert gin.get_configurable("DiagnoseOptions")().num_samples == 17
        assert options_from_flat({}).num_samples == DiagnoseOptions().num_samples
    finally:
        gin.clear_config()


def test_component_gin_file_parses() -> None:
    from pathlib import Path

    gin.clear_config()
    try:
        gin.parse_config_file(str(Path(__file__).parents[2] / "experiments/components/diagnose.gin"))
        assert gin.get_configurable("DiagnoseOptions")() == DiagnoseOptions()
    finally:
        gin.clear_config()
