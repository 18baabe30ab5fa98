"""Write ``reports/<name>/``: metrics.json, card.json, figures, report.md and a self-contained report.html."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PIL import Image

from ukiyoe.common.files import atomic_write_json, json_safe
from ukiyoe.common.history import read_history
from ukiyoe.common.images import grid_image, write_png
from ukiyoe.diagnose.diagnosis import Diagnosis
from ukiyoe.diagnose.figures import nearest_training, neighbour_panel, training_curves
from ukiyoe.diagnose.options import DiagnoseOptions
from ukiyoe.diagnose.report_content import (
    FIGURE_CAPTIONS,
    breakdown_rows,
    fmt,
    metric_groups,
    reading_notes,
    report_view,
    title,
)
from ukiyoe.diagnose.report_html import render_html
from ukiyoe.diagnose.score import CRITICAL_FROM, HEALTHY_BELOW, rubric_markdown

GRID_TILE = 64  # pixels per image in the sample grids, whatever the training resolution


def save_figures(
    diagnosis: Diagnosis, options: DiagnoseOptions, out: Path, history: Path | None
) -> dict[str, Path]:
    figures: dict[str, Image.Image | None] = {
        "samples": grid_image(diagnosis.fake_images[: options.grid_size], tile=GRID_TILE),
        "real": grid_image(diagnosis.real_images[: options.grid_size], tile=GRID_TILE),
    }
    rows = diagnosis.copy_order[: options.neighbour_rows]
    order = nearest_training(diagnosis.fake_images[rows], diagnosis.train_images)
    figures["neighbours"] = neighbour_panel(diagnosis.fake_images[rows], diagnosis.train_images, order)
    if history is not None and history.is_file():
        columns = {name: values for name, values in read_history(history).items()
                   if not all(math.isnan(value) for value in values)}
        figures["curves"] = training_curves(columns) if columns else None
    paths = {}
    for name, image in figures.items():
        if image is not None:
            paths[name] = out / f"{name}.png"
            write_png(paths[name], image)
    return paths


REPORT_FILES = (
    "metrics.json",
    "details.json",
    "card.json",
    "report.md",
    "report.html",
    "samples.png",
    "real.png",
    "neighbours.png",
    "curves.png",
)


def render_markdown(
    metrics: dict[str, Any], card: dict[str, Any], figures: dict[str, Path], space: str
) -> str:
    lines = [
        f"# Diagnosis: {title(card)}",
        "",
        f"**Collapse score {metrics['collapse_score']}/15 — {metrics['severity']}** "
        f"(95% CI {fmt(metrics['ci95']['collapse_score'])}; healthy < {HEALTHY_BELOW}, critical ≥ "
        f"{CRITICAL_FROM}); memorization: {'yes' if metrics['memorization'] else 'no'}; "
        f"{metrics['num_samples']} samples vs {metrics['num_heldout']} held-out real images.",
        "",
        f"Feature space: {space}. {metrics.get('inception_note', '')}",
        "",
        *(f"> {note}\n" for note in reading_notes(metrics)),
        "## Indicators",
        "",
        "| indicator | metric | value | points |",
        "|---|---|---|---|",
        *(
            f"| {name} | `{metric}` | {value} | {points} |"
            for name, metric, value, points, _ in breakdown_rows(metrics)
        ),
        "",
        rubric_markdown(),
        "",
    ]
    for group, rows in metric_groups(metrics):
        lines += [f"## {group}", "", "| metric | value |", "|---|---|"]
        lines += [f"| `{key}` | {value} |" for key, value in rows] + [""]
    for name, path in figures.items():
        lines += [f"## {FIGURE_CAPTIONS[name]}", "", f"![{name}]({path.name})", ""]
    lines += ["## Reproducibility card", "", "| field | value |", "|---|---|"]
    lines += [f"| {key} | `{value}` |" for key, value in card.items()]
    return "\n".join(lines) + "\n"


def write_report(
    diagnosis: Diagnosis, card: dict[str, Any], options: DiagnoseOptions, out: Path, history: Path | None
) -> dict[str, Any]:
    """Write every report file into ``out``; returns the headline metrics as written."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in REPORT_FILES:  # a figure not drawn this time must not survive from an earlier run
        (out / stale).unlink(missing_ok=True)
    metrics, details = json_safe(diagnosis.metrics), json_safe(diagnosis.details)
    atomic_write_json(out / "metrics.json", metrics)
    atomic_write_json(out / "details.json", details)
    atomic_write_json(out / "card.json", card)
    figures = save_figures(diagnosis, options, out, history)
    space = diagnosis.feature_space.description
    view = report_view(metrics, details)
    (out / "report.md").write_text(render_markdown(view, card, figures, space))
    (out / "report.html").write_text(render_html(view, card, figures, space))
    return metrics
