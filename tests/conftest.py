"""Suite-wide settings: keep torch to one thread per process so tests share the CI machine's two cores."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")


@pytest.fixture(autouse=True)
def _isolated_sacred_runs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sacred runs made by tests go to a temporary folder, never into the checkout's runs/."""
    if "UKIYOE_RUNS_DIR" not in os.environ:
        monkeypatch.setenv("UKIYOE_RUNS_DIR", str(tmp_path_factory.mktemp("sacred-runs")))
