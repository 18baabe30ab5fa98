"""Reading gin files as statements, without importing or calling anything.

gin's own ``include`` resolves paths against the working directory (and fails on a missing file with an
unrelated AttributeError); here an include is resolved relative to the including file, every file is
checked by the import allow-list, and each statement keeps the ``file:line`` it came from.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gin import config_parser
from gin.config_parser import BindingStatement, BlockDeclaration, ImportStatement, IncludeStatement

from ukiyoe.config.security import check_import
from ukiyoe.errors import ConfigError


@dataclass(frozen=True)
class MacroRef:
    """``%NAME`` inside a value, resolved later against the macro table."""

    name: str

    def __str__(self) -> str:
        return f"%{self.name}"


@dataclass(frozen=True)
class ConfigurableRef:
    """``@scope/Name`` or ``@scope/Name()`` inside a value."""

    scoped_name: str
    evaluate: bool

    @property
    def scope(self) -> str:
        return self.scoped_name.rpartition("/")[0]

    @property
    def selector(self) -> str:
        return self.scoped_name.rpartition("/")[2]

    def __str__(self) -> str:
        return f"@{self.scoped_name}{'()' if self.evaluate else ''}"


class _InertDelegate(config_parser.ParserDelegate):
    """Turns references into plain records; gin's own delegate would look them up in the registry."""

    def configurable_reference(self, scoped_configurable_name: str, evaluate: bool) -> ConfigurableRef:
        return ConfigurableRef(scoped_configurable_name, evaluate)

    def macro(self, macro_name: str) -> MacroRef:
        return MacroRef(macro_name)


@dataclass(frozen=True)
class Located:
    """A binding, block declaration or import, with the ``file:line`` it was written at."""

    statement: BindingStatement | BlockDeclaration | ImportStatement
    where: str


def display_path(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` when inside it (stable across working directories), else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path(os.path.abspath(base))).as_posix()
    except ValueError:
        return absolute.as_posix()


def parse_text(text: str, source: str) -> Iterator[Any]:
    """gin statements of ``text``; a syntax error becomes a ConfigError naming ``source:line``."""
    parser = config_parser.ConfigParser(text, _InertDelegate())
    while True:
        try:
            statement = parser.parse_statement()
        except SyntaxError as error:
            line = error.lineno if error.lineno is not None else "?"
            raise ConfigError(f"{source}:{line}: gin syntax error: {error.msg}") from None
        if statement is None:
            return
        yield statement


def parse_value(text: str, source: str) -> Any:
    """A single gin literal (as on the right of ``=``), references kept as records."""
    try:
        return config_parser.ConfigParser(text, _InertDelegate()).parse_value()
    except SyntaxError as error:
        raise ConfigError(f"{source}: cannot parse value {text!r}: {error.msg}") from None


def read_tree(
    path: Path, base: Path, allowed_modules: Collection[str], skip: Collection[Path] = ()
) -> tuple[list[Located], list[Path]]:
    """Statements of ``path`` and its includes in order (includes inlined), plus the files read.

    Every import is checked against ``allowed_modules`` as soon as it is read, so a forbidden file stops
    the walk before anything else happens. Includes of a file in ``skip`` (absolute paths) are left out:
    that is how an ablation removes one fix.
    """
    statements: list[Located] = []
    files: list[Path] = []
    _read_into(Path(os.path.abspath(path)), base, allowed_modules, statements, files, (), frozenset(skip))
    return statements, files


def included_files(path: Path, base: Path) -> list[Path]:
    """``path`` and every file it includes, directly or not, in reading order; nothing else is read or
    checked (the compiler checks imports when it compiles)."""
    files: list[Path] = []
    pending = [Path(os.path.abspath(path))]
    while pending:
        current = pending.pop(0)
        if current in files:
            continue
        shown = display_path(current, base)
        try:
            text = current.read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError(f"{shown}: cannot read gin file: {error.strerror}") from None
        files.append(current)
        includes = [s for s in parse_text(text, shown) if isinstance(s, IncludeStatement)]
        pending[:0] = [Path(os.path.normpath(current.parent / s.filename)) for s in includes]
    return files


def _read_into(
    path: Path,
    base: Path,
    allowed_modules: Collection[str],
    statements: list[Located],
    files: list[Path],
    stack: tuple[Path, ...],
    skip: frozenset[Path],
) -> None:
    shown = display_path(path, base)
    if path in stack:
        raise ConfigError(f"{shown}: include cycle: {' -> '.join(display_path(p, base) for p in stack)}")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{shown}: cannot read gin file: {error.strerror}") from None
    files.append(path)
    for statement in parse_text(text, shown):
        where = f"{shown}:{statement.location.line_num}"
        if isinstance(statement, IncludeStatement):
            target = Path(os.path.normpath(path.parent / statement.filename))
            if target in skip:
                continue
            if not target.is_file():
                raise ConfigError(
                    f"{where}: include '{statement.filename}' not found "
                    f"(looked for {display_path(target, base)})"
                )
            _read_into(target, base, allowed_modules, statements, files, (*stack, path), skip)
            continue
        if isinstance(statement, ImportStatement):
            check_import(statement, where, allowed_modules)
        statements.append(Located(statement, where))
