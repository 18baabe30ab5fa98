"""Penalty gradients under gloo: each rank's share of a global batch, averaged as the training step averages.

``penalty_gradients`` runs in each of the processes that ``run_ranks`` spawns; ``discriminator`` and
``global_batch`` build the same D and batch in every process and in the test's reference computation. The
gradient penalty gets fake = real, so its random interpolates are the real images (to rounding) and its
single-process reference on the whole batch needs none of the ranks' draws.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from ukiyoe.gan.networks.discriminator import Discriminator
from ukiyoe.gan.regularizers import GradientPenalty, R1Penalty
from ukiyoe.train.distributed import Distributed, average_gradients

BATCH_SIZES = (8, 4)  # global; at 2 ranks, 4 and 2 per rank against MinibatchStdDev's group of 4


def discriminator(minibatch_stddev: bool) -> Discriminator:
    torch.manual_seed(0)
    return Discriminator(resolution=8, channels=8, max_channels=16, minibatch_stddev=minibatch_stddev)


def global_batch(batch_size: int) -> torch.Tensor:
    """Real images of one global batch; rank r of N takes rows r, r + N, ... (as RealBatches does)."""
    return torch.rand(batch_size, 3, 8, 8, generator=torch.Generator().manual_seed(1)) * 2 - 1


def gradients(module: torch.nn.Module) -> dict[str, torch.Tensor | None]:
    """Each parameter's gradient; None where the penalty does not reach it (the last bias, for R1)."""
    return {name: None if p.grad is None else p.grad.clone() for name, p in module.named_parameters()}


def penalties(critic: Discriminator, real: torch.Tensor) -> dict[str, torch.Tensor]:
    r1 = R1Penalty(gamma=10.0, interval=4)(critic, real)
    return {"r1": r1, "gp": GradientPenalty(10.0)(critic, real, real)}


def penalty_gradients(rank: int, world_size: int, init_file: str, out: str) -> None:
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size)
    try:
        context = Distributed(rank, world_size, rank)
        result = {}
        for batch_size in BATCH_SIZES:
            real = global_batch(batch_size)[rank::world_size]
            for stddev in (False, True):
                for name in ("r1", "gp"):
                    critic = discriminator(stddev)
                    penalties(critic, real)[name].backward()  # the double backward, on this rank's share
                    average_gradients(context, list(critic.parameters()))
                    result[(batch_size, stddev, name)] = gradients(critic)
        result["partly_reached"] = partly_reached(context)
        torch.save(result, Path(out) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def three_layers() -> torch.nn.ModuleList:
    torch.manual_seed(0)
    return torch.nn.ModuleList(torch.nn.Linear(3, 3) for _ in range(3))


def layer_losses(layers: torch.nn.ModuleList, rank: int) -> torch.Tensor:
    """Rank 0 uses layers 0 and 1, rank 1 only layer 0; no rank uses layer 2."""
    x = torch.full((2, 3), float(rank + 1))
    return layers[0](x).sum() + (layers[1](x).square().sum() if rank == 0 else 0.0)


def partly_reached(context: Distributed) -> dict[str, torch.Tensor | None]:
    """Gradients when the ranks' graphs reach different parameters."""
    layers = three_layers()
    layer_losses(layers, context.rank).backward()
    average_gradients(context, list(layers.parameters()))
    return gradients(layers)


def run_ranks(world_size: int, work: Path) -> list[dict]:
    """Every rank's averaged gradients, keyed by (global batch size, minibatch_stddev, penalty)."""
    init_file = work / "gloo-init"
    mp.spawn(penalty_gradients, args=(world_size, str(init_file), str(work)), nprocs=world_size)
    return [torch.load(work / f"rank{rank}.pt") for rank in range(world_size)]
