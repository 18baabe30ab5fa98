"""Writes a benchmark run's params.yaml from the shell scripts (``rig.write_params``: the committed
params.yaml with the run's seed, sizes and data source), so the learning rates have one home.

    python benchmarks/write_params.py OUT.yaml --seed 0 --profile full --epochs 300 --batch-size 64 \\
        --resolution 32 --source synthetic --count 1024
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rig import write_params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--profile", required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--resolution", type=int, required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--path", default=None, help="the data folder or archive of a folder source")
    args = parser.parse_args()
    write_params(args.out, args.profile, args.batch_size, args.resolution, args.epochs, args.count,
                 args.source, seed=args.seed, data_path=args.path)


if __name__ == "__main__":
    main()
