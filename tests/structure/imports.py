"""The import graph of ``ukiyoe/`` by static inspection: which ukiyoe modules each module imports.

Every ``import`` statement counts, at module level or inside a function (lazy imports run too), and so do
a module's parent packages (importing it runs them) and module names written as strings (importlib).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "ukiyoe"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_path(name: str) -> Path | None:
    base = REPO.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _named_by_string(tree: ast.Module) -> set[str]:
    """Module names written as strings (``CONFIGURABLE_MODULES``, ``SUBCOMMANDS``, a lazy ``__getattr__``'s
    table): code imports them by name with importlib."""
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and node.value.startswith("ukiyoe.") and module_path(node.value)}


def _module_level(tree: ast.Module) -> list[ast.AST]:
    """Every node that runs when the module is imported: function bodies are left out."""
    nodes, todo = [], list(tree.body)
    while todo:
        node = todo.pop()
        nodes.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            todo.extend(ast.iter_child_nodes(node))
    return nodes


@cache
def direct_imports(name: str, lazy: bool = True) -> frozenset[str]:
    """The ukiyoe modules ``name`` imports itself (not transitively).

    ``lazy``: also imports inside functions and module names listed as strings (what running the module's
    code may import); without it, only what importing the module runs.
    """
    path = module_path(name)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set(_named_by_string(tree)) if lazy else set()
    for node in ast.walk(tree) if lazy else _module_level(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names if module_path(f"{base}.{alias.name}")}
    found = {item for item in found if item.split(".")[0] == "ukiyoe" and module_path(item)}
    found |= {parent for item in found | {name} for parent in _parents(item)}
    return frozenset(found - {name})


def closure(*names: str, lazy: bool = True) -> set[str]:
    """``names`` and every ukiyoe module they import, transitively (see ``direct_imports`` for ``lazy``)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(direct_imports(name, lazy))
    return seen


STAGE_PACKAGES = {"prepare": "ukiyoe.data", "validate": "ukiyoe.validate", "train": "ukiyoe.train",
                  "diagnose": "ukiyoe.diagnose", "compare": "ukiyoe.compare"}


def command_closure(subcommand: str) -> set[Path]:
    """The source files ``ukiyoe <subcommand>`` may execute: the entry module as imported (it imports the
    subcommand's CLI module by name, no other) plus everything that CLI module and the stage entry point
    import, lazily or not."""
    from ukiyoe.cli import SUBCOMMANDS

    package = STAGE_PACKAGES[subcommand]
    names = closure("ukiyoe.cli", lazy=False) | closure(SUBCOMMANDS[subcommand], f"{package}.stage")
    return {module_path(name) for name in names}
