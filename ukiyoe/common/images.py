"""Pixel conventions: stored images are uint8 NHWC, networks see float in [-1, 1]; one grid writer.

Works on numpy arrays and torch tensors alike (duck-typed), so importing it does not import torch.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ukiyoe.common.files import atomic_write

_SCALE = np.float32(1 / 127.5)


def to_signed(pixels: Any) -> Any:
    """uint8 → float32 in [-1, 1]; a numpy array stays numpy, a tensor stays a tensor (on its device)."""
    if isinstance(pixels, np.ndarray):
        scaled = pixels.astype(np.float32)
        scaled *= _SCALE
        scaled -= np.float32(1.0)
        return scaled
    return pixels.float().mul_(float(_SCALE)).sub_(1.0)


def to_uint8(values: Any) -> np.ndarray:
    """Float in [-1, 1] (numpy or tensor) → uint8 numpy with rounding, clipped to the valid range."""
    if not isinstance(values, np.ndarray):
        return quantize(values).cpu().numpy()
    return np.clip(np.rint((values + 1.0) * 127.5), 0, 255).astype(np.uint8)


def quantize(images: Any) -> Any:
    """A float tensor in [-1, 1] → a uint8 tensor on its device, rounded as ``to_uint8`` rounds (half to
    even), so pixels are read on the GPU without a trip through host memory."""
    return images.detach().float().add(1.0).mul_(127.5).round_().clamp_(0, 255).byte()


def nchw_to_nhwc(images: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.moveaxis(images, 1, -1))


def grid_image(images: np.ndarray, columns: int | None = None, tile: int | None = None, gap: int = 2,
               margin: int = 2) -> Image.Image:
    """uint8 NHWC images (grayscale is repeated to RGB) on white, ``columns`` wide (default: near square).

    ``tile`` rescales each image (nearest neighbour) to that many pixels; ``margin`` frames the sheet.
    """
    images = np.asarray(images)
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    count = len(images)
    columns = columns or max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / columns))
    height, width = (tile, tile) if tile else images.shape[1:3]
    sheet = np.full((2 * margin + rows * (height + gap) - gap, 2 * margin + columns * (width + gap) - gap, 3),
                    255, dtype=np.uint8)
    for index, image in enumerate(images):
        if tile:
            image = np.asarray(Image.fromarray(image).resize((tile, tile), Image.Resampling.NEAREST))
        top = margin + (index // columns) * (height + gap)
        left = margin + (index % columns) * (width + gap)
        sheet[top : top + height, left : left + width] = image
    return Image.fromarray(sheet)


def write_png(path: Path, image: Image.Image, **options: Any) -> Path:
    """Write ``image`` as a PNG atomically (a reader never sees half a file)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    atomic_write(Path(path), lambda handle: handle.write(buffer.getvalue()))
    return Path(path)
