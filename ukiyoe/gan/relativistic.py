"""R3GAN's objective: the relativistic pairing loss (RpGAN) and zero-centred penalties R1 (reals), R2 (fakes).

RpGAN scores each real image against one fake image, so D cannot satisfy its loss by pushing all fakes into
one region: every fake must lose to its paired real. Alone it is not convergent; with R1 and R2 applied every
D step it is (Huang et al. 2024, "The GAN is dead; long live the GAN!"); lazy penalties broke Stacked MNIST
there, so these are computed on the same forward pass as the loss, every step.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import gin
import torch
from torch.nn import functional as F

from ukiyoe.common.ranges import Between, declare

Critic = Callable[[torch.Tensor], torch.Tensor]


def pairing_loss(winner: torch.Tensor, loser: torch.Tensor) -> torch.Tensor:
    """E[softplus(−(winner − loser))]: D wants each real to beat its fake, G each fake to beat its real."""
    return F.softplus(loser - winner).mean()


@gin.configurable(module="ukiyoe.gan")
@declare(gamma=Between(0), final_gamma=Between(0), decay_epochs=Between(0))
class ZeroCenteredPenalties:
    """gamma/2 · (E‖∇D(real)‖² + E‖∇D(fake)‖²), every D step.

    ``gamma`` moves from ``gamma`` at epoch 1 to ``final_gamma`` at epoch ``1 + decay_epochs`` along a
    half cosine (constant when ``decay_epochs`` is 0): strong early, while D is least smooth, weak late, so
    the penalty stops blurring what G has learned. ``r2 = False`` keeps R1 only (for ablations).
    """

    def __init__(self, gamma: float = 1.0, final_gamma: float | None = None, decay_epochs: int = 0,
                 r2: bool = True):
        final_gamma = gamma if final_gamma is None else final_gamma
        self.gamma, self.final_gamma, self.decay_epochs, self.r2 = gamma, final_gamma, decay_epochs, r2

    def gamma_at(self, epoch: int) -> float:
        if epoch < 1:
            raise ValueError(f"epochs are 1-based, got {epoch}")
        if self.decay_epochs == 0:
            return self.gamma
        progress = min(1.0, (epoch - 1) / self.decay_epochs)
        return self.final_gamma + (self.gamma - self.final_gamma) * 0.5 * (1.0 + math.cos(math.pi * progress))


def scores_and_squared_gradient(critic: Critic, images: torch.Tensor, penalise: bool
                                ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The critic's scores and, when ``penalise``, ‖∇ₓ critic(x)‖² per image from the same forward pass.

    The gradient is taken in fp32 with autocast off (squared norms overflow in fp16) and with
    ``create_graph`` so the penalty itself trains the critic.
    """
    if not penalise:
        return critic(images), None
    with torch.autocast(device_type=images.device.type, enabled=False):
        inputs = images.detach().float().requires_grad_(True)
        scores = critic(inputs).float()
        (gradient,) = torch.autograd.grad(scores.sum(), inputs, create_graph=True)
    return scores, gradient.flatten(1).square().sum(dim=1)


ScoreLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def penalised_objective(critic: Critic, real: torch.Tensor, fake: torch.Tensor, loss_of_scores: ScoreLoss,
                        penalties: ZeroCenteredPenalties | None, gamma: float | torch.Tensor
                        ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """D's loss of its (real, fake) scores plus R1/R2 at ``gamma`` (this epoch's, a float or a device
    tensor), from one forward pass per batch; returns the total and the tensors worth logging."""
    real_scores, real_squared = scores_and_squared_gradient(critic, real, penalties is not None)
    fake_scores, fake_squared = scores_and_squared_gradient(
        critic, fake.detach(), penalties is not None and penalties.r2)
    loss = loss_of_scores(real_scores, fake_scores)
    stats = {"d_real": real_scores.mean(), "d_fake": fake_scores.mean()}
    if real_squared is not None:
        r1 = real_squared.mean()
        loss = loss + (gamma / 2.0) * r1
        stats["r1"] = r1
    if fake_squared is not None:
        r2 = fake_squared.mean()
        loss = loss + (gamma / 2.0) * r2
        stats["r2"] = r2
    return loss, stats
