"""NDB/K and JS divergence over K-means bins of the real data (Richardson & Weiss, 2018).

A bin is "statistically different" when a two-proportion z-test rejects equal real and generated shares at
p < 0.05. ``bin_coverage_ratio`` compares occupied bins with the number as many real draws would occupy.
"""

from __future__ import annotations

import numpy as np

from ukiyoe.diagnose.metrics.base import MetricInputs, MetricValues, register
from ukiyoe.diagnose.sizing import expected_covered

Z_CRITICAL = 1.959964  # two-sided p < 0.05


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen–Shannon divergence in bits (0 = identical, 1 = disjoint)."""
    middle = 0.5 * (p + q)

    def kl(a: np.ndarray, b: np.ndarray) -> float:
        mask = a > 0
        return float(np.sum(a[mask] * np.log2(a[mask] / b[mask])))

    return 0.5 * kl(p, middle) + 0.5 * kl(q, middle)


def ndb_from_bins(real_bins: np.ndarray, fake_bins: np.ndarray, count: int) -> MetricValues:
    real_counts = np.bincount(real_bins, minlength=count).astype(np.float64)
    fake_counts = np.bincount(fake_bins, minlength=count).astype(np.float64)
    n_real, n_fake = real_counts.sum(), fake_counts.sum()
    p_real, p_fake = real_counts / n_real, fake_counts / n_fake
    pooled = (real_counts + fake_counts) / (n_real + n_fake)
    stderr = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n_real + 1.0 / n_fake))
    z = np.divide(p_fake - p_real, stderr, out=np.zeros(count), where=stderr > 0)
    return {
        "ndb_k": float(np.mean(np.abs(z) > Z_CRITICAL)),
        "ndb_bins": count,
        "js_divergence": js_divergence(p_real, p_fake),
        "bin_coverage_ratio": float(np.count_nonzero(fake_counts)) / expected_covered(p_real, int(n_fake)),
    }


@register("ndb")
def ndb(inputs: MetricInputs) -> MetricValues:
    return ndb_from_bins(*inputs.bins)
