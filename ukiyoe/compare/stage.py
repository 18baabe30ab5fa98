"""The compare stage end to end: two diagnose reports (and any DVC experiments) → ``reports/compare/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ukiyoe.compare.compare import Comparison


@dataclass(frozen=True)
class CompareRequest:
    before: Path
    after: Path
    out: Path
    repo: Path
    experiments: tuple[str, ...]
    experiment_metrics: str


def run(request: CompareRequest) -> Comparison:
    """Judge the pair, write metrics.json, report.md, report.html and the figures; returns the comparison."""
    from ukiyoe.compare.compare import build_comparison
    from ukiyoe.compare.dvc_experiments import exp_show, select
    from ukiyoe.compare.outputs import write_outputs

    experiments = select(exp_show(request.repo), list(request.experiments)) if request.experiments else []
    comparison = build_comparison(request.before, request.after, experiments, request.experiment_metrics)
    write_outputs(comparison, request.out)
    return comparison
