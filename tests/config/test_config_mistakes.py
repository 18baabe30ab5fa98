"""Mistakes in a copy of the repository's real experiments and params.yaml, through ``ukiyoe config compile``:
each is one ``ukiyoe config: error:`` line naming where it was written, exit 2, nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ukiyoe.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "experiments", tmp_path / "experiments")
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def append(project: Path, relative: str, text: str) -> int:
    """Append ``text`` to a gin file; return the line number of its first line."""
    path = project / relative
    before = path.read_text()
    path.write_text(before + ("" if before.endswith("\n") else "\n") + text + "\n")
    return before.count("\n") + 1 + (0 if before.endswith("\n") else 1)


def compile_error(capsys, *extra: str) -> str:
    code = main(
        ["config", "compile", "experiments/fixed.gin", "--params", "params.yaml", "--out", "out", *extra]
    )
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.err.startswith("ukiyoe config: error: ") and captured.err.count("\n") == 1, captured.err
    assert not Path("out").exists()
    return captured.err.removeprefix("ukiyoe config: error: ").strip()


@pytest.mark.parametrize(
    ("relative", "text", "message"),
    [
        ("experiments/fixes/n_critic.gin", "NCriticSchedule.early = (1, ", "gin syntax error"),
        ("experiments/fixes/n_critic.gin", "NCriticSchedule.early = 'two", "gin syntax error"),
        ("experiments/fixes/n_critic.gin", "NCriticSchedule.early = [[[[" * 400, "gin syntax error"),
        (
            "experiments/fixes/discriminator_dropout.gin",
            "Discriminator.dropout = 'high'",
            "Discriminator.dropout = 'high': must be a number",
        ),
        (
            "experiments/fixes/learning_rates.gin",
            "LearningRates.generator = 'fast'",
            "LearningRates.generator = 'fast': must be a number",
        ),
        (
            "experiments/fixes/discriminator_dropout.gin",
            "Discriminator.dropout = 1.5",
            "Discriminator.dropout = 1.5: must be in [0, 1)",
        ),
        (
            "experiments/fixes/generator_init.gin",
            "SynthesisNetwork.resolution = 33",
            "SynthesisNetwork.resolution = 33: must be a power of two in 8..256",
        ),
        (
            "experiments/fixes/generator_init.gin",
            "Generator.resolution = 33",
            "unknown parameter 'resolution'",
        ),
        (
            "experiments/fixes/nca_conditioning.gin",
            "NCARefiner.conditioning = 'bogus'",
            "NCARefiner.conditioning = 'bogus': must be one of 'mlp', 'raw', 'none'",
        ),
        ("experiments/fixes/n_critic.gin", "NCriticSchedule.early = 1e999", "inf is not a finite number"),
        (
            "experiments/components/training.gin",
            "TrainOptions.amp = 'fp8'",
            "TrainOptions.amp = 'fp8': must be one of 'bf16'",
        ),
        (
            "experiments/fixes/learning_rates.gin",
            "build_optimizers.betas = (0.5, 1.5)",
            "build_optimizers.betas = (0.5, 1.5): each item must be in [0, 1)",
        ),
    ],
)
def test_gin_mistakes_name_their_file_and_line(project, capsys, relative, text, message) -> None:
    line = append(project, relative, text)
    error = compile_error(capsys)
    assert error.startswith(f"{relative.removeprefix('experiments/').join(['experiments/', ''])}:{line}"), (
        error
    )
    assert message in error
    assert "Traceback" not in error and " object at 0x" not in error


@pytest.mark.parametrize(
    ("bind", "message"),
    [
        ("GEN_LR=abc", "--bind 'GEN_LR=abc': gin syntax error: cannot read 'abc' as a value (quote a string"),
        ("LearningRates.generator = -1.0", "--bind: LearningRates.generator = -1.0: must be in (0, 1)"),
        ("TrainOptions.epochs = 'x'", "--bind: TrainOptions.epochs = 'x': must be an integer"),
        ("NCARefiner.fire_rate = 0", "--bind: NCARefiner.fire_rate = 0: must be in (0, 1]"),
    ],
)
def test_bind_mistakes_are_readable(project, capsys, bind, message) -> None:
    assert compile_error(capsys, "--bind", bind).startswith(message)


def test_a_params_value_is_blamed_on_params_yaml(project, capsys) -> None:
    text = (project / "params.yaml").read_text()
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith("gen_lr:"))
    (project / "params.yaml").write_text(text.replace("gen_lr: 5.0e-05", "gen_lr: .inf"))
    assert compile_error(capsys) == f"params.yaml:{line}: gen_lr must be a finite number, got inf"
    (project / "params.yaml").write_text(text.replace("gen_lr: 5.0e-05", "gen_lr: 2.0"))
    assert compile_error(capsys).startswith(
        "params.yaml:gen_lr (via %GEN_LR at experiments/fixes/learning_rates.gin:3): "
        "LearningRates.generator = 2.0: must be in (0, 1)"
    )


def test_unknown_pipeline_keys_are_refused(project, capsys) -> None:
    text = (project / "params.yaml").read_text()
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.strip().startswith("fix:"))
    (project / "params.yaml").write_text(text.replace("  fix: none", "  fixx: none"))
    assert (
        compile_error(capsys)
        == f"params.yaml:{line}: ablate.fixx: unknown key (did you mean 'fix'?) (known: fix, add)"
    )
    (project / "params.yaml").write_text(text + "dta:\n  count: 3\n")
    assert "'dta' is not a block the pipeline reads (data, ablate) (did you mean 'data'?)" in compile_error(
        capsys
    )


@pytest.mark.parametrize(
    ("include", "reason"),
    [
        ("/etc/hostname.gin", "includes are paths relative to the including file"),
        ("../../../../../../etc/passwd", "only .gin files can be included"),
        ("../../params.yaml", "only .gin files can be included"),
        ("../../outside.gin", "it leaves the experiment tree experiments/"),
        ("linked.gin", "it leaves the experiment tree experiments/"),
    ],
)
def test_includes_stay_inside_the_experiment_tree(project, capsys, include, reason) -> None:
    (project / "outside.gin").write_text("NCriticSchedule.early = 5\n")
    (project / "experiments" / "fixes" / "linked.gin").symlink_to(project / "outside.gin")
    line = append(project, "experiments/fixes/n_critic.gin", f"include '{include}'")
    error = compile_error(capsys)
    assert error == f"experiments/fixes/n_critic.gin:{line}: include '{include}' is refused: {reason}"
    assert "NUMBER" not in error and "NAME" not in error  # nothing of the refused file's content


def test_an_include_back_into_the_tree_through_dotdot_is_fine(project, capsys) -> None:
    append(project, "experiments/fixes/label_smoothing.gin", "include '../components/objective.gin'")
    assert (
        main(["config", "compile", "experiments/fixed.gin", "--params", "params.yaml", "--out", "out"]) == 0
    )


def test_a_non_gin_experiment_is_never_parsed(project, capsys) -> None:
    assert main(["config", "compile", "params.yaml", "--out", "out"]) == 2
    error = capsys.readouterr().err
    assert "params.yaml: no such experiment" in error and "NUMBER" not in error and "NAME" not in error
