"""The report's tables as plain rows of text, shared by the Markdown and HTML renderings."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ukiyoe.compare.compare import Comparison
from ukiyoe.compare.dvc_experiments import ExperimentRecord
from ukiyoe.compare.verdict import SPECS_BY_KEY, Direction

# The compare headline's keys (reports/compare/metrics.json), then a per-side report's.
EXPERIMENT_METRICS = ("collapse", "verdict", "modes_after", "coverage_after",
                      "fid_after", "collapse_score", "severity", "coverage", "recall", "ndb_k",
                      "mode_coverage", "mode_kl", "near_duplicate_rate", "fid_inhouse")
NO_HISTORY = "n/a (no history.csv)"


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    note: str = ""


def fmt(value: Any) -> str:
    """Numbers short and stable (ints as ints, 4 significant digits), everything else as text."""
    if value is None:
        return "n/a"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e9:
        return str(int(value))
    return f"{value:.4g}"


def fmt_binding(value: Any) -> str:
    """A config value: None is a bound None (as gin writes it), not a missing number."""
    return "None" if value is None else fmt(value)


def fmt_delta(value: float | None) -> str:
    return "n/a" if value is None else ("+" if value > 0 else "") + fmt(value)


def seed_table(comparison: Comparison) -> Table:
    """The founding document's before/after rows, now with the severity the collapse score maps to."""
    before, after = comparison.before.metrics, comparison.after.metrics
    dynamics = comparison.dynamics

    def value_range(metrics: dict[str, Any]) -> str:
        return f"{fmt(metrics.get('value_min'))} .. {fmt(metrics.get('value_max'))}"

    def trend(label: str) -> str:
        side = dynamics.get(label)
        return side.g_loss_trend if side is not None else NO_HISTORY

    def balance(label: str) -> str:
        side = dynamics.get(label)
        return f"{side.d_balance} (gap {fmt(side.d_gap)})" if side is not None else NO_HISTORY

    rows = [
        ("unique pixel values", fmt(before.get("unique_pixel_values")),
         fmt(after.get("unique_pixel_values"))),
        ("value range", value_range(before), value_range(after)),
        ("collapse score (0-15)", f"{fmt(before.get('collapse_score'))} ({before.get('severity', 'n/a')})",
         f"{fmt(after.get('collapse_score'))} ({after.get('severity', 'n/a')})"),
        ("generator-loss trend", trend("before"), trend("after")),
        ("discriminator balance", balance("before"), balance("after")),
        ("visual grid", "grids.png, left", "grids.png, middle"),
    ]
    return Table("Before / after", ("", "before", "after"), rows)


def metrics_table(comparison: Comparison) -> Table:
    rows = [
        (row.spec.title, fmt(row.before), fmt(row.after), fmt_delta(row.delta),
         row.judgement, row.spec.direction.value)
        for row in comparison.rows
    ]
    return Table("Metrics", ("metric", "before", "after", "delta", "change", "direction"), rows,
                 note="change uses a per-metric tolerance; only collapse metrics decide the verdict")


def fixes_table(comparison: Comparison) -> Table:
    config = comparison.config
    rows = [(fix.path, "yes" if fix.before else "no", "yes" if fix.after else "no") for fix in config.fixes]
    before, after = config.experiments
    experiments = f"experiments: {before or '?'} -> {after or '?'}"
    note = config.note or (experiments if rows else "no fix files on either side")
    return Table("Fixes included", ("fix file", "before", "after"), rows, note=note)


def learning_rate_table(comparison: Comparison) -> Table:
    config = comparison.config
    rows = [(change.key, fmt_binding(change.before), fmt_binding(change.after),
             "changed" if change.before != change.after else "same", change.source)
            for change in config.learning_rates]
    header = ("binding", "before", "after", "", "set by (after)")
    return Table("Learning rates", header, rows, note=config.note)


def config_changes_table(comparison: Comparison) -> Table:
    rows = [(change.key, fmt_binding(change.before), fmt_binding(change.after), change.source)
            for change in comparison.config.changes]
    note = comparison.config.note or ("" if rows else "no other binding differs")
    header = ("binding", "before", "after", "set by (after)")
    return Table("Other config differences", header, rows, note=note)


def experiments_table(comparison: Comparison) -> Table | None:
    """Selected DVC experiments: the params that differ between them, then the key collapse metrics."""
    records = comparison.experiments
    if not records:
        return None
    metrics_file = comparison.experiment_metrics_file
    param_keys = _varying_params(records)
    metric_keys = [key for key in EXPERIMENT_METRICS
                   if any(record.metric(key, metrics_file) is not None for record in records)]
    header = ("experiment", "state", *param_keys, *(_metric_title(key) for key in metric_keys))
    rows = [
        (record.label, record.state, *(fmt(record.param(key)) for key in param_keys),
         *(fmt(record.metric(key, metrics_file)) for key in metric_keys))
        for record in records
    ]
    return Table("DVC experiments", header, rows, note=f"metrics from {metrics_file}")


def _metric_title(key: str) -> str:
    spec = SPECS_BY_KEY.get(key)
    if spec is None or spec.direction is Direction.INFO:
        return key
    return f"{key} ({'↓' if spec.direction is Direction.LOWER else '↑'})"


def _varying_params(records: list[ExperimentRecord]) -> list[str]:
    keys = sorted({key for record in records for key in record.params.get("params.yaml", {})})
    varying = [key for key in keys if len({repr(record.param(key)) for record in records}) > 1]
    return varying or keys[:6]
