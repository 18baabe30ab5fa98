"""Atypical images: low-level statistics outside the range of held-out real images.

A classifier can be confident about an image no real data resembles (blurred scenes, smooth blobs,
noise), and k-NN balls around outlying real images can swallow such samples. Three per-image statistics
that need no model expose them: contrast (grey-level standard deviation), edge energy (mean absolute
gradient) and sharpness (mean absolute Laplacian per unit of gradient: blur lowers it, noise raises it).
A sample is atypical when any statistic lies outside the held-out images' 1–99% range; about 5% of real
images are, so only the excess over the held-out rate counts.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

RANGE = (0.01, 0.99)
LAPLACIAN = torch.tensor([[[[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]]])
STATISTICS = ("contrast", "edge_energy", "sharpness")


def statistics(images: np.ndarray, batch: int = 4096) -> np.ndarray:
    """(N, 3) per-image contrast, edge energy and sharpness of uint8 NHWC images."""
    rows = []
    for start in range(0, len(images), batch):
        x = torch.from_numpy(np.ascontiguousarray(images[start : start + batch])).permute(0, 3, 1, 2)
        gray = x.float().mean(dim=1, keepdim=True) / 255.0
        gradient = 0.5 * (
            (gray[..., 1:, :] - gray[..., :-1, :]).abs().mean(dim=(1, 2, 3))
            + (gray[..., :, 1:] - gray[..., :, :-1]).abs().mean(dim=(1, 2, 3))
        )
        laplacian = F.conv2d(F.pad(gray, (1, 1, 1, 1), mode="replicate"), LAPLACIAN).abs().mean(dim=(1, 2, 3))
        contrast = gray.flatten(1).std(dim=1)
        rows.append(torch.stack([contrast, gradient, laplacian / (gradient + 1e-3)], dim=1).numpy())
    return np.concatenate(rows)


class TypicalRange:
    """The held-out images' 1–99% range of each statistic, and the share of them outside it."""

    def __init__(self, heldout: np.ndarray) -> None:
        values = statistics(np.asarray(heldout))
        self.low, self.high = np.quantile(values, RANGE[0], axis=0), np.quantile(values, RANGE[1], axis=0)
        self.heldout_rate = float(self.atypical_values(values).mean())

    def atypical_values(self, values: np.ndarray) -> np.ndarray:
        return ((values < self.low) | (values > self.high)).any(axis=1)

    def atypical(self, images: np.ndarray) -> np.ndarray:
        """Per image: True when a statistic lies outside the held-out range."""
        return self.atypical_values(statistics(images))
