"""The consumer API (load_generator) and the CLI's one-line errors."""

from __future__ import annotations

import pytest
import torch

from ukiyoe.cli import main
from ukiyoe.common.errors import CheckpointError
from ukiyoe.configurables import CONFIGURABLE_MODULES
from ukiyoe.gan.checkpoint import list_checkpoints
from ukiyoe.gan.export import load_generator


def test_load_generator_samples_the_ema_generator_reproducibly(workspace) -> None:
    assert main(workspace.train_args("run", "--bind", "TrainOptions.epochs = 1")) == 0
    loaded = load_generator(workspace.root / "run")
    first = loaded.sample(10, seed=5, batch_size=4)
    assert first.shape == (10, 3, 8, 8) and first.dtype == torch.float32
    assert float(first.min()) >= -1.0 and float(first.max()) <= 1.0 and float(first.std()) > 0
    assert torch.equal(first, loaded.sample(10, seed=5, batch_size=4))
    assert not torch.equal(first, loaded.sample(10, seed=6, batch_size=4))
    assert not loaded.module.training
    meta = loaded.meta
    assert (meta["step"], meta["epoch"], meta["seed"]) == (workspace.steps_per_epoch, 1, 3)
    assert meta["dataset_sha256"] == "0" * 64 and len(meta["config_sha256"]) == 64
    assert meta["metrics_dir"].endswith("metrics/run") and "git_commit" in meta
    assert (workspace.root / "run" / "samples" / "epoch-0001.png").stat().st_size > 0

    for entry in list_checkpoints(workspace.root / "run"):
        entry.sidecar.unlink()
    with pytest.raises(CheckpointError, match="no valid checkpoint"):
        load_generator(workspace.root / "run")


def test_a_missing_data_directory_is_one_clear_error(workspace, capsys) -> None:
    args = workspace.train_args("out")
    args[args.index("--data") + 1] = str(workspace.root / "nowhere")
    assert main(args) == 2
    error = capsys.readouterr().err
    assert (
        error == f"ukiyoe train: error: {workspace.root / 'nowhere'}: prepared data directory not found; "
        "run 'ukiyoe prepare' first\n"
    )


def test_a_config_that_does_not_compile_trains_nothing(workspace, capsys) -> None:
    assert main(workspace.train_args("out", "--bind", "TrainOptions.epocs = 3")) == 2
    error = capsys.readouterr().err
    assert error.startswith("ukiyoe train: error: ") and "epocs" in error and error.count("\n") == 1
    assert not (workspace.root / "out").exists() or not list_checkpoints(workspace.root / "out")


def test_binds_are_refused_for_an_already_compiled_config(workspace, capsys) -> None:
    from ukiyoe.config import compile_experiment

    compiled = workspace.root / "compiled"
    compile_experiment(workspace.experiment, workspace.params, out=compiled, modules=CONFIGURABLE_MODULES)
    args = workspace.train_args("out", "--bind", "TrainOptions.epochs = 3")
    args[args.index("--config") + 1] = str(compiled)
    assert main(args) == 2
    assert "is already compiled; pass the experiment's gin file" in capsys.readouterr().err
