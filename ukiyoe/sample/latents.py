"""From seeds to images through the generator's own parts: z from a seed, w from the mapping network,
the truncation trick (w pulled towards the mean w by ψ), synthesis, then the NCA refiner when there is one.

Each image depends only on its own seed (its z and the refiner's randomness), never on its neighbours in
a batch, so ``--seeds 3`` draws the same picture as the fourth of ``--seeds 0-15``.
"""

from __future__ import annotations

import torch

from ukiyoe.gan.sampling import private_rng

MEAN_W_SAMPLES = 2048
MEAN_W_SEED = 0x5EED


def seed_z(seed: int, z_dim: int) -> torch.Tensor:
    return torch.randn(1, z_dim, generator=torch.Generator().manual_seed(seed))


@torch.no_grad()
def mean_w(generator: torch.nn.Module, device: torch.device) -> torch.Tensor:
    """The centre of w space, estimated from a fixed set of z: the truncation trick's anchor."""
    z = torch.randn(MEAN_W_SAMPLES, generator.z_dim, generator=torch.Generator().manual_seed(MEAN_W_SEED))
    return generator.mapping(z.to(device)).mean(dim=0, keepdim=True)


@torch.no_grad()
def mapped(generator: torch.nn.Module, seeds: list[int], device: torch.device) -> torch.Tensor:
    return torch.cat([generator.mapping(seed_z(seed, generator.z_dim).to(device)) for seed in seeds])


def truncate(w: torch.Tensor, w_avg: torch.Tensor | None, psi: float) -> torch.Tensor:
    return w if w_avg is None or psi == 1.0 else w_avg + psi * (w - w_avg)


@torch.no_grad()
def render(generator: torch.nn.Module, w: torch.Tensor, seed: int, device: torch.device) -> torch.Tensor:
    """One image (1, 3, H, W) in [-1, 1] on the CPU from one w; ``seed`` drives the refiner's randomness."""
    with private_rng(seed, device):
        image = generator.synthesis(w)
        if generator.nca is not None:
            image = generator.nca(image, w).image
    return image.float().clamp_(-1.0, 1.0).cpu()


def lerp_steps(start: torch.Tensor, end: torch.Tensor, steps: int) -> list[torch.Tensor]:
    """``steps`` points from ``start`` to ``end`` inclusive, evenly spaced (w space is where StyleGAN-style
    mapping networks make linear paths look smooth)."""
    return [torch.lerp(start, end, index / (steps - 1)) for index in range(steps)]
