"""Reading ``params.yaml``, the file of sweepable numbers that both ``prepare`` and the config compiler use.

Each reader validates its own part (``data:`` for prepare, top-level macros for gin); this module only turns
the file into a value plus the line of every top-level key, with one clear error for a bad file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ukiyoe.common.errors import UkiyoeError
from ukiyoe.common.files import read_text_file


@dataclass(frozen=True)
class ParamsFile:
    """The parsed YAML (any type; None for an empty file) and the 1-based line of each top-level key."""

    data: Any
    lines: dict[str, int]
    block_lines: dict[str, dict[str, int]] = field(default_factory=dict)  # lines of keys inside mappings


def read_params(path: Path, shown: str, error: type[UkiyoeError]) -> ParamsFile:
    """Parse ``path`` (``shown`` in messages); a missing, unreadable or malformed file raises ``error``."""
    try:
        text = read_text_file(path)
    except FileNotFoundError:
        raise error(f"{shown}: params file not found") from None
    except (OSError, ValueError) as problem:
        reason = getattr(problem, "strerror", None) or str(problem)
        raise error(f"{shown}: cannot read params file: {reason}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        reason = getattr(problem, "problem", None) or str(problem).splitlines()[0]
        raise error(f"{shown}{line}: malformed YAML: {reason}") from None
    pairs = root.value if isinstance(root, yaml.MappingNode) else []
    blocks = {
        str(key.value): {str(inner.value): inner.start_mark.line + 1 for inner, _ in value.value}
        for key, value in pairs
        if isinstance(value, yaml.MappingNode)
    }
    return ParamsFile(data, {str(key.value): key.start_mark.line + 1 for key, _ in pairs}, blocks)
