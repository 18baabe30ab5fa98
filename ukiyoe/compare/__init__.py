"""The compare stage (before/after report) and ``ukiyoe ablate`` (per-fix ablation over seeds, DVC queue)."""

from ukiyoe.compare.ablate import AblationRanking, rank_round
from ukiyoe.compare.ablation_stats import SeededEffect
from ukiyoe.compare.compare import Comparison, build_comparison
from ukiyoe.compare.dvc_experiments import ExperimentRecord, exp_show, parse_exp_show
from ukiyoe.compare.outputs import flat_metrics, write_outputs

__all__ = [
    "AblationRanking",
    "Comparison",
    "ExperimentRecord",
    "SeededEffect",
    "build_comparison",
    "exp_show",
    "flat_metrics",
    "parse_exp_show",
    "rank_round",
    "write_outputs",
]
