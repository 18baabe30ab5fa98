"""Resolved values as gin literals (for operative.gin) and as JSON (for config.json).

Only values gin can read back are written; a default such as a tensor or a lambda is left out rather
than written in a form that would not parse.
"""

from __future__ import annotations

import math
from typing import Any

from ukiyoe.config.gin_files import ConfigurableRef


def to_gin_literal(value: Any) -> str | None:
    """The gin source text of ``value``, or None when gin cannot represent it."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return str.__repr__(value)
    if isinstance(value, ConfigurableRef):
        return str(value)
    if isinstance(value, list | tuple):
        items = [to_gin_literal(item) for item in value]
        if any(item is None for item in items):
            return None
        if isinstance(value, list):
            return f"[{', '.join(items)}]"
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(value, dict):
        pairs = [(to_gin_literal(k), to_gin_literal(v)) for k, v in value.items()]
        if any(k is None or v is None for k, v in pairs):
            return None
        return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
    return None


def to_json(value: Any) -> Any:
    """A JSON-safe copy of a gin-representable value (references as ``"@Name()"`` strings)."""
    if isinstance(value, ConfigurableRef):
        return str(value)
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)
