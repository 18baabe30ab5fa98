"""Small building blocks shared by the networks: style modulation, noise inputs, initialisation, norms."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class AdaIN(nn.Module):
    """Adaptive instance normalisation: per-channel scale and bias predicted from the style vector w.

    With ``normalize`` the features are instance-normalised first, so the style alone sets their statistics.
    ``scale_bias_init = 1`` starts every scale at 1 (an identity style); 0 starts the scales near zero, which
    shrinks the signal layer after layer (the seed's original, badly conditioned version).
    """

    def __init__(self, channels: int, w_dim: int, normalize: bool = True, scale_bias_init: float = 1.0):
        super().__init__()
        self.normalize = normalize
        self.style = nn.Linear(w_dim, 2 * channels)
        nn.init.zeros_(self.style.bias)
        with torch.no_grad():
            self.style.bias[:channels].fill_(scale_bias_init)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        scale, bias = self.style(w)[:, :, None, None].chunk(2, dim=1)
        if self.normalize:
            x = F.instance_norm(x, eps=1e-5)
        return scale * x + bias


class NoiseInput(nn.Module):
    """Adds per-pixel Gaussian noise with a learned per-channel strength that starts at zero (StyleGAN)."""

    def __init__(self, channels: int):
        super().__init__()
        self.strength = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        noise = torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], device=x.device, dtype=x.dtype)
        return x + self.strength * noise


class MinibatchStdDev(nn.Module):
    """Appends the mean across channels of the per-feature batch standard deviation (PGGAN).

    A collapsed generator produces batches with low variance; this channel lets D see it directly.
    """

    def __init__(self, group_size: int = 4):
        super().__init__()
        self.group_size = group_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = x.shape
        group = min(self.group_size, batch)
        while batch % group:
            group -= 1
        y = x.reshape(group, -1, channels, height, width)
        y = (y.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=(1, 2, 3))
        y = y.reshape(-1, 1, 1, 1).repeat(group, 1, height, width)
        return torch.cat([x, y], dim=1)


def kaiming_init(module: nn.Module, negative_slope: float = 0.2) -> None:
    """He init (LeakyReLU slope ``a``) for every conv/linear weight under ``module``; zero biases."""
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d | nn.Linear):
            nn.init.kaiming_normal_(layer.weight, a=negative_slope, nonlinearity="leaky_relu")
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


def maybe_spectral_norm(layer: nn.Module, enabled: bool) -> nn.Module:
    """Wraps ``layer`` in spectral normalisation when ``enabled`` (bounds its Lipschitz constant)."""
    return nn.utils.parametrizations.spectral_norm(layer) if enabled else layer
