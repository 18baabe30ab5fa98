"""Step values summed on the device and read to the host in one copy every N steps.

A host read (``.item()``, ``float(tensor)``) waits for the GPU to finish everything queued so far, so one
per logged value per step keeps the GPU idle while Python launches the next kernels. Sums, finite counts
and last values of every tensor-valued step value live in one device buffer instead; ``read`` copies it
out once. The additions are plain in-place kernels, so they can be recorded inside a CUDA graph.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

ROWS = ("sum", "finite", "nonfinite", "last")


@dataclass(frozen=True)
class Totals:
    """What the device accumulated since the last read."""

    sums: dict[str, float]
    counts: dict[str, int]
    last: dict[str, float]
    all_finite: bool


class DeviceMeans:
    def __init__(self, device: torch.device, capacity: int = 64) -> None:
        self.buffer = torch.zeros(len(ROWS), capacity, device=device)
        self.slots: dict[str, int] = {}

    def _slot(self, name: str) -> int:
        if name not in self.slots:
            if len(self.slots) == self.buffer.shape[1]:
                raise RuntimeError(f"DeviceMeans: more than {self.buffer.shape[1]} distinct step values")
            self.slots[name] = len(self.slots)
        return self.slots[name]

    def add(self, values: Mapping[str, object]) -> None:
        """Adds the tensor-valued entries of ``values`` (0-d tensors); other entries are ignored."""
        for name, value in values.items():
            if not isinstance(value, torch.Tensor):
                continue
            column = self.buffer[:, self._slot(name)]
            value = value.detach().float().reshape(())
            finite = torch.isfinite(value)
            column[0].add_(torch.where(finite, value, 0.0))
            column[1].add_(finite)
            column[2].add_(~finite)
            column[3].copy_(value)

    def read(self) -> Totals:
        """One device→host copy; the buffer starts again from zero (in place: graphs keep its address)."""
        rows = self.buffer[:, : len(self.slots)].tolist()
        self.buffer.zero_()
        names = list(self.slots)
        counts = {name: round(rows[1][i]) for i, name in enumerate(names) if rows[1][i] > 0}
        return Totals(
            sums={name: rows[0][i] for i, name in enumerate(names) if name in counts},
            counts=counts,
            last={name: rows[3][i] for i, name in enumerate(names) if rows[1][i] + rows[2][i] > 0},
            all_finite=not any(rows[2]),
        )
