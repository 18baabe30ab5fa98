"""Image sets given with ``--samples``: folders and .npy arrays in either layout and either value range."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from ukiyoe.common.errors import DataError
from ukiyoe.common.images import to_uint8
from ukiyoe.diagnose.images import load_image_set, resize_uint8, to_nhwc, to_signed_float


def test_folder_of_images_skips_and_lists_non_images(tmp_path, capsys) -> None:
    rng = np.random.default_rng(0)
    for index in range(3):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(tmp_path / f"{index}.png")
    Image.fromarray(rng.integers(0, 256, (20, 20), dtype=np.uint8)).save(tmp_path / "gray.jpg")
    (tmp_path / "notes.txt").write_text("not an image")
    images = load_image_set(tmp_path, 16)
    assert images.shape == (4, 16, 16, 3) and images.dtype == np.uint8
    assert "notes.txt: not an image" in capsys.readouterr().err


def test_npy_layouts(tmp_path) -> None:
    nchw = np.random.default_rng(1).uniform(-1, 1, (5, 3, 8, 8)).astype(np.float32)
    np.save(tmp_path / "a.npy", nchw)
    assert load_image_set(tmp_path / "a.npy").shape == (5, 8, 8, 3)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: np.save(p / "x.npy", np.full((2, 8, 8, 3), 3.0, np.float32)), r"\[-1, 1\]"),
        (lambda p: np.save(p / "x.npy", np.zeros((2, 8, 8, 5), np.uint8)), "channel axis"),
        (lambda p: np.save(p / "x.npy", np.zeros((0, 8, 8, 3), np.uint8)), "empty"),
        (lambda p: np.save(p / "x.npy", np.full((2, 8, 8, 3), np.nan, np.float32)), "NaN"),
        (lambda p: (p / "x.npy").write_bytes(b"junk"), "cannot read"),
    ],
)
def test_bad_arrays_raise_one_line(tmp_path, make, message) -> None:
    make(tmp_path)
    with pytest.raises(DataError, match=message) as error:
        load_image_set(tmp_path / "x.npy")
    assert "\n" not in str(error.value)


def test_missing_and_empty_sets(tmp_path) -> None:
    with pytest.raises(DataError, match="not found"):
        load_image_set(tmp_path / "nowhere")
    with pytest.raises(DataError, match="no usable images"):
        load_image_set(tmp_path)
    (tmp_path / "x.txt").write_text("")
    with pytest.raises(DataError, match="expected a folder of images or a .npy"):
        load_image_set(tmp_path / "x.txt")


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 3),
    h=st.integers(4, 9),
    w=st.integers(4, 9),
    channels_first=st.booleans(),
    channels=st.sampled_from([1, 3]),
)
def test_to_nhwc_accepts_both_layouts(n: int, h: int, w: int, channels_first: bool, channels: int) -> None:
    shape = (n, channels, h, w) if channels_first else (n, h, w, channels)
    assert to_nhwc(np.zeros(shape, np.uint8), "x").shape == (n, h, w, 3)


def test_ambiguous_layout_is_read_as_channels_last() -> None:
    assert to_nhwc(np.zeros((2, 3, 5, 3), np.uint8), "x").shape == (2, 3, 5, 3)


@given(st.lists(st.integers(0, 255), min_size=1, max_size=64))
def test_uint8_round_trip(values: list[int]) -> None:
    array = np.array(values, dtype=np.uint8).reshape(1, 1, -1, 1).repeat(3, axis=-1)
    assert np.array_equal(to_uint8(to_signed_float(array, "x")), array)


def test_resize_keeps_constant_images_constant() -> None:
    images = np.full((2, 10, 10, 3), 77, np.uint8)
    resized = resize_uint8(images, 4, 6)
    assert resized.shape == (2, 4, 6, 3) and (resized == 77).all()
