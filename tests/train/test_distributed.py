"""Data parallelism under gloo: shards, per-rank penalty gradients, one rank's bad loss, resume resized."""

from __future__ import annotations

import json
import signal

import numpy as np
import pytest
import torch
from faults import FAULT_RANK, INF_LOSS_AT_STEP, KILL_AT_STEP, LAUNCHER
from hypothesis import given, settings
from hypothesis import strategies as st
from ranks import (
    BATCH_SIZES,
    discriminator,
    global_batch,
    gradients,
    layer_losses,
    penalties,
    run_ranks,
    three_layers,
)

from ukiyoe.cli import main
from ukiyoe.common.errors import ConfigError
from ukiyoe.data.loader import ResumableSampler
from ukiyoe.gan.checkpoint import list_checkpoints, load_checkpoint, load_newest_valid
from ukiyoe.train.batches import RealBatches
from ukiyoe.train.distributed import Distributed
from ukiyoe.train.guard import agreed
from ukiyoe.train.stage import select_device
from ukiyoe.train.watchdog import Indicators

# The fault launcher instead of ``-m ukiyoe``, so that a rank can be killed or poisoned mid-run.
TORCHRUN = ("-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", LAUNCHER)
# Checkpoints written before the next step, so a kill right after one finds it on disk (this file tests
# process counts; tests/train/test_resume.py tests kills during a background write).
EVERY_3 = (
    "--bind", "TrainOptions.checkpoint_every = 3", "--bind", "TrainOptions.background_checkpoints = False"
)


def image_ids(batch: torch.Tensor) -> list[int]:
    """The index of each image of a batch built by ``numbered_images`` (pixel value = index)."""
    return [round((float(image[0, 0, 0]) + 1) * 127.5) for image in batch]


def same(left: torch.Tensor | None, right: torch.Tensor | None) -> bool:
    return left is right is None or (left is not None and right is not None and torch.equal(left, right))


