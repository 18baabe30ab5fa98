"""The train stage as a Sacred experiment: observers, run info, metrics, COMPLETED/INTERRUPTED/FAILED status.

Runs are stored outside the DVC workspace by default because queued ``dvc exp`` runs delete their temporary
workspace when they finish: ``$UKIYOE_RUNS_DIR``, else ``$DVC_ROOT/runs/sacred``, else ``runs/sacred``.
The final values go into the run's info as ``summary`` as well as its result: Sacred's SQL observer keeps
info but stores a result only when it is one number (and no logged metrics at all).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ukiyoe.common.errors import ConfigError
from ukiyoe.train.signals import StopRequested

# Sacred imports pkg_resources, whose deprecation warning says nothing a ukiyoe user can act on.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

# SQLAlchemy URLs, with or without a driver: postgresql+psycopg2://..., sqlite:///runs.db
SQL_SCHEMES = ("sqlite://", "postgresql://", "postgresql+", "postgres://", "mysql://", "mysql+")
ENV_PASSED_TO_RUN_INFO = (
    "DVC_EXP_NAME",
    "DVC_EXP_BASELINE_REV",
    "DVC_STAGE",
    "UKIYOE_IMAGE_DIGEST",
    "UKIYOE_BASE_IMAGE",
)


def default_runs_dir() -> Path:
    if os.environ.get("UKIYOE_RUNS_DIR"):
        return Path(os.environ["UKIYOE_RUNS_DIR"])
    if os.environ.get("DVC_ROOT"):
        return Path(os.environ["DVC_ROOT"]) / "runs" / "sacred"
    return Path("runs") / "sacred"


def make_observer(url: str | None) -> Any:
    """A Sacred observer for a file://, sqlite://, postgresql:// or mongodb:// URL (default: files)."""
    from sacred.observers import FileStorageObserver

    if not url:
        return FileStorageObserver(str(default_runs_dir()))
    if url.startswith("file://"):
        return FileStorageObserver(url.removeprefix("file://"))
    if url.startswith(SQL_SCHEMES):
        return _database_observer("SqlObserver", "SQLAlchemy", url)
    if url.startswith(("mongodb://", "mongodb+srv://")):
        return _database_observer("MongoObserver", "pymongo", url)
    raise ConfigError(f"--observer {url!r}: expected file://, sqlite://, postgresql:// or mongodb:// URL")


def _database_observer(name: str, package: str, url: str) -> Any:
    try:
        import sacred.observers

        if name == "SqlObserver":
            return _sql_observer_class()(url=url)
        return getattr(sacred.observers, name)(url=url)
    except ImportError:
        raise ConfigError(f"--observer {url.split('://')[0]}://...: needs the '{package}' package") from None
    except Exception as error:  # the driver's connection errors have no common base class
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ConfigError(f"--observer {redact(url)}: cannot connect ({first})") from None


def redact(url: str) -> str:
    """The URL without its password, for error messages and listings."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    return f"{scheme}{sep}{credentials.split(':', 1)[0]}:***@{host}"


def _sql_observer_class() -> type:
    from sacred.observers import SqlObserver

    class SummarySqlObserver(SqlObserver):
        """The run's result column is a float: a dict result (our summary) is stored as null there."""

        def completed_event(self, stop_time: Any, result: Any) -> Any:
            number = result if isinstance(result, int | float) and not isinstance(result, bool) else None
            return super().completed_event(stop_time, number)

        def heartbeat_event(self, info: Any, captured_out: Any, beat_time: Any, result: Any) -> Any:
            number = result if isinstance(result, int | float) and not isinstance(result, bool) else None
            return super().heartbeat_event(info, captured_out, beat_time, number)

    return SummarySqlObserver


class Tracker:
    """What the loop reports to: Sacred's run on rank 0, nothing elsewhere (``run`` is None)."""

    def __init__(self, run: Any | None) -> None:
        self.run = run

    def log_scalars(self, values: dict[str, float], step: int) -> None:
        if self.run is None:
            return
        for name, value in values.items():
            self.run.log_scalar(name, float(value), step)

    def append_event(self, event: dict[str, Any]) -> None:
        if self.run is not None:
            self.run.info.setdefault("watchdog_events", []).append(dict(event))


class _WithoutResultDump(logging.Filter):
    """Sacred logs the main function's whole return value; the train command prints its own summary."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Result:")


class _Interrupted(Exception):
    """Carries a StopRequested through Sacred, which records INTERRUPTED for SacredInterrupt subclasses."""


def run_tracked(
    config: dict[str, Any], info: dict[str, Any], observer_url: str | None, body: Callable[[Tracker], Any]
) -> Any:
    """Run ``body`` inside a Sacred run with ``config`` and ``info``; re-raises what ``body`` raised."""
    from sacred import SETTINGS, Experiment
    from sacred.utils import SacredInterrupt

    class Interrupted(SacredInterrupt, _Interrupted):
        STATUS = "INTERRUPTED"

    SETTINGS.CAPTURE_MODE = "sys"
    SETTINGS.DISCOVER_SOURCES = "none"
    SETTINGS.DISCOVER_DEPENDENCIES = "none"
    experiment = Experiment("ukiyoe-train", interactive=True, save_git_info=False)
    run_logger = logging.getLogger(experiment.path)  # the child of the root logger Sacred logs runs on
    if not any(isinstance(f, _WithoutResultDump) for f in run_logger.filters):
        run_logger.addFilter(_WithoutResultDump())
    experiment.observers.append(make_observer(observer_url))
    experiment.add_config(config)
    run_info = dict(info)
    run_info.update({key: os.environ[key] for key in ENV_PASSED_TO_RUN_INFO if os.environ.get(key)})

    @experiment.main
    def train_main(_run: Any) -> Any:
        _run.info.update(run_info)
        try:
            summary = body(Tracker(_run))
            _run.info["summary"] = summary
            return summary
        except StopRequested as stop:
            _run.info["stop_reason"] = str(stop)
            raise Interrupted(str(stop)) from stop
        except Exception as error:
            _run.info["stop_reason"] = f"{type(error).__name__}: {error}"
            raise

    try:
        return experiment.run().result
    except _Interrupted as interrupted:
        raise interrupted.__cause__ from None  # type: ignore[misc]
