"""Near-duplicate rate and the birthday-paradox support estimate (Arora & Zhang, 2018).

Two samples are near-duplicates when their feature distance is at most the ``duplicate_quantile`` of the
real data's nearest-neighbour distances, measured on equally many real and generated samples. A
distribution with S equally likely outputs makes a random pair collide with probability 1/S, so the support
estimate is 1 / (share of colliding pairs); with no collision it is a lower bound (the number of pairs).
"""

from __future__ import annotations

import torch

from ukiyoe.diagnose.metrics.base import MetricInputs, MetricValues, register


def colliding_pair_share(distances: torch.Tensor, threshold: float) -> float:
    upper = torch.triu(distances <= threshold, diagonal=1)
    n = distances.shape[0]
    return float(upper.sum()) / (n * (n - 1) / 2)


def support_from_share(share: float, n: int) -> float:
    return 1.0 / share if share > 0 else n * (n - 1) / 2


@register("duplicates")
def near_duplicates(inputs: MetricInputs) -> MetricValues:
    m = min(len(inputs.real_features), len(inputs.fake_features))
    real = inputs.real_real[:m, :m]
    fake = inputs.fake_fake[:m, :m]
    real_nearest = torch.kthvalue(real, 2, dim=1).values
    threshold = float(torch.quantile(real_nearest.double(), inputs.options.duplicate_quantile))
    fake_nearest = torch.kthvalue(fake, 2, dim=1).values
    return {
        "near_duplicate_rate": float((fake_nearest <= threshold).double().mean()),
        "near_duplicate_rate_real": float((real_nearest <= threshold).double().mean()),
        "near_duplicate_threshold": threshold,
        "support_estimate": support_from_share(colliding_pair_share(fake, threshold), m),
        "support_estimate_real": support_from_share(colliding_pair_share(real, threshold), m),
    }
