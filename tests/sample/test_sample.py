"""`ukiyoe sample`: one image per seed, a grid and an interpolation strip from a real checkpoint; the same
refusals as every checkpoint load; seed lists parsed strictly."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from ukiyoe.cli import main
from ukiyoe.common.errors import UkiyoeError
from ukiyoe.gan.checkpoint import list_checkpoints
from ukiyoe.sample.seeds import parse_seeds


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_sixteen_seeds_give_sixteen_images_and_a_grid(checkpoint, tmp_path, capsys) -> None:
    out = tmp_path / "art"
    assert main(["sample", "--checkpoint", str(checkpoint), "--seeds", "0-15", "--out", str(out)]) == 0
    images = sorted(out.glob("seed*.png"))
    assert [p.name for p in images] == [f"seed{seed:04d}.png" for seed in range(16)]
    assert all(pixels(p).shape == (8, 8, 3) for p in images)
    assert len({pixels(p).tobytes() for p in images}) == 16  # different seeds, different pictures
    grid = pixels(out / "grid.png")
    assert grid.shape == (2 + 4 * 10 - 2 + 2, 2 + 4 * 10 - 2 + 2, 3)  # 4x4 tiles of 8 px, gaps, margins
    assert np.array_equal(grid[2:10, 2:10], pixels(images[0]))
    manifest = json.loads((out / "sample.json").read_text())
    assert manifest["seeds"] == list(range(16)) and manifest["step"] == list_checkpoints(checkpoint)[-1].step
    assert "wrote 17 pictures and sample.json" in capsys.readouterr().out


def test_a_seed_draws_the_same_picture_alone_or_in_a_batch(checkpoint, tmp_path) -> None:
    for seeds, out in (("3,9", "a"), ("9", "b")):
        argv = ["sample", "--checkpoint", str(checkpoint), "--seeds", seeds, "--out", str(tmp_path / out)]
        assert main(argv) == 0
    assert np.array_equal(pixels(tmp_path / "a" / "seed0009.png"), pixels(tmp_path / "b" / "seed0009.png"))


def test_truncation_pulls_images_together_and_the_strip_runs_between_seeds(checkpoint, tmp_path) -> None:
    spread = {}
    for psi in ("1.0", "0.0"):
        out = tmp_path / f"psi{psi}"
        argv = ["sample", "--checkpoint", str(checkpoint), "--seeds", "0-7", "--out", str(out),
                "--truncation", psi, "--interpolate", "5"]
        assert main(argv) == 0
        stack = np.stack([pixels(out / f"seed{seed:04d}.png").astype(float) for seed in range(8)])
        spread[psi] = stack.std(axis=0).mean()
        strip = pixels(out / "interpolation.png")
        assert strip.shape == (2 + 7 * 10 - 2 + 2, 2 + 5 * 10 - 2 + 2, 3)  # 7 seed pairs x 5 frames
        first_row_start, first_row_end = strip[2:10, 2:10], strip[2:10, 42:50]
        assert np.array_equal(first_row_start, pixels(out / "seed0000.png"))
        if psi == "1.0":
            assert not np.array_equal(first_row_start, first_row_end)
    assert spread["0.0"] < 0.5 * spread["1.0"]  # psi 0: every image drawn from the mean w


def test_a_refused_checkpoint_is_one_error_and_writes_nothing(checkpoint, tmp_path, capsys) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(checkpoint, broken)
    for entry in list_checkpoints(broken):
        entry.path.write_bytes(entry.path.read_bytes()[:100])  # truncated: the sha256 sidecars disagree
    out = tmp_path / "never"
    assert main(["sample", "--checkpoint", str(broken), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("ukiyoe sample: error: ") and error.count("\n") == 1
    assert "no valid checkpoint" in error
    assert not out.exists()
    assert main(["sample", "--checkpoint", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert capsys.readouterr().err.count("\n") == 1 and not out.exists()
    assert main(["sample", "--checkpoint", str(checkpoint), "--out", str(out), "--truncation", "5"]) == 2
    assert "ψ must be between 0 and 2" in capsys.readouterr().err and not out.exists()


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 20)), min_size=1, max_size=6))
def test_seed_lists_parse_to_the_seeds_they_name(parts) -> None:
    text = ",".join(f"{start}-{start + length}" if length else str(start) for start, length in parts)
    expected = []
    for start, length in parts:
        expected += [seed for seed in range(start, start + length + 1) if seed not in expected]
    assert parse_seeds(text) == expected


@pytest.mark.parametrize("text", ["", "a", "1-", "-3", "5-2", "1,,2", "0-99999", "1.5", "1 2", "0x10", "٣"])
def test_malformed_seed_lists_are_refused(text) -> None:
    with pytest.raises(UkiyoeError, match="--seeds"):
        parse_seeds(text)
