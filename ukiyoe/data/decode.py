"""Turning one untrusted image file into a square uint8 RGB array, or into a reason for rejecting it.

Runs inside worker processes, so it imports neither torch nor the rest of the package's heavy modules.
Every failure becomes a one-line reason; nothing here may crash a prepare.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ukiyoe.common.files import sha256_bytes
from ukiyoe.data.input_files import NOT_AN_IMAGE, Rejection, read_regular_file

PAPER_WHITE = (255, 255, 255)
# Raster formats Pillow decodes by itself; others (EPS, PDF...) could hand the file to external programs.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "PPM", "TGA")
ALPHA_MODES = ("LA", "La", "RGBA", "RGBa", "PA")


@dataclass(frozen=True)
class DecodeSettings:
    resolution: int
    resize: str  # "center_crop" or "pad"
    max_pixels: int
    max_aspect: float
    max_file_bytes: int


@dataclass(frozen=True)
class Decoded:
    """The outcome for one input: an image, or the reason it was rejected; always its hash and size."""

    sha256: str
    size: int
    image: np.ndarray | None
    reason: str | None


def open_checked(data: bytes, settings: DecodeSettings) -> Image.Image:
    """Open an image header and apply the size guards before any pixel is decoded.

    Pillow's own bomb guard is set from ``data.max_pixels`` (its default would cap every user at 89.5 M
    pixels); its warning counts as a refusal, so the guard fires above exactly ``max_pixels``.
    """
    if not data:
        raise Rejection("empty file (0 bytes)")
    Image.MAX_IMAGE_PIXELS = settings.max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except UnidentifiedImageError:
        raise Rejection(NOT_AN_IMAGE) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Rejection(
            f"decompression bomb: more pixels than data.max_pixels ({settings.max_pixels})"
        ) from None
    width, height = image.size
    if width < 1 or height < 1:
        raise Rejection(f"image has no pixels ({width}x{height})")
    aspect = max(width, height) / min(width, height)
    if aspect > settings.max_aspect:
        raise Rejection(
            f"aspect ratio {aspect:.1f} ({width}x{height}) exceeds data.max_aspect ({settings.max_aspect:g})"
        )
    return image


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode to 8-bit RGB: transparency over paper white, 16-bit scaled, CMYK converted."""
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ALPHA_MODES:
        background = Image.new("RGBA", image.size, (*PAPER_WHITE, 255))
        return Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
    if image.mode.startswith("I") or image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
        if image.mode != "F" and values.max(initial=0) > 255:
            values = values / 257.0  # 16-bit samples
        grey = np.clip(np.rint(values), 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    return image.convert("RGB")


def fit_square(image: Image.Image, resolution: int, resize: str) -> np.ndarray:
    """Centre-crop to a square, or pad to one with paper white, then resample with Lanczos."""
    width, height = image.size
    if resize == "center_crop":
        side = min(width, height)
        left, top = (width - side) / 2, (height - side) / 2
        square = image.resize(
            (resolution, resolution),
            Image.Resampling.LANCZOS,
            box=(left, top, left + side, top + side),
            reducing_gap=3.0,
        )
        return np.asarray(square, dtype=np.uint8)
    scale = resolution / max(width, height)
    inner = (max(1, round(width * scale)), max(1, round(height * scale)))
    canvas = Image.new("RGB", (resolution, resolution), PAPER_WHITE)
    canvas.paste(
        image.resize(inner, Image.Resampling.LANCZOS, reducing_gap=3.0),
        ((resolution - inner[0]) // 2, (resolution - inner[1]) // 2),
    )
    return np.asarray(canvas, dtype=np.uint8)


def load_pixels(image: Image.Image, smallest_side: int | None) -> Image.Image:
    """Decode pixels (letting JPEG skip detail below ``smallest_side``) and apply the EXIF rotation."""
    if smallest_side is not None and image.format == "JPEG":
        width, height = image.size
        scale = smallest_side / min(width, height)
        if scale < 1:
            image.draft("RGB", (int(width * scale) + 1, int(height * scale) + 1))
    try:
        image.load()
    except Exception as error:  # Pillow raises OSError, SyntaxError, ValueError, struct.error...
        raise Rejection(f"truncated or corrupt image data ({type(error).__name__}: {error})") from None
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # a broken EXIF block only loses the rotation
        return image


def decode_bytes(data: bytes, settings: DecodeSettings) -> np.ndarray:
    image = open_checked(data, settings)
    width, height = image.size
    side = min(width, height) if settings.resize == "center_crop" else max(width, height)
    draft_side = settings.resolution * min(width, height) // side  # JPEG's DCT scaling averages cleanly
    return fit_square(to_rgb(load_pixels(image, draft_side)), settings.resolution, settings.resize)


def decode_input(source: str | bytes, settings: DecodeSettings) -> Decoded:
    """Worker entry: ``source`` is a file path or an archive member's bytes."""
    if isinstance(source, str):
        try:
            data = read_regular_file(source, settings.max_file_bytes)
        except Rejection as rejection:
            return Decoded("", 0, None, str(rejection))
    else:
        data = source
    digest = sha256_bytes(data)
    try:
        return Decoded(digest, len(data), decode_bytes(data, settings), None)
    except Rejection as rejection:
        return Decoded(digest, len(data), None, str(rejection))
    except Exception as error:  # the last guard: an unknown decoder failure rejects the file, not the run
        return Decoded(digest, len(data), None, f"cannot decode ({type(error).__name__}: {error})")
