"""``ukiyoe config compile|explain|diff`` on a real tree, through the subcommand's own parser."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from config_tree import TOY_MODULES, write_tree

import ukiyoe.configurables
from ukiyoe.config import compile_experiment, diff_configs
from ukiyoe.config.cli import register
from ukiyoe.config.diff import DiffRow


@pytest.fixture
def run(tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    """Run ``ukiyoe config ...`` in ``tree`` with the toy modules as the configurable modules."""
    monkeypatch.chdir(tree)
    monkeypatch.setattr(ukiyoe.configurables, "CONFIGURABLE_MODULES", TOY_MODULES)
    parser = argparse.ArgumentParser(prog="ukiyoe")
    register(parser.add_subparsers(dest="command", required=True))

    def invoke(*argv: str) -> str:
        args = parser.parse_args(["config", *argv])
        assert args.func(args) == 0
        return capsys.readouterr().out

    return invoke


def test_compile_then_explain_shows_params_as_the_source(run) -> None:
    printed = run("compile", "experiments/fixed.gin", "--params", "params.yaml", "--out", "out/fixed")
    assert printed.startswith("compiled experiments/fixed.gin -> out/fixed (")
    lines = run("explain", "out/fixed", "--grep", "lr").splitlines()
    assert lines == [
        "toy_build_optimizers.discriminator_lr  0.0002  params.yaml:disc_lr (via %DISC_LR)",
        "toy_build_optimizers.generator_lr      5e-05   params.yaml:gen_lr (via %GEN_LR)",
        "toy_build_optimizers.nca_lr            0.0001  default",
    ]


def test_a_bind_becomes_the_source(run) -> None:
    run("compile", "experiments/fixed.gin", "--params", "params.yaml", "--bind", "GEN_LR=1e-4", "--out", "o")
    line = run("explain", "o", "--grep", "gen_lr").splitlines()
    assert line == ["toy_build_optimizers.generator_lr  0.0001  --bind (via %GEN_LR)"]


def test_explain_lists_params_this_experiment_ignores(run) -> None:
    run("compile", "experiments/collapsed.gin", "--params", "params.yaml", "--out", "c")
    explained = run("explain", "c")
    rows = [line.split() for line in explained.splitlines()]
    assert ["toy_build_optimizers.generator_lr", "0.001", "experiments/collapsed.gin:2"] in rows
    assert explained.splitlines()[-1] == "unused by this experiment: gen_lr"


def test_diff_of_gin_files_prints_the_learning_rate_table(run) -> None:
    printed = run("diff", "experiments/collapsed.gin", "experiments/fixed.gin", "--grep", "_lr")
    assert printed.splitlines() == [
        "   binding                                experiments/collapsed.gin  experiments/fixed.gin  source",
        "=  toy_build_optimizers.discriminator_lr  0.0002                     0.0002                 "
        "params.yaml:disc_lr",
        "~  toy_build_optimizers.generator_lr      0.001                      5e-05                  "
        "params.yaml:gen_lr",
    ]


def test_diff_of_compiled_directories_and_identical_configs(run) -> None:
    run("compile", "experiments/fixed.gin", "--params", "params.yaml", "--out", "a")
    run("compile", "experiments/fixed.gin", "--params", "params.yaml", "--out", "b")
    assert run("diff", "a", "b") == "no differences between a and b\n"


def test_diff_rows_report_changed_added_and_removed(tree: Path) -> None:
    write_tree(tree, {"experiments/other.gin": "include 'components/networks.gin'\n"
                                               "toy_build_optimizers.nca_lr = 0.5\n"
                                               "toy_build_optimizers.factory = @ToyOptimizer\n"
                                               "ToyGenerator.use_nca = False\n"})
    before = compile_experiment(tree / "experiments/fixed.gin", tree / "params.yaml", modules=TOY_MODULES)
    after = compile_experiment(tree / "experiments/other.gin", tree / "params.yaml", modules=TOY_MODULES)
    rows = {row.key: row for row in diff_configs(before, after)}
    assert rows["toy_build_optimizers.nca_lr"] == DiffRow(
        "toy_build_optimizers.nca_lr", "changed", 1e-4, 0.5, "default", "experiments/other.gin:2")
    assert rows["toy_build_optimizers.generator_lr"] == DiffRow(
        "toy_build_optimizers.generator_lr", "changed", 5e-05, 2e-4, "params.yaml:gen_lr", "default")
    assert rows["ToyGenerator.use_nca"] == DiffRow(
        "ToyGenerator.use_nca", "changed", True, False, "default", "experiments/other.gin:4")
    assert rows["toy_train.seed"] == DiffRow("toy_train.seed", "removed", 7, None, "params.yaml:seed", "")
    assert rows["ToyOptimizer.lr"] == DiffRow("ToyOptimizer.lr", "added", None, 0.001, "", "default")
    assert "ToyGenerator.z_dim" not in rows
    assert [row.change for row in diff_configs(after, before) if row.key == "ToyOptimizer.lr"] == ["removed"]
