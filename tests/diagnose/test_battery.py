"""The collapse score on known cases it was not fitted on, on both sources.

The cut-offs in ``ukiyoe/diagnose/score.py`` were chosen from the ``fit`` family; this battery runs the
``check`` family only: other seeds, other drop fractions, other replay transformations and other
off-manifold generators (``ukiyoe.diagnose.cases``). Sample counts are the smallest the score accepts for
each source, so the battery also shows that those counts support the verdicts.
"""

from __future__ import annotations

import numpy as np
import pytest

from ukiyoe.diagnose.cases import FAMILIES, FAMILY_SEEDS, Source, build_cases
from ukiyoe.diagnose.sizing import minimum_samples

SEVERITY_RANK = {"healthy": 0, "warning": 1, "critical": 2}
AT_LEAST = {
    "drop_25": "warning",
    "drop_50": "critical",
    "gaussian_noise": "critical",
    "smooth_blobs": "critical",
    "textures": "critical",
    "heavy_blur": "critical",
    "near_constant": "critical",
    "colour_cast": "warning",
}
REPLAYS = ("replay_flip", "replay_shift", "replay_crop", "replay_noise_flip", "replay_jitter")


def check_family(diagnoser, source_name: str) -> dict[str, dict]:
    reference = diagnoser.reference
    count = minimum_samples(reference.mode_prior) + 100
    source = Source(source_name, reference.resolution[0], reference.num_modes)
    cases = build_cases("check", source, reference.train, count)
    return {name: diagnoser(images).metrics for name, images in cases.items()}


def assert_verdicts(results: dict[str, dict]) -> None:
    real = results["real"]
    assert real["severity"] == "healthy" and real["memorization"] is False, real
    for name in REPLAYS:
        assert results[name]["memorization"] is True, (name, results[name])
        assert SEVERITY_RANK[results[name]["severity"]] >= SEVERITY_RANK["warning"], (name, results[name])
    for name, least in AT_LEAST.items():
        assert SEVERITY_RANK[results[name]["severity"]] >= SEVERITY_RANK[least], (name, results[name])
    for name in set(results) - {"real", *REPLAYS}:
        assert results[name]["memorization"] is False, (name, results[name])
    low, high = real["ci95"]["collapse_score"]
    assert low <= real["collapse_score"] <= high and high < 5
    for name, result in results.items():  # a resample's repeats must not pull an interval off its estimate
        low, high = result["ci95"]["coverage"]
        assert low <= result["coverage"] <= high, (name, result["coverage"], low, high)


@pytest.fixture(scope="module")
def synthetic_results(synthetic_diagnoser) -> dict[str, dict]:
    return check_family(synthetic_diagnoser, "synthetic")


@pytest.fixture(scope="module")
def stacked_results(stacked_mnist_diagnoser) -> dict[str, dict]:
    return check_family(stacked_mnist_diagnoser, "stacked_mnist")


def test_synthetic_check_family(synthetic_results) -> None:
    assert_verdicts(synthetic_results)
    assert synthetic_results["real"]["modes_covered"] == 40


def test_stacked_mnist_check_family(stacked_results) -> None:
    assert_verdicts(stacked_results)
    assert stacked_results["drop_50"]["modes_covered"] < 0.6 * stacked_results["real"]["modes_covered"]


def test_score_grows_as_modes_disappear(synthetic_results, stacked_results) -> None:
    for results in (synthetic_results, stacked_results):
        scores = [results[name]["collapse_score"] for name in ("real", "drop_10", "drop_25", "drop_50")]
        assert scores == sorted(scores), scores


def test_fit_and_check_families_are_disjoint() -> None:
    fit, check = FAMILIES["fit"](), FAMILIES["check"]()
    assert set(fit) & set(check) == {"real"} and FAMILY_SEEDS["fit"] != FAMILY_SEEDS["check"]
    source = Source("synthetic", 32, 40)
    train = np.zeros((5, 32, 32, 3), np.uint8)
    fit_real = build_cases("fit", source, train, 8)["real"]
    assert not np.array_equal(fit_real, build_cases("check", source, train, 8)["real"])
