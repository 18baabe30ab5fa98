"""Before/after deltas per metric and the overall verdict.

Each known metric has a direction and a tolerance: a change inside the tolerance is "same", so noise in a
small evaluation is not reported as progress. Only collapse-related metrics (``primary``) decide the verdict;
"fixed" is claimed only when the after side is healthy, its collapse score is lower and no primary metric
got worse; "none worse" is said only when no metric at all got worse. A birthday-paradox support estimate is
compared only up to the real data's own estimate: more support than the real data has is not an improvement.
A comparison of demo-profile runs says that it is a pipeline demo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Direction(Enum):
    HIGHER = "higher is better"
    LOWER = "lower is better"
    INFO = "informational"


@dataclass(frozen=True)
class MetricSpec:
    key: str
    title: str
    direction: Direction
    abs_tol: float
    rel_tol: float = 0.0
    primary: bool = False


HEALTHY = "healthy"

H, L, INFO = Direction.HIGHER, Direction.LOWER, Direction.INFO
METRIC_SPECS: tuple[MetricSpec, ...] = (
    MetricSpec("collapse_score", "collapse score (0-15)", L, 0.5, primary=True),
    MetricSpec("coverage", "coverage (PRDC, held-out)", H, 0.02, primary=True),
    MetricSpec("modes_covered", "modes covered (confident)", H, 0.5),
    MetricSpec("mode_coverage_ratio", "mode coverage / real draws", H, 0.01, primary=True),
    MetricSpec("mode_kl", "KL(modes || real modes)", L, 0.05, primary=True),
    MetricSpec("near_duplicate_rate", "near-duplicate rate", L, 0.01, primary=True),
    MetricSpec("copy_share", "copy share (memorization)", L, 0.02, primary=True),
    MetricSpec("unrecognised_rate", "unrecognised samples", L, 0.02, primary=True),
    MetricSpec("recall", "recall (PRDC)", H, 0.02),
    MetricSpec("ndb_k", "NDB/K", L, 0.02),
    MetricSpec("js_divergence", "JS divergence of NDB bins", L, 0.01),
    MetricSpec("bin_coverage_ratio", "NDB bin coverage", H, 0.02),
    MetricSpec("support_estimate", "birthday support estimate", H, 0.0, rel_tol=0.1),
    MetricSpec("precision", "precision (PRDC)", H, 0.02),
    MetricSpec("density", "density (PRDC)", INFO, 0.0),
    MetricSpec("fid_inhouse", "FID (in-house features)", L, 0.0, rel_tol=0.05),
    MetricSpec("kid_inhouse", "KID (in-house features)", L, 0.001, rel_tol=0.05),
    MetricSpec("fid_inception", "FID (Inception)", L, 0.0, rel_tol=0.05),
    MetricSpec("kid_inception", "KID (Inception)", L, 0.001, rel_tol=0.05),
    MetricSpec("unique_pixel_values", "unique pixel values", INFO, 0.0),
    MetricSpec("unique_pixel_ratio", "unique pixel ratio", INFO, 0.0),
    MetricSpec("value_min", "value min", INFO, 0.0),
    MetricSpec("value_max", "value max", INFO, 0.0),
)
SPECS_BY_KEY = {spec.key: spec for spec in METRIC_SPECS}


@dataclass(frozen=True)
class MetricDelta:
    spec: MetricSpec
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def judgement(self) -> str:
        """better / worse / same for directed metrics, n/a when a side lacks it, "-" when informational."""
        delta = self.delta
        if delta is None:
            return "n/a"
        if self.spec.direction is Direction.INFO:
            return "-"
        assert self.before is not None and self.after is not None
        tolerance = max(self.spec.abs_tol, self.spec.rel_tol * max(abs(self.before), abs(self.after)))
        if abs(delta) <= tolerance:
            return "same"
        improved = delta < 0 if self.spec.direction is Direction.LOWER else delta > 0
        return "better" if improved else "worse"


@dataclass(frozen=True)
class Verdict:
    word: str
    reason: str


def number(value: Any) -> float | None:
    """A finite metric value, or None for strings, booleans, NaN and missing keys."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


CAPPED_BY = {"support_estimate": "support_estimate_real"}  # never credited beyond the real data's value


def value(metrics: dict[str, Any], key: str) -> float | None:
    found = number(metrics.get(key))
    cap = number(metrics.get(CAPPED_BY.get(key, "")))
    return min(found, cap) if found is not None and cap is not None else found


def metric_deltas(before: dict[str, Any], after: dict[str, Any]) -> list[MetricDelta]:
    """Known metrics first (in a fixed order), then any other numeric key either side reports."""
    rows = [
        MetricDelta(spec, value(before, spec.key), value(after, spec.key))
        for spec in METRIC_SPECS
        if spec.key in before or spec.key in after
    ]
    others = sorted(
        key for key in set(before) | set(after)
        if key not in SPECS_BY_KEY and {number(before.get(key)), number(after.get(key))} != {None}
    )
    rows += [
        MetricDelta(MetricSpec(key, key, INFO, 0.0), number(before.get(key)), number(after.get(key)))
        for key in others
    ]
    return rows


DEMO_NOTE = (
    "pipeline demo: trained with the demo profile (minutes on a CPU), so this verdict shows the pipeline "
    "working, not whether the fixes work"
)


def decide(rows: list[MetricDelta], before_severity: Any, after_severity: Any, demo: bool = False) -> Verdict:
    """fixed / improved / unchanged / mixed / worse, with the metrics that decided it."""
    verdict = _decide(rows, before_severity, after_severity)
    return Verdict(verdict.word, f"{DEMO_NOTE}; {verdict.reason}") if demo else verdict


def _none_worse(rows: list[MetricDelta]) -> str:
    """'none worse' only when no row at all is worse; otherwise the other metrics that are."""
    elsewhere = [row.spec.key for row in rows if not row.spec.primary and row.judgement == "worse"]
    return f"no collapse metric worse, but worse: {', '.join(elsewhere)}" if elsewhere else "none worse"


def _decide(rows: list[MetricDelta], before_severity: Any, after_severity: Any) -> Verdict:
    primary = [row for row in rows if row.spec.primary and row.judgement in ("better", "worse", "same")]
    if not primary:
        return Verdict("unknown", "neither side reports a collapse metric both share")
    better = [row.spec.key for row in primary if row.judgement == "better"]
    worse = [row.spec.key for row in primary if row.judgement == "worse"]
    score = next((row for row in primary if row.spec.key == "collapse_score"), None)
    severity = f"severity {before_severity} -> {after_severity}"
    if worse and better:
        return Verdict("mixed", f"better: {', '.join(better)}; worse: {', '.join(worse)}; {severity}")
    if worse:
        return Verdict("worse", f"worse: {', '.join(worse)}; {severity}")
    if not better:
        return Verdict("unchanged", f"no collapse metric moved beyond its tolerance; {severity}")
    if after_severity == HEALTHY and score is not None and score.judgement == "better":
        return Verdict("fixed", f"after side is healthy; better: {', '.join(better)}; {_none_worse(rows)}")
    missing = "after side is not healthy" if after_severity != HEALTHY else "collapse score did not drop"
    reason = f"better: {', '.join(better)}; {_none_worse(rows)}; but {missing} ({severity})"
    return Verdict("improved", reason)
