"""Style-based synthesis network: learned 4×4 input, upsampling conv blocks each ending in AdaIN on w."""

from __future__ import annotations

import math

import gin
import torch
from torch import nn
from torch.nn import functional as F

from ukiyoe.common.ranges import Between, PowerOfTwo, declare, one_of
from ukiyoe.gan.networks.layers import AdaIN, NoiseInput, kaiming_init

START_RESOLUTION = 4


class StyleBlock(nn.Module):
    """conv 3×3 → noise → LeakyReLU(0.2) → AdaIN(w); upsamples ×2 first when ``upsample``."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, upsample: bool, noise: bool,
                 adain_normalize: bool, style_scale_bias_init: float):
        super().__init__()
        self.upsample = upsample
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.noise = NoiseInput(out_channels) if noise else nn.Identity()
        self.adain = AdaIN(out_channels, w_dim, adain_normalize, style_scale_bias_init)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        if self.upsample:
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        x = F.leaky_relu(self.noise(self.conv(x)), 0.2)
        return self.adain(x, w)


# w_dim comes from the mapping network (Generator passes it), so gin may not bind it here.
@gin.configurable(module="ukiyoe.gan", denylist=["w_dim"])
@declare(
    resolution=PowerOfTwo(8, 256),
    channels=Between(1),
    min_channels=Between(1),
    init=one_of("kaiming", "default"),
)
class SynthesisNetwork(nn.Module):
    """Maps w to an RGB image in [-1, 1] at ``resolution`` (a power of two, 8–256).

    Channels start at ``channels`` at 4×4 and halve at each doubling down to ``min_channels``.
    ``init="kaiming"`` uses He init (a=0.2) for every conv; ``"default"`` keeps PyTorch's init. The defaults
    reproduce the seed's original styling (no normalisation, scales starting near 0, PyTorch init);
    ``experiments/fixes/generator_init.gin`` turns on Kaiming init and proper AdaIN.
    """

    def __init__(
        self,
        resolution: int = 32,
        w_dim: int = 128,
        channels: int = 256,
        min_channels: int = 32,
        learned_input: bool = True,
        noise: bool = True,
        adain_normalize: bool = False,
        style_scale_bias_init: float = 0.0,
        init: str = "default",
    ):
        super().__init__()
        doublings = math.log2(resolution / START_RESOLUTION)
        self.resolution = resolution
        self.w_dim = w_dim
        input_tensor = torch.randn(1, channels, START_RESOLUTION, START_RESOLUTION)
        if learned_input:
            self.input = nn.Parameter(input_tensor)
        else:
            self.register_buffer("input", torch.ones_like(input_tensor))
        block_options = dict(w_dim=w_dim, noise=noise, adain_normalize=adain_normalize,
                             style_scale_bias_init=style_scale_bias_init)
        blocks = [StyleBlock(channels, channels, upsample=False, **block_options)]
        width = channels
        for _ in range(int(doublings)):
            next_width = max(min_channels, width // 2)
            blocks.append(StyleBlock(width, next_width, upsample=True, **block_options))
            width = next_width
        self.blocks = nn.ModuleList(blocks)
        self.to_rgb = nn.Conv2d(width, 3, 1)
        if init == "kaiming":
            for block in self.blocks:
                kaiming_init(block.conv)
            kaiming_init(self.to_rgb)

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        x = self.input.expand(w.shape[0], -1, -1, -1)
        for block in self.blocks:
            x = block(x, w)
        return torch.tanh(self.to_rgb(x))
