"""The container's hashed locks (CPU and CUDA) cover every runtime dependency of pyproject.toml for the
image's Python, each with the torch build it is for."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from container_lockfile import LockedPin, LockFormatError, parse_lock
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
CONTAINERS = REPO / "containers"
FLAVOURS = ("cpu", "cuda")
RUNTIME_LOCKS = {flavour: CONTAINERS / f"requirements-{flavour}.lock" for flavour in FLAVOURS}
BUILD_LOCK = CONTAINERS / "build-requirements.lock"
# The environment pip evaluates markers in inside the image (Linux x86_64, CPython 3.11).
CONTAINER_ENV = {
    "python_version": "3.11",
    "python_full_version": "3.11.2",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "extra": "",
}


def _pins(path: Path) -> dict[str, LockedPin]:
    pins = parse_lock(path.read_text(), source=str(path.relative_to(REPO)))
    return {pin.name: pin for pin in pins}


def _runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return [Requirement(text) for text in project["dependencies"]]


def _lock_script_setting(name: str) -> str:
    match = re.search(rf"^readonly {name}=(\S+)$", (CONTAINERS / "lock").read_text(), re.MULTILINE)
    assert match, f"containers/lock does not set {name}"
    return match.group(1)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_runtime_dependency_is_pinned_within_its_specifier(flavour: str) -> None:
    pins = _pins(RUNTIME_LOCKS[flavour])
    for requirement in _runtime_requirements():
        if requirement.marker and not requirement.marker.evaluate(CONTAINER_ENV):
            continue
        name = canonicalize_name(requirement.name)
        lock = RUNTIME_LOCKS[flavour].name
        assert name in pins, f"{requirement} from pyproject.toml is missing from containers/{lock}"
        assert requirement.specifier.contains(pins[name].version, prereleases=True), (
            f"containers/{lock} pins {name}=={pins[name].version}, outside '{requirement}'"
        )


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_pin_carries_sha256_hashes_and_is_unique(flavour: str) -> None:
    pins = parse_lock(RUNTIME_LOCKS[flavour].read_text())
    names = [pin.name for pin in pins]
    assert len(names) == len(set(names))
    assert len(pins) > 50
    assert all(pin.hashes for pin in pins)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_container_pins_of_requirements_in_are_honoured(flavour: str) -> None:
    pins = _pins(RUNTIME_LOCKS[flavour])
    for line in (CONTAINERS / f"requirements-{flavour}.in").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            locked = pins[canonicalize_name(requirement.name)]
            assert requirement.specifier.contains(locked.version), f"{line} not honoured: {locked.version}"


def test_cuda_lock_takes_torchs_cuda_13_wheels() -> None:
    pins = _pins(RUNTIME_LOCKS["cuda"])
    assert pins["torch"].version == "2.13.0"
    cuda = {name for name in pins if name.startswith("nvidia-")}
    assert {"nvidia-cuda-runtime", "nvidia-cublas", "nvidia-cudnn-cu13", "nvidia-nccl-cu13"} <= cuda
    assert Version(pins["cuda-toolkit"].version).major == 13
    assert not any(name.endswith("-cu12") for name in pins), "a CUDA 12 wheel in the CUDA 13 lock"


def test_cpu_lock_takes_torchs_cpu_build_and_no_cuda_wheel() -> None:
    pins = _pins(RUNTIME_LOCKS["cpu"])
    assert pins["torch"].version == "2.13.0+cpu" and len(pins["torch"].hashes) == 1
    assert not any(name.startswith(("nvidia-", "cuda-", "triton")) for name in pins)
    assert {"pytest", "hypothesis", "pytest-timeout"} <= pins.keys(), "the image runs the fast tests"


def test_both_locks_agree_on_every_shared_package_but_torch() -> None:
    cpu, cuda = _pins(RUNTIME_LOCKS["cpu"]), _pins(RUNTIME_LOCKS["cuda"])
    differing = {name for name in cpu.keys() & cuda.keys() if cpu[name].version != cuda[name].version}
    assert differing == {"torch"}


def test_build_lock_matches_the_runtime_locks() -> None:
    build = _pins(BUILD_LOCK)
    assert {"pip", "setuptools"} <= build.keys()
    for flavour in FLAVOURS:
        runtime = _pins(RUNTIME_LOCKS[flavour])
        for name, pin in build.items():
            if name in runtime:
                assert runtime[name].version == pin.version
                assert set(pin.hashes) <= set(runtime[name].hashes)


def test_locks_have_a_reproducible_header() -> None:
    for path in (*RUNTIME_LOCKS.values(), BUILD_LOCK):
        text = path.read_text()
        header = "# This file was autogenerated by uv via the following command:\n#    containers/lock\n"
        assert text.startswith(header)
        assert "/tmp" not in text and str(REPO) not in text
        assert not re.search(r"\b20\d\d-\d\d-\d\d[T ]\d\d:\d\d", text), f"{path.name} has a timestamp"


def test_lock_targets_the_images_python() -> None:
    """The image's interpreter is Debian's python3.11 from the pinned package list."""
    packages = (CONTAINERS / "base-packages.txt").read_text()
    image_python = re.search(r"^python3\.(\d+)=(\d+)\.(\d+)\.(\d+)-", packages, re.MULTILINE)
    assert image_python, "containers/base-packages.txt pins no python3.X"
    minor, *version = image_python.groups()
    assert version[:2] == ["3", minor]
    assert "python3.11 -m venv" in (CONTAINERS / "Dockerfile").read_text()
    lock_python = Version(_lock_script_setting("PYTHON_VERSION"))
    assert lock_python.release[:2] == (3, int(minor))
    assert CONTAINER_ENV["python_full_version"] == ".".join(version)
    assert _lock_script_setting("PYTHON_PLATFORM").startswith("x86_64-manylinux")


_names = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,4})?", fullmatch=True)
_versions = st.lists(st.integers(0, 300), min_size=1, max_size=4).map(lambda parts: ".".join(map(str, parts)))
_hashes = st.lists(st.binary(min_size=32, max_size=32).map(bytes.hex), min_size=1, max_size=4, unique=True)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(_names, st.tuples(_versions, _hashes), min_size=1, max_size=6))
def test_parser_reads_back_what_uv_writes(entries: dict[str, tuple[str, list[str]]]) -> None:
    blocks = ["# This file was autogenerated by uv via the following command:\n#    containers/lock"]
    for name, (version, hashes) in entries.items():
        lines = [f"{name}=={version} \\"] + [f"    --hash=sha256:{value} \\" for value in hashes]
        lines[-1] = lines[-1].removesuffix(" \\")
        blocks.append("\n".join([*lines, "    # via ukiyoe (pyproject.toml)"]))
    parsed = {pin.name: pin for pin in parse_lock("\n".join(blocks) + "\n")}
    assert parsed.keys() == {canonicalize_name(name) for name in entries}
    for name, (version, hashes) in entries.items():
        pin = parsed[canonicalize_name(name)]
        assert (pin.version, list(pin.hashes)) == (version, hashes)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("torch>=2.4 \\\n    --hash=sha256:" + "a" * 64 + "\n", "not an exact == pin"),
        ("torch==2.13.0\n", "carries no sha256 hash"),
        ("numpy==2.* \\\n    --hash=sha256:" + "b" * 64 + "\n", "not an exact == pin"),
        ("numpy==2.0 \\\n    --hash=sha256:short\n", "malformed hash option"),
    ],
)
def test_parser_rejects_entries_pip_would_refuse(text: str, problem: str) -> None:
    with pytest.raises(LockFormatError, match=rf"^lock.txt:1: .*{problem}"):
        parse_lock("# header\n" * 0 + text, source="lock.txt")
