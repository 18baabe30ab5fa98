"""What a report says, shared by its Markdown and HTML renderings: metric groups, notes, the breakdown."""

from __future__ import annotations

from typing import Any

from ukiyoe.diagnose.score import INDICATORS, modes_metric

METRIC_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("PRDC (k-NN manifolds)", ("precision", "recall", "density", "coverage")),
    ("K-means bins", ("ndb_k", "ndb_bins", "js_divergence", "bin_coverage_ratio")),
    (
        "Modes",
        ("mode_source", "modes_covered", "num_modes", "mode_coverage", "mode_coverage_ratio", "mode_kl"),
    ),
    (
        "Duplicates",
        (
            "near_duplicate_rate",
            "near_duplicate_rate_real",
            "near_duplicate_threshold",
            "support_estimate",
            "support_estimate_real",
        ),
    ),
    ("Distances", ("fid_inhouse", "kid_inhouse", "kid_inhouse_std", "fid_inception", "kid_inception")),
    (
        "Pixel statistics (reported, not scored)",
        (
            "unique_pixel_values",
            "unique_pixel_ratio",
            "value_min",
            "value_max",
            "mean_r",
            "mean_g",
            "mean_b",
            "std_r",
            "std_g",
            "std_b",
        ),
    ),
)
FIGURE_CAPTIONS = {
    "samples": "Generated samples",
    "real": "Real samples",
    "neighbours": "Nearest real neighbours: each generated sample, then its closest real images (features)",
    "curves": "Training curves",
}
LOW_PRECISION = 0.5


def fmt(value: Any) -> str:
    """A metric for reading; None is a value that was not a finite number."""
    if value is None:
        return "n/a"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def title(card: dict[str, Any]) -> str:
    return str(card.get("checkpoint") or card.get("samples"))


def breakdown_rows(metrics: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(indicator, metric read, value, points, rule) in rubric order."""
    rows = []
    for indicator in INDICATORS:
        metric = modes_metric(metrics) if indicator.name == "modes" else indicator.metric
        points = str(metrics[f"points_{indicator.name}"])
        rows.append(
            (indicator.name, metric, fmt(metrics[metric]), points, f"0 otherwise; {indicator.rule()}")
        )
    return rows


def metric_groups(metrics: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Groups with the metrics present in this report (absent keys do not apply)."""
    groups = []
    for name, keys in METRIC_GROUPS:
        present = [(key, fmt(metrics[key])) for key in keys if key in metrics]
        if present:
            groups.append((name, present))
    return groups


def reading_notes(metrics: dict[str, Any]) -> list[str]:
    """Plain-language caveats the numbers alone do not show."""
    notes = []
    if metrics["precision"] < LOW_PRECISION:
        notes.append(
            f"Low precision ({metrics['precision']:.2f}): most samples lie off the real manifold, "
            "so coverage, recall and bins also reflect poor fidelity (e.g. an undertrained generator), "
            "not only collapse."
        )
    if metrics["support_estimate"] < metrics["support_estimate_real"] / 100:
        notes.append(
            f"Birthday-paradox support ≈ {metrics['support_estimate']:.3g} distinct outputs "
            f"(real data ≈ {metrics['support_estimate_real']:.3g})."
        )
    return notes
