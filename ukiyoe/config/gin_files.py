"""Reading gin files as statements, without importing or calling anything.

gin's own ``include`` resolves paths against the working directory (and fails on a missing file with an
unrelated AttributeError); here an include is resolved relative to the including file and must stay a
``.gin`` file inside the experiment tree (symbolic links resolved), every file is checked by the import
allow-list, and each statement keeps the ``file:line`` it came from.
"""

from __future__ import annotations

import os
import re
import tokenize
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gin import config_parser
from gin.config_parser import BindingStatement, BlockDeclaration, ImportStatement, IncludeStatement

from ukiyoe.common.errors import ConfigError
from ukiyoe.common.files import read_text_file
from ukiyoe.config.security import check_import


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


def syntax_message(message: str) -> str:
    """gin's (and ``ast``'s) message on one line, without object addresses: an unquoted word reads as a
    string that needs quotes rather than as ``<ast.Name object at 0x...>``."""
    first, _, rest = message.partition("\n")
    token = re.search(r"Failed to parse token '(.*)'", rest)
    if "malformed node or string" in first and token:
        return f"cannot read {token.group(1)!r} as a value (quote a string; references start with @ or %)"
    return re.sub(r"<[\w.]+ object at 0x[0-9a-f]+>", "an expression", first).strip()


def parse_text(text: str, source: str, with_line: bool = True) -> Iterator[Any]:
    """gin statements of ``text``; a syntax error becomes a ConfigError naming ``source:line``."""

    def failure(line: int | None, message: str) -> ConfigError:
        at = f":{line if line is not None else '?'}" if with_line else ""
        return ConfigError(f"{source}{at}: gin syntax error: {syntax_message(message)}")

    try:
        parser = config_parser.ConfigParser(text, _InertDelegate())
        while (statement := parser.parse_statement()) is not None:
            yield statement
    except SyntaxError as error:
        raise failure(error.lineno, str(error.msg)) from None
    except tokenize.TokenError as error:  # an unclosed bracket at the end of the text
        message, (line, _) = error.args
        last = max(1, len(text.splitlines()))
        raise failure(min(line, last), f"{message} (a bracket is never closed)") from None
    except RecursionError:
        raise failure(None, "brackets nested too deeply") from None


def parse_value(text: str, source: str) -> Any:
    """A single gin literal (as on the right of ``=``), references kept as records."""
    try:
        return config_parser.ConfigParser(text, _InertDelegate()).parse_value()
    except (SyntaxError, tokenize.TokenError, RecursionError) as error:
        message = error.msg if isinstance(error, SyntaxError) else str(error.args[0] if error.args else error)
        raise ConfigError(f"{source}: cannot parse value {text!r}: {syntax_message(str(message))}") from None


@dataclass(frozen=True)
class Tree:
    """Where a walk reads from: the experiment tree every include must stay in, the base paths are shown
    relative to, the modules gin files may import and the fix files an ablation leaves out."""

    root: Path
    base: Path
    allowed_modules: Collection[str]
    skip: frozenset[Path] = frozenset()


def read_tree(path: Path, tree: Tree) -> tuple[list[Located], list[Path]]:
    """Statements of ``path`` and its includes in order (includes inlined), plus the files read.

    Every import is checked against ``tree.allowed_modules`` as soon as it is read, so a forbidden file
    stops the walk before anything else happens. Includes of a file in ``tree.skip`` (absolute paths) are
    left out: that is how an ablation removes one fix.
    """
    statements: list[Located] = []
    files: list[Path] = []
    _read_into(Path(os.path.abspath(path)), tree, statements, files, ())
    return statements, files


def included_files(path: Path, tree: Tree) -> list[Path]:
    """``path`` and every file it includes, directly or not, in reading order. Only includes are followed
    (each through ``include_target``'s checks); nothing else is checked: compiling does that."""
    files: list[Path] = []
    pending = [Path(os.path.abspath(path))]
    while pending:
        current = pending.pop(0)
        if current in files:
            continue
        shown = display_path(current, tree.base)
        files.append(current)
        statements = parse_text(read_gin_text(current, shown), shown)
        includes = [s for s in statements if isinstance(s, IncludeStatement)]
        pending[:0] = [include_target(s, current, f"{shown}:{s.location.line_num}", tree) for s in includes]
    return files


def include_target(statement: IncludeStatement, including: Path, where: str, tree: Tree) -> Path:
    """The file an ``include`` names: relative, a ``.gin`` file, inside the experiment tree once every
    symbolic link is resolved; anything else could pull another file's values into the compiled config."""
    name = statement.filename
    refused = f"{where}: include '{name}' is refused:"
    if os.path.isabs(name) or name.startswith("~"):
        raise ConfigError(f"{refused} includes are paths relative to the including file")
    target = Path(os.path.normpath(including.parent / name))
    if target.suffix != ".gin":
        raise ConfigError(f"{refused} only .gin files can be included")
    if not Path(os.path.realpath(target)).is_relative_to(os.path.realpath(tree.root)):
        raise ConfigError(f"{refused} it leaves the experiment tree {display_path(tree.root, tree.base)}/")
    return target


def read_gin_text(path: Path, shown: str) -> str:
    """A gin file's text; only a regular file is read (a FIFO would block), and it must be UTF-8."""
    try:
        return read_text_file(path)
    except OSError as error:
        raise ConfigError(f"{shown}: cannot read gin file: {error.strerror or error}") from None
    except ValueError as error:
        raise ConfigError(f"{shown}: cannot read gin file: {error}") from None


def _read_into(
    path: Path, tree: Tree, statements: list[Located], files: list[Path], stack: tuple[Path, ...]
) -> None:
    shown = display_path(path, tree.base)
    if path in stack:
        cycle = " -> ".join(display_path(p, tree.base) for p in stack)
        raise ConfigError(f"{shown}: include cycle: {cycle}")
    text = read_gin_text(path, shown)
    files.append(path)
    for statement in parse_text(text, shown):
        where = f"{shown}:{statement.location.line_num}"
        if isinstance(statement, IncludeStatement):
            target = include_target(statement, path, where, tree)
            if target in tree.skip:
                continue
            if not target.is_file():
                raise ConfigError(
                    f"{where}: include '{statement.filename}' not found "
                    f"(looked for {display_path(target, tree.base)})"
                )
            _read_into(target, tree, statements, files, (*stack, path))
            continue
        if isinstance(statement, ImportStatement):
            check_import(statement, where, tree.allowed_modules)
        statements.append(Located(statement, where))
