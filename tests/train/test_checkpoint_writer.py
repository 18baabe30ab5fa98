"""Checkpoints written on a second thread: on disk and verifiable after ``wait``, one write at a time,
errors raised on the training thread, older checkpoints kept until the new one is whole."""

from __future__ import annotations

import os
import stat
import threading

import pytest
import torch

from ukiyoe.common.errors import CheckpointError
from ukiyoe.gan import checkpoint
from ukiyoe.gan.checkpoint import list_checkpoints, load_newest_valid, verify_checkpoint
from ukiyoe.train.checkpoint_writer import CheckpointWriter


def payload(value: float) -> dict:
    return {"format": 1, "networks": {"w": torch.full((64, 64), value)}}


@pytest.mark.parametrize("background", [True, False])
def test_saved_checkpoints_are_whole_once_waited_for(tmp_path, background) -> None:
    writer = CheckpointWriter(background)
    for step in (1, 2, 3, 4):
        writer.save(tmp_path, step, payload(float(step)), healthy=True, score=step / 10, keep_last=2)
    writer.close()
    entries = list_checkpoints(tmp_path)
    assert [entry.step for entry in entries] == [3, 4]
    for entry in entries:
        verify_checkpoint(entry)
    entry, loaded = load_newest_valid(tmp_path)
    assert entry.step == 4 and torch.equal(loaded["networks"]["w"], torch.full((64, 64), 4.0))


def test_the_state_is_taken_at_save_not_when_the_file_is_written(tmp_path, monkeypatch) -> None:
    release = threading.Event()
    original = checkpoint.write_checkpoint

    def slow_write(*args, **kwargs):
        release.wait(timeout=30)
        return original(*args, **kwargs)

    monkeypatch.setattr("ukiyoe.train.checkpoint_writer.write_checkpoint", slow_write)
    writer = CheckpointWriter(background=True)
    state = payload(1.0)
    writer.save(tmp_path, 1, state, healthy=True, score=0.1, keep_last=3)
    state["networks"]["w"].fill_(99.0)  # the next training step changes the weights in place
    assert list_checkpoints(tmp_path) == []  # still being written
    release.set()
    writer.close()
    _, loaded = load_newest_valid(tmp_path)
    assert torch.equal(loaded["networks"]["w"], torch.full((64, 64), 1.0))


def test_a_failed_background_write_is_raised_on_the_training_thread(tmp_path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the checkpoint directory should be")
    writer = CheckpointWriter(background=True)
    writer.save(blocked, 1, payload(1.0), healthy=True, score=0.1, keep_last=3)  # returns at once
    with pytest.raises(OSError):
        writer.wait()
    writer.close()


def test_non_finite_state_is_refused_before_anything_is_written(tmp_path) -> None:
    writer = CheckpointWriter(background=True)
    with pytest.raises(CheckpointError, match="non-finite networks"):
        writer.save(tmp_path, 1, payload(float("nan")), healthy=True, score=0.1, keep_last=3)
    writer.close()
    assert list_checkpoints(tmp_path) == []


def test_a_file_write_reads_the_umask_without_setting_it(tmp_path, monkeypatch) -> None:
    """Setting and restoring the umask would race with the writer thread: the main thread's files (samples,
    history) could get the wrong mode, or the process keep the wrong umask."""
    from ukiyoe.common import files

    old = os.umask(0o027)
    try:
        def refuse(mask: int) -> int:
            raise AssertionError("the umask was set during a write")

        monkeypatch.setattr(files.os, "umask", refuse)
        files.atomic_write_text(tmp_path / "f.txt", "x")
    finally:
        monkeypatch.undo()
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o640


def test_a_snapshot_is_untouched_by_later_changes_to_the_state() -> None:
    """Tensors, containers and other values (an RNG state's numpy array) are all copies."""
    import numpy as np

    from ukiyoe.train.checkpoint_writer import snapshot

    state = {"networks": {"w": torch.ones(3)}, "history": [{"epoch": 1}], "rng": ("MT", np.arange(3), (1, 2))}
    copied = snapshot(state)
    state["networks"]["w"].add_(1.0)
    state["history"][0]["epoch"] = 2
    state["history"].append({"epoch": 3})
    state["rng"][1][0] = 99
    assert torch.equal(copied["networks"]["w"], torch.ones(3))
    assert copied["history"] == [{"epoch": 1}] and copied["rng"][1].tolist() == [0, 1, 2]
    assert copied["rng"][0] == "MT" and copied["rng"][2] == (1, 2)


def test_a_snapshot_keeps_a_state_dicts_type_and_module_versions() -> None:
    from collections import OrderedDict

    from ukiyoe.train.checkpoint_writer import snapshot

    state = torch.nn.Linear(2, 2).state_dict()
    copied = snapshot({"networks": {"linear": state}})["networks"]["linear"]
    assert isinstance(copied, OrderedDict) and copied._metadata == state._metadata
    assert list(copied) == list(state) and all(torch.equal(copied[k], state[k]) for k in state)
