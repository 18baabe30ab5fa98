"""Welch's two-sided t-test between Stacked MNIST evidence runs, over seeds: each variant of the given
``results.json`` files against one reference variant, on modes and on KL (the p-values the evidence README
quotes).

    python benchmarks/stacked_mnist_welch.py \\
        --reference docs/evidence/stacked-mnist/full-schedule/modern/results.json:modern \\
        docs/evidence/stacked-mnist/critic/results.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ukiyoe.compare.ablation_stats import ALPHA, TEST, welch_p_value

METRICS = ("modes", "kl")


def per_seed(results: Path, variant: str) -> dict[str, list[float]]:
    """The variant's per-seed values of each metric, in seed order."""
    rows = sorted((row for row in json.loads(results.read_text())["runs"] if row["variant"] == variant),
                  key=lambda row: row["seed"])
    if not rows:
        raise SystemExit(f"{results}: no runs of variant {variant!r}")
    return {metric: [float(row[metric]) for row in rows] for metric in METRICS}


def comparisons(reference: dict[str, list[float]], files: list[Path]) -> list[dict]:
    """One row per variant of ``files``: its p-value against ``reference`` on each metric."""
    found = []
    for results in files:
        for variant in dict.fromkeys(row["variant"] for row in json.loads(results.read_text())["runs"]):
            values = per_seed(results, variant)
            found.append({"variant": variant, "seeds": len(values["kl"]),
                          **{metric: welch_p_value(values[metric], reference[metric]) for metric in METRICS}})
    return found


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", required=True, metavar="RESULTS_JSON:VARIANT")
    parser.add_argument("results", nargs="+", type=Path)
    args = parser.parse_args(argv)
    path, _, variant = args.reference.rpartition(":")
    rows = comparisons(per_seed(Path(path), variant), args.results)
    print(f"{TEST} against {variant} ({path}), α = {ALPHA}")
    print("| variant | seeds | modes p | KL p |\n|---|---|---|---|")
    for row in rows:
        print(f"| {row['variant']} | {row['seeds']} | {row['modes']:.2g} | {row['kl']:.2g} |")
    return rows


if __name__ == "__main__":
    main()
