"""The code deps a dvc.yaml stage needs: the files its ``ukiyoe`` command may execute, as few paths as
possible (a directory stands for all of its ``.py`` files when the command may execute every one)."""

from __future__ import annotations

from pathlib import Path

from imports import REPO, STAGE_PACKAGES, command_closure


def covered_files(deps: list[str]) -> set[Path]:
    """The ``ukiyoe/`` source files that ``deps`` make DVC hash."""
    files: set[Path] = set()
    for dep in deps:
        path = REPO / dep
        if dep.startswith("ukiyoe"):
            files |= set(path.rglob("*.py")) if path.is_dir() else {path}
    return files


def minimal_deps(files: set[Path]) -> list[str]:
    """Directories whose every ``.py`` file is in ``files``, then the other files (repo-relative)."""
    relative = {path.relative_to(REPO) for path in files}
    parents = sorted({d for path in relative for d in path.parents if d != Path(".")},
                     key=lambda d: len(d.parts))
    chosen: list[Path] = []
    covered: set[Path] = set()
    for directory in parents:
        inside = {path.relative_to(REPO) for path in (REPO / directory).rglob("*.py")}
        if inside <= relative and not any(c in directory.parents for c in chosen):
            chosen.append(directory)
            covered |= inside
    return sorted(str(p) for p in chosen) + sorted(str(p) for p in relative - covered)


def subcommand(cmd: str) -> str:
    words = cmd.split()
    if words[:1] != ["ukiyoe"] or len(words) < 2 or words[1] not in STAGE_PACKAGES:
        raise ValueError(f"not a ukiyoe stage command: {cmd!r}")
    return words[1]


def expected_deps(cmd: str) -> list[str]:
    return minimal_deps(command_closure(subcommand(cmd)))
