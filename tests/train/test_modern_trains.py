"""experiments/modern.gin (R3GAN's objective on the seed model) trains through ``ukiyoe train``."""

from __future__ import annotations

import csv
import json
import math
import shutil

import numpy as np
import pytest

from ukiyoe.cli import main
from ukiyoe.gan.export import load_generator

from .conftest import REPO

IMAGES, BATCH = 4, 2


@pytest.mark.parametrize("speed", ["eager", "fast"])
def test_modern_gin_compiles_and_trains_two_demo_steps(tmp_path, speed) -> None:
    shutil.copytree(REPO / "experiments", tmp_path / "experiments")
    params = tmp_path / "params.yaml"
    params.write_text("seed: 1\nprofile: demo\ngen_lr: 5.0e-05\ndisc_lr: 2.0e-04\nnca_lr: 2.0e-05\n"
                      f"transformer_lr: 1.0e-04\nepochs: 1\nbatch_size: {BATCH}\nresolution: 32\n")
    data = tmp_path / "prepared"
    data.mkdir()
    images = np.random.default_rng(0).integers(0, 256, (IMAGES, 32, 32, 3), dtype=np.uint8)
    np.save(data / "images.npy", images)
    (data / "manifest.json").write_text(
        json.dumps({"source": "test", "count": IMAGES, "resolution": 32, "dataset_sha256": "0" * 64}))
    out, metrics = tmp_path / "modern", tmp_path / "metrics"
    code = main(["train", "--config", str(tmp_path / "experiments" / "modern.gin"), "--params", str(params),
                 "--data", str(data), "--out", str(out), "--metrics", str(metrics),
                 "--observer", f"file://{tmp_path / 'sacred'}", "--bind", "TrainOptions.device = 'cpu'",
                 "--bind", f"TrainOptions.speed = '{speed}'"])
    assert code == 0
    operative = (out / "config" / "operative.gin").read_text()
    assert "GANLoss.loss_type = 'relativistic'" in operative and "(0.0, 0.99)" in operative
    summary = json.loads((metrics / "details.json").read_text())  # steps live beside the headline
    assert summary["steps"] == IMAGES // BATCH
    with (metrics / "history.csv").open() as handle:
        row = next(csv.DictReader(handle))
    for key in ("r1", "r2", "gamma", "g_adversarial"):
        assert math.isfinite(float(row[key])), key
    assert float(row["r1"]) > 0 and float(row["gamma"]) == 1.0
    assert load_generator(out).sample(2).shape == (2, 3, 32, 32)
