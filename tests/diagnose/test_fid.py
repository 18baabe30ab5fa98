"""In-house FID/KID follow torchmetrics' formulas: check them against its classes (custom feature module)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torchmetrics.image.fid import FrechetInceptionDistance
from torchmetrics.image.kid import KernelInceptionDistance

from ukiyoe.diagnose.metrics.fid import cached_inception_weights, frechet_distance, kernel_distance


class PassThrough(nn.Module):
    """A custom torchmetrics feature module whose 'images' are already feature rows."""

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.num_features = num_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def features(seed: int, n: int, dim: int, shift: float) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).normal(size=(n, dim)) + shift)


@pytest.mark.parametrize("shift", [0.0, 0.3, 2.0])
def test_fid_matches_torchmetrics(shift: float) -> None:
    real, fake = features(0, 400, 24, 0.0), features(1, 300, 24, shift) * 1.3
    metric = FrechetInceptionDistance(feature=PassThrough(24))
    metric.update(real, real=True)
    metric.update(fake, real=False)
    assert frechet_distance(real, fake) == pytest.approx(float(metric.compute()), rel=1e-6, abs=1e-6)


@pytest.mark.filterwarnings("ignore:Metric `Kernel Inception Distance`")
def test_kid_matches_torchmetrics() -> None:
    real, fake = features(2, 300, 16, 0.0), features(3, 250, 16, 0.5)
    metric = KernelInceptionDistance(feature=PassThrough(16), subsets=5, subset_size=100)
    metric.update(real, real=True)
    metric.update(fake, real=False)
    torch.manual_seed(7)
    expected_mean, expected_std = metric.compute()
    mean, std = kernel_distance(real, fake, subset_size=100, subsets=5, seed=7)
    assert mean == pytest.approx(float(expected_mean), rel=1e-9)
    assert std == pytest.approx(float(expected_std), rel=1e-9)


def test_fid_of_a_set_with_itself_is_zero() -> None:
    real = features(4, 200, 8, 0.0)
    assert frechet_distance(real, real.clone()) == pytest.approx(0.0, abs=1e-8)


def test_inception_is_never_downloaded(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert cached_inception_weights() is None
    assert not any(tmp_path.iterdir())
