"""Image sets the diagnose stage accepts: generator tensors, ``.npy`` arrays and folders of images.

Everything is normalised to two views: float values in [-1, 1] as produced (for the pixel statistics the
seed's users compare against) and uint8 NHWC at the real data's resolution (for features and figures).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ukiyoe.common.errors import DataError
from ukiyoe.common.images import to_signed

SAMPLE_RESOLUTION = 128  # folders are decoded at the real data's resolution; this when it is not given


def to_nhwc(array: np.ndarray, where: str) -> np.ndarray:
    """Accept (N, H, W, 3) or (N, 3, H, W) (and grayscale (N, H, W)); return NHWC with 3 channels.

    When both axes 1 and 3 could hold channels, the array is read as channels-last.
    """
    if array.ndim == 3:
        array = np.repeat(array[..., None], 3, axis=-1)
    if array.ndim != 4:
        raise DataError(f"{where}: expected images of shape (N, H, W, 3) or (N, 3, H, W), got {array.shape}")
    if array.shape[-1] in (1, 3):
        nhwc = array
    elif array.shape[1] in (1, 3):
        nhwc = np.moveaxis(array, 1, -1)
    else:
        raise DataError(f"{where}: no channel axis of size 1 or 3 in shape {array.shape}")
    if nhwc.shape[-1] == 1:
        nhwc = np.repeat(nhwc, 3, axis=-1)
    if nhwc.shape[0] == 0:
        raise DataError(f"{where}: the image set is empty")
    return nhwc


def to_signed_float(nhwc: np.ndarray, where: str) -> np.ndarray:
    """uint8 → [-1, 1]; float arrays must already lie in [-1, 1] (generator convention)."""
    if nhwc.dtype == np.uint8:
        return to_signed(nhwc)
    if not np.issubdtype(nhwc.dtype, np.floating):
        raise DataError(f"{where}: expected uint8 or float images, got dtype {nhwc.dtype}")
    values = nhwc.astype(np.float32, copy=False)
    if not np.isfinite(values).all():
        raise DataError(f"{where}: images contain NaN or infinite values")
    if values.min() < -1.0001 or values.max() > 1.0001:
        raise DataError(
            f"{where}: float images must lie in [-1, 1], got [{values.min():.3g}, {values.max():.3g}]"
        )
    return values




def load_image_set(path: Path, resolution: int = SAMPLE_RESOLUTION) -> np.ndarray:
    """Read a ``.npy`` array or a folder of images as NHWC (uint8, or float in [-1, 1]).

    Folders go through prepare's reader (regular files only, the same limits and rejection reasons) and are
    decoded at ``resolution``; unusable files are skipped and listed on stderr.
    """
    from ukiyoe.diagnose.sample_files import load_array, load_folder

    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: sample set not found")
    if path.is_dir():
        return load_folder(path, resolution)
    if path.suffix != ".npy":
        raise DataError(f"{path}: expected a folder of images or a .npy array")
    nhwc = to_nhwc(load_array(path), str(path))
    if nhwc.dtype != np.uint8:
        to_signed_float(nhwc, str(path))  # validates the range
    return nhwc


def resize_uint8(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize uint8 NHWC images (antialiased bilinear) when their size differs from (height, width)."""
    if images.shape[1:3] == (height, width):
        return images
    import torch
    import torch.nn.functional as F

    tensor = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float()
    resized = F.interpolate(
        tensor, size=(height, width), mode="bilinear", antialias=True, align_corners=False
    )
    return resized.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()
