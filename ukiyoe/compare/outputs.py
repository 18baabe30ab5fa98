"""What the compare stage writes to ``reports/compare/``: ``metrics.json`` (the before/after headline, the
DVC metrics file), ``details.json`` (flat ``<metric>_before/_after/_delta/_change`` of every metric, the
dynamics and the verdict), ``report.md``, a self-contained ``report.html``, and the figures ``grids.png``
and ``loss_trend.png``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ukiyoe.common.files import json_text
from ukiyoe.compare.compare import Comparison
from ukiyoe.compare.headline import headline_metrics
from ukiyoe.compare.render import render_html, render_markdown
from ukiyoe.compare.verdict import Direction


def flat_metrics(comparison: Comparison) -> dict[str, Any]:
    """details.json: before/after/delta per numeric metric, judgements, dynamics and the verdict."""
    flat: dict[str, Any] = {"verdict": comparison.verdict.word, "verdict_reason": comparison.verdict.reason}
    for side in comparison.sides:
        flat[f"severity_{side.label}"] = side.metrics.get("severity", "n/a")
    for row in comparison.rows:
        key = row.spec.key
        for suffix, value in (("before", row.before), ("after", row.after), ("delta", row.delta)):
            if value is not None:
                flat[f"{key}_{suffix}"] = value
        if row.spec.direction is not Direction.INFO and row.delta is not None:
            flat[f"{key}_change"] = row.judgement
    for label, dynamics in comparison.dynamics.items():
        if dynamics is not None:
            flat[f"g_loss_trend_{label}"] = dynamics.g_loss_trend
            flat[f"d_balance_{label}"] = dynamics.d_balance
            if dynamics.d_gap is not None:
                flat[f"d_gap_{label}"] = dynamics.d_gap
    return flat


def write_outputs(comparison: Comparison, out_dir: Path | str) -> Path:
    """Write metrics.json, details.json, report.md, report.html and the figures into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, png in comparison.figures.items():
        (out_dir / name).write_bytes(png)
    headline = headline_metrics(comparison.before, comparison.after, comparison.verdict.word)
    (out_dir / "metrics.json").write_text(json_text(headline, sort_keys=False), encoding="utf-8")
    (out_dir / "details.json").write_text(json_text(flat_metrics(comparison)), encoding="utf-8")
    (out_dir / "report.md").write_text(render_markdown(comparison), encoding="utf-8")
    (out_dir / "report.html").write_text(render_html(comparison), encoding="utf-8")
    return out_dir

