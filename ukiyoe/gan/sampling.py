"""Drawing samples with a private seed, so that looking at a generator never changes a training run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def private_rng(seed: int, device: torch.device) -> Iterator[None]:
    """Inside the block torch's global RNGs (CPU, and ``device``'s when CUDA) start from ``seed``; after
    it they are exactly as before (the NCA's stochastic updates draw from them)."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
