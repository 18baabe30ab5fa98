"""Where one training step's time goes: torch.profiler breakdown per part, for each speed setting.

In-process (``benchmarks/rig.py``): the real ``Trainer`` on random images. Per speed: throughput of whole
steps (watchdog every ``CollapseWatchdog.interval`` steps included), the step time without the gradient
penalty (its cost is the difference), then a profiled window with labelled parts: data, each phase, the
NCA forward, the gradient penalty's forward and input gradient (its double backward runs inside the D
phase's backward), EMA, the watchdog check, the host read of step values, and host syncs (device→host
copies and stream synchronisations). Parts nest: NCA and the gradient penalty lie inside phases. With
CUDA graphs a phase's parts run inside one graph launch, so only the phase itself shows.

    python benchmarks/profile_step.py --profile full --resolution 64 --batch-size 32 --json out.json
    python benchmarks/profile_step.py --profile demo --resolution 32 --batch-size 8 --steps 6 --warmup 2
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import platform
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from rig import Rig, add_run_arguments, build_rig
from torch.autograd import DeviceType
from torch.profiler import ProfilerActivity, profile, record_function

# Host syncs on a GPU: each waits for the queue to drain (on a CPU the scalar reads are plain reads).
SYNC_EVENTS = ("cudaStreamSynchronize", "cudaDeviceSynchronize", "aten::_local_scalar_dense")
# Copies; one from pageable host memory to the GPU also waits for the queue.
COPY_EVENTS = ("cudaMemcpyAsync",)
TOP_KERNELS = 15
PARTS = ("step", "data", "phase D", "phase Dreg", "phase critic", "phase D+critic", "phase Dreg+critic",
         "phase G", "NCA forward",
         "gradient penalty (forward + input gradient)", "EMA", "watchdog check", "host read of step values")


def labelled(name: str | Callable[..., str], function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with record_function(name if isinstance(name, str) else name(*args)):
            return function(*args, **kwargs)

    wrapper.labelled = True  # type: ignore[attr-defined]
    return wrapper


def label_parts(rig: Rig) -> None:
    """Wraps the parts in profiler ranges (instance attributes only; the library code is untouched)."""
    import ukiyoe.train.phases as phases

    trainer = rig.trainer
    experiment = trainer.experiment
    trainer.batches.batch = labelled("data", trainer.batches.batch)
    runner = trainer.stepper.runner
    runner.run = labelled(lambda group, *_: f"phase {'+'.join(group)}", runner.run)
    runner.read = labelled("host read of step values", runner.read)
    trainer.guard.check = labelled("watchdog check", trainer.guard.check)
    trainer.train_step = labelled("step", trainer.train_step)
    if experiment.loss.gradient_penalty is not None:
        experiment.loss.gradient_penalty = labelled(PARTS[7], experiment.loss.gradient_penalty)
    if not getattr(phases.update_ema, "labelled", False):
        phases.update_ema = labelled("EMA", phases.update_ema)
    nca = experiment.networks.generator.nca
    if nca is not None:
        ranges: list[Any] = []
        nca.register_forward_pre_hook(lambda *_: ranges.append(record_function("NCA forward").__enter__()))
        nca.register_forward_hook(lambda *_: ranges.pop().__exit__(None, None, None))


def breakdown(rig: Rig, steps: int) -> tuple[dict[str, dict[str, float]], list[dict[str, Any]]]:
    """Per part: calls, host time inside its range and GPU time of the kernels it launched, per step;
    and the kernels with the most GPU time."""
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if rig.device.type == "cuda" else [])
    with profile(activities=activities) as prof:
        rig.window(steps)
        rig.sync()
    totals: dict[str, dict[str, float]] = defaultdict(lambda: {"calls": 0, "cpu_ms": 0.0, "gpu_ms": 0.0})
    for event in prof.events():
        if event.device_type != DeviceType.CPU:  # the GPU-side copies of the labelled ranges
            continue
        name = ("host syncs" if event.name in SYNC_EVENTS else
                "host↔device copies" if event.name in COPY_EVENTS else event.name)
        if name in PARTS or event.name in SYNC_EVENTS + COPY_EVENTS:
            part = totals[name]
            part["calls"] += 1
            part["cpu_ms"] += event.cpu_time_total / 1e3
            part["gpu_ms"] += event.device_time_total / 1e3 if name in PARTS else 0.0
    per_step = {name: {key: value / steps for key, value in part.items()} for name, part in totals.items()}
    kernels = [{"kernel": average.key[:90], "calls": average.count / steps,
                "gpu_ms": getattr(average, "self_device_time_total", 0.0) / 1e3 / steps}
               for average in prof.key_averages()
               if average.device_type != DeviceType.CPU or getattr(average, "self_device_time_total", 0) > 0]
    kernels = [k for k in kernels if k["gpu_ms"] > 0]
    return per_step, sorted(kernels, key=lambda k: -k["gpu_ms"])[:TOP_KERNELS]


def measure(args: argparse.Namespace, speed: str) -> dict[str, Any]:
    binds = [f"TrainOptions.speed = '{speed}'", *args.bind]
    rig = build_rig(args.experiment, args.profile, args.batch_size, args.resolution, binds)
    rig.window(args.warmup)
    result: dict[str, Any] = {"images_per_second": rig.images_per_second(args.steps),
                              **rig.trainer.stepper.runner.describe()}
    label_parts(rig)
    result["parts"], result["top_kernels"] = breakdown(rig, args.steps)
    if rig.trainer.experiment.loss.gradient_penalty is not None:
        plain = build_rig(args.experiment, args.profile, args.batch_size, args.resolution,
                          [*binds, "GANLoss.gradient_penalty = None"])
        plain.window(args.warmup)
        result["images_per_second_without_gradient_penalty"] = plain.images_per_second(args.steps)
    return result


def table(results: dict[str, dict[str, Any]], batch_size: int) -> list[str]:
    speeds = list(results)
    header = " | ".join(f"{s} calls | {s} CPU ms | {s} GPU ms" for s in speeds)
    lines = [f"| part (per D step) | {header} |",
             "|---|" + "---|---|---|" * len(speeds)]
    for part in (*PARTS, "host syncs", "host↔device copies"):
        cells = []
        for speed in speeds:
            row = results[speed]["parts"].get(part)
            cells.append("| | " if row is None else
                         f"{row['calls']:.2f} | {row['cpu_ms']:.2f} | {row['gpu_ms']:.2f}")
        if any(cell.strip("| ") for cell in cells):
            lines.append(f"| {part} | " + " | ".join(cells) + " |")
    for speed in speeds:
        result = results[speed]
        line = f"{speed}: {result['images_per_second']:.0f} img/s"
        if "images_per_second_without_gradient_penalty" in result:
            batch_ms = 1e3 / result["images_per_second"]
            plain_ms = 1e3 / result["images_per_second_without_gradient_penalty"]
            line += (f"; without gradient penalty {result['images_per_second_without_gradient_penalty']:.0f}"
                     f" img/s, so the penalty costs {(batch_ms - plain_ms) * batch_size:.2f} ms"
                     " per step")
        lines += ["", line, "", f"{speed}: kernels with the most GPU time per step", "",
                  "| kernel | calls | GPU ms |", "|---|---|---|"]
        lines += [f"| `{k['kernel']}` | {k['calls']:.1f} | {k['gpu_ms']:.3f} |"
                  for k in result["top_kernels"]]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser)
    parser.add_argument("--steps", type=int, default=50, help="steps timed, then steps profiled")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--speeds", nargs="+", default=["eager", "fast"], choices=["eager", "fast"])
    parser.add_argument("--bind", action="append", default=[])
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else platform.processor() or "CPU"
    print(f"{device}, torch {torch.__version__}, {datetime.date.today()}, {args.experiment} profile "
          f"{args.profile}, {args.resolution}px, batch {args.batch_size}, {args.steps} steps after "
          f"{args.warmup} warm-up steps")
    results = {speed: measure(args, speed) for speed in args.speeds}
    print("\n".join(table(results, args.batch_size)))
    if args.json:
        args.json.write_text(json.dumps({"device": device, "torch": torch.__version__, "args": vars(args),
                                         "results": results}, indent=2, default=str))


if __name__ == "__main__":
    main()
