"""Training throughput of ``ukiyoe train``: images/s and peak GPU memory per speed setting.

Each variant is a real ``ukiyoe train`` run (its own process) of ``--epochs`` epochs on synthetic data made
by ``ukiyoe prepare``; the figure reported is the throughput after the first epoch (compilation and cuDNN
autotuning excluded) taken from the run's summary.json and details.json. Prints one Markdown table row
per variant.

    python benchmarks/bench_train.py --profile full --resolution 64 --batch-sizes 32 --variants eager fast
    python benchmarks/bench_train.py --profile demo --variants eager          # the CPU demo
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


def run(command: list[str], env: dict[str, str], timeout: float | None = None) -> str | None:
    """Run one step of the benchmark; None on success, else why it failed (last stderr line or timeout)."""
    try:
        completed = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
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


def main() -> None:
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
    args = parser.parse_args()

    import torch

    work = Path(tempfile.mkdtemp(prefix="bench-train-"))
    env = {**os.environ, "UKIYOE_RUNS_DIR": str(work / "sacred")}
    python = [sys.executable, "-m", "ukiyoe"]
    params = work / "params.yaml"
    write_params(params, args.profile, args.batch_sizes[0], args.resolution, args.epochs, args.count)
    failure = run([*python, "prepare", "--params", str(params), "--out", str(work / "prepared")], env)
    if failure:
        sys.exit(f"ukiyoe prepare {failure}")
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else platform.processor() or "CPU"
    print(
        f"{device}, torch {torch.__version__}, {datetime.date.today()}, {args.experiment} profile "
        f"{args.profile}, {args.count} images at {args.resolution}px, {args.epochs} epochs"
        + "".join(f", --bind {bind!r}" for bind in args.bind)
    )
    print("| batch | variant | images/s after epoch 1 | images/s whole run | peak GPU GiB | wall s "
          "| CUDA graphs | s between steps after epoch 1: checkpoints / epoch ends / watchdog (share) |")
    print("|---|---|---|---|---|---|---|---|")
    summaries = {}
    for batch_size in args.batch_sizes:
        write_params(params, args.profile, batch_size, args.resolution, args.epochs, args.count)
        for name in args.variants:
            out = work / f"{batch_size}-{name.replace('+', '_')}"
            binds = [part for bind in [*VARIANTS[name], *args.bind] for part in ("--bind", bind)]
            command = [
                *python,
                "train",
                "--config",
                args.experiment,
                "--params",
                str(params),
                "--data",
                str(work / "prepared"),
                "--out",
                str(out),
                "--metrics",
                str(out / "metrics"),
                *binds,
            ]
            failure = run(command, env, args.timeout)
            if failure:
                print(f"| {batch_size} | {name} | {failure} | | | | | |", flush=True)
                continue
            summary = json.loads((out / "metrics" / "summary.json").read_text())
            summary.update(json.loads((out / "metrics" / "details.json").read_text()))
            summaries[f"{batch_size}/{name}"] = summary
            memory = summary.get("peak_memory_gib")
            print(
                f"| {batch_size} | {name} | {summary['images_per_second_after_first_epoch']:.0f} | "
                f"{summary['images_per_second']:.0f} | {'-' if memory is None else f'{memory:.2f}'} | "
                f"{summary['seconds']:.1f} | {graphs_note(summary)} | {between_steps_note(summary)} |",
                flush=True,
            )
    for batch_size in args.batch_sizes:
        rates = {name: summaries[f"{batch_size}/{name}"]["images_per_second_after_first_epoch"]
                 for name in args.variants if f"{batch_size}/{name}" in summaries}
        if "eager" in rates:
            others = ", ".join(f"{name} {rate / rates['eager']:.2f}x" for name, rate in rates.items()
                               if name != "eager")
            print(f"batch {batch_size}: against eager ({rates['eager']:.0f} img/s): {others}")
    if args.json:
        args.json.write_text(json.dumps(summaries, indent=2))


if __name__ == "__main__":
    main()
