"""Mapping network z → w: decouples the latent's Gaussian shape from the style space the generator uses."""

from __future__ import annotations

import gin
import torch
from torch import nn

from ukiyoe.common.ranges import Between, declare
from ukiyoe.gan.networks.layers import kaiming_init


@gin.configurable(module="ukiyoe.gan")
@declare(z_dim=Between(1), w_dim=Between(1), num_layers=Between(1), hidden_dim=Between(1))
class MappingNetwork(nn.Module):
    """Normalised z followed by ``num_layers`` linear layers with LeakyReLU(0.2)."""

    def __init__(
        self,
        z_dim: int = 128,
        w_dim: int = 128,
        num_layers: int = 2,
        hidden_dim: int | None = None,
        normalize_z: bool = True,
    ):
        super().__init__()
        self.z_dim = z_dim
        self.w_dim = w_dim
        self.normalize_z = normalize_z
        hidden = hidden_dim or w_dim
        widths = [z_dim] + [hidden] * (num_layers - 1) + [w_dim]
        layers: list[nn.Module] = []
        for index, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
            layers.append(nn.Linear(fan_in, fan_out))
            if index < num_layers - 1:
                layers.append(nn.LeakyReLU(0.2))
        self.net = nn.Sequential(*layers)
        kaiming_init(self.net)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if self.normalize_z:
            z = z * torch.rsqrt(z.square().mean(dim=1, keepdim=True) + 1e-8)
        return self.net(z)
