"""Gradient penalty, R1, label smoothing and instance noise against independent computations."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ukiyoe.common.errors import ConfigError
from ukiyoe.gan.loss import discriminator_loss
from ukiyoe.gan.regularizers import GradientPenalty, InstanceNoise, LabelSmoothing, R1Penalty


def _critic() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 8), nn.Tanh(), nn.Linear(8, 1), nn.Flatten(0))


def _finite_difference_norms(critic: nn.Module, images: torch.Tensor, eps: float = 1e-4) -> torch.Tensor:
    """‖∇critic(x)‖ per image by central differences in float64."""
    critic = critic.double()
    flat = images.double().flatten(1)
    gradient = torch.zeros_like(flat)
    with torch.no_grad():
        for index in range(flat.shape[1]):
            step = torch.zeros_like(flat)
            step[:, index] = eps
            up = critic((flat + step).view_as(images))
            down = critic((flat - step).view_as(images))
            gradient[:, index] = (up - down) / (2 * eps)
    return gradient.norm(dim=1)


def test_gradient_penalty_matches_finite_differences():
    critic = _critic()
    real, fake = torch.randn(3, 3, 4, 4), torch.randn(3, 3, 4, 4)
    torch.manual_seed(7)
    penalty = GradientPenalty(weight=10.0)(critic, real, fake)
    torch.manual_seed(7)
    mix = torch.rand(3, 1, 1, 1)
    norms = _finite_difference_norms(critic, mix * real + (1 - mix) * fake)
    assert penalty.item() == pytest.approx(10.0 * ((norms - 1) ** 2).mean().item(), rel=1e-3)


def test_gradient_penalty_is_differentiable_for_the_critic_and_computed_in_fp32():
    critic = _critic()
    real, fake = torch.randn(2, 3, 4, 4).half(), torch.randn(2, 3, 4, 4).half()
    penalty = GradientPenalty()(critic, real, fake)
    assert penalty.dtype == torch.float32
    penalty.backward()
    assert critic[1].weight.grad is not None and critic[1].weight.grad.abs().sum() > 0


def test_r1_matches_finite_differences_and_scales_with_its_interval():
    critic = _critic()
    real = torch.randn(3, 3, 4, 4)
    norms = _finite_difference_norms(critic, real)
    critic = critic.float()
    expected = 5.0 * (norms**2).mean().item()
    assert R1Penalty(gamma=10.0, interval=1)(critic, real).item() == pytest.approx(expected, rel=1e-3)
    assert R1Penalty(gamma=10.0, interval=4)(critic, real).item() == pytest.approx(4 * expected, rel=1e-3)


def test_smoothed_loss_is_minimised_where_d_believes_reals_with_probability_09():
    smoothing = LabelSmoothing(real_target=0.9)
    logits = torch.linspace(-1, 5, 601, dtype=torch.float64)
    losses = [
        discriminator_loss(
            "non_saturating",
            logit.view(1),
            torch.full((1,), -50.0, dtype=torch.float64),
            smoothing.real_target,
        )
        for logit in logits
    ]
    best = logits[int(torch.stack(losses).argmin())]
    assert torch.sigmoid(best).item() == pytest.approx(0.9, abs=1e-2)


def test_instance_noise_has_the_configured_statistics_and_anneals():
    torch.manual_seed(0)
    images = torch.rand(64, 3, 16, 16)
    noise = InstanceNoise(sigma=0.05)(images, 0.05) - images
    assert noise.mean().item() == pytest.approx(0.0, abs=2e-3)
    assert noise.std().item() == pytest.approx(0.05, rel=0.03)
    annealed = InstanceNoise(sigma=0.05, anneal_epochs=4)
    assert [annealed.sigma_at(e) for e in (1, 3, 5, 9)] == pytest.approx([0.05, 0.025, 0.0, 0.0])


@pytest.mark.parametrize(
    "bad",
    [
        lambda: GradientPenalty(weight=-1),
        lambda: R1Penalty(interval=0),
        lambda: LabelSmoothing(real_target=0.4),
        lambda: InstanceNoise(sigma=-0.1),
    ],
)
def test_bad_regularizer_values_are_config_errors(bad):
    with pytest.raises(ConfigError):
        bad()
