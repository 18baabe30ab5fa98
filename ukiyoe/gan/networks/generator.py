"""The generator as one module (mapping + synthesis + NCA, so one EMA copy covers all) and the network set."""

from __future__ import annotations

from dataclasses import dataclass

import gin
import torch
from torch import nn

from ukiyoe.common.errors import ConfigError
from ukiyoe.gan.networks.critic import TransformerCritic
from ukiyoe.gan.networks.discriminator import Discriminator
from ukiyoe.gan.networks.mapping import MappingNetwork
from ukiyoe.gan.networks.nca import NCARefiner
from ukiyoe.gan.networks.synthesis import SynthesisNetwork


@dataclass
class GeneratorOutput:
    """An image batch in [-1, 1] with what produced it; NCA fields are None when there is no refiner."""

    image: torch.Tensor
    w: torch.Tensor
    alive_ratio: torch.Tensor | None = None
    growth_deficit: torch.Tensor | None = None
    nca_steps: int = 0


@gin.configurable(module="ukiyoe.gan")
class Generator(nn.Module):
    """z → MappingNetwork → w → SynthesisNetwork → image → NCARefiner(image, w) → refined image in [-1, 1]."""

    def __init__(self, use_nca: bool = True):
        super().__init__()
        self.mapping = MappingNetwork()
        self.synthesis = SynthesisNetwork(w_dim=self.mapping.w_dim)
        self.nca = NCARefiner(w_dim=self.mapping.w_dim) if use_nca else None

    @property
    def z_dim(self) -> int:
        return self.mapping.z_dim

    @property
    def resolution(self) -> int:
        return self.synthesis.resolution

    def synthesize(self, z: torch.Tensor, nca_step_scale: float = 1.0, nca_steps: int | None = None
                   ) -> GeneratorOutput:
        """The full output; ``nca_step_scale`` lets a curriculum shorten the automaton's run early on."""
        w = self.mapping(z)
        image = self.synthesis(w)
        if self.nca is None:
            return GeneratorOutput(image, w)
        refined = self.nca(image, w, steps=nca_steps, step_scale=nca_step_scale)
        return GeneratorOutput(refined.image, w, refined.alive_ratio, refined.growth_deficit, refined.steps)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.synthesize(z).image


@dataclass
class Networks:
    """Every trainable network of one experiment; ``critic`` is None when the experiment has none."""

    generator: Generator
    discriminator: Discriminator
    critic: TransformerCritic | None

    def to(self, device: torch.device | str) -> Networks:
        for module in self.modules().values():
            module.to(device)
        return self

    def modules(self) -> dict[str, nn.Module]:
        found = {"generator": self.generator, "discriminator": self.discriminator, "critic": self.critic}
        return {name: module for name, module in found.items() if module is not None}


@gin.configurable(module="ukiyoe.gan")
def build_networks(use_critic: bool = True) -> Networks:
    """Constructs the networks from gin bindings and checks that they agree on the image size."""
    generator = Generator()
    discriminator = Discriminator()
    critic = TransformerCritic() if use_critic else None
    if discriminator.resolution != generator.resolution:
        raise ConfigError(f"Discriminator.resolution: {discriminator.resolution} differs from "
                          f"SynthesisNetwork.resolution {generator.resolution}")
    if critic is not None and critic.image_size != generator.resolution:
        raise ConfigError(f"TransformerCritic.image_size: {critic.image_size} differs from "
                          f"SynthesisNetwork.resolution {generator.resolution}")
    return Networks(generator, discriminator, critic)
