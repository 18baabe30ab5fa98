"""The adversarial objective: one ``GANLoss`` whose phases compute a loss and call ``backward()``.

Phases: ``"D"`` (discriminator, with gradient penalty or R1 + R2 when configured), ``"Dreg"`` (lazy R1,
every ``dreg_interval`` D steps), ``"critic"`` (transformer critic, trained on detached samples) and ``"G"``
(generator + NCA against D, plus the critic's term once ``IsolationSchedule`` lets it in, plus the growth
bonus). The training loop owns the optimizers and their steps; this module only fills gradients.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import gin
import torch
from torch import nn
from torch.nn import functional as F

from ukiyoe.common.errors import CheckpointError, ConfigError
from ukiyoe.common.ranges import declare, one_of
from ukiyoe.gan.networks import Networks
from ukiyoe.gan.regularizers import GradientPenalty, InstanceNoise, LabelSmoothing, R1Penalty
from ukiyoe.gan.relativistic import ZeroCenteredPenalties, pairing_loss, penalised_objective
from ukiyoe.gan.schedules import GrowthCurriculum, IsolationSchedule

LOSS_TYPES = ("non_saturating", "hinge", "wasserstein", "relativistic")
PHASES = ("D", "Dreg", "critic", "G")
# What a phase reports: measured values as detached device tensors, schedule values as floats.
Stats = dict[str, torch.Tensor | float]
# The schedule numbers whose sign picks what a phase computes (zero skips a term); the others only scale it.
BRANCHING_NUMBERS = frozenset({"instance_noise", "critic_weight", "growth_boost", "critic_trains"})


def discriminator_loss(loss_type: str, real: torch.Tensor, fake: torch.Tensor, real_target: float = 1.0
                       ) -> torch.Tensor:
    """D's loss from its raw scores (logits) on real and fake images."""
    if loss_type == "non_saturating":
        real_term = F.binary_cross_entropy_with_logits(real, torch.full_like(real, real_target))
        return real_term + F.softplus(fake).mean()
    if loss_type == "hinge":
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()
    if loss_type == "relativistic":
        return pairing_loss(real, fake)
    return fake.mean() - real.mean()


