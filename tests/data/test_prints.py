"""The prints source: seeded multi-scale patches from the shared public-domain prints."""

from __future__ import annotations

import hashlib

import pytest

from tests.data.conftest import PRINTS, run_prepare
from ukiyoe.common.errors import DataError
from ukiyoe.data import load_mode_classifier, load_prepared
from ukiyoe.data.split import load_all_images

needs_prints = pytest.mark.skipif(not PRINTS.is_dir(), reason=f"prints folder {PRINTS} is absent")


@needs_prints
def test_patches_are_seeded_and_cover_the_prints(tmp_path):
    params = {"seed": 4, "resolution": 32, "data": {"source": "prints", "path": str(PRINTS), "count": 96}}
    assert run_prepare(tmp_path / "a", params) == 0
    assert run_prepare(tmp_path / "b", params) == 0
    first, _second = load_prepared(tmp_path / "a" / "prepared"), load_prepared(tmp_path / "b" / "prepared")
    both = load_all_images(tmp_path / "a" / "prepared")
    assert both.shape == (96, 32, 32, 3) and first.labels is None
    assert (
        hashlib.sha256(both).digest() == hashlib.sha256(load_all_images(tmp_path / "b" / "prepared")).digest()
    )
    assert 0 < len(first.images) < 96 and first.manifest["heldout_count"] == 96 - len(first.images)
    manifest = first.manifest
    assert len(manifest["inputs"]) >= 20 and sum(manifest["patches_per_print"].values()) == 96
    assert load_mode_classifier(tmp_path / "a" / "prepared") is None
    assert both.std(axis=(1, 2, 3)).min() > 1  # real texture, not blank crops


def test_absent_prints_folder_is_one_clear_error(tmp_path):
    with pytest.raises(DataError, match="data.path: prints folder .* not found"):
        run_prepare(tmp_path, {"data": {"source": "prints", "path": "no_prints_here"}})
