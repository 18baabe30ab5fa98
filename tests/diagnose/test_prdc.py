"""Our torch PRDC must agree with the reference ``prdc`` package (Naeem et al.) on random data."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from prdc import compute_prdc

from ukiyoe.diagnose.metrics.base import pairwise_distances
from ukiyoe.diagnose.metrics.prdc import prdc_from_distances


def ours(real: np.ndarray, fake: np.ndarray, k: int) -> dict[str, float]:
    r, f = torch.from_numpy(real).double(), torch.from_numpy(fake).double()
    return prdc_from_distances(
        pairwise_distances(r, r), pairwise_distances(f, f), pairwise_distances(r, f), k
    )


@pytest.mark.parametrize(
    ("n_real", "n_fake", "dim", "k", "shift"),
    [
        (200, 200, 16, 5, 0.0),
        (300, 150, 64, 5, 0.5),
        (120, 250, 8, 3, 1.5),
        (200, 200, 32, 10, 0.0),
    ],
)
def test_agrees_with_prdc_package(n_real: int, n_fake: int, dim: int, k: int, shift: float) -> None:
    rng = np.random.default_rng(n_real + dim)
    real = rng.normal(size=(n_real, dim)).astype(np.float32)
    fake = (rng.normal(size=(n_fake, dim)) * 0.8 + shift).astype(np.float32)
    expected = compute_prdc(real, fake, nearest_k=k)
    got = ours(real, fake, k)
    for name in ("precision", "recall", "density", "coverage"):
        assert got[name] == pytest.approx(float(expected[name]), abs=1e-9), name


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 8), scale=st.floats(0.1, 3.0))
def test_agrees_on_arbitrary_random_sets(seed: int, k: int, scale: float) -> None:
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(60, 6)).astype(np.float32)
    fake = (rng.normal(size=(45, 6)) * scale).astype(np.float32)
    expected = compute_prdc(real, fake, nearest_k=k)
    got = ours(real, fake, k)
    assert got == pytest.approx({key: float(value) for key, value in expected.items()}, abs=1e-9)


def test_identical_sets_are_perfect() -> None:
    real = np.random.default_rng(0).normal(size=(100, 5)).astype(np.float32)
    got = ours(real, real.copy(), 5)
    assert got["precision"] == 1.0 and got["recall"] == 1.0 and got["coverage"] == 1.0
