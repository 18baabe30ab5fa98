"""The ``prints`` source: seeded random multi-scale square patches cut from a few large real prints.

The prints stay where they are (referenced by ``data.path``); only the patches land in the prepared data.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from ukiyoe.common.errors import DataError
from ukiyoe.common.files import sha256_bytes
from ukiyoe.data.decode import DecodeSettings, load_pixels, open_checked, to_rgb
from ukiyoe.data.input_files import Rejection, read_regular_file
from ukiyoe.data.user_images import Collected

PRINT_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp")


def load_prints(
    folder: Path, settings: DecodeSettings, smallest_patch: float
) -> tuple[list[Image.Image], Collected]:
    """Decode every print (JPEGs at the smallest scale that keeps patches above the output resolution)."""
    if not folder.is_dir():
        raise DataError(f"data.path: prints folder {folder} not found (see docs/data.md for the prints set)")
    collected, prints = Collected(), []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in PRINT_SUFFIXES):
        try:
            data = read_regular_file(str(path), settings.max_file_bytes)
            image = open_checked(data, settings)
            needed = math.ceil(settings.resolution / smallest_patch)
            prints.append(to_rgb(load_pixels(image, needed)))
        except Rejection as rejection:
            collected.rejected.append({"path": path.name, "reason": str(rejection)})
            continue
        collected.inputs.append(
            {"path": path.name, "sha256": sha256_bytes(data), "bytes": len(data)}
        )
    if not prints:
        raise DataError(f"data.path: no usable prints in {folder} ({len(collected.rejected)} rejected)")
    return prints, collected


def cut_patches(
    prints: list[Image.Image],
    count: int,
    resolution: int,
    patch_min: float,
    patch_max: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` patches: a uniformly chosen print, a log-uniform side (fraction of its shorter side), a
    uniform position. Returns the patches and the index of the print each came from."""
    origins = rng.integers(0, len(prints), size=count)
    fractions = np.exp(rng.uniform(math.log(patch_min), math.log(patch_max), size=count))
    corners = rng.uniform(0.0, 1.0, size=(count, 2))
    out = np.empty((count, resolution, resolution, 3), dtype=np.uint8)
    for i in tqdm(range(count), desc="patches", unit="patch", leave=False, disable=None):
        image = prints[origins[i]]
        width, height = image.size
        side = fractions[i] * min(width, height)
        left, top = corners[i, 0] * (width - side), corners[i, 1] * (height - side)
        box = (left, top, left + side, top + side)
        patch = image.resize((resolution, resolution), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
        out[i] = np.asarray(patch, dtype=np.uint8)
    return out, origins.astype(np.int64)
