"""``ukiyoe diagnose``: measure a checkpoint (or any image set) for mode collapse and write its report."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diagnose",
        help="score a checkpoint or image set for mode collapse and write reports/<name>/",
        description="Draw samples from a checkpoint's EMA generator (or read --samples), measure them "
        "against the prepared data and write metrics.json, card.json, report.md and report.html.",
    )
    parser.add_argument("--checkpoint", type=Path, help="checkpoint directory, e.g. checkpoints/fixed")
    parser.add_argument(
        "--data", type=Path, required=True, help="prepared data directory, e.g. data/prepared"
    )
    parser.add_argument("--out", type=Path, required=True, help="report directory, e.g. reports/fixed")
    parser.add_argument(
        "--samples",
        type=Path,
        help="diagnose this image set instead: a folder of images or a .npy (uint8 or [-1, 1])",
    )
    parser.add_argument(
        "--num-samples", type=int, help="samples to draw (default: DiagnoseOptions.num_samples)"
    )
    parser.add_argument(
        "--train-metrics",
        type=Path,
        help="training curves directory (default: metrics/train/<checkpoint name>)",
    )
    parser.add_argument(
        "--device", default="auto", help="torch device for sampling and metrics (default: auto)"
    )
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from ukiyoe.diagnose.stage import DiagnoseRequest, run

    request = DiagnoseRequest(
        data=args.data,
        out=args.out,
        checkpoint=args.checkpoint,
        samples=args.samples,
        num_samples=args.num_samples,
        train_metrics=args.train_metrics,
        device=args.device,
    )
    metrics = run(request)
    print(
        f"{args.out}: collapse score {metrics['collapse_score']}/15 ({metrics['severity']}); "
        f"coverage {metrics['coverage']:.3f}, feature space {metrics['feature_space']}"
    )
    return 0
