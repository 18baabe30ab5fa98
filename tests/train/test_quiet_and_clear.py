"""What a user reads around training: a run prints no warnings, no result dump and no NaN placeholder; its
files get normal modes; checkpoint refusals say why ukiyoe refuses."""

from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path

import pytest
import torch

from ukiyoe.cli import main
from ukiyoe.common.errors import CheckpointError
from ukiyoe.common.files import sha256_file
from ukiyoe.gan.checkpoint import CheckpointEntry, checkpoint_path, load_checkpoint, verify_checkpoint
from ukiyoe.train.monitor import progress_postfix


def test_a_train_run_is_quiet_and_writes_files_with_umask_modes(workspace) -> None:
    old = os.umask(0o022)
    try:
        done = workspace.run("out")
    finally:
        os.umask(old)
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    for noise in ("Warning", "warn", "pkg_resources", "Result:", "nan"):
        assert noise not in output, output
    written = [*(workspace.root / "out").glob("ckpt-*"), *(workspace.root / "metrics" / "out").iterdir()]
    assert written
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_the_progress_bar_leaves_out_an_unmeasured_diversity() -> None:
    unmeasured = {"d_loss": 1.25, "g_loss": 0.5, "watchdog/diversity": float("nan")}
    assert progress_postfix(unmeasured) == {"D": "1.25", "G": "0.5"}
    assert progress_postfix({"d_loss": 1.25, "watchdog/diversity": 0.0312})["div"] == "0.0312"
    assert progress_postfix({"d_loss": float("nan")})["D"] == "nan"  # a diverging loss still shows


class RunsCode:
    def __reduce__(self):
        return (os.system, ("true",))


def test_a_pickled_payload_is_refused_with_ukiyoes_reason(tmp_path: Path) -> None:
    path = tmp_path / "ckpt-00000001.pt"
    torch.save({"format": 1, "networks": RunsCode()}, path)
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(path)
    message = str(error.value)
    assert "refused, not a weights-only checkpoint" in message and "posix.system" in message
    assert "ukiyoe never unpickles anything but tensors" in message
    assert "weights_only" not in message and "Re-running" not in message and "\n" not in message
    with open(path, "wb") as handle:
        pickle.dump({"format": 1, "networks": RunsCode()}, handle, protocol=2)
    with pytest.raises(CheckpointError, match="never unpickles"):
        load_checkpoint(path)


def test_a_missing_sidecar_is_named_without_guessing_why(tmp_path: Path) -> None:
    path = checkpoint_path(tmp_path, 7)
    torch.save({"format": 1}, path)
    with pytest.raises(CheckpointError) as error:
        verify_checkpoint(CheckpointEntry(7, path))
    assert "did not finish" not in str(error.value)
    assert f"no sha256 sidecar {path.name}.sha256" in str(error.value)
    path.with_name(path.name + ".sha256").write_text(f"{sha256_file(path)}  {path.name}\n")
    verify_checkpoint(CheckpointEntry(7, path))


def test_a_checkpoint_file_given_as_the_directory_says_so(tmp_path: Path, capsys) -> None:
    path = tmp_path / "checkpoints" / "fixed" / "ckpt-00000010.pt"
    path.parent.mkdir(parents=True)
    torch.save({"format": 1}, path)
    (tmp_path / "data").mkdir()
    code = main(["diagnose", "--checkpoint", str(path), "--data", str(tmp_path / "data"), "--out", "r"])
    error = capsys.readouterr().err
    assert code == 2 and error.count("\n") == 1
    assert f"{path}: a file, not a checkpoint directory" in error and str(path.parent) in error
