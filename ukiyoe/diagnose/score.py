"""The collapse score: five indicators × 0–3 points = 0–15, calibrated on known cases (docs/diagnose.md).

Each indicator reads one metric and awards points by three cut-offs; the pixel statistics are reported but
never scored (real data fails them and float noise passes them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RUBRIC_VERSION = "1"
MAX_POINTS = 3
HEALTHY_BELOW = 5
CRITICAL_FROM = 10


@dataclass(frozen=True)
class Indicator:
    """``cuts`` are the values at which 1, 2 and 3 points begin (decreasing when higher is healthier)."""

    name: str
    metric: str
    meaning: str
    higher_is_healthy: bool
    cuts: tuple[float, float, float]

    def points(self, value: float) -> int:
        if self.higher_is_healthy:
            return sum(value < cut for cut in self.cuts)
        return sum(value > cut for cut in self.cuts)

    def rule(self) -> str:
        sign = "<" if self.higher_is_healthy else ">"
        return ", ".join(f"{points} if {sign} {cut:g}" for points, cut in enumerate(self.cuts, start=1))


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "coverage",
        "coverage",
        "share of real samples with a generated sample in their k-NN ball",
        True,
        (0.85, 0.70, 0.50),
    ),
    Indicator(
        "recall",
        "recall",
        "share of real samples inside the generated k-NN manifold",
        True,
        (0.80, 0.60, 0.40),
    ),
    Indicator(
        "bins",
        "ndb_k",
        "share of K-means bins whose generated share differs (p < 0.05)",
        False,
        (0.15, 0.40, 0.60),
    ),
    Indicator(
        "duplicates",
        "near_duplicate_rate",
        "share of samples with a near-duplicate among samples",
        False,
        (0.05, 0.15, 0.35),
    ),
    Indicator(
        "modes",
        "mode_coverage_ratio",
        "modes (classifier, else K-means bins) covered vs real draws",
        True,
        (0.95, 0.80, 0.60),
    ),
)


def modes_metric(metrics: dict[str, Any]) -> str:
    """Classifier modes when the data has them, else the K-means bins as proxy modes."""
    return "mode_coverage_ratio" if "mode_coverage_ratio" in metrics else "bin_coverage_ratio"


def severity(score: int) -> str:
    if score >= CRITICAL_FROM:
        return "critical"
    return "warning" if score >= HEALTHY_BELOW else "healthy"


def collapse_score(metrics: dict[str, Any]) -> dict[str, Any]:
    """``collapse_score``, ``severity`` and ``points_<indicator>`` for a flat metrics dict."""
    points: dict[str, Any] = {}
    for indicator in INDICATORS:
        metric = modes_metric(metrics) if indicator.name == "modes" else indicator.metric
        points[f"points_{indicator.name}"] = indicator.points(float(metrics[metric]))
    total = sum(points.values())
    return {"collapse_score": total, "severity": severity(total), **points}


def rubric_markdown() -> str:
    """The rubric as a Markdown table, embedded in every report and in docs/diagnose.md."""
    lines = [
        f"Collapse score rubric v{RUBRIC_VERSION}: five indicators × 0–{MAX_POINTS} points; "
        f"healthy < {HEALTHY_BELOW}, warning {HEALTHY_BELOW}–{CRITICAL_FROM - 1}, "
        f"critical ≥ {CRITICAL_FROM}.",
        "",
        "| indicator | metric | measures | points |",
        "|---|---|---|---|",
    ]
    for indicator in INDICATORS:
        metric = indicator.metric if indicator.name != "modes" else "mode_coverage_ratio / bin_coverage_ratio"
        lines.append(
            f"| {indicator.name} | `{metric}` | {indicator.meaning} | 0 otherwise; {indicator.rule()} |"
        )
    return "\n".join(lines)
