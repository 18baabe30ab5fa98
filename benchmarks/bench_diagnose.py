"""Diagnose-stage timing: every metric with its bootstrap intervals, at the default sample counts.

    python benchmarks/bench_diagnose.py stacked26k [--device cuda]   # 26,000 Stacked MNIST samples
    python benchmarks/bench_diagnose.py default40 [--device cpu]     # the default 40-mode diagnose
    [--prepared-count N] [--num-samples N]                           # smaller, for a smoke run

Real data prepared with ``ukiyoe.data`` in a temporary directory; the samples are fresh real images of
another seed (a healthy generator's output), so every metric runs on realistic input. Timed: the reference
set-up (train-split index for the memorization test, held-out features, classifier confidences) and the
scoring of one sample set, separately and together; figures are ``Diagnoser`` wall time (no report files).
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from ukiyoe.data.params import DataParams
from ukiyoe.data.prepare import prepare
from ukiyoe.diagnose.cases import Source
from ukiyoe.diagnose.diagnosis import Diagnoser
from ukiyoe.diagnose.reference import load_reference
from ukiyoe.diagnose.sizing import default_samples

CASES = {  # source, prepared count (a quarter held out), params.yaml-like defaults
    "stacked26k": ("stacked_mnist", 40_000),
    "default40": ("synthetic", 688),
}


def synchronise(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def run(case: str, device: str, count: int | None, samples_count: int | None) -> dict:
    source, default_count = CASES[case]
    count = count or default_count
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / source
        started = time.perf_counter()
        prepare(DataParams(source=source, count=count, resolution=32, seed=0), out, Path("."))
        prepare_seconds = time.perf_counter() - started
        reference = load_reference(out)
        samples_count = samples_count or default_samples(reference.mode_prior)
        samples = Source(source, 32, reference.num_modes).real(samples_count, np.random.default_rng(4321))
        synchronise(device)
        started = time.perf_counter()
        diagnoser = Diagnoser(reference, device=device)
        synchronise(device)
        setup = time.perf_counter() - started
        result = diagnoser(samples)
        synchronise(device)
        total = time.perf_counter() - started
    return {
        "case": case,
        "device": device if not device.startswith("cuda") else torch.cuda.get_device_name(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "machine": platform.processor() or platform.machine(),
        "samples": samples_count,
        "heldout": len(reference.heldout),
        "train": len(reference.train),
        "prepare_seconds": round(prepare_seconds, 1),
        "setup_seconds": round(setup, 2),
        "score_seconds": round(total - setup, 2),
        "total_seconds": round(total, 2),
        "metrics": result.metrics,
        "stacked_mnist_protocol": result.details.get("stacked_mnist_protocol"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--prepared-count", type=int, help="prepared images (a smoke run on a small machine)")
    parser.add_argument("--num-samples", type=int, help="samples instead of the default count")
    args = parser.parse_args()
    result = run(args.case, args.device, args.prepared_count, args.num_samples)
    print(json.dumps(result, indent=2, default=float))


if __name__ == "__main__":
    main()
