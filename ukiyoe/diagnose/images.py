"""Image sets the diagnose stage accepts: generator tensors, ``.npy`` arrays and folders of images.

Everything is normalised to two views: float values in [-1, 1] as produced (for the pixel statistics the
seed's users compare against) and uint8 NHWC at the real data's resolution (for features and figures).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ukiyoe.errors import DataError
from ukiyoe.images import to_signed

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")


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




def load_image_set(path: Path) -> np.ndarray:
    """Read a ``.npy`` array or a folder of images as NHWC (uint8, or float in [-1, 1])."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: sample set not found")
    if path.is_file():
        if path.suffix != ".npy":
            raise DataError(f"{path}: expected a folder of images or a .npy array")
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            raise DataError(f"{path}: cannot read array ({error})") from None
        nhwc = to_nhwc(array, str(path))
        if nhwc.dtype != np.uint8:
            to_signed_float(nhwc, str(path))  # validates the range
        return nhwc
    return _load_folder(path)


def _load_folder(folder: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not files:
        raise DataError(f"{folder}: no images ({', '.join(IMAGE_SUFFIXES)}) in this folder")
    images: list[np.ndarray] = []
    size: tuple[int, int] | None = None
    for file in files:
        try:
            with Image.open(file) as image:
                rgb = image.convert("RGB")
        except (OSError, UnidentifiedImageError) as error:
            raise DataError(f"{file}: cannot read image ({error})") from None
        size = size or rgb.size
        if rgb.size != size:
            rgb = rgb.resize(size, Image.Resampling.BILINEAR)
        images.append(np.asarray(rgb, dtype=np.uint8))
    return np.stack(images)


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
