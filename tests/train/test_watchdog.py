"""Collapse indicators and the watchdog's decisions, remedies and option validation."""

from __future__ import annotations

import math

import gin
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ukiyoe.common.errors import ConfigError
from ukiyoe.train.options import TrainOptions
from ukiyoe.train.watchdog import (
    CollapseWatchdog,
    Indicators,
    WatchdogState,
    discriminator_accuracy,
    duplicate_rate,
    measure,
    sample_diversity,
)


@pytest.fixture(autouse=True)
def _no_gin_bindings() -> None:
    """Configurables read gin's global bindings; earlier runs in this process may have left some."""
    gin.clear_config()


def test_a_collapsed_batch_has_no_diversity_and_only_duplicates() -> None:
    same = torch.rand(1, 3, 8, 8).repeat(6, 1, 1, 1) * 2 - 1
    varied = torch.rand(6, 3, 8, 8) * 2 - 1
    assert sample_diversity(same) == pytest.approx(0.0, abs=1e-6) and duplicate_rate(same, 0.02) == 1.0
    assert sample_diversity(varied) > 0.3 and duplicate_rate(varied, 0.02) == 0.0


def test_discriminator_accuracy_saturates_at_one() -> None:
    assert discriminator_accuracy(torch.tensor([3.0, 2.0]), torch.tensor([-4.0, -1.0])) == 1.0
    assert discriminator_accuracy(torch.tensor([3.0, -2.0]), torch.tensor([4.0, -1.0])) == 0.5


def test_non_finite_weights_are_reported() -> None:
    module = torch.nn.Linear(2, 2)
    with torch.no_grad():
        module.weight[0, 0] = float("inf")
    indicators = measure(torch.zeros(4, 3, 2, 2), torch.zeros(4), torch.zeros(4), [module], 0.02)
    assert not indicators.finite and math.isnan(indicators.diversity)


def healthy() -> Indicators:
    return Indicators(0.4, 0.0, 0.6, True, mode_coverage=1.0, feature_duplicates=0.05, alive_ratio=1.0)


def collapsed() -> Indicators:
    return Indicators(0.001, 1.0, 0.6, True, mode_coverage=0.05, feature_duplicates=0.9, alive_ratio=0.1)


def test_patience_then_rollback_and_remedies_accumulate() -> None:
    watchdog, state = CollapseWatchdog(patience=2), WatchdogState()
    assert watchdog.decide(collapsed(), state)[0] == "ok"
    decision, reasons = watchdog.decide(collapsed(), state)
    assert decision == "rollback" and any("confident-mode coverage" in reason for reason in reasons)
    assert watchdog.apply_remedies(state) == ["generator learning rate x0.5", "n_critic +1"]
    watchdog.apply_remedies(state)
    assert (state.lr_scale, state.n_critic_bonus, state.strikes) == (0.25, 2, 0)
    assert watchdog.decide(healthy(), state) == ("ok", [])


def test_log_action_never_rolls_back_a_collapse_but_does_roll_back_nan() -> None:
    watchdog, state = CollapseWatchdog(action="log", patience=1), WatchdogState()
    assert watchdog.decide(collapsed(), state)[0] == "log"
    nan = Indicators(float("nan"), float("nan"), float("nan"), False)
    assert watchdog.decide(nan, state) == ("rollback", ["non-finite weights or samples"])


def test_state_roundtrip() -> None:
    state = WatchdogState(rollbacks=2, lr_scale=0.25, n_critic_bonus=1, strikes=1, events=[{"step": 4}])
    assert WatchdogState.from_state_dict(state.state_dict()) == state


@settings(max_examples=40, deadline=None)
@given(
    interval=st.integers(-3, 5),
    patience=st.integers(-2, 3),
    action=st.sampled_from(["rollback", "log", "x"]),
    remedy=st.sampled_from(["halve_gen_lr", "raise_n_critic", "reboot"]),
)
def test_watchdog_options_are_validated(interval: int, patience: int, action: str, remedy: str) -> None:
    valid = interval >= 1 and patience >= 1 and action != "x" and remedy != "reboot"
    if valid:
        CollapseWatchdog(interval=interval, patience=patience, action=action, remedies=(remedy,))
    else:
        with pytest.raises(ConfigError, match="CollapseWatchdog"):
            CollapseWatchdog(interval=interval, patience=patience, action=action, remedies=(remedy,))


@settings(max_examples=40, deadline=None)
@given(
    epochs=st.integers(-1, 3),
    ema=st.floats(-0.5, 1.5, allow_nan=False),
    amp=st.sampled_from([None, "bf16", "fp8"]),
    device=st.sampled_from(["auto", "cpu", "cuda:1", "tpu"]),
)
def test_train_options_are_validated(epochs: int, ema: float, amp: str | None, device: str) -> None:
    valid = epochs >= 1 and 0 <= ema < 1 and amp != "fp8" and device != "tpu"
    if valid:
        TrainOptions(epochs=epochs, ema_beta=ema, amp=amp, device=device)
    else:
        with pytest.raises(ConfigError, match="TrainOptions"):
            TrainOptions(epochs=epochs, ema_beta=ema, amp=amp, device=device)


def test_real_images_through_the_collapse_checks_raise_no_alarm() -> None:
    """The fixed real batch and fresh real images of another seed: coverage ≈ 1, few duplicates."""
    from ukiyoe.data import synthetic
    from ukiyoe.data.classifier import ClassifierSpec, ModeClassifier
    from ukiyoe.data.classifier_training import train_classifier
    from ukiyoe.train.watchdog import CollapseProbe

    def batch(seed: int, count: int) -> tuple:
        rng = np.random.default_rng(seed)
        labels = synthetic.balanced_labels(count, rng)
        return synthetic.render(labels, 32, rng), labels

    spec = ClassifierSpec("modes", 3, 40, (16, 32, 64), 64)
    net, accuracy = train_classifier(spec, batch(1, 2000), batch(2, 400), seed=0, epochs=4)
    classifier = ModeClassifier(net, spec, {"num_modes": 40, "accuracy": accuracy})

    def signed(images: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1.0

    probe = CollapseProbe(signed(batch(3, 128)[0]), classifier)
    real = signed(batch(4, 128)[0])
    indicators = measure(real, torch.zeros(1), torch.zeros(1), [], 0.02, probe, 1.0, epoch=5)
    assert indicators.mode_coverage >= 0.8 and indicators.feature_duplicates <= 0.2, indicators
    assert CollapseWatchdog().reasons(indicators) == []
    gray = torch.full((128, 3, 32, 32), 0.07) + torch.rand(128, 3, 32, 32) * 0.06
    collapsed = measure(gray, torch.zeros(1), torch.zeros(1), [], 0.02, probe, 0.2, epoch=5)
    reasons = CollapseWatchdog().reasons(collapsed)
    assert len(reasons) == 3 and "confident-mode coverage" in reasons[0], reasons
    assert (
        CollapseWatchdog().reasons(measure(gray, torch.zeros(1), torch.zeros(1), [], 0.02, probe, 0.2, 1))
        == []
    )
