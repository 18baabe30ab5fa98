"""Real batches addressed by (epoch, position), through ``ukiyoe.data.loader.ResumableSampler``.

Each epoch's order is a pure function of seed and epoch, so the loop finds a batch from its step counter:
the sampler's position is saved with the step, a resumed run reads exactly the batches the uninterrupted run
would have read, and each rank reads a disjoint shard. On a GPU the whole set is kept in GPU memory when it
fits (``GPU_RESIDENT_LIMIT_BYTES``), so no step waits for host copies.
"""

from __future__ import annotations

import numpy as np
import torch

from ukiyoe.data.loader import ResumableSampler, batch_to_tensor, fetch_batch
from ukiyoe.errors import DataError
from ukiyoe.images import to_signed
from ukiyoe.train.distributed import Distributed

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
    ) -> None:
        self.sampler = ResumableSampler(len(images), seed, context.rank, context.world_size)
        self.steps_per_epoch = self.sampler.num_batches(batch_size)
        if self.steps_per_epoch < 1:
            raise DataError(
                f"prepared data: {len(images)} images cannot fill one batch of {batch_size} per process "
                f"({context.world_size} process(es)); lower batch_size or prepare more images"
            )
        self.batch_size, self.device, self.channels_last = batch_size, device, channels_last
        self.host_images = images
        on_gpu = device.type == "cuda" and images.nbytes <= GPU_RESIDENT_LIMIT_BYTES
        self.device_images = torch.from_numpy(np.ascontiguousarray(images)).to(device) if on_gpu else None
        self._order: tuple[int, np.ndarray] | None = None

    def _epoch_order(self, epoch: int) -> np.ndarray:
        if self._order is None or self._order[0] != epoch:
            self._order = (epoch, self.sampler.epoch_indices(epoch))
        return self._order[1]

    def batch(self, epoch: int, position: int) -> torch.Tensor:
        start = position * self.batch_size
        self.sampler.epoch, self.sampler.position = epoch, start + self.batch_size
        return self._gather(self._epoch_order(epoch)[start : start + self.batch_size])

    def fixed(self, count: int) -> torch.Tensor:
        """The first ``count`` images, the same on every rank and every call (for the watchdog)."""
        return self._gather(np.arange(min(count, len(self.host_images))))

    def _gather(self, indices: np.ndarray) -> torch.Tensor:
        if self.device_images is not None:
            raw = self.device_images[torch.from_numpy(indices).to(self.device)]
            batch = to_signed(raw.permute(0, 3, 1, 2))
        else:
            batch = batch_to_tensor(fetch_batch(self.host_images, indices)).to(self.device, non_blocking=True)
        return batch.contiguous(
            memory_format=torch.channels_last if self.channels_last else torch.contiguous_format
        )
