"""Known cases the collapse score is fitted and checked on, in two disjoint families.

Each case imitates one failure (or health) from real images of the prepared source: fresh real images of
another seed, modes dropped or unbalanced, replays of training images, off-manifold sets, degraded images.
The ``fit`` family (its own seed and generators) chose the score's cut-offs; the ``check`` family — other
seeds, other drop fractions, other transformations and other off-manifold generators — only checks them
(docs/diagnose.md, ``benchmarks/calibrate_score.py``, ``tests/diagnose/test_battery.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

FAMILY_SEEDS = {"fit": 101, "check": 202}


@dataclass(frozen=True)
class Source:
    """Fresh real images of one prepared source, for any mode subset and weighting."""

    name: str
    resolution: int
    num_modes: int

    def images(self, modes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One fresh real image per entry of ``modes`` (mode labels), drawn as prepare draws them."""
        if self.name == "synthetic":
            from ukiyoe.data import synthetic

            return synthetic.render(modes, self.resolution, rng)
        from ukiyoe.data import stacked_mnist

        digits, classes = stacked_mnist.load_digits()
        digits = stacked_mnist.resize_digits(digits, self.resolution)
        triples = np.stack([modes // 100, modes // 10 % 10, modes % 10], axis=1)
        by_class = [np.flatnonzero(classes == digit) for digit in range(10)]
        picks = np.array([[rng.choice(by_class[d]) for d in triple] for triple in triples])
        return np.stack([digits[picks[:, channel]] for channel in range(3)], axis=-1)

    def real(self, count: int, rng: np.random.Generator, kept: float = 1.0, skew: str = "none") -> np.ndarray:
        """Fresh images of a random ``kept`` share of the modes, uniform or skewed over them."""
        chosen = rng.permutation(self.num_modes)[: max(1, round(kept * self.num_modes))]
        ranks = np.arange(1, len(chosen) + 1, dtype=np.float64)
        weights = {"none": np.ones_like(ranks), "geometric": 0.9**ranks, "zipf": 1.0 / ranks}[skew]
        return self.images(rng.choice(chosen, size=count, p=weights / weights.sum()), rng)


def as_float(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32)


def to_uint8(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def shift(images: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Translate with edge pixels repeated."""
    pad = max(abs(dy), abs(dx))
    h, w = images.shape[1:3]
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge")
    return padded[:, pad - dy : pad - dy + h, pad - dx : pad - dx + w]


def crop(images: np.ndarray, keep: float, offset: int = 0) -> np.ndarray:
    h = images.shape[1]
    side = round(h * keep)
    top = (h - side) // 2 + offset
    return np.stack(
        [
            np.asarray(
                Image.fromarray(image[top : top + side, top : top + side]).resize((h, h), Image.BILINEAR)
            )
            for image in images
        ]
    )


def blur(images: np.ndarray, radius: float) -> np.ndarray:
    return np.stack([np.asarray(Image.fromarray(i).filter(ImageFilter.GaussianBlur(radius))) for i in images])


def upsampled_grid(rng: np.random.Generator, count: int, cells: int, size: int, smooth: bool) -> np.ndarray:
    grids = rng.integers(0, 256, size=(count, cells, cells, 3), dtype=np.uint8)
    method = Image.BILINEAR if smooth else Image.NEAREST
    return np.stack([np.asarray(Image.fromarray(g).resize((size, size), method)) for g in grids])


def stripes(rng: np.random.Generator, count: int, size: int) -> np.ndarray:
    """Random oriented sinusoidal textures in random colours: structure, but no scene."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    angle = rng.uniform(0, np.pi, (count, 1, 1))
    frequency = rng.uniform(3, 12, (count, 1, 1))
    wave = 0.5 + 0.5 * np.sin(2 * np.pi * frequency * (x * np.cos(angle) + y * np.sin(angle)))
    low, high = rng.uniform(0, 255, (count, 1, 1, 3)), rng.uniform(0, 255, (count, 1, 1, 3))
    return to_uint8(low + wave[..., None] * (high - low))


def replays(train: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Training images drawn with replacement when ``count`` exceeds the train split."""
    return np.asarray(train)[rng.choice(len(train), size=count, replace=count > len(train))]


CaseFn = Callable[[Source, np.ndarray, int, np.random.Generator], np.ndarray]


def _fit_cases() -> dict[str, CaseFn]:
    return {
        "real": lambda s, t, n, r: s.real(n, r),
        "drop_20": lambda s, t, n, r: s.real(n, r, kept=0.8),
        "drop_40": lambda s, t, n, r: s.real(n, r, kept=0.6),
        "drop_75": lambda s, t, n, r: s.real(n, r, kept=0.25),
        "imbalance_geometric": lambda s, t, n, r: s.real(n, r, skew="geometric"),
        "replay_exact": lambda s, t, n, r: replays(t, n, r),
        "replay_noise": lambda s, t, n, r: to_uint8(
            as_float(replays(t, n, r)) + r.normal(0, 8, (n, *t.shape[1:]))
        ),
        "uniform_noise": lambda s, t, n, r: r.integers(0, 256, (n, *t.shape[1:]), dtype=np.uint8),
        "colour_blobs": lambda s, t, n, r: upsampled_grid(r, n, 4, t.shape[1], smooth=False),
        "blur": lambda s, t, n, r: blur(s.real(n, r), 2.0),
        "gray": lambda s, t, n, r: to_uint8(
            np.full((n, *t.shape[1:]), 136.0) + r.uniform(-4, 4, (n, 1, 1, 1))
        ),
        "ten_repeated": lambda s, t, n, r: np.resize(s.real(10, r), (n, *t.shape[1:])),
    }


def _check_cases() -> dict[str, CaseFn]:
    def jitter(images: np.ndarray, r: np.random.Generator) -> np.ndarray:
        gain, bias = r.uniform(0.92, 1.08, (len(images), 1, 1, 3)), r.uniform(-10, 10, (len(images), 1, 1, 3))
        return to_uint8(as_float(images) * gain + bias)

    return {
        "real": lambda s, t, n, r: s.real(n, r),
        "drop_10": lambda s, t, n, r: s.real(n, r, kept=0.9),
        "drop_25": lambda s, t, n, r: s.real(n, r, kept=0.75),
        "drop_50": lambda s, t, n, r: s.real(n, r, kept=0.5),
        "imbalance_zipf": lambda s, t, n, r: s.real(n, r, skew="zipf"),
        "replay_flip": lambda s, t, n, r: replays(t, n, r)[:, :, ::-1],
        "replay_shift": lambda s, t, n, r: shift(replays(t, n, r), 2, -1),
        "replay_crop": lambda s, t, n, r: crop(replays(t, n, r), 0.875),
        "replay_noise_flip": lambda s, t, n, r: to_uint8(
            as_float(replays(t, n, r)[:, :, ::-1]) + r.normal(0, 5, (n, *t.shape[1:]))
        ),
        "replay_jitter": lambda s, t, n, r: jitter(replays(t, n, r), r),
        "gaussian_noise": lambda s, t, n, r: to_uint8(r.normal(128, 60, (n, *t.shape[1:]))),
        "smooth_blobs": lambda s, t, n, r: upsampled_grid(r, n, 6, t.shape[1], smooth=True),
        "textures": lambda s, t, n, r: stripes(r, n, t.shape[1]),
        "heavy_blur": lambda s, t, n, r: blur(s.real(n, r), 3.0),
        "colour_cast": lambda s, t, n, r: to_uint8(
            as_float(s.real(n, r)) * 0.75 + np.array([70.0, 10.0, -40.0])
        ),
        "near_constant": lambda s, t, n, r: to_uint8(
            r.uniform(0, 255, (n, 1, 1, 3)) + r.normal(0, 2, (n, *t.shape[1:]))
        ),
    }


FAMILIES: dict[str, Callable[[], dict[str, CaseFn]]] = {"fit": _fit_cases, "check": _check_cases}


def build_cases(family: str, source: Source, train: np.ndarray, count: int) -> dict[str, np.ndarray]:
    """Every case of ``family``: ``count`` uint8 NHWC images each, from the family's own seed."""
    rng = np.random.default_rng(FAMILY_SEEDS[family])
    return {name: fn(source, train, count, rng) for name, fn in FAMILIES[family]().items()}
