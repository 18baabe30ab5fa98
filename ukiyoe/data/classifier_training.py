"""Training the mode classifier inside prepare: single-threaded and deterministic, so the same inputs give
byte-identical ``classifier.pt``, and small enough to finish in seconds on a laptop CPU."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch
from torch.nn import functional as F

from ukiyoe.data.classifier import ClassifierSpec, ModeNet, to_input

BATCH_SIZE = 64


@contextlib.contextmanager
def deterministic_torch(seed: int) -> Iterator[None]:
    """One thread, deterministic kernels and a private RNG; the caller's torch settings come back after."""
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)


def _shift(images: np.ndarray, rng: np.random.Generator, max_shift: int) -> np.ndarray:
    """Random translation by up to ``max_shift`` pixels (zero-filled), one offset per batch."""
    if max_shift == 0:
        return images
    dy, dx = rng.integers(-max_shift, max_shift + 1, size=2)
    shifted = np.zeros_like(images)
    h, w = images.shape[1:3]
    shifted[:, max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = images[
        :, max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)
    ]
    return shifted


def accuracy(net: ModeNet, images: np.ndarray, labels: np.ndarray, in_channels: int) -> float:
    net.eval()
    with torch.no_grad():
        predicted = np.concatenate(
            [
                net(to_input(images[i : i + 512], in_channels)).argmax(1).numpy()
                for i in range(0, len(images), 512)
            ]
        )
    return float((predicted == labels).mean())


def train_classifier(
    spec: ClassifierSpec,
    train: tuple[np.ndarray, np.ndarray],
    heldout: tuple[np.ndarray, np.ndarray],
    seed: int,
    epochs: int,
    max_shift: int = 0,
    learning_rate: float = 3e-3,
) -> tuple[ModeNet, float]:
    """Fit on ``train`` (uint8 images, int labels); return the net and its accuracy on ``heldout``."""
    images, labels = train
    rng = np.random.default_rng([seed, 0xC1A55])
    with deterministic_torch(seed):
        net = ModeNet(spec)
        optimizer = torch.optim.Adam(net.parameters(), lr=learning_rate)
        steps = epochs * (len(images) // BATCH_SIZE)
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=learning_rate, total_steps=max(steps, 1)
        )
        for _ in range(epochs):
            net.train()
            order = rng.permutation(len(images))
            for start in range(0, len(order) - BATCH_SIZE + 1, BATCH_SIZE):
                batch = order[start : start + BATCH_SIZE]
                x = to_input(_shift(images[batch], rng, max_shift), spec.in_channels)
                loss = F.cross_entropy(net(x), torch.from_numpy(labels[batch]))
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                schedule.step()
        return net.eval(), accuracy(net, *heldout, spec.in_channels)
