"""``ukiyoe compare`` (before/after report) and ``ukiyoe ablate`` (one DVC experiment per removed fix)."""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_METRICS_FILE = "reports/fixed/metrics.json"  # what compare and ablate read by default


def register(subparsers: argparse._SubParsersAction) -> None:
    compare = subparsers.add_parser(
        "compare", help="compare two diagnose reports: deltas, verdict, config diff, grids",
        description="Compare the before and after diagnose reports and write reports/compare/.",
    )
    compare.add_argument("--before", type=Path, default=Path("reports/collapsed"), help="before report dir")
    compare.add_argument("--after", type=Path, default=Path("reports/fixed"), help="after report dir")
    compare.add_argument("--out", type=Path, default=Path("reports/compare"), help="output directory")
    compare.add_argument("--exp", nargs="+", metavar="NAME", default=[],
                         help="also tabulate these DVC experiments (names, revs, 'workspace' or a branch)")
    compare.add_argument("--exp-metrics", default=DEFAULT_METRICS_FILE, metavar="FILE",
                         help="metrics file whose values the experiment table shows (default: %(default)s)")
    compare.add_argument("--repo", type=Path, default=Path("."), help="DVC repository for --exp")
    compare.set_defaults(func=run_compare)

    ablate = subparsers.add_parser(
        "ablate", help="queue one DVC experiment per fix with that fix removed, run them, rank the fixes",
        description="With no step flag, all three steps run: --queue, --run, --collect.",
    )
    ablate.add_argument("--queue", action="store_true", help="queue the reference and one run per fix")
    ablate.add_argument("--run", action="store_true",
                        help="run the queue with --jobs workers ('dvc exp run --run-all') and wait")
    ablate.add_argument("--collect", action="store_true", help="write ranking.md and ranking.json")
    ablate.add_argument("--fixes-dir", type=Path, default=Path("experiments/fixes"),
                        help="one experiment per *.gin here (default: %(default)s)")
    ablate.add_argument("--fix", action="append", default=[], metavar="NAME",
                        help="ablate only these fixes (repeatable; default: every *.gin in --fixes-dir)")
    ablate.add_argument("--param", default="ablate.fix", help="params.yaml key naming the removed fix")
    ablate.add_argument("-S", "--set-param", action="append", default=[], metavar="KEY=VALUE",
                        help="extra 'dvc exp run -S' override for every run, e.g. epochs=5")
    ablate.add_argument("-j", "--jobs", type=int, default=2, help="parallel queue workers")
    ablate.add_argument("--timeout", type=float, default=6 * 3600, help="seconds to wait for the queue")
    ablate.add_argument("--metrics", default=DEFAULT_METRICS_FILE, help="metrics file each run writes")
    ablate.add_argument("--round", dest="round_tag", help="collect this round (default: the latest)")
    ablate.add_argument("--out", type=Path, default=Path("reports/ablation"),
                        help="where ranking.md and ranking.json go, inside --repo (default: %(default)s)")
    ablate.add_argument("--repo", type=Path, default=Path("."), help="the DVC repository")
    ablate.set_defaults(func=run_ablate)


def run_compare(args: argparse.Namespace) -> int:
    from ukiyoe.compare.stage import CompareRequest, run

    request = CompareRequest(args.before, args.after, args.out, args.repo, tuple(args.exp), args.exp_metrics)
    comparison = run(request)
    print(f"verdict: {comparison.verdict.word} ({comparison.verdict.reason})")
    print(f"wrote {args.out / 'report.html'}")
    return 0


def run_ablate(args: argparse.Namespace) -> int:
    from ukiyoe.compare import ablate
    from ukiyoe.compare.dvc_experiments import exp_show
    from ukiyoe.errors import UkiyoeError

    if args.jobs < 1:
        raise UkiyoeError(f"--jobs must be at least 1, got {args.jobs}")
    every_step = not (args.queue or args.run or args.collect)
    round_tag, names, records = args.round_tag, None, None
    if args.queue or every_step:
        fixes = ablate.discover_fixes(args.repo / args.fixes_dir)
        unknown = sorted(set(args.fix) - set(fixes))
        if unknown:
            raise UkiyoeError(f"--fix {', '.join(unknown)}: not in {args.fixes_dir} "
                              f"(known: {', '.join(fixes)})")
        round_tag = round_tag or ablate.new_round_tag()
        names = ablate.queue_ablation(args.repo, args.fix or fixes, args.param, args.set_param, round_tag)
        print(f"queued {len(names)} experiments of round {round_tag}: {', '.join(names)}")
    if args.run or every_step:
        if names is None:
            known = exp_show(args.repo)
            round_tag = round_tag or ablate.latest_round(known)
            names = [r.name for r in known if r.name and r.name.startswith(f"ablate-{round_tag}-")]
        records = ablate.run_queue(args.repo, args.jobs, names, args.timeout)
        print(f"round {round_tag} finished")
    if args.collect or every_step:
        ranking = ablate.rank_round(records or exp_show(args.repo), args.metrics, args.param, round_tag)
        out_dir = ablate.write_ranking(ranking, args.repo / args.out)
        for rank, effect in enumerate(ranking.effects, start=1):
            print(f"{rank}. {effect.fix}: {effect.verdict} (collapse effect {effect.collapse_effect}, "
                  f"coverage effect {effect.coverage_effect})")
        print(f"wrote {out_dir / 'ranking.md'}")
    return 0
