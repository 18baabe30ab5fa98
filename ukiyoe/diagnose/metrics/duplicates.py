"""Near-duplicates and the birthday-paradox support estimate (Arora & Zhang, 2018).

Two samples are near-duplicates when their feature distance is at most the ``duplicate_quantile`` of the
held-out images' nearest-neighbour distances. Nearest-neighbour distances shrink as a set grows, so samples
are compared within random groups as large as the held-out set, never across all N at once. A distribution
with S equally likely outputs makes a random pair collide with probability 1/S, so the support estimate is
1 / (share of colliding pairs); with no collision it is a lower bound (the number of pairs).
"""

from __future__ import annotations

import numpy as np
import torch

from ukiyoe.diagnose.metrics.base import MetricInputs, MetricValues, pairwise_distances, register


def groups_like_reference(count: int, reference: int, seed: int) -> list[np.ndarray]:
    """A seeded partition of ``count`` samples into groups of at least ``reference`` (one group if fewer)."""
    order = np.random.default_rng([seed, 0xD0B]).permutation(count)
    return np.array_split(order, max(1, count // max(reference, 2)))


def duplicate_threshold(real_real: torch.Tensor, quantile: float) -> tuple[float, torch.Tensor]:
    real_nearest = torch.kthvalue(real_real, 2, dim=1).values
    return float(torch.quantile(real_nearest.double(), quantile)), real_nearest


def near_duplicate_flags(inputs: MetricInputs) -> np.ndarray:
    """Per sample: does another sample of its group lie within the near-duplicate threshold?"""
    threshold, _ = duplicate_threshold(inputs.real_real, inputs.options.duplicate_quantile)
    flags = np.zeros(len(inputs.fake_features), dtype=bool)
    for group in groups_like_reference(len(flags), len(inputs.real_features), inputs.options.seed):
        features = inputs.fake_features[torch.from_numpy(group).to(inputs.fake_features.device)]
        nearest = torch.kthvalue(pairwise_distances(features, features), 2, dim=1).values
        flags[group] = (nearest <= threshold).cpu().numpy()
    return flags


def colliding_pair_share(distances: torch.Tensor, threshold: float) -> float:
    upper = torch.triu(distances <= threshold, diagonal=1)
    n = distances.shape[0]
    return float(upper.sum()) / (n * (n - 1) / 2)


def support_from_share(share: float, n: int) -> float:
    return 1.0 / share if share > 0 else n * (n - 1) / 2


@register("duplicates")
def duplicate_details(inputs: MetricInputs) -> MetricValues:
    threshold, real_nearest = duplicate_threshold(inputs.real_real, inputs.options.duplicate_quantile)
    group = groups_like_reference(len(inputs.fake_features), len(inputs.real_features), inputs.options.seed)[
        0
    ]
    features = inputs.fake_features[torch.from_numpy(group).to(inputs.fake_features.device)]
    m = min(len(group), len(real_nearest))
    return {
        "near_duplicate_rate_real": float((real_nearest <= threshold).double().mean()),
        "near_duplicate_threshold": threshold,
        "support_estimate": support_from_share(
            colliding_pair_share(pairwise_distances(features, features)[:m, :m], threshold), m
        ),
        "support_estimate_real": support_from_share(
            colliding_pair_share(inputs.real_real[:m, :m], threshold), m
        ),
    }
