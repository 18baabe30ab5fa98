"""The headline metrics, computed from per-sample measurements for one weighting of the samples.

``weights`` are how often each sample counts (all ones for the point estimate, multinomial counts for a
bootstrap replicate), so the point estimate and its intervals come from the very same formulas.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ukiyoe.diagnose.measures import SampleMeasures
from ukiyoe.diagnose.sizing import expected_covered

KL_FLOOR = 1e-12


def mode_kl(histogram: np.ndarray, prior: np.ndarray) -> float:
    """KL(sample mode shares ‖ real mode shares) in nats; a set with no trusted sample gets ln(K)."""
    total = histogram.sum()
    if total <= 0:
        return math.log(len(prior))
    q = histogram / total
    mask = q > 0
    return float(np.sum(q[mask] * np.log(q[mask] / np.maximum(prior[mask], KL_FLOOR))))


def expected_kl_of_real_draws(prior: np.ndarray, draws: int, repeats: int = 32) -> float:
    """The finite-sample floor: the mean KL of ``draws`` real draws (simulated; ≈ (K − 1) / 2N when N ≫ K)."""
    rng = np.random.default_rng(0x4B1)
    histograms = rng.multinomial(max(int(draws), 1), prior, size=repeats).astype(np.float64)
    return float(np.mean([mode_kl(histogram, prior) for histogram in histograms]))


def headline(measures: SampleMeasures, weights: np.ndarray) -> dict[str, Any]:
    """Headline metrics and the derived quantities the score reads, for sample weights ``weights``."""
    total = float(weights.sum())
    inside = measures.inside_real_balls
    covered = (inside @ torch.from_numpy(weights).to(device=inside.device, dtype=inside.dtype)) > 0
    trusted = weights * measures.confident
    histogram = np.bincount(measures.modes, weights=trusted, minlength=len(measures.mode_prior))
    histogram = histogram[: len(measures.mode_prior)]
    trusted_draws = total * measures.heldout_pass_rate
    modes_seen = int(np.count_nonzero(histogram))
    ratio = modes_seen / expected_covered(measures.mode_prior, trusted_draws)
    kl = mode_kl(histogram, measures.mode_prior)
    precision = float(np.dot(weights, measures.in_any_ball) / total)
    unrecognised = 1.0 - float(trusted.sum() / total)
    atypical = float(np.dot(weights, measures.atypical) / total)
    density = float(np.dot(weights, measures.balls_holding) / total)
    return {
        "coverage": float(covered.double().mean()),
        "precision": precision,
        "density": density,
        "modes_covered": modes_seen,
        "mode_coverage_ratio": ratio,
        "mode_kl": kl,
        "mode_kl_excess": max(0.0, kl - measures.kl_floor),
        "unrecognised_rate": unrecognised,
        "atypical_rate": atypical,
        "fidelity_loss": max(
            unrecognised - (1.0 - measures.heldout_pass_rate),
            atypical - measures.heldout_atypical_rate,
            1.0 - min(density, 1.0),
        ),
        "near_duplicate_rate": float(np.dot(weights, measures.near_duplicate) / total),
        "copy_share": float(np.dot(weights, measures.copies) / total),
    }
