"""Data-parallel training across processes started by ``torchrun``.

``TrainOptions.batch_size`` is the global batch: each of N ranks takes a disjoint 1/N of every real batch and
draws its own z, so a step, an epoch and every schedule mean the same at any process count and a checkpoint
resumes at another one exactly where it stopped. Every rank holds full copies of all networks. After each
phase's backward pass the gradients of the networks that phase updates are averaged across ranks in one flat
all-reduce, so every rank applies the same update and the weights stay identical. Averaging ``.grad`` after
``backward()`` also averages what the double-backward penalties (gradient penalty, R1) put there, which
``DistributedDataParallel``'s hooks would not; phases touch different networks with different inputs, another
reason not to use its wrappers. Rank 0 alone writes checkpoints, samples, curves and the Sacred run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

from ukiyoe.common.errors import ConfigError, TrainingError


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


def per_rank_batch(context: Distributed, batch_size: int) -> int:
    """Each rank's share of the global ``batch_size``."""
    if batch_size % context.world_size:
        raise ConfigError(
            f"TrainOptions.batch_size {batch_size} is the global batch and must divide evenly among "
            f"{context.world_size} processes"
        )
    return batch_size // context.world_size


def average_gradients(context: Distributed, parameters: list[torch.nn.Parameter]) -> None:
    """Average the gradients of ``parameters`` over all ranks (one flat all-reduce).

    A rank whose graph left a parameter without a gradient contributes zeros, and a presence count travels
    in the same all-reduce: the tensor has the same length on every rank (a collective of mismatched sizes
    hangs NCCL), and a parameter no rank reached keeps ``grad = None``, as in a single process.
    """
    if not context.enabled or not parameters:
        return
    pieces = [p.grad.reshape(-1) if p.grad is not None else p.new_zeros(p.numel()) for p in parameters]
    present = [1.0 if p.grad is not None else 0.0 for p in parameters]
    complete = 0.0 not in present  # the usual case: no host-to-device copy and no sync
    marks = pieces[0].new_ones(len(present)) if complete else pieces[0].new_tensor(present)
    flat = torch.cat([*pieces, marks])
    dist.all_reduce(flat)
    flat /= context.world_size
    # Only a rank that lacks a gradient needs the counts on the host; the others were reached.
    reached = present if complete else flat[-len(parameters) :].tolist()
    offset = 0
    for parameter, share in zip(parameters, reached, strict=True):
        count = parameter.numel()
        if share > 0:
            averaged = flat[offset : offset + count].view_as(parameter)
            if parameter.grad is None:
                parameter.grad = averaged.clone()
            else:
                parameter.grad.copy_(averaged)
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


def mean_over_ranks(context: Distributed, values: dict[str, float]) -> dict[str, float]:
    """Each key's mean over the ranks that logged it (per-epoch loss means, once an epoch)."""
    gathered = gather_objects(context, values)
    keys = dict.fromkeys(key for rank_values in gathered for key in rank_values)
    return {key: sum(v[key] for v in gathered if key in v) / sum(key in v for v in gathered) for key in keys}


def any_rank(context: Distributed, device: torch.device, *flags: bool) -> list[bool]:
    """Each flag, true on every rank when it is true on at least one (a stop signal, non-finite losses).

    Every branch that leads to a collective must be taken by all ranks or by none; one all-reduce serves
    all the flags of a step."""
    if not context.enabled:
        return list(flags)
    values = torch.tensor([1.0 if flag else 0.0 for flag in flags], device=device)
    dist.all_reduce(values, op=dist.ReduceOp.MAX)
    return [value > 0 for value in values.tolist()]


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
