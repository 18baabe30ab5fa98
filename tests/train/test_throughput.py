"""The loop's speed record: time between steps counts from the first epoch's end, like the headline rate."""

from __future__ import annotations

import time

import torch

from ukiyoe.train.monitor import Throughput


def test_time_between_steps_counts_after_the_first_epoch_only() -> None:
    throughput, cpu = Throughput(images_per_step=8), torch.device("cpu")
    throughput.start()
    with throughput.between("checkpoints", cpu):
        time.sleep(0.3)  # in epoch 1: outside the window
    throughput.count_step()
    throughput.first_epoch_done()
    for _ in range(2):
        throughput.count_step()
        with throughput.between("checkpoints", cpu):
            time.sleep(0.02)
    throughput.stop()
    summary = throughput.summary()
    assert 0.04 <= summary["seconds_after_first_epoch/checkpoints"] < 0.3
    assert summary["seconds_after_first_epoch/checkpoints"] <= summary["seconds_after_first_epoch"]
    assert "seconds_after_first_epoch/watchdog" not in summary
