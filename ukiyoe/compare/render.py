"""report.md and a self-contained report.html (PNGs embedded as data URIs, no external resources)."""

from __future__ import annotations

import base64
import html

from ukiyoe.compare.compare import GRIDS_PNG, LOSS_TREND_PNG, Comparison
from ukiyoe.compare.tables import (
    Table,
    config_changes_table,
    experiments_table,
    fixes_table,
    learning_rate_table,
    metrics_table,
    seed_table,
)

STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1150px; }
table { border-collapse: collapse; margin: 8px 0 20px; font-size: 14px; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
th { background: #f3f3f3; }
td.better { background: #e3f6e3; } td.worse { background: #fbe2e2; }
.verdict { font-size: 20px; padding: 10px 14px; border-radius: 6px; display: inline-block; }
.fixed { background: #e3f6e3; } .improved, .mixed { background: #fff1cc; } .worse { background: #fbe2e2; }
.unchanged, .unknown { background: #f3f3f3; }
img { max-width: 100%; border: 1px solid #ddd; }
.note { color: #666; font-size: 13px; }
"""


def _sections(comparison: Comparison) -> list[Table | str]:
    """Tables and figure names in report order."""
    sections: list[Table | str] = [seed_table(comparison), GRIDS_PNG, metrics_table(comparison),
                                   fixes_table(comparison), learning_rate_table(comparison),
                                   config_changes_table(comparison), LOSS_TREND_PNG]
    experiments = experiments_table(comparison)
    if experiments is not None:
        sections.append(experiments)
    return sections


FIGURE_TITLES = {GRIDS_PNG: "Sample grids (before | after | real)", LOSS_TREND_PNG: "Training curves"}


def _md_table(table: Table) -> str:
    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    lines = [f"## {table.title}", ""]
    if table.rows:
        lines += [line(table.header), "|" + "---|" * len(table.header), *(line(row) for row in table.rows)]
    if table.note:
        lines += ["", f"_{table.note}_"]
    return "\n".join(lines) + "\n"


def render_markdown(comparison: Comparison) -> str:
    verdict = comparison.verdict
    parts = [
        "# Before / after comparison\n",
        f"before: `{comparison.before.report_dir}`, after: `{comparison.after.report_dir}`\n",
        f"**Verdict: {verdict.word}** ({verdict.reason})\n",
        *([f"_{comparison.budget_note}_\n"] if comparison.budget_note else []),
    ]
    for section in _sections(comparison):
        if isinstance(section, Table):
            parts.append(_md_table(section))
        elif section in comparison.figures:
            parts.append(f"## {FIGURE_TITLES[section]}\n\n![{FIGURE_TITLES[section]}]({section})\n")
    return "\n".join(parts)


def _html_table(table: Table) -> str:
    change_column = table.header.index("change") if "change" in table.header else -1
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in table.header)
    body = []
    for row in table.rows:
        cells = []
        for index, cell in enumerate(row):
            css = f' class="{cell}"' if index == change_column and cell in ("better", "worse") else ""
            cells.append(f"<td{css}>{html.escape(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    rows = ""
    if table.rows:
        rows = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    note = f'<p class="note">{html.escape(table.note)}</p>' if table.note else ""
    return f"<h2>{html.escape(table.title)}</h2>{rows}{note}"


def _html_figure(name: str, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    title = html.escape(FIGURE_TITLES[name])
    anchor = name.removesuffix(".png")
    return f'<h2>{title}</h2><img id="{anchor}" alt="{title}" src="data:image/png;base64,{data}">'


def render_html(comparison: Comparison) -> str:
    verdict = comparison.verdict
    parts = [
        f"<h1>Before / after comparison</h1><p>before: <code>{html.escape(str(comparison.before.report_dir))}"
        f"</code>, after: <code>{html.escape(str(comparison.after.report_dir))}</code></p>",
        f'<p class="verdict {html.escape(verdict.word)}">Verdict: <b>{html.escape(verdict.word)}</b></p>'
        f'<p class="note">{html.escape(verdict.reason)}</p>',
        *([f'<p class="note">{html.escape(comparison.budget_note)}</p>'] if comparison.budget_note else []),
    ]
    for section in _sections(comparison):
        if isinstance(section, Table):
            parts.append(_html_table(section))
        elif section in comparison.figures:
            parts.append(_html_figure(section, comparison.figures[section]))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>ukiyoe compare: {html.escape(verdict.word)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>\n"
    )
