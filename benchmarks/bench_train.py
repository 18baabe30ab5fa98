"""Training throughput of ``ukiyoe train``: images/s and peak GPU memory per speed setting.

Each variant is a real ``ukiyoe train`` run (its own process) of ``--epochs`` epochs on synthetic data made
by ``ukiyoe prepare``; the figure reported is the throughput after the first epoch (compilation and cuDNN
autotuning excluded) taken from the run's summary.json and details.json. Prints one Markdown table row
per variant; with ``--code``, every variant also runs with another checkout's code, in alternation, so two
commits are compared side by side in one run.

    python benchmarks/bench_train.py --profile full --resolution 64 --batch-sizes 32 --variants eager fast
    python benchmarks/bench_train.py --profile demo --variants eager          # the CPU demo
    git worktree add ../before HEAD~1 && python benchmarks/bench_train.py --code before=../before
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from rig import write_params

REPO = Path(__file__).resolve().parents[1]
FAST = "TrainOptions.speed = 'fast'"
BF16, CHANNELS_LAST = "TrainOptions.amp = 'bf16'", "TrainOptions.channels_last = True"
VARIANTS = {
    "eager": [],
    "eager+compile": ["TrainOptions.compile = True"],
    "eager+bf16+channels_last": [BF16, CHANNELS_LAST],
    "fast": [FAST],
    "fast+bf16": [FAST, BF16],
    "fast+channels_last": [FAST, CHANNELS_LAST],
    "fast+bf16+channels_last": [FAST, BF16, CHANNELS_LAST],
    "fast+compile": [FAST, "TrainOptions.compile = True"],
}


def run(command: list[str], env: dict[str, str], timeout: float | None = None, cwd: Path = REPO
        ) -> str | None:
    """Run one step of the benchmark; None on success, else why it failed (last stderr line or timeout)."""
    try:
        completed = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout:.0f} s"
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines()
        return f"failed: {' / '.join(lines[-3:]) if lines else completed.returncode}"
    return None


def between_steps_note(summary: dict) -> str:
    """Seconds after epoch 1 spent between steps (checkpoints / epoch ends / watchdog) and their share."""
    window = summary.get("seconds_after_first_epoch")
    parts = [summary.get(f"seconds_after_first_epoch/{part}", 0.0)
             for part in ("checkpoints", "epoch_ends", "watchdog")]
    if not window:
        return "-"
    return f"{' / '.join(f'{part:.1f}' for part in parts)} ({sum(parts) / window:.0%})"


def graphs_note(summary: dict) -> str:
    """How many phase graphs the run recorded, and which phases stayed eager."""
    if "cuda_graphs_recorded" not in summary:
        return "-"
    eager = summary.get("phases_left_eager") or []
    return f"{summary['cuda_graphs_recorded']}" + (f", eager: {', '.join(eager)}" if eager else "")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiment", default="experiments/fixed.gin")
    parser.add_argument("--profile", default="full")
    parser.add_argument("--count", type=int, default=4096)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--resolution", type=int, default=32)
    parser.add_argument("--variants", nargs="+", default=["eager", "fast"], choices=list(VARIANTS))
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds allowed per variant")
    parser.add_argument("--json", type=Path, default=None, help="also write all summaries here")
    parser.add_argument("--bind", action="append", default=[],
                        help="a gin binding added to every variant (repeatable), e.g. to leave a part out")
    parser.add_argument("--code", action="append", default=[], metavar="NAME=DIR",
                        help="also run every variant with the ukiyoe checkout in DIR (repeatable; e.g. a git "
                             "worktree of another commit), in alternation with this one")
    return parser.parse_args()


def code_trees(specs: list[str]) -> dict[str, Path]:
    """This checkout (``here``) and the ``--code`` ones, by name."""
    trees = {"here": REPO}
    for spec in specs:
        name, _, directory = spec.partition("=")
        if not name or not directory or not (Path(directory) / "ukiyoe").is_dir():
            sys.exit(f"--code {spec!r}: expected NAME=DIR with an ukiyoe checkout in DIR")
        trees[name] = Path(directory).resolve()
    return trees


def train(args: argparse.Namespace, work: Path, tree: Path, label: str, name: str) -> dict | str:
    """One ``ukiyoe train`` of variant ``name`` with the code in ``tree``: its summary, or why it failed."""
    out = work / label.replace("+", "_").replace("@", "-").replace("/", "-")
    binds = [part for bind in [*VARIANTS[name], *args.bind] for part in ("--bind", bind)]
    path = os.pathsep.join(part for part in (str(tree), os.environ.get("PYTHONPATH", "")) if part)
    env = {**os.environ, "UKIYOE_RUNS_DIR": str(work / "sacred"), "PYTHONPATH": path}
    command = [sys.executable, "-m", "ukiyoe", "train", "--config", args.experiment,
               "--params", str(work / "params.yaml"), "--data", str(work / "prepared"),
               "--out", str(out), "--metrics", str(out / "metrics"), *binds]
    failure = run(command, env, args.timeout, cwd=tree)
    if failure:
        return failure
    summary = json.loads((out / "metrics" / "summary.json").read_text())
    summary.update(json.loads((out / "metrics" / "details.json").read_text()))
    return summary


def row(batch_size: int, label: str, summary: dict) -> str:
    memory = summary.get("peak_memory_gib")
    return (f"| {batch_size} | {label} | {summary['images_per_second_after_first_epoch']:.0f} | "
            f"{summary['images_per_second']:.0f} | {'-' if memory is None else f'{memory:.2f}'} | "
            f"{summary['seconds']:.1f} | {graphs_note(summary)} | {between_steps_note(summary)} |")


def print_ratios(summaries: dict[str, dict], batch_sizes: list[int], trees: dict[str, Path]) -> None:
    """Each variant against eager of the same code and batch size."""
    for batch_size in batch_sizes:
        for tree in trees:
            suffix = "" if len(trees) == 1 else f"@{tree}"
            rates = {label.split("/", 1)[1]: summary["images_per_second_after_first_epoch"]
                     for label, summary in summaries.items()
                     if label.startswith(f"{batch_size}/") and label.endswith(suffix)}
            eager = rates.get(f"eager{suffix}")
            if eager:
                others = ", ".join(f"{name} {rate / eager:.2f}x" for name, rate in rates.items()
                                   if name != f"eager{suffix}")
                print(f"batch {batch_size}{suffix}: against eager ({eager:.0f} img/s): {others}")


def main() -> None:
    args = parse_args()
    trees = code_trees(args.code)

    import torch

    work = Path(tempfile.mkdtemp(prefix="bench-train-"))
    params = work / "params.yaml"
    write_params(params, args.profile, args.batch_sizes[0], args.resolution, args.epochs, args.count)
    env = {**os.environ, "UKIYOE_RUNS_DIR": str(work / "sacred")}
    failure = run([sys.executable, "-m", "ukiyoe", "prepare", "--params", str(params),
                   "--out", str(work / "prepared")], env)
    if failure:
        sys.exit(f"ukiyoe prepare {failure}")
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else platform.processor() or "CPU"
    print(
        f"{device}, torch {torch.__version__}, {datetime.date.today()}, {args.experiment} profile "
        f"{args.profile}, {args.count} images at {args.resolution}px, {args.epochs} epochs"
        + "".join(f", --bind {bind!r}" for bind in args.bind)
        + "".join(f", {name} = {tree}" for name, tree in trees.items() if len(trees) > 1)
    )
    print("| batch | variant | images/s after epoch 1 | images/s whole run | peak GPU GiB | wall s "
          "| CUDA graphs | s between steps after epoch 1: checkpoints / epoch ends / watchdog (share) |")
    print("|---|---|---|---|---|---|---|---|")
    summaries = {}
    for batch_size in args.batch_sizes:
        write_params(params, args.profile, batch_size, args.resolution, args.epochs, args.count)
        for name in args.variants:
            for tree_name, tree in trees.items():
                label = name if len(trees) == 1 else f"{name}@{tree_name}"
                result = train(args, work, tree, f"{batch_size}/{label}", name)
                if isinstance(result, str):
                    print(f"| {batch_size} | {label} | {result} | | | | | |", flush=True)
                    continue
                summaries[f"{batch_size}/{label}"] = result
                print(row(batch_size, label, result), flush=True)
    print_ratios(summaries, args.batch_sizes, trees)
    if args.json:
        args.json.write_text(json.dumps(summaries, indent=2))


if __name__ == "__main__":
    main()
