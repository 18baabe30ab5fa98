"""The train / held-out split of a prepared data set.

Training reads only ``images.npy`` (the train split). The held-out split lives in ``heldout/`` so that the
diagnose stage can measure samples against real images the generator never saw, and can tell a sample that
copies a training image from one that is merely realistic (docs/diagnose.md, memorization). The split is a
seeded permutation, so the same params always give the same split. Where images share an origin (patches of
one print), whole origins go to one side: a held-out patch must not overlap a training patch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ukiyoe.common.errors import DataError
from ukiyoe.data.loader import read_labels

HELDOUT_DIR = "heldout"
SPLIT_FILE = "split.npy"  # uint8 per built image, in source order: 0 train, 1 held out
SPLIT_STREAM = 0x5E1D


@dataclass(frozen=True)
class Split:
    """Indices into the built images: ``train`` and ``heldout`` are disjoint and together cover them all."""

    train: np.ndarray
    heldout: np.ndarray

    def mask(self) -> np.ndarray:
        flags = np.zeros(len(self.train) + len(self.heldout), dtype=np.uint8)
        flags[self.heldout] = 1
        return flags


def split_indices(count: int, fraction: float, seed: int, groups: np.ndarray | None = None) -> Split:
    """Hold out about ``fraction`` of ``count`` images (at least one, never all), by group when given.

    A single image, or images of a single origin, leave nothing to hold out honestly: the held-out split is
    then empty, training can still run, and ``ukiyoe diagnose`` refuses the data with one line.
    """
    if count < 2 or (groups is not None and len(np.unique(groups)) < 2):
        return Split(np.arange(count), np.arange(0))
    rng = np.random.default_rng([seed, SPLIT_STREAM])
    if groups is None:
        order = rng.permutation(count)
        size = min(count - 1, max(1, round(fraction * count)))
        return Split(np.sort(order[size:]), np.sort(order[:size]))
    names = np.unique(groups)
    held: list[int] = []
    for name in rng.permutation(names):
        if len(held) >= fraction * count or len(held) + np.count_nonzero(groups == name) >= count:
            break
        held.extend(np.flatnonzero(groups == name).tolist())
    if not held:
        held = np.flatnonzero(groups == names[0]).tolist()
    mask = np.zeros(count, dtype=bool)
    mask[held] = True
    return Split(np.flatnonzero(~mask), np.flatnonzero(mask))


@dataclass(frozen=True)
class HeldOut:
    """The held-out real images (uint8 NHWC, memory-mapped) and their mode labels when known."""

    images: np.ndarray
    labels: np.ndarray | None


def load_heldout(prepared_dir: str | Path) -> HeldOut:
    """Open ``<prepared>/heldout/``; a prepared directory without one predates the split: prepare again."""
    directory = Path(prepared_dir) / HELDOUT_DIR
    images_file = directory / "images.npy"
    if not images_file.is_file():
        raise DataError(f"{images_file}: missing (no held-out split; run `ukiyoe prepare` again)")
    try:
        images = np.load(images_file, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as error:
        raise DataError(f"{images_file}: not a readable .npy array ({error})") from None
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise DataError(f"{images_file}: expected uint8 (N, H, W, 3), got {images.dtype} {images.shape}")
    return HeldOut(images, read_labels(directory, len(images)))


def load_all_images(prepared_dir: str | Path) -> np.ndarray:
    """Both splits back in source order (contact sheets and checks of the whole set; never training)."""
    from ukiyoe.data.loader import load_prepared

    directory = Path(prepared_dir)
    flags = np.load(directory / SPLIT_FILE, allow_pickle=False)
    train, heldout = load_prepared(directory).images, load_heldout(directory).images
    images = np.empty((len(flags), *train.shape[1:]), dtype=np.uint8)
    images[flags == 0], images[flags == 1] = train, heldout
    return images
