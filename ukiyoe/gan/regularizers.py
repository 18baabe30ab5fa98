"""Regularizers of the discriminator's game: gradient penalty, R1, one-sided label smoothing, instance noise.

Each is a gin configurable that ``GANLoss`` takes as an optional argument; none knows about training loops.
"""

from __future__ import annotations

from collections.abc import Callable

import gin
import torch

from ukiyoe.common.ranges import Between, declare

Critic = Callable[[torch.Tensor], torch.Tensor]


def _input_gradient(critic: Critic, images: torch.Tensor) -> torch.Tensor:
    """d critic(images).sum() / d images in fp32 (autocast off: squared norms overflow in fp16)."""
    device_type = images.device.type
    with torch.autocast(device_type=device_type, enabled=False):
        images = images.detach().float().requires_grad_(True)
        scores = critic(images).float()
        (gradient,) = torch.autograd.grad(scores.sum(), images, create_graph=True)
    return gradient.flatten(1)


@gin.configurable(module="ukiyoe.gan")
@declare(weight=Between(0))
class GradientPenalty:
    """WGAN-GP: weight · E[(‖∇D(x̂)‖ − 1)²] at random interpolates x̂ between real and fake images."""

    def __init__(self, weight: float = 10.0):
        self.weight = weight

    def __call__(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        mix = torch.rand(real.shape[0], 1, 1, 1, device=real.device, dtype=torch.float32)
        interpolates = mix * real.detach().float() + (1.0 - mix) * fake.detach().float()
        norms = _input_gradient(critic, interpolates).norm(dim=1)
        return self.weight * (norms - 1.0).square().mean()


@gin.configurable(module="ukiyoe.gan")
@declare(gamma=Between(0), interval=Between(1))
class R1Penalty:
    """R1: gamma/2 · E[‖∇D(x_real)‖²], applied lazily every ``interval`` D steps (scaled up to match)."""

    def __init__(self, gamma: float = 10.0, interval: int = 16):
        self.gamma = gamma
        self.interval = interval

    def __call__(self, critic: Critic, real: torch.Tensor) -> torch.Tensor:
        squared = _input_gradient(critic, real).square().sum(dim=1)
        return (self.gamma / 2.0) * squared.mean() * self.interval


@gin.configurable(module="ukiyoe.gan")
@declare(real_target=Between(0.5, 1, low_open=True))
class LabelSmoothing:
    """One-sided smoothing: real images are labelled ``real_target`` (< 1) so D never becomes certain."""

    def __init__(self, real_target: float = 0.9):
        self.real_target = real_target


@gin.configurable(module="ukiyoe.gan")
@declare(sigma=Between(0), anneal_epochs=Between(0))
class InstanceNoise:
    """Gaussian noise of std ``sigma`` on D's inputs, so real and fake distributions overlap.

    With ``anneal_epochs`` > 0, sigma decays linearly to zero over epochs 1..anneal_epochs + 1.
    """

    def __init__(self, sigma: float = 0.05, anneal_epochs: int = 0):
        self.sigma = sigma
        self.anneal_epochs = anneal_epochs

    def sigma_at(self, epoch: int) -> float:
        if self.anneal_epochs == 0:
            return self.sigma
        return self.sigma * max(0.0, 1.0 - (epoch - 1) / self.anneal_epochs)

    def __call__(self, images: torch.Tensor, sigma: float | torch.Tensor) -> torch.Tensor:
        """``images`` plus Gaussian noise of scale ``sigma`` (``sigma_at`` an epoch, or its device tensor)."""
        return images + sigma * torch.randn_like(images)
