"""The watchdog on the real collapsed baseline: demo profile, CPU, the repository's own experiment files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from ukiyoe.cli import main

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_the_collapsed_baseline_is_caught_well_before_its_last_epoch(tmp_path: Path) -> None:
    shutil.copytree(REPO / "experiments", tmp_path / "experiments")
    params = yaml.safe_load((REPO / "params.yaml").read_text())  # the demo: profile demo, 10 epochs
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    assert main(["prepare", "--params", str(tmp_path / "params.yaml"), "--out", str(tmp_path / "data")]) == 0
    argv = [
        "train",
        "--config",
        str(tmp_path / "experiments" / "collapsed.gin"),
        "--params",
        str(tmp_path / "params.yaml"),
        "--data",
        str(tmp_path / "data"),
        "--out",
        str(tmp_path / "ckpt"),
        "--metrics",
        str(tmp_path / "metrics"),
    ]
    assert main(argv) == 0
    summary = json.loads((tmp_path / "metrics" / "details.json").read_text())
    epochs = params["epochs"]
    detected = summary["watchdog_detection_epoch"]
    assert detected is not None and detected <= epochs - 3, summary
    history = (tmp_path / "metrics" / "history.csv").read_text().splitlines()
    assert "watchdog/mode_coverage" in history[0] and "watchdog/feature_duplicates" in history[0]
