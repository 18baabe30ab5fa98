"""PNG figures of a report: sample grids, the nearest-real-neighbour panel and training curves."""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image

PANEL_NEIGHBOURS = 4


def nearest_training(fake_images: np.ndarray, train_images: np.ndarray) -> np.ndarray:
    """Indices of the nearest training images of each generated image, in the memorization test's
    copy descriptor (mirrored training images count as near)."""
    import torch

    from ukiyoe.diagnose.metrics.memorization import descriptors

    fakes = descriptors(fake_images, "cpu")
    train = descriptors(np.asarray(train_images), "cpu")
    mirrored = descriptors(np.ascontiguousarray(np.asarray(train_images)[:, :, ::-1]), "cpu")
    distances = torch.minimum(torch.cdist(fakes, train), torch.cdist(fakes, mirrored))
    return distances.argsort(dim=1)[:, :PANEL_NEIGHBOURS].numpy()


def neighbour_panel(
    fake_images: np.ndarray, real_images: np.ndarray, order: np.ndarray, tile: int = 64
) -> Image.Image:
    """Each row: a generated image, a gap, then its nearest training images (memorization check)."""
    rows = len(order)
    width = (PANEL_NEIGHBOURS + 1) * (tile + 2) + 12
    panel = Image.new("RGB", (width, rows * (tile + 2) + 2), (255, 255, 255))
    for row in range(rows):
        top = 2 + row * (tile + 2)
        panel.paste(
            Image.fromarray(fake_images[row]).resize((tile, tile), Image.Resampling.NEAREST), (2, top)
        )
        for column, index in enumerate(order[row]):
            cell = Image.fromarray(real_images[index]).resize((tile, tile), Image.Resampling.NEAREST)
            panel.paste(cell, (12 + (column + 1) * (tile + 2), top))
    return panel


# Shown first when logged: the quantities that move at collapse onset.
PREFERRED_CURVES = (
    "d_loss",
    "g_loss",
    "d_real",
    "d_fake",
    "critic_loss",
    "watchdog/diversity",
    "watchdog/duplicate_rate",
    "ema/diversity",
    "samples/value_min",
    "samples/value_max",
    "nca/alive_ratio",
    "critic_weight",
)
AXIS_COLUMNS = ("step", "epoch", "iteration")


def training_curves(history: dict[str, list[float]], max_panels: int = 12) -> Image.Image | None:
    """One small panel per logged quantity against step (or epoch, or row number)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    axis_name = next((name for name in AXIS_COLUMNS if name in history), None)
    x = history[axis_name] if axis_name else list(range(len(next(iter(history.values()), []))))
    others = [name for name in history if name not in AXIS_COLUMNS and name not in PREFERRED_CURVES]
    series = ([name for name in PREFERRED_CURVES if name in history] + others)[:max_panels]
    if not series:
        return None
    columns = min(3, len(series))
    rows = math.ceil(len(series) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 2.6 * rows), squeeze=False)
    for axis, name in zip(axes.flat, series, strict=False):
        axis.plot(x, history[name], linewidth=1.2, marker="o", markersize=3)
        axis.set_title(name, fontsize=9)
        axis.set_xlabel(axis_name or "row", fontsize=8)
        axis.tick_params(labelsize=7)
    for axis in list(axes.flat)[len(series) :]:
        axis.axis("off")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")
