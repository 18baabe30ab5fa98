"""Training curves: step values averaged per epoch (rows of ``history.csv``), final values in
``summary.json``, fixed-z sample grids as PNG.

Epoch rows live in the checkpoint too, so a resumed run rewrites the same history it would have written.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch

from ukiyoe.files import atomic_write_json
from ukiyoe.images import grid_image, nchw_to_nhwc, to_uint8, write_png


def gradient_norm(parameters: Iterable[torch.nn.Parameter]) -> float:
    """L2 norm of all gradients (0 when none were computed)."""
    norms = [parameter.grad.detach().float().norm() for parameter in parameters if parameter.grad is not None]
    return float(torch.linalg.vector_norm(torch.stack(norms))) if norms else 0.0


def value_range(images: torch.Tensor) -> dict[str, float]:
    return {"samples/value_min": float(images.min()), "samples/value_max": float(images.max())}


class EpochAverager:
    """Running means of step values within one epoch."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, values: dict[str, float]) -> None:
        for name, value in values.items():
            if isinstance(value, int | float) and math.isfinite(value):
                self.sums[name] += float(value)
                self.counts[name] += 1

    def means(self) -> dict[str, float]:
        return {name: self.sums[name] / self.counts[name] for name in self.sums}

    def state_dict(self) -> dict[str, Any]:
        return {"sums": dict(self.sums), "counts": dict(self.counts)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.sums = defaultdict(float, state["sums"])
        self.counts = defaultdict(int, state["counts"])


def write_summary(path: Path, summary: dict[str, Any]) -> None:
    atomic_write_json(path, summary)


def save_samples(path: Path, images: torch.Tensor) -> None:
    """Images in [-1, 1], shape (N, C, H, W), as one PNG grid."""
    write_png(path, grid_image(nchw_to_nhwc(to_uint8(images))))
