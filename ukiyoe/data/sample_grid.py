"""A contact sheet of prepared images, to look at what training will see (``ukiyoe prepare --grid``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from ukiyoe.common.images import grid_image, write_png

GRID_COLUMNS = 8
MAX_TILES = 64
MIN_WIDTH = 512  # small resolutions are enlarged (nearest neighbour) so single pixels stay visible
GAP = 2


def pick_tiles(labels: np.ndarray | None, num_modes: int | None, count: int) -> tuple[np.ndarray, int]:
    """One image per mode when there are few modes (columns = a natural row length), else the first 64."""
    if labels is not None and num_modes is not None and num_modes <= MAX_TILES:
        firsts = [np.flatnonzero(labels == mode) for mode in range(num_modes)]
        chosen = np.array([found[0] for found in firsts if len(found)], dtype=np.int64)
        columns = next((c for c in (5, 8, 4, 6) if num_modes % c == 0), GRID_COLUMNS)
        return chosen, columns
    return np.arange(min(count, MAX_TILES)), GRID_COLUMNS


def save_grid(images: np.ndarray, labels: np.ndarray | None, num_modes: int | None, path: Path) -> Path:
    """Write the contact sheet as a PNG on a paper-white ground."""
    chosen, columns = pick_tiles(labels, num_modes, len(images))
    image = grid_image(np.asarray(images[chosen]), columns, gap=GAP, margin=0)
    scale = max(1, -(-MIN_WIDTH // image.width))
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    return write_png(path, image, optimize=True)
