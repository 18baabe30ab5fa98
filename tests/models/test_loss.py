"""GANLoss phases: what they backpropagate into, and what they report."""

from __future__ import annotations

import math

import gin
import pytest
import torch

from ukiyoe.common.errors import CheckpointError, ConfigError
from ukiyoe.gan.loss import GANLoss
from ukiyoe.gan.networks import Networks, build_networks
from ukiyoe.gan.optim import build_optimizers
from ukiyoe.gan.schedules import GrowthCurriculum, IsolationSchedule, LearningRates

ISOLATED = """
IsolationSchedule.enabled = True
IsolationSchedule.isolation_end = 2
IsolationSchedule.period_end = 4
IsolationSchedule.ramp_epochs = 2
"""


def gan_loss(networks: Networks) -> GANLoss:
    """The loss with the schedules the active gin config describes, as ``assemble`` wires them."""
    return GANLoss(networks, IsolationSchedule(), GrowthCurriculum())


def _batch(networks: Networks, size: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    resolution = networks.generator.resolution
    return torch.rand(size, 3, resolution, resolution) * 2 - 1, torch.randn(size, networks.generator.z_dim)


def accumulate(loss: GANLoss, phase: str, real: torch.Tensor, z: torch.Tensor, epoch: int
               ) -> dict[str, float]:
    """One phase's values on the host (the loss hands measured values back as device tensors)."""
    return {name: float(value) for name, value in loss.accumulate_gradients(phase, real, z, epoch).items()}


def _gradients(module: torch.nn.Module) -> list[torch.Tensor | None]:
    return [p.grad for p in module.parameters()]


def _untouched(module: torch.nn.Module) -> bool:
    return all(g is None or not g.any() for g in _gradients(module))


def _touched(module: torch.nn.Module) -> bool:
    return any(g is not None and g.any() for g in _gradients(module))


def _zero(networks: Networks) -> None:
    for module in networks.modules().values():
        module.zero_grad(set_to_none=True)


@pytest.mark.parametrize("epoch", [1, 2, 3, 4])
def test_isolated_critic_sends_no_gradient_to_generator_mapping_or_nca(configure, epoch):
    configure(ISOLATED, "IsolationSchedule.critic_trains_in_period = True")
    torch.manual_seed(0)
    networks = build_networks()
    loss = gan_loss(networks)
    real, z = _batch(networks)
    stats = accumulate(loss, "critic", real, z, epoch)
    assert stats["critic_trains"] == 1.0 and _touched(networks.critic)
    generator = networks.generator
    for part in (generator.mapping, generator.synthesis, generator.nca, networks.discriminator):
        assert _untouched(part)
    _zero(networks)
    stats = accumulate(loss, "G", real, z, epoch)
    assert stats["critic_weight"] == 0.0 and "g_critic" not in stats
    assert stats["isolation_phase"] == (1.0 if epoch <= 2 else 2.0)
    assert _untouched(networks.critic) and _untouched(networks.discriminator)
    assert _touched(generator.mapping) and _touched(generator.synthesis)


def test_integrated_critic_reaches_the_generator_with_the_ramped_weight(configure):
    configure(ISOLATED)
    torch.manual_seed(0)
    networks = build_networks()
    loss = gan_loss(networks)
    real, z = _batch(networks)
    stats = accumulate(loss, "G", real, z, epoch=5)
    assert stats["isolation_phase"] == 3.0 and stats["critic_weight"] == pytest.approx(0.5)
    reference = stats["g_adversarial"] + 0.5 * stats["g_critic"]
    assert stats["g_loss"] == pytest.approx(reference, rel=1e-5)
    assert _untouched(networks.critic)


def test_critic_frozen_during_the_isolation_period_when_configured(configure):
    configure(ISOLATED, "IsolationSchedule.critic_trains_in_period = False")
    networks = build_networks()
    real, z = _batch(networks)
    assert accumulate(gan_loss(networks), "critic", real, z, epoch=3) == {"critic_trains": 0.0}
    assert _untouched(networks.critic)


def test_collapsed_style_critic_pushes_the_generator_from_epoch_one(configure):
    configure("IsolationSchedule.enabled = False")
    torch.manual_seed(0)
    networks = build_networks()
    real, z = _batch(networks)
    stats = accumulate(gan_loss(networks), "G", real, z, epoch=1)
    assert stats["critic_weight"] == 1.0 and "g_critic" in stats


@pytest.mark.parametrize("loss_type", ["non_saturating", "hinge", "wasserstein"])
def test_every_phase_reports_finite_numbers(configure, loss_type):
    configure(
        f"GANLoss.loss_type = '{loss_type}'",
        "GANLoss.gradient_penalty = @GradientPenalty()",
        "GANLoss.r1 = @R1Penalty()",
        "R1Penalty.interval = 4",
        "GANLoss.instance_noise = @InstanceNoise()",
        "GANLoss.adaptive_critic_weight = True",
        "GrowthCurriculum.enabled = True",
    )
    torch.manual_seed(0)
    networks = build_networks()
    loss = gan_loss(networks)
    assert loss.dreg_interval == 4
    real, z = _batch(networks)
    expected = {
        "D": {"d_loss", "d_real", "d_fake", "gradient_penalty", "instance_noise"},
        "Dreg": {"r1"},
        "critic": {"critic_loss", "critic_real", "critic_fake", "critic_trains"},
        "G": {
            "g_loss",
            "g_adversarial",
            "g_critic",
            "critic_weight",
            "isolation_phase",
            "growth_boost",
            "alive_ratio",
            "nca_steps",
            "growth_deficit",
        },
    }
    for phase, keys in expected.items():
        stats = accumulate(loss, phase, real, z, epoch=1)
        assert set(stats) == keys, phase
        assert all(isinstance(v, float) and math.isfinite(v) for v in stats.values())
    assert stats["growth_boost"] == pytest.approx(0.1)


def test_d_phase_leaves_the_generator_alone_and_fills_d(configure):
    configure()
    networks = build_networks()
    real, z = _batch(networks)
    accumulate(gan_loss(networks), "D", real, z, epoch=1)
    assert _touched(networks.discriminator) and _untouched(networks.generator) and _untouched(networks.critic)


def test_smoothing_needs_the_non_saturating_loss(configure):
    configure("GANLoss.loss_type = 'hinge'", "GANLoss.label_smoothing = @LabelSmoothing()")
    with pytest.raises(ConfigError, match="GANLoss.label_smoothing"):
        gan_loss(build_networks())


def test_unknown_phase_and_foreign_state_are_rejected(configure):
    configure()
    loss = gan_loss(build_networks())
    assert loss.dreg_interval is None and loss.state_dict() == {}
    loss.load_state_dict(loss.state_dict())
    with pytest.raises(CheckpointError):
        loss.load_state_dict({"ema": 1})
    with pytest.raises(ValueError, match="unknown phase"):
        accumulate(loss, "X", *_batch(loss.networks), epoch=1)


def test_same_seed_same_losses(configure):
    configure("GrowthCurriculum.enabled = True")
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        networks = build_networks()
        loss = gan_loss(networks)
        real, z = _batch(networks)
        runs.append([accumulate(loss, phase, real, z, epoch=1) for phase in ("D", "critic", "G")])
    assert runs[0] == runs[1]


def test_optimizers_cover_each_parameter_once_with_per_network_rates(configure):
    configure(
        "LearningRates.generator = 5e-5",
        "LearningRates.discriminator = 3e-4",
        "build_optimizers.critic_betas = (0.0, 0.99)",
    )
    networks = build_networks()
    optimizers = build_optimizers(networks, LearningRates())
    assert set(optimizers) == {"generator", "nca", "discriminator", "critic"}
    seen = [id(p) for o in optimizers.values() for g in o.param_groups for p in g["params"]]
    every = [id(p) for m in networks.modules().values() for p in m.parameters()]
    assert sorted(seen) == sorted(every)
    assert optimizers["generator"].param_groups[0]["lr"] == 5e-5
    assert optimizers["discriminator"].param_groups[0]["lr"] == 3e-4
    assert optimizers["nca"].param_groups[0]["lr"] == 2e-4
    assert optimizers["critic"].param_groups[0]["betas"] == (0.0, 0.99)
    gin.clear_config()
    configure("Generator.use_nca = False", "build_networks.use_critic = False")
    assert set(build_optimizers(build_networks(), LearningRates())) == {"generator", "discriminator"}


def test_phases_run_under_bf16_autocast_with_the_penalty_in_fp32(configure):
    configure("GANLoss.gradient_penalty = @GradientPenalty()", "IsolationSchedule.enabled = False")
    torch.manual_seed(0)
    networks = build_networks()
    loss = gan_loss(networks)
    real, z = _batch(networks)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        stats = {phase: accumulate(loss, phase, real, z, epoch=1) for phase in ("D", "critic", "G")}
    assert all(math.isfinite(v) for values in stats.values() for v in values.values())
    assert stats["D"]["gradient_penalty"] > 0
    assert all(
        p.grad.dtype == torch.float32 for p in networks.discriminator.parameters() if p.grad is not None
    )


def test_growth_boost_adds_the_weighted_deficit_to_g_loss(configure):
    configure(
        "GrowthCurriculum.enabled = True",
        "GrowthCurriculum.boost = 2.0",
        "NCARefiner.zero_init_update = False",
        "build_networks.use_critic = False",
    )
    torch.manual_seed(0)
    networks = build_networks()
    real, z = _batch(networks)
    stats = accumulate(gan_loss(networks), "G", real, z, epoch=1)
    assert stats["growth_deficit"] > 0 and stats["critic_weight"] == 0.0
    assert stats["g_loss"] == pytest.approx(stats["g_adversarial"] + 2.0 * stats["growth_deficit"], rel=1e-5)


def test_measured_values_stay_tensors_so_a_step_needs_no_host_read(configure):
    configure("GANLoss.gradient_penalty = @GradientPenalty()", "IsolationSchedule.enabled = False")
    torch.manual_seed(0)
    networks = build_networks()
    real, z = _batch(networks)
    stats = gan_loss(networks).accumulate_gradients("D", real, z, epoch=1)
    assert all(isinstance(stats[name], torch.Tensor) and not stats[name].requires_grad
               for name in ("d_loss", "d_real", "d_fake", "gradient_penalty"))
    assert isinstance(stats["instance_noise"], float)


SCHEDULED = (ISOLATED, "GANLoss.instance_noise = @InstanceNoise()", "InstanceNoise.anneal_epochs = 4",
             "GrowthCurriculum.enabled = True")


@pytest.mark.parametrize("objective", [
    ("GANLoss.gradient_penalty = @GradientPenalty()",),
    ("GANLoss.loss_type = 'relativistic'", "GANLoss.zero_centered = @ZeroCenteredPenalties()",
     "ZeroCenteredPenalties.decay_epochs = 4"),
])
def test_every_number_a_phase_reports_is_a_schedule_number_or_fixed_by_the_graph_key(configure, objective):
    """A CUDA graph replays the floats of its recording: any epoch-dependent float a phase reports must be
    one of ``schedule_numbers`` (filled afresh each replay), with the value the phase itself used."""
    configure(*SCHEDULED, *objective)
    torch.manual_seed(0)
    networks = build_networks()
    loss = gan_loss(networks)
    real, z = _batch(networks)
    for epoch in (1, 3, 5):
        for phase in ("D", "critic", "G"):
            values = loss.accumulate_gradients(phase, real, z, epoch)
            floats = {name: value for name, value in values.items() if not isinstance(value, torch.Tensor)}
            numbers = loss.schedule_numbers(phase, epoch)
            assert set(floats) - {"nca_steps"} <= set(numbers), (phase, epoch)  # nca_steps is in the key
            assert {name: floats[name] for name in floats if name in numbers} == pytest.approx(
                {name: numbers[name] for name in floats if name in numbers}), (phase, epoch)


def test_with_recorded_numbers_set_a_phase_computes_with_those_tensors(configure):
    """What a replayed CUDA graph relies on, checked on a CPU: given tensors of the same values the phase
    computes the same loss; given other values, another one (so the tensors, not the floats, are read)."""
    configure(*SCHEDULED, "GANLoss.loss_type = 'relativistic'",
              "GANLoss.zero_centered = @ZeroCenteredPenalties()", "ZeroCenteredPenalties.decay_epochs = 8")
    networks = build_networks()
    loss = gan_loss(networks)
    real, z = _batch(networks)
    epochs = {"D": 3, "G": 5}  # noise annealed halfway and γ decaying; the critic's weight ramping

    def computed(phase: str, numbers: dict[str, torch.Tensor] | None) -> float:
        loss.recorded_numbers = numbers
        torch.manual_seed(1)
        _zero(networks)
        return float(loss.accumulate_gradients(phase, real, z, epochs[phase])[f"{phase.lower()}_loss"])

    for phase, scaled in (("D", "gamma"), ("D", "instance_noise"), ("G", "critic_weight")):
        plain = computed(phase, None)
        numbers = loss.schedule_numbers(phase, epochs[phase])
        same = {name: torch.tensor(value) for name, value in numbers.items()}
        assert same[scaled] > 0, (phase, scaled)
        assert computed(phase, same) == pytest.approx(plain, rel=1e-6), (phase, scaled)
        assert computed(phase, {**same, scaled: same[scaled] * 4}) != pytest.approx(plain, rel=1e-3), scaled
    loss.recorded_numbers = None
    assert loss._noisy(real, 5) is real  # annealed to zero: no noise drawn at all
