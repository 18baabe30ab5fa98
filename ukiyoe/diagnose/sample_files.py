"""Reading ``--samples`` from disk as untrusted input: a folder goes through prepare's reader (regular files
only, signature and byte caps, ``max_pixels``), a ``.npy`` is checked against its file size before any
memory is taken, so a hostile sample set gives one line, never a hang, a traceback or a blown memory."""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

import numpy as np

from ukiyoe.common.errors import DataError

SHOWN_REJECTIONS = 10  # skipped files listed on stderr one per line; beyond that, a count


def load_array(path: Path) -> np.ndarray:
    """A ``.npy`` file's array, without pickles; the header's shape must fit the bytes on disk."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise DataError(f"{path}: not a regular file (a FIFO or device is never read)")
        mapped = np.load(path, mmap_mode="r", allow_pickle=False)
        return np.array(mapped)
    except DataError:
        raise
    except Exception as error:  # numpy tokenizes and parses the header: any of Python's parse errors
        # can surface, and their messages can quote objects by address or span lines
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        detail = re.sub(r"<[^<>]* at 0x[0-9a-fA-F]+>", "an expression", first)
        raise DataError(f"{path}: cannot read array ({detail})") from None


def report_skipped(folder: Path, rejected: list[dict], total: int) -> None:
    if not rejected:
        return
    print(f"ukiyoe diagnose: {folder}: skipped {len(rejected)} of {total} files:", file=sys.stderr)
    for entry in rejected[:SHOWN_REJECTIONS]:
        print(f"  {entry['path']}: {entry['reason']}", file=sys.stderr)
    if len(rejected) > SHOWN_REJECTIONS:
        print(f"  ... and {len(rejected) - SHOWN_REJECTIONS} more", file=sys.stderr)


def load_folder(folder: Path, resolution: int) -> np.ndarray:
    """The usable images of ``folder`` as uint8 NHWC squares; duplicates count (a collapsed generator makes
    them), everything else prepare would reject is skipped and listed."""
    from ukiyoe.data.decode import DecodeSettings
    from ukiyoe.data.params import DataParams
    from ukiyoe.data.user_images import collect_folder, default_workers, require_images

    limits = DataParams()
    settings = DecodeSettings(
        resolution, "center_crop", limits.max_pixels, limits.max_aspect, limits.max_file_bytes
    )
    collected = collect_folder(folder, settings, default_workers(), keep_duplicates=True)
    report_skipped(folder, collected.rejected, len(collected.images) + len(collected.rejected))
    require_images(collected, folder, setting="--samples")
    return np.stack(collected.images)
