"""One side of a comparison: a diagnose report directory and the files its card points to.

The report directory is required; the training curves, training summary and compiled config it names are
optional, because a report copied away from its checkpoints can still be compared on its metrics. A report's
``details.json`` (the non-headline numbers) is merged under its ``metrics.json`` when present.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ukiyoe.common.errors import UkiyoeError

HISTORY_FILE = "history.csv"
TRAIN_FILES = ("details.json", "summary.json")  # read in this order: the headline summary wins


@dataclass(frozen=True)
class ReportSide:
    """Everything compare reads about one side; ``None`` marks a file the card names that is not there."""

    label: str
    report_dir: Path
    metrics: dict[str, Any]
    card: dict[str, Any]
    training: dict[str, Any]
    samples_png: Path | None
    real_png: Path | None
    config_dir: Path | None
    history_csv: Path | None

    @property
    def profile(self) -> str | None:
        """The training profile its compiled config was built with (``demo``, ``full``), when known."""
        if self.config_dir is None or not (self.config_dir / "provenance.json").is_file():
            return None
        try:
            text = (self.config_dir / "provenance.json").read_text(encoding="utf-8")
            value = json.loads(text).get("profile")
        except (OSError, ValueError, AttributeError):
            return None
        return value if isinstance(value, str) else None


def load_side(report_dir: Path | str, label: str) -> ReportSide:
    """Read ``metrics.json`` and ``card.json``; a missing directory or file is one clear error."""
    report_dir = Path(report_dir)
    if not report_dir.is_dir():
        raise UkiyoeError(f"{label} report directory {report_dir} does not exist; "
                          "run 'ukiyoe diagnose' for that side first")
    metrics = _read_json_object(report_dir / "metrics.json", label)
    if (report_dir / "details.json").is_file():  # headline numbers over the details behind them
        metrics = {**_read_json_object(report_dir / "details.json", label), **metrics}
    card = _read_json_object(report_dir / "card.json", label)
    return ReportSide(
        label=label,
        report_dir=report_dir,
        metrics=metrics,
        card=card,
        training=_training_summary(card.get("training_metrics"), label),
        samples_png=_existing(report_dir / "samples.png"),
        real_png=_existing(report_dir / "real.png"),
        config_dir=_config_dir(card.get("compiled_config")),
        history_csv=_history_csv(card.get("training_metrics")),
    )


def _read_json_object(path: Path, label: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise UkiyoeError(f"{label} report {path} is missing; run 'ukiyoe diagnose' for that side") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UkiyoeError(f"{label} report {path}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise UkiyoeError(f"{label} report {path}: expected a JSON object, found {type(data).__name__}")
    return data


def _training_summary(value: Any, label: str) -> dict[str, Any]:
    """The training run's final values from the metrics directory the card names ({} when absent)."""
    if not isinstance(value, str) or not value:
        return {}
    directory = Path(value) if Path(value).is_dir() else Path(value).parent
    summary: dict[str, Any] = {}
    for name in TRAIN_FILES:
        if (directory / name).is_file():
            summary.update(_read_json_object(directory / name, label))
    return summary


def _existing(path: Path) -> Path | None:
    return path if path.is_file() else None


def _config_dir(value: Any) -> Path | None:
    """The card names the compiled config directory (or a file inside it)."""
    if not isinstance(value, str) or not value:
        return None
    path = Path(value)
    directory = path if path.is_dir() else path.parent
    return directory if (directory / "config.json").is_file() else None


def _history_csv(value: Any) -> Path | None:
    """The card names the training-metrics directory or its history.csv directly."""
    if not isinstance(value, str) or not value:
        return None
    path = Path(value)
    return _existing(path / HISTORY_FILE if path.is_dir() else path)
