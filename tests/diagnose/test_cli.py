"""``ukiyoe diagnose`` end to end through the real command line, on real prepared data."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ukiyoe.cli import main
from ukiyoe.data import load_prepared
from ukiyoe.diagnose.cases import Source
from ukiyoe.diagnose.score import INDICATORS

HEADLINE = {
    "collapse_score",
    "severity",
    "memorization",
    "modes_covered",
    "num_modes",
    "mode_kl",
    "coverage",
    "precision",
    "unrecognised_rate",
    "near_duplicate_rate",
    "copy_share",
    "num_samples",
    "ci95",
}
DETAIL_KEYS = {
    "unique_pixel_values",
    "value_min",
    "value_max",
    "recall",
    "density",
    "ndb_k",
    "support_estimate",
    "memorization_z_u",
    "fid_inhouse",
    "feature_space",
    *(f"points_{indicator.name}" for indicator in INDICATORS),
}


def run(*argv: str) -> int:
    return main(["diagnose", *argv])


def test_samples_npy_writes_a_complete_report(synthetic_prepared: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("UKIYOE_IMAGE_DIGEST", "sha256:" + "ab" * 32)
    images = Source("synthetic", 32, 40).real(300, np.random.default_rng(7))  # fresh real images
    np.save(tmp_path / "samples.npy", images.astype(np.float32) / 127.5 - 1.0)
    metrics_dir = tmp_path / "train"
    metrics_dir.mkdir()
    (metrics_dir / "history.csv").write_text(
        "epoch,step,d_loss,g_loss\n1,10,0.7,1.2\n2,20,0.6,1.4\n3,30,0.5,1.1\n"
    )
    out = tmp_path / "report"
    assert (
        run(
            "--samples",
            str(tmp_path / "samples.npy"),
            "--data",
            str(synthetic_prepared),
            "--out",
            str(out),
            "--train-metrics",
            str(metrics_dir),
        )
        == 0
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics.keys() == HEADLINE and set(metrics["ci95"]) < HEADLINE
    assert all(low <= high for low, high in metrics["ci95"].values())
    assert (
        metrics["ci95"]["collapse_score"][0]
        <= metrics["collapse_score"]
        <= metrics["ci95"]["collapse_score"][1]
    )
    assert json.loads((out / "details.json").read_text()).keys() >= DETAIL_KEYS
    assert metrics["severity"] == "healthy" and metrics["num_samples"] == 300
    assert metrics["memorization"] is False and metrics["num_modes"] == 40
    card = json.loads((out / "card.json").read_text())
    assert card["container_digest"] == "sha256:" + "ab" * 32
    assert card["dataset_sha256"] == load_prepared(synthetic_prepared).manifest["dataset_sha256"]
    assert card["samples"].endswith("samples.npy") and card["checkpoint"] is None
    for name in ("samples", "real", "neighbours", "curves"):
        with Image.open(out / f"{name}.png") as image:
            assert image.width > 32
    page = (out / "report.html").read_text()
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(embedded) == 4 and all(base64.b64decode(data)[:4] == b"\x89PNG" for data in embedded)
    assert 'src="http' not in page and "<th>rule</th>" in page and "critical ≥ 10" in page
    report = (out / "report.md").read_text()
    assert f"Collapse score {metrics['collapse_score']}/15" in report and "Reproducibility card" in report


def test_a_folder_replaying_training_images_is_memorization(
    synthetic_prepared: Path, tmp_path: Path, capsys
) -> None:
    """The same keys from a folder of PNGs; flipped copies of training images are caught."""
    train = np.array(load_prepared(synthetic_prepared).images[:250])
    folder = tmp_path / "pngs"
    folder.mkdir()
    for index, image in enumerate(train):
        Image.fromarray(np.ascontiguousarray(image[:, ::-1])).save(folder / f"{index:03d}.png")
    out = tmp_path / "report"
    assert run("--samples", str(folder), "--data", str(synthetic_prepared), "--out", str(out)) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics.keys() == HEADLINE and metrics["memorization"] is True
    assert metrics["severity"] != "healthy" and metrics["copy_share"] > 0.9
    assert "MEMORIZATION" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--checkpoint", "{tmp}/missing"], "missing: checkpoint directory not found"),
        (["--samples", "{tmp}/none.npy"], "none.npy: sample set not found"),
        ([], "give --checkpoint DIR or --samples PATH"),
    ],
)
def test_missing_inputs_fail_in_one_line(synthetic_prepared, tmp_path, capsys, argv, message) -> None:
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    assert run(*argv, "--data", str(synthetic_prepared), "--out", str(tmp_path / "r")) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1 and error.startswith("ukiyoe diagnose: error:")


@pytest.mark.parametrize("count", [7, 150])
def test_too_few_samples_fail_in_one_line(synthetic_prepared: Path, tmp_path: Path, capsys, count) -> None:
    np.save(tmp_path / "s.npy", np.zeros((count, 32, 32, 3), np.uint8))
    out = tmp_path / "r"
    assert (
        run("--samples", str(tmp_path / "s.npy"), "--data", str(synthetic_prepared), "--out", str(out)) == 2
    )
    error = capsys.readouterr().err
    assert f"{count} samples are too few for a verdict; need at least 200" in error
    assert error.count("\n") == 1 and not out.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown on machines without CUDA")
def test_unavailable_device_fails_in_one_line(synthetic_prepared: Path, tmp_path: Path, capsys) -> None:
    np.save(tmp_path / "s.npy", np.zeros((300, 32, 32, 3), np.uint8))
    argv = ["--samples", str(tmp_path / "s.npy"), "--data", str(synthetic_prepared), "--out", str(tmp_path)]
    assert run(*argv, "--device", "cuda") == 2
    assert "--device cuda: no CUDA device" in capsys.readouterr().err


def test_missing_data_fails_in_one_line(tmp_path, capsys) -> None:
    np.save(tmp_path / "s.npy", np.zeros((4, 8, 8, 3), np.uint8))
    assert (
        run("--samples", str(tmp_path / "s.npy"), "--data", str(tmp_path / "nodata"), "--out", str(tmp_path))
        == 2
    )
    assert "nodata: prepared data not found" in capsys.readouterr().err
