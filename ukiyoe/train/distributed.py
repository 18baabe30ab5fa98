"""Data-parallel training across processes started by ``torchrun``.

Every rank holds full copies of all networks and draws its own real batches (a disjoint shard) and z. After
each phase's backward pass the gradients of the networks that phase updates are averaged across ranks in one
flat all-reduce, so every rank applies the same update and the weights stay identical. Phases touch different
networks with different inputs, which is why gradients are synchronised per phase rather than through
``DistributedDataParallel`` wrappers. Rank 0 alone writes checkpoints, samples, curves and the Sacred run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

from ukiyoe.errors import TrainingError


@dataclass(frozen=True)
class Distributed:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def from_environment() -> Distributed:
    """Read torchrun's RANK/WORLD_SIZE/LOCAL_RANK; a plain process is rank 0 of 1."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return Distributed()
    return Distributed(int(os.environ["RANK"]), world_size, int(os.environ.get("LOCAL_RANK", "0")))


def initialise(context: Distributed, device: torch.device) -> None:
    if context.enabled and not dist.is_initialized():
        dist.init_process_group("cpu:gloo,cuda:nccl" if device.type == "cuda" else "gloo")


def shutdown(context: Distributed) -> None:
    if context.enabled and dist.is_initialized():
        dist.destroy_process_group()


def average_gradients(context: Distributed, parameters: list[torch.nn.Parameter]) -> None:
    """Average the gradients of ``parameters`` over all ranks (one flat all-reduce)."""
    if not context.enabled:
        return
    with_grad = [parameter for parameter in parameters if parameter.grad is not None]
    if not with_grad:
        return
    flat = torch.cat([parameter.grad.reshape(-1) for parameter in with_grad])
    dist.all_reduce(flat)
    flat /= context.world_size
    offset = 0
    for parameter in with_grad:
        count = parameter.grad.numel()
        parameter.grad.copy_(flat[offset : offset + count].view_as(parameter.grad))
        offset += count


def broadcast_modules(context: Distributed, modules: list[torch.nn.Module]) -> None:
    """Start every rank from rank 0's weights and buffers."""
    if not context.enabled:
        return
    for module in modules:
        for tensor in list(module.parameters()) + list(module.buffers()):
            dist.broadcast(tensor.data, src=0)


def gather_objects(context: Distributed, value: Any) -> list[Any]:
    """Every rank's ``value`` (used to save each rank's RNG state in rank 0's checkpoint)."""
    if not context.enabled:
        return [value]
    gathered: list[Any] = [None] * context.world_size
    dist.all_gather_object(gathered, value)
    return gathered


def any_rank(context: Distributed, flag: bool, device: torch.device) -> bool:
    """True on every rank when ``flag`` is true on at least one (a stop signal, a watchdog trigger)."""
    if not context.enabled:
        return flag
    value = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item() > 0)


def check_in_sync(context: Distributed, modules: list[torch.nn.Module], device: torch.device) -> None:
    """Raise TrainingError when any rank's weights differ from rank 0's (a silent desync)."""
    if not context.enabled:
        return
    fingerprint = torch.stack([p.detach().double().sum() for m in modules for p in m.parameters()]).to(device)
    reference = fingerprint.clone()
    dist.broadcast(reference, src=0)
    mismatch = torch.tensor([float(not torch.equal(fingerprint, reference))], device=device)
    dist.all_reduce(mismatch, op=dist.ReduceOp.MAX)
    if mismatch.item() > 0:
        raise TrainingError(
            f"data-parallel ranks diverged (rank weights differ from rank 0) at {context.world_size} "
            "processes"
        )


def barrier(context: Distributed) -> None:
    if context.enabled:
        dist.barrier()
