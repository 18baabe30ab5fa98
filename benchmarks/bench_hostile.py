"""Cost of hostile input: the 2.1 MB zip with a 2 GiB − 1 MiB zero member through ``ukiyoe prepare``, and
the wall time of the fuzz suite (``pytest tests/fuzz``) as ``make test`` runs it.

    PYTHONPATH=. python benchmarks/bench_hostile.py [--results benchmarks/RESULTS.md]

Each prepare runs in a fresh interpreter with ``workers: 1``; its peak memory is that interpreter's VmHWM.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_section import write_section

from tests.data.files import encode, scene
from tests.data.hostile_files import write_zero_bomb_zip
from tests.data.test_hostile_inputs import prepare_in_subprocess

REPO = Path(__file__).resolve().parents[1]
START, END = "<!-- bench_hostile:start -->", "<!-- bench_hostile:end -->"


def zip_bomb_rows() -> list[str]:
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        size = write_zero_bomb_zip(root / "bomb.zip", encode(scene(1), "PNG"))
        for label, cap in (("default max_file_bytes (refused from its declared size)", None),
                           ("max_file_bytes raised to 4 GiB (refused from its first bytes)", 4 << 30)):
            params = {"data": {"source": "archive", "path": "bomb.zip", "workers": 1}}
            if cap is not None:
                params["data"]["max_file_bytes"] = cap
            done, figures = prepare_in_subprocess(root, params, timeout=300)
            if done.returncode != 0:
                raise SystemExit(done.stderr)
            rows.append(f"| {size / 1e6:.1f} MB zip, {label} | {figures['seconds']:.2f} s | "
                        f"{figures['megabytes']:.0f} MB |")
    return rows


def fuzz_seconds() -> float:
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:warnings", "tests/fuzz"], cwd=REPO,
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stdout[-2000:])
    return time.perf_counter() - started


def run() -> str:
    lines = ["| case | wall time | peak memory |", "|---|---|---|", *zip_bomb_rows()]
    seconds = fuzz_seconds()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{START}\n## Hostile input (`benchmarks/bench_hostile.py`)\n\n"
        f"{datetime.date.today()}, {platform.processor() or platform.machine()}, {cores} cores, load average"
        f" {os.getloadavg()[0]:.1f} at the end. Prepare runs"
        " in a fresh interpreter (`workers: 1`); peak memory is its VmHWM, an ordinary prepare's baseline"
        " included.\n\n" + "\n".join(lines) + "\n\nFuzz suite (`pytest tests/fuzz`, deterministic, no"
        f" example database, interpreter start included): {seconds:.0f} s.\n{END}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=None, help="write the section into this file")
    args = parser.parse_args()
    section = run()
    print(section)
    if args.results is not None:
        write_section(args.results, section, START, END)


if __name__ == "__main__":
    main()
