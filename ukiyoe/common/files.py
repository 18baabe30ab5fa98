"""File conventions: crash-safe writes (readers see the old file or the new one), hashes, strict JSON, git."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import stat
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

_UMASK_LOCK = threading.Lock()


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _umask() -> int:
    """The process umask, read without setting it where Linux shows it: setting and restoring it would
    race with a second thread writing files (checkpoints are written beside the training steps)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _umask_mode() -> int:
    """The mode ``open()`` would give a new file (0666 less the umask); mkstemp's 0600 would hide
    checkpoints and metrics from the rest of a team or a container's other user."""
    return 0o666 & ~_umask()


def atomic_write(path: Path, write: Callable[[IO[bytes]], Any]) -> None:
    """Write through ``write(file)`` into a temporary file beside ``path``, fsync it, then rename it over."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temporary, _umask_mode())
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def json_text(value: Any, sort_keys: bool = True) -> str:
    """The project's JSON files: indented, UTF-8 as is, one trailing newline; NaN and infinities refused
    (``allow_nan=False``: DVC and strict readers reject them; ``json_safe`` turns them into null first)."""
    return json.dumps(value, indent=2, sort_keys=sort_keys, ensure_ascii=False, allow_nan=False) + "\n"


def atomic_write_json(path: Path, value: Any, sort_keys: bool = True) -> None:
    """``json_text`` of ``json_safe(value)``, atomically."""
    atomic_write_text(path, json_text(json_safe(value), sort_keys))


def json_safe(value: Any) -> Any:
    """Plain JSON values: NaN and infinities become null (DVC and strict readers reject them), numpy and
    torch scalars become Python numbers; dicts, lists and tuples are converted throughout."""
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def sha256_files(*paths: Path) -> str:
    """One SHA-256 over the files' bytes in order (of one file: its usual checksum)."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_files(path)


def sha256_bytes(data: bytes | memoryview) -> str:
    """The SHA-256 of bytes in memory (the same digest ``sha256_file`` gives once they are written)."""
    return hashlib.sha256(data).hexdigest()


def git_commit(directory: Path | None = None) -> str | None:
    """HEAD of the repository holding ``directory`` (default: the working directory); None outside git."""
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True,
                                timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return (result.stdout.strip() or None) if result.returncode == 0 else None


def read_text_file(path: Path) -> str:
    """A regular file's UTF-8 text. A FIFO or device is refused before it is opened (reading one would
    block or never end); raises OSError, or ValueError naming the problem."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise ValueError("not a regular file")
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (byte {error.start})") from None
