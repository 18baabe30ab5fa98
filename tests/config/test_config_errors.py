"""Every user mistake is one ConfigError line naming file:line, raised before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_tree import TOY_MODULES, write_tree

from ukiyoe.common.errors import ConfigError
from ukiyoe.config import compile_experiment, load_compiled


def compile_error(tree: Path, experiment: str = "fixed.gin", params: str | None = "params.yaml",
                  binds=()) -> str:
    out = tree / "out"
    with pytest.raises(ConfigError) as caught:
        compile_experiment(tree / "experiments" / experiment, tree / params if params else None, binds, out,
                           modules=TOY_MODULES)
    assert not out.exists(), "nothing may be written when compiling fails"
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_unknown_configurable_names_the_line_and_suggests(tree: Path) -> None:
    write_tree(tree, {"experiments/components/networks.gin": "ToyGenerator.z_dim = 64\n"
                                                             "ToyGenrator.channels = 8\n"})
    assert compile_error(tree) == (
        "experiments/components/networks.gin:2: unknown configurable 'ToyGenrator' "
        "(did you mean 'ToyGenerator'?)")


def test_misspelled_parameter_names_the_line_and_suggests(tree: Path) -> None:
    write_tree(tree, {"experiments/fixes/lr.gin": "# comment\n\n"
                                                  "toy_build_optimizers.generator_lrr = %GEN_LR\n"})
    assert compile_error(tree) == (
        "experiments/fixes/lr.gin:3: unknown parameter 'generator_lrr' of toy_build_optimizers "
        "(did you mean 'generator_lr'?)")


def test_misspelled_parameter_in_a_bind(tree: Path) -> None:
    assert compile_error(tree, binds=["ToyGenerator.zdim=3"]) == (
        "--bind: unknown parameter 'zdim' of ToyGenerator (did you mean 'z_dim'?)")


def test_macro_used_but_never_defined(tree: Path) -> None:
    write_tree(tree, {"experiments/fixes/lr.gin": "toy_build_optimizers.nca_lr = %NCA_LR\n"})
    message = compile_error(tree, params=None)
    assert message.startswith("experiments/base.gin:4: macro %SEED is used but never defined")
    write_tree(tree, {"params.yaml": "seed: 1\n"})
    message = compile_error(tree)
    assert message.startswith("experiments/fixes/lr.gin:1: macro %NCA_LR is used but never defined")


def test_params_key_no_gin_file_uses_is_a_typo(tree: Path) -> None:
    write_tree(tree, {"params.yaml": "seed: 7\ngen_lrr: 5e-05\ngen_lr: 1e-4\ndisc_lr: 1e-4\n"})
    assert compile_error(tree) == (
        "params.yaml:2: 'gen_lrr' is used by no gin file under experiments/ (no %GEN_LRR) "
        "(did you mean 'gen_lr'?)")


def test_params_key_used_only_by_another_experiment_is_recorded_unused(tree: Path) -> None:
    compiled = compile_experiment(tree / "experiments/collapsed.gin", tree / "params.yaml",
                                  modules=TOY_MODULES)
    assert compiled.provenance["unused_params"] == ["gen_lr"]
    assert compiled.flat["toy_build_optimizers.generator_lr"] == 0.001


@pytest.mark.parametrize(("line", "problem"), [
    ("gen_lr: -0.1", "gen_lr must be a positive float, got -0.1"),
    ("gen_lr: fast", "gen_lr must be a positive float, got 'fast'"),
    ("gen_lr: 0", "gen_lr must be a positive float, got 0"),
    ("dropout: 1.5", "dropout must be a probability in [0, 1], got 1.5"),
    ("epochs: 0", "epochs must be a positive integer, got 0"),
    ("batch_size: 2.5", "batch_size must be a positive integer, got 2.5"),
    ("seed: one", "seed must be an integer, got 'one'"),
    ("seed: true", "seed must be an integer, got True"),
])
def test_params_types_and_ranges(tree: Path, line: str, problem: str) -> None:
    write_tree(tree, {"params.yaml": f"disc_lr: 1e-4\n{line}\n"})
    assert compile_error(tree) == f"params.yaml:2: {problem}"


def test_a_bound_macro_is_checked_like_a_param(tree: Path) -> None:
    message = compile_error(tree, binds=["GEN_LR=-1e-4"])
    assert message == "--bind: gen_lr must be a positive float, got -0.0001"


def test_missing_include(tree: Path) -> None:
    write_tree(tree, {"experiments/fixed.gin": "include 'base.gin'\ninclude 'fixes/lrr.gin'\n"})
    assert compile_error(tree) == (
        "experiments/fixed.gin:2: include 'fixes/lrr.gin' not found (looked for experiments/fixes/lrr.gin)")


def test_include_cycle(tree: Path) -> None:
    write_tree(tree, {"experiments/fixes/lr.gin": "include '../fixed.gin'\n"})
    assert "include cycle" in compile_error(tree)


def test_gin_syntax_error(tree: Path) -> None:
    write_tree(tree, {"experiments/fixes/lr.gin": "toy_build_optimizers.generator_lr = = 3\n"})
    assert compile_error(tree).startswith("experiments/fixes/lr.gin:1: gin syntax error")


def test_missing_params_file(tree: Path) -> None:
    message = compile_error(tree, params="nope.yaml")
    assert message == "nope.yaml: params file not found"


@pytest.mark.parametrize(("text", "expected"), [
    ("seed: 1\ngen_lr: [1e-4\n", "params.yaml:3: malformed YAML"),
    ("- seed\n- 1\n", "params.yaml:1: params must be a mapping of names to values"),
    ("seed: 1\n2nd: 3\n", "params.yaml:2: key '2nd' is not a valid name for a gin macro"),
])
def test_malformed_params_file(tree: Path, text: str, expected: str) -> None:
    write_tree(tree, {"params.yaml": text})
    assert compile_error(tree).startswith(expected)


def test_unknown_profile(tree: Path) -> None:
    write_tree(tree, {"params.yaml": "seed: 1\nprofile: smal\n"})
    assert compile_error(tree) == (
        "params.yaml:2: profile 'smal' not found (experiments/profiles/smal.gin) (did you mean 'small'?)")


def test_unknown_experiment(tree: Path) -> None:
    assert compile_error(tree, "fixd.gin") == (
        "experiments/fixd.gin: no such experiment (available: experiments/base.gin, "
        "experiments/collapsed.gin, experiments/fixed.gin)")


def test_unknown_configurable_module(tree: Path) -> None:
    with pytest.raises(ConfigError, match="cannot import configurable module config_no_such_module"):
        compile_experiment(tree / "experiments/fixed.gin", tree / "params.yaml",
                           modules=("config_no_such_module",))


def test_bind_must_be_a_single_binding(tree: Path) -> None:
    assert compile_error(tree, binds=["import os"]) == (
        "--bind 'import os': expected MACRO=VALUE or Configurable.param=VALUE")


def test_edited_compiled_config_is_refused(tree: Path) -> None:
    compile_experiment(tree / "experiments/fixed.gin", tree / "params.yaml", out=tree / "c",
                       modules=TOY_MODULES)
    operative = tree / "c/operative.gin"
    operative.write_text(operative.read_text().replace("5e-05", "0.1"))
    with pytest.raises(ConfigError, match="sha256 differs"):
        load_compiled(tree / "c")
    with pytest.raises(ConfigError, match="missing; run 'ukiyoe config compile' first"):
        load_compiled(tree / "nothing")


def test_a_params_key_with_a_trailing_newline_is_not_a_macro_name(tmp_path) -> None:
    from ukiyoe.common.errors import ConfigError
    from ukiyoe.config.params import load_params

    params = tmp_path / "params.yaml"
    params.write_text('"gen_lr\\n": 1.0e-4\n')
    with pytest.raises(ConfigError, match="not a valid name for a gin macro"):
        load_params(params, "params.yaml")
