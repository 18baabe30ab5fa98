"""Bad input at the command line: one clear error line, a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def ukiyoe(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ukiyoe", *args], cwd=cwd, capture_output=True, text=True)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error:" in line]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


@pytest.mark.parametrize("command", ["prepare", "train", "diagnose", "compare", "config"])
def test_every_command_has_help(command: str, tmp_path: Path) -> None:
    result = ukiyoe(command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "usage: ukiyoe" in result.stdout


def test_prepare_with_missing_params(tmp_path: Path) -> None:
    result = ukiyoe("prepare", "--params", "nope.yaml", "--out", "data/prepared", cwd=tmp_path)
    assert_one_line_error(result, "nope.yaml")
    assert not (tmp_path / "data").exists()


def test_prepare_with_malformed_params(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text("seed: [0\nresolution: 32\n")
    result = ukiyoe("prepare", "--params", "params.yaml", "--out", "data/prepared", cwd=tmp_path)
    assert_one_line_error(result, "params.yaml")


def test_train_with_unknown_config(tmp_path: Path) -> None:
    result = ukiyoe(
        "train", "--config", "experiments/nope.gin", "--params", str(REPO / "params.yaml"),
        "--data", "data/prepared", "--out", "checkpoints/x", cwd=tmp_path,
    )
    assert_one_line_error(result, "nope.gin")


def test_train_with_missing_data_dir_keeps_the_earlier_run(tmp_path: Path) -> None:
    earlier = tmp_path / "ckpt" / "config" / "operative.gin"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("# an earlier run's config\n")
    result = ukiyoe(
        "train", "--config", str(REPO / "experiments/fixed.gin"), "--params", str(REPO / "params.yaml"),
        "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "ckpt"), cwd=REPO,
    )
    assert_one_line_error(result, "missing")
    assert earlier.read_text() == "# an earlier run's config\n"


def test_diagnose_with_missing_checkpoint(tmp_path: Path) -> None:
    result = ukiyoe(
        "diagnose", "--checkpoint", "checkpoints/none", "--data", "data/prepared", "--out", "reports/x",
        cwd=tmp_path,
    )
    assert_one_line_error(result, "checkpoints/none")
