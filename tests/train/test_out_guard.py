"""`ukiyoe train` never silently replaces another run: a used --out is refused unless --resume auto or
--force, and resuming a finished run trains nothing and keeps its recorded speed."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ukiyoe.cli import main
from ukiyoe.gan.checkpoint import list_checkpoints


def snapshot(*directories: Path) -> dict[str, str]:
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest()
            for directory in directories for path in sorted(directory.rglob("*")) if path.is_file()}


def test_used_out_is_refused_then_resumed_or_replaced_on_request(workspace, capsys) -> None:
    out, metrics = workspace.root / "run", workspace.root / "metrics" / "run"
    assert main(workspace.train_args("run")) == 0
    before = snapshot(out, metrics)
    capsys.readouterr()

    assert main(workspace.train_args("run", "--bind", "TrainOptions.epochs = 3")) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "holds the checkpoints of an earlier run (newest ckpt-" in error
    assert "--resume auto" in error and "--force" in error
    assert snapshot(out, metrics) == before

    assert main(workspace.train_args("run", "--resume", "auto")) == 0
    said = capsys.readouterr().err
    total = 2 * workspace.steps_per_epoch
    assert f"already finished at step {total} (epoch 2 of 2, ckpt-{total:08d}.pt); nothing to train" in said
    rate = float(said.split("already done, ")[1].split(" steps, ")[1].split(" images/s")[0])
    assert rate > 0.0
    assert snapshot(out, metrics) == before

    assert main(workspace.train_args("run", "--force", "--bind", "TrainOptions.epochs = 1")) == 0
    assert snapshot(out, metrics) != before
    assert list_checkpoints(out)[-1].step == workspace.steps_per_epoch  # the new one-epoch run replaced it
