"""Exact resume after SIGKILL, checkpoint-then-exit on SIGTERM, refusal of another config's checkpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import torch
from faults import KILL_AT_STEP, LAUNCHER

from ukiyoe.cli import main
from ukiyoe.gan.checkpoint import list_checkpoints, load_newest_valid, verify_checkpoint

DETERMINISTIC = ("--bind", "TrainOptions.deterministic = True")
# Checkpoints every 5 steps, 6 steps per epoch, 12 in all. Kill before the first periodic checkpoint, just
# after the epoch boundary, and late in epoch 2; each resumed process is itself the next one killed.
KILL_STEPS = (3, 7, 11)


def tensors_equal(left, right) -> bool:
    if isinstance(left, torch.Tensor):
        return isinstance(right, torch.Tensor) and left.dtype == right.dtype and torch.equal(left, right)
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(tensors_equal(left[k], right[k]) for k in left)
    if isinstance(left, list | tuple):
        return len(left) == len(right) and all(tensors_equal(a, b) for a, b in zip(left, right, strict=True))
    return left == right


def start(workspace, out: str, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    launcher = [LAUNCHER] if env else ["-m", "ukiyoe"]  # faults need the test launcher
    command = [sys.executable, *launcher, *workspace.train_args(out, *DETERMINISTIC, *extra)]
    return subprocess.Popen(
        command,
        cwd=workspace.root,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    _, stderr = process.communicate(timeout=300)
    return process.returncode, stderr


def test_sigkill_at_three_points_then_resume_is_bit_identical(workspace) -> None:
    killed = workspace.root / "killed"
    for number, step in enumerate(KILL_STEPS):
        resume = ("--resume", "auto") if number else ()
        code, stderr = finish(start(workspace, "killed", *resume, env={KILL_AT_STEP: str(step)}))
        assert code == -signal.SIGKILL, stderr
        assert all(entry.step < step for entry in list_checkpoints(killed))
    # Checkpoints are written beside the steps: a kill one step after a save may land before that write
    # finished, and the run must then resume from the newest checkpoint that is whole.
    # Step 5's checkpoint is whole: the last killed process resumed from it, or waited for its write at the
    # watchdog check of step 8.
    newest, _ = load_newest_valid(killed)
    assert newest.step in (5, 10)
    code, stderr = finish(start(workspace, "killed", "--resume", "auto"))
    assert code == 0, stderr
    total = 2 * workspace.steps_per_epoch
    assert f"resuming {killed} from step {newest.step} of {total}" in stderr
    assert workspace.sacred_run()["info"]["resumed_from_step"] == newest.step

    assert main(workspace.train_args("reference", *DETERMINISTIC)) == 0  # uninterrupted, in this process
    _, expected = load_newest_valid(workspace.root / "reference")
    _, got = load_newest_valid(killed)
    assert expected["step"] == got["step"] == 2 * workspace.steps_per_epoch
    for key in ("networks", "ema", "optimizers", "rng", "loop"):
        assert tensors_equal(expected[key], got[key]), f"{key} differs after three kills and resumes"
    histories = [
        (workspace.root / "metrics" / out / "history.csv").read_text() for out in ("killed", "reference")
    ]
    assert histories[0] == histories[1]


def test_sigterm_writes_a_checkpoint_then_exits_143(workspace, capsys) -> None:
    process = start(workspace, "long", "--bind", "TrainOptions.epochs = 500")
    first_periodic = workspace.root / "long" / "ckpt-00000005.pt"
    deadline = time.monotonic() + 120
    while not first_periodic.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    code, stderr = finish(process)
    assert code == 143, stderr
    assert "stopped by SIGTERM after writing a checkpoint" in stderr
    newest = list_checkpoints(workspace.root / "long")[-1]
    verify_checkpoint(newest)
    assert newest.step >= 5
    run = workspace.sacred_run()
    assert run["run"]["status"] == "INTERRUPTED" and "SIGTERM" in run["info"]["stop_reason"]

    capsys.readouterr()
    args = workspace.train_args(
        "long", *DETERMINISTIC, "--bind", "TrainOptions.epochs = 400", "--resume", "auto"
    )
    assert main(args) == 2
    error = capsys.readouterr().err
    assert "resume needs the same config" in error and error.count("\n") == 1
