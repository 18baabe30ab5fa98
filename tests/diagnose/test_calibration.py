"""Calibration of the collapse score on real prepared data: healthy ≤ 1, every known collapse ≥ 10, in order.

Thresholds in ukiyoe/diagnose/score.py were chosen from these measurements (table in docs/diagnose.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from calibration import CASE_ORDER, few_mode_images, known_cases

from ukiyoe.data import load_mode_classifier, load_prepared
from ukiyoe.diagnose.diagnosis import diagnose_samples
from ukiyoe.diagnose.options import DiagnoseOptions

SAMPLES = 500


def calibration_scores(prepared_dir: Path, source: str, feature_space: str) -> dict[str, dict]:
    data = load_prepared(prepared_dir)
    classifier = load_mode_classifier(prepared_dir)
    reference = np.array(data.images[:SAMPLES])
    held_out = np.array(data.images[len(data.images) // 2 :])
    cases = known_cases(held_out, SAMPLES, few_mode_images(source, SAMPLES, resolution=32))
    options = DiagnoseOptions(feature_space=feature_space, ndb_bins=50)
    return {
        name: diagnose_samples(cases[name], reference, options, classifier, real_labels=data.labels).metrics
        for name in CASE_ORDER
    }


def check_calibration(results: dict[str, dict]) -> None:
    scores = {name: metrics["collapse_score"] for name, metrics in results.items()}
    assert scores["real"] <= 1, scores
    assert results["real"]["severity"] == "healthy"
    for name in CASE_ORDER[:-1]:
        assert scores[name] >= 10, scores
        assert results[name]["severity"] == "critical"
    ordered = [scores[name] for name in CASE_ORDER]
    assert ordered == sorted(ordered, reverse=True), scores


@pytest.mark.parametrize("feature_space", ["classifier", "random_cnn"])
def test_synthetic_ukiyoe(synthetic_prepared: Path, feature_space: str) -> None:
    results = calibration_scores(synthetic_prepared, "synthetic", feature_space)
    check_calibration(results)
    assert results["real"]["feature_space"] == feature_space
    if feature_space == "classifier":
        assert results["real"]["mode_coverage_ratio"] > 0.9
        assert results["three_modes"]["modes_covered"] <= 4


def test_stacked_mnist(stacked_mnist_prepared: Path) -> None:
    """The digit-triple classifier's embedding, as ``feature_space = 'auto'`` picks for this data."""
    results = calibration_scores(stacked_mnist_prepared, "stacked_mnist", "auto")
    check_calibration(results)
    assert results["real"]["feature_space"] == "classifier"
    assert results["real"]["num_modes"] == 1000
    # PacGAN protocol: KL to the (uniform) real mode histogram grows as modes disappear.
    assert results["real"]["mode_kl"] < results["three_modes"]["mode_kl"]


def test_pixel_statistics_match_the_seed_report() -> None:
    gray = known_cases(np.zeros((20, 16, 16, 3), np.uint8), 20)["gray"]
    reference = np.random.default_rng(0).integers(0, 256, (20, 16, 16, 3), dtype=np.uint8)
    metrics = diagnose_samples(
        gray, reference, DiagnoseOptions(ndb_bins=2, feature_space="random_cnn")
    ).metrics
    assert 0.043 <= metrics["value_min"] < metrics["value_max"] <= 0.102
    assert metrics["unique_pixel_ratio"] == metrics["unique_pixel_values"] / gray.size


def test_score_grows_with_the_share_of_modes_lost(synthetic_prepared: Path) -> None:
    data = load_prepared(synthetic_prepared)
    classifier = load_mode_classifier(synthetic_prepared)
    reference = np.array(data.images[:SAMPLES])
    options = DiagnoseOptions(ndb_bins=50)
    scores = [
        diagnose_samples(
            few_mode_images("synthetic", SAMPLES, 32, kept),
            reference,
            options,
            classifier,
            real_labels=data.labels,
        ).metrics["collapse_score"]
        for kept in (40, 30, 20, 10)
    ]
    assert scores == sorted(scores) and scores[0] <= 1 and scores[2] >= 5, scores
