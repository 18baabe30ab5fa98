"""The CPU image, built for real with buildah on a local Debian base: the demo and tests run inside as a
non-root UID, and a second build from the same inputs, after both images left the store, gives the same
digest. The steps run one after another: in CI they share two cores with the suite (`make ci`). Minutes, so
`make container` runs it (UKIYOE_CONTAINER_BUILD=1); `make test` skips it."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
IMAGE_UID = 10001
BUILT = re.compile(r"^containers/run: built (\S+): digest (sha256:[0-9a-f]{64}), id ([0-9a-f]{64})$", re.M)
# Fast tests that need nothing but the image's own packages (no linters).
INSIDE_TESTS = ("tests/config", "tests/containers/test_container_lock.py")

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("UKIYOE_CONTAINER_BUILD") != "1"
        or not (shutil.which("buildah") and shutil.which("mmdebstrap"))
        or os.getuid() != 0,
        reason="builds the image as root with buildah and mmdebstrap: make container",
    ),
    # Builds and the demo take minutes (more on a busy machine): past the suite's 10-minute default.
    pytest.mark.timeout(2700),
]


@dataclass(frozen=True)
class Built:
    name: str
    digest: str
    image_id: str
    log: str


def _engine_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, UKIYOE_ENGINE="buildah", UKIYOE_LOCK="cpu", UKIYOE_GPUS="none")
    env.update(extra)
    return env


def _build_command(source: Path, image: str) -> list[str]:
    return ["env", f"UKIYOE_IMAGE={image}", str(source / "containers" / "run"), "--build", "--local-base"]


def _built(returncode: int, stdout: str, stderr: str) -> Built:
    assert returncode == 0, stdout[-3000:] + stderr[-3000:]
    match = BUILT.search(stderr)
    assert match, stderr[-2000:]
    return Built(match.group(1), match.group(2), match.group(3), stdout + stderr)


def _build(source: Path, image: str) -> Built:
    command = _build_command(source, image)
    result = subprocess.run(command, env=_engine_env(), capture_output=True, text=True, timeout=1200)
    return _built(result.returncode, result.stdout, result.stderr)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _base_name(source: Path) -> str:
    """The base's name (the image is built already, so containers/base only names it)."""
    return subprocess.run(
        [str(source / "containers" / "base")], capture_output=True, text=True, check=True, timeout=900
    ).stdout.strip()


def _base_id(source: Path) -> str:
    return subprocess.run(
        ["buildah", "inspect", "--type", "image", "--format", "{{.FromImageID}}", _base_name(source)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _base(source: Path, tar: Path) -> str:
    """Builds the base from the package list (always from scratch with --tar) and returns its image ID."""
    result = subprocess.run(
        [str(source / "containers" / "base"), "--tar", str(tar)], capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return _base_id(source)


def _clone(target: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(target)], check=True, timeout=120)
    return target


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both builds read one clean clone of the commit: edits to the working tree meanwhile change nothing."""
    return _clone(tmp_path_factory.mktemp("source") / "ukiyoe")


@pytest.fixture(scope="module")
def first(source: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Built, Path, str]:
    tar = tmp_path_factory.mktemp("base") / "rootfs.tar"
    base_id = _base(source, tar)
    return _build(source, "localhost/ukiyoe:cpu"), tar, base_id


def _inside(repo: Path, *command: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(repo / "containers" / "run"), *command],
        cwd=repo,
        env=_engine_env(UKIYOE_IMAGE="localhost/ukiyoe:cpu", UKIYOE_CONTAINER_HOME=str(repo.parent / "home")),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def demo(first: object, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone of the committed repository, owned by the image's user, as `git clone` gives it."""
    repo = _clone(tmp_path_factory.mktemp("demo") / "ukiyoe")
    subprocess.run(["chown", "-R", f"{IMAGE_UID}:{IMAGE_UID}", str(repo.parent)], check=True)
    return repo


def test_commands_run_as_the_images_non_root_user(demo: Path) -> None:
    result = _inside(demo, "sh", "-c", 'id -u; id -g; echo "$HOME"; python3 --version', timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:3] == [str(IMAGE_UID), str(IMAGE_UID), "/home/ukiyoe"]
    assert "Python 3.11." in result.stdout
    assert "with buildah (UKIYOE_ENGINE) as 10001:10001" in result.stderr


def test_demo_pipeline_runs_inside_and_cards_carry_the_digest(
    first: tuple[Built, Path, str], demo: Path
) -> None:
    result = _inside(demo, "dvc", "repro", timeout=1500)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (demo / "reports" / "compare" / "report.html").is_file()
    for side in ("collapsed", "fixed"):
        card_path = demo / "reports" / side / "card.json"
        card = json.loads(card_path.read_text())
        assert card["container_digest"] == first[0].digest
        assert card["base_image"].startswith("localhost/ukiyoe-base:bookworm-")
        assert card_path.stat().st_uid == IMAGE_UID, "outputs must belong to the user that ran them"


def test_fast_tests_pass_inside(demo: Path) -> None:
    result = _inside(demo, "python", "-m", "pytest", "-q", "-x", *INSIDE_TESTS)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"^\d+ passed", result.stdout.splitlines()[-1]), result.stdout[-500:]


def _remove_images(*names: str) -> None:
    for name in names:
        subprocess.run(["buildah", "rmi", name], capture_output=True, text=True, check=True, timeout=300)
        found = subprocess.run(["buildah", "inspect", "--type", "image", name], capture_output=True)
        assert found.returncode != 0, f"{name} is still in the image store"


def test_a_second_build_from_the_same_inputs_gives_the_same_digest(
    source: Path, first: tuple[Built, Path, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Runs last, after the demo: image and base leave the store, then both are built again from scratch
    (the pip download cache is kept: the same locked files)."""
    built, tar, base_id = first
    base_name = _base_name(source)
    _remove_images(built.name, base_name)
    tar_again = tmp_path_factory.mktemp("again") / "rootfs.tar"
    assert _base(source, tar_again) == base_id
    assert _sha256(tar_again) == _sha256(tar), "the base's root filesystem differs"
    again = _build(source, built.name)
    # A real second build, not a cached one: the locks were installed again.
    assert "Successfully installed" in again.log
    assert (again.digest, again.image_id) == (built.digest, built.image_id)
