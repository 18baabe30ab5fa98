"""The ``folder`` and ``archive`` sources: a user's own images, decoded in parallel, bad files and
duplicates listed in ``rejected.json`` with a reason instead of stopping the run."""

from __future__ import annotations

import functools
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ukiyoe.common.errors import DataError
from ukiyoe.data.archives import archive_members, is_archive
from ukiyoe.data.decode import Decoded, DecodeSettings, decode_input
from ukiyoe.data.input_files import name_problem, shown_name, special_kind

BATCH = 256  # inputs handed to the pool at a time: bounds memory for large archives
BATCH_BYTES = 256 * 1024**2  # and the archive bytes held at a time
MIN_FOR_POOL = 32  # below this, starting worker processes costs more than it saves
# Workers only run Pillow and numpy, so on Linux they may fork (as torch's DataLoader workers do) and start
# at once; elsewhere they start fresh interpreters.
START_METHOD = "fork" if sys.platform == "linux" else "spawn"
# (shown name, file path or member bytes to decode, or None with the rejection reason)
Item = tuple[str, str | bytes | None, str | None]


@dataclass
class Collected:
    images: list[np.ndarray] = field(default_factory=list)
    inputs: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)  # sha256 -> first path with that content
    keep_duplicates: bool = False  # generated samples may repeat (that is collapse); training data may not

    def add(self, name: str, outcome: Decoded) -> None:
        if outcome.reason is not None:
            self.rejected.append({"path": name, "reason": outcome.reason})
        elif outcome.sha256 in self.seen and not self.keep_duplicates:
            self.rejected.append({"path": name, "reason": f"duplicate of {self.seen[outcome.sha256]}"})
        else:
            self.seen[outcome.sha256] = name
            self.images.append(outcome.image)
            self.inputs.append({"path": name, "sha256": outcome.sha256, "bytes": outcome.size})


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _listing_error(rejected: list[tuple[str, None, str]], root: Path) -> Callable[[OSError], None]:
    def record(error: OSError) -> None:
        where = Path(error.filename).relative_to(root).as_posix() if error.filename else "."
        rejected.append((shown_name(where), None, f"unreadable directory ({error.strerror or error})"))

    return record


def folder_files(root: Path) -> list[Item]:
    """Every entry under ``root`` as (shown relative path, absolute path or None, rejection reason or None):
    only regular files with printable names get a path; links (to files or directories), FIFOs, devices,
    sockets and unreadable directories are listed with their reason. Nothing is opened here."""
    found: list[Item] = []
    for directory, subdirs, files in os.walk(root, onerror=_listing_error(found, root)):
        subdirs.sort()
        for name in list(subdirs):
            if os.path.islink(os.path.join(directory, name)):
                subdirs.remove(name)  # os.walk does not enter it; say so
                relative = Path(directory, name).relative_to(root).as_posix()
                found.append((shown_name(relative), None, "symbolic link to a directory (not followed)"))
        for name in files:
            full = os.path.join(directory, name)
            relative = Path(full).relative_to(root).as_posix()
            try:
                reason = special_kind(os.lstat(full).st_mode) or name_problem(relative)
            except OSError as error:
                reason = f"unreadable file ({error.strerror or error})"
            found.append((shown_name(relative), None if reason else full, reason))
    return sorted(found, key=lambda item: item[0])


def batches(items: Iterator[Item], count: int, max_bytes: int) -> Iterator[list[Item]]:
    """Groups of at most ``count`` items and (beyond the first item) ``max_bytes`` of member bytes."""
    batch: list[Item] = []
    size = 0
    for item in items:
        length = len(item[1]) if isinstance(item[1], bytes) else 0
        if batch and (len(batch) == count or size + length > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += length
    if batch:
        yield batch


def _decode_batches(
    items: Iterator[Item], total: int | None, settings: DecodeSettings, workers: int, collected: Collected
) -> Collected:
    """Decode everything, then fold the outcomes in name order (stable: equal names keep their order), so
    the result never depends on the order an archive stores its members in or on the workers."""
    outcomes: list[tuple[str, Decoded]] = []
    decode = functools.partial(decode_input, settings=settings)
    pool = None
    if workers > 1 and (total is None or total >= MIN_FOR_POOL):
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(START_METHOD))
    try:
        with tqdm(total=total, desc="decode", unit="img", leave=False, disable=None) as progress:
            for batch in batches(items, BATCH, BATCH_BYTES):
                sources = [source for _, source, reason in batch if reason is None]
                decoded = iter(pool.map(decode, sources, chunksize=8) if pool else map(decode, sources))
                for name, _source, reason in batch:
                    outcomes.append((name, Decoded("", 0, None, reason) if reason else next(decoded)))
                progress.update(len(batch))
    except BrokenProcessPool:
        raise DataError("data.workers: a decoding process died (out of memory?); try workers: 1") from None
    finally:
        if pool is not None:
            pool.shutdown()
    for name, outcome in sorted(outcomes, key=lambda pair: pair[0]):
        collected.add(name, outcome)
    return collected


def collect_folder(
    root: Path, settings: DecodeSettings, workers: int, keep_duplicates: bool = False
) -> Collected:
    if not root.is_dir():
        raise DataError(f"data.path: folder {root} not found")
    files = folder_files(root)
    return _decode_batches(
        iter(files), len(files), settings, workers, Collected(keep_duplicates=keep_duplicates)
    )


def collect_archive(path: Path, settings: DecodeSettings, workers: int, max_bytes: int) -> Collected:
    if not path.exists():
        raise DataError(f"data.path: archive {path} not found")
    if not path.is_file():
        raise DataError(f"data.path: {path} is not a regular file (a FIFO or device is never read)")
    if not is_archive(path):
        raise DataError(f"data.path: {path} is not a .zip or .tar(.gz/.bz2/.xz) archive")
    members = (
        (f"{path.name}:{name}", data, reason)
        for name, data, reason in archive_members(path, max_bytes, settings.max_file_bytes)
    )
    return _decode_batches(members, None, settings, workers, Collected())


def require_images(collected: Collected, where: Path, setting: str = "data.path") -> None:
    """One line when nothing was usable: the count and the first reason say why."""
    if not collected.images:
        first = collected.rejected[0] if collected.rejected else None
        detail = f"; first: {first['path']}: {first['reason']}" if first else ""
        raise DataError(
            f"{setting}: no usable images in {where} ({len(collected.rejected)} rejected{detail})"
        )
