"""Shapes, initialisation and conditioning of the networks."""

from __future__ import annotations

import pytest
import torch

from ukiyoe.common.errors import ConfigError
from ukiyoe.gan.networks import (
    Discriminator,
    Generator,
    MappingNetwork,
    NCARefiner,
    SynthesisNetwork,
    TransformerCritic,
    build_networks,
    make_ema,
    update_ema,
)


@pytest.mark.parametrize("resolution", [32, 64, 128])
def test_every_network_handles_the_resolution(configure, resolution):
    configure(resolution=resolution)
    networks = build_networks()
    z = torch.randn(2, networks.generator.z_dim)
    output = networks.generator.synthesize(z)
    assert output.image.shape == (2, 3, resolution, resolution)
    assert output.image.min() >= -1.0 and output.image.max() <= 1.0
    assert networks.discriminator(output.image).shape == (2,)
    assert networks.critic(output.image).shape == (2,)


def test_mismatched_image_sizes_are_a_config_error(configure):
    configure("Discriminator.resolution = 32", resolution=16)
    with pytest.raises(ConfigError, match="Discriminator.resolution"):
        build_networks()


@pytest.mark.parametrize(
    "bad",
    [
        lambda: SynthesisNetwork(resolution=48),
        lambda: Discriminator(resolution=2),
        lambda: NCARefiner(conditioning="film"),
        lambda: NCARefiner(min_steps=5, max_steps=2),
        lambda: TransformerCritic(image_size=30, patch_size=4),
        lambda: MappingNetwork(num_layers=0),
        lambda: SynthesisNetwork(init="xavier"),
    ],
)
def test_bad_arguments_name_the_parameter(bad):
    with pytest.raises(ConfigError, match=r"^\w+\.\w+"):
        bad()


@pytest.mark.parametrize("normalize, scale_bias", [(True, 1.0), (False, 0.0)])
def test_adain_output_changes_with_w(normalize, scale_bias):
    torch.manual_seed(0)
    generator = SynthesisNetwork(
        resolution=16,
        w_dim=8,
        channels=16,
        min_channels=8,
        noise=False,
        adain_normalize=normalize,
        style_scale_bias_init=scale_bias,
        init="kaiming",
    )
    w = torch.randn(1, 8)
    same = generator(w)
    assert torch.equal(same, generator(w))
    assert (generator(w) - generator(w + torch.randn(1, 8))).abs().mean() > 1e-4


def test_proper_adain_starts_with_unit_style_scales():
    generator = SynthesisNetwork(resolution=8, w_dim=8, channels=8, adain_normalize=True,
                                 style_scale_bias_init=1.0)
    for block in generator.blocks:
        scale_bias, shift_bias = block.adain.style.bias.chunk(2)
        assert torch.all(scale_bias == 1.0) and torch.all(shift_bias == 0.0)


def test_kaiming_init_gives_leaky_relu_gain():
    torch.manual_seed(0)
    generator = SynthesisNetwork(resolution=8, w_dim=8, channels=64, init="kaiming")
    weight = generator.blocks[0].conv.weight
    expected = (2.0 / (1 + 0.2**2) / weight[0].numel()) ** 0.5
    assert weight.std().item() == pytest.approx(expected, rel=0.1)


def _image(batch: int = 2, size: int = 16) -> torch.Tensor:
    return torch.rand(batch, 3, size, size) * 2 - 1


@pytest.mark.parametrize("conditioning", ["mlp", "raw", "none"])
def test_zero_initialised_nca_is_the_identity(conditioning):
    torch.manual_seed(0)
    nca = NCARefiner(
        w_dim=8,
        hidden_channels=4,
        update_channels=8,
        conditioning=conditioning,
        normalization=True,
        dropout=0.1,
        zero_init_update=True,
    )
    image, w = _image(), torch.randn(2, 8)
    for steps in (0, 5):
        output = nca(image, w, steps=steps)
        assert torch.equal(output.image, image)
        assert output.alive_ratio.item() == 1.0
        assert output.growth_deficit.item() == 0.0


