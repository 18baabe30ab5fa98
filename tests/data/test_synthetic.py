"""The synthetic default: deterministic bytes, balanced modes, and a classifier that can tell them apart."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.data.conftest import SYNTHETIC_PARAMS
from ukiyoe.data import load_mode_classifier, load_prepared
from ukiyoe.data.synthetic import MODE_NAMES, NUM_MODES, generate

PREPARED_FILES = (
    "images.npy",
    "labels.npy",
    "manifest.json",
    "rejected.json",
    "classifier.pt",
    "classifier.json",
)


def file_hashes(directory: Path) -> dict[str, str]:
    return {name: hashlib.sha256((directory / name).read_bytes()).hexdigest() for name in PREPARED_FILES}


def test_generator_is_a_pure_function_of_its_arguments():
    first, labels = generate(80, 32, seed=7)
    again, labels_again = generate(80, 32, seed=7)
    other, _ = generate(80, 32, seed=8)
    assert first.tobytes() == again.tobytes() and np.array_equal(labels, labels_again)
    assert first.tobytes() != other.tobytes()


@pytest.mark.parametrize("resolution", [32, 64, 128])
def test_every_resolution_gives_uint8_squares_with_balanced_modes(resolution):
    images, labels = generate(2 * NUM_MODES, resolution, seed=0)
    assert images.shape == (2 * NUM_MODES, resolution, resolution, 3) and images.dtype == np.uint8
    assert np.bincount(labels, minlength=NUM_MODES).tolist() == [2] * NUM_MODES
    assert images.std() > 30  # flat colour fields, but not a flat image


def test_at_least_32_modes_named_motif_and_palette():
    assert NUM_MODES >= 32 and len(set(MODE_NAMES)) == NUM_MODES
    assert all(name.count("/") == 1 for name in MODE_NAMES)


def test_images_of_one_mode_vary():
    images, labels = generate(4 * NUM_MODES, 32, seed=1)
    same_mode = images[labels == 0].astype(np.int32)
    assert len(same_mode) == 4
    assert np.abs(same_mode[0] - same_mode[1]).mean() > 3


def test_prepared_output_matches_the_contract(synthetic_dir):
    prepared = load_prepared(synthetic_dir)
    count = SYNTHETIC_PARAMS["data"]["count"] * 3 // 4  # heldout: 0.25 by default
    assert prepared.images.shape == (count, 32, 32, 3) and isinstance(prepared.images, np.memmap)
    assert prepared.labels.dtype == np.int64 and prepared.labels.shape == (count,)
    manifest = prepared.manifest
    assert (
        manifest["source"] == "synthetic"
        and manifest["num_modes"] == NUM_MODES
        and manifest["count"] == count
    )
    assert manifest["params"]["seed"] == SYNTHETIC_PARAMS["seed"] and manifest["rejected_count"] == 0
    assert len(prepared.dataset_sha256) == 64 and manifest["inputs"][0]["sha256"]


def test_same_params_give_identical_bytes_in_a_fresh_process(synthetic_dir, tmp_path):
    """A second prepare in another interpreter (its own torch state) writes the very same files."""
    script = (
        "import sys; from pathlib import Path; from tests.data.conftest import run_prepare, SYNTHETIC_PARAMS;"
        "sys.exit(run_prepare(Path(sys.argv[1]), SYNTHETIC_PARAMS))"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, cwd=root, capture_output=True)
    assert file_hashes(tmp_path / "prepared") == file_hashes(synthetic_dir)


def test_mode_classifier_reaches_95_percent_on_fresh_held_out_images(synthetic_dir):
    classifier = load_mode_classifier(synthetic_dir)
    assert classifier is not None and classifier.num_modes == NUM_MODES and classifier.accuracy >= 0.95
    images, labels = generate(4 * NUM_MODES, 32, seed=12345)  # a seed neither prepare nor training used
    predicted = classifier.predict(images)
    assert predicted.dtype == np.int64
    assert (predicted == labels).mean() >= 0.95
    features = classifier.embed(images[:5])
    assert features.dtype == np.float32 and features.shape[0] == 5 and features.ndim == 2
