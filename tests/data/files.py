"""Real good and bad image files and archives, written byte by byte for the prepare tests."""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def scene(seed: int, size: tuple[int, int] = (96, 64)) -> Image.Image:
    """A small image with structure (not noise), so JPEG files stay realistic."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0 : size[1], 0 : size[0]]
    base = rng.uniform(0, 255, size=3)
    pixels = (base + 60 * np.sin(x[..., None] / rng.uniform(4, 12) + y[..., None] / 9.0)) % 256
    return Image.fromarray(pixels.astype(np.uint8))


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_rgb16(width: int, height: int) -> bytes:
    """A 48-bit RGB PNG (Pillow cannot write one): a horizontal ramp in the high bytes."""
    rows = b"".join(
        b"\x00" + b"".join(struct.pack(">HHH", 257 * (4 * x % 256), 40000, 1000) for x in range(width))
        for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(rows))
        + png_chunk(b"IEND", b"")
    )


def png_bomb(side: int = 20_000) -> bytes:
    """A valid 1-bit PNG of side x side pixels whose file is a few tens of kilobytes."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + side // 8)
    body = b"".join(compressor.compress(row * 1000) for _ in range(side // 1000)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", body) + png_chunk(b"IEND", b"")
    )


def exif_rotated_jpeg() -> bytes:
    """A 60x30 image, left half red, tagged Orientation=6 (display rotated 90 degrees clockwise)."""
    pixels = np.zeros((30, 60, 3), dtype=np.uint8)
    pixels[:, :30] = (255, 0, 0)
    pixels[:, 30:] = (0, 0, 255)
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = 6
    return encode(image, "JPEG", quality=95, exif=exif.tobytes())


def write_good_and_bad_folder(root: Path) -> dict[str, str | None]:
    """Write a folder of inputs; return file name -> expected rejection reason prefix (None: accepted)."""
    root.mkdir(parents=True, exist_ok=True)
    good_jpeg = encode(scene(1), "JPEG", quality=90)
    good_png = encode(scene(2), "PNG")
    rgba = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    rgba.paste((200, 30, 30, 255), (0, 0, 20, 40))
    palette = scene(3).convert("P", palette=Image.Palette.ADAPTIVE)
    palette.info["transparency"] = 0
    files: dict[str, tuple[bytes, str | None]] = {
        "good.jpg": (good_jpeg, None),
        "good.png": (good_png, None),
        "sub/also_good.webp": (encode(scene(4), "WEBP"), None),
        "cmyk.jpg": (encode(scene(5).convert("CMYK"), "JPEG"), None),
        "grey16.png": (
            encode(Image.fromarray(np.linspace(0, 65535, 48 * 48).astype(np.uint16).reshape(48, 48)), "PNG"),
            None,
        ),
        "rgb16.png": (png_rgb16(48, 40), None),
        "palette_transparent.png": (encode(palette, "PNG"), None),
        "la.png": (encode(scene(6).convert("LA"), "PNG"), None),
        "rgba.png": (encode(rgba, "PNG"), None),
        "rotated.jpg": (exif_rotated_jpeg(), None),
        "good_copy.jpg": (good_jpeg, "duplicate of good.jpg"),
        "empty.jpg": (b"", "empty file"),
        "truncated.jpg": (good_jpeg[: len(good_jpeg) // 2], "truncated or corrupt"),
        "truncated.png": (good_png[: len(good_png) // 2], "truncated or corrupt"),
        "text.jpg": (b"this is a text file, not a JPEG\n" * 20, "not an image"),
        "bomb.png": (png_bomb(), "decompression bomb"),
        "banner.png": (encode(scene(7, size=(400, 20)), "PNG"), "aspect ratio"),
        "vector.eps": (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n", "not an image"),
    }
    for name, (data, _) in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "link.jpg").symlink_to(root / "good.png")
    expected = {name: reason for name, (_, reason) in files.items()}
    expected["link.jpg"] = "symbolic link"
    return expected


def write_zip(path: Path, good: bytes) -> dict[str, str | None]:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("images/a.jpg", good)
        archive.writestr("../escape.jpg", good)
        archive.writestr("/etc/absolute.jpg", good)
        archive.writestr("images/b.png", encode(scene(11), "PNG"))
        link = zipfile.ZipInfo("images/link.jpg")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "a.jpg")
    return {
        "images/a.jpg": None,
        "images/b.png": None,
        "../escape.jpg": "unsafe path",
        "/etc/absolute.jpg": "unsafe path",
        "images/link.jpg": "link in archive",
    }


def write_tar(path: Path, good: bytes) -> dict[str, str | None]:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in (("a.jpg", good), ("b.png", encode(scene(12), "PNG")), ("../up.jpg", good)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        symlink = tarfile.TarInfo("symlink.jpg")
        symlink.type, symlink.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(symlink)
        hardlink = tarfile.TarInfo("hardlink.jpg")
        hardlink.type, hardlink.linkname = tarfile.LNKTYPE, "a.jpg"
        archive.addfile(hardlink)
        device = tarfile.TarInfo("dev.jpg")
        device.type, device.devmajor, device.devminor = tarfile.CHRTYPE, 1, 3
        archive.addfile(device)
    return {
        "a.jpg": None,
        "b.png": None,
        "../up.jpg": "unsafe path",
        "symlink.jpg": "link in archive",
        "hardlink.jpg": "link in archive",
        "dev.jpg": "device or special file",
    }
