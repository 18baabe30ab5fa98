"""A benchmark's own section of benchmarks/RESULTS.md, between its markers, replaced in place."""

from __future__ import annotations

from pathlib import Path


def write_section(results: Path, section: str, start: str, end: str) -> None:
    """Replace the text from ``start`` to ``end`` (and its newline) with ``section``, or append it."""
    text = results.read_text() if results.exists() else "# Benchmark results\n"
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) + 1 :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    results.write_text(text)
