"""Measure one image set against real data: all registered metrics plus the collapse score.

This is the stage's core, independent of checkpoints and files, so the calibration suite and
``--samples`` go through exactly the code path a checkpoint does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ukiyoe.diagnose.features import FeatureSpace, choose_feature_space
from ukiyoe.diagnose.images import resize_uint8, to_nhwc, to_signed_float
from ukiyoe.diagnose.metrics import METRICS, MetricInputs
from ukiyoe.diagnose.options import DiagnoseOptions
from ukiyoe.diagnose.score import collapse_score
from ukiyoe.errors import CheckpointError, DataError
from ukiyoe.images import to_signed, to_uint8


@dataclass
class Diagnosis:
    """Flat metrics (numbers and strings) and the arrays the report's figures are drawn from."""

    metrics: dict[str, Any]
    feature_space: FeatureSpace
    fake_images: np.ndarray
    real_images: np.ndarray
    fake_features: np.ndarray
    real_features: np.ndarray


def signed_tensor(samples: np.ndarray | torch.Tensor, device: str) -> torch.Tensor:
    """Any accepted sample array → float (N, 3, H, W) in [-1, 1] on ``device``."""
    if isinstance(samples, torch.Tensor):
        if samples.dtype == torch.uint8:
            samples = to_signed(samples)
        if samples.ndim != 4 or samples.shape[1] != 3:
            raise CheckpointError(f"generator samples must be (N, 3, H, W), got {tuple(samples.shape)}")
        return samples.detach().to(device=device, dtype=torch.float32)
    nhwc = to_signed_float(to_nhwc(np.asarray(samples), "samples"), "samples")
    return torch.from_numpy(np.ascontiguousarray(nhwc)).to(device).permute(0, 3, 1, 2)


def standardise(fake: np.ndarray, real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale both feature sets by one factor so the real features have unit mean variance per dimension.

    Every distance-based metric is invariant to it; FID/KID become readable across feature spaces.
    """
    scale = float(np.sqrt(np.mean(np.var(real.astype(np.float64), axis=0))))
    scale = scale if scale > 0 else 1.0
    return (fake / scale).astype(np.float32), (real / scale).astype(np.float32)


def diagnose_samples(
    samples: np.ndarray | torch.Tensor,
    real_images: np.ndarray,
    options: DiagnoseOptions | None = None,
    classifier: Any | None = None,
    real_labels: np.ndarray | None = None,
    device: str = "cpu",
) -> Diagnosis:
    """Score ``samples`` (uint8 or [-1, 1] floats, NHWC or NCHW) against uint8 NHWC ``real_images``."""
    options = options or DiagnoseOptions()
    minimum = options.nearest_k + 2
    if len(samples) < minimum or len(real_images) < minimum:
        raise DataError(
            f"need at least {minimum} generated and real images for k={options.nearest_k} "
            f"nearest neighbours, got {len(samples)} generated and {len(real_images)} real"
        )
    values = signed_tensor(samples, device)
    height, width = real_images.shape[1:3]
    fake_images = resize_uint8(to_uint8(values.permute(0, 2, 3, 1).cpu().numpy()), height, width)
    space = choose_feature_space(options.feature_space, classifier, device=device)
    fake_features, real_features = standardise(space.embed(fake_images), space.embed(real_images))
    dtype = torch.float64 if device == "cpu" else torch.float32
    inputs = MetricInputs(
        fake_values=values,
        fake_images=fake_images,
        real_images=real_images,
        fake_features=torch.from_numpy(fake_features).to(device=device, dtype=dtype),
        real_features=torch.from_numpy(real_features).to(device=device, dtype=dtype),
        options=options,
        classifier=classifier,
        real_labels=real_labels,
    )
    measured: dict[str, Any] = {}
    for compute in METRICS.values():
        measured.update(compute(inputs))
    metrics = collapse_score(measured)  # score and severity first: they are what a reader looks for
    metrics.update(num_samples=len(fake_images), num_real=len(real_images), feature_space=space.name)
    metrics.update(measured)
    return Diagnosis(metrics, space, fake_images, real_images, fake_features, real_features)
