"""What each part of the fast path buys, side by side in one process: eager, CUDA graphs one phase per
graph, graphs with D and the critic as concurrent branches of one graph, and that with the NCA step and
the generator compiled (``TrainOptions.compile``).

In-process rigs (``benchmarks/rig.py``: the real ``Trainer`` on random images), each started at the first
step of ``--epoch`` (so the growth curriculum's NCA step count is that epoch's), warmed up (compilation,
cuDNN autotuning and the graphs' recordings), then timed in alternation, ``--rounds`` windows of
``--steps`` steps each, so drift of the machine falls on every variant alike. The figure is the median
window's images/s; the spread is the slowest and fastest window.

    python benchmarks/bench_fast_parts.py --epochs 2 60 --json out.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
from pathlib import Path

import torch
from rig import Rig, add_run_arguments, build_rig

FAST = "TrainOptions.speed = 'fast'"
VARIANTS = {
    "eager": [],
    "fast, one graph per phase": [FAST],
    "fast": [FAST],
    "fast + compile": [FAST, "TrainOptions.compile = True"],
}


def prepared(args: argparse.Namespace, name: str, epoch: int) -> Rig:
    rig = build_rig(args.experiment, args.profile, args.batch_size, args.resolution, VARIANTS[name])
    runner = rig.trainer.stepper.runner
    if name == "fast, one graph per phase":
        runner.groups = lambda phases: [(phase,) for phase in phases]
    rig.trainer.step = (epoch - 1) * rig.trainer.steps_per_epoch
    rig.window(args.warmup)
    rig.sync()
    return rig


def compare(args: argparse.Namespace, epoch: int) -> dict[str, dict[str, float]]:
    rigs = {name: prepared(args, name, epoch) for name in args.variants}
    rates: dict[str, list[float]] = {name: [] for name in rigs}
    for _ in range(args.rounds):
        for name, rig in rigs.items():
            rates[name].append(rig.images_per_second(args.steps))
    result = {}
    for name, found in rates.items():
        result[name] = {"median": statistics.median(found), "min": min(found), "max": max(found)}
        describe = rigs[name].trainer.stepper.runner.describe()
        result[name]["graphs"] = describe.get("cuda_graphs_recorded", 0)
    del rigs
    torch.cuda.empty_cache()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser)
    parser.add_argument("--epochs", type=int, nargs="+", default=[2], help="schedule points to measure at")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--warmup", type=int, default=150)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
    print(f"{device}, torch {torch.__version__}, {datetime.date.today()}, {args.experiment} profile "
          f"{args.profile}, {args.resolution}px, batch {args.batch_size}; {args.rounds} windows of "
          f"{args.steps} steps each after {args.warmup} warm-up steps, in alternation")
    print("| epoch | variant | img/s (median window) | slowest–fastest | × eager | graphs |")
    print("|---|---|---|---|---|---|")
    results = {}
    for epoch in args.epochs:
        results[epoch] = compare(args, epoch)
        eager = results[epoch].get("eager", {}).get("median")
        for name, row in results[epoch].items():
            ratio = f"{row['median'] / eager:.2f}" if eager else "-"
            print(f"| {epoch} | {name} | {row['median']:.0f} | {row['min']:.0f}–{row['max']:.0f} | {ratio} "
                  f"| {row['graphs']} |", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"device": device, "torch": torch.__version__, "args": vars(args),
                                         "results": results}, indent=2, default=str))


if __name__ == "__main__":
    main()
