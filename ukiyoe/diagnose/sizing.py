"""How many samples a verdict needs: enough that real draws would cover the modes.

With K equally likely modes, N real draws cover K·(1 − (1 − 1/K)^N) of them in expectation: 2,000 draws show
at most ~865 of Stacked MNIST's 1,000 modes, so a smaller count cannot tell a healthy generator from one that
lost a seventh of its modes. The default draws enough for real data to cover 99% of the modes (and the
PacGAN protocol's 26,000 for 1,000 modes); fewer than a 90% cover is refused.
"""

from __future__ import annotations

import numpy as np

from ukiyoe.common.errors import DataError

DEFAULT_COVER = 0.99
MINIMUM_COVER = 0.90
MIN_SAMPLES = 200  # floor for every set: k-NN balls, bootstrap and the 5% quantiles need a few hundred
DEFAULT_FLOOR = 2000  # default when the modes need fewer (40 modes: 182 for a 99% cover)
PROTOCOL_SAMPLES = {1000: 26_000}  # Stacked MNIST, PacGAN protocol (Lin et al. 2018)


def expected_covered(prior: np.ndarray, draws: int | float) -> float:
    """Expected number of modes hit by ``draws`` real samples from the ``prior`` shares."""
    return float(np.sum(1.0 - np.power(1.0 - prior, draws)))


def draws_to_cover(prior: np.ndarray, share: float) -> int:
    """The smallest N whose real draws cover ``share`` of the modes in expectation."""
    target = share * len(prior)
    low, high = 1, 1
    while expected_covered(prior, high) < target:
        high *= 2
    while low < high:
        middle = (low + high) // 2
        low, high = (middle + 1, high) if expected_covered(prior, middle) < target else (low, middle)
    return low


def default_samples(prior: np.ndarray | None) -> int:
    if prior is None:
        return DEFAULT_FLOOR
    by_modes = draws_to_cover(prior, DEFAULT_COVER)
    return max(DEFAULT_FLOOR, by_modes, PROTOCOL_SAMPLES.get(len(prior), 0))


def minimum_samples(prior: np.ndarray | None) -> int:
    return MIN_SAMPLES if prior is None else max(MIN_SAMPLES, draws_to_cover(prior, MINIMUM_COVER))


def check_sample_count(count: int, prior: np.ndarray | None, where: str = "samples") -> None:
    """Refuse, with one line, a set too small to support a verdict."""
    needed = minimum_samples(prior)
    if count < needed:
        modes = (
            f" for {len(prior)} modes (real draws of fewer cover < 90% of them)" if prior is not None else ""
        )
        raise DataError(f"{where}: {count} samples are too few for a verdict; need at least {needed}{modes}")
