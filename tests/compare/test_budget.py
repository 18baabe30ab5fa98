"""The report says why two unhealthy sides look alike: each side's budget, next to the evidence's."""

from __future__ import annotations

import json

from ukiyoe.compare.budget import budget_note, images_seen
from ukiyoe.compare.compare import build_comparison
from ukiyoe.compare.render import render_html, render_markdown
from ukiyoe.compare.sides import load_side

from .conftest import COLLAPSED_CONFIG, COLLAPSED_METRICS, FIXED_CONFIG, FIXED_METRICS, write_report


def _with_step(report, step: int) -> None:
    card = json.loads((report / "card.json").read_text())
    (report / "card.json").write_text(json.dumps({**card, "checkpoint_step": step}))


def test_two_unhealthy_sides_get_their_budgets_and_the_evidence_in_the_report(tmp_path):
    before = write_report(tmp_path, "collapsed", COLLAPSED_METRICS, {**COLLAPSED_CONFIG,
                                                                     "TrainOptions.batch_size": 32}, True)
    after = write_report(tmp_path, "fixed", {**FIXED_METRICS, "severity": "critical", "collapse_score": 11},
                         {**FIXED_CONFIG, "TrainOptions.batch_size": 32}, False)
    _with_step(before, 160)
    comparison = build_comparison(before, after)
    note = comparison.budget_note
    assert note is not None and "before 5,120 images, after unknown" in note
    assert "137k-168k images per run" in note
    assert note in render_markdown(comparison) and "Neither side is healthy" in render_html(comparison)
    assert images_seen(load_side(before, "before")) == 5120


def test_no_note_when_a_side_is_healthy(report_pair):
    before, after = report_pair
    assert budget_note(load_side(before, "before"), load_side(after, "after")) is None
    assert "Neither side is healthy" not in render_markdown(build_comparison(before, after))
