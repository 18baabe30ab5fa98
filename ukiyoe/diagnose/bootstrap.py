"""Bootstrap 95% intervals of the headline metrics: redraw the samples (with replacement), keep the reference.

Percentile intervals over ``replicates`` multinomial reweightings; the collapse score is re-scored on every
replicate, so its interval says how stable the verdict is at this sample count. Counting metrics such as
``modes_covered`` and the mode KL are biased under resampling (a redraw repeats samples, dropping rare modes),
and so is PRDC coverage (repeated samples cover fewer real neighbourhoods): their replicates are re-centred
on the point estimate before scoring (``CENTRED``).
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


# A resample repeats samples: it shows fewer distinct modes, more KL and a lower coverage than N fresh samples
# would, whatever the generator. These replicates are re-centred on the point estimate (their mean shift is
# the bias), within the metric's range.
CENTRED = ("modes_covered", "mode_coverage_ratio", "mode_kl", "mode_kl_excess", "coverage")
AT_MOST_ONE = ("mode_coverage_ratio", "coverage")


def intervals(
    measures: SampleMeasures, point: dict[str, Any], replicates: int, seed: int
) -> dict[str, list[float]]:
    """``{metric: [low, high]}`` around the ``point`` estimate (which also holds values never resampled,
    such as the global Z_U)."""
    rng = np.random.default_rng([seed, 0xB007])
    count = measures.count
    draws = []
    for _ in range(replicates):
        weights = np.bincount(rng.integers(0, count, size=count), minlength=count).astype(np.float64)
        draws.append(headline(measures, weights))
    for name in CENTRED:
        shift = float(np.mean([draw[name] for draw in draws])) - float(point[name])
        highest = 1.0 if name in AT_MOST_ONE else float("inf")
        for draw in draws:
            draw[name] = min(highest, max(0.0, draw[name] - shift))
    values: dict[str, list[float]] = {name: [] for name in INTERVAL_METRICS}
    for draw in draws:
        draw.update({key: value for key, value in point.items() if key not in draw})
        draw.update(collapse_score(draw))
        for name in INTERVAL_METRICS:
            values[name].append(float(draw[name]))
    return {
        name: [float(np.percentile(series, 2.5)), float(np.percentile(series, 97.5))]
        for name, series in values.items()
    }
