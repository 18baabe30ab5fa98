"""Hostile files in folder and archive sources: each is skipped and listed in rejected.json with its reason,
nothing blocks, and the 2 GiB zero member is refused within bounded time and memory."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.data.conftest import run_prepare
from tests.data.files import encode, png_bomb, scene
from tests.data.hostile_files import (
    write_header_then_zeros_zip,
    write_nul_name_zip,
    write_outside_links_tar,
    write_zero_bomb_zip,
)
from ukiyoe.common.errors import DataError

REPO = Path(__file__).resolve().parents[2]
ZIP_BOMB_SECONDS, ZIP_BOMB_MEGABYTES = 10.0, 512


def outcome(directory: Path) -> tuple[list[str], dict[str, str]]:
    manifest = json.loads((directory / "manifest.json").read_text())
    rejected = json.loads((directory / "rejected.json").read_text())
    return [entry["path"] for entry in manifest["inputs"]], {e["path"]: e["reason"] for e in rejected}


def assert_accounted(directory: Path, expected: dict[str, str | None]) -> None:
    """Every expected entry is accepted (None) or rejected with its reason prefix; nothing else appears."""
    accepted, rejected = outcome(directory)
    assert sorted(accepted + list(rejected)) == sorted(expected), (accepted, rejected)
    for name, reason in expected.items():
        if reason is None:
            assert name in accepted, f"{name} rejected: {rejected.get(name)}"
        else:
            assert rejected.get(name, "").startswith(reason), f"{name}: {rejected.get(name)!r}"


def prepare_in_subprocess(
    workdir: Path, params: dict, timeout: float
) -> tuple[subprocess.CompletedProcess, dict]:
    """``ukiyoe prepare`` in a fresh interpreter (so a hang is a timeout, not a stuck suite); returns the
    process and its own figures: wall seconds and peak resident megabytes (run with ``workers: 1``, so
    everything is read in that one process)."""
    (workdir / "params.yaml").write_text(yaml.safe_dump(params))
    script = textwrap.dedent(
        f"""
        import json, re, sys, time
        from ukiyoe.cli import main
        started = time.perf_counter()
        try:
            code = main(["prepare", "--params", {str(workdir / "params.yaml")!r}, "--out",
                         {str(workdir / "prepared")!r}])
        except SystemExit as exit:
            code = exit.code
        seconds = time.perf_counter() - started
        # VmHWM: this interpreter's peak since exec (ru_maxrss would carry over the forking parent's)
        status = open("/proc/self/status").read()
        peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
        print(json.dumps({{"code": code, "seconds": seconds, "megabytes": peak / 1024}}), file=sys.stderr)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout, env=env, cwd=workdir
    )
    figures = json.loads(done.stderr.strip().splitlines()[-1])
    return done, figures


def test_fifo_device_link_socket_and_linked_directory_are_listed_not_read(tmp_path):
    inputs = tmp_path / "inputs"
    (inputs / "sub").mkdir(parents=True)
    (inputs / "good.png").write_bytes(encode(scene(1), "PNG"))
    (inputs / "sub" / "good.jpg").write_bytes(encode(scene(2), "JPEG"))
    os.mkfifo(inputs / "pipe.png")  # opening it for reading would block until a writer comes
    (inputs / "zero.png").symlink_to("/dev/zero")  # endless bytes behind a harmless name
    (inputs / "linked_dir").symlink_to(inputs / "sub", target_is_directory=True)
    (inputs / "outside").symlink_to("/etc", target_is_directory=True)
    (inputs / "dangling.png").symlink_to(tmp_path / "missing.png")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(inputs / "sock.png"))
    try:
        params = {"data": {"source": "folder", "path": "inputs", "workers": 1}}
        done, _ = prepare_in_subprocess(tmp_path, params, timeout=60)
    finally:
        server.close()
    assert done.returncode == 0, done.stderr
    assert_accounted(
        tmp_path / "prepared",
        {
            "good.png": None,
            "sub/good.jpg": None,
            "pipe.png": "named pipe (FIFO)",
            "zero.png": "symbolic link (not followed)",
            "dangling.png": "symbolic link (not followed)",
            "linked_dir": "symbolic link to a directory (not followed)",
            "outside": "symbolic link to a directory (not followed)",
            "sock.png": "socket",
        },
    )


def test_a_device_file_in_place_of_an_image_is_refused_without_reading(tmp_path):
    from ukiyoe.data.input_files import Rejection, read_regular_file

    with pytest.raises(Rejection, match="character device"):
        read_regular_file("/dev/zero", 1 << 20)
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(Rejection, match="named pipe"):
        read_regular_file(str(tmp_path / "pipe"), 1 << 20)  # O_NONBLOCK: returns at once


def test_an_archive_path_that_is_a_fifo_or_device_is_one_clear_error(tmp_path):
    os.mkfifo(tmp_path / "art.zip")
    (tmp_path / "dev.tar").symlink_to("/dev/zero")
    for name in ("art.zip", "dev.tar"):
        with pytest.raises(DataError, match=f"{name} is not a regular file"):
            run_prepare(tmp_path, {"data": {"source": "archive", "path": name}})


