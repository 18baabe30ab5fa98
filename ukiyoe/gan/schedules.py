"""Pure functions of the (1-based) epoch: learning rates, D steps per G step, critic isolation, growth.

Every schedule answers from its constructor arguments and the epoch alone, so a resumed run needs no state.
"""

from __future__ import annotations

from collections.abc import Mapping

import gin
from torch.optim import Optimizer

from ukiyoe.common.errors import ConfigError
from ukiyoe.common.ranges import Between, declare

ISOLATED, ISOLATION_PERIOD, INTEGRATION = 1, 2, 3


def _check_epoch(epoch: int) -> None:
    if epoch < 1:
        raise ValueError(f"epochs are 1-based, got {epoch}")


@gin.configurable(module="ukiyoe.gan")
@declare(
    generator=Between(0, 1, low_open=True, high_open=True),
    nca=Between(0, 1, low_open=True, high_open=True),
    discriminator=Between(0, 1, low_open=True, high_open=True),
    critic=Between(0, 1, low_open=True, high_open=True),
    warmup_epochs=Between(0),
)
class LearningRates:
    """Per-network Adam learning rates, with an optional linear warm-up over ``warmup_epochs``."""

    def __init__(self, generator: float = 2e-4, nca: float = 2e-4, discriminator: float = 2e-4,
                 critic: float = 2e-4, warmup_epochs: int = 0):
        self.base = {"generator": generator, "nca": nca, "discriminator": discriminator, "critic": critic}
        self.warmup_epochs = warmup_epochs

    def at(self, network: str, epoch: int) -> float:
        _check_epoch(epoch)
        factor = min(1.0, epoch / self.warmup_epochs) if self.warmup_epochs else 1.0
        return float(self.base[network]) * factor

    def apply(self, optimizers: Mapping[str, Optimizer], epoch: int) -> None:
        """Sets each optimizer's learning rate for ``epoch`` (a no-op without warm-up)."""
        for name, optimizer in optimizers.items():
            for group in optimizer.param_groups:
                group["lr"] = self.at(name, epoch)


@gin.configurable(module="ukiyoe.gan")
@declare(early=Between(1), late=Between(1), switch_after_epoch=Between(0))
class NCriticSchedule:
    """D steps per G step: ``early`` up to and including ``switch_after_epoch``, ``late`` afterwards."""

    def __init__(self, early: int = 1, late: int = 1, switch_after_epoch: int = 100):
        self.early, self.late, self.switch_after_epoch = early, late, switch_after_epoch

    def __call__(self, epoch: int) -> int:
        _check_epoch(epoch)
        return self.early if epoch <= self.switch_after_epoch else self.late


@gin.configurable(module="ukiyoe.gan")
@declare(isolation_end=Between(0), period_end=Between(0), ramp_epochs=Between(0), max_weight=Between(0))
class IsolationSchedule:
    """When the transformer critic may influence the generator, and with what weight.

    Phase 1 (epochs 1..isolation_end) isolated: no gradient from the critic reaches any other network.
    Phase 2 (..period_end) isolation period: still no gradient to G; the critic trains or stays frozen.
    Phase 3 (period_end+1 ..) integration: the critic's term enters G's loss with weight
    ``max_weight · min(1, (epoch − period_end) / ramp_epochs)`` (``max_weight`` at once when ramp_epochs = 0).
    ``enabled = False`` means no isolation at all: phase 3 with full weight from epoch 1.
    """

    def __init__(self, enabled: bool = False, isolation_end: int = 200, period_end: int = 250,
                 ramp_epochs: int = 50, max_weight: float = 1.0, critic_trains_in_isolation: bool = True,
                 critic_trains_in_period: bool = False):
        if isolation_end > period_end:
            raise ConfigError(f"IsolationSchedule: need isolation_end <= period_end, "
                              f"got {isolation_end}, {period_end}")
        self.enabled = enabled
        self.isolation_end, self.period_end, self.ramp_epochs = isolation_end, period_end, ramp_epochs
        self.max_weight = max_weight
        self.critic_trains_in_isolation = critic_trains_in_isolation
        self.critic_trains_in_period = critic_trains_in_period

    def phase(self, epoch: int) -> int:
        _check_epoch(epoch)
        if not self.enabled or epoch > self.period_end:
            return INTEGRATION
        return ISOLATED if epoch <= self.isolation_end else ISOLATION_PERIOD

    def weight(self, epoch: int) -> float:
        """The critic term's weight in G's loss (0 while isolated)."""
        if self.phase(epoch) != INTEGRATION:
            return 0.0
        if not self.enabled or self.ramp_epochs == 0:
            return self.max_weight
        return self.max_weight * min(1.0, (epoch - self.period_end) / self.ramp_epochs)

    def critic_trains(self, epoch: int) -> bool:
        phase = self.phase(epoch)
        if phase == ISOLATED:
            return self.critic_trains_in_isolation
        return self.critic_trains_in_period if phase == ISOLATION_PERIOD else True


@gin.configurable(module="ukiyoe.gan")
@declare(
    ramp_epochs=Between(0),
    start_scale=Between(0, 1, low_open=True),
    boost=Between(0),
    boost_decay_epochs=Between(0),
)
class GrowthCurriculum:
    """Growth first: the NCA runs few steps early on and a bonus rewards keeping cells alive.

    ``nca_step_scale(epoch)`` rises linearly from ``start_scale`` (epoch 1) to 1 (epoch ``1 + ramp_epochs``);
    it multiplies the NCA's sampled step count. ``growth_boost(epoch)`` is the weight of G's growth term
    (mean over cells of max(0, 1 − alpha)); it decays linearly from ``boost`` at epoch 1 to 0 at epoch
    ``1 + boost_decay_epochs`` (constant when ``boost_decay_epochs`` = 0). ``enabled = False``: full step
    count and no bonus from epoch 1.
    """

    def __init__(self, enabled: bool = False, ramp_epochs: int = 0, start_scale: float = 0.25,
                 boost: float = 0.1, boost_decay_epochs: int = 0):
        self.enabled = enabled
        self.ramp_epochs, self.start_scale = ramp_epochs, start_scale
        self.boost, self.boost_decay_epochs = boost, boost_decay_epochs

    def nca_step_scale(self, epoch: int) -> float:
        _check_epoch(epoch)
        if not self.enabled or self.ramp_epochs == 0:
            return 1.0
        progress = min(1.0, (epoch - 1) / self.ramp_epochs)
        return self.start_scale + (1.0 - self.start_scale) * progress

    def growth_boost(self, epoch: int) -> float:
        _check_epoch(epoch)
        if not self.enabled:
            return 0.0
        if self.boost_decay_epochs == 0:
            return self.boost
        return self.boost * max(0.0, 1.0 - (epoch - 1) / self.boost_decay_epochs)
