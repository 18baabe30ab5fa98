"""Reads hashed pip requirement locks, as `uv pip compile --generate-hashes` writes them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


@dataclass(frozen=True)
class LockedPin:
    """One exact pin of a lock with the sha256 hashes pip will accept for it."""

    name: str
    version: str
    hashes: tuple[str, ...]
    marker: str | None


class LockFormatError(ValueError):
    """A lock line that pip's hash-checking mode would not accept as an exact, hashed pin."""


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Joins backslash continuations and drops comments, keeping the first line number of each entry."""
    entries: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0] if not raw.lstrip().startswith("#") else ""
        if not pending:
            start = number
        stripped = line.strip()
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        joined = " ".join(part for part in pending if part)
        pending = []
        if joined:
            entries.append((start, joined))
    if pending and any(pending):
        entries.append((start, " ".join(part for part in pending if part)))
    return entries


def parse_lock(text: str, source: str = "<lock>") -> list[LockedPin]:
    """Parses every entry of a lock; raises LockFormatError naming the line of an unpinned or unhashed one."""
    pins = []
    for number, entry in _logical_lines(text):
        requirement_text = _HASH.sub("", entry).strip()
        hashes = tuple(_HASH.findall(entry))
        if "--hash" in requirement_text:
            raise LockFormatError(f"{source}:{number}: malformed hash option in '{entry}'")
        requirement = Requirement(requirement_text)
        specifiers = list(requirement.specifier)
        if len(specifiers) != 1 or specifiers[0].operator != "==" or "*" in specifiers[0].version:
            raise LockFormatError(f"{source}:{number}: '{requirement_text}' is not an exact == pin")
        if not hashes:
            raise LockFormatError(f"{source}:{number}: '{requirement_text}' carries no sha256 hash")
        pins.append(
            LockedPin(
                name=canonicalize_name(requirement.name),
                version=specifiers[0].version,
                hashes=hashes,
                marker=str(requirement.marker) if requirement.marker else None,
            )
        )
    return pins
