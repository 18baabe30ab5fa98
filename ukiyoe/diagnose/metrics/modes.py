"""Mode coverage and KL to the real mode histogram, via the prepared data's mode classifier.

PacGAN protocol on Stacked MNIST: count distinct predicted modes (of 1000) and KL(generated ‖ real), which
is KL to uniform there. ``mode_coverage_ratio`` divides the covered modes by the number that as many real
draws would cover, so it is ≈ 1 for a healthy generator at any sample count.
"""

from __future__ import annotations

import numpy as np

from ukiyoe.diagnose.metrics.base import MetricInputs, MetricValues, expected_covered, register

KL_FLOOR = 1e-6


def mode_statistics(fake_modes: np.ndarray, reference_modes: np.ndarray, num_modes: int) -> MetricValues:
    fake_hist = np.bincount(fake_modes, minlength=num_modes).astype(np.float64)[:num_modes]
    real_hist = np.bincount(reference_modes, minlength=num_modes).astype(np.float64)[:num_modes]
    q = fake_hist / fake_hist.sum()
    p = real_hist / real_hist.sum()
    p_floored = np.maximum(p, KL_FLOOR)
    p_floored /= p_floored.sum()
    mask = q > 0
    covered = int(np.count_nonzero(fake_hist))
    return {
        "modes_covered": covered,
        "num_modes": num_modes,
        "mode_coverage": covered / num_modes,
        "mode_coverage_ratio": covered / expected_covered(p, len(fake_modes)),
        "mode_kl": float(np.sum(q[mask] * np.log(q[mask] / p_floored[mask]))),
    }


@register("modes")
def modes(inputs: MetricInputs) -> MetricValues:
    classifier = inputs.classifier
    if classifier is None:
        return {"mode_source": "kmeans"}
    num_modes = int(classifier.num_modes)
    fake_modes = np.asarray(classifier.predict(inputs.fake_images), dtype=np.int64)
    if inputs.real_labels is not None:
        reference = np.asarray(inputs.real_labels, dtype=np.int64)
    else:
        reference = np.asarray(classifier.predict(inputs.real_images), dtype=np.int64)
    return {"mode_source": "classifier", **mode_statistics(fake_modes, reference, num_modes)}
