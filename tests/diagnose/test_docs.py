"""docs/diagnose.md must state the rubric the code applies."""

from __future__ import annotations

from pathlib import Path

from ukiyoe.diagnose.score import rubric_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "diagnose.md"


def test_rubric_in_docs_matches_the_code() -> None:
    assert rubric_markdown() in DOC.read_text()
