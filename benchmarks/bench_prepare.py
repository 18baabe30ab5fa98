"""Speed of the prepare stage: the synthetic demo default, JPEG folder decoding per core, the loader.

    python benchmarks/bench_prepare.py [--results benchmarks/RESULTS.md]

With --results, the "Data: prepare stage" section of that file is written (replaced if present).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from results_section import write_section

from ukiyoe.data.loader import ResumableSampler, batch_to_tensor, fetch_batch, load_prepared
from ukiyoe.data.params import parse_params
from ukiyoe.data.prepare import prepare

PRINTS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ukiyoe_prints"
START, END = "<!-- bench_prepare:start -->", "<!-- bench_prepare:end -->"


def timed_prepare(raw: dict, out: Path, base: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds of this process and its finished worker processes: on a shared machine
    CPU time is the figure that does not depend on what else runs."""
    started, cpu = time.perf_counter(), cpu_seconds()
    prepare(parse_params(raw), out, base)
    return time.perf_counter() - started, cpu_seconds() - cpu


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def write_jpegs(folder: Path, count: int) -> str:
    """640x480 JPEGs (quality 90): crops of the real prints when present, else synthetic scenes."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    if PRINTS.is_dir():
        prints = [Image.open(p).convert("RGB") for p in sorted(PRINTS.glob("*.jpg"))[:6]]
        prints = [p.reduce(max(1, min(p.size) // 960)) for p in prints]
        kind = "crops of the shared prints"
    else:
        from ukiyoe.data.synthetic import generate

        prints = [Image.fromarray(im).resize((960, 960)) for im in generate(6, 128, 0)[0]]
        kind = "enlarged synthetic scenes"
    for i in range(count):
        source = prints[i % len(prints)]
        left = int(rng.integers(0, source.width - 640 + 1))
        top = int(rng.integers(0, source.height - 480 + 1))
        source.crop((left, top, left + 640, top + 480)).save(folder / f"{i:05d}.jpg", quality=90)
    return kind


def bench_loader(prepared_dir: Path, batch_size: int = 64, batches: int = 200) -> float:
    prepared = load_prepared(prepared_dir)
    sampler = ResumableSampler(len(prepared), seed=0)
    started, done, epoch = time.perf_counter(), 0, 1
    while done < batches:
        indices = sampler.epoch_indices(epoch)
        for start in range(0, len(indices) - batch_size + 1, batch_size):
            if done == batches:
                break
            batch_to_tensor(fetch_batch(prepared.images, indices[start : start + batch_size]))
            done += 1
        epoch += 1
    return done * batch_size / (time.perf_counter() - started)


def run(jpeg_count: int) -> str:
    cores = len(os.sched_getaffinity(0))
    lines = []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        demo = {"seed": 0, "resolution": 32, "data": {"source": "synthetic", "count": 1024}}
        seconds, cpu = timed_prepare(demo, root / "demo", root)
        lines.append(
            f"| synthetic demo default (1024 images, 32 px, classifier included) | {seconds:.1f} s wall, "
            f"{cpu:.1f} s CPU |"
        )
        kind = write_jpegs(root / "jpegs", jpeg_count)
        for workers in sorted({1, cores}):
            raw = {"resolution": 64, "data": {"source": "folder", "path": "jpegs", "workers": workers}}
            seconds, cpu = timed_prepare(raw, root / f"folder{workers}", root)
            rate = jpeg_count / seconds
            lines.append(
                f"| JPEG folder, {jpeg_count} files 640x480 ({kind}) to 64 px, {workers} worker(s) | "
                f"{jpeg_count / cpu:.0f} images per CPU-second; {rate:.0f} images/s wall |"
            )
        rate = bench_loader(root / "demo")
        lines.append(
            f"| loader: fetch_batch + batch_to_tensor, batch 64 at 32 px | {rate:.0f} images/s |"
        )
    header = (
        f"{START}\n## Data: prepare stage (`benchmarks/bench_prepare.py`)\n\n"
        f"{datetime.date.today()}, {platform.processor() or platform.machine()}, {cores} cores, "
        f"Python {platform.python_version()}, torch {torch.__version__}, CPU only; load average while "
        f"measuring {os.getloadavg()[0]:.1f} (shared machine: walls vary, CPU seconds much less).\n\n"
        "| what | result |\n|---|---|\n"
    )
    return header + "\n".join(lines) + f"\n{END}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--jpegs", type=int, default=600, help="number of JPEG files for the folder benchmark"
    )
    parser.add_argument(
        "--results", type=Path, default=None, help="write the section into this markdown file"
    )
    args = parser.parse_args()
    section = run(args.jpegs)
    print(section)
    if args.results is not None:
        write_section(args.results, section, START, END)


if __name__ == "__main__":
    main()
