"""Real diagnose-style report directories (metrics.json, card.json, PNGs, history.csv, compiled config).

The helpers of this folder (``screenshot``) are importable by name.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from ukiyoe.cli import main
from ukiyoe.config.compiled import CompiledConfig, config_hash

sys.path.insert(0, str(Path(__file__).parent))

COLLAPSED_TILE = (255, 0, 255)

COLLAPSED_METRICS: dict[str, Any] = {
    "collapse_score": 12, "severity": "critical", "unique_pixel_values": 113, "unique_pixel_ratio": 0.00046,
    "value_min": 0.043, "value_max": 0.102, "coverage": 0.021, "recall": 0.0, "precision": 0.8,
    "density": 1.04, "ndb_k": 0.81, "js_divergence": 0.42, "near_duplicate_rate": 0.61,
    "fid_inhouse": 210.5, "kid_inhouse": 0.31, "mode_coverage": 0.03, "modes_covered": 30, "num_modes": 1000,
    "mode_kl": 4.5, "feature_space": "random_cnn",
}
FIXED_METRICS: dict[str, Any] = {
    "collapse_score": 2, "severity": "healthy", "unique_pixel_values": 60211, "unique_pixel_ratio": 0.245,
    "value_min": -1.0, "value_max": 1.0, "coverage": 0.91, "recall": 0.83, "precision": 0.79,
    "density": 0.97, "ndb_k": 0.09, "js_divergence": 0.02, "near_duplicate_rate": 0.0,
    "fid_inhouse": 35.2, "kid_inhouse": 0.02, "mode_coverage": 0.96, "modes_covered": 960, "num_modes": 1000,
    "mode_kl": 0.2, "feature_space": "random_cnn",
}
COLLAPSED_CONFIG = {"LearningRates.generator": 0.002, "LearningRates.discriminator": 0.002,
                    "LearningRates.nca": 0.002, "Discriminator.dropout": 0.0, "TrainOptions.epochs": 20,
                    "gen/torch.optim.Adam.lr": 0.002}
FIXED_CONFIG = {"LearningRates.generator": 0.0001, "LearningRates.discriminator": 0.0004,
                "LearningRates.nca": 0.002, "Discriminator.dropout": 0.3, "TrainOptions.epochs": 20,
                "IsolationSchedule.isolate_epochs": 5, "gen/torch.optim.Adam.lr": 0.0001}
FIXED_SOURCES = {"LearningRates.generator": "params.yaml:gen_lr",
                 "Discriminator.dropout": "experiments/fixes/dropout.gin:1",
                 "IsolationSchedule.isolate_epochs": "experiments/fixes/isolation.gin:2"}


def write_compiled(directory: Path, flat: dict[str, Any], sources: dict[str, str]) -> None:
    """A compiled config directory as the config compiler writes it (the four files, hash consistent)."""
    operative = "".join(f"{key} = {value!r}\n" for key, value in sorted(flat.items()))
    bindings = {key: {"source": sources.get(key, "experiments/base.gin:1")} for key in flat}
    files = sorted({source.split(":")[0] for source in sources.values() if ".gin:" in source}
                   | {"experiments/base.gin"})
    provenance = {"experiment": f"experiments/{directory.parent.name}.gin", "bindings": bindings,
                  "files": [{"path": path, "sha256": "0" * 64} for path in files]}
    CompiledConfig(None, operative, flat, provenance, config_hash(operative)).write(directory)


def grid_png(path: Path, collapsed: bool, seed: int) -> None:
    """A 4x4 grid of 16x16 tiles: one colour everywhere when collapsed, varied colours otherwise."""
    rng = np.random.default_rng(seed)
    image = np.zeros((4 * 16, 4 * 16, 3), dtype=np.uint8)
    for index in range(16):
        top, left = 16 * (index // 4), 16 * (index % 4)
        colour = COLLAPSED_TILE if collapsed else rng.integers(0, 256, 3)
        image[top:top + 16, left:left + 16] = colour
    Image.fromarray(image).save(path)


def history_csv(path: Path, collapsed: bool, epochs: int = 12) -> None:
    """Collapsed: G loss climbs while D separates real from fake; fixed: flat loss, balanced scores."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch", "step", "g_loss", "d_loss", "d_real", "d_fake", "critic_loss"])
        for epoch in range(1, epochs + 1):
            if collapsed:
                row = [1.0 + 0.5 * epoch, 0.9 / epoch, 3.0 + 0.2 * epoch, -3.0 - 0.2 * epoch]
            else:
                row = [0.9 + 0.05 * math.sin(epoch), 1.3, 0.3, 0.1]
            writer.writerow([epoch, epoch * 10, *row, ""])


def write_report(root: Path, side: str, metrics: dict[str, Any], config: dict[str, Any] | None,
                 collapsed: bool, sources: dict[str, str] | None = None,
                 training_summary: dict[str, Any] | None = None) -> Path:
    report = root / "reports" / side
    report.mkdir(parents=True)
    (report / "metrics.json").write_text(json.dumps(metrics))
    grid_png(report / "samples.png", collapsed, seed=1)
    grid_png(report / "real.png", collapsed=False, seed=2)
    config_dir = root / "checkpoints" / side / "config"
    if config is not None:
        write_compiled(config_dir, config, sources or {})
    training = root / "metrics" / "train" / side
    history_csv(training / "history.csv", collapsed)
    if training_summary is not None:
        (training / "summary.json").write_text(json.dumps(training_summary))
        (training / "details.json").write_text(json.dumps({"steps": 120, "images_per_second": -1.0}))
    card = {"git_commit": "abc123", "seed": 0, "checkpoint": str(root / "checkpoints" / side),
            "compiled_config": str(config_dir), "training_metrics": str(training), "samples": None}
    (report / "card.json").write_text(json.dumps(card))
    return report


@pytest.fixture
def report_pair(tmp_path: Path) -> tuple[Path, Path]:
    before = write_report(tmp_path, "collapsed", COLLAPSED_METRICS, COLLAPSED_CONFIG, collapsed=True,
                          training_summary={"images_per_second": 310.5, "seconds": 42.0})
    after = write_report(tmp_path, "fixed", FIXED_METRICS, FIXED_CONFIG, collapsed=False,
                         sources=FIXED_SOURCES)
    return before, after


@pytest.fixture(scope="session")
def run() -> Callable[[list[str]], int]:
    """The ``ukiyoe`` entry point itself: a UkiyoeError becomes one line on stderr and exit 2."""
    return main
