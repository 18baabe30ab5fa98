"""``ukiyoe config explain``: each binding's final value and where that value came from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ukiyoe.config.compiled import CompiledConfig


@dataclass(frozen=True)
class ExplainRow:
    """One binding: key, value, the source of the value and the macro it came through (if any)."""

    key: str
    value: Any
    source: str
    macro: str | None


def explain_rows(compiled: CompiledConfig, grep: str | None = None) -> list[ExplainRow]:
    """Rows sorted by key; ``grep`` keeps keys (or macro names) containing it, case-insensitively."""
    bindings = compiled.provenance.get("bindings", {})
    rows = []
    for key in sorted(compiled.flat):
        entry = bindings.get(key, {})
        row = ExplainRow(key, compiled.flat[key], entry.get("source", "?"), entry.get("macro"))
        haystack = f"{key} {row.macro or ''}".lower()
        if grep is None or grep.lower() in haystack:
            rows.append(row)
    return rows


def format_explain(compiled: CompiledConfig, rows: list[ExplainRow]) -> str:
    """An aligned table, then the params this experiment ignores."""
    shown = [(row.key, json.dumps(row.value), _source(row)) for row in rows]
    width_key = max((len(k) for k, _, _ in shown), default=0)
    width_value = max((len(v) for _, v, _ in shown), default=0)
    lines = [f"{k:<{width_key}}  {v:<{width_value}}  {s}" for k, v, s in shown]
    unused = compiled.provenance.get("unused_params") or []
    if unused:
        lines.append(f"unused by this experiment: {', '.join(unused)}")
    return "\n".join(lines)


def _source(row: ExplainRow) -> str:
    return f"{row.source} (via %{row.macro})" if row.macro else row.source
