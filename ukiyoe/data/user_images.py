"""The ``folder`` and ``archive`` sources: a user's own images, decoded in parallel, bad files and
duplicates listed in ``rejected.json`` with a reason instead of stopping the run."""

from __future__ import annotations

import functools
import multiprocessing
import os
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ukiyoe.data.archives import archive_members, is_archive
from ukiyoe.data.decode import Decoded, DecodeSettings, decode_input
from ukiyoe.errors import DataError

BATCH = 256  # inputs handed to the pool at a time: bounds memory for large archives
MIN_FOR_POOL = 32  # below this, starting worker processes costs more than it saves
# Workers only run Pillow and numpy, so on Linux they may fork (as torch's DataLoader workers do) and start
# at once; elsewhere they start fresh interpreters.
START_METHOD = "fork" if sys.platform == "linux" else "spawn"


@dataclass
class Collected:
    images: list[np.ndarray] = field(default_factory=list)
    inputs: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)  # sha256 -> first path with that content

    def add(self, name: str, outcome: Decoded) -> None:
        if outcome.reason is not None:
            self.rejected.append({"path": name, "reason": outcome.reason})
        elif outcome.sha256 in self.seen:
            self.rejected.append({"path": name, "reason": f"duplicate of {self.seen[outcome.sha256]}"})
        else:
            self.seen[outcome.sha256] = name
            self.images.append(outcome.image)
            self.inputs.append({"path": name, "sha256": outcome.sha256, "bytes": outcome.size})


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def folder_files(root: Path) -> list[tuple[str, str | None]]:
    """(relative path, absolute path or None for a link) of every file under ``root``, sorted."""
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs.sort()
        for name in files:
            full = Path(directory, name)
            relative = full.relative_to(root).as_posix()
            found.append((relative, None if full.is_symlink() else str(full)))
    return sorted(found)


def _decode_batches(
    items: Iterator[tuple[str, str | bytes | None, str | None]],
    total: int | None,
    settings: DecodeSettings,
    workers: int,
    label: str,
) -> Collected:
    collected = Collected()
    decode = functools.partial(decode_input, settings=settings)
    pool = None
    if workers > 1 and (total is None or total >= MIN_FOR_POOL):
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(START_METHOD))
    try:
        with tqdm(total=total, desc=label, unit="img", leave=False, disable=None) as progress:
            while batch := list(islice(items, BATCH)):
                sources = [source for _, source, reason in batch if reason is None]
                outcomes = iter(pool.map(decode, sources, chunksize=8) if pool else map(decode, sources))
                for name, _source, reason in batch:
                    collected.add(name, Decoded("", 0, None, reason) if reason else next(outcomes))
                progress.update(len(batch))
    except BrokenProcessPool:
        raise DataError("data.workers: a decoding process died (out of memory?); try workers: 1") from None
    finally:
        if pool is not None:
            pool.shutdown()
    return collected


def collect_folder(root: Path, settings: DecodeSettings, workers: int) -> Collected:
    if not root.is_dir():
        raise DataError(f"data.path: folder {root} not found")
    files = folder_files(root)
    items = ((name, path, None if path else "symbolic link (not followed)") for name, path in files)
    return _decode_batches(items, len(files), settings, workers, "decode")


def collect_archive(path: Path, settings: DecodeSettings, workers: int, max_bytes: int) -> Collected:
    if not path.is_file():
        raise DataError(f"data.path: archive {path} not found")
    if not is_archive(path):
        raise DataError(f"data.path: {path} is not a .zip or .tar(.gz/.bz2/.xz) archive")
    members: Iterable = (
        (f"{path.name}:{name}", data, reason) for name, data, reason in archive_members(path, max_bytes)
    )
    return _decode_batches(iter(members), None, settings, workers, "decode")


def require_images(collected: Collected, where: Path) -> None:
    if not collected.images:
        first = collected.rejected[0] if collected.rejected else None
        detail = f"; first: {first['path']}: {first['reason']}" if first else ""
        raise DataError(
            f"data.path: no usable images in {where} ({len(collected.rejected)} rejected{detail})"
        )
