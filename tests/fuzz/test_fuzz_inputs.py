"""Fuzzing the readers of untrusted files: image bytes (random, truncated, header-mutated real images),
zip and tar archives, ``--samples`` arrays and folders, and mutated real checkpoints. A reader returns a
result or a rejection reason, or raises one UkiyoeError line naming the file; it never hangs, never runs
code from a checkpoint (weights-only loading; see tests/train for a payload that would) and never
writes."""

from __future__ import annotations

import io
import tarfile
import zipfile

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from tests.data.files import encode, scene
from tests.fuzz.harness import assert_one_line, fuzz_settings, mutated, time_limit, tree_snapshot
from ukiyoe.common.errors import CheckpointError, DataError
from ukiyoe.data.decode import DecodeSettings, decode_input
from ukiyoe.data.user_images import collect_archive, collect_folder
from ukiyoe.diagnose.images import load_image_set
from ukiyoe.gan.checkpoint import load_checkpoint, save_checkpoint
from ukiyoe.gan.networks import MappingNetwork

SETTINGS = DecodeSettings(32, "center_crop", 4_000_000, 4.0, 8 << 20)
REAL_IMAGES = [
    encode(scene(1), "PNG"),
    encode(scene(2), "JPEG", quality=85),
    encode(scene(3), "GIF"),
    encode(scene(4), "BMP"),
    encode(scene(5), "TIFF"),
    encode(scene(6), "WEBP"),
    encode(scene(7), "PPM"),
    encode(scene(8), "TGA"),
]
image_bytes = st.sampled_from(REAL_IMAGES).flatmap(mutated) | st.binary(max_size=512)


def check_decoded(data: bytes) -> None:
    with time_limit():
        outcome = decode_input(data, SETTINGS)
    assert (outcome.image is None) != (outcome.reason is None)
    if outcome.reason is not None:
        assert outcome.reason and "\n" not in outcome.reason, outcome.reason
    else:
        assert outcome.image.shape == (32, 32, 3) and outcome.image.dtype == np.uint8


@fuzz_settings(examples=500)
@given(data=image_bytes)
def test_image_bytes_decode_or_are_rejected_with_a_reason(data: bytes) -> None:
    check_decoded(data)


def zip_of(members: list[bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, data in enumerate(members):
            archive.writestr(f"images/{index}.png", data)
    return buffer.getvalue()


def tar_of(members: list[bytes], mode: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for index, data in enumerate(members):
            info = tarfile.TarInfo(f"images/{index}.png")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


ARCHIVES = {
    "art.zip": zip_of(REAL_IMAGES[:3]),
    "art.tar": tar_of(REAL_IMAGES[:3], "w"),
    "art.tar.gz": tar_of(REAL_IMAGES[:3], "w:gz"),
    "art.tar.xz": tar_of(REAL_IMAGES[:2], "w:xz"),
}


@fuzz_settings(examples=300)
@given(data=st.data(), name=st.sampled_from(sorted(ARCHIVES)))
def test_mutated_archives_give_images_rejections_or_one_error(tmp_path_factory, data, name) -> None:
    folder = tmp_path_factory.mktemp("archive")
    path = folder / name
    path.write_bytes(data.draw(mutated(ARCHIVES[name]) | st.binary(max_size=256)))
    try:
        with time_limit():
            collected = collect_archive(path, SETTINGS, workers=1, max_bytes=64 << 20)
    except DataError as error:
        assert_one_line(error, str(path))
    else:
        for entry in collected.rejected:
            assert entry["reason"] and "\n" not in entry["reason"] and "\n" not in entry["path"]
    assert tree_snapshot(folder) == {name}


@fuzz_settings(examples=80)
@given(
    files=st.lists(image_bytes, min_size=1, max_size=4),
    names=st.lists(st.text(min_size=1, max_size=8), min_size=4, max_size=4),
)
def test_folders_of_hostile_files_as_prepare_input_and_as_samples(tmp_path_factory, files, names) -> None:
    folder = tmp_path_factory.mktemp("folder")
    written = set()
    for data, name in zip(files, names, strict=False):
        safe = name.replace("/", "_").replace("\x00", "_")
        if safe in (".", "..") or safe in written:
            continue
        try:
            (folder / safe).write_bytes(data)
        except (OSError, UnicodeEncodeError):
            continue  # a name this file system refuses
        written.add(safe)
    before = tree_snapshot(folder)
    with time_limit():
        collected = collect_folder(folder, SETTINGS, workers=1)
    assert len(collected.images) + len(collected.rejected) == len(before)
    try:
        with time_limit():
            images = load_image_set(folder, 32)
    except DataError as error:
        assert_one_line(error, str(folder))
    else:
        assert images.shape[1:] == (32, 32, 3)
    assert tree_snapshot(folder) == before


REAL_NPY = io.BytesIO()
np.save(REAL_NPY, np.random.default_rng(0).integers(0, 256, (12, 8, 8, 3), dtype=np.uint8))
FLOAT_NPY = io.BytesIO()
np.save(FLOAT_NPY, np.random.default_rng(1).uniform(-1, 1, (6, 3, 8, 8)).astype(np.float32))


@fuzz_settings(examples=300)
@given(
    data=st.sampled_from([REAL_NPY.getvalue(), FLOAT_NPY.getvalue()]).flatmap(mutated)
    | st.binary(max_size=200)
)
def test_mutated_sample_arrays(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("npy") / "samples.npy"
    path.write_bytes(data)
    try:
        with time_limit():
            images = load_image_set(path, 32)
    except DataError as error:
        assert_one_line(error, str(path))
    else:
        assert images.ndim == 4 and images.shape[-1] == 3


@pytest.fixture(scope="module")
def real_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A checkpoint as training writes it: real network weights, optimizer state and metadata."""
    torch.manual_seed(0)
    network = MappingNetwork(z_dim=8, w_dim=8)
    optimizer = torch.optim.Adam(network.parameters())
    network(torch.randn(2, 8)).sum().backward()
    optimizer.step()
    payload = {
        "format": 1,
        "step": 3,
        "epoch": 1,
        "networks": {"mapping": network.state_dict()},
        "optimizers": {"mapping": optimizer.state_dict()},
        "meta": {"config_sha256": "0" * 64, "seed": 0},
    }
    directory = tmp_path_factory.mktemp("checkpoint")
    return save_checkpoint(directory, 3, payload, healthy=True, score=0.5, keep_last=2).read_bytes()


@fuzz_settings(examples=300)
@given(data=st.data())
def test_mutated_real_checkpoints_load_or_are_refused(tmp_path_factory, real_checkpoint, data) -> None:
    folder = tmp_path_factory.mktemp("mutated")
    path = folder / "ckpt-00000003.pt"
    path.write_bytes(data.draw(mutated(real_checkpoint, max_edits=3)))
    try:
        with time_limit():
            payload = load_checkpoint(path)
    except CheckpointError as error:
        assert_one_line(error, str(path))
    else:
        assert isinstance(payload, dict)
    assert tree_snapshot(folder) == {path.name}


def test_the_fuzz_strategies_reach_both_outcomes() -> None:
    """The strategies are not all-rejections: unmutated inputs are read (so the fuzzers test readers)."""
    assert all(decode_input(data, SETTINGS).image is not None for data in REAL_IMAGES)
