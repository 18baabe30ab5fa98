"""The code deps a dvc.yaml stage needs: every ``ukiyoe/`` package its command may execute a module of, and
the top-level modules it executes. A package stands for all of its modules: editing any module of a package
a stage uses re-runs that stage, editing one of a package it never touches re-runs nothing. Package-level
deps keep ``dvc exp show`` readable (every dep of every stage is one of its columns)."""

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


def package_deps(files: set[Path]) -> list[str]:
    """The top-level packages holding any of ``files``, then the top-level modules among them."""
    relative = {path.relative_to(REPO) for path in files}
    packages = {str(Path(*path.parts[:2])) for path in relative if len(path.parts) > 2}
    modules = {str(path) for path in relative if len(path.parts) == 2}
    return sorted(packages) + sorted(modules)


def subcommand(cmd: str) -> str:
    words = cmd.split()
    if words[:1] != ["ukiyoe"] or len(words) < 2 or words[1] not in STAGE_PACKAGES:
        raise ValueError(f"not a ukiyoe stage command: {cmd!r}")
    return words[1]


def expected_deps(cmd: str) -> list[str]:
    return package_deps(command_closure(subcommand(cmd)))
