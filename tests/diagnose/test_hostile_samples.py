"""``ukiyoe diagnose --samples`` with hostile sample sets: prepare's reader, limits and reasons, one line when
nothing usable is left, and nothing written on failure."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.data.files import png_bomb
from ukiyoe.cli import main
from ukiyoe.data import load_prepared


def run(*argv: str) -> int:
    return main(["diagnose", *argv])


def one_error_line(capsys) -> str:
    error = capsys.readouterr().err
    assert error.startswith("ukiyoe diagnose: error:") and error.count("\n") == 1, error
    assert "Traceback" not in error
    return error


def test_bombs_fifos_and_non_images_are_skipped_and_listed(
    synthetic_prepared: Path, tmp_path, capsys
) -> None:
    images = np.asarray(load_prepared(synthetic_prepared).images[:40])
    folder = tmp_path / "samples"
    folder.mkdir()
    for index, image in enumerate(images):
        Image.fromarray(image).save(folder / f"{index:03d}.png")
    (folder / "bomb.png").write_bytes(png_bomb())
    (folder / "readme.txt").write_text("not an image")
    os.mkfifo(folder / "pipe.png")
    (folder / "zero.png").symlink_to("/dev/zero")
    out = tmp_path / "report"
    assert run("--samples", str(folder), "--data", str(synthetic_prepared), "--out", str(out)) == 0
    error = capsys.readouterr().err
    assert "skipped 4 of 44 files" in error and "Traceback" not in error
    for line in (
        "bomb.png: decompression bomb: more pixels than data.max_pixels",
        "readme.txt: not an image",
        "pipe.png: named pipe (FIFO)",
        "zero.png: symbolic link (not followed)",
    ):
        assert line in error
    assert (out / "metrics.json").is_file()


def test_a_folder_with_nothing_usable_is_one_line_and_writes_nothing(
    synthetic_prepared, tmp_path, capsys
) -> None:
    folder = tmp_path / "samples"
    folder.mkdir()
    (folder / "bomb.png").write_bytes(png_bomb())
    (folder / "notes.jpg").write_bytes(b"plain text\n" * 10)
    out = tmp_path / "report"
    assert run("--samples", str(folder), "--data", str(synthetic_prepared), "--out", str(out)) == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("ukiyoe diagnose: error: --samples: no usable images in")
    assert "2 rejected; first: bomb.png: decompression bomb" in error
    assert not out.exists()


def test_too_few_usable_images_is_one_line(synthetic_prepared: Path, tmp_path, capsys) -> None:
    folder = tmp_path / "samples"
    folder.mkdir()
    for index, image in enumerate(np.asarray(load_prepared(synthetic_prepared).images[:3])):
        Image.fromarray(image).save(folder / f"{index}.png")
    (folder / "junk.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    assert run("--samples", str(folder), "--data", str(synthetic_prepared), "--out", str(tmp_path / "r")) == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert "need at least" in error and "got 3 generated" in error


@pytest.mark.parametrize("kind", ["fifo", "device", "huge_shape", "object"])
def test_hostile_npy_files_are_one_line(synthetic_prepared: Path, tmp_path, capsys, kind) -> None:
    path = tmp_path / "samples.npy"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "huge_shape":  # the header claims 10^12 images; the file holds 64
        np.save(path, np.zeros((64, 32, 32, 3), np.uint8))
        path.write_bytes(path.read_bytes().replace(b"(64, 32", b"(1000000000000, 32", 1))
    else:
        np.save(path, np.array([{"a": 1}] * 8, dtype=object), allow_pickle=True)
    out = tmp_path / "report"
    assert run("--samples", str(path), "--data", str(synthetic_prepared), "--out", str(out)) == 2
    error = one_error_line(capsys)
    assert "samples.npy" in error
    assert not out.exists()
