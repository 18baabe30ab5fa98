"""``history.csv``: one row per training epoch. The train stage writes it; diagnose and compare read it."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from ukiyoe.common.errors import UkiyoeError
from ukiyoe.common.files import atomic_write_text

LEADING_COLUMNS = ("epoch", "step")


def write_history(path: Path, rows: list[dict[str, Any]]) -> None:
    """Rewrite ``history.csv`` with one row per epoch; columns are the union of all rows' keys."""
    columns = list(LEADING_COLUMNS)
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _format(value) for key, value in row.items()})
    atomic_write_text(path, buffer.getvalue())


def _format(value: Any) -> Any:
    return f"{value:.6g}" if isinstance(value, float) else value


def read_history(path: Path) -> dict[str, list[float]]:
    """Every named column as floats (empty or non-numeric cells are NaN); one clear error if unreadable."""
    try:
        with Path(path).open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise UkiyoeError(f"{path}: cannot read training history ({error.strerror})") from None
    except csv.Error as error:
        raise UkiyoeError(f"{path}: malformed CSV ({error})") from None
    names = [name for name in (rows[0] if rows else {}) if name]
    return {name: [_cell(row.get(name)) for row in rows] for name in names}


def _cell(text: str | None) -> float:
    try:
        return float(text) if text not in (None, "") else math.nan
    except ValueError:
        return math.nan
