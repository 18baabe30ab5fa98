"""A tiny trained checkpoint directory (the train tests' 8x8 experiment, one epoch), shared by the module."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import gin
import pytest

from ukiyoe.cli import main

_TRAIN_CONFTEST = Path(__file__).resolve().parents[1] / "train" / "conftest.py"


def _make_workspace():
    spec = importlib.util.spec_from_file_location("train_fixtures", _TRAIN_CONFTEST)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    return module.make_workspace


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workspace = _make_workspace()(tmp_path_factory.mktemp("sample-run"), epochs=1)
    assert main(workspace.train_args("run")) == 0
    return workspace.root / "run"


@pytest.fixture(autouse=True)
def _leave_no_gin_bindings() -> Iterator[None]:
    """Loading a checkpoint parses its config into gin's global state; later tests must not inherit it."""
    yield
    gin.clear_config()
