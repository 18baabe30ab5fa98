"""The score's out-of-sample calibration tables in docs/diagnose.md: fit and check families, both sources.

    python benchmarks/calibrate_score.py [--write docs/diagnose.md]

Prepares each source with ``ukiyoe prepare``'s code at seed 0 (synthetic ukiyo-e: 1,000 images, Stacked
MNIST: 1,400; a quarter held out), builds every case of both families (``ukiyoe.diagnose.cases``) at the
smallest sample count the score accepts plus 100, and prints one Markdown row per case. With ``--write``
the tables replace the block between the calibration markers of the given file.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

import torch

from ukiyoe.data.params import DataParams
from ukiyoe.data.prepare import prepare
from ukiyoe.diagnose.cases import FAMILY_SEEDS, Source, build_cases
from ukiyoe.diagnose.diagnosis import Diagnoser
from ukiyoe.diagnose.reference import load_reference
from ukiyoe.diagnose.score import INDICATORS
from ukiyoe.diagnose.sizing import minimum_samples

SOURCES = {"synthetic": 1000, "stacked_mnist": 1400}
HEADER = (
    "| source | case | samples | modes | ratio | KL excess | coverage | unrecognised | atypical | near-dup "
    "| copy share | points (modes balance coverage dup fidelity) | gates | score (95% CI) | memorization |"
)
START, END = "<!-- calibration:start -->", "<!-- calibration:end -->"


def rows(source: str, family: str, diagnoser: Diagnoser) -> list[str]:
    reference = diagnoser.reference
    count = minimum_samples(reference.mode_prior) + 100
    cases = build_cases(
        family, Source(source, reference.resolution[0], reference.num_modes), reference.train, count
    )
    lines = []
    for name, images in cases.items():
        result = diagnoser(images)
        m, d = result.metrics, result.details
        points = " ".join(str(d[f"points_{indicator.name}"]) for indicator in INDICATORS)
        low, high = m["ci95"]["collapse_score"]
        lines.append(
            f"| {source} | {name} | {m['num_samples']} | {m['modes_covered']}/{m['num_modes']} | "
            f"{d['mode_coverage_ratio']:.2f} | {d['mode_kl_excess']:.3f} | {m['coverage']:.2f} | "
            f"{m['unrecognised_rate']:.2f} | {d['atypical_rate']:.2f} | {m['near_duplicate_rate']:.2f} | "
            f"{m['copy_share']:.2f} | {points} | {', '.join(d['gates']) or '-'} | "
            f"**{m['collapse_score']}** {m['severity']} ({low:g}–{high:g}) | "
            f"{'yes' if m['memorization'] else 'no'} |"
        )
    return lines


def tables() -> str:
    diagnosers = {}
    with tempfile.TemporaryDirectory() as directory:
        for source, count in SOURCES.items():
            out = Path(directory) / source
            prepare(DataParams(source=source, count=count, resolution=32, seed=0), out, Path("."))
            diagnosers[source] = Diagnoser(load_reference(out))
    parts = []
    for family in ("fit", "check"):
        parts += [f"**{family} family** (seed {FAMILY_SEEDS[family]})", "", HEADER, "|" + "---|" * 15]
        for source, diagnoser in diagnosers.items():
            parts += rows(source, family, diagnoser)
        parts.append("")
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="replace the calibration block of this Markdown file")
    args = parser.parse_args()
    torch.set_num_threads(1)
    text = tables()
    print(text)
    if args.write is not None:
        page = args.write.read_text()
        block = f"{START}\n{text}\n{END}"
        args.write.write_text(
            re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, page, flags=re.S)
        )


if __name__ == "__main__":
    main()
