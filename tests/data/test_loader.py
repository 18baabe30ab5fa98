"""Loading prepared data for training: resumable, sharded sampling and the tensor conversion."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ukiyoe.data import load_mode_classifier, load_prepared
from ukiyoe.data.loader import ResumableSampler, batch_to_tensor, fetch_batch
from ukiyoe.errors import DataError


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
