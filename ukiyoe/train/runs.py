"""``ukiyoe runs``: the train stage's Sacred runs, from the file store or a SQL database, one line each.

Both stores hold the same three things this needs: the status, the run info (config hash, DVC experiment
name, final ``summary``) and the start time. A run that is still going, or died, has no summary yet.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ukiyoe.common.errors import ConfigError
from ukiyoe.train.tracking import SQL_SCHEMES, default_runs_dir, redact

HEADLINE = (("images/s", "images_per_second", "{:.1f}"), ("wall s", "seconds", "{:.1f}"),
            ("steps", "steps", "{}"), ("rollbacks", "rollbacks", "{}"))


@dataclass(frozen=True)
class RunRow:
    run_id: str
    status: str
    started: str
    experiment: str
    config_sha256: str
    summary: dict[str, Any]


def _row(run_id: Any, status: Any, started: Any, info: dict[str, Any]) -> RunRow:
    summary = info.get("summary") if isinstance(info.get("summary"), dict) else {}
    return RunRow(str(run_id), str(status or "?"), str(started or "")[:19].replace("T", " "),
                  str(info.get("DVC_EXP_NAME") or "-"), str(info.get("config_sha256") or "-"), summary)


def _json_object(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str | bytes) else text
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def from_file_store(directory: Path) -> list[RunRow]:
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no Sacred file store there (train writes one on its first run)")
    rows = []
    for run_dir in sorted((p for p in directory.iterdir() if p.name.isdigit()), key=lambda p: int(p.name)):
        run = _json_object(_read(run_dir / "run.json"))
        info = _json_object(_read(run_dir / "info.json"))
        rows.append(_row(run_dir.name, run.get("status"), run.get("start_time"), info))
    return rows


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return "{}"


def from_database(url: str) -> list[RunRow]:
    try:
        import sqlalchemy as sa
    except ImportError:
        raise ConfigError(f"--observer {url.split('://')[0]}://...: needs the 'SQLAlchemy' package") from None
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("run"):
                return []
            query = sa.text("SELECT run_id, status, start_time, info FROM run ORDER BY id")
            return [_row(run_id, status, started, _json_object(info))
                    for run_id, status, started, info in connection.execute(query)]
    except sa.exc.SQLAlchemyError as error:
        first = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise ConfigError(f"--observer {redact(url)}: cannot read Sacred runs ({first})") from None
    finally:
        engine.dispose()


def list_runs(observer: str | None) -> list[RunRow]:
    """Runs of the observer ``ukiyoe train --observer`` would use (default: the file store)."""
    if not observer:
        return from_file_store(default_runs_dir())
    if observer.startswith("file://"):
        return from_file_store(Path(observer.removeprefix("file://")))
    if observer.startswith(SQL_SCHEMES):
        return from_database(observer)
    raise ConfigError(f"--observer {observer!r}: 'ukiyoe runs' reads file:// stores and SQL databases")


def format_table(rows: Iterable[RunRow]) -> str:
    header = ("id", "status", "started", "experiment", "config", *(title for title, _, _ in HEADLINE))
    lines = [header]
    for row in rows:
        values = tuple(_fmt(fmt, row.summary.get(key)) for _, key, fmt in HEADLINE)
        lines.append((row.run_id, row.status, row.started or "-", row.experiment, row.config_sha256[:12],
                      *values))
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
                     for line in lines)


def _fmt(pattern: str, value: Any) -> str:
    if value is None or isinstance(value, bool):
        return "-"
    try:
        return pattern.format(value)
    except (TypeError, ValueError):
        return str(value)