def test_randomly_initialised_nca_edits_the_image_and_reports_alive_ratio():
    torch.manual_seed(0)
    nca = NCARefiner(w_dim=8, hidden_channels=4, update_channels=8, zero_init_update=False)
    output = nca(_image(), torch.randn(2, 8), steps=4)
    assert not torch.equal(output.image, _image())
    assert 0.0 <= output.alive_ratio.item() <= 1.0


def test_nca_depends_on_w_only_when_conditioned():
    torch.manual_seed(0)
    image = _image()
    for conditioning, depends in (("mlp", True), ("raw", True), ("none", False)):
        nca = NCARefiner(
            w_dim=8, hidden_channels=4, update_channels=8, conditioning=conditioning, zero_init_update=False
        ).eval()
        outputs = []
        for w in (torch.zeros(2, 8), torch.ones(2, 8)):
            torch.manual_seed(1)
            outputs.append(nca(image, w, steps=3).image)
        assert (not torch.equal(*outputs)) == depends, conditioning


def test_nca_steps_and_fire_mask_follow_the_torch_seed():
    nca = NCARefiner(w_dim=8, hidden_channels=4, update_channels=8, min_steps=2, max_steps=9)
    image, w = _image(), torch.randn(2, 8)
    runs = []
    for _ in range(2):
        torch.manual_seed(3)
        output = nca(image, w)
        runs.append((output.steps, output.image))
    assert runs[0][0] == runs[1][0] and torch.equal(runs[0][1], runs[1][1])
    torch.manual_seed(0)
    assert {nca.sample_steps() for _ in range(200)} == set(range(2, 10))


def test_checkpointed_nca_steps_give_the_same_gradients():
    image, w = _image(), torch.randn(2, 8)
    gradients = []
    for checkpointed in (False, True):
        torch.manual_seed(0)
        nca = NCARefiner(
            w_dim=8, hidden_channels=4, update_channels=8, dropout=0.1, checkpoint_steps=checkpointed
        )
        torch.manual_seed(5)
        nca(image, w, steps=4).image.square().sum().backward()
        gradients.append(nca.perception_in.weight.grad.clone())
    assert torch.allclose(gradients[0], gradients[1], atol=1e-6)


def test_discriminator_options_and_dropout_only_in_training():
    torch.manual_seed(0)
    discriminator = Discriminator(
        resolution=16, channels=8, dropout=0.3, minibatch_stddev=True, spectral_norm=True
    )
    images = _image(4)
    discriminator.eval()
    assert torch.equal(discriminator(images), discriminator(images))
    discriminator.train()
    assert not torch.equal(discriminator(images), discriminator(images))


@pytest.mark.parametrize(
    "pooling, l2_attention, spectral_norm", [("cls", False, False), ("mean", True, True)]
)
def test_critic_variants_score_each_image(pooling, l2_attention, spectral_norm):
    critic = TransformerCritic(
        image_size=16,
        patch_size=4,
        dim=16,
        depth=2,
        heads=2,
        pooling=pooling,
        l2_attention=l2_attention,
        spectral_norm=spectral_norm,
    )
    scores = critic(_image(3))
    assert scores.shape == (3,) and torch.isfinite(scores).all()


def test_generator_without_nca_and_ema_update(configure):
    configure("Generator.use_nca = False")
    generator = Generator()
    assert generator.nca is None
    ema = make_ema(generator)
    assert all(not p.requires_grad for p in ema.parameters())
    with torch.no_grad():
        for param in generator.parameters():
            param.add_(1.0)
    before = next(ema.parameters()).clone()
    update_ema(ema, generator, beta=0.75)
    assert torch.allclose(next(ema.parameters()), before + 0.25)
    update_ema(ema, generator, beta=0.0)
    for ema_param, param in zip(ema.parameters(), generator.parameters(), strict=True):
        assert torch.equal(ema_param, param)
