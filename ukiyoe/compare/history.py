"""Training dynamics from ``history.csv``: the generator-loss trend and the discriminator balance.

These are the seed's two qualitative rows. D scores are raw discriminator outputs (logit scale for the
logistic losses), so the balance labels use the gap between mean real and mean fake score over the last
quarter of training: |gap| < 0.5 balanced, 0.5-4 D ahead, >= 4 D dominates (fakes rejected with
sigmoid(4) ~ 98% confidence), below -0.5 G ahead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ukiyoe.common import history

TREND_THRESHOLD = 0.10
BALANCED_GAP, DOMINANT_GAP = 0.5, 4.0


@dataclass(frozen=True)
class TrainingHistory:
    """Numeric columns of history.csv keyed by name; blank or non-numeric cells are NaN."""

    path: Path
    columns: dict[str, list[float]]

    def column(self, name: str) -> list[float] | None:
        """The column called ``name`` or ending in ``/name`` (the loop may prefix a phase)."""
        if name in self.columns:
            return self.columns[name]
        matches = [key for key in self.columns if key.rsplit("/", 1)[-1] == name]
        return self.columns[matches[0]] if matches else None

    @property
    def epochs(self) -> list[float]:
        return self.column("epoch") or [float(index + 1) for index in range(self.length)]

    @property
    def length(self) -> int:
        return max((len(values) for values in self.columns.values()), default=0)


@dataclass(frozen=True)
class TrainingDynamics:
    epochs: int
    g_loss_start: float | None
    g_loss_end: float | None
    g_loss_trend: str
    d_real: float | None
    d_fake: float | None
    d_gap: float | None
    d_balance: str


def read_history(path: Path) -> TrainingHistory:
    return TrainingHistory(path, history.read_history(path))


def _mean(values: list[float]) -> float | None:
    finite = [value for value in values if math.isfinite(value)]
    return sum(finite) / len(finite) if finite else None


def _quarter(values: list[float], last: bool) -> list[float]:
    size = max(1, len(values) // 4)
    return values[-size:] if last else values[:size]


def summarize(history: TrainingHistory) -> TrainingDynamics:
    """Start/end generator loss (first and last quarter means) and the late D real/fake gap."""
    g_loss = history.column("g_loss") or []
    start, end = _mean(_quarter(g_loss, last=False)), _mean(_quarter(g_loss, last=True))
    d_real = _mean(_quarter(history.column("d_real") or [], last=True))
    d_fake = _mean(_quarter(history.column("d_fake") or [], last=True))
    gap = d_real - d_fake if d_real is not None and d_fake is not None else None
    return TrainingDynamics(history.length, start, end, loss_trend(start, end), d_real, d_fake, gap,
                            balance(gap))


def loss_trend(start: float | None, end: float | None) -> str:
    if start is None or end is None:
        return "n/a"
    change = (end - start) / max(abs(start), 1e-8)
    if change > TREND_THRESHOLD:
        return f"rising ({change:+.0%})"
    if change < -TREND_THRESHOLD:
        return f"falling ({change:+.0%})"
    return f"flat ({change:+.0%})"


def balance(gap: float | None) -> str:
    if gap is None:
        return "n/a"
    if gap <= -BALANCED_GAP:
        return "G ahead"
    if gap < BALANCED_GAP:
        return "balanced"
    return "D dominates" if gap >= DOMINANT_GAP else "D ahead"
