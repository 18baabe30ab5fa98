"""The folder and archive sources: every bad file is rejected with its reason, good files go through."""

from __future__ import annotations

import dataclasses
import json
import tarfile
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.data.conftest import run_prepare
from tests.data.files import encode, scene, write_good_and_bad_folder, write_tar, write_zip
from ukiyoe.common.errors import DataError
from ukiyoe.data import load_mode_classifier, load_prepared, user_images
from ukiyoe.data.archives import unsafe_name
from ukiyoe.data.split import load_all_images


def prepared_outcome(directory):
    prepared = load_prepared(directory)
    prepared = dataclasses.replace(prepared, images=load_all_images(directory))  # both splits, input order
    rejected = {
        entry["path"]: entry["reason"] for entry in json.loads((directory / "rejected.json").read_text())
    }
    accepted = [entry["path"] for entry in prepared.manifest["inputs"]]
    return prepared, accepted, rejected


def assert_outcomes(expected, accepted, rejected, prefix=""):
    for name, reason in expected.items():
        if reason is None:
            assert prefix + name in accepted, (
                f"{name} should be accepted; rejected as {rejected.get(prefix + name)}"
            )
        else:
            assert rejected.get(prefix + name, "").startswith(reason), (
                f"{name}: {rejected.get(prefix + name)!r}"
            )
    assert len(accepted) + len(rejected) == len(expected)


