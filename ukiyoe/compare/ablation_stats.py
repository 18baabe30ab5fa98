"""What a fix does over seeds: the mean change it makes, its spread, and whether that change is beyond noise.

Two directions: ``out`` (leave-one-out) compares the experiment without the fix with the full experiment;
``in`` (add-one-in) compares the collapsed baseline plus the fix with the plain baseline. Either way the
``effect`` is signed so that > 0 means the fix helps on this metric. The significance call is Welch's
two-sided t-test (unequal variances) of the variant's per-seed values against the reference's, at
``ALPHA``; fewer than two seeds on either side gives no call. When both sides have zero spread the test is
undefined: equal means are "within noise" (p = 1), different means are called (p = 0), a deterministic
difference. Many fixes × metrics are many tests: the ranking also gives Holm's adjusted p over all of them
(family-wise error at ``ALPHA``), so a lone p < 0.05 among twenty is seen for what it may be.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ALPHA = 0.05
TEST = "Welch's two-sided t-test"
DIRECTIONS = ("out", "in")
DIRECTION_TITLES = {"out": "leave-one-out from the experiment", "in": "add-one-in to the collapsed baseline"}


@dataclass(frozen=True)
class SeededEffect:
    fix: str
    direction: str
    metric: str
    values: tuple[float, ...]
    reference: tuple[float, ...]
    effect: float
    effect_std: float
    p_value: float | None
    verdict: str

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def std(self) -> float:
        return _std(self.values)

    @property
    def reference_mean(self) -> float:
        return float(np.mean(self.reference))

    @property
    def reference_std(self) -> float:
        return _std(self.reference)


def _std(values: Sequence[float]) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def welch_p_value(values: Sequence[float], reference: Sequence[float]) -> float | None:
    """Two-sided p of Welch's t-test; None with fewer than two values on a side."""
    if len(values) < 2 or len(reference) < 2:
        return None
    if _std(values) == 0.0 and _std(reference) == 0.0:
        return 1.0 if float(np.mean(values)) == float(np.mean(reference)) else 0.0
    from scipy.stats import ttest_ind

    return float(ttest_ind(values, reference, equal_var=False).pvalue)


def seeded_effect(fix: str, direction: str, metric: str, values: Sequence[float], reference: Sequence[float],
                  higher_is_better: bool, alpha: float = ALPHA) -> SeededEffect:
    """The fix's effect on ``metric`` from per-seed ``values`` of the variant and of its ``reference``."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    if not values or not reference:
        raise ValueError(f"{fix} ({direction}): no values to compare")
    # out: the variant lacks the fix; in: the variant has it. Flip so that > 0 always means "the fix helps".
    sign = (1.0 if higher_is_better else -1.0) * (1.0 if direction == "in" else -1.0)
    effect = sign * (float(np.mean(values)) - float(np.mean(reference)))
    paired = len(values) == len(reference)
    spread = _std([sign * (v - r) for v, r in zip(values, reference, strict=True)]) if paired else math.hypot(
        _std(values), _std(reference))
    p_value = welch_p_value(values, reference)
    return SeededEffect(fix, direction, metric, tuple(map(float, values)), tuple(map(float, reference)),
                        effect, spread, p_value, _verdict(effect, p_value, alpha))


def _verdict(effect: float, p_value: float | None, alpha: float) -> str:
    if p_value is None:
        return "one seed: no significance call"
    if p_value >= alpha:
        return "within noise"
    return "helps" if effect > 0 else "hurts"


def holm_adjusted(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm–Bonferroni adjusted p-values, in the input order (None stays None and is not counted)."""
    order = sorted((p, index) for index, p in enumerate(p_values) if p is not None)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, index) in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p))
        adjusted[index] = running
    return adjusted


def ranked(effects: Sequence[SeededEffect]) -> list[SeededEffect]:
    """By direction (out first), then largest helpful effect first."""
    return sorted(effects, key=lambda e: (DIRECTIONS.index(e.direction), -e.effect, e.fix))


def ranking_table(effects: Sequence[SeededEffect], alpha: float = ALPHA) -> str:
    """One markdown table per direction: variant and reference mean ± std, effect ± std, p, Holm's adjusted p
    over every test in the tables, verdict (from the unadjusted p)."""
    holm = dict(zip(effects, holm_adjusted([e.p_value for e in effects]), strict=True))
    tests = sum(e.p_value is not None for e in effects)
    lines: list[str] = [f"Effect > 0: the fix helps. Spread: sample std over seeds (effect: of per-seed "
                        f"differences when seeds pair). Significance: {TEST}, α = {alpha}; Holm p: adjusted "
                        f"for the {tests} tests below (a verdict whose Holm p ≥ α may be chance).", ""]
    for direction in DIRECTIONS:
        mine = [effect for effect in ranked(effects) if effect.direction == direction]
        if not mine:
            continue
        lines += [f"### {DIRECTION_TITLES[direction]}", "",
                  "| rank | fix | metric | seeds | variant | reference | effect | p | Holm p | verdict |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for rank, e in enumerate(mine, start=1):
            p, adjusted = (("n/a" if value is None else f"{value:.3g}") for value in (e.p_value, holm[e]))
            lines.append(f"| {rank} | {e.fix} | {e.metric} | {len(e.values)} | {e.mean:.4g} ± {e.std:.2g} | "
                         f"{e.reference_mean:.4g} ± {e.reference_std:.2g} | {e.effect:+.4g} ± "
                         f"{e.effect_std:.2g} | {p} | {adjusted} | {e.verdict} |")
        lines.append("")
    return "\n".join(lines)
