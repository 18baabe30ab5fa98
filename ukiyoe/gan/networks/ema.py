"""Exponential moving average of the generator: its samples are steadier than the live weights'."""

from __future__ import annotations

import copy

import torch
from torch import nn


def make_ema(module: nn.Module) -> nn.Module:
    """A frozen copy of ``module`` in eval mode to be kept as its moving average."""
    ema = copy.deepcopy(module).eval()
    ema.requires_grad_(False)
    return ema


@torch.no_grad()
def update_ema(ema_module: nn.Module, module: nn.Module, beta: float) -> None:
    """ema ← beta·ema + (1 − beta)·live for parameters; buffers are copied (they are not averaged)."""
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"EMA beta must be in [0, 1], got {beta}")
    for ema_param, param in zip(ema_module.parameters(), module.parameters(), strict=True):
        ema_param.lerp_(param.detach(), 1.0 - beta)
    for ema_buffer, buffer in zip(ema_module.buffers(), module.buffers(), strict=True):
        ema_buffer.copy_(buffer)
