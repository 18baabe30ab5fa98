"""Fixtures: a tiny experiment tree (the real training.gin, 8x8 networks) and prepared data on disk.

The helpers of this folder (``faults``, ``ranks``) are importable by name.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import gin
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parents[2]
IMAGES = 48
BATCH = 8
STEPS_PER_EPOCH = IMAGES // BATCH

TINY_GIN = """
include 'components/training.gin'
MappingNetwork.z_dim = 8
MappingNetwork.w_dim = 8
SynthesisNetwork.resolution = 8
SynthesisNetwork.channels = 16
SynthesisNetwork.min_channels = 8
NCARefiner.hidden_channels = 4
NCARefiner.update_channels = 8
NCARefiner.conditioning_hidden = 8
NCARefiner.min_steps = 2
NCARefiner.max_steps = 3
Discriminator.resolution = 8
Discriminator.channels = 8
Discriminator.max_channels = 16
Discriminator.dropout = 0.1
TransformerCritic.image_size = 8
TransformerCritic.patch_size = 4
TransformerCritic.dim = 8
TransformerCritic.depth = 1
TransformerCritic.heads = 2
GANLoss.r1 = @R1Penalty()
R1Penalty.interval = 4
NCriticSchedule.early = 2
NCriticSchedule.switch_after_epoch = 1
TrainOptions.device = 'cpu'
TrainOptions.cpu_threads = 1
TrainOptions.checkpoint_every = 5
TrainOptions.keep_last = 2
CollapseWatchdog.interval = 4
CollapseWatchdog.min_diversity = 0.001
"""


@dataclass(frozen=True)
class Workspace:
    root: Path
    experiment: Path
    params: Path
    data: Path
    steps_per_epoch: int = STEPS_PER_EPOCH

    def train_args(self, out: str, *extra: str) -> list[str]:
        return [
            "train",
            "--config",
            str(self.experiment),
            "--params",
            str(self.params),
            "--data",
            str(self.data),
            "--out",
            str(self.root / out),
            "--metrics",
            str(self.root / "metrics" / out),
            "--observer",
            f"file://{self.root / 'sacred'}",
            *extra,
        ]

    def sacred_run(self) -> dict[str, dict]:
        """The newest Sacred run of this workspace: run.json, info.json and metrics.json."""
        runs = [p for p in (self.root / "sacred").iterdir() if p.name.isdigit()]
        newest = max(runs, key=lambda p: int(p.name))
        return {
            name: json.loads((newest / f"{name}.json").read_text()) for name in ("run", "info", "metrics")
        }

    def run(
        self,
        out: str,
        *extra: str,
        env: dict[str, str] | None = None,
        launcher: Sequence[str] = ("-m", "ukiyoe"),
    ) -> subprocess.CompletedProcess[str]:
        """``python -m ukiyoe train ...`` in a subprocess (the path users and DVC take)."""
        return subprocess.run(
            [sys.executable, *launcher, *self.train_args(out, *extra)],
            cwd=self.root,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
        )


def make_workspace(root: Path, epochs: int = 2) -> Workspace:
    experiments = root / "experiments"
    (experiments / "components").mkdir(parents=True)
    shutil.copy(REPO / "experiments" / "components" / "training.gin", experiments / "components")
    (experiments / "tiny.gin").write_text(TINY_GIN)
    params = root / "params.yaml"
    params.write_text(f"epochs: {epochs}\nbatch_size: {BATCH}\nseed: 3\n")
    data = root / "prepared"
    data.mkdir()
    images = np.random.default_rng(0).integers(0, 256, (IMAGES, 8, 8, 3), dtype=np.uint8)
    np.save(data / "images.npy", images)
    (data / "manifest.json").write_text(
        json.dumps({"source": "test", "count": IMAGES, "resolution": 8, "dataset_sha256": "0" * 64})
    )
    return Workspace(root, experiments / "tiny.gin", params, data)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path)


@pytest.fixture(autouse=True)
def _leave_no_gin_bindings() -> Iterator[None]:
    """In-process runs parse their config into gin's global state; later tests must not inherit it."""
    yield
    gin.clear_config()
