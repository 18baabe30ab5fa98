"""The rubric's arithmetic: monotone points, severity bands, and the modes fallback."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ukiyoe.diagnose.score import INDICATORS, collapse_score, rubric_markdown, severity

HEALTHY = {
    "coverage": 0.97,
    "recall": 0.97,
    "ndb_k": 0.02,
    "near_duplicate_rate": 0.01,
    "bin_coverage_ratio": 1.0,
}
COLLAPSED = {
    "coverage": 0.0,
    "recall": 0.0,
    "ndb_k": 1.0,
    "near_duplicate_rate": 1.0,
    "bin_coverage_ratio": 0.01,
}


@given(indicator=st.sampled_from(INDICATORS), a=st.floats(0, 1), b=st.floats(0, 1))
def test_points_are_monotone_and_bounded(indicator, a: float, b: float) -> None:
    low, high = sorted((a, b))
    points_low, points_high = indicator.points(low), indicator.points(high)
    assert 0 <= points_low <= 3 and 0 <= points_high <= 3
    assert (points_low >= points_high) if indicator.higher_is_healthy else (points_low <= points_high)


@pytest.mark.parametrize(
    ("score", "label"),
    [(0, "healthy"), (4, "healthy"), (5, "warning"), (9, "warning"), (10, "critical"), (15, "critical")],
)
def test_severity_bands(score: int, label: str) -> None:
    assert severity(score) == label


def test_extremes() -> None:
    assert collapse_score(HEALTHY)["collapse_score"] == 0
    result = collapse_score(COLLAPSED)
    assert result["collapse_score"] == 15 and result["severity"] == "critical"
    assert {f"points_{i.name}" for i in INDICATORS} <= result.keys()


def test_classifier_modes_take_precedence_over_bins() -> None:
    assert collapse_score({**HEALTHY, "mode_coverage_ratio": 0.1})["points_modes"] == 3


def test_rubric_lists_every_indicator() -> None:
    text = rubric_markdown()
    assert all(f"| {indicator.name} |" in text for indicator in INDICATORS)
