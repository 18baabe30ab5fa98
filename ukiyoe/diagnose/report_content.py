"""What a report says, shared by its Markdown and HTML renderings: metric groups, notes, the breakdown.

Renderers receive one flat view, the headline metrics over their details (``report_view``).
"""

from __future__ import annotations

from typing import Any

from ukiyoe.diagnose.score import INDICATORS

METRIC_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Memorization (against the train split)",
        ("memorization", "copy_share", "memorization_z_u", "copy_threshold", "num_train"),
    ),
    (
        "Modes (confidently recognised)",
        (
            "mode_source",
            "modes_covered",
            "num_modes",
            "mode_coverage_ratio",
            "mode_kl",
            "mode_kl_excess",
            "unrecognised_rate",
            "heldout_pass_rate",
        ),
    ),
    (
        "PRDC against the held-out split",
        ("precision", "recall", "density", "coverage", "fidelity_loss", "num_heldout"),
    ),
    ("K-means bins", ("ndb_k", "ndb_bins", "js_divergence", "bin_coverage_ratio")),
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
    "real": "Held-out real samples",
    "neighbours": "Memorization check: the most copy-like samples, each beside its nearest training images",
    "curves": "Training curves",
}
LOW_PRECISION = 0.5


def report_view(metrics: dict[str, Any], details: dict[str, Any]) -> dict[str, Any]:
    return {**details, **metrics}


def fmt(value: Any) -> str:
    if isinstance(value, list) and len(value) == 2:
        return f"[{fmt(value[0])}, {fmt(value[1])}]"
    """A metric for reading; None is a value that was not a finite number."""
    if value is None:
        return "n/a"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def title(card: dict[str, Any]) -> str:
    return str(card.get("checkpoint") or card.get("samples"))


def breakdown_rows(view: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(indicator, metric read, value, points, rule) in rubric order."""
    return [
        (
            indicator.name,
            indicator.metric,
            fmt(view[indicator.metric]),
            str(view[f"points_{indicator.name}"]),
            f"0 otherwise; {indicator.rule()}",
        )
        for indicator in INDICATORS
    ]


def metric_groups(view: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Groups with the metrics present in this report (absent keys do not apply); intervals beside values."""
    intervals = view.get("ci95", {})
    groups = []
    for name, keys in METRIC_GROUPS:
        present = [
            (key, fmt(view[key]) + (f" (95% CI {fmt(intervals[key])})" if key in intervals else ""))
            for key in keys
            if key in view
        ]
        if present:
            groups.append((name, present))
    return groups


def reading_notes(view: dict[str, Any]) -> list[str]:
    """Plain-language caveats the numbers alone do not show."""
    notes = []
    if view["memorization"]:
        notes.append(
            f"Memorization: {view['copy_share']:.0%} of samples are closer to a training image than 95% of "
            f"held-out real images are (Meehan et al. Z_U {view['memorization_z_u']:.1f}); see the "
            "nearest training images below. A memorizing generator is never healthy."
        )
    for gate in view.get("gates", []):
        if gate == "off_manifold":
            notes.append("Samples lie off the real manifold (fidelity gate): the score is at least critical.")
        if gate == "modes_lost":
            notes.append("Most modes are missing (modes gate): the score is at least critical.")
    if view["precision"] < LOW_PRECISION:
        notes.append(
            f"Low precision ({view['precision']:.2f}): most samples lie off the real manifold, so coverage "
            "and modes also reflect poor fidelity (e.g. an undertrained generator), not only collapse."
        )
    protocol = view.get("stacked_mnist_protocol")
    if protocol is not None:
        comparable = "" if protocol["comparable"] else " (fewer than the protocol's 26,000 samples)"
        notes.append(
            f"Stacked MNIST protocol{comparable}: {protocol['modes']}/1000 modes, KL to uniform "
            f"{protocol['kl_uniform']:.3f} from {protocol['samples']} samples; digit classifier "
            f"{protocol['digit_accuracy_heldout']:.1%} on held-out digits."
        )
    return notes
