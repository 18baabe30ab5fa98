"""``ukiyoe train``: ``torchrun --nproc_per_node N -m ukiyoe train ...`` for several GPUs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ukiyoe.config.cli import add_without_fix


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train the GAN of one experiment (a Sacred run)",
        description="Train the networks of a compiled experiment; checkpoints to --out, curves to --metrics.",
    )
    parser.add_argument(
        "--config",
        required=True,
        type=Path,
        help="experiment gin file (compiled into <out>/config/) or a compiled config directory",
    )
    parser.add_argument("--params", type=Path, default=None, help="params.yaml supplying the gin macros")
    parser.add_argument("--data", required=True, type=Path, help="prepared data directory (ukiyoe prepare)")
    parser.add_argument(
        "--out", required=True, type=Path, help="checkpoint directory, e.g. checkpoints/fixed"
    )
    parser.add_argument(
        "--resume",
        choices=["auto"],
        default=None,
        help="continue from the newest valid checkpoint in --out (same config required)",
    )
    parser.add_argument(
        "--force", action="store_true",
        help="replace the checkpoints of an earlier run in --out (without it, training there is refused)",
    )
    parser.add_argument(
        "--bind", action="append", default=[], metavar="X=Y", help="extra gin binding (repeatable)"
    )
    add_without_fix(parser)
    parser.add_argument(
        "--metrics", type=Path, default=None, help="curves directory (default metrics/train/<out name>)"
    )
    parser.add_argument(
        "--observer",
        default=None,
        help="Sacred observer URL: file:///path, sqlite:///path, postgresql://..., mongodb://...",
    )
    parser.set_defaults(func=handle)

    runs = subparsers.add_parser(
        "runs", help="list the train stage's Sacred runs: status, config hash, images/s, wall time",
        description="Reads the Sacred file store (default: $UKIYOE_RUNS_DIR, else $DVC_ROOT/runs/sacred, "
                    "else runs/sacred) or a SQL database (sqlite:///runs.db, postgresql://...).",
    )
    runs.add_argument("--observer", default=None, help="the URL given to 'ukiyoe train --observer'")
    runs.set_defaults(func=handle_runs)


def handle(args: argparse.Namespace) -> int:
    from ukiyoe.train.signals import StopRequested
    from ukiyoe.train.stage import TrainRequest, run

    request = TrainRequest(
        config=args.config,
        params=args.params,
        data=args.data,
        out=args.out,
        metrics=args.metrics or Path("metrics") / "train" / args.out.name,
        binds=tuple(args.bind),
        without_fixes=tuple(args.without_fix),
        with_fixes=tuple(args.with_fix),
        resume=args.resume == "auto",
        observer=args.observer,
        force=args.force,
    )
    try:
        summary = run(request)
    except StopRequested as stop:
        print(f"ukiyoe train: {stop}; resume with --resume auto", file=sys.stderr)
        return stop.exit_code
    speed = summary.get("images_per_second")
    rate = f"{speed:.1f} images/s" if isinstance(speed, int | float) else "speed not recorded"
    verb = "already done" if summary.get("already_finished") else "done"
    print(f"ukiyoe train: {verb}, {summary['steps']} steps, {rate}; checkpoints in {args.out}",
          file=sys.stderr)
    return 0


def handle_runs(args: argparse.Namespace) -> int:
    from ukiyoe.train.runs import format_table, list_runs

    rows = list_runs(args.observer)
    print(format_table(rows) if rows else "no runs yet")
    return 0