@pytest.fixture(scope="module")
def zero_bomb_zip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    assert write_zero_bomb_zip(path, encode(scene(1), "PNG")) < 3_000_000  # ~2.1 MB for 2 GiB - 1 MiB
    return path


@pytest.mark.parametrize(
    ("max_file_bytes", "reason"),
    [
        (None, "larger than data.max_file_bytes"),  # refused from its declared size
        (4 << 30, "not an image"),  # cap raised: streamed, refused from its first bytes
    ],
)
def test_zip_with_a_two_gigabyte_zero_member_is_rejected_quickly_in_bounded_memory(
    tmp_path, zero_bomb_zip, max_file_bytes, reason
):
    (tmp_path / "bomb.zip").symlink_to(zero_bomb_zip)
    params = {"data": {"source": "archive", "path": "bomb.zip", "workers": 1}}
    if max_file_bytes is not None:
        params["data"]["max_file_bytes"] = max_file_bytes
    done, figures = prepare_in_subprocess(tmp_path, params, timeout=120)
    assert done.returncode == 0, done.stderr
    assert_accounted(tmp_path / "prepared", {"bomb.zip:good.png": None, "bomb.zip:zeros.png": reason})
    assert figures["seconds"] < ZIP_BOMB_SECONDS, figures
    assert figures["megabytes"] < ZIP_BOMB_MEGABYTES, figures


def test_a_member_that_starts_like_an_image_is_cut_off_at_the_byte_cap(tmp_path):
    write_header_then_zeros_zip(tmp_path / "fat.zip", encode(scene(1), "PNG"), mebibytes=40)
    params = {"data": {"source": "archive", "path": "fat.zip", "max_file_bytes": 8 << 20}}
    assert run_prepare(tmp_path, params) == 0
    expected = {"fat.zip:good.png": None, "fat.zip:fat.png": "larger than data.max_file_bytes (8388608"}
    assert_accounted(tmp_path / "prepared", expected)


def test_tar_hard_links_to_files_outside_are_refused(tmp_path):
    expected = write_outside_links_tar(tmp_path / "links.tar", encode(scene(1), "PNG"))
    assert run_prepare(tmp_path, {"data": {"source": "archive", "path": "links.tar"}}) == 0
    assert_accounted(
        tmp_path / "prepared", {f"links.tar:{name}": reason for name, reason in expected.items()}
    )


def test_nul_and_invisible_characters_in_member_names_are_refused(tmp_path):
    expected = write_nul_name_zip(tmp_path / "names.zip", encode(scene(1), "PNG"), encode(scene(2), "PNG"))
    assert run_prepare(tmp_path, {"data": {"source": "archive", "path": "names.zip"}}) == 0
    assert_accounted(
        tmp_path / "prepared", {f"names.zip:{name}": reason for name, reason in expected.items()}
    )


def test_odd_file_names_are_refused_escaped_and_japanese_names_accepted(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    names = {
        "北斎の波.png": None,
        "tab\there.png": "file name holds control",
        "new\nline.png": "file name holds control",
        "x\u202egnp.exe": "file name holds control",
        "zero\u200bwidth.png": "file name holds control",
    }
    for index, name in enumerate(names):
        (inputs / name).write_bytes(encode(scene(10 + index), "PNG"))
    undecodable = os.fsencode(inputs) + b"/bad\xff.png"
    with open(undecodable, "wb") as handle:
        handle.write(encode(scene(20), "PNG"))
    assert run_prepare(tmp_path, {"data": {"source": "folder", "path": "inputs", "workers": 1}}) == 0
    shown = {
        "北斎の波.png": None,
        "tab\\x09here.png": "file name holds control",
        "new\\x0aline.png": "file name holds control",
        "x\\u202egnp.exe": "file name holds control",
        "zero\\u200bwidth.png": "file name holds control",
        "bad\\xff.png": "file name holds control, invisible or undecodable characters (\\xff)",
    }
    assert_accounted(tmp_path / "prepared", shown)


def test_max_pixels_above_pillows_default_is_honoured_and_named(tmp_path):
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "huge.png").write_bytes(png_bomb(10_000))  # 100 M pixels, Pillow warns at 89.5 M
    (tmp_path / "inputs" / "small.png").write_bytes(encode(scene(1), "PNG"))
    params = {"data": {"source": "folder", "path": "inputs", "workers": 1}}
    assert run_prepare(tmp_path, params) == 0
    _, rejected = outcome(tmp_path / "prepared")
    assert rejected["huge.png"] == "decompression bomb: more pixels than data.max_pixels (64000000)"
    params["data"]["max_pixels"] = 120_000_000
    assert run_prepare(tmp_path, params) == 0
    assert_accounted(tmp_path / "prepared", {"huge.png": None, "small.png": None})
