"""``ukiyoe compare`` (before/after report) and ``ukiyoe ablate`` (one DVC experiment per removed fix)."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

# The compare stage's DVC metrics file (the before/after headline), what compare --exp and ablate read;
# ablate's add-one-in runs read the same headline's before-side columns.
DEFAULT_METRICS_FILE = "reports/compare/metrics.json"
DEFAULT_BASELINE_METRICS_FILE = DEFAULT_METRICS_FILE


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
        "ablate", help="per fix, K seeds with it left out of the experiment and added to the baseline; rank",
        description="With no step flag, all three steps run: --queue, --run, --collect.",
    )
    ablate.add_argument("--queue", action="store_true", help="queue the references and the runs per fix")
    ablate.add_argument("--run", action="store_true",
                        help="run the queue with --jobs workers ('dvc queue start') and wait for its runs")
    ablate.add_argument("--collect", action="store_true", help="write ranking.md and ranking.json")
    ablate.add_argument("--seeds", type=int, default=3, metavar="K", help="seeds 0..K-1 per run (default: 3)")
    ablate.add_argument("--experiment", type=Path, default=Path("experiments/fixed.gin"),
                        help="the experiment dvc.yaml's after side compiles; its fixes are ablated "
                             "(default: %(default)s)")
    ablate.add_argument("--direction", action="append", choices=["out", "in"], default=[],
                        help="out: leave one fix out; in: add one to the baseline (repeatable; default both)")
    ablate.add_argument("--fixes-dir", type=Path, default=Path("experiments/fixes"),
                        help="where the fixes live (default: %(default)s)")
    ablate.add_argument("--fix", action="append", default=[], metavar="NAME",
                        help="ablate only these fixes (repeatable; default: every fix --experiment includes)")
    ablate.add_argument("--param", default="ablate.fix", help="params.yaml key naming the removed fix")
    ablate.add_argument("--add-param", default="ablate.add", help="params.yaml key naming the added fix")
    ablate.add_argument("-S", "--set-param", action="append", default=[], metavar="KEY=VALUE",
                        help="extra 'dvc exp run -S' override for every run, e.g. epochs=5")
    ablate.add_argument("-j", "--jobs", type=int, default=None,
                        help="parallel queue workers (default: as many runs as the GPU's free memory holds, "
                             "see --gpu-gib-per-run; 2 without a GPU)")
    ablate.add_argument("--gpu-gib-per-run", type=float, default=None, metavar="GIB",
                        help="GPU memory one run needs, for the default --jobs")
    ablate.add_argument("--mps", action="store_true",
                        help="run the queue under a private CUDA MPS daemon, so the runs sharing one GPU run "
                             "their kernels side by side (benchmarks/RESULTS.md measures it)")
    ablate.add_argument("--timeout", type=float, default=6 * 3600, help="seconds to wait for the queue")
    ablate.add_argument("--metrics", default=DEFAULT_METRICS_FILE, help="metrics file of leave-one-out runs")
    ablate.add_argument("--baseline-metrics", default=DEFAULT_BASELINE_METRICS_FILE,
                        help="metrics file of add-one-in runs (default: the same headline)")
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


def _queue_round(args: argparse.Namespace) -> tuple[str, list[str]]:
    from ukiyoe.common.errors import UkiyoeError
    from ukiyoe.compare import ablate

    if args.seeds < 1:
        raise UkiyoeError(f"--seeds must be at least 1, got {args.seeds}")
    experiment, fixes_dir = args.repo / args.experiment, args.repo / args.fixes_dir
    fixes = ablate.included_fixes(experiment, fixes_dir)
    unknown = sorted(set(args.fix) - set(fixes))
    if unknown:
        raise UkiyoeError(f"--fix {', '.join(unknown)}: not a fix {args.experiment} includes "
                          f"(it includes: {', '.join(fixes)})")
    round_tag = args.round_tag or ablate.new_round_tag()
    plan = ablate.plan_round(args.fix or fixes, range(args.seeds), args.direction or ("out", "in"))
    names = ablate.queue_ablation(args.repo, plan, round_tag, args.set_param, args.param, args.add_param)
    print(f"queued {len(names)} experiments of round {round_tag}: {', '.join(names)}")
    return round_tag, names


def run_ablate(args: argparse.Namespace) -> int:
    from ukiyoe.common import mps
    from ukiyoe.common.errors import UkiyoeError
    from ukiyoe.compare import ablate
    from ukiyoe.compare.dvc_experiments import exp_show

    if args.jobs is not None and args.jobs < 1:
        raise UkiyoeError(f"--jobs must be at least 1, got {args.jobs}")
    if args.gpu_gib_per_run is not None and not args.gpu_gib_per_run > 0:
        raise UkiyoeError(f"--gpu-gib-per-run must be positive, got {args.gpu_gib_per_run}")
    every_step = not (args.queue or args.run or args.collect)
    if args.mps and (args.run or every_step):
        mps.control_program()  # a machine without MPS is told so before anything is queued
    round_tag, names, records = args.round_tag, None, None
    if args.queue or every_step:
        round_tag, names = _queue_round(args)
    if args.run or every_step:
        if names is None:
            known = exp_show(args.repo)
            round_tag = round_tag or ablate.latest_round(known)
            names = [r.name for r in known if r.name and r.name.startswith(f"ablate-{round_tag}-")]
        jobs = args.jobs or ablate.default_jobs(len(names), args.gpu_gib_per_run or ablate.GPU_GIB_PER_RUN)
        print(f"running {len(names)} experiments, {jobs} at a time")
        with mps.mps_daemon() if args.mps else contextlib.nullcontext():
            records = ablate.run_queue(args.repo, jobs, names, args.timeout)
        print(f"round {round_tag} finished")
    if args.collect or every_step:
        ranking = ablate.rank_round(records or exp_show(args.repo), args.metrics, args.baseline_metrics,
                                    round_tag)
        out_dir = ablate.write_ranking(ranking, args.repo / args.out)
        for effect in ranking.effects:
            print(f"{effect.direction} {effect.fix} {effect.metric}: {effect.verdict} "
                  f"(effect {effect.effect:+.4g} ± {effect.effect_std:.2g}, p {effect.p_value})")
        print(f"wrote {out_dir / 'ranking.md'}")
    return 0
