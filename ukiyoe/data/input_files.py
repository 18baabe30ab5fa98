"""Reading untrusted input bytes: regular files only, the image signature checked on the first bytes and a
byte cap enforced while streaming, so a FIFO never blocks and a huge member is refused before it is in memory.

Runs inside decoding workers too, so it imports only the standard library.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from typing import BinaryIO

HEAD_BYTES = 32  # enough for every signature below
CHUNK_BYTES = 1 << 20
# Unicode categories a file name may not hold: control characters (NUL, newline, escape), invisible format
# characters (right-to-left overrides, zero-width spaces) and undecodable bytes (surrogates).
HIDDEN_CATEGORIES = ("Cc", "Cf", "Cs")
NOT_AN_IMAGE = "not an image (or not a JPEG/PNG/WebP/GIF/BMP/TIFF/PPM/TGA)"
SIGNATURES = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",  # TIFF, little- and big-endian, classic and BigTIFF
    b"MM\x00*",
    b"II+\x00",
    b"MM\x00+",
    *(b"P%d" % kind for kind in range(1, 7)),  # PBM/PGM/PPM
)
TGA_IMAGE_TYPES = (1, 2, 3, 9, 10, 11)
TGA_DEPTHS = (1, 8, 15, 16, 24, 32)


class Rejection(Exception):
    """An input that cannot become a training image; the message is the reason recorded."""


def looks_like_image(head: bytes) -> bool:
    """Whether the first bytes carry the signature of an accepted format (TGA has none: its header is
    checked for a plausible colour-map flag, image type and depth instead)."""
    if head.startswith(SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return True
    return len(head) >= 18 and head[1] in (0, 1) and head[2] in TGA_IMAGE_TYPES and head[16] in TGA_DEPTHS


def _read_exactly(stream: BinaryIO, count: int) -> bytes:
    parts, left = [], count
    while left > 0 and (part := stream.read(left)):
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def read_image_bytes(stream: BinaryIO, cap: int) -> bytes:
    """All bytes of ``stream`` when they start like an image and number at most ``cap``."""
    head = _read_exactly(stream, HEAD_BYTES)
    if not head:
        raise Rejection("empty file (0 bytes)")
    if not looks_like_image(head):
        raise Rejection(NOT_AN_IMAGE)
    parts, total = [head], len(head)
    while part := stream.read(CHUNK_BYTES):
        total += len(part)
        if total > cap:
            raise Rejection(f"larger than data.max_file_bytes ({cap} bytes)")
        parts.append(part)
    return b"".join(parts)


def special_kind(mode: int) -> str | None:
    """What a non-regular file is, or None for a regular file."""
    kinds = (
        (stat.S_ISLNK, "symbolic link (not followed)"),
        (stat.S_ISDIR, "directory"),
        (stat.S_ISFIFO, "named pipe (FIFO), not a regular file"),
        (stat.S_ISCHR, "character device, not a regular file"),
        (stat.S_ISBLK, "block device, not a regular file"),
        (stat.S_ISSOCK, "socket, not a regular file"),
    )
    for test, kind in kinds:
        if test(mode):
            return kind
    return None if stat.S_ISREG(mode) else "not a regular file"


def read_regular_file(path: str, cap: int) -> bytes:
    """The bytes of a regular file, opened without following a link and without blocking (a FIFO swapped
    in after the folder was listed is refused, not waited on)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        if os.path.islink(path):
            raise Rejection("symbolic link (not followed)") from None
        raise Rejection(f"unreadable file ({error.strerror or error})") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(descriptor)
        if kind := special_kind(info.st_mode):
            raise Rejection(kind)
        if info.st_size > cap:
            raise Rejection(f"larger than data.max_file_bytes ({cap} bytes)")
        try:
            return read_image_bytes(handle, cap)
        except OSError as error:
            raise Rejection(f"unreadable file ({error.strerror or error})") from None


def hidden_characters(name: str) -> list[str]:
    return [char for char in name if unicodedata.category(char) in HIDDEN_CATEGORIES]


def shown_name(name: str) -> str:
    """``name`` with every control, invisible or undecodable character escaped, safe to print and to
    compare (undecodable bytes read ``\\xNN``, as in the file system)."""

    def escape(char: str) -> str:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode
            return f"\\x{code - 0xDC00:02x}"
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return "".join(escape(c) if unicodedata.category(c) in HIDDEN_CATEGORIES else c for c in name)


def name_problem(name: str) -> str | None:
    """Why a file or member name is refused: hidden characters make two names look alike or a log lie."""
    hidden = hidden_characters(name)
    if not hidden:
        return None
    shown = ", ".join(dict.fromkeys(shown_name(char) for char in hidden))
    return f"file name holds control, invisible or undecodable characters ({shown})"
