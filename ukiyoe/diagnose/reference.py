"""What samples are measured against: the held-out real images (never trained on) and the train split.

Fidelity, diversity and modes are measured against the held-out split, so that a generator replaying its
training images gains nothing; the train split is only the memorization test's reference (is a sample
closer to a training image than fresh real images are?).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ukiyoe.common.errors import DataError

MIN_HELDOUT = 50  # below this the k-NN balls and the 5% quantiles of the held-out side mean little


@dataclass(eq=False)
class Reference:
    """``heldout`` and ``train`` are uint8 NHWC; ``mode_prior`` the real share of each mode, when known."""

    heldout: np.ndarray
    train: np.ndarray
    heldout_labels: np.ndarray | None = None
    classifier: Any | None = None
    mode_prior: np.ndarray | None = None
    source: str = "unknown"

    def __post_init__(self) -> None:
        if len(self.heldout) < MIN_HELDOUT:
            raise DataError(
                f"the held-out split has {len(self.heldout)} images; diagnose needs at least {MIN_HELDOUT} "
                "(raise data.count or data.heldout and prepare again)"
            )
        if len(self.train) < 1:
            raise DataError("the train split is empty")

    @property
    def num_modes(self) -> int | None:
        return None if self.classifier is None else int(self.classifier.num_modes)

    @property
    def resolution(self) -> tuple[int, int]:
        return int(self.heldout.shape[1]), int(self.heldout.shape[2])


PRIOR_PSEUDO_COUNT = 10.0


def mode_prior(labels: list[np.ndarray], num_modes: int) -> np.ndarray:
    """Real mode shares from every prepared label, with ``PRIOR_PSEUDO_COUNT`` draws per mode added: no
    mode has zero mass, and a small set (2,000 labels of 1,000 modes) is not mistaken for a skewed one."""
    counts = sum(np.bincount(np.asarray(part, np.int64), minlength=num_modes)[:num_modes] for part in labels)
    smoothed = np.asarray(counts, dtype=np.float64) + PRIOR_PSEUDO_COUNT
    return smoothed / smoothed.sum()


def load_reference(prepared_dir: str | Path) -> Reference:
    """The held-out and train splits of ``data/prepared`` and its mode classifier (None without modes)."""
    from ukiyoe.data import load_mode_classifier, load_prepared
    from ukiyoe.data.split import load_heldout

    prepared = load_prepared(prepared_dir)
    heldout = load_heldout(prepared_dir)
    classifier = load_mode_classifier(prepared_dir)
    prior = None
    if classifier is not None and prepared.labels is not None and heldout.labels is not None:
        prior = mode_prior([prepared.labels, heldout.labels], int(classifier.num_modes))
    return Reference(
        heldout=np.asarray(heldout.images),
        train=prepared.images,
        heldout_labels=heldout.labels,
        classifier=classifier,
        mode_prior=prior,
        source=str(prepared.manifest.get("source", "unknown")),
    )
