"""The compare stage (before/after report) and ``ukiyoe ablate`` (per-fix ablation over a DVC queue)."""

from ukiyoe.compare.ablate import AblationRanking, FixEffect, rank_round
from ukiyoe.compare.compare import Comparison, build_comparison
from ukiyoe.compare.dvc_experiments import ExperimentRecord, exp_show, parse_exp_show
from ukiyoe.compare.outputs import flat_metrics, write_outputs

__all__ = [
    "AblationRanking",
    "Comparison",
    "ExperimentRecord",
    "FixEffect",
    "build_comparison",
    "exp_show",
    "flat_metrics",
    "parse_exp_show",
    "rank_round",
    "write_outputs",
]
