"""The ``ukiyoe`` command: one subcommand per pipeline stage, each defined by its own package.

Stage packages import torch lazily, inside their handlers, so ``ukiyoe --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ukiyoe.errors import UkiyoeError

# Each module exposes ``register(subparsers)``, which adds its subcommand(s) and sets ``func``.
STAGE_CLIS = (
    "ukiyoe.data.cli",
    "ukiyoe.validate.cli",
    "ukiyoe.train.cli",
    "ukiyoe.diagnose.cli",
    "ukiyoe.compare.cli",
    "ukiyoe.config.cli",
    "ukiyoe.plots.cli",
    "ukiyoe.sample.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ukiyoe",
        description="A reproducible GAN lab for ukiyo-e art that makes mode collapse visible and fixable.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in STAGE_CLIS:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UkiyoeError as error:
        print(f"ukiyoe {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"ukiyoe {args.command}: interrupted", file=sys.stderr)
        return 130
