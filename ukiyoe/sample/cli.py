"""``ukiyoe sample --checkpoint DIR --seeds 0-15 --out X [--truncation PSI] [--interpolate N]``."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sample", help="images, a grid and a latent interpolation strip from a checkpoint",
        description="Draws one image per seed with the checkpoint's EMA generator (NCA refiner included). "
                    "A seed always gives the same image.",
    )
    parser.add_argument("--checkpoint", required=True, type=Path,
                        help="checkpoint directory, e.g. checkpoints/fixed")
    parser.add_argument("--seeds", default="0-15", help="seeds: 0-15, 3,7,9 or 0-3,10 (default: %(default)s)")
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument("--truncation", type=float, default=1.0, metavar="PSI",
                        help="truncation ψ: 1 = none, < 1 trades variety for typical images (default: 1)")
    parser.add_argument("--grid", action=argparse.BooleanOptionalAction, default=True,
                        help="also write grid.png of all seeds (default: on)")
    parser.add_argument("--interpolate", type=int, nargs="?", const=8, default=0, metavar="FRAMES",
                        help="write interpolation.png: FRAMES steps (default 8) from each seed to the next")
    parser.add_argument("--device", default="cpu", help="torch device (default: cpu)")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from ukiyoe.sample.seeds import parse_seeds
    from ukiyoe.sample.stage import SampleRequest, run

    request = SampleRequest(args.checkpoint, tuple(parse_seeds(args.seeds)), args.out, args.truncation,
                            args.grid, args.interpolate, args.device)
    manifest = run(request)
    print(f"wrote {len(manifest['files'])} pictures and sample.json to {args.out} (step {manifest['step']}, "
          f"epoch {manifest['epoch']}, ψ {args.truncation})")
    return 0
