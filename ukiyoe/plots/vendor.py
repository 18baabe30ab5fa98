"""Pinned Vega, Vega-Lite and Vega-Embed from the npm registry, verified against ``vendor.lock``.

The tarballs are fetched once with ``npm pack`` into a cache folder outside git (``make plots-vendor``) and
checked by sha256 every time a page is built, so a changed or truncated download never reaches a page.
Only the one build file the lock names is read from each tarball; nothing in it is unpacked or run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ukiyoe.common.errors import UkiyoeError
from ukiyoe.common.files import sha256_file

LOCK = Path(__file__).with_name("vendor.lock")
DEFAULT_CACHE = Path(".cache") / "plots-vendor"


@dataclass(frozen=True)
class Library:
    package: str
    version: str
    sha256: str
    member: str

    @property
    def tarball(self) -> str:
        return f"{self.package}-{self.version}.tgz"


def read_lock(path: Path = LOCK) -> list[Library]:
    libraries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 4:
            raise UkiyoeError(f"{path}:{number}: expected 'package version sha256 member'")
        libraries.append(Library(*fields))
    return libraries


def fetch(cache: Path = DEFAULT_CACHE, libraries: list[Library] | None = None) -> Path:
    """Download every locked tarball missing from ``cache`` with ``npm pack`` and verify all of them."""
    libraries = libraries or read_lock()
    missing = [lib for lib in libraries if not (cache / lib.tarball).is_file()]
    if missing:
        npm = shutil.which("npm")
        if npm is None:
            raise UkiyoeError("npm not found: it fetches the pinned Vega libraries (install nodejs and npm)")
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as staging:
            specs = [f"{lib.package}@{lib.version}" for lib in missing]
            done = subprocess.run([npm, "pack", "--silent", "--pack-destination", staging, *specs],
                                  capture_output=True, text=True, timeout=300, check=False)
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                raise UkiyoeError(f"npm pack {' '.join(specs)} failed: {last}")
            for lib in missing:
                _verify(Path(staging) / lib.tarball, lib)
                (Path(staging) / lib.tarball).replace(cache / lib.tarball)
    for lib in libraries:
        _verify(cache / lib.tarball, lib)
    return cache


def _verify(path: Path, lib: Library) -> None:
    if not path.is_file():
        raise UkiyoeError(f"{path}: missing; run 'make plots-vendor'")
    digest = sha256_file(path)
    if digest != lib.sha256:
        raise UkiyoeError(f"{path}: sha256 {digest[:12]}… differs from vendor.lock's {lib.sha256[:12]}… "
                          f"for {lib.package} {lib.version}; delete it and run 'make plots-vendor'")


def scripts(cache: Path = DEFAULT_CACHE) -> list[tuple[Library, str]]:
    """Each locked library's build file, in lock order, from its verified tarball."""
    libraries = read_lock()
    fetch(cache, libraries)
    found = []
    for lib in libraries:
        with tarfile.open(cache / lib.tarball, "r:gz") as archive:
            member = archive.extractfile(lib.member)
            if member is None:
                raise UkiyoeError(f"{cache / lib.tarball}: no {lib.member}")
            found.append((lib, member.read().decode("utf-8")))
    return found


def main() -> int:
    try:
        cache = fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CACHE)
    except UkiyoeError as error:
        print(f"plots-vendor: error: {error}", file=sys.stderr)
        return 2
    print(f"verified {', '.join(f'{lib.package} {lib.version}' for lib in read_lock())} in {cache}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
