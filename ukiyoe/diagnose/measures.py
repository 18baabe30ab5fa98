"""Per-sample measurements that every headline metric is an aggregate of.

Keeping them per sample lets one function (``ukiyoe.diagnose.headline``) compute the headline metrics for
any reweighting of the samples, which is what the bootstrap intervals need: each replicate redraws the
samples, never the reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ukiyoe.diagnose.metrics.image_statistics import TypicalRange
from ukiyoe.diagnose.metrics.memorization import CopyDistances
from ukiyoe.diagnose.reference import Reference

CONFIDENT_PASS = 0.95  # the confidence threshold lets this share of held-out real images through


@dataclass(eq=False)
class SampleMeasures:
    """Everything the headline metrics need, per generated sample (length N) or per held-out image (M)."""

    inside_real_balls: torch.Tensor  # (M, N) float 0/1: sample j inside held-out image i's k-NN ball
    in_any_ball: np.ndarray  # (N,) float 0/1: precision's per-sample term
    balls_holding: np.ndarray  # (N,) how many held-out balls hold the sample, ÷ k: density's term
    near_duplicate: np.ndarray  # (N,) bool
    atypical: np.ndarray  # (N,) bool: image statistics outside the held-out range
    heldout_atypical_rate: float
    copies: np.ndarray  # (N,) bool, closer to a training image than 95% of held-out images
    copy_distances: CopyDistances
    modes: np.ndarray  # (N,) int64 mode (classifier) or K-means bin of the held-out features
    confident: np.ndarray  # (N,) bool: the mode is trusted (always True for K-means bins)
    mode_prior: np.ndarray  # real share of each mode
    heldout_pass_rate: float  # share of held-out images that pass the confidence threshold
    kl_floor: float  # mean KL of as many real draws (what perfect samples would show)
    mode_source: str  # "classifier" or "kmeans"

    @property
    def count(self) -> int:
        return len(self.modes)


def confident_modes(
    sample_labels: np.ndarray,
    sample_confidence: np.ndarray,
    heldout_confidence: np.ndarray,
) -> tuple[np.ndarray, float, float]:
    """Per sample: is its confidence at least the threshold that ``CONFIDENT_PASS`` of held-out images
    reach? Returns (mask, threshold, held-out pass rate)."""
    threshold = float(np.quantile(heldout_confidence, 1.0 - CONFIDENT_PASS, method="lower"))
    passed = float(np.mean(heldout_confidence >= threshold))
    return sample_confidence >= threshold, threshold, passed


def kmeans_modes(heldout_features: np.ndarray, sample_features: np.ndarray, bins: int, seed: int) -> tuple:
    """Proxy modes where the data has no classifier: K-means bins of the held-out features."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    count = int(min(bins, max(2, len(heldout_features) // 10)))
    with threadpool_limits(1):
        kmeans = KMeans(n_clusters=count, n_init=1, random_state=seed).fit(heldout_features)
        sample_bins = kmeans.predict(sample_features)
    prior = np.bincount(kmeans.labels_, minlength=count).astype(np.float64) + 1.0
    return sample_bins.astype(np.int64), prior / prior.sum()


def measure(
    inputs: Any,
    reference: Reference,
    copy_distances: CopyDistances,
    typical: TypicalRange,
    heldout_confidence: np.ndarray | None,
) -> SampleMeasures:
    """Per-sample measurements of ``inputs`` (samples vs the held-out split) against ``reference``."""
    from ukiyoe.diagnose.headline import expected_kl_of_real_draws
    from ukiyoe.diagnose.metrics.duplicates import near_duplicate_flags
    from ukiyoe.diagnose.metrics.prdc import kth_neighbour_radii

    k = inputs.options.nearest_k
    inside = inputs.real_fake < kth_neighbour_radii(inputs.real_real, k)[:, None]
    if heldout_confidence is not None and reference.mode_prior is not None:
        labels, confidence = reference.classifier.classify(inputs.fake_images)
        confident, _, passed = confident_modes(labels, confidence, heldout_confidence)
        modes, prior, source = labels, reference.mode_prior, "classifier"
    else:
        modes, prior = kmeans_modes(
            inputs.real_features.float().cpu().numpy(),
            inputs.fake_features.float().cpu().numpy(),
            inputs.options.ndb_bins,
            inputs.options.seed,
        )
        confident, passed, source = np.ones(len(modes), dtype=bool), 1.0, "kmeans"
    return SampleMeasures(
        inside_real_balls=inside.float(),
        in_any_ball=inside.any(dim=0).double().cpu().numpy(),
        balls_holding=(inside.double().sum(dim=0) / k).cpu().numpy(),
        near_duplicate=near_duplicate_flags(inputs),
        atypical=typical.atypical(inputs.fake_images),
        heldout_atypical_rate=typical.heldout_rate,
        copies=copy_distances.copies(),
        copy_distances=copy_distances,
        modes=np.asarray(modes, dtype=np.int64),
        confident=np.asarray(confident, dtype=bool),
        mode_prior=prior,
        heldout_pass_rate=passed,
        mode_source=source,
        kl_floor=expected_kl_of_real_draws(prior, round(len(modes) * passed)),
    )
