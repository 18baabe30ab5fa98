"""``ukiyoe config diff``: changed, added and removed bindings between two configs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ukiyoe.common.errors import ConfigError
from ukiyoe.config.compiled import CompiledConfig, load_compiled
from ukiyoe.config.compiler import compile_experiment

_MISSING = object()


@dataclass(frozen=True)
class DiffRow:
    """One binding that differs (or, with ``with_params``, one set from params.yaml on both sides that does
    not); ``before``/``after`` are None (and the source empty) when absent."""

    key: str
    change: str
    before: Any
    after: Any
    before_source: str
    after_source: str


def load_or_compile(
    path: Path | str,
    params: Path | str | None = None,
    binds: Sequence[str] = (),
    *,
    modules: Sequence[str],
) -> CompiledConfig:
    """A compiled directory as written, or a gin file compiled in memory with ``params`` and ``binds``."""
    path = Path(path)
    if path.is_dir():
        return load_compiled(path)
    if path.suffix == ".gin":
        return compile_experiment(path, params, binds, modules=modules)
    raise ConfigError(f"{path}: neither a compiled config directory nor a .gin experiment")


def diff_configs(
    before: CompiledConfig, after: CompiledConfig, grep: str | None = None, *, with_params: bool = False
) -> list[DiffRow]:
    """Rows sorted by key; ``grep`` keeps keys (or the macros they come through) containing it, any case.

    ``with_params`` also lists equal bindings that either side takes from params.yaml (change ``same``):
    those are the swept knobs, so a learning-rate table keeps its unchanged rows.
    """
    rows = []
    for key in sorted(set(before.flat) | set(after.flat)):
        names = [key, _provenance(before, key).get("macro") or "", _provenance(after, key).get("macro") or ""]
        if grep is not None and grep.lower() not in " ".join(names).lower():
            continue
        old, new = before.flat.get(key, _MISSING), after.flat.get(key, _MISSING)
        if old == new and type(old) is type(new):
            if not (with_params and (_from_params(before, key) or _from_params(after, key))):
                continue
            change = "same"
        else:
            change = "added" if old is _MISSING else "removed" if new is _MISSING else "changed"
        rows.append(DiffRow(
            key=key,
            change=change,
            before=None if old is _MISSING else old,
            after=None if new is _MISSING else new,
            before_source="" if old is _MISSING else _source(before, key),
            after_source="" if new is _MISSING else _source(after, key),
        ))
    return rows


def format_diff(rows: list[DiffRow], before_name: str, after_name: str) -> str:
    """A table: change, key, value before → after, and where the after value came from."""
    if all(row.change == "same" for row in rows):
        return f"no differences between {before_name} and {after_name}"
    cells = [
        (
            {"changed": "~", "added": "+", "removed": "-", "same": "="}[row.change],
            row.key,
            "" if row.change == "added" else json.dumps(row.before),
            "" if row.change == "removed" else json.dumps(row.after),
            row.after_source or row.before_source,
        )
        for row in rows
    ]
    header = ("", "binding", before_name, after_name, "source")
    widths = [max(len(c[i]) for c in [header, *cells]) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(c)).rstrip()
        for c in [header, *cells]
    )


def _provenance(compiled: CompiledConfig, key: str) -> dict:
    return compiled.provenance.get("bindings", {}).get(key, {})


def _from_params(compiled: CompiledConfig, key: str) -> bool:
    params = compiled.provenance.get("params")
    return bool(params) and _source(compiled, key).startswith(f"{params}:")


def _source(compiled: CompiledConfig, key: str) -> str:
    return _provenance(compiled, key).get("source", "?")
