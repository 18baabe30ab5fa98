"""Bootstrap 95% intervals of the headline metrics: redraw the samples (with replacement), keep the reference.

Percentile intervals over ``replicates`` multinomial reweightings; the collapse score is re-scored on every
replicate, so its interval says how stable the verdict is at this sample count. Counting metrics such as
``modes_covered`` are biased low under resampling (a redraw drops rare modes), so their intervals lean low.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ukiyoe.diagnose.headline import headline
from ukiyoe.diagnose.measures import SampleMeasures
from ukiyoe.diagnose.score import collapse_score

INTERVAL_METRICS = (
    "collapse_score",
    "modes_covered",
    "mode_kl",
    "coverage",
    "precision",
    "unrecognised_rate",
    "near_duplicate_rate",
    "copy_share",
)


def intervals(
    measures: SampleMeasures, fixed: dict[str, Any], replicates: int, seed: int
) -> dict[str, list[float]]:
    """``{metric: [low, high]}``; ``fixed`` holds values not resampled (the global Z_U)."""
    rng = np.random.default_rng([seed, 0xB007])
    count = measures.count
    values: dict[str, list[float]] = {name: [] for name in INTERVAL_METRICS}
    for _ in range(replicates):
        weights = np.bincount(rng.integers(0, count, size=count), minlength=count).astype(np.float64)
        replicate = headline(measures, weights)
        replicate.update(fixed)
        replicate.update(collapse_score(replicate))
        for name in INTERVAL_METRICS:
            values[name].append(float(replicate[name]))
    return {
        name: [float(np.percentile(series, 2.5)), float(np.percentile(series, 97.5))]
        for name, series in values.items()
    }
