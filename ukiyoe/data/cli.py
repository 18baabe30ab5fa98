"""``ukiyoe prepare``: turn the ``data:`` block of params.yaml into ``data/prepared/``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "prepare",
        help="build data/prepared/ from the data: block of params.yaml",
        description="Build the prepared data set (images.npy, labels.npy, manifest.json, rejected.json and, "
        "where modes are known, the mode classifier) from seed, resolution and the data: block of "
        "params.yaml.",
    )
    parser.add_argument(
        "--params", type=Path, default=Path("params.yaml"), help="params file (default: params.yaml)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("data/prepared"), help="output directory (replaced atomically)"
    )
    parser.add_argument(
        "--grid", type=Path, default=None, help="also write a PNG contact sheet of the prepared images here"
    )
    parser.set_defaults(func=handle_prepare)


def handle_prepare(args: argparse.Namespace) -> int:
    from ukiyoe.data.stage import PrepareRequest, run

    started = time.perf_counter()
    manifest = run(PrepareRequest(args.params, args.out, args.grid))
    modes = f", {manifest['num_modes']} modes" if manifest["num_modes"] else ""
    classifier = manifest["classifier"]
    accuracy = f", mode classifier {classifier['accuracy']:.1%} held-out" if classifier else ""
    resolution = manifest["resolution"]
    print(
        f"prepared {manifest['count']} images of {resolution}x{resolution} from {manifest['source']}"
        f"{modes}{accuracy}; {manifest['rejected_count']} rejected; {args.out} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    if args.grid is not None:
        print(f"contact sheet: {args.grid}")
    return 0
