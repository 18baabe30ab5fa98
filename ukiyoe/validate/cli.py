"""``ukiyoe validate SIDE=EXPERIMENT ... --params params.yaml --out configs``: the pipeline's first stage."""

from __future__ import annotations

import argparse
from pathlib import Path

from ukiyoe.common.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate", help="compile every experiment with params.yaml before anything trains",
        description="Compiles each SIDE=EXPERIMENT into OUT/SIDE/ (all or nothing): a bad param or gin file "
                    "fails here, before DVC deletes the outputs of the stages after it.",
    )
    parser.add_argument("experiments", nargs="+", metavar="SIDE=EXPERIMENT",
                        help="e.g. collapsed=experiments/collapsed.gin fixed=experiments/fixed.gin")
    parser.add_argument("--params", type=Path, default=None, help="params.yaml supplying the gin macros")
    parser.add_argument("--without-fix", action="append", default=[], metavar="SIDE:NAME",
                        help="compile SIDE without experiments/fixes/NAME.gin ('none': nothing left out)")
    parser.add_argument("--with-fix", action="append", default=[], metavar="SIDE:NAME",
                        help="compile SIDE with experiments/fixes/NAME.gin added ('none': nothing added)")
    parser.add_argument("--out", type=Path, required=True, help="directory of the compiled configs")
    parser.set_defaults(func=handle)


def _pairs(values: list[str], separator: str, flag: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        side, found, rest = value.partition(separator)
        if not found or not side or not rest:
            raise ConfigError(f"{flag} {value!r}: expected SIDE{separator}VALUE")
        pairs.append((side, rest))
    return pairs


def _by_side(values: list[str], flag: str) -> dict[str, tuple[str, ...]]:
    fixes: dict[str, tuple[str, ...]] = {}
    for side, fix in _pairs(values, ":", flag):
        fixes[side] = (*fixes.get(side, ()), fix)
    return fixes


def handle(args: argparse.Namespace) -> int:
    from ukiyoe.validate.stage import ValidateRequest, run

    experiments = dict(_pairs(args.experiments, "=", "SIDE=EXPERIMENT"))
    without, added = _by_side(args.without_fix, "--without-fix"), _by_side(args.with_fix, "--with-fix")
    compiled = run(ValidateRequest(experiments, args.params, args.out, without, added))
    for side, config in compiled.items():
        print(f"validated {side}: {experiments[side]} -> {args.out / side} (sha256 {config.sha256[:12]})")
    return 0
