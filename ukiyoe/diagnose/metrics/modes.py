"""The Stacked MNIST protocol (PacGAN, Lin et al. 2018; VEEGAN; R3GAN Table 3) as a named metric.

The published protocol classifies every one of 26,000 samples (no reject option) and reports the distinct
digit triples of 1,000 and KL(sample triples ‖ uniform). The headline ``modes_covered``/``mode_kl`` of a
report count only confidently recognised samples; these numbers are the protocol's, for comparison with the
literature, and state the digit classifier's held-out accuracy they rest on. With N samples the KL of perfect
data is about 999 / (2N) (0.019 at 26,000).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ukiyoe.diagnose.headline import mode_kl

STACKED_MNIST_MODES = 1000
PROTOCOL_SAMPLES = 26_000


def stacked_mnist_protocol(modes: np.ndarray, classifier: Any) -> dict[str, Any] | None:
    """Protocol numbers from every sample's predicted triple; None for data that is not Stacked MNIST."""
    if classifier is None or classifier.spec.kind != "digit_triple":
        return None
    histogram = np.bincount(modes, minlength=STACKED_MNIST_MODES)[:STACKED_MNIST_MODES].astype(np.float64)
    uniform = np.full(STACKED_MNIST_MODES, 1.0 / STACKED_MNIST_MODES)
    return {
        "modes": int(np.count_nonzero(histogram)),
        "kl_uniform": mode_kl(histogram, uniform),
        "samples": int(len(modes)),
        "comparable": len(modes) >= PROTOCOL_SAMPLES,
        "kl_floor_perfect_data": (STACKED_MNIST_MODES - 1) / (2.0 * len(modes)),
        "digit_accuracy_heldout": float(classifier.info["accuracy"]),
        "triple_accuracy_heldout": classifier.info.get("triple_accuracy"),
    }
