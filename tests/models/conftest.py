"""Tiny, fast network configurations for the model tests (gin bindings, cleared after each test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import gin
import pytest
import torch

import ukiyoe.gan.loss
import ukiyoe.gan.networks
import ukiyoe.gan.optim
import ukiyoe.gan.regularizers
import ukiyoe.gan.schedules  # noqa: F401  (registers configurables)

TINY = """
MappingNetwork.z_dim = 16
MappingNetwork.w_dim = 16
SynthesisNetwork.resolution = {resolution}
SynthesisNetwork.channels = 16
SynthesisNetwork.min_channels = 8
NCARefiner.hidden_channels = 4
NCARefiner.update_channels = 8
NCARefiner.conditioning_hidden = 8
NCARefiner.min_steps = 2
NCARefiner.max_steps = 3
Discriminator.resolution = {resolution}
Discriminator.channels = 8
Discriminator.max_channels = 16
TransformerCritic.image_size = {resolution}
TransformerCritic.patch_size = {patch}
TransformerCritic.dim = 16
TransformerCritic.depth = 1
TransformerCritic.heads = 2
"""


@pytest.fixture(autouse=True)
def _isolated_gin_and_threads() -> Iterator[None]:
    torch.set_num_threads(1)
    gin.clear_config()
    yield
    gin.clear_config()


@pytest.fixture
def configure() -> Callable[..., None]:
    """Binds the tiny networks at ``resolution`` plus any extra gin lines."""

    def apply(*lines: str, resolution: int = 16) -> None:
        text = TINY.format(resolution=resolution, patch=max(4, resolution // 8))
        gin.parse_config(text + "\n".join(lines))

    return apply
