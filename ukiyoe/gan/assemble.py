"""The one place where the gin-configured parts of the GAN are constructed and wired together.

Consumers receive what they need (``GANLoss`` its schedules, ``build_optimizers`` its learning rates), so
no object builds another behind the caller's back. Gin must hold the experiment's config
(``config.activate``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from ukiyoe.gan.loss import GANLoss
from ukiyoe.gan.networks import Generator, Networks, build_networks, make_ema
from ukiyoe.gan.optim import build_optimizers
from ukiyoe.gan.schedules import GrowthCurriculum, IsolationSchedule, LearningRates, NCriticSchedule

# The gin modules of the GAN: what a consumer that only samples must register before activating a config.
GAN_MODULES = ("ukiyoe.gan",)


@dataclass(frozen=True)
class Schedules:
    """Every pure function of the epoch the loop and the loss consult."""

    learning_rates: LearningRates
    n_critic: NCriticSchedule
    isolation: IsolationSchedule
    growth: GrowthCurriculum


@dataclass
class Experiment:
    """Everything a training run trains, built from one config."""

    networks: Networks
    ema: torch.nn.Module
    loss: GANLoss
    optimizers: dict[str, torch.optim.Optimizer]
    schedules: Schedules

    def state_dict(self) -> dict[str, Any]:
        """Weights, EMA weights, optimizer moments and loss state (the schedules are pure functions)."""
        return {
            "networks": {name: module.state_dict() for name, module in self.networks.modules().items()},
            "ema": self.ema.state_dict(),
            "optimizers": {name: optimizer.state_dict() for name, optimizer in self.optimizers.items()},
            "loss": self.loss.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name, module in self.networks.modules().items():
            module.load_state_dict(state["networks"][name])
        self.ema.load_state_dict(state["ema"])
        for name, optimizer in self.optimizers.items():
            optimizer.load_state_dict(state["optimizers"][name])
        self.loss.load_state_dict(state["loss"])


def assemble(prepare: Callable[[Networks], None] | None = None, fused: bool = False) -> Experiment:
    """Build the experiment from the active gin config.

    ``prepare`` runs on the fresh networks before the EMA copy and the optimizers are taken (device
    placement, memory format, broadcasting, compilation); ``fused`` selects fused Adam kernels.
    """
    networks = build_networks()
    if prepare is not None:
        prepare(networks)
    schedules = Schedules(LearningRates(), NCriticSchedule(), IsolationSchedule(), GrowthCurriculum())
    loss = GANLoss(networks, schedules.isolation, schedules.growth)
    optimizers = build_optimizers(networks, schedules.learning_rates, fused=fused)
    return Experiment(networks, make_ema(networks.generator), loss, optimizers, schedules)


def assemble_generator() -> Generator:
    """The generator alone, as the active config describes it (for loading trained weights)."""
    return Generator()
