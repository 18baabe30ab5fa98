"""The collapse score: five indicators × 0–3 points = 0–15, plus gates no sum of points can talk away.

Every indicator reads a headline metric measured against held-out real images (docs/diagnose.md). The
cut-offs were fitted on one family of known cases and seed and checked on another (``ukiyoe.diagnose.cases``,
``benchmarks/calibrate_score.py``). Gates lift the score to a band: off-manifold samples and a set that lost
most of its modes are critical whatever else they do well; a memorizing set is at least a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RUBRIC_VERSION = "2"
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
        "modes",
        "mode_coverage_ratio",
        "confidently recognised modes ÷ modes as many real draws cover",
        True,
        (0.95, 0.88, 0.7),
    ),
    Indicator(
        "balance",
        "mode_kl_excess",
        "KL(sample modes ‖ real modes) above the finite-sample floor of real draws",
        False,
        (0.04, 0.08, 0.15),
    ),
    Indicator(
        "coverage",
        "coverage",
        "share of held-out real images with a sample inside their k-NN ball (PRDC)",
        True,
        (0.95, 0.8, 0.6),
    ),
    Indicator(
        "duplicates",
        "near_duplicate_rate",
        "share of samples with a near-duplicate among the samples",
        False,
        (0.06, 0.15, 0.35),
    ),
    Indicator(
        "fidelity",
        "fidelity_loss",
        "largest of: unrecognised share and atypical share beyond the held-out's, 1 − density",
        False,
        (0.25, 0.4, 0.6),
    ),
)
MODES_LOST_BELOW = 0.6  # mode_coverage_ratio below this: most modes are gone
MEMORIZATION_SHARE = 0.15  # copy_share above this: memorization (about 0.05 for fresh real images)


@dataclass(frozen=True)
class Gate:
    """When ``applies`` holds, the score is raised to at least ``floor``."""

    name: str
    meaning: str
    floor: int


GATES = (
    Gate("off_manifold", "fidelity indicator at 3 points (samples off the real manifold)", CRITICAL_FROM),
    Gate("modes_lost", f"mode_coverage_ratio < {MODES_LOST_BELOW:g} (most modes missing)", CRITICAL_FROM),
    Gate(
        "memorization", f"copy_share > {MEMORIZATION_SHARE:g} (samples copy training images)", HEALTHY_BELOW
    ),
)


def is_memorizing(metrics: dict[str, Any]) -> bool:
    return metrics["copy_share"] > MEMORIZATION_SHARE


def severity(score: int) -> str:
    if score >= CRITICAL_FROM:
        return "critical"
    return "warning" if score >= HEALTHY_BELOW else "healthy"


def collapse_score(metrics: dict[str, Any]) -> dict[str, Any]:
    """``collapse_score``, ``severity``, ``memorization``, ``points_<indicator>`` and the gates that fired."""
    points = {f"points_{ind.name}": ind.points(float(metrics[ind.metric])) for ind in INDICATORS}
    fired = {
        "off_manifold": points["points_fidelity"] == MAX_POINTS,
        "modes_lost": float(metrics["mode_coverage_ratio"]) < MODES_LOST_BELOW,
        "memorization": is_memorizing(metrics),
    }
    total = sum(points.values())
    for gate in GATES:
        if fired[gate.name]:
            total = max(total, gate.floor)
    return {
        "collapse_score": total,
        "severity": severity(total),
        "memorization": fired["memorization"],
        "gates": [name for name, hit in fired.items() if hit],
        **points,
    }


def rubric_markdown() -> str:
    """The rubric as Markdown, embedded in every report and in docs/diagnose.md."""
    lines = [
        f"Collapse score rubric v{RUBRIC_VERSION}: five indicators × 0–{MAX_POINTS} points; "
        f"healthy < {HEALTHY_BELOW}, warning {HEALTHY_BELOW}–{CRITICAL_FROM - 1}, "
        f"critical ≥ {CRITICAL_FROM}.",
        "",
        "| indicator | metric | measures | points |",
        "|---|---|---|---|",
    ]
    for ind in INDICATORS:
        lines.append(f"| {ind.name} | `{ind.metric}` | {ind.meaning} | 0 otherwise; {ind.rule()} |")
    lines += ["", "| gate | when | score at least |", "|---|---|---|"]
    lines += [f"| {gate.name} | {gate.meaning} | {gate.floor} |" for gate in GATES]
    return "\n".join(lines)
