"""Reading zip and tar archives of images without extracting them: each member is either bytes to decode
or a rejection. Absolute or ``..`` paths, links, device files and oversized archives never touch the disk.
"""

from __future__ import annotations

import stat
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from ukiyoe.errors import DataError

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")

# (member name, bytes to decode or None, rejection reason or None)
Member = tuple[str, bytes | None, str | None]


def is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def unsafe_name(name: str) -> str | None:
    """Why a member name could escape the archive, or None when it is a plain relative path."""
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        return f"unsafe path in archive (absolute path {name!r})"
    if ".." in PurePosixPath(normalised).parts:
        return f"unsafe path in archive ('..' in {name!r})"
    return None


def _check_total(path: Path, total: int, cap: int) -> None:
    if total > cap:
        raise DataError(
            f"{path}: archive holds {total} uncompressed bytes, over data.max_archive_bytes ({cap})"
        )


def _zip_members(path: Path, cap: int) -> Iterator[Member]:
    with zipfile.ZipFile(path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        _check_total(path, sum(info.file_size for info in infos), cap)
        for info in sorted(infos, key=lambda i: i.filename):
            mode = info.external_attr >> 16
            if reason := unsafe_name(info.filename):
                yield info.filename, None, reason
            elif stat.S_ISLNK(mode):
                yield info.filename, None, "link in archive (not followed)"
            elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
                yield info.filename, None, "device or special file in archive"
            elif info.flag_bits & 0x1:
                yield info.filename, None, "encrypted archive member"
            else:
                try:
                    yield info.filename, archive.read(info), None
                except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
                    yield info.filename, None, f"corrupt archive member ({error})"


def _tar_members(path: Path, cap: int) -> Iterator[Member]:
    with tarfile.open(path, mode="r:*") as archive:
        members = [m for m in archive.getmembers() if not m.isdir()]
        _check_total(path, sum(m.size for m in members if m.isfile()), cap)
        for member in sorted(members, key=lambda m: m.name):
            if reason := unsafe_name(member.name):
                yield member.name, None, reason
            elif member.issym() or member.islnk():
                yield member.name, None, f"link in archive (-> {member.linkname!r}, not followed)"
            elif member.isdev():
                yield member.name, None, "device or special file in archive"
            elif not member.isfile():
                yield member.name, None, "not a regular file"
            else:
                handle = archive.extractfile(member)
                try:
                    yield member.name, handle.read() if handle else b"", None
                except (tarfile.TarError, OSError, EOFError) as error:
                    yield member.name, None, f"corrupt archive member ({error})"


def archive_members(path: Path, cap: int) -> Iterator[Member]:
    """Members in name order, lazily (one member's bytes in memory at a time per consumer batch)."""
    try:
        if path.name.lower().endswith(".zip"):
            yield from _zip_members(path, cap)
        else:
            yield from _tar_members(path, cap)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError) as error:
        raise DataError(f"{path}: not a readable archive ({error})") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read archive ({error})") from None
