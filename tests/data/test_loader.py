"""Loading prepared data for training: resumable, sharded sampling and the tensor conversion."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ukiyoe.common.errors import DataError
from ukiyoe.data import load_mode_classifier, load_prepared
from ukiyoe.data.loader import ResumableSampler, batch_to_tensor, fetch_batch


@settings(max_examples=60, deadline=None)
@given(num_samples=st.integers(4, 120), world_size=st.integers(1, 4), epoch=st.integers(1, 5))
def test_ranks_get_disjoint_equal_shards(num_samples, world_size, epoch):
    shards = [
        ResumableSampler(num_samples, seed=1, rank=r, world_size=world_size).epoch_indices(epoch)
        for r in range(world_size)
    ]
    assert len({len(s) for s in shards}) == 1 and len(shards[0]) == num_samples // world_size
    union = np.concatenate(shards)
    assert len(np.unique(union)) == len(union)
    padded = [
        ResumableSampler(num_samples, 1, r, world_size, drop_last=False).epoch_indices(epoch)
        for r in range(world_size)
    ]
    assert set(np.concatenate(padded).tolist()) == set(range(num_samples))


def test_epochs_differ_and_unshuffled_order_is_sequential():
    sampler = ResumableSampler(50, seed=0)
    assert sampler.epoch_indices(1).tolist() != sampler.epoch_indices(2).tolist()
    assert ResumableSampler(10, 0, shuffle=False).epoch_indices(1).tolist() == list(range(10))
    with pytest.raises(DataError, match="cannot be shared"):
        ResumableSampler(1, seed=1, rank=0, world_size=2)


def test_batch_to_tensor_scales_to_signed_nchw():
    batch = np.zeros((8, 4, 4, 3), dtype=np.uint8)
    batch[:, :, :2] = 255
    plain = batch_to_tensor(batch)
    assert plain.shape == (8, 3, 4, 4) and plain.dtype == torch.float32
    assert plain.max() == 1.0 and plain.min() == -1.0
    assert bool((plain[..., :2] == 1.0).all()) and bool((plain[..., 2:] == -1.0).all())


def test_fetch_batch_returns_images_in_the_requested_order(synthetic_dir):
    prepared = load_prepared(synthetic_dir)
    indices = np.array([7, 2, 7, 0])
    assert np.array_equal(fetch_batch(prepared.images, indices), np.asarray(prepared.images)[indices])


def test_broken_prepared_directories_are_clear_errors(tmp_path, synthetic_dir):
    with pytest.raises(DataError, match="manifest.json: missing"):
        load_prepared(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    (tmp_path / "images.npy").write_bytes((synthetic_dir / "images.npy").read_bytes())
    with pytest.raises(DataError, match="malformed manifest"):
        load_prepared(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"dataset_sha256": "x"}))
    np.save(tmp_path / "images.npy", np.zeros((2, 4, 4), dtype=np.uint8))
    with pytest.raises(DataError, match=r"expected uint8 \(N, H, H, 3\)"):
        load_prepared(tmp_path)


def test_corrupt_or_code_carrying_classifier_files_are_refused(tmp_path, synthetic_dir):
    (tmp_path / "classifier.json").write_text((synthetic_dir / "classifier.json").read_text())
    (tmp_path / "classifier.pt").write_bytes(b"garbage")
    with pytest.raises(DataError, match="cannot load classifier weights"):
        load_mode_classifier(tmp_path)

    class Payload:
        def __reduce__(self):
            return (print, ("executed",))

    torch.save({"payload": Payload()}, tmp_path / "classifier.pt")
    with pytest.raises(DataError, match="cannot load classifier weights"):
        load_mode_classifier(tmp_path)
    (tmp_path / "classifier.json").write_text(json.dumps({"kind": "modes"}))
    with pytest.raises(DataError, match="malformed classifier description"):
        load_mode_classifier(tmp_path)


def test_training_reads_only_the_train_split_and_the_split_is_seeded(synthetic_dir, tmp_path):
    """No held-out image appears among the images training reads; the same seed gives the same split."""
    from tests.data.conftest import SYNTHETIC_PARAMS, run_prepare
    from ukiyoe.data.split import load_all_images, load_heldout

    prepared, heldout = load_prepared(synthetic_dir), load_heldout(synthetic_dir)
    train_bytes = {image.tobytes() for image in np.asarray(prepared.images)}
    assert not any(image.tobytes() in train_bytes for image in np.asarray(heldout.images))
    assert len(heldout.images) == round(0.25 * SYNTHETIC_PARAMS["data"]["count"])
    assert set(np.unique(heldout.labels)) <= set(range(40)) and len(np.unique(heldout.labels)) > 20
    assert len(load_all_images(synthetic_dir)) == SYNTHETIC_PARAMS["data"]["count"]
    other = {**SYNTHETIC_PARAMS, "seed": SYNTHETIC_PARAMS["seed"] + 1}
    run_prepare(tmp_path, other)
    assert not np.array_equal(
        np.load(tmp_path / "prepared" / "split.npy"), np.load(synthetic_dir / "split.npy")
    )


def test_the_train_loader_is_given_the_train_split(synthetic_dir):
    from ukiyoe.train.stage import load_images

    images, _ = load_images(synthetic_dir)
    assert np.array_equal(np.asarray(images), np.load(synthetic_dir / "images.npy"))
    assert len(images) == load_prepared(synthetic_dir).manifest["count"]


def test_a_split_keeps_every_origin_on_one_side():
    from ukiyoe.data.split import split_indices

    groups = np.repeat(np.arange(10), 7)
    split = split_indices(len(groups), 0.25, seed=3, groups=groups)
    assert not set(groups[split.train]) & set(groups[split.heldout])
    assert 0.2 <= len(split.heldout) / len(groups) <= 0.45
    single = split_indices(1, 0.25, seed=3)
    assert len(single.train) == 1 and len(single.heldout) == 0  # nothing to hold out; diagnose refuses it
