"""One Adam per network, each starting at its own learning rate from the ``LearningRates`` it is given."""

from __future__ import annotations

import gin
import torch
from torch import nn

from ukiyoe.common.ranges import Between, Each, declare
from ukiyoe.gan.networks import Networks
from ukiyoe.gan.schedules import LearningRates


# ``fused`` is the training loop's choice (it depends on the device), not the experiment's.
@gin.configurable(module="ukiyoe.gan", denylist=["learning_rates", "fused"])
@declare(
    betas=Each(Between(0, 1, high_open=True)),
    critic_betas=Each(Between(0, 1, high_open=True)),
    eps=Between(0, low_open=True),
)
def build_optimizers(
    networks: Networks,
    learning_rates: LearningRates,
    fused: bool = False,
    betas: tuple[float, float] = (0.5, 0.999),
    critic_betas: tuple[float, float] | None = None,
    eps: float = 1e-8,
) -> dict[str, torch.optim.Optimizer]:
    """``generator`` (mapping + synthesis), ``nca``, ``discriminator`` and ``critic`` (when present).

    ``fused`` selects PyTorch's fused Adam kernel (CUDA); the loop decides. ``critic_betas`` defaults to
    ``betas``.
    """
    generator = networks.generator
    groups: dict[str, list[nn.Parameter]] = {
        "generator": [*generator.mapping.parameters(), *generator.synthesis.parameters()],
        "discriminator": list(networks.discriminator.parameters()),
    }
    if generator.nca is not None:
        groups["nca"] = list(generator.nca.parameters())
    if networks.critic is not None:
        groups["critic"] = list(networks.critic.parameters())
    options = {"eps": eps, "fused": True} if fused else {"eps": eps}
    return {
        name: torch.optim.Adam(params, lr=learning_rates.at(name, 1), betas=_betas(name, betas, critic_betas),
                               **options)
        for name, params in groups.items()
    }


Betas = tuple[float, float]


def _betas(name: str, betas: Betas, critic_betas: Betas | None) -> Betas:
    chosen = critic_betas if name == "critic" and critic_betas is not None else betas
    return (float(chosen[0]), float(chosen[1]))
