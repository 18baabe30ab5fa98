"""Collapse watchdog: cheap indicators every few steps, rollback plus a remedy when they cross a threshold.

Indicators are computed on a fixed z batch and a fixed real batch, so two checks of the same weights agree.
Non-finite weights or losses always roll back (training cannot go on from them). For collapse indicators,
``action = 'log'`` only records the event: the collapsed baseline uses it to stay collapsed on purpose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import gin
import torch

from ukiyoe.ranges import Between, Each, declare, one_of

REMEDIES = ("halve_gen_lr", "raise_n_critic")
ACTIONS = ("rollback", "log")


@dataclass(frozen=True)
class Indicators:
    """What one check measured; ``diversity`` is the mean per-pixel std across the fixed-z batch."""

    diversity: float
    duplicate_rate: float
    d_accuracy: float
    finite: bool

    def as_dict(self) -> dict[str, float]:
        return {
            "watchdog/diversity": self.diversity,
            "watchdog/duplicate_rate": self.duplicate_rate,
            "watchdog/d_accuracy": self.d_accuracy,
            "watchdog/finite": float(self.finite),
        }


def sample_diversity(images: torch.Tensor) -> float:
    """Mean over pixels of the standard deviation across the batch: about 0 once every sample is the same."""
    return float(images.float().std(dim=0, unbiased=False).mean())


def duplicate_rate(images: torch.Tensor, distance: float) -> float:
    """Fraction of sample pairs whose RMS pixel distance is below ``distance`` (images in [-1, 1])."""
    flat = images.float().flatten(1)
    count = flat.shape[0]
    if count < 2:
        return 0.0
    distances = torch.cdist(flat, flat) / math.sqrt(flat.shape[1])
    upper = torch.triu(torch.ones(count, count, dtype=torch.bool, device=flat.device), diagonal=1)
    return float((distances[upper] < distance).float().mean())


def discriminator_accuracy(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> float:
    """How often D ranks reals above zero and fakes below: 1.0 means D has saturated."""
    return 0.5 * float((real_logits.float() > 0).float().mean() + (fake_logits.float() < 0).float().mean())


def measure(
    samples: torch.Tensor,
    real_logits: torch.Tensor,
    fake_logits: torch.Tensor,
    modules: list[torch.nn.Module],
    duplicate_distance: float,
) -> Indicators:
    finite = bool(torch.isfinite(samples).all()) and all(
        bool(torch.isfinite(parameter).all()) for module in modules for parameter in module.parameters()
    )
    if not finite:
        return Indicators(float("nan"), float("nan"), float("nan"), False)
    return Indicators(
        diversity=sample_diversity(samples),
        duplicate_rate=duplicate_rate(samples, duplicate_distance),
        d_accuracy=discriminator_accuracy(real_logits, fake_logits),
        finite=True,
    )


@dataclass
class WatchdogState:
    """What survives a rollback: the remedies applied so far and how often the run rolled back."""

    rollbacks: int = 0
    lr_scale: float = 1.0
    n_critic_bonus: int = 0
    strikes: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)

    def state_dict(self) -> dict[str, Any]:
        return {
            "rollbacks": self.rollbacks,
            "lr_scale": self.lr_scale,
            "n_critic_bonus": self.n_critic_bonus,
            "strikes": self.strikes,
            "events": [dict(event) for event in self.events],
        }

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> WatchdogState:
        return cls(
            rollbacks=int(state["rollbacks"]),
            lr_scale=float(state["lr_scale"]),
            n_critic_bonus=int(state["n_critic_bonus"]),
            strikes=int(state["strikes"]),
            events=[dict(event) for event in state["events"]],
        )


@gin.configurable
@declare(
    interval=Between(1),
    sample_count=Between(2),
    min_diversity=Between(0),
    max_duplicate_rate=Between(0, 1),
    duplicate_distance=Between(0),
    max_d_accuracy=Between(0, 1),
    patience=Between(1),
    action=one_of(*ACTIONS),
    remedies=Each(one_of(*REMEDIES)),
    max_rollbacks=Between(0),
)
@dataclass(frozen=True)
class CollapseWatchdog:
    """Thresholds, remedy and rollback budget; a threshold of None switches that indicator off.

    ``patience`` consecutive failing checks make a trigger; non-finite values trigger at once.
    """

    interval: int = 25
    sample_count: int = 16
    min_diversity: float | None = 0.01
    max_duplicate_rate: float | None = 0.9
    duplicate_distance: float = 0.02
    max_d_accuracy: float | None = None
    patience: int = 2
    action: str = "rollback"
    remedies: tuple[str, ...] = REMEDIES
    max_rollbacks: int = 3

    def reasons(self, indicators: Indicators) -> list[str]:
        """Every threshold these indicators cross, as readable phrases."""
        if not indicators.finite:
            return ["non-finite weights or samples"]
        found = []
        if self.min_diversity is not None and indicators.diversity < self.min_diversity:
            found.append(f"diversity {indicators.diversity:.4g} < {self.min_diversity:g}")
        if self.max_duplicate_rate is not None and indicators.duplicate_rate > self.max_duplicate_rate:
            found.append(f"duplicate rate {indicators.duplicate_rate:.3g} > {self.max_duplicate_rate:g}")
        if self.max_d_accuracy is not None and indicators.d_accuracy > self.max_d_accuracy:
            found.append(f"D accuracy {indicators.d_accuracy:.3g} > {self.max_d_accuracy:g}")
        return found

    def decide(self, indicators: Indicators, state: WatchdogState) -> tuple[str, list[str]]:
        """Return ('ok' | 'log' | 'rollback', reasons) and update the strike count."""
        found = self.reasons(indicators)
        if not found:
            state.strikes = 0
            return "ok", found
        if not indicators.finite:
            return "rollback", found
        state.strikes += 1
        if state.strikes < self.patience:
            return "ok", found
        return self.action, found

    def apply_remedies(self, state: WatchdogState) -> list[str]:
        """Make the next attempt different from the one that failed; returns what was changed."""
        applied = []
        for remedy in self.remedies:
            if remedy == "halve_gen_lr":
                state.lr_scale *= 0.5
                applied.append(f"generator learning rate x{state.lr_scale:g}")
            elif remedy == "raise_n_critic":
                state.n_critic_bonus += 1
                applied.append(f"n_critic +{state.n_critic_bonus}")
        state.strikes = 0
        return applied
