"""The one place where the gin-configured parts of the GAN are constructed and wired together.

Consumers receive what they need (``GANLoss`` its schedules, ``build_optimizers`` its learning rates), so
no object builds another behind the caller's back. Gin must hold the experiment's config
(``config.activate``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
