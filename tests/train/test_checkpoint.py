"""Checkpoint files: atomic writes, sha256 sidecars, fallback past corrupt files, refusal of pickled code."""

from __future__ import annotations

import logging
import os
import pickle
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from ukiyoe.common.errors import CheckpointError
from ukiyoe.common.files import atomic_write, sha256_file
from ukiyoe.gan.checkpoint import (
    checkpoint_path,
    list_checkpoints,
    load_newest_valid,
    read_index,
    save_checkpoint,
)
from ukiyoe.train.rng import capture_rng_state, restore_rng_state


def payload(value: float) -> dict:
    return {"format": 1, "networks": {"g": {"w": torch.full((3,), value)}}, "meta": {"value": value}}


def test_roundtrip_writes_a_matching_sidecar(tmp_path: Path) -> None:
    path = save_checkpoint(tmp_path, 7, payload(7.0), healthy=True, score=0.5, keep_last=3)
    assert path == checkpoint_path(tmp_path, 7)
    digest, name = path.with_name(path.name + ".sha256").read_text().split()
    assert (digest, name) == (sha256_file(path), path.name)
    entry, loaded = load_newest_valid(tmp_path)
    assert entry.step == 7 and torch.equal(loaded["networks"]["g"]["w"], torch.full((3,), 7.0))
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_truncated_newest_falls_back_to_previous_with_a_warning(tmp_path: Path, caplog) -> None:
    for step in (5, 10):
        save_checkpoint(tmp_path, step, payload(float(step)), healthy=True, score=0.1, keep_last=3)
    newest = checkpoint_path(tmp_path, 10)
    newest.write_bytes(newest.read_bytes()[: newest.stat().st_size // 2])
    with caplog.at_level(logging.WARNING):
        entry, loaded = load_newest_valid(tmp_path)
    assert entry.step == 5 and loaded["meta"]["value"] == 5.0
    assert "ckpt-00000010.pt" in caplog.text and "corrupt or truncated" in caplog.text


def test_a_checkpoint_without_sidecar_is_skipped(tmp_path: Path) -> None:
    save_checkpoint(tmp_path, 5, payload(5.0), healthy=True, score=0.1, keep_last=3)
    torch.save(payload(10.0), checkpoint_path(tmp_path, 10))  # the writer died before the sidecar
    assert load_newest_valid(tmp_path)[0].step == 5


class WritesMarker:
    """Unpickling this runs ``os.system`` — what a malicious checkpoint would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("writer", ["torch.save", "pickle.dump"])
def test_a_pickle_with_a_payload_is_refused_and_never_runs(tmp_path: Path, writer: str) -> None:
    marker = tmp_path / "pwned"
    evil = {"format": 1, "networks": WritesMarker(marker)}
    path = checkpoint_path(tmp_path, 20)
    with open(path, "wb") as handle:
        torch.save(evil, handle) if writer == "torch.save" else pickle.dump(evil, handle, protocol=2)
    path.with_name(path.name + ".sha256").write_text(f"{sha256_file(path)}  {path.name}\n")
    with pytest.raises(CheckpointError, match="refused, not a weights-only checkpoint"):
        load_newest_valid(tmp_path)
    assert not marker.exists()
    pickle.loads(pickle.dumps(WritesMarker(marker)))  # the payload is real: plain unpickling runs it
    assert marker.exists()


def test_rotation_keeps_the_last_k_and_the_healthiest(tmp_path: Path) -> None:
    scores = {1: 0.9, 2: 0.2, 3: 0.3, 4: 0.1, 5: 0.1}
    for step, score in scores.items():
        save_checkpoint(tmp_path, step, payload(float(step)), healthy=step != 5, score=score, keep_last=2)
    assert [entry.step for entry in list_checkpoints(tmp_path)] == [1, 4, 5]
    assert set(read_index(tmp_path)) == {"1", "4", "5"}
    assert load_newest_valid(tmp_path, healthy_only=True)[0].step == 4


def test_non_finite_weights_are_never_written(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="non-finite"):
        save_checkpoint(tmp_path, 3, payload(float("nan")), healthy=True, score=0.0, keep_last=2)
    assert list_checkpoints(tmp_path) == []


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("where", ["one of many weights", "an optimizer moment", "a float in a list"])
def test_one_non_finite_value_anywhere_refuses_the_checkpoint(tmp_path: Path, bad: float, where: str) -> None:
    weights = {f"w{index}": torch.randn(4, 4) for index in range(20)}
    optimizers = {"g": {"state": {0: {"exp_avg": torch.zeros(4), "step": torch.tensor(3)}}, "lrs": [1e-4]}}
    state = {"format": 1, "networks": {"g": weights}, "optimizers": optimizers,
             "meta": {"counts": torch.arange(5)}}
    save_checkpoint(tmp_path, 1, state, healthy=True, score=0.0, keep_last=2)  # finite: written
    if where == "one of many weights":
        weights["w13"][2, 1] = bad
    elif where == "an optimizer moment":
        optimizers["g"]["state"][0]["exp_avg"][3] = bad
    else:
        optimizers["g"]["lrs"].append(bad)
    with pytest.raises(CheckpointError, match="non-finite"):
        save_checkpoint(tmp_path, 2, state, healthy=True, score=0.0, keep_last=2)
    assert [entry.step for entry in list_checkpoints(tmp_path)] == [1]


def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")

    def failing(handle) -> None:
        handle.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write(target, failing)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["file.bin"]


def test_rng_state_survives_a_weights_only_roundtrip(tmp_path: Path) -> None:
    random.seed(1), np.random.seed(2), torch.manual_seed(3)
    path = save_checkpoint(
        tmp_path, 1, {"format": 1, "rng": [capture_rng_state()]}, healthy=True, score=0.0, keep_last=1
    )
    expected = (random.random(), np.random.rand(), np.random.randn(), torch.rand(2))
    restore_rng_state(load_newest_valid(tmp_path)[1]["rng"][0])
    again = (random.random(), np.random.rand(), np.random.randn(), torch.rand(2))
    assert expected[:3] == again[:3] and torch.equal(expected[3], again[3])
    assert path.exists()
