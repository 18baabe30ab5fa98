"""Collapse watchdog: cheap indicators every few steps, rollback plus a remedy when they cross a threshold.

Indicators are computed on a fixed z batch and a fixed real batch, so two checks of the same weights agree.
The collapse indicators are in-training versions of diagnose's: confident-mode coverage (modes the mode
classifier recognises among the fixed-z samples ÷ the modes the fixed real batch shows through the same
check), feature-space near-duplicates (samples closer to another sample than 95% of the real batch's nearest
neighbours are) and the NCA alive ratio. They are armed after ``warmup_epochs``: an untrained generator
recognises no mode yet. Non-finite weights or losses always roll back (training cannot go on from them).
``action = 'log'`` only records collapse events: the collapsed baseline uses it to stay collapsed on purpose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import gin
import numpy as np
import torch
import torch.nn.functional as F

from ukiyoe.common.finite import all_finite
from ukiyoe.common.ranges import Between, Each, declare, one_of

REMEDIES = ("halve_gen_lr", "raise_n_critic")
ACTIONS = ("rollback", "log")


NAN = float("nan")


@dataclass(frozen=True)
class Indicators:
    """What one check measured; ``diversity`` is the mean per-pixel std across the fixed-z batch (logged,
    off by default: pixel statistics do not decide collapse). NaN marks an indicator not measured."""

    diversity: float
    duplicate_rate: float
    d_accuracy: float
    finite: bool
    mode_coverage: float = NAN
    feature_duplicates: float = NAN
    alive_ratio: float = NAN
    epoch: int | None = None  # None: outside a run, no warm-up applies

    def as_dict(self) -> dict[str, float]:
        return {
            "watchdog/diversity": self.diversity,
            "watchdog/duplicate_rate": self.duplicate_rate,
            "watchdog/d_accuracy": self.d_accuracy,
            "watchdog/finite": float(self.finite),
            "watchdog/mode_coverage": self.mode_coverage,
            "watchdog/feature_duplicates": self.feature_duplicates,
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


def pooled_descriptor(images: torch.Tensor) -> torch.Tensor:
    """8×8 area-pooled, per-channel standardised pixels: the feature space when the data has no classifier."""
    pooled = F.interpolate(images.detach().float(), size=(8, 8), mode="area")
    centred = pooled - pooled.mean(dim=(2, 3), keepdim=True)
    # float64: on a GPU, cdist's matmul path would otherwise run in TF32 and blur the distances
    return (centred / (centred.std(dim=(2, 3), keepdim=True) + 0.03)).flatten(1).double()


def nearest_other(features: torch.Tensor) -> torch.Tensor:
    distances = torch.cdist(features, features)
    distances.fill_diagonal_(math.inf)
    return distances.min(dim=1).values


class CollapseProbe:
    """The fixed real batch seen through the collapse checks, so samples are judged against real images.

    ``classifier`` is the prepared data's mode classifier (``ukiyoe.data.ModeClassifier``) or None.
    """

    CONFIDENT_PASS = 0.99  # lenient: an in-training check must not alarm on merely imperfect samples
    DUPLICATE_QUANTILE = 0.05

    def __init__(self, real: torch.Tensor, classifier: Any | None = None) -> None:
        self.classifier = classifier
        labels, confidence, real_features = self._read(real)
        self.duplicate_threshold = float(
            torch.quantile(nearest_other(real_features), self.DUPLICATE_QUANTILE)
        )
        self.threshold, self.real_modes = 0.0, 0
        if labels is not None and confidence is not None:
            self.threshold = float(np.quantile(confidence, 1.0 - self.CONFIDENT_PASS, method="lower"))
            self.real_modes = len(np.unique(labels[confidence >= self.threshold]))

    def _read(self, images: torch.Tensor) -> tuple[np.ndarray | None, np.ndarray | None, torch.Tensor]:
        """Labels, confidences and features from one classifier pass on the classifier's device; pooled
        pixels and no labels without a classifier."""
        if self.classifier is None:
            return None, None, pooled_descriptor(images)
        labels, confidence, features = self.classifier.classify_and_embed_tensor(images)
        return labels.cpu().numpy(), confidence.cpu().numpy(), features.double()

    def check(self, samples: torch.Tensor) -> tuple[float, float]:
        """Mode coverage (confident modes among ``samples`` ÷ those of the real batch; NaN without a
        classifier) and the share of feature-space near-duplicates."""
        labels, confidence, features = self._read(samples)
        duplicates = float((nearest_other(features) < self.duplicate_threshold).double().mean())
        if labels is None or confidence is None or self.real_modes == 0:
            return NAN, duplicates
        return len(np.unique(labels[confidence >= self.threshold])) / self.real_modes, duplicates


def measure(
    samples: torch.Tensor,
    real_logits: torch.Tensor,
    fake_logits: torch.Tensor,
    modules: list[torch.nn.Module],
    duplicate_distance: float,
    probe: CollapseProbe | None = None,
    alive_ratio: float | None = None,
    epoch: int | None = None,
) -> Indicators:
    if not all_finite([samples, *(parameter for module in modules for parameter in module.parameters())]):
        return Indicators(NAN, NAN, NAN, False, epoch=epoch)
    coverage, duplicates = probe.check(samples) if probe is not None else (NAN, NAN)
    return Indicators(
        diversity=sample_diversity(samples),
        duplicate_rate=duplicate_rate(samples, duplicate_distance),
        d_accuracy=discriminator_accuracy(real_logits, fake_logits),
        finite=True,
        mode_coverage=coverage,
        feature_duplicates=duplicates,
        alive_ratio=NAN if alive_ratio is None else float(alive_ratio),
        epoch=epoch,
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
    min_mode_coverage=Between(0),
    max_feature_duplicates=Between(0, 1),
    min_alive_ratio=Between(0, 1),
    warmup_epochs=Between(0),
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
    sample_count: int = 128
    min_diversity: float | None = None
    max_duplicate_rate: float | None = None
    duplicate_distance: float = 0.02
    max_d_accuracy: float | None = None
    min_mode_coverage: float | None = 0.5
    max_feature_duplicates: float | None = 0.5
    min_alive_ratio: float | None = 0.5
    warmup_epochs: int = 2
    patience: int = 2
    action: str = "rollback"
    remedies: tuple[str, ...] = REMEDIES
    max_rollbacks: int = 3

    def reasons(self, indicators: Indicators) -> list[str]:
        """Every threshold these indicators cross, as readable phrases."""
        if not indicators.finite:
            return ["non-finite weights or samples"]
        if indicators.epoch is not None and indicators.epoch <= self.warmup_epochs:
            return []
        found = self.collapse_reasons(indicators)
        if self.min_diversity is not None and indicators.diversity < self.min_diversity:
            found.append(f"diversity {indicators.diversity:.4g} < {self.min_diversity:g}")
        if self.max_duplicate_rate is not None and indicators.duplicate_rate > self.max_duplicate_rate:
            found.append(f"duplicate rate {indicators.duplicate_rate:.3g} > {self.max_duplicate_rate:g}")
        if self.max_d_accuracy is not None and indicators.d_accuracy > self.max_d_accuracy:
            found.append(f"D accuracy {indicators.d_accuracy:.3g} > {self.max_d_accuracy:g}")
        return found

    def collapse_reasons(self, indicators: Indicators) -> list[str]:
        """The collapse indicators' crossings (NaN, i.e. not measured, never crosses)."""
        found = []
        if self.min_mode_coverage is not None and indicators.mode_coverage < self.min_mode_coverage:
            found.append(
                f"confident-mode coverage {indicators.mode_coverage:.3g} < {self.min_mode_coverage:g}"
            )
        if (
            self.max_feature_duplicates is not None
            and indicators.feature_duplicates > self.max_feature_duplicates
        ):
            shown = f"{indicators.feature_duplicates:.3g} > {self.max_feature_duplicates:g}"
            found.append(f"feature near-duplicates {shown}")
        if self.min_alive_ratio is not None and indicators.alive_ratio < self.min_alive_ratio:
            found.append(f"NCA alive ratio {indicators.alive_ratio:.3g} < {self.min_alive_ratio:g}")
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
