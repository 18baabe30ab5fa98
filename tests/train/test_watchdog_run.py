"""The watchdog in real runs: NaN rollback, remedies in Sacred's FileStorageObserver output, K-strike stop."""

from __future__ import annotations

import json
import time

import torch
from faults import make_hook

from ukiyoe.cli import main
from ukiyoe.gan.checkpoint import list_checkpoints, load_checkpoint
from ukiyoe.train import loop


def bind(*pairs: str) -> list[str]:
    return [part for pair in pairs for part in ("--bind", pair)]


def test_injected_nan_rolls_back_and_no_checkpoint_holds_nan(workspace, monkeypatch) -> None:
    monkeypatch.setattr(loop, "AFTER_STEP_HOOKS", [make_hook(nan_at=6)])
    assert main(workspace.train_args("nan")) == 0
    checkpoints = list_checkpoints(workspace.root / "nan")
    assert checkpoints[-1].step == 2 * workspace.steps_per_epoch
    for entry in checkpoints:
        payload = load_checkpoint(entry.path)
        for weights in [*payload["networks"].values(), payload["ema"]]:
            assert all(torch.isfinite(tensor).all() for tensor in weights.values()), entry.path
    events = workspace.sacred_run()["info"]["watchdog_events"]
    assert [(e["action"], e["rolled_back_to"]) for e in events] == [("rollback", 5)]
    assert events[0]["reasons"] == ["non-finite weights or samples"] and events[0]["step"] == 7
    summary = json.loads((workspace.root / "metrics" / "nan" / "details.json").read_text())
    assert summary["rollbacks"] == 1 and summary["steps"] == 12
    # Epoch 2 holds checkpoints (steps 10, 12), watchdog checks (8, 12) and an epoch end (12), all timed.
    between = {part: summary[f"seconds_after_first_epoch/{part}"]
               for part in ("checkpoints", "epoch_ends", "watchdog")}
    assert all(seconds > 0 for seconds in between.values())
    assert sum(between.values()) <= summary["seconds_after_first_epoch"]


def test_a_rollback_waits_for_the_checkpoint_still_being_written(workspace, monkeypatch) -> None:
    """The step-5 checkpoint is still being written on the second thread when the NaN at step 7 is seen:
    the rollback waits for it instead of falling back to an older one."""
    from ukiyoe.train import checkpoint_writer

    write = checkpoint_writer.write_checkpoint

    def slow_write(directory, step, *args, **kwargs):
        if step == 5:
            time.sleep(1.5)
        return write(directory, step, *args, **kwargs)

    monkeypatch.setattr(checkpoint_writer, "write_checkpoint", slow_write)
    monkeypatch.setattr(loop, "AFTER_STEP_HOOKS", [make_hook(nan_at=6)])
    assert main(workspace.train_args("slow", "--bind", "TrainOptions.background_checkpoints = True")) == 0
    events = workspace.sacred_run()["info"]["watchdog_events"]
    assert [(e["action"], e["step"], e["rolled_back_to"]) for e in events] == [("rollback", 7, 5)]


def test_remedies_are_applied_and_logged_then_the_run_stops_after_k_rollbacks(workspace, capsys) -> None:
    binds = bind(
        "CollapseWatchdog.min_diversity = 10.0",
        "CollapseWatchdog.warmup_epochs = 0",
        "CollapseWatchdog.max_feature_duplicates = None",
        "CollapseWatchdog.patience = 1",
        "CollapseWatchdog.max_rollbacks = 2",
    )
    assert main(workspace.train_args("stuck", *binds)) == 1
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert (
        error.startswith("ukiyoe train: error: collapse watchdog: diversity")
        and "after 2 rollback(s)" in error
    )

    run = workspace.sacred_run()
    assert run["run"]["status"] == "FAILED" and "TrainingError" in "".join(run["run"]["fail_trace"])
    events = run["info"]["watchdog_events"]
    assert [e["action"] for e in events] == ["rollback", "rollback", "stop"]
    assert events[0]["remedies"] == ["generator learning rate x0.5", "n_critic +1"]
    assert events[1]["remedies"] == ["generator learning rate x0.25", "n_critic +2"]
    assert all(e["step"] == 4 for e in events) and events[0]["rolled_back_to"] == 0
    # Each check logs the settings in force: the remedies really changed the run.
    assert run["metrics"]["lr/generator"]["values"] == [2e-4, 1e-4, 5e-5]
    assert run["metrics"]["n_critic"]["values"] == [2, 3, 4]
    assert run["metrics"]["watchdog/lr_scale"]["values"] == [0.5, 0.25, 0.25]


def test_log_action_watches_without_touching_the_run(workspace) -> None:
    binds = bind(
        "CollapseWatchdog.min_diversity = 10.0",
        "CollapseWatchdog.warmup_epochs = 0",
        "CollapseWatchdog.max_feature_duplicates = None",
        "CollapseWatchdog.patience = 1",
        "CollapseWatchdog.action = 'log'",
        "TrainOptions.epochs = 1",
    )
    assert main(workspace.train_args("baseline", *binds)) == 0
    run = workspace.sacred_run()
    assert run["run"]["status"] == "COMPLETED"
    assert [e["action"] for e in run["info"]["watchdog_events"]] == ["log"]
    assert set(run["metrics"]["lr/generator"]["values"]) == {2e-4}
    assert run["run"]["result"]["rollbacks"] == 0
