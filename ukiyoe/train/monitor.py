"""Training curves: step values averaged per epoch into ``history.csv``; final values split into the
headline ``summary.json`` (speed and wall time, what a reader compares across runs) and ``details.json``
(every other final value); fixed-z sample grids as PNG.

Epoch rows live in the checkpoint too, so a resumed run rewrites the same history it would have written.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ukiyoe.train.atomic import atomic_write, atomic_write_json, atomic_write_text

LEADING_COLUMNS = ("epoch", "step")
SUMMARY_FILE, DETAILS_FILE = "summary.json", "details.json"
HEADLINE_KEYS = ("images_per_second", "seconds")


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


def write_history(path: Path, rows: list[dict[str, Any]]) -> None:
    """Rewrite ``history.csv`` with one row per epoch; columns are the union of all rows' keys."""
    columns = list(LEADING_COLUMNS)
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _format(value) for key, value in row.items()})
    atomic_write_text(path, buffer.getvalue())


def _format(value: Any) -> Any:
    return f"{value:.6g}" if isinstance(value, float) else value


def write_summary(metrics_dir: Path, summary: dict[str, Any]) -> None:
    """``summary.json`` holds the headline keys, ``details.json`` the rest."""
    safe = {key: _json_safe(value) for key, value in summary.items()}
    atomic_write_json(metrics_dir / SUMMARY_FILE, {key: safe[key] for key in HEADLINE_KEYS if key in safe})
    atomic_write_json(metrics_dir / DETAILS_FILE, {k: v for k, v in safe.items() if k not in HEADLINE_KEYS})


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def save_grid(path: Path, images: torch.Tensor, columns: int | None = None) -> None:
    """Save images in [-1, 1], shape (N, 3, H, W), as one PNG grid."""
    from PIL import Image

    images = images.detach().float().clamp(-1, 1).cpu()
    count, channels, height, width = images.shape
    columns = columns or max(1, int(math.ceil(math.sqrt(count))))
    rows = int(math.ceil(count / columns))
    grid = np.full((rows * (height + 2) + 2, columns * (width + 2) + 2, 3), 255, dtype=np.uint8)
    pixels = ((images + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    if channels == 1:
        pixels = np.repeat(pixels, 3, axis=3)
    for index in range(count):
        top, left = 2 + (index // columns) * (height + 2), 2 + (index % columns) * (width + 2)
        grid[top : top + height, left : left + width] = pixels[index]
    buffer = io.BytesIO()
    Image.fromarray(grid).save(buffer, format="PNG")
    atomic_write(path, lambda handle: handle.write(buffer.getvalue()))
