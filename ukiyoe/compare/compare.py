"""The compare stage's model: two diagnose reports read, judged and drawn, ready to be written out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ukiyoe.compare.budget import budget_note
from ukiyoe.compare.config_diff import ConfigDiff, diff_config_dirs
from ukiyoe.compare.dvc_experiments import ExperimentRecord
from ukiyoe.compare.history import TrainingDynamics, TrainingHistory, read_history, summarize
from ukiyoe.compare.plots import loss_trend_png, side_by_side_png
from ukiyoe.compare.sides import ReportSide, load_side
from ukiyoe.compare.verdict import MetricDelta, Verdict, decide, metric_deltas

GRIDS_PNG, LOSS_TREND_PNG = "grids.png", "loss_trend.png"


@dataclass(frozen=True)
class Comparison:
    before: ReportSide
    after: ReportSide
    rows: list[MetricDelta]
    verdict: Verdict
    dynamics: dict[str, TrainingDynamics | None]
    config: ConfigDiff
    figures: dict[str, bytes]
    experiments: list[ExperimentRecord] = field(default_factory=list)
    experiment_metrics_file: str = ""
    budget_note: str | None = None

    @property
    def sides(self) -> tuple[ReportSide, ReportSide]:
        return self.before, self.after


def build_comparison(before_dir: Path | str, after_dir: Path | str,
                     experiments: list[ExperimentRecord] | None = None,
                     experiment_metrics_file: str = "") -> Comparison:
    """Everything the reports show, computed once; reads files only."""
    before, after = load_side(before_dir, "before"), load_side(after_dir, "after")
    rows = metric_deltas(before.metrics, after.metrics)
    histories: dict[str, TrainingHistory | None] = {
        side.label: read_history(side.history_csv) if side.history_csv else None for side in (before, after)
    }
    figures = {
        name: png
        for name, png in (
            (GRIDS_PNG, side_by_side_png(_grid_panels(before, after))),
            (LOSS_TREND_PNG, loss_trend_png(histories)),
        )
        if png is not None
    }
    return Comparison(
        before=before,
        after=after,
        rows=rows,
        verdict=decide(
            rows,
            before.metrics.get("severity"),
            after.metrics.get("severity"),
            demo="demo" in (before.profile, after.profile),
        ),
        dynamics={label: summarize(history) if history else None for label, history in histories.items()},
        config=diff_config_dirs(before.config_dir, after.config_dir),
        figures=figures,
        experiments=experiments or [],
        experiment_metrics_file=experiment_metrics_file,
        budget_note=budget_note(before, after),
    )


def _grid_panels(before: ReportSide, after: ReportSide) -> list[tuple[str, Path]]:
    candidates = [
        (f"before: {before.report_dir.name}", before.samples_png),
        (f"after: {after.report_dir.name}", after.samples_png),
        ("real data", after.real_png or before.real_png),
    ]
    return [(caption, path) for caption, path in candidates if path is not None]
