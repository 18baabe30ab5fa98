"""Aggregate throughput of the leave-one-out ablation's runs trained at once, against one eager process.

The runs are what ``ukiyoe ablate`` queues: the experiment with every fix and one run per fix with that fix
left out (``ukiyoe train --without-fix``). Each is a real ``ukiyoe train`` process on data made once by
``ukiyoe prepare``; all start together (as ``dvc queue start --jobs N`` starts N workers; DVC itself
is not involved here). Reported: total images trained by all runs over the wall time from start to the last
exit (start-up included), the sum of the runs' steady rates (after their first epoch), their peak GPU
memory, and the same for one eager process of the reference run alone.

    python benchmarks/bench_concurrent.py --profile full --resolution 64 --batch-size 32 --epochs 3
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rig import REPO, add_run_arguments, write_params

SPEEDS = {"eager": [], "fast": ["--bind", "TrainOptions.speed = 'fast'"]}


def train_command(args: argparse.Namespace, work: Path, name: str, fix: str | None, speed: str) -> list[str]:
    out = work / name
    command = [sys.executable, "-m", "ukiyoe", "train", "--config", args.experiment, "--params",
               str(work / "params.yaml"), "--data", str(work / "prepared"), "--out", str(out),
               "--metrics", str(out / "metrics"), *SPEEDS[speed]]
    return command + (["--without-fix", fix] if fix else [])


def run_together(commands: dict[str, list[str]], env: dict[str, str], timeout: float
                 ) -> tuple[float, dict[str, Any]]:
    """Starts every command at once; wall seconds until the last exits, and each run's summary."""
    start = time.perf_counter()
    processes = {name: subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
                 for name, command in commands.items()}
    failures = {}
    for name, process in processes.items():
        try:
            _, stderr = process.communicate(timeout=max(1.0, timeout - (time.perf_counter() - start)))
        except subprocess.TimeoutExpired:
            process.kill()
            stderr = "timed out"
        if process.returncode != 0:
            failures[name] = (stderr or "").strip().splitlines()[-1:] or [str(process.returncode)]
    wall = time.perf_counter() - start
    summaries = {}
    for name, command in commands.items():
        metrics = Path(command[command.index("--metrics") + 1])
        files = [metrics / "summary.json", metrics / "details.json"]
        if all(path.exists() for path in files):
            summaries[name] = {k: v for path in files for k, v in json.loads(path.read_text()).items()}
        else:
            summaries[name] = {"failed": failures.get(name)}
    return wall, summaries


def aggregate(wall: float, summaries: dict[str, Any], batch_size: int) -> dict[str, float]:
    done = [s for s in summaries.values() if "steps" in s]
    return {"runs": len(summaries), "finished": len(done), "wall_s": wall,
            "images_per_second_wall": sum(s["steps"] * batch_size for s in done) / wall,
            "images_per_second_steady": sum(s["images_per_second_after_first_epoch"] for s in done),
            "peak_gib_per_run": max((s.get("peak_memory_gib") or 0.0 for s in done), default=0.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--count", type=int, default=4096)
    parser.add_argument("--speed", default="fast", choices=list(SPEEDS))
    parser.add_argument("--fixes", nargs="*", default=None, help="default: the fixes the experiment includes")
    parser.add_argument("--mps", action="store_true", help="parallel runs under a private CUDA MPS daemon")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--timeout", type=float, default=500.0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    from ukiyoe.common.mps import mps_daemon
    from ukiyoe.compare.ablate import included_fixes

    fixes = args.fixes if args.fixes is not None else included_fixes(REPO / args.experiment,
                                                                     REPO / "experiments" / "fixes")
    work = Path(tempfile.mkdtemp(prefix="bench-concurrent-"))
    env = {**os.environ, "UKIYOE_RUNS_DIR": str(work / "sacred")}
    write_params(work / "params.yaml", args.profile, args.batch_size, args.resolution, args.epochs,
                 args.count)
    subprocess.run([sys.executable, "-m", "ukiyoe", "prepare", "--params", str(work / "params.yaml"),
                    "--out", str(work / "prepared")], cwd=REPO, env=env, check=True, capture_output=True)
    results: dict[str, Any] = {"date": str(datetime.date.today()), "args": vars(args)}
    if not args.skip_baseline:
        wall, summaries = run_together({"alone": train_command(args, work, "alone", None, "eager")}, env,
                                       args.timeout)
        results["one eager process"] = aggregate(wall, summaries, args.batch_size)
    commands = {name: train_command(args, work, name, fix, args.speed)
                for name, fix in [("all-fixes", None), *((f"without-{fix}", fix) for fix in fixes)]}
    with mps_daemon() if args.mps else contextlib.nullcontext() as mps:
        wall, summaries = run_together(commands, {**env, **(mps or {})}, args.timeout)
    label = f"{len(commands)} {args.speed} processes at once{' (MPS)' if args.mps else ''}"
    results[label] = aggregate(wall, summaries, args.batch_size)
    results["failures"] = {name: s["failed"] for name, s in summaries.items() if "failed" in s}
    print("| what | runs finished | wall s | img/s (all images / wall) | img/s (sum of steady rates) | "
          "peak GiB per run |")
    print("|---|---|---|---|---|---|")
    for name, row in results.items():
        if isinstance(row, dict) and "runs" in row:
            print(f"| {name} | {row['finished']}/{row['runs']} | {row['wall_s']:.0f} | "
                  f"{row['images_per_second_wall']:.0f} | {row['images_per_second_steady']:.0f} | "
                  f"{row['peak_gib_per_run']:.2f} |")
    if results["failures"]:
        print(f"failures: {results['failures']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
