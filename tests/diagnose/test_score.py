"""The rubric's arithmetic: monotone points, severity bands and the gates."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ukiyoe.diagnose.score import INDICATORS, MEMORIZATION_SHARE, collapse_score, rubric_markdown, severity

HEALTHY = {
    "mode_coverage_ratio": 1.0,
    "mode_kl_excess": 0.0,
    "coverage": 0.99,
    "near_duplicate_rate": 0.01,
    "fidelity_loss": 0.02,
    "copy_share": 0.05,
}


@given(indicator=st.sampled_from(INDICATORS), a=st.floats(0, 2), b=st.floats(0, 2))
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


def test_healthy_scores_zero_and_every_indicator_can_reach_three() -> None:
    result = collapse_score(HEALTHY)
    assert result["collapse_score"] == 0 and result["memorization"] is False and result["gates"] == []
    worst = {"mode_coverage_ratio": 0.0, "mode_kl_excess": 9.0, "coverage": 0.0, "near_duplicate_rate": 1.0}
    result = collapse_score({**HEALTHY, **worst, "fidelity_loss": 1.0})
    assert result["collapse_score"] == 15 and result["severity"] == "critical"


@given(copy_share=st.floats(MEMORIZATION_SHARE + 1e-6, 1.0))
def test_a_memorizing_set_is_never_healthy(copy_share: float) -> None:
    result = collapse_score({**HEALTHY, "copy_share": copy_share})
    assert result["memorization"] is True and result["severity"] != "healthy"


@pytest.mark.parametrize(("key", "value"), [("fidelity_loss", 0.9), ("mode_coverage_ratio", 0.3)])
def test_gates_make_off_manifold_sets_and_lost_modes_critical(key: str, value: float) -> None:
    result = collapse_score({**HEALTHY, key: value})
    assert result["severity"] == "critical" and result["collapse_score"] >= 10 and result["gates"]


def test_rubric_lists_every_indicator() -> None:
    text = rubric_markdown()
    assert all(f"| {indicator.name} |" in text for indicator in INDICATORS)
