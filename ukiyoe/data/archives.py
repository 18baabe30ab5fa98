"""Reading zip and tar archives of images without extracting them: each member is either bytes to decode
or a rejection. Absolute or ``..`` paths, links, device files and oversized archives never touch the disk;
members are streamed in archive order (one pass, even through a compressed tar), their first bytes checked
for an image signature and their length capped, so a huge member is refused before it is in memory.
"""

from __future__ import annotations

import lzma
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from ukiyoe.common.errors import DataError
from ukiyoe.data.input_files import Rejection, name_problem, read_image_bytes, shown_name

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
MAX_MEMBERS = 1_000_000  # a tar of empty headers must not fill memory with member records

# (member name, bytes to decode or None, rejection reason or None)
Member = tuple[str, bytes | None, str | None]


def is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def unsafe_name(name: str) -> str | None:
    """Why a member name could escape the archive, or None when it is a plain relative path."""
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        return f"unsafe path in archive (absolute path {shown_name(name)!r})"
    if ".." in PurePosixPath(normalised).parts:
        return f"unsafe path in archive ('..' in {shown_name(name)!r})"
    return None


def _check_total(path: Path, total: int, cap: int) -> None:
    if total > cap:
        raise DataError(
            f"{path}: archive holds more than {cap} uncompressed bytes, over data.max_archive_bytes"
        )


def _read_member(name: str, size: int, open_stream: Callable[[], BinaryIO], cap: int) -> Member:
    """One member's bytes, or why not: declared size and streamed length are both capped."""
    if size > cap:
        return name, None, f"larger than data.max_file_bytes ({cap} bytes)"
    try:
        with open_stream() as stream:
            return name, read_image_bytes(stream, cap), None
    except Rejection as rejection:
        return name, None, str(rejection)
    except Exception as error:  # zlib, lzma, bz2, zipfile and tarfile all raise their own types
        return name, None, f"corrupt archive member ({type(error).__name__}: {error})"


def _zip_members(path: Path, archive_cap: int, member_cap: int) -> Iterator[Member]:
    with zipfile.ZipFile(path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        _check_total(path, sum(info.file_size for info in infos), archive_cap)
        for info in infos:
            name, mode = shown_name(info.orig_filename), info.external_attr >> 16
            if reason := unsafe_name(info.orig_filename) or name_problem(info.orig_filename):
                yield name, None, reason
            elif stat.S_ISLNK(mode):
                yield name, None, "link in archive (not followed)"
            elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
                yield name, None, "device or special file in archive"
            elif info.flag_bits & 0x1:
                yield name, None, "encrypted archive member"
            else:
                yield _read_member(name, info.file_size, lambda i=info: archive.open(i), member_cap)


def _tar_reason(member: tarfile.TarInfo) -> str | None:
    if reason := unsafe_name(member.name) or name_problem(member.name):
        return reason
    if member.issym() or member.islnk():
        return f"link in archive (-> {shown_name(member.linkname)!r}, not followed)"
    if member.isdev():
        return "device or special file in archive"
    return None if member.isfile() else "not a regular file"


def _tar_members(path: Path, archive_cap: int, member_cap: int) -> Iterator[Member]:
    with tarfile.open(path, mode="r:*") as archive:
        total, count = 0, 0
        while (member := archive.next()) is not None:
            count += 1
            if count > MAX_MEMBERS:
                raise DataError(f"{path}: archive holds more than {MAX_MEMBERS} members")
            if member.isdir():
                continue
            if member.isfile():
                total += member.size
                _check_total(path, total, archive_cap)  # before the next header makes tarfile skip data
            name = shown_name(member.name)
            if reason := _tar_reason(member):
                yield name, None, reason
                continue

            def open_stream(m: tarfile.TarInfo = member) -> BinaryIO:
                return archive.extractfile(m)

            yield _read_member(name, member.size, open_stream, member_cap)


def archive_members(path: Path, archive_cap: int, member_cap: int) -> Iterator[Member]:
    """Members in archive order, lazily: one member's bytes are read at a time."""
    try:
        if path.name.lower().endswith(".zip"):
            yield from _zip_members(path, archive_cap, member_cap)
        else:
            yield from _tar_members(path, archive_cap, member_cap)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, ValueError, zlib.error, lzma.LZMAError) as error:
        raise DataError(f"{path}: not a readable archive ({_one_line(error)})") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read archive ({_one_line(error)})") from None


def _one_line(error: Exception) -> str:
    """tarfile lists every decompressor it tried, one per line: keep the message on one line."""
    parts = [part.strip(" -") for part in str(error).splitlines() if part.strip(" -")]
    return "; ".join(parts).replace(":;", ":") or type(error).__name__
