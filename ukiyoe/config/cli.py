"""``ukiyoe config compile|explain|diff``."""

from __future__ import annotations

import argparse
from pathlib import Path

from ukiyoe import configurables


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``config`` and its sub-subcommands to the ``ukiyoe`` parser."""
    parser = subparsers.add_parser("config", help="compile, explain and diff experiment configs")
    commands = parser.add_subparsers(dest="config_command", required=True, metavar="SUBCOMMAND")

    compile_parser = commands.add_parser("compile", help="resolve an experiment into a compiled config dir")
    compile_parser.add_argument("experiment", type=Path, help="experiment gin file (experiments/fixed.gin)")
    compile_parser.add_argument("--params", type=Path, default=None, help="params.yaml (omit for no macros)")
    _add_bind(compile_parser)
    add_without_fix(compile_parser)
    compile_parser.add_argument("--out", type=Path, required=True, help="directory for the compiled files")
    compile_parser.set_defaults(func=_compile)

    explain_parser = commands.add_parser("explain", help="show each binding's value and where it came from")
    explain_parser.add_argument("compiled", type=Path, help="a compiled config directory")
    explain_parser.add_argument("--grep", default=None, help="only bindings whose name contains this")
    explain_parser.set_defaults(func=_explain)

    diff_parser = commands.add_parser("diff", help="changed, added and removed bindings between two configs")
    diff_parser.add_argument("before", type=Path, help="compiled config directory or experiment gin file")
    diff_parser.add_argument("after", type=Path, help="compiled config directory or experiment gin file")
    diff_parser.add_argument("--params", type=Path, default=None,
                             help="params for gin files (default: ./params.yaml when present)")
    _add_bind(diff_parser)
    diff_parser.add_argument("--grep", default=None, help="only bindings whose name contains this")
    diff_parser.set_defaults(func=_diff)


def add_without_fix(parser: argparse.ArgumentParser) -> None:
    """``--without-fix NAME`` / ``--with-fix NAME``: compile the experiment with
    ``experiments/fixes/NAME.gin`` left out, or added after the experiment's own files (an ablation)."""
    parser.add_argument("--without-fix", action="append", default=[], metavar="NAME",
                        help="leave out experiments/fixes/NAME.gin (an ablation); 'none' leaves out nothing")
    parser.add_argument("--with-fix", action="append", default=[], metavar="NAME",
                        help="add experiments/fixes/NAME.gin after the experiment; 'none' adds nothing")


def _add_bind(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bind", action="append", default=[], metavar="NAME=VALUE",
                        help="override a macro (GEN_LR=1e-4) or binding (MappingNetwork.z_dim=64)")


def _compile(args: argparse.Namespace) -> int:
    from ukiyoe.config.compiler import compile_experiment

    compiled = compile_experiment(args.experiment, args.params, args.bind, args.out,
                                  without=args.without_fix, with_fixes=args.with_fix,
                                  modules=configurables.CONFIGURABLE_MODULES)
    unused = compiled.provenance["unused_params"]
    note = f"; unused params: {', '.join(unused)}" if unused else ""
    print(f"compiled {compiled.provenance['experiment']} -> {args.out} "
          f"({len(compiled.flat)} bindings, sha256 {compiled.sha256[:12]}{note})")
    return 0


def _explain(args: argparse.Namespace) -> int:
    from ukiyoe.config.compiled import load_compiled
    from ukiyoe.config.explain import explain_rows, format_explain

    compiled = load_compiled(args.compiled)
    print(format_explain(compiled, explain_rows(compiled, args.grep)))
    return 0


def _diff(args: argparse.Namespace) -> int:
    from ukiyoe.config.diff import diff_configs, format_diff, load_or_compile

    params = args.params
    if params is None and Path("params.yaml").is_file():
        params = Path("params.yaml")
    modules = configurables.CONFIGURABLE_MODULES
    before = load_or_compile(args.before, params, args.bind, modules=modules)
    after = load_or_compile(args.after, params, args.bind, modules=modules)
    rows = diff_configs(before, after, args.grep, with_params=True)
    print(format_diff(rows, str(args.before), str(args.after)))
    return 0
