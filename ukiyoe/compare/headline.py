"""The compare stage's DVC metrics file: the before/after headline that ``dvc exp show`` tabulates.

``dvc exp show`` keeps the first column of each kind (metrics, params, deps) and folds the others into "…"
from the right when the terminal is narrow; a metrics header never wraps. So the first metric is one short
cell that reads as the answer, ``collapse: "14 → 8"`` (before → after), then the verdict, then about ten
numbers per side with short names, the collapse scores first. Everything else goes to details.json.
"""

from __future__ import annotations

from typing import Any

from ukiyoe.compare.sides import ReportSide

COLLAPSE, COLLAPSE_AFTER, COVERAGE_AFTER = "collapse", "collapse_after", "coverage_after"
ARROW = " → "

# (column stem, where the value comes from, keys to try in that source: the first present wins)
REPORT, TRAINING = "report", "training"
HEADLINE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("severity", REPORT, ("severity",)),
    ("modes", REPORT, ("modes_covered",)),
    ("mode_kl", REPORT, ("mode_kl",)),
    ("coverage", REPORT, ("coverage",)),
    ("precision", REPORT, ("precision",)),
    ("memorization", REPORT, ("memorization",)),
    ("fid", REPORT, ("fid", "fid_inhouse")),
    ("img_per_s", TRAINING, ("images_per_second",)),
    ("train_s", TRAINING, ("seconds",)),
)


def _value(side: ReportSide, source: str, keys: tuple[str, ...]) -> Any:
    values = side.metrics if source == REPORT else side.training
    return next((values[key] for key in keys if values.get(key) is not None), None)


def headline_metrics(before: ReportSide, after: ReportSide, verdict: str) -> dict[str, Any]:
    """``collapse`` ("before → after"), ``verdict``, ``collapse_before``, ``collapse_after``, then
    ``<stem>_before``/``_after`` pairs; a value a side does not report is left out, not written as null."""
    scores = [side.metrics.get("collapse_score") for side in (before, after)]
    headline: dict[str, Any] = {COLLAPSE: ARROW.join(map(_score_text, scores)), "verdict": verdict}
    for side, score in zip((before, after), scores, strict=True):
        headline[f"collapse_{side.label}"] = score
    for stem, source, keys in HEADLINE:
        for side in (before, after):
            headline[f"{stem}_{side.label}"] = _value(side, source, keys)
    return {key: value for key, value in headline.items() if value is not None}


def _score_text(score: Any) -> str:
    if isinstance(score, bool) or not isinstance(score, int | float):
        return "n/a"
    return str(int(score)) if float(score).is_integer() else f"{score:.1f}"
