"""R3GAN's objective: R1/R2 against finite differences, RpGAN's symmetry, the gamma schedule, wiring."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from ukiyoe.common.errors import ConfigError
from ukiyoe.gan.loss import GANLoss, discriminator_loss, generator_loss
from ukiyoe.gan.networks import build_networks
from ukiyoe.gan.relativistic import ZeroCenteredPenalties, pairing_loss, penalised_objective
from ukiyoe.gan.schedules import GrowthCurriculum, IsolationSchedule

SHAPE = (3, 3, 4, 4)


def _smooth_critic(seed: int) -> nn.Module:
    """A small smooth critic (tanh), in float64, so central differences are accurate."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Tanh(), nn.Flatten(), nn.Linear(64, 1),
                         nn.Flatten(0)).double()


def _finite_difference_gradient(critic: nn.Module, image: torch.Tensor, step: float = 1e-5) -> torch.Tensor:
    """d critic(image) / d image by central differences, one input coordinate at a time."""
    flat = image.detach().clone().flatten()
    gradient = torch.empty_like(flat)
    with torch.no_grad():
        for index in range(flat.numel()):
            plus, minus = flat.clone(), flat.clone()
            plus[index] += step
            minus[index] -= step
            gradient[index] = (critic(plus.view(1, *image.shape)) - critic(minus.view(1, *image.shape))
                               ).item() / (2 * step)
    return gradient


def _float64_objective(critic, real, fake, penalties, epoch=1):
    # the penalties take input gradients in fp32 by design; a float64 critic keeps its own precision
    with torch.autocast("cpu", enabled=False):
        return penalised_objective(lambda x: critic(x.double()), real, fake,
                                   lambda r, f: pairing_loss(r, f), penalties, penalties.gamma_at(epoch))


@pytest.mark.parametrize("seed", [0, 1])
def test_r1_and_r2_match_finite_difference_gradient_norms(seed):
    critic = _smooth_critic(seed)
    generator = torch.Generator().manual_seed(seed + 10)
    real = torch.rand(SHAPE, generator=generator, dtype=torch.float64) * 2 - 1
    fake = torch.rand(SHAPE, generator=generator, dtype=torch.float64) * 2 - 1
    _, stats = _float64_objective(critic, real, fake, ZeroCenteredPenalties(gamma=1.0))
    for name, images in (("r1", real), ("r2", fake)):
        at_fp32 = images.float().double()  # the penalties differentiate at the fp32-rounded inputs
        squared = [_finite_difference_gradient(critic, image).square().sum() for image in at_fp32]
        expected = torch.stack(squared).mean().item()
        assert stats[name].item() == pytest.approx(expected, rel=1e-4), name
        assert expected > 1e-6  # the check is not vacuous


