"""Tables and grids of the Stacked MNIST evidence (benchmarks/evidence_stacked_mnist.py): per-variant mean ±
std over seeds beside the published rows, the ablation ranking, one row of samples per variant."""

from __future__ import annotations

from pathlib import Path

import numpy as np

# R3GAN (Huang et al., NeurIPS 2024) Table 3, Stacked MNIST: modes of 1000 / KL to uniform.
PUBLISHED = [
    ("DCGAN", 99, 3.40),
    ("VEEGAN", 150, 2.95),
    ("WGAN-GP", 959, 0.73),
    ("PacGAN", 992, 0.28),
    ("StyleGAN2", 940, 0.42),
    ("PresGAN", 1000, 0.12),
    ("DDGAN", 1000, 0.071),
    ("MEG", 1000, 0.031),
    ("R3GAN", 1000, 0.029),
]
def summarise(rows: list[dict]) -> list[dict]:
    """Mean ± sample std over seeds per variant, in the order variants first appear."""
    summary = []
    for variant in dict.fromkeys(row["variant"] for row in rows):
        mine = [row for row in rows if row["variant"] == variant]
        entry = {"variant": variant, "seeds": [row["seed"] for row in mine]}
        for key in ("modes", "kl", "images_seen"):
            values = np.array([row[key] for row in mine], dtype=float)
            entry[key] = float(values.mean())
            entry[f"{key}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        summary.append(entry)
    return summary


def table_markdown(summary: list[dict], reals: list[dict], meta: dict) -> str:
    lines = [
        f"Stacked MNIST, 32 px, {meta['count']:,} prepared images ({meta['train_images']:,} train, the rest "
        f"held out), batch {meta['batch_size']}, {meta['epochs']} epochs "
        f"({meta['epochs'] * meta['train_images']:,} images seen planned), "
        f"{meta['samples']:,} samples per run; classifier {meta['classifier_accuracy']:.1%} per digit "
        f"held-out ({meta['classifier_triple_accuracy']:.1%} per triple).",
        "",
        "| run | seeds | modes of 1000 | KL | images seen |",
        "|---|---|---|---|---|",
    ]
    for entry in summary:
        lines.append(
            f"| {entry['variant']} | {len(entry['seeds'])} | {entry['modes']:.1f} ± {entry['modes_std']:.1f} "
            f"| {entry['kl']:.3f} ± {entry['kl_std']:.3f} | {entry['images_seen']:,.0f} |"
        )
    for row in reals:
        lines.append(f"| {row['variant']} | – | {row['modes']} | {row['kl']:.3f} | – |")
    for name, modes, kl in PUBLISHED:
        lines.append(f"| published (R3GAN Table 3): {name} | – | {modes} | {kl} | – |")
    return "\n".join(lines) + "\n"


def ablation_markdown(rows: list[dict]) -> str | None:
    """Effects of each ``E:without=F`` / ``E:with=F`` variant against plain ``E`` of the same seeds."""
    from ukiyoe.compare.ablation_stats import ranking_table, seeded_effect

    effects = []
    for variant in dict.fromkeys(row["variant"] for row in rows):
        experiment, _, change = variant.partition(":")
        if not change:
            continue
        kind, _, fix = change.partition("=")
        mine = {row["seed"]: row for row in rows if row["variant"] == variant}
        base = {row["seed"]: row for row in rows if row["variant"] == experiment}
        seeds = sorted(set(mine) & set(base))
        if not seeds:
            continue
        for metric, higher in (("modes", True), ("kl", False)):
            effects.append(
                seeded_effect(
                    fix,
                    "out" if kind == "without" else "in",
                    metric,
                    [mine[s][metric] for s in seeds],
                    [base[s][metric] for s in seeds],
                    higher,
                )
            )
    return ranking_table(effects) if effects else None


def write_grid(path: Path, rows: list[tuple[str, np.ndarray]]) -> None:
    """One row of 16 samples per variant (seed 0), the real data last."""
    from ukiyoe.common.images import grid_image, write_png

    tiles = np.concatenate([images[:16] for _, images in rows])
    write_png(path, grid_image(tiles, columns=16, tile=48))
    path.with_suffix(".txt").write_text("rows, top to bottom: " + ", ".join(name for name, _ in rows) + "\n")


