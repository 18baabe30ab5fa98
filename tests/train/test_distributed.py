"""Two gloo processes under torchrun train in sync; their checkpoint resumes in a single process."""

from __future__ import annotations

import json
import signal

from faults import KILL_AT_STEP, LAUNCHER

from ukiyoe.cli import main
from ukiyoe.gan.checkpoint import list_checkpoints, load_newest_valid

# The fault launcher instead of ``-m ukiyoe``, so that a rank can be killed mid-run.
TORCHRUN = ("-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", LAUNCHER)


def test_two_process_run_stays_in_sync_and_resumes_single_process(workspace) -> None:
    # 48 images, batch 8: 3 steps per epoch and process. Checkpoint at the end of epoch 1, die in epoch 2.
    binds = ("--bind", "TrainOptions.checkpoint_every = 3")
    result = workspace.run("ddp", *binds, env={KILL_AT_STEP: "4"}, launcher=TORCHRUN)
    assert "diverged" not in result.stderr
    assert result.returncode != 0 and f"exitcode  : -{int(signal.SIGKILL)}" in result.stderr, result.stderr[
        -2000:
    ]
    checkpoints = list_checkpoints(workspace.root / "ddp")
    assert [entry.step for entry in checkpoints] == [0, 3]  # each save first checked both ranks' weights
    _, payload = load_newest_valid(workspace.root / "ddp")
    assert payload["meta"]["world_size"] == 2 and len(payload["rng"]) == 2

    assert main(workspace.train_args("ddp", *binds, "--resume", "auto")) == 0
    _, final = load_newest_valid(workspace.root / "ddp")
    assert final["step"] == 2 * workspace.steps_per_epoch and final["meta"]["world_size"] == 1
    history = (workspace.root / "metrics" / "ddp" / "history.csv").read_text().splitlines()
    assert [line.split(",")[:2] for line in history[1:]] == [["1", "3"], ["2", "12"]]
    summary = json.loads((workspace.root / "metrics" / "ddp" / "details.json").read_text())
    assert summary["epochs"] == 2
