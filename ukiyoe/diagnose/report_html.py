"""The self-contained ``report.html``: inline CSS, every figure embedded as a base64 PNG, no external URL."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from ukiyoe.diagnose.report_content import (
    FIGURE_CAPTIONS,
    breakdown_rows,
    fmt,
    metric_groups,
    reading_notes,
    title,
)
from ukiyoe.diagnose.score import CRITICAL_FROM, HEALTHY_BELOW

SEVERITY_COLOURS = {"healthy": "#2e7d32", "warning": "#ef6c00", "critical": "#c62828"}
STYLE = (
    "body{font-family:sans-serif;max-width:1200px;margin:1.5em auto;padding:0 1em;color:#222}"
    "h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.4em}"
    "table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;"
    "text-align:left}th{background:#f4f4f4}"
    ".score{color:#fff;padding:.4em 1em;font-size:22px;display:inline-block;border-radius:4px}"
    ".note{background:#fff3e0;padding:.4em .8em;border-left:4px solid #ef6c00}"
    ".row{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}"
    ".row figure{margin:0;flex:1;min-width:300px}"
    "figcaption{font-weight:bold;margin-bottom:.3em}img{max-width:100%;image-rendering:pixelated}"
    ".pts{display:inline-block;height:10px;background:#c62828;margin-left:6px;vertical-align:middle}"
    ".muted{color:#666;font-size:13px}"
)


def embedded_png(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def table(header: tuple[str, ...], rows: list[tuple[str, ...]], raw_last: bool = False) -> str:
    """An escaped table; ``raw_last`` lets the last column hold trusted markup built here."""
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = ""
    for row in rows:
        cells = [html.escape(cell) for cell in row[:-1]] + [row[-1] if raw_last else html.escape(row[-1])]
        body += "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"
    return f"<table><tr>{head}</tr>{body}</table>"


def figure(name: str, path: Path) -> str:
    caption = html.escape(FIGURE_CAPTIONS[name])
    return f'<figure><figcaption>{caption}</figcaption><img alt="{name}" src="{embedded_png(path)}"></figure>'


def render_html(metrics: dict[str, Any], card: dict[str, Any], figures: dict[str, Path], space: str) -> str:
    severity = str(metrics["severity"])
    breakdown = [
        (name, metric, value, rule, f'{points}<span class="pts" style="width:{12 * int(points)}px"></span>')
        for name, metric, value, points, rule in breakdown_rows(metrics)
    ]
    parts = [
        f"<h1>Diagnosis: {html.escape(title(card))}</h1>",
        f'<p class="score" style="background:{SEVERITY_COLOURS[severity]}">'
        f"Collapse score {metrics['collapse_score']}/15 — {html.escape(severity)}</p>",
        f'<p class="muted">{metrics["num_samples"]} samples vs {metrics["num_heldout"]} held-out real '
        f"images; 95% CI of the score {fmt(metrics['ci95']['collapse_score'])}; memorization: "
        f"{'yes' if metrics['memorization'] else 'no'}. "
        f"Feature space: {html.escape(space)}. {html.escape(str(metrics.get('inception_note', '')))}</p>",
        *(f'<p class="note">{html.escape(note)}</p>' for note in reading_notes(metrics)),
        '<div class="row">',
        *(figure(name, figures[name]) for name in ("samples", "real") if name in figures),
        "</div>",
        "<h2>Indicators</h2>",
        table(("indicator", "metric", "value", "rule", "points"), breakdown, raw_last=True),
        f'<p class="muted">Healthy &lt; {HEALTHY_BELOW}, warning {HEALTHY_BELOW}–{CRITICAL_FROM - 1}, '
        f"critical ≥ {CRITICAL_FROM}; gates: {html.escape(', '.join(metrics['gates']) or 'none')}. "
        "Modes come from the mode classifier (confident samples only), else from K-means bins of the "
        "held-out features. See docs/diagnose.md.</p>",
        "<h2>Metrics</h2>",
        '<div class="row">',
        *(
            f"<div><b>{html.escape(name)}</b>{table(('metric', 'value'), rows)}</div>"
            for name, rows in metric_groups(metrics)
        ),
        "</div>",
        '<div class="row">',
        *(figure(name, figures[name]) for name in ("neighbours", "curves") if name in figures),
        "</div>",
        "<h2>Reproducibility card</h2>",
        table(("field", "value"), [(key, str(value)) for key, value in card.items()]),
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>ukiyoe diagnosis: {html.escape(title(card))}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>\n"
    )
