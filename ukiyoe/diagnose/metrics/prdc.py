"""Precision, recall, density and coverage (Naeem et al., ICML 2020) with k-NN balls in feature space.

Same definitions as the ``prdc`` package (strict ``<`` against the k-th neighbour radius, self included in
the neighbour count), computed with torch so it runs on the accelerator too.
"""

from __future__ import annotations

import torch

from ukiyoe.diagnose.metrics.base import MetricInputs, MetricValues, register


def kth_neighbour_radii(self_distances: torch.Tensor, k: int) -> torch.Tensor:
    """Distance to the k-th nearest neighbour of each row (the point itself is the 0-th)."""
    return torch.kthvalue(self_distances, k + 1, dim=1).values


def prdc_from_distances(
    real_real: torch.Tensor, fake_fake: torch.Tensor, real_fake: torch.Tensor, k: int
) -> dict[str, float]:
    real_radii = kth_neighbour_radii(real_real, k)
    fake_radii = kth_neighbour_radii(fake_fake, k)
    in_real_balls = real_fake < real_radii[:, None]
    return {
        "precision": float(in_real_balls.any(dim=0).double().mean()),
        "recall": float((real_fake < fake_radii[None, :]).any(dim=1).double().mean()),
        "density": float(in_real_balls.sum(dim=0).double().mean() / k),
        "coverage": float((real_fake.min(dim=1).values < real_radii).double().mean()),
    }


@register("prdc")
def prdc(inputs: MetricInputs) -> MetricValues:
    return dict(
        prdc_from_distances(inputs.real_real, inputs.fake_fake, inputs.real_fake, inputs.options.nearest_k)
    )
