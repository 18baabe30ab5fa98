"""A few fuzz cases through the real command line, in fresh interpreters: what a user sees for a mutated
gin file, archive or sample array is exit 2 and one ``ukiyoe <command>: error:`` line (or a run that
lists its rejections), never a traceback, with nothing written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.data.files import encode, scene
from tests.fuzz.harness import fuzz_settings, mutated

ROOT = Path(__file__).resolve().parents[2]
CLI_SECONDS = 120
PEAK_MEGABYTES = 2048  # torch and the networks fit well inside; a header-driven allocation would not
# ``python -m ukiyoe`` that reports its peak resident memory (VmHWM, counted from exec) as its last line
LAUNCHER = """
import atexit, re, sys
def peak():
    status = open("/proc/self/status").read()
    print("peak_kb", re.search(r"VmHWM:\\s+(\\d+)", status).group(1), file=sys.stderr)
atexit.register(peak)
from ukiyoe.cli import main
sys.exit(main(sys.argv[1:]))
"""


def ukiyoe(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", LAUNCHER, *argv]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=CLI_SECONDS)


def assert_clean_outcome(done: subprocess.CompletedProcess[str], command: str) -> None:
    """Exit 0, or 2 with one ``ukiyoe <command>: error:`` line last; no traceback; bounded memory."""
    *lines, peak = done.stderr.strip().splitlines()
    assert peak.startswith("peak_kb ") and int(peak.split()[1]) < PEAK_MEGABYTES * 1024, peak
    assert "Traceback" not in done.stderr, done.stderr
    if done.returncode != 0:
        assert done.returncode == 2, done.stderr
        assert lines and lines[-1].startswith(f"ukiyoe {command}: error: "), done.stderr


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz-cli")
    shutil.copytree(ROOT / "experiments", root / "experiments")
    shutil.copy(ROOT / "params.yaml", root / "params.yaml")
    return root


@fuzz_settings(examples=2)
@given(data=st.data())
def test_config_compile_of_a_mutated_fix(project: Path, data: st.DataObject) -> None:
    relative = "experiments/fixes/learning_rates.gin"
    original = (ROOT / relative).read_bytes()
    (project / relative).write_bytes(data.draw(mutated(original)))
    try:
        done = ukiyoe(
            project, "config", "compile", "experiments/fixed.gin", "--params", "params.yaml", "--out", "out"
        )
        assert_clean_outcome(done, "config")
        assert done.returncode == 0 or not (project / "out").exists()
    finally:
        (project / relative).write_bytes(original)
        shutil.rmtree(project / "out", ignore_errors=True)


@fuzz_settings(examples=2)
@given(data=st.data())
def test_prepare_of_a_mutated_archive(tmp_path_factory, data: st.DataObject) -> None:
    workdir = tmp_path_factory.mktemp("prepare")
    with zipfile.ZipFile(workdir / "art.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index in range(3):
            archive.writestr(f"{index}.png", encode(scene(index), "PNG"))
    (workdir / "art.zip").write_bytes(data.draw(mutated((workdir / "art.zip").read_bytes())))
    (workdir / "params.yaml").write_text(yaml.safe_dump({"data": {"source": "archive", "path": "art.zip"}}))
    done = ukiyoe(workdir, "prepare", "--params", "params.yaml", "--out", "prepared")
    assert_clean_outcome(done, "prepare")
    assert done.returncode == 0 or not (workdir / "prepared").exists()


@fuzz_settings(examples=2)
@given(data=st.data())
def test_diagnose_of_mutated_samples(tmp_path_factory, data: st.DataObject) -> None:
    workdir = tmp_path_factory.mktemp("diagnose")
    images = np.random.default_rng(0).integers(0, 256, (16, 8, 8, 3), dtype=np.uint8)
    prepared = workdir / "prepared"
    prepared.mkdir()
    np.save(prepared / "images.npy", images)
    (prepared / "manifest.json").write_text('{"source": "test", "count": 16, "resolution": 8}')
    np.save(workdir / "samples.npy", images[::-1])
    (workdir / "samples.npy").write_bytes(data.draw(mutated((workdir / "samples.npy").read_bytes())))
    done = ukiyoe(workdir, "diagnose", "--samples", "samples.npy", "--data", "prepared", "--out", "report")
    assert_clean_outcome(done, "diagnose")
    assert done.returncode == 0 or not (workdir / "report").exists()
