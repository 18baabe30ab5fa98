"""The ``ukiyoe`` command: one subcommand per pipeline stage, each defined by its own package.

Stage packages import torch lazily, inside their handlers, so ``ukiyoe --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ukiyoe.common.errors import UkiyoeError

# The module that registers each subcommand: its ``register(subparsers)`` adds the subcommand(s) and sets
# ``func``.
SUBCOMMANDS = {
    "prepare": "ukiyoe.data.cli",
    "validate": "ukiyoe.validate.cli",
    "train": "ukiyoe.train.cli",
    "runs": "ukiyoe.train.cli",
    "diagnose": "ukiyoe.diagnose.cli",
    "compare": "ukiyoe.compare.cli",
    "ablate": "ukiyoe.compare.cli",
    "config": "ukiyoe.config.cli",
    "plots": "ukiyoe.plots.cli",
    "sample": "ukiyoe.sample.cli",
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: when it names a subcommand, only that subcommand's module is imported, so a
    pipeline stage runs (and DVC hashes) its own code only; otherwise all of them, for help and errors."""
    parser = argparse.ArgumentParser(
        prog="ukiyoe",
        description="A reproducible GAN lab for ukiyo-e art that makes mode collapse visible and fixable.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    named = argv[0] if argv else None
    modules = [SUBCOMMANDS[named]] if named in SUBCOMMANDS else list(dict.fromkeys(SUBCOMMANDS.values()))
    for module_name in modules:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UkiyoeError as error:
        print(f"ukiyoe {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"ukiyoe {args.command}: interrupted", file=sys.stderr)
        return 130