def generator_loss(loss_type: str, fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
    """G's loss from an adversary's raw scores on its images (and, relativistic, on the paired reals)."""
    if loss_type == "relativistic":
        if real is None:
            raise ValueError("the relativistic generator loss needs the scores of the paired reals")
        return pairing_loss(fake, real.detach())
    return F.softplus(-fake).mean() if loss_type == "non_saturating" else -fake.mean()


@contextmanager
def frozen(*modules: nn.Module | None) -> Iterator[None]:
    """Turns off ``requires_grad`` of the modules' parameters for the block, so no gradient lands there."""
    params = [p for module in modules if module is not None for p in module.parameters()]
    previous = [p.requires_grad for p in params]
    for param in params:
        param.requires_grad_(False)
    try:
        yield
    finally:
        for param, flag in zip(params, previous, strict=True):
            param.requires_grad_(flag)


# The networks and schedules come from ``assemble``; gin binds only the objective's own choices.
@gin.configurable(module="ukiyoe.gan", denylist=["networks", "isolation", "growth"])
@declare(loss_type=one_of(*LOSS_TYPES), critic_loss_type=one_of(*LOSS_TYPES))
class GANLoss:
    """``loss_type`` for D and G; ``critic_loss_type`` (default: the same) for the transformer critic.

    ``zero_centered`` adds R1 + R2 to every D step (with the relativistic loss: R3GAN's objective).
    ``adaptive_critic_weight`` scales the critic's term by ‖∇L_D‖/‖∇L_critic‖ at G's last layer (VQGAN),
    on top of the isolation ramp, so the critic never dominates G's update whatever its score scale.
    """

    def __init__(
        self,
        networks: Networks,
        isolation: IsolationSchedule,
        growth: GrowthCurriculum,
        loss_type: str = "non_saturating",
        critic_loss_type: str | None = None,
        gradient_penalty: GradientPenalty | None = None,
        r1: R1Penalty | None = None,
        label_smoothing: LabelSmoothing | None = None,
        instance_noise: InstanceNoise | None = None,
        zero_centered: ZeroCenteredPenalties | None = None,
        critic_gradient_penalty: GradientPenalty | None = None,
        adaptive_critic_weight: bool = False,
    ):
        critic_loss_type = critic_loss_type or loss_type
        if label_smoothing is not None and loss_type != "non_saturating":
            raise ConfigError(f"GANLoss.label_smoothing: needs loss_type non_saturating, got {loss_type!r}")
        self.networks = networks
        self.loss_type, self.critic_loss_type = loss_type, critic_loss_type
        self.gradient_penalty, self.r1 = gradient_penalty, r1
        self.label_smoothing, self.instance_noise = label_smoothing, instance_noise
        self.critic_gradient_penalty = critic_gradient_penalty
        self.zero_centered = zero_centered
        self.adaptive_critic_weight = adaptive_critic_weight
        self.isolation, self.growth = isolation, growth
        # Set by a CUDA-graph runner: the device tensors it fills with ``schedule_numbers`` before a phase.
        self.recorded_numbers: dict[str, torch.Tensor] | None = None

    @property
    def dreg_interval(self) -> int | None:
        """D steps between lazy R1 phases; None when R1 is not configured."""
        return self.r1.interval if self.r1 is not None else None

    def state_dict(self) -> dict[str, Any]:
        """Empty: every schedule is a pure function of the epoch. Kept so checkpoints need no special case."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state:
            raise CheckpointError(f"GANLoss state: unexpected keys {sorted(state)}")

    def synthesizes(self, phase: str, epoch: int) -> bool:
        """Whether ``phase`` runs the generator at ``epoch`` (and so draws an NCA step count)."""
        if phase == "critic":
            return self.networks.critic is not None and self.isolation.critic_trains(epoch)
        return phase in ("D", "G")

    def schedule_numbers(self, phase: str, epoch: int) -> dict[str, float]:
        """Every epoch-dependent number ``phase`` uses, under the name it is logged by. New schedules belong
        here: a phase recorded into a CUDA graph reads them from ``recorded_numbers`` (device tensors its
        runner fills before each replay), so a schedule moving needs no new recording."""
        if phase == "critic":
            return {"critic_trains": float(self.isolation.critic_trains(epoch))}
        numbers = {"instance_noise": self._sigma(epoch)}
        if phase == "G":
            weight = self.isolation.weight(epoch) if self.networks.critic is not None else 0.0
            return {**numbers, "critic_weight": weight, "isolation_phase": float(self.isolation.phase(epoch)),
                    "growth_boost": self.growth.growth_boost(epoch)}
        if self.zero_centered is not None:
            numbers["gamma"] = self.zero_centered.gamma_at(epoch)
        return numbers

    def _number(self, name: str, value: float) -> float | torch.Tensor:
        """``value`` as the phase uses it: the float, or inside a recorded phase its device tensor."""
        return value if self.recorded_numbers is None else self.recorded_numbers[name]

    def accumulate_gradients(self, phase: str, real: torch.Tensor, z: torch.Tensor, epoch: int
                             ) -> Stats:
        """Computes ``phase``'s loss, calls ``backward()`` and returns the numbers worth logging.

        Measured values are detached device tensors (reading them is the caller's choice: a host read per
        step stalls the GPU); schedule values are floats.
        """
        if phase == "D":
            return self._discriminator(real, z, epoch)
        if phase == "Dreg":
            return self._discriminator_r1(real, epoch)
        if phase == "critic":
            return self._critic(real, z, epoch)
        if phase == "G":
            return self._generator(real, z, epoch)
        raise ValueError(f"unknown phase {phase!r}; expected one of {PHASES}")

    def _sigma(self, epoch: int) -> float:
        return self.instance_noise.sigma_at(epoch) if self.instance_noise is not None else 0.0

    def _noisy(self, images: torch.Tensor, epoch: int) -> torch.Tensor:
        sigma = self._sigma(epoch)
        if self.instance_noise is None or sigma == 0:
            return images
        return self.instance_noise(images, self._number("instance_noise", sigma))

    def _fakes(self, z: torch.Tensor, epoch: int) -> torch.Tensor:
        with torch.no_grad():
            return self.networks.generator.synthesize(z, self.growth.nca_step_scale(epoch)).image

    def _discriminator(self, real: torch.Tensor, z: torch.Tensor, epoch: int) -> Stats:
        discriminator = self.networks.discriminator
        real_in, fake_in = self._noisy(real, epoch), self._noisy(self._fakes(z, epoch), epoch)
        target = self.label_smoothing.real_target if self.label_smoothing is not None else 1.0
        if self.zero_centered is not None:
            return self._zero_centered_discriminator(real_in, fake_in, target, epoch)
        real_scores, fake_scores = discriminator(real_in), discriminator(fake_in)
        loss = discriminator_loss(self.loss_type, real_scores, fake_scores, target)
        stats = {"d_real": real_scores.mean().detach(), "d_fake": fake_scores.mean().detach()}
        if self.gradient_penalty is not None:
            penalty = self.gradient_penalty(discriminator, real_in, fake_in)
            loss = loss + penalty
            stats["gradient_penalty"] = penalty.detach()
        loss.backward()
        return {"d_loss": loss.detach(), **stats, "instance_noise": self._sigma(epoch)}

    def _zero_centered_discriminator(self, real: torch.Tensor, fake: torch.Tensor, target: float, epoch: int
                                     ) -> Stats:
        """D's step with R1 + R2 taken on the loss's own forward passes."""
        def loss_of_scores(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
            return discriminator_loss(self.loss_type, real_scores, fake_scores, target)

        discriminator, penalties = self.networks.discriminator, self.zero_centered
        gamma = self.schedule_numbers("D", epoch)["gamma"]
        loss, stats = penalised_objective(discriminator, real, fake, loss_of_scores, penalties,
                                          self._number("gamma", gamma))
        if self.gradient_penalty is not None:
            loss = loss + self.gradient_penalty(discriminator, real, fake)
        loss.backward()
        return {"d_loss": loss.detach(), **{k: v.detach() for k, v in stats.items()}, "gamma": gamma}

    @staticmethod
    def _real_scores(adversary: nn.Module, loss_type: str, real: torch.Tensor) -> torch.Tensor | None:
        """The adversary's scores on the reals G's fakes are paired with (relativistic losses only)."""
        if loss_type != "relativistic":
            return None
        with torch.no_grad():
            return adversary(real)

    def _discriminator_r1(self, real: torch.Tensor, epoch: int) -> Stats:
        if self.r1 is None:
            return {}
        penalty = self.r1(self.networks.discriminator, self._noisy(real, epoch))
        penalty.backward()
        return {"r1": penalty.detach()}

    def _critic(self, real: torch.Tensor, z: torch.Tensor, epoch: int) -> Stats:
        critic = self.networks.critic
        if critic is None:
            return {}
        if not self.isolation.critic_trains(epoch):
            return {"critic_trains": 0.0}
        fake = self._fakes(z, epoch)
        real_scores, fake_scores = critic(real), critic(fake)
        loss = discriminator_loss(self.critic_loss_type, real_scores, fake_scores)
        stats = {"critic_real": real_scores.mean().detach(), "critic_fake": fake_scores.mean().detach()}
        if self.critic_gradient_penalty is not None:
            penalty = self.critic_gradient_penalty(critic, real, fake)
            loss = loss + penalty
            stats["critic_gradient_penalty"] = penalty.detach()
        loss.backward()
        return {"critic_loss": loss.detach(), **stats, "critic_trains": 1.0}

    def _generator(self, real: torch.Tensor, z: torch.Tensor, epoch: int) -> Stats:
        networks = self.networks
        numbers = self.schedule_numbers("G", epoch)
        weight, boost = numbers["critic_weight"], numbers["growth_boost"]
        with frozen(networks.discriminator, networks.critic):
            output = networks.generator.synthesize(z, self.growth.nca_step_scale(epoch))
            scores = networks.discriminator(self._noisy(output.image, epoch))
            paired = self._real_scores(networks.discriminator, self.loss_type, self._noisy(real, epoch))
            adversarial = generator_loss(self.loss_type, scores, paired)
            total = adversarial
            stats = {"g_adversarial": adversarial.detach()}
            if weight > 0:
                critic_real = self._real_scores(networks.critic, self.critic_loss_type, real)
                critic_scores = networks.critic(output.image)
                critic_term = generator_loss(self.critic_loss_type, critic_scores, critic_real)
                scale = self._number("critic_weight", weight)
                if self.adaptive_critic_weight:  # the weight reported is then the measured one
                    scale = scale * self._adaptive_weight(adversarial, critic_term)
                    stats["critic_weight"] = scale.detach()
                total = total + scale * critic_term
                stats["g_critic"] = critic_term.detach()
            if output.growth_deficit is not None:
                stats.update(alive_ratio=output.alive_ratio, nca_steps=float(output.nca_steps),
                             growth_deficit=output.growth_deficit.detach())
                if boost > 0:
                    total = total + self._number("growth_boost", boost) * output.growth_deficit
            total.backward()
        return {"g_loss": total.detach(), "critic_weight": weight, **stats,
                "isolation_phase": numbers["isolation_phase"], "growth_boost": boost}

    def _adaptive_weight(self, adversarial: torch.Tensor, critic_term: torch.Tensor) -> torch.Tensor:
        """‖∇L_D‖ / (‖∇L_critic‖ + 1e-4) at the synthesis network's last layer, clamped to [0, 1e4]."""
        last = self.networks.generator.synthesis.to_rgb.weight
        (d_grad,) = torch.autograd.grad(adversarial, last, retain_graph=True)
        (c_grad,) = torch.autograd.grad(critic_term, last, retain_graph=True)
        return (d_grad.norm() / (c_grad.norm() + 1e-4)).clamp(0.0, 1e4).detach()
