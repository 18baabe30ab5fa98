"""``ukiyoe diagnose --checkpoint`` on a real (tiny) training run, with its own options file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tests.train.conftest import make_workspace
from ukiyoe.cli import main


def test_diagnose_a_trained_checkpoint(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, epochs=1)
    held = workspace.data / "heldout"
    held.mkdir()
    np.save(held / "images.npy", np.random.default_rng(1).integers(0, 256, (60, 8, 8, 3), dtype=np.uint8))
    options = tmp_path / "diagnose.gin"
    options.write_text("DiagnoseOptions.num_samples = 210  # the floor is 200\nDiagnoseOptions.seed = 5\n")
    assert main(workspace.train_args("run")) == 0
    out = tmp_path / "reports" / "run"
    argv = [
        "diagnose",
        "--checkpoint",
        str(tmp_path / "run"),
        "--data",
        str(workspace.data),
        "--out",
        str(out),
        "--options",
        str(options),
        "--train-metrics",
        str(tmp_path / "metrics" / "run"),
    ]
    assert main(argv) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    details = json.loads((out / "details.json").read_text())
    assert metrics["num_samples"] == 210 and details["feature_space"] == "random_cnn"
    assert details["mode_source"] == "kmeans" and "stacked_mnist_protocol" not in details
    card = json.loads((out / "card.json").read_text())
    config_sha = (tmp_path / "run" / "config" / "config.sha256").read_text().split()[0]
    assert card["config_sha256"] == config_sha and card["seed"] == 5 and card["checkpoint_step"] > 0
    assert card["compiled_config"] == str(tmp_path / "run" / "config")
    assert (out / "curves.png").stat().st_size > 0
    first = (out / "samples.png").read_bytes()
    assert main([*argv[:-2], "--train-metrics", str(tmp_path / "none")]) == 0
    assert (out / "samples.png").read_bytes() == first  # fixed seed: the same samples again
    assert not (out / "curves.png").exists()  # no stale figure from the first report
