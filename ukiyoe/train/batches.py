"""Real batches addressed by (epoch, position), through ``ukiyoe.data.loader.ResumableSampler``.

Each epoch's order is a pure function of seed and epoch, so the loop finds a batch from its step counter:
the sampler's position is saved with the step, a resumed run reads exactly the batches the uninterrupted run
would have read, and each rank reads a disjoint shard. ``batch_size`` is global: rank r of N reads every N-th
image of the global batch, so the ranks together read at each step what one process would read alone, and
steps per epoch do not depend on N. On a GPU the whole set is kept in GPU memory when it fits
(``GPU_RESIDENT_LIMIT_BYTES``), and so is each epoch's order (one upload per epoch): a step's batch is a slice
and a gather on the GPU, with no host-to-device copy (from pageable memory, one waits for the GPU).
"""

from __future__ import annotations

import numpy as np
import torch

from ukiyoe.common.errors import DataError
from ukiyoe.common.images import to_signed
from ukiyoe.data.loader import ResumableSampler, batch_to_tensor, fetch_batch
from ukiyoe.train.distributed import Distributed, per_rank_batch

GPU_RESIDENT_LIMIT_BYTES = 4 << 30


class RealBatches:
    def __init__(
        self,
        images: np.ndarray,
        batch_size: int,
        seed: int,
        context: Distributed,
        device: torch.device,
        channels_last: bool = False,
        resident: bool | None = None,
    ) -> None:
        """``resident``: keep images and orders on ``device`` (default: on a GPU, when they fit)."""
        per_rank = per_rank_batch(context, batch_size)
        self.sampler = ResumableSampler(len(images), seed, context.rank, context.world_size)
        self.steps_per_epoch = self.sampler.num_batches(per_rank)
        if self.steps_per_epoch < 1:
            raise DataError(
                f"prepared data: {len(images)} images cannot fill one batch of {batch_size}; lower "
                "batch_size or prepare more images"
            )
        self.batch_size, self.device, self.channels_last = per_rank, device, channels_last
        self.host_images = images
        if resident is None:
            resident = device.type == "cuda" and images.nbytes <= GPU_RESIDENT_LIMIT_BYTES
        self.device_images = torch.from_numpy(np.ascontiguousarray(images)).to(device) if resident else None
        self._order: tuple[int, np.ndarray, torch.Tensor | None] | None = None

    def _epoch_order(self, epoch: int) -> tuple[int, np.ndarray, torch.Tensor | None]:
        if self._order is None or self._order[0] != epoch:
            order = self.sampler.epoch_indices(epoch)
            on_device = torch.from_numpy(order).to(self.device) if self.device_images is not None else None
            self._order = (epoch, order, on_device)
        return self._order

    def batch(self, epoch: int, position: int) -> torch.Tensor:
        start = position * self.batch_size
        self.sampler.epoch, self.sampler.position = epoch, start + self.batch_size
        _, order, on_device = self._epoch_order(epoch)
        if on_device is not None:
            return self._layout(self._resident(on_device[start : start + self.batch_size]))
        return self._gather(order[start : start + self.batch_size])

    def fixed(self, count: int) -> torch.Tensor:
        """The first ``count`` images, the same on every rank and every call (for the watchdog)."""
        return self._gather(np.arange(min(count, len(self.host_images))))

    def _resident(self, indices: torch.Tensor) -> torch.Tensor:
        assert self.device_images is not None
        return to_signed(self.device_images[indices].permute(0, 3, 1, 2))

    def _gather(self, indices: np.ndarray) -> torch.Tensor:
        if self.device_images is not None:
            return self._layout(self._resident(torch.from_numpy(indices).to(self.device)))
        batch = batch_to_tensor(fetch_batch(self.host_images, indices)).to(self.device, non_blocking=True)
        return self._layout(batch)

    def _layout(self, batch: torch.Tensor) -> torch.Tensor:
        return batch.contiguous(
            memory_format=torch.channels_last if self.channels_last else torch.contiguous_format
        )
