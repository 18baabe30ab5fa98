"""``ukiyoe prepare`` as users run it: one line on success, one clear error line and exit 2 otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]


def ukiyoe(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ukiyoe", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_prepare_from_the_command_line(tmp_path):
    (tmp_path / "params.yaml").write_text(
        "seed: 1\nresolution: 64\ngen_lr: 0.0002\n"
        "data:\n  source: synthetic\n  count: 400\n  classifier: false\n"
    )
    result = ukiyoe(
        "prepare", "--params", "params.yaml", "--out", "data/prepared", "--grid", "sheet.png", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "prepared 300 train + 100 held-out images of 64x64 from synthetic" in result.stdout
    with Image.open(tmp_path / "sheet.png") as sheet:  # one tile per mode: 8 motifs x 5 palettes
        assert sheet.size == (2 * (5 * 66 - 2), 2 * (8 * 66 - 2)) and sheet.mode == "RGB"  # enlarged x2
    assert sorted(p.name for p in (tmp_path / "data" / "prepared").iterdir()) == [
        "heldout",
        "images.npy",
        "labels.npy",
        "manifest.json",
        "rejected.json",
        "split.npy",
    ]


def test_user_errors_are_one_line_and_exit_2(tmp_path):
    missing = ukiyoe("prepare", "--params", "nowhere.yaml", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "ukiyoe prepare: error: nowhere.yaml: params file not found"
    (tmp_path / "params.yaml").write_text("data:\n  source: synthetic\n  cuont: 10\n")
    typo = ukiyoe("prepare", cwd=tmp_path)
    assert typo.returncode == 2 and typo.stderr.count("\n") == 1
    assert "params.yaml: data.cuont: unknown key (did you mean 'count'?)" in typo.stderr
