"""Toy gin configurables for the config compiler's tests (names distinct from ukiyoe's real ones)."""

from __future__ import annotations

import gin


@gin.configurable(module="config_toy")
class ToyGenerator:
    def __init__(self, z_dim: int = 128, channels: int = 64, use_nca: bool = True, blocks=(4, 8)):
        self.z_dim = z_dim


@gin.configurable(module="config_toy")
class ToyOptimizer:
    def __init__(
        self, params=None, lr: float = 0.001, betas=(0.0, 0.99), eps: float = 1e-8, scale=float("inf")
    ):
        self.lr = lr


@gin.configurable(module="config_toy")
def toy_build_optimizers(generator=gin.REQUIRED, generator_lr: float = 2e-4, discriminator_lr: float = 2e-4,
                         nca_lr: float = 1e-4, factory=None):
    return generator_lr, discriminator_lr, nca_lr, factory


@gin.configurable(module="config_toy")
def toy_train(epochs: int = 1, batch_size: int = 8, seed: int = 0, dropout: float = 0.0, tag: str = "run"):
    return epochs, batch_size, seed, dropout, tag
