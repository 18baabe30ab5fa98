"""The compare stage's DVC metrics file: the before/after headline that ``dvc exp show`` tabulates.

``dvc exp show`` keeps its first metrics column and collapses the others right to left when the terminal is
narrow, so the order matters: the collapse score of both sides and the verdict come first, then about ten
numbers per side with short names (DVC never wraps a metrics header). Everything else goes to details.json.
"""

from __future__ import annotations

from typing import Any

from ukiyoe.compare.sides import ReportSide

METRICS_FILE = "reports/compare/metrics.json"
COLLAPSE_AFTER, COVERAGE_AFTER = "collapse_after", "coverage_after"

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
    """``collapse_before``, ``collapse_after``, ``verdict``, then ``<stem>_before``/``_after`` pairs; a value
    a side does not report is left out rather than written as null."""
    headline: dict[str, Any] = {}
    for side in (before, after):
        headline[f"collapse_{side.label}"] = side.metrics.get("collapse_score")
    headline["verdict"] = verdict
    for stem, source, keys in HEADLINE:
        for side in (before, after):
            headline[f"{stem}_{side.label}"] = _value(side, source, keys)
    return {key: value for key, value in headline.items() if value is not None}