def test_the_penalty_trains_the_critic_its_parameter_gradient_matches_finite_differences():
    critic = _smooth_critic(3)
    real = torch.rand(SHAPE, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    penalties = ZeroCenteredPenalties(gamma=2.0, r2=False)

    def penalty_only() -> torch.Tensor:
        _, stats = _float64_objective(critic, real, real.flip(0), penalties)
        return stats["r1"]

    penalty_only().backward()
    weight = critic[3].weight
    analytic = weight.grad[0, :5].clone()
    numeric = []
    for index in range(5):
        original = weight[0, index].item()
        values = []
        for shifted in (original + 1e-3, original - 1e-3):  # R1 is fp32: a wide step
            with torch.no_grad():
                weight[0, index] = shifted
            values.append(penalty_only().item())
        with torch.no_grad():
            weight[0, index] = original
        numeric.append((values[0] - values[1]) / 2e-3)
    assert torch.allclose(analytic.float(), torch.tensor(numeric), rtol=2e-3, atol=1e-5)
    assert analytic.abs().max() > 1e-6


def test_total_is_pairing_loss_plus_half_gamma_times_both_penalties():
    critic = _smooth_critic(5)
    real, fake = torch.rand(SHAPE, dtype=torch.float64), torch.rand(SHAPE, dtype=torch.float64)
    total, stats = _float64_objective(critic, real, fake, ZeroCenteredPenalties(gamma=0.4))
    expected = pairing_loss(critic(real.float().double()), critic(fake.float().double()))
    assert total.item() == pytest.approx((expected + 0.2 * (stats["r1"] + stats["r2"])).item(), rel=1e-6)
    _, only_r1 = _float64_objective(critic, real, fake, ZeroCenteredPenalties(gamma=0.4, r2=False))
    assert "r2" not in only_r1 and "r1" in only_r1


def test_rpgan_is_symmetric_under_swapping_the_roles_of_real_and_fake():
    scores = torch.Generator().manual_seed(7)
    real, fake = torch.randn(64, generator=scores), torch.randn(64, generator=scores)
    d_loss = discriminator_loss("relativistic", real, fake)
    # G's loss is D's loss with the roles swapped: fakes play the reals' part
    assert generator_loss("relativistic", fake, real) == pytest.approx(
        discriminator_loss("relativistic", fake, real).item())
    assert generator_loss("relativistic", real, fake) == pytest.approx(d_loss.item())
    # only differences matter: shifting every score changes nothing (unlike the non-saturating loss)
    assert discriminator_loss("relativistic", real + 3.0, fake + 3.0) == pytest.approx(d_loss.item())
    assert discriminator_loss("non_saturating", real + 3.0, fake + 3.0) != pytest.approx(
        discriminator_loss("non_saturating", real, fake).item())
    # softplus(-x) - softplus(x) = -x: the two roles' losses differ by the mean score gap
    gap = (real - fake).mean().item()
    assert (discriminator_loss("relativistic", fake, real) - d_loss).item() == pytest.approx(gap)
    with pytest.raises(ValueError, match="paired reals"):
        generator_loss("relativistic", fake)


def test_gamma_follows_a_half_cosine_from_gamma_to_final_gamma():
    schedule = ZeroCenteredPenalties(gamma=1.0, final_gamma=0.1, decay_epochs=10)
    values = [schedule.gamma_at(epoch) for epoch in range(1, 15)]
    assert values[0] == 1.0 and values[10] == pytest.approx(0.1) and values[13] == pytest.approx(0.1)
    assert values[5] == pytest.approx(0.55)
    assert all(a >= b for a, b in zip(values, values[1:], strict=False))
    assert ZeroCenteredPenalties(gamma=0.5).gamma_at(100) == 0.5
    with pytest.raises(ConfigError, match="decay_epochs"):
        ZeroCenteredPenalties(decay_epochs=-1)
    with pytest.raises(ConfigError, match="gamma"):
        ZeroCenteredPenalties(gamma=-1.0)


def test_gan_loss_relativistic_phases_fill_the_right_gradients(configure):
    configure("GANLoss.loss_type = 'relativistic'", "GANLoss.zero_centered = @ZeroCenteredPenalties()",
              "ZeroCenteredPenalties.gamma = 1.0")
    torch.manual_seed(0)
    networks = build_networks()
    loss = GANLoss(networks, IsolationSchedule(), GrowthCurriculum())
    real, z = torch.rand(4, 3, 16, 16) * 2 - 1, torch.randn(4, networks.generator.z_dim)
    stats = loss.accumulate_gradients("D", real, z, 1)
    assert {"r1", "r2", "d_real", "d_fake"} <= set(stats) and stats["gamma"] == 1.0
    assert all(math.isfinite(value) for value in stats.values())
    assert all(p.grad is None for p in networks.generator.parameters())
    assert any(p.grad is not None and p.grad.any() for p in networks.discriminator.parameters())
    for module in networks.modules().values():
        module.zero_grad(set_to_none=True)
    stats = loss.accumulate_gradients("G", real, z, 1)
    assert math.isfinite(stats["g_adversarial"])
    assert all(p.grad is None for p in networks.discriminator.parameters())
    assert any(p.grad is not None and p.grad.any() for p in networks.generator.synthesis.parameters())
