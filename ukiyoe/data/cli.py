"""``ukiyoe prepare``: turn the ``data:`` block of params.yaml into ``data/prepared/``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "prepare",
        help="build data/prepared/ from the data: block of params.yaml",
        description="Build the prepared data set (the train split's images.npy and labels.npy, the "
        "held-out split in heldout/, split.npy, manifest.json, rejected.json and, where modes are known, "
        "the mode classifier) from seed, resolution and the data: block of params.yaml.",
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
    from ukiyoe.data.params import load_params
    from ukiyoe.data.prepare import prepare

    params = load_params(args.params)
    started = time.perf_counter()
    manifest = prepare(params, args.out, args.params.resolve().parent)
    modes = f", {manifest['num_modes']} modes" if manifest["num_modes"] else ""
    classifier = manifest["classifier"]
    accuracy = f", mode classifier {classifier['accuracy']:.1%} held-out" if classifier else ""
    print(
        f"prepared {manifest['count']} train + {manifest['heldout_count']} held-out images of "
        f"{params.resolution}x{params.resolution} from {params.source}{modes}{accuracy}; "
        f"{manifest['rejected_count']} rejected; {args.out} ({time.perf_counter() - started:.1f} s)"
    )
    if args.grid is not None:
        from ukiyoe.data.loader import load_prepared
        from ukiyoe.data.sample_grid import save_grid

        prepared = load_prepared(args.out)
        save_grid(prepared.images, prepared.labels, prepared.num_modes, args.grid)
        print(f"contact sheet: {args.grid}")
    return 0
