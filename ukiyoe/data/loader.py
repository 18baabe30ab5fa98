"""Reading prepared data for training: memory-mapped images, a resumable seeded sampler that shards across
DDP ranks, and the uint8 NHWC -> float NCHW conversion."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ukiyoe.common.errors import DataError
from ukiyoe.common.images import to_signed


@dataclass(frozen=True)
class Prepared:
    """A prepared data set: ``images`` is a read-only memmap, uint8 (N, H, W, 3)."""

    path: Path
    images: np.ndarray
    labels: np.ndarray | None
    manifest: dict[str, Any]

    @property
    def resolution(self) -> int:
        return int(self.images.shape[1])

    @property
    def num_modes(self) -> int | None:
        return self.manifest.get("num_modes")

    @property
    def dataset_sha256(self) -> str:
        return str(self.manifest["dataset_sha256"])

    def __len__(self) -> int:
        return len(self.images)


def load_prepared(path: str | Path) -> Prepared:
    """Open ``data/prepared`` (or another prepare output) and check that its files agree."""
    directory = Path(path)
    manifest_file, images_file = directory / "manifest.json", directory / "images.npy"
    for required in (manifest_file, images_file):
        if not required.is_file():
            raise DataError(f"{required}: missing (run `ukiyoe prepare` first)")
    try:
        manifest = json.loads(manifest_file.read_text())
        if not isinstance(manifest, dict) or "dataset_sha256" not in manifest:
            raise ValueError("not a prepare manifest")
    except ValueError as error:
        raise DataError(f"{manifest_file}: malformed manifest ({error})") from None
    try:
        images = np.load(images_file, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as error:
        raise DataError(f"{images_file}: not a readable .npy array ({error})") from None
    if (
        images.dtype != np.uint8
        or images.ndim != 4
        or images.shape[-1] != 3
        or images.shape[1] != images.shape[2]
    ):
        raise DataError(f"{images_file}: expected uint8 (N, H, H, 3), got {images.dtype} {images.shape}")
    return Prepared(directory, images, read_labels(directory, len(images)), manifest)


def read_labels(directory: Path, count: int) -> np.ndarray | None:
    """``labels.npy`` beside a split's images (None where modes are unknown), one label per image."""
    labels_file = directory / "labels.npy"
    if not labels_file.is_file():
        return None
    labels = np.load(labels_file, allow_pickle=False)
    if labels.shape != (count,):
        raise DataError(f"{labels_file}: {labels.shape} labels for {count} images")
    return labels


class ResumableSampler:
    """Seeded per-epoch permutation, sharded over ranks, addressed by (epoch, position) so a run resumes.

    Each epoch's order depends only on (seed, epoch), so every rank computes the same permutation and takes
    its own slice.
    ``drop_last`` trims the permutation so that ranks get equal shares and drops a final short batch;
    without it, shares are padded by wrapping around and the final batch may be short.
    """

    def __init__(
        self,
        num_samples: int,
        seed: int,
        rank: int = 0,
        world_size: int = 1,
        shuffle: bool = True,
        drop_last: bool = True,
    ):
        if num_samples < 1 or world_size < 1 or not 0 <= rank < world_size:
            raise ValueError(
                f"bad sampler arguments: num_samples={num_samples}, rank={rank}, world_size={world_size}"
            )
        if drop_last and num_samples < world_size:
            raise DataError(f"{num_samples} samples cannot be shared among {world_size} ranks")
        self.num_samples, self.seed = num_samples, seed
        self.rank, self.world_size = rank, world_size
        self.shuffle, self.drop_last = shuffle, drop_last

    def __len__(self) -> int:
        """Indices per rank per epoch."""
        if self.drop_last:
            return self.num_samples // self.world_size
        return -(-self.num_samples // self.world_size)

    def epoch_indices(self, epoch: int) -> np.ndarray:
        """This rank's indices for ``epoch``, in order."""
        order = (
            np.random.default_rng([self.seed, epoch]).permutation(self.num_samples)
            if self.shuffle
            else np.arange(self.num_samples)
        )
        total = len(self) * self.world_size
        order = np.resize(order, total)  # trims for drop_last, wraps around to pad otherwise
        return order[self.rank :: self.world_size].astype(np.int64)

    def num_batches(self, batch_size: int) -> int:
        return len(self) // batch_size if self.drop_last else -(-len(self) // batch_size)


def fetch_batch(images: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Gather a batch from the memmap (read in index order, returned in the requested order)."""
    order = np.argsort(indices, kind="stable")
    gathered = np.empty((len(indices), *images.shape[1:]), dtype=images.dtype)
    gathered[order] = images[indices[order]]
    return gathered


def batch_to_tensor(batch: np.ndarray) -> torch.Tensor:
    """uint8 NHWC to float32 NCHW in [-1, 1].

    The layout change happens on the uint8 array (a quarter of the bytes), then one float pass in numpy,
    which stays fast when torch's thread pool competes with a busy training loop.
    """
    return torch.from_numpy(to_signed(np.ascontiguousarray(np.asarray(batch).transpose(0, 3, 1, 2))))