def numbered_images(count: int) -> np.ndarray:
    return np.broadcast_to(np.arange(count, dtype=np.uint8)[:, None, None, None], (count, 4, 4, 3)).copy()


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(4, 120),
    world_size=st.integers(1, 4),
    per_rank=st.integers(1, 5),
    seed=st.integers(0, 2**31 - 1),
    epoch=st.integers(1, 50),
)
def test_shards_are_disjoint_cover_the_epoch_and_make_up_the_global_batch(
    count: int, world_size: int, per_rank: int, seed: int, epoch: int
) -> None:
    samplers = [ResumableSampler(count, seed, rank, world_size) for rank in range(world_size)]
    together = np.concatenate([sampler.epoch_indices(epoch) for sampler in samplers])
    assert len(set(together.tolist())) == len(together) == count - count % world_size  # drop_last trims < N

    batch = per_rank * world_size
    if count // batch < 1:
        return
    images, cpu = numbered_images(count), torch.device("cpu")
    alone = RealBatches(images, batch, seed, Distributed(), cpu)
    ranks = [RealBatches(images, batch, seed, Distributed(r, world_size, r), cpu) for r in range(world_size)]
    assert {r.steps_per_epoch for r in ranks} == {alone.steps_per_epoch} == {count // batch}
    for position in range(alone.steps_per_epoch):
        shares = [image_ids(r.batch(epoch, position)) for r in ranks]
        interleaved = [shares[i % world_size][i // world_size] for i in range(batch)]
        assert interleaved == image_ids(alone.batch(epoch, position))  # rank r holds rows r, r + N, ...


def test_penalty_gradients_are_per_rank_then_averaged(tmp_path) -> None:
    """R1 and the gradient penalty are double backwards: each rank differentiates its share, then the .grad
    tensors are averaged. That equals the single-process gradient on the whole global batch (the
    penalties are per-image means) as long as D couples no images; MinibatchStdDev couples images of a
    group, and stays equal only while its group size (4) divides each rank's share."""
    per_rank = run_ranks(2, tmp_path)
    for key, grads in per_rank[0].items():
        assert all(same(grads[name], per_rank[1][key][name]) for name in grads), key  # the same update
    # A parameter only rank 0 reached gets half its gradient on both ranks; one no rank reached, none.
    layers = three_layers()
    (layer_losses(layers, 0) + layer_losses(layers, 1)).div(2).backward()
    expected, got = gradients(layers), per_rank[0].pop("partly_reached")
    assert [k for k in got if got[k] is None] == ["2.weight", "2.bias"]
    assert all(torch.allclose(got[k], expected[k]) for k in expected if expected[k] is not None)
    for batch_size in BATCH_SIZES:
        real = global_batch(batch_size)
        for stddev in (False, True):
            for name in ("r1", "gp"):
                critic = discriminator(stddev)
                penalties(critic, real)[name].backward()
                expected, got = gradients(critic), per_rank[0][(batch_size, stddev, name)]
                assert [k for k in got if got[k] is None] == [k for k in expected if expected[k] is None]
                reached = [k for k in expected if expected[k] is not None]
                close = all(torch.allclose(got[k], expected[k], rtol=1e-4, atol=1e-6) for k in reached)
                coupled = stddev and batch_size // 2 < 4
                assert close != coupled, (batch_size, stddev, name)


def test_a_two_process_run_stays_in_sync_and_resumes_single_process_where_it_stopped(workspace) -> None:
    # Global batch 8: 4 images per rank, 6 steps per epoch at any process count. Die mid-epoch 1.
    result = workspace.run("ddp", *EVERY_3, env={KILL_AT_STEP: "4"}, launcher=TORCHRUN)
    assert "diverged" not in result.stderr
    killed = f"exitcode  : -{int(signal.SIGKILL)}"
    assert result.returncode != 0 and killed in result.stderr, result.stderr[-2000:]
    steps = [entry.step for entry in list_checkpoints(workspace.root / "ddp")]
    assert steps == [0, 3]  # each save first checked both ranks' weights
    _, payload = load_newest_valid(workspace.root / "ddp")
    assert payload["meta"]["world_size"] == 2 and len(payload["rng"]) == 2

    assert main(workspace.train_args("ddp", *EVERY_3, "--resume", "auto")) == 0
    assert workspace.sacred_run()["info"]["resumed_from_step"] == 3
    _, final = load_newest_valid(workspace.root / "ddp")
    assert final["step"] == 2 * workspace.steps_per_epoch and final["meta"]["world_size"] == 1
    history = (workspace.root / "metrics" / "ddp" / "history.csv").read_text().splitlines()
    assert [line.split(",")[:2] for line in history[1:]] == [["1", "6"], ["2", "12"]]
    details = json.loads((workspace.root / "metrics" / "ddp" / "details.json").read_text())
    assert details["epochs"] == 2 and details["steps"] == 12


def test_a_one_process_checkpoint_resumes_on_two_where_it_stopped(workspace) -> None:
    killed = workspace.run("grow", *EVERY_3, env={KILL_AT_STEP: "5"}, launcher=(LAUNCHER,))
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    result = workspace.run("grow", *EVERY_3, "--resume", "auto", launcher=TORCHRUN)
    assert result.returncode == 0, result.stderr[-2000:]
    steps = [entry.step for entry in list_checkpoints(workspace.root / "grow")]
    assert steps[-2:] == [9, 12]  # from step 3 on, the same step numbers the uninterrupted run writes
    final = load_checkpoint(list_checkpoints(workspace.root / "grow")[-1].path)
    assert final["meta"]["world_size"] == 2 and len(final["rng"]) == 2
    # Rank 1 had no saved random state: it must not replay rank 0's (same z on both ranks).
    assert not torch.equal(final["rng"][0]["torch"], final["rng"][1]["torch"])
    history = (workspace.root / "metrics" / "grow" / "history.csv").read_text().splitlines()
    assert [line.split(",")[:2] for line in history[1:]] == [["1", "6"], ["2", "12"]]


@pytest.mark.timeout(240)
def test_a_non_finite_loss_on_one_rank_sends_every_rank_into_the_guard(workspace) -> None:
    # Step 3 is neither a check (every 4) nor a checkpoint (every 5) step; only rank 1's loss is infinite
    # and the gradients stay finite. Had rank 1 entered the guard alone, its all-reduce would pair with
    # rank 0's next gradient all-reduce and the run would hang or fail.
    result = workspace.run("inf", env={INF_LOSS_AT_STEP: "3", FAULT_RANK: "1"}, launcher=TORCHRUN)
    assert result.returncode == 0, result.stderr[-2000:]
    events = workspace.sacred_run()["info"]["watchdog_events"]
    assert [(e["step"], e["action"], e["rolled_back_to"]) for e in events] == [(3, "rollback", 0)]
    assert events[0]["reasons"] == ["non-finite weights or samples"]
    _, final = load_newest_valid(workspace.root / "inf")
    assert final["step"] == 2 * workspace.steps_per_epoch and final["watchdog"]["rollbacks"] == 1


def test_each_process_takes_its_local_gpu_and_the_global_batch_must_divide() -> None:
    second = Distributed(3, 4, 1)
    assert select_device("auto" if torch.cuda.is_available() else "cuda", second) == torch.device("cuda", 1)
    assert select_device("cpu", second) == torch.device("cpu")
    images = numbered_images(48)
    with pytest.raises(ConfigError, match="batch_size 10 is the global batch .* among 4 processes"):
        RealBatches(images, 10, 0, second, torch.device("cpu"))
    assert RealBatches(images, 12, 0, second, torch.device("cpu")).batch(1, 0).shape[0] == 3


def test_every_rank_decides_from_the_same_indicators() -> None:
    healthy = [Indicators(0.5 + rank * 1e-7, 0.0, 0.5, True) for rank in range(3)]
    assert agreed(healthy) is healthy[0]  # rank 0's numbers, not each rank's own rounding
    broken = Indicators(float("nan"), float("nan"), float("nan"), False)
    assert agreed([healthy[0], broken, healthy[2]]) is broken  # any rank's non-finite state wins
