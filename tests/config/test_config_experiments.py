"""The repository's own experiments and params.yaml, through the ``ukiyoe`` command."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ukiyoe.cli import main
from ukiyoe.config import activate, compile_experiment, load_compiled
from ukiyoe.configurables import CONFIGURABLE_MODULES

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS = ROOT / "experiments"
PARAMS = ROOT / "params.yaml"


@pytest.fixture(scope="module")
def params() -> dict:
    return yaml.safe_load(PARAMS.read_text())


def ukiyoe(capsys: pytest.CaptureFixture, *argv: str) -> str:
    assert main(["config", *argv]) == 0
    return capsys.readouterr().out


def rows(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines()]


def test_explain_shows_gen_lr_from_params_then_from_bind(
    tmp_path: Path, capsys: pytest.CaptureFixture, params: dict
) -> None:
    fixed, params_path = str(EXPERIMENTS / "fixed.gin"), str(PARAMS)
    ukiyoe(capsys, "compile", fixed, "--params", params_path, "--out", str(tmp_path / "a"))
    explained = rows(ukiyoe(capsys, "explain", str(tmp_path / "a"), "--grep", "gen_lr"))
    gen_lr = str(float(params["gen_lr"]))
    assert ["LearningRates.generator", gen_lr, "params.yaml:gen_lr", "(via", "%GEN_LR)"] in explained
    bind = ("--bind", "GEN_LR=1e-4")
    ukiyoe(capsys, "compile", fixed, "--params", params_path, *bind, "--out", str(tmp_path / "b"))
    explained = rows(ukiyoe(capsys, "explain", str(tmp_path / "b"), "--grep", "gen_lr"))
    assert ["LearningRates.generator", "0.0001", "--bind", "(via", "%GEN_LR)"] in explained


def test_diff_of_collapsed_and_fixed_prints_the_learning_rate_table(
    capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, params: dict
) -> None:
    monkeypatch.chdir(ROOT)
    table = rows(ukiyoe(capsys, "diff", "experiments/collapsed.gin", "experiments/fixed.gin", "--grep", "lr"))
    assert table[0] == ["binding", "experiments/collapsed.gin", "experiments/fixed.gin", "source"]
    gen_lr = str(float(params["gen_lr"]))
    assert ["~", "LearningRates.generator", "0.0002", gen_lr, "params.yaml:gen_lr"] in table
    # The seed's table has all four networks: an unchanged rate set from params.yaml is listed too.
    assert [row[1] for row in table[1:]] == [
        "LearningRates.critic", "LearningRates.discriminator", "LearningRates.generator", "LearningRates.nca"
    ]
    assert table[2] == ["=", "LearningRates.discriminator", "0.0002", "0.0002", "params.yaml:disc_lr"]


def test_every_experiment_compiles_and_activates(tmp_path: Path, params: dict) -> None:
    from ukiyoe.train.options import TrainOptions

    for experiment in ("collapsed.gin", "fixed.gin"):
        compiled = compile_experiment(EXPERIMENTS / experiment, PARAMS, out=tmp_path / experiment,
                                      modules=CONFIGURABLE_MODULES)
        assert compiled.provenance["unused_params"] == ([] if experiment == "fixed.gin" else
                                                        ["disc_lr", "gen_lr", "nca_lr", "transformer_lr"])
        activate(load_compiled(tmp_path / experiment), CONFIGURABLE_MODULES)
        assert TrainOptions().epochs == params["epochs"]


def test_a_bad_experiment_is_one_error_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["config", "compile", str(EXPERIMENTS / "fixd.gin"), "--out", str(tmp_path / "c")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("ukiyoe config: error: experiments/fixd.gin: no such experiment (available: ")
    assert error.count("\n") == 1
    assert not (tmp_path / "c").exists()


def test_without_fix_leaves_out_exactly_that_fix(tmp_path: Path) -> None:
    full = compile_experiment(EXPERIMENTS / "fixed.gin", PARAMS, modules=CONFIGURABLE_MODULES)
    ablated = compile_experiment(EXPERIMENTS / "fixed.gin", PARAMS, without=["gradient_penalty"],
                                 modules=CONFIGURABLE_MODULES)
    collapsed = compile_experiment(EXPERIMENTS / "collapsed.gin", PARAMS, modules=CONFIGURABLE_MODULES)
    changed = {key for key in full.flat if full.flat[key] != ablated.flat.get(key)}
    assert changed == {"GANLoss.gradient_penalty", "GradientPenalty.weight"}
    assert "GradientPenalty.weight" not in ablated.flat  # no penalty object is built at all
    assert ablated.flat["GANLoss.gradient_penalty"] == collapsed.flat["GANLoss.gradient_penalty"] is None
    assert ablated.provenance["without_fixes"] == ["gradient_penalty"]
    none = compile_experiment(EXPERIMENTS / "fixed.gin", PARAMS, without=["none"],
                              modules=CONFIGURABLE_MODULES)
    assert none.sha256 == full.sha256


def _changed(one, other) -> set[str]:
    return {key for key in {*one.flat, *other.flat} if one.flat.get(key) != other.flat.get(key)}


@pytest.mark.parametrize("fix", ["gradient_penalty", "adam_betas", "relativistic_pairing"])
def test_with_fix_adds_exactly_that_fix_to_the_collapsed_baseline(fix: str) -> None:
    def compiled(name: str, **change):
        return compile_experiment(EXPERIMENTS / name, PARAMS, modules=CONFIGURABLE_MODULES, **change)

    collapsed, added = compiled("collapsed.gin"), compiled("collapsed.gin", with_fixes=[fix])
    experiment = "fixed.gin" if fix == "gradient_penalty" else "modern.gin"
    full, without = compiled(experiment), compiled(experiment, without=[fix])
    changed_by_adding, changed_by_removing = _changed(added, collapsed), _changed(full, without)
    assert changed_by_adding and changed_by_adding == changed_by_removing
    assert all(added.flat[key] == full.flat[key] for key in changed_by_adding)
    assert added.provenance["with_fixes"] == [fix]
    assert compiled("collapsed.gin", with_fixes=["none"]).sha256 == collapsed.sha256


@pytest.mark.parametrize(("experiment", "fix", "message"), [
    ("fixed.gin", "gradient_penalty", "already included"),
    ("collapsed.gin", "adam_beta", "did you mean 'adam_betas'"),
])
def test_with_fix_refuses_a_fix_already_in_or_unknown(experiment: str, fix: str, message: str) -> None:
    from ukiyoe.common.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        compile_experiment(EXPERIMENTS / experiment, PARAMS, with_fixes=[fix], modules=CONFIGURABLE_MODULES)


@pytest.mark.parametrize(
    ("experiment", "fix", "message"),
    [
        ("fixed.gin", "gradient_penalt", "did you mean 'gradient_penalty'"),
        ("collapsed.gin", "gradient_penalty", "does not include"),
    ],
)
def test_without_fix_rejects_unknown_or_absent_fix(experiment: str, fix: str, message: str) -> None:
    from ukiyoe.common.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        compile_experiment(EXPERIMENTS / experiment, PARAMS, without=[fix], modules=CONFIGURABLE_MODULES)
