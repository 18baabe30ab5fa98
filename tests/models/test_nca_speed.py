"""The NCA's fast form: folded perception gives the same rule, and a pre-drawn step count leaves the RNG."""

from __future__ import annotations

import torch

from ukiyoe.gan.networks import NCARefiner


def _nca(**options: object) -> NCARefiner:
    torch.manual_seed(0)
    return NCARefiner(w_dim=8, hidden_channels=4, update_channels=8, dropout=0.1, laplacian=True, **options)


def test_folded_perception_computes_the_same_refinement_and_gradients() -> None:
    image, w = torch.rand(3, 3, 8, 8) * 2 - 1, torch.randn(3, 8)
    results = []
    for fast in (False, True):
        nca = _nca(checkpoint_steps=True)
        if fast:
            nca.prefer_speed()
        torch.manual_seed(5)
        output = nca(image, w, steps=5)
        output.image.square().sum().backward()
        results.append((output.image.detach(), output.alive_ratio, nca.perception_in.weight.grad.clone()))
    assert not _nca().fused_perception and nca.fused_perception and not nca.checkpoint_steps
    for reference, fast in zip(results[0], results[1], strict=True):
        assert torch.allclose(reference, fast, rtol=1e-5, atol=1e-6)


def test_a_pre_drawn_step_count_is_used_without_drawing_again() -> None:
    nca = _nca(min_steps=2, max_steps=9)
    torch.manual_seed(1)
    drawn = nca.sample_steps()
    after_the_draw = torch.get_rng_state()
    with nca.steps_drawn(drawn):
        assert nca.sample_steps() == drawn and nca.sample_steps(0.25) == drawn
        assert torch.equal(torch.get_rng_state(), after_the_draw)
        assert nca(torch.zeros(1, 3, 8, 8), torch.zeros(1, 8)).steps == drawn
    state = torch.get_rng_state()
    nca.sample_steps()
    assert not torch.equal(torch.get_rng_state(), state)  # outside the block it draws again
