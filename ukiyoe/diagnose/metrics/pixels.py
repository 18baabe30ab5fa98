"""The seed's pixel statistics: unique values, value range, per-channel mean/std.

Reported because users compare against them ("113 unique values, range 0.043–0.102"); they detect dead or
saturated outputs, not collapse, so the collapse score does not use them.
"""

from __future__ import annotations

from ukiyoe.diagnose.metrics.base import MetricInputs, MetricValues, register


@register("pixels")
def pixel_statistics(inputs: MetricInputs) -> MetricValues:
    values = inputs.fake_values
    unique = int(values.unique().numel())
    result: MetricValues = {
        "unique_pixel_values": unique,
        "unique_pixel_ratio": unique / values.numel(),
        "value_min": float(values.min()),
        "value_max": float(values.max()),
    }
    means = values.mean(dim=(0, 2, 3))
    stds = values.std(dim=(0, 2, 3))
    for index, channel in enumerate("rgb"):
        result[f"mean_{channel}"] = float(means[index])
        result[f"std_{channel}"] = float(stds[index])
    return result
