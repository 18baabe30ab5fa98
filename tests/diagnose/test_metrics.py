"""Properties of the metric building blocks: NDB/JS, near-duplicates and support, modes, pixel statistics."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ukiyoe.diagnose.headline import expected_kl_of_real_draws, mode_kl
from ukiyoe.diagnose.metrics.base import MetricInputs
from ukiyoe.diagnose.metrics.duplicates import duplicate_details, near_duplicate_flags
from ukiyoe.diagnose.metrics.ndb import js_divergence, ndb_from_bins
from ukiyoe.diagnose.metrics.pixels import pixel_statistics
from ukiyoe.diagnose.options import DiagnoseOptions
from ukiyoe.diagnose.sizing import expected_covered

histograms = st.lists(st.integers(0, 50), min_size=2, max_size=12).filter(lambda c: sum(c) > 0)


@given(p=histograms, q=histograms)
def test_js_divergence_is_symmetric_and_bounded(p: list[int], q: list[int]) -> None:
    size = max(len(p), len(q))
    a = np.pad(np.array(p, float), (0, size - len(p)))
    b = np.pad(np.array(q, float), (0, size - len(q)))
    a, b = a / a.sum(), b / b.sum()
    assert js_divergence(a, b) == pytest.approx(js_divergence(b, a), abs=1e-12)
    assert -1e-12 <= js_divergence(a, b) <= 1 + 1e-12
    assert js_divergence(a, a) == pytest.approx(0.0, abs=1e-12)


def test_ndb_of_identical_bins_is_zero_and_of_disjoint_bins_is_high() -> None:
    bins = np.arange(1000) % 20
    same = ndb_from_bins(bins, bins.copy(), 20)
    assert (
        same["ndb_k"] == 0
        and same["js_divergence"] == 0
        and same["bin_coverage_ratio"] == pytest.approx(1, 0.01)
    )
    one_bin = ndb_from_bins(bins, np.zeros(1000, np.int64), 20)
    assert one_bin["ndb_k"] == 1 and one_bin["bin_coverage_ratio"] < 0.06


@settings(max_examples=10, deadline=None)
@given(distinct=st.integers(2, 20), seed=st.integers(0, 1000))
def test_support_estimate_counts_distinct_outputs(distinct: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    real = torch.from_numpy(rng.normal(size=(200, 4)))
    outputs = rng.normal(size=(distinct, 4)) * 100  # far apart: only exact repeats are near-duplicates
    fake = torch.from_numpy(outputs[np.arange(200) % distinct])
    inputs = MetricInputs(torch.zeros(1), np.zeros(1), np.zeros(1), fake, real, DiagnoseOptions())
    result = duplicate_details(inputs)
    assert near_duplicate_flags(inputs).all()
    # An output seen c times makes c(c-1)/2 colliding pairs: 1 / share = n(n-1) / sum c(c-1) ≈ distinct.
    counts = np.bincount(np.arange(200) % distinct)
    exact = 200 * 199 / float(np.sum(counts * (counts - 1)))
    assert result["support_estimate"] == pytest.approx(exact, rel=1e-9)
    assert result["support_estimate"] == pytest.approx(distinct, rel=0.15)
    assert result["support_estimate_real"] > 1000


def test_mode_kl_follows_the_pacgan_protocol() -> None:
    uniform = np.full(1000, 1e-3)
    assert mode_kl(np.bincount(np.arange(26_000) % 1000).astype(float), uniform) == pytest.approx(0, abs=1e-9)
    ten = np.bincount(np.arange(26_000) % 10, minlength=1000).astype(float)
    assert mode_kl(ten, uniform) == pytest.approx(np.log(100), rel=1e-6)
    # the finite-sample floor of perfect data: about 999 / 2N
    assert expected_kl_of_real_draws(uniform, 26_000) == pytest.approx(999 / 52_000, rel=0.1)


@given(probabilities=st.lists(st.floats(0.01, 1), min_size=1, max_size=20), draws=st.integers(0, 500))
def test_expected_covered_is_between_zero_and_the_category_count(
    probabilities: list[float], draws: int
) -> None:
    p = np.array(probabilities) / sum(probabilities)
    assert 0 <= expected_covered(p, draws) <= min(len(p), draws) + 1e-9


def test_pixel_statistics_of_a_known_tensor() -> None:
    values = torch.tensor([-1.0, 0.0, 0.5, 1.0]).repeat(2, 3, 2, 1)  # (2, 3, 2, 4)
    inputs = MetricInputs(values, np.zeros(1), np.zeros(1), torch.zeros(1), torch.zeros(1), DiagnoseOptions())
    stats = pixel_statistics(inputs)
    assert stats["unique_pixel_values"] == 4 and stats["unique_pixel_ratio"] == 4 / values.numel()
    assert (stats["value_min"], stats["value_max"], stats["mean_r"]) == (-1.0, 1.0, 0.125)
