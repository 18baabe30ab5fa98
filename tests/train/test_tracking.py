"""Where Sacred runs go, and which observer URLs are understood."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sacred.observers import FileStorageObserver

from ukiyoe.common.errors import ConfigError
from ukiyoe.train.tracking import default_runs_dir, make_observer


def test_runs_dir_prefers_ukiyoe_runs_dir_then_dvc_root(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("UKIYOE_RUNS_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("DVC_ROOT", str(tmp_path / "repo"))
    assert default_runs_dir() == tmp_path / "explicit"
    monkeypatch.delenv("UKIYOE_RUNS_DIR")
    assert default_runs_dir() == tmp_path / "repo" / "runs" / "sacred"
    monkeypatch.delenv("DVC_ROOT")
    assert default_runs_dir() == Path("runs") / "sacred"


def test_observer_urls(tmp_path: Path) -> None:
    observer = make_observer(f"file://{tmp_path / 'runs'}")
    assert isinstance(observer, FileStorageObserver) and Path(observer.basedir) == tmp_path / "runs"
    with pytest.raises(ConfigError, match="expected file://, sqlite://"):
        make_observer("s3://bucket/runs")
    if importlib.util.find_spec("sqlalchemy") is None:
        with pytest.raises(ConfigError, match="needs the 'SQLAlchemy' package"):
            make_observer(f"sqlite:///{tmp_path / 'runs.db'}")
    else:
        from sacred.observers import SqlObserver

        assert isinstance(make_observer(f"sqlite:///{tmp_path / 'runs.db'}"), SqlObserver)
