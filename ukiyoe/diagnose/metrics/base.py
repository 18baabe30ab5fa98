"""What every metric receives (``MetricInputs``) and the registry the diagnose stage iterates.

Distance matrices and the K-means bins are computed once, lazily, and shared between metrics.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ukiyoe.diagnose.options import DiagnoseOptions

MetricValues = dict[str, float | int | str]
MetricFn = Callable[["MetricInputs"], MetricValues]
METRICS: dict[str, MetricFn] = {}


def register(name: str) -> Callable[[MetricFn], MetricFn]:
    """Add a metric to the registry under ``name``."""

    def add(fn: MetricFn) -> MetricFn:
        if name in METRICS:
            raise ValueError(f"metric {name!r} registered twice")
        METRICS[name] = fn
        return fn

    return add


def pairwise_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Euclidean distances; float64 on CPU so results match sklearn, float32 on accelerators."""
    return torch.cdist(a, b).clamp_min_(0.0)


@dataclass(eq=False)
class MetricInputs:
    """Generated and real samples in the views the metrics need; features live on ``device``."""

    fake_values: torch.Tensor  # (N, 3, H, W) float in [-1, 1], as generated
    fake_images: np.ndarray  # uint8 NHWC at the real resolution
    real_images: np.ndarray  # uint8 NHWC, the held-out split
    fake_features: torch.Tensor  # (N, D)
    real_features: torch.Tensor  # (M, D)
    options: DiagnoseOptions

    @functools.cached_property
    def real_real(self) -> torch.Tensor:
        return pairwise_distances(self.real_features, self.real_features)

    @functools.cached_property
    def fake_fake(self) -> torch.Tensor:
        return pairwise_distances(self.fake_features, self.fake_features)

    @functools.cached_property
    def real_fake(self) -> torch.Tensor:
        return pairwise_distances(self.real_features, self.fake_features)

    @functools.cached_property
    def bins(self) -> tuple[np.ndarray, np.ndarray, int]:
        """K-means bins fitted on the real features: (real bin ids, fake bin ids, number of bins)."""
        from sklearn.cluster import KMeans
        from threadpoolctl import threadpool_limits

        real = self.real_features.float().cpu().numpy()
        fake = self.fake_features.float().cpu().numpy()
        count = int(min(self.options.ndb_bins, max(2, len(real) // 10)))
        with threadpool_limits(1):  # several OpenMP threads are ~10x slower on a shared 2-core machine
            kmeans = KMeans(n_clusters=count, n_init=1, random_state=self.options.seed).fit(real)
            fake_bins = kmeans.predict(fake)
        return kmeans.labels_.astype(np.int64), fake_bins.astype(np.int64), count
