"""Whether every floating-point value in nested containers is finite, with one host read per device.

Each host read of a GPU tensor waits for the device's queue, so checking a few hundred parameters one by one
costs a few hundred waits; stacking the per-tensor flags costs one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import torch


def floating_values(value: Any) -> Iterator[torch.Tensor | float]:
    """Every floating-point tensor and float inside nested dicts, lists and tuples."""
    if isinstance(value, torch.Tensor):
        if value.is_floating_point():
            yield value
    elif isinstance(value, float):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from floating_values(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from floating_values(item)


def all_finite(value: Any) -> bool:
    """True when no float or floating-point tensor inside ``value`` holds a NaN or an infinity."""
    flags: dict[torch.device, list[torch.Tensor]] = {}
    for item in floating_values(value):
        if isinstance(item, float):
            if not math.isfinite(item):
                return False
        else:
            flags.setdefault(item.device, []).append(torch.isfinite(item.detach()).all())
    return all(bool(torch.stack(found).all()) for found in flags.values())
