"""Real hostile inputs, written byte by byte: a zip whose one member is ~2 GiB of zeros in ~2 MB, zips whose
member names hold a NUL byte, and tars whose hard links point outside the archive."""

from __future__ import annotations

import io
import struct
import tarfile
import zlib
from pathlib import Path

MIB = 1 << 20
UTF8_FLAG = 0x800


def _zeros_deflate(mebibytes: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``mebibytes`` MiB of zeros and its CRC-32, without compressing them all:
    after a full flush the compressor starts afresh, so every 1 MiB block compresses to the same bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    zeros = bytes(MIB)
    for _ in range(mebibytes):
        crc = zlib.crc32(zeros, crc)
    return block * mebibytes + compressor.flush(zlib.Z_FINISH), crc


def _zip_bytes(entries: list[tuple[bytes, bytes, int, int, int]]) -> bytes:
    """A zip of (name, stored data, crc, uncompressed size, method) entries, names written verbatim and
    flagged as UTF-8."""
    local, central = io.BytesIO(), io.BytesIO()
    for name, data, crc, size, method in entries:
        offset = local.tell()
        # version, flags, method, time, date, crc, sizes, name length (then extra lengths and attributes)
        common = (20, UTF8_FLAG, method, 0, 0x21, crc, len(data), size, len(name))
        local.write(struct.pack("<4s5H3IHH", b"PK\x03\x04", *common, 0) + name + data)
        attributes = (0, 0, 0, 0, 0o100644 << 16, offset)
        central.write(struct.pack("<4sH5H3I5H2I", b"PK\x01\x02", 0x031E, *common, *attributes) + name)
    directory = central.getvalue()
    end = struct.pack(
        "<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), local.tell(), 0
    )
    return local.getvalue() + directory + end


def write_zero_bomb_zip(path: Path, good_png: bytes, mebibytes: int = 2047) -> int:
    """``path``: a good PNG and ``zeros.png`` holding ``mebibytes`` MiB of zeros (default 2 GiB − 1 MiB,
    under the default 2 GiB archive cap). Returns the file's size."""
    deflated, crc = _zeros_deflate(mebibytes)
    entries = [
        (b"good.png", good_png, zlib.crc32(good_png), len(good_png), 0),
        (b"zeros.png", deflated, crc, mebibytes * MIB, 8),
    ]
    path.write_bytes(_zip_bytes(entries))
    return path.stat().st_size


def write_header_then_zeros_zip(path: Path, good_png: bytes, mebibytes: int) -> None:
    """A member that starts like a PNG and goes on with ``mebibytes`` MiB of zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = good_png[:64]
    deflated = compressor.compress(data)
    crc = zlib.crc32(data)
    for _ in range(mebibytes):
        deflated += compressor.compress(bytes(MIB))
        crc = zlib.crc32(bytes(MIB), crc)
    deflated += compressor.flush()
    entries = [
        (b"good.png", good_png, zlib.crc32(good_png), len(good_png), 0),
        (b"fat.png", deflated, crc, len(data) + mebibytes * MIB, 8),
    ]
    path.write_bytes(_zip_bytes(entries))


def write_nul_name_zip(path: Path, good_png: bytes, other_png: bytes) -> dict[str, str | None]:
    """Members whose names hold NUL (``a.png\\0.exe`` would otherwise read as ``a.png``) and a right-to-left
    override; returns member name (as rejected.json shows it) -> expected reason prefix."""
    entries = [
        (b"good.png", good_png, zlib.crc32(good_png), len(good_png), 0),
        (b"a.png\x00.exe", other_png, zlib.crc32(other_png), len(other_png), 0),
        ("x\u202egnp.exe".encode(), other_png, zlib.crc32(other_png), len(other_png), 0),
    ]
    path.write_bytes(_zip_bytes(entries))
    hidden = "file name holds control"
    return {"good.png": None, "a.png\\x00.exe": hidden, "x\\u202egnp.exe": hidden}


def write_outside_links_tar(path: Path, good_png: bytes) -> dict[str, str | None]:
    """Hard links (and a symlink) to files outside the archive, as a tar bomb would use to overwrite them."""
    with tarfile.open(path, "w") as archive:
        info = tarfile.TarInfo("good.png")
        info.size = len(good_png)
        archive.addfile(info, io.BytesIO(good_png))
        for name, target, kind in (
            ("passwd.png", "/etc/passwd", tarfile.LNKTYPE),
            ("up.png", "../../../../etc/shadow", tarfile.LNKTYPE),
            ("inside.png", "good.png", tarfile.LNKTYPE),
            ("sym.png", "../../outside.png", tarfile.SYMTYPE),
        ):
            link = tarfile.TarInfo(name)
            link.type, link.linkname = kind, target
            archive.addfile(link)
    return {
        "good.png": None,
        "passwd.png": "link in archive (-> '/etc/passwd'",
        "up.png": "link in archive (-> '../../../../etc/shadow'",
        "inside.png": "link in archive",
        "sym.png": "link in archive",
    }
