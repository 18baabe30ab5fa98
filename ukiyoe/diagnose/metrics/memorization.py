"""Memorization: are samples closer to training images than fresh real images are?

Meehan, Chaudhuri & Dasgupta (2020, "A Non-Parametric Test to Detect Data-Copying in Generative Models")
compare the distances from generated samples to their nearest training image with the same distances of
held-out real images: a generator that copies lands closer. Their Z_U is the Mann–Whitney statistic of the two
samples of distances (≪ 0: data copying; ≫ 0: samples farther from the data than real images are). Here the
global Z_U is reported with ``copy_share``, the share of samples closer to a training image than 95% of the
held-out images are, which also catches a generator that copies only some of the time.

Distance: an 8×8 area-pooled, per-channel standardised copy descriptor (192 numbers), minimised over a set of
transformed training images — mirrored, shifted by up to 2 px, cropped to 7/8 and shifted by up to 1 px (at
32 px; scaled with the resolution). So replays that are flipped, shifted, cropped, lightly noised or colour-
jittered (brightness and contrast per channel) are still found; larger geometric edits are not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

DESCRIPTOR_SIZE = 8
CONTRAST_FLOOR = 0.03  # keeps near-constant images from blowing up when standardised
COPY_QUANTILE = 0.05  # a copy is closer to the train split than 95% of held-out images are
SHIFTS = (-2, -1, 0, 1, 2)  # pixels at 32 px
CROP_SHIFTS = (-1, 0, 1)
CROP = 0.875
CHUNK = 4096


def to_tensor(images: np.ndarray, device: str) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(images)).to(device).permute(0, 3, 1, 2).float() / 255.0


def descriptor(x: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) in [0, 1] → (N, 192): pooled, each channel standardised (brightness/contrast removed)."""
    pooled = F.interpolate(x, size=(DESCRIPTOR_SIZE, DESCRIPTOR_SIZE), mode="area")
    centred = pooled - pooled.mean(dim=(2, 3), keepdim=True)
    return (centred / (centred.std(dim=(2, 3), keepdim=True) + CONTRAST_FLOOR)).flatten(1)


def shifted(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    pad = max(abs(dy), abs(dx))
    if pad == 0:
        return x
    h, w = x.shape[-2:]
    padded = F.pad(x, (pad, pad, pad, pad), mode="replicate")
    return padded[..., pad - dy : pad - dy + h, pad - dx : pad - dx + w]


def cropped(x: torch.Tensor) -> torch.Tensor:
    h, w = x.shape[-2:]
    ch, cw = round(h * CROP), round(w * CROP)
    top, left = (h - ch) // 2, (w - cw) // 2
    window = x[..., top : top + ch, left : left + cw]
    return F.interpolate(window, size=(h, w), mode="bilinear", antialias=True, align_corners=False)


def transformed_descriptors(images: np.ndarray, device: str, batch: int = 1024) -> torch.Tensor:
    """Descriptors of every image under every transformation of the invariance set (train side)."""
    scale = max(1, round(images.shape[1] / 32))
    out = []
    for start in range(0, len(images), batch):
        x = to_tensor(images[start : start + batch], device)
        for view in (x, x.flip(-1)):
            out += [descriptor(shifted(view, dy * scale, dx * scale)) for dy in SHIFTS for dx in SHIFTS]
            crop = cropped(view)
            out += [
                descriptor(shifted(crop, dy * scale, dx * scale)) for dy in CROP_SHIFTS for dx in CROP_SHIFTS
            ]
    return torch.cat(out)


def descriptors(images: np.ndarray, device: str, batch: int = 2048) -> torch.Tensor:
    return torch.cat(
        [descriptor(to_tensor(images[s : s + batch], device)) for s in range(0, len(images), batch)]
    )


def nearest_distances(queries: torch.Tensor, references: torch.Tensor) -> torch.Tensor:
    """Distance of each query to its nearest reference (chunked squared-distance matmuls)."""
    best = torch.full((len(queries),), math.inf, device=queries.device)
    query_norms = queries.square().sum(1)
    for start in range(0, len(references), CHUNK * 16):
        block = references[start : start + CHUNK * 16]
        block_norms = block.square().sum(1)
        for q in range(0, len(queries), CHUNK):
            part = queries[q : q + CHUNK]
            squared = query_norms[q : q + CHUNK, None] + block_norms[None, :] - 2.0 * part @ block.T
            best[q : q + CHUNK] = torch.minimum(best[q : q + CHUNK], squared.min(dim=1).values)
    return best.clamp_min(0.0).sqrt()


def mann_whitney_z(samples: np.ndarray, heldout: np.ndarray) -> float:
    """Z of the Mann–Whitney U of sample vs held-out distances (normal approximation, mid-ranks for ties)."""
    from scipy.stats import rankdata

    m, n = len(samples), len(heldout)
    ranks = rankdata(np.concatenate([samples, heldout]))
    u = ranks[:m].sum() - m * (m + 1) / 2.0
    return float((u - m * n / 2.0) / math.sqrt(m * n * (m + n + 1) / 12.0))


@dataclass(frozen=True)
class CopyDistances:
    """Per-sample and per-held-out-image distances to the nearest (transformed) training image."""

    samples: np.ndarray
    heldout: np.ndarray

    @property
    def threshold(self) -> float:
        return float(np.quantile(self.heldout, COPY_QUANTILE, method="lower"))

    def copies(self) -> np.ndarray:
        """Per sample: True when it is closer to a training image than 95% of held-out images are."""
        return self.samples < self.threshold

    def z_u(self) -> float:
        return mann_whitney_z(self.samples, self.heldout)


class TrainIndex:
    """The train split's transformed descriptors, built once and reused for every sample set."""

    def __init__(self, train: np.ndarray, heldout: np.ndarray, device: str) -> None:
        self.device = device
        self.references = transformed_descriptors(np.asarray(train), device)
        self.heldout = nearest_distances(descriptors(heldout, device), self.references).cpu().numpy()

    def distances(self, samples: np.ndarray) -> CopyDistances:
        found = nearest_distances(descriptors(samples, self.device), self.references)
        return CopyDistances(found.cpu().numpy(), self.heldout)
