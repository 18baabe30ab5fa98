"""Per-metric judgements and the verdict rule."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ukiyoe.compare.verdict import METRIC_SPECS, decide, metric_deltas

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
directed = [spec.key for spec in METRIC_SPECS if spec.direction.name != "INFO"]


@given(st.sampled_from(directed), values, values)
def test_swapping_sides_swaps_better_and_worse(key, first, second):
    forward = metric_deltas({key: first}, {key: second})[0].judgement
    backward = metric_deltas({key: second}, {key: first})[0].judgement
    assert {forward, backward} in ({"same"}, {"better", "worse"})


def test_change_inside_tolerance_is_same():
    assert metric_deltas({"coverage": 0.50}, {"coverage": 0.51})[0].judgement == "same"
    assert metric_deltas({"fid_inhouse": 100.0}, {"fid_inhouse": 97.0})[0].judgement == "same"
    assert metric_deltas({"fid_inhouse": 100.0}, {"fid_inhouse": 90.0})[0].judgement == "better"


def test_missing_and_non_numeric_values_are_not_judged():
    rows = {row.spec.key: row for row in metric_deltas({"coverage": 0.5, "extra": "x", "nan": float("nan")},
                                                       {"recall": 0.7, "nan": 1.0})}
    assert rows["coverage"].judgement == rows["recall"].judgement == "n/a"
    assert rows["nan"].delta is None
    assert "extra" not in rows


def test_mixed_when_one_collapse_metric_improves_and_another_regresses():
    rows = metric_deltas({"collapse_score": 9, "coverage": 0.6}, {"collapse_score": 4, "coverage": 0.3})
    verdict = decide(rows, "warning", "healthy")
    assert verdict.word == "mixed"
    assert "worse: coverage" in verdict.reason


def test_fixed_requires_a_lower_collapse_score():
    rows = metric_deltas({"collapse_score": 3, "coverage": 0.6}, {"collapse_score": 3, "coverage": 0.9})
    assert decide(rows, "healthy", "healthy").word == "improved"


def test_no_shared_collapse_metric_is_unknown():
    assert decide(metric_deltas({"value_min": 0}, {"value_min": 1}), None, None).word == "unknown"


def test_none_worse_only_when_no_metric_is_worse() -> None:
    from ukiyoe.compare.verdict import decide, metric_deltas

    before = {"collapse_score": 12, "coverage": 0.2, "precision": 0.9, "fid_inhouse": 30.0}
    after = {"collapse_score": 7, "coverage": 0.6, "precision": 0.5, "fid_inhouse": 60.0}
    verdict = decide(metric_deltas(before, after), "critical", "warning")
    assert verdict.word == "improved" and "none worse" not in verdict.reason
    assert "worse: precision, fid_inhouse" in verdict.reason
    fine = {**after, "precision": 0.9, "fid_inhouse": 30.0}
    clean = decide(metric_deltas(before, fine), "critical", "warning")
    assert "none worse" in clean.reason


def test_support_beyond_the_real_datas_is_not_better() -> None:
    from ukiyoe.compare.verdict import metric_deltas

    before = {"support_estimate": 2000.0, "support_estimate_real": 2000.0}
    after = {"support_estimate": 9000.0, "support_estimate_real": 2000.0}
    row = next(row for row in metric_deltas(before, after) if row.spec.key == "support_estimate")
    assert row.judgement == "same" and row.after == 2000.0


def test_a_demo_comparison_says_it_is_a_pipeline_demo() -> None:
    from ukiyoe.compare.verdict import decide, metric_deltas

    rows = metric_deltas({"collapse_score": 15}, {"collapse_score": 14})
    assert decide(rows, "critical", "critical", demo=True).reason.startswith("pipeline demo:")
    assert not decide(rows, "critical", "critical").reason.startswith("pipeline demo:")
