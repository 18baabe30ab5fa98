"""Cost of one collapse-watchdog check's classifier work with the mode classifier on the CPU or on the GPU.

A check classifies and embeds the fixed-z samples (``CollapseProbe.check``), which are on the training GPU.
This times the classifier on the CPU (the samples are copied to the host) and on that GPU, side by side, in
alternation, on data made by ``ukiyoe prepare``, to say where a GPU run should keep it.

    python benchmarks/bench_watchdog.py --resolution 64 --samples 128
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from rig import REPO, write_params

from ukiyoe.data.classifier import load_mode_classifier
from ukiyoe.train.watchdog import CollapseProbe


def check_seconds(probe: CollapseProbe, samples: torch.Tensor) -> float:
    torch.cuda.synchronize()
    started = time.perf_counter()
    probe.check(samples)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--samples", type=int, default=128, help="CollapseWatchdog.sample_count")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("bench_watchdog.py compares CPU and GPU placement: no CUDA device here")
    work = Path(tempfile.mkdtemp(prefix="ukiyoe-watchdog-"))
    write_params(work / "params.yaml", "full", 32, args.resolution, count=1024)
    prepare = [sys.executable, "-m", "ukiyoe", "prepare", "--params", str(work / "params.yaml"),
               "--out", str(work / "prepared")]
    subprocess.run(prepare, cwd=REPO, check=True)
    generator = torch.Generator().manual_seed(0)
    shape = (args.samples, 3, args.resolution, args.resolution)
    real, samples = (torch.rand(shape, generator=generator) * 2 - 1 for _ in range(2))
    probes = {}
    for place in ("cpu", "cuda"):
        classifier = load_mode_classifier(work / "prepared").to(place)
        probes[place] = CollapseProbe(real.cuda(), classifier), samples.cuda()
    times: dict[str, list[float]] = {place: [] for place in probes}
    for _ in range(args.rounds):
        for place, (probe, batch) in probes.items():
            times[place].append(check_seconds(probe, batch))
    print(f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}, {args.samples} samples at "
          f"{args.resolution} px, median of {args.rounds} (first round included)")
    for place, seconds in times.items():
        print(f"classifier on {place}: {1000 * statistics.median(seconds):.1f} ms per check")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