@pytest.fixture(scope="module")
def folder_result(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("folder")
    expected = write_good_and_bad_folder(workdir / "inputs")
    params = {"seed": 0, "resolution": 32, "data": {"source": "folder", "path": "inputs", "workers": 2}}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(user_images, "MIN_FOR_POOL", 1)  # decode in worker processes even for a few files
        assert run_prepare(workdir, params) == 0
    return expected, workdir / "prepared"


def test_each_bad_file_is_rejected_with_its_reason_and_good_files_go_through(folder_result):
    expected, directory = folder_result
    prepared, accepted, rejected = prepared_outcome(directory)
    assert_outcomes(expected, accepted, rejected)
    assert prepared.images.shape == (len(accepted), 32, 32, 3)
    assert prepared.labels is None and prepared.num_modes is None
    assert load_mode_classifier(directory) is None
    assert all(len(entry["sha256"]) == 64 for entry in prepared.manifest["inputs"])


def test_output_does_not_depend_on_the_number_of_workers(folder_result, tmp_path):
    _, pooled = folder_result
    (tmp_path / "inputs").symlink_to(pooled.parent / "inputs")
    params = {"seed": 0, "resolution": 32, "data": {"source": "folder", "path": "inputs", "workers": 1}}
    assert run_prepare(tmp_path, params) == 0
    for name in ("images.npy", "rejected.json"):
        assert (tmp_path / "prepared" / name).read_bytes() == (pooled / name).read_bytes()
    assert load_prepared(tmp_path / "prepared").dataset_sha256 == load_prepared(pooled).dataset_sha256


def test_modes_and_orientation_are_handled(folder_result):
    _, directory = folder_result
    prepared, accepted, _ = prepared_outcome(directory)
    image = dict(zip(accepted, np.asarray(prepared.images), strict=True))
    # Orientation=6 turns the red left half into the top half.
    assert image["rotated.jpg"][2, 16].tolist()[0] > 200 and image["rotated.jpg"][30, 16].tolist()[2] > 200
    # Transparent pixels land on paper white; opaque ones keep their colour.
    assert image["rgba.png"][16, 30].tolist() == [255, 255, 255]
    assert image["rgba.png"][16, 2].tolist() == [200, 30, 30]
    # 16-bit samples are scaled, not clipped: the grey ramp spans the range.
    assert image["grey16.png"][:, :, 0].min() < 20 and image["grey16.png"][:, :, 0].max() > 230
    assert image["cmyk.jpg"].std() > 10


def test_pad_policy_keeps_the_whole_image_on_paper_white(tmp_path):
    (tmp_path / "inputs").mkdir()
    for seed, name in ((3, "wide.png"), (4, "wide_too.png")):  # two: one for each split
        (tmp_path / "inputs" / name).write_bytes(encode(scene(seed, size=(96, 48)), "PNG"))
    params = {"resolution": 32, "data": {"source": "folder", "path": "inputs", "resize": "pad"}}
    assert run_prepare(tmp_path, params) == 0
    image = load_all_images(tmp_path / "prepared")[0]
    assert image[:6].min() == 255 and image[-6:].min() == 255  # bands above and below
    assert image[12:20].std() > 10


def test_zip_refuses_escaping_paths_and_links(tmp_path):
    good = encode(scene(1), "JPEG")
    expected = write_zip(tmp_path / "art.zip", good)
    assert run_prepare(tmp_path, {"data": {"source": "archive", "path": "art.zip"}}) == 0
    _, accepted, rejected = prepared_outcome(tmp_path / "prepared")
    assert_outcomes(expected, accepted, rejected, prefix="art.zip:")
    assert not (tmp_path.parent / "escape.jpg").exists()


def test_tar_refuses_links_devices_and_escaping_paths(tmp_path):
    expected = write_tar(tmp_path / "art.tar.gz", encode(scene(1), "JPEG"))
    assert run_prepare(tmp_path, {"data": {"source": "archive", "path": "art.tar.gz"}}) == 0
    _, accepted, rejected = prepared_outcome(tmp_path / "prepared")
    assert_outcomes(expected, accepted, rejected, prefix="art.tar.gz:")


def test_archive_over_the_size_cap_is_refused_before_reading(tmp_path):
    with zipfile.ZipFile(tmp_path / "big.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.png", b"\x00" * 2_000_000)
    params = {"data": {"source": "archive", "path": "big.zip", "max_archive_bytes": 1_000_000}}
    with pytest.raises(DataError, match="max_archive_bytes"):
        run_prepare(tmp_path, params)


def test_a_file_that_is_not_an_archive_is_one_clear_error(tmp_path):
    (tmp_path / "fake.tar").write_bytes(b"not a tar at all" * 64)
    with pytest.raises(DataError, match="fake.tar: not a readable archive"):
        run_prepare(tmp_path, {"data": {"source": "archive", "path": "fake.tar"}})
    with tarfile.open(tmp_path / "empty.tar", "w"):
        pass
    with pytest.raises(DataError, match="no usable images"):
        run_prepare(tmp_path, {"data": {"source": "archive", "path": "empty.tar"}})


def test_failed_prepare_leaves_the_previous_output_untouched(tmp_path, folder_result):
    _, good_output = folder_result
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "only.jpg").write_bytes(b"")  # nothing usable: prepare fails
    out = tmp_path / "prepared"
    out.mkdir()
    (out / "images.npy").write_bytes((good_output / "images.npy").read_bytes())
    with pytest.raises(DataError, match=r"no usable images .* first: only\.jpg: empty file"):
        run_prepare(tmp_path, {"data": {"source": "folder", "path": "inputs"}})
    assert (out / "images.npy").read_bytes() == (good_output / "images.npy").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs", "params.yaml", "prepared"]


def test_missing_input_folder_is_one_clear_error(tmp_path):
    with pytest.raises(DataError, match="data.path: folder .*nowhere not found"):
        run_prepare(tmp_path, {"data": {"source": "folder", "path": "nowhere"}})


segments = st.text(alphabet=st.characters(blacklist_characters="/\\\x00"), min_size=1, max_size=8)


@given(parts=st.lists(segments, min_size=1, max_size=5))
def test_archive_member_names_are_safe_exactly_when_relative_without_dotdot(parts):
    name = "/".join(parts)
    escapes = ".." in parts or (len(name) > 1 and name[1] == ":")
    assert (unsafe_name(name) is not None) == escapes
    assert unsafe_name("/" + name) is not None and unsafe_name("\\" + name) is not None
    assert unsafe_name("a/../" + name) is not None and unsafe_name(name + "\\..\\x") is not None
