"""``DiagnoseOptions`` from ``experiments/diagnose.gin``: known keys apply, bad values fail in one line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ukiyoe.common.errors import ConfigError
from ukiyoe.diagnose.options import DiagnoseOptions, load_options, options_from_flat

INT_FIELDS = [
    f.name
    for f in dataclasses.fields(DiagnoseOptions)
    if f.type == "int" and f.name not in ("seed", "num_samples")
]


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


def test_the_options_file_is_read_as_literals_only(tmp_path) -> None:
    path = tmp_path / "diagnose.gin"
    path.write_text("# settings\nDiagnoseOptions.num_samples = 640  # comment\n\nDiagnoseOptions.seed = 9\n")
    assert load_options(path) == DiagnoseOptions(num_samples=640, seed=9)
    path.write_text("DiagnoseOptions.seed = __import__('os').getpid()\n")
    with pytest.raises(ConfigError, match=r"diagnose.gin:1: DiagnoseOptions.seed: not a literal value"):
        load_options(path)
    path.write_text("include 'other.gin'\n")
    with pytest.raises(ConfigError, match=r"diagnose.gin:1: expected 'DiagnoseOptions.<param> = <value>'"):
        load_options(path)
    with pytest.raises(ConfigError, match="missing.gin: diagnose options file not found"):
        load_options(tmp_path / "missing.gin")


def test_the_shipped_options_file_holds_the_defaults() -> None:
    repo = Path(__file__).resolve().parents[2]
    assert load_options(repo / "experiments" / "diagnose.gin") == DiagnoseOptions()


def test_training_configs_no_longer_carry_diagnose_settings() -> None:
    repo = Path(__file__).resolve().parents[2]
    for path in (repo / "experiments").rglob("*.gin"):
        if path.name != "diagnose.gin":
            assert "DiagnoseOptions" not in path.read_text(), path
