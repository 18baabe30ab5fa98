"""``ukiyoe diagnose --checkpoint`` on a real (tiny) training run: options come from its compiled config."""

from __future__ import annotations

import json
from pathlib import Path

from tests.train.conftest import make_workspace
from ukiyoe.cli import main


def test_diagnose_a_trained_checkpoint(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, epochs=1)
    bind = ["--bind", "DiagnoseOptions.num_samples = 40", "--bind", "DiagnoseOptions.seed = 5"]
    assert main(workspace.train_args("run", *bind)) == 0
    out = tmp_path / "reports" / "run"
    argv = [
        "diagnose",
        "--checkpoint",
        str(tmp_path / "run"),
        "--data",
        str(workspace.data),
        "--out",
        str(out),
        "--train-metrics",
        str(tmp_path / "metrics" / "run"),
    ]
    assert main(argv) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["num_samples"] == 40 and metrics["feature_space"] == "random_cnn"
    assert metrics["mode_source"] == "kmeans" and "mode_coverage" not in metrics
    card = json.loads((out / "card.json").read_text())
    config_sha = (tmp_path / "run" / "config" / "config.sha256").read_text().split()[0]
    assert card["config_sha256"] == config_sha and card["seed"] == 5 and card["checkpoint_step"] > 0
    assert card["compiled_config"] == str(tmp_path / "run" / "config")
    assert (out / "curves.png").stat().st_size > 0
    first = (out / "samples.png").read_bytes()
    assert main([*argv[:-2], "--train-metrics", str(tmp_path / "none")]) == 0
    assert (out / "samples.png").read_bytes() == first  # fixed seed: the same samples again
    assert not (out / "curves.png").exists()  # no stale figure from the first report
