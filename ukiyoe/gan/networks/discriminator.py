"""CNN discriminator: strided conv blocks down to 4×4, then a linear head that outputs one logit per image."""

from __future__ import annotations

import math

import gin
import torch
from torch import nn

from ukiyoe.common.ranges import Between, PowerOfTwo, declare
from ukiyoe.gan.networks.layers import MinibatchStdDev, kaiming_init, maybe_spectral_norm


@gin.configurable(module="ukiyoe.gan")
@declare(
    resolution=PowerOfTwo(8, 256),
    channels=Between(1),
    max_channels=Between(1),
    dropout=Between(0, 1, high_open=True),
)
class Discriminator(nn.Module):
    """Channels double at each halving from ``channels`` up to ``max_channels``.

    ``dropout`` (active in training mode only) keeps D from memorising the few real images it has seen;
    ``minibatch_stddev`` lets it see a batch's lack of variety; ``spectral_norm`` bounds its slope.
    """

    def __init__(
        self,
        resolution: int = 32,
        channels: int = 64,
        max_channels: int = 256,
        dropout: float = 0.0,
        minibatch_stddev: bool = False,
        spectral_norm: bool = False,
    ):
        super().__init__()
        halvings = math.log2(resolution / 4)
        self.resolution = resolution
        layers: list[nn.Module] = [maybe_spectral_norm(nn.Conv2d(3, channels, 3, padding=1), spectral_norm),
                                   nn.LeakyReLU(0.2)]
        width = channels
        for _ in range(int(halvings)):
            next_width = min(max_channels, width * 2)
            downsample = nn.Conv2d(width, next_width, 4, stride=2, padding=1)
            layers += [maybe_spectral_norm(downsample, spectral_norm), nn.LeakyReLU(0.2)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = next_width
        self.features = nn.Sequential(*layers)
        self.stddev = MinibatchStdDev() if minibatch_stddev else None
        head_in = (width + (1 if minibatch_stddev else 0)) * 16
        self.head = nn.Sequential(
            nn.Flatten(), maybe_spectral_norm(nn.Linear(head_in, width), spectral_norm), nn.LeakyReLU(0.2),
            maybe_spectral_norm(nn.Linear(width, 1), spectral_norm),
        )
        if not spectral_norm:
            kaiming_init(self)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = self.features(image)
        if self.stddev is not None:
            x = self.stddev(x)
        return self.head(x).squeeze(1)
