"""``compile_experiment``: experiment gin files + profile + params.yaml + ``--bind`` → a compiled config.

Order of work: read params.yaml; read and pre-scan every gin file (imports checked, nothing executed);
only then import the configurable modules and resolve. Any failure raises ConfigError before anything
is written.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from gin.config_parser import BindingStatement

from ukiyoe.common.errors import ConfigError
from ukiyoe.common.files import sha256_file
from ukiyoe.config.compiled import CompiledConfig, config_hash
from ukiyoe.config.gin_files import Located, Tree, display_path, parse_text, read_gin_text, read_tree
from ukiyoe.config.literals import to_gin_literal, to_json
from ukiyoe.config.params import Params, load_params
from ukiyoe.config.registry import import_modules, suggestion
from ukiyoe.config.resolve import Binding, Resolver, macros_in
from ukiyoe.config.values import check_bindings

BIND_SOURCE = "--bind"


def experiment_root(experiment: Path) -> Path:
    """The experiment tree: the nearest enclosing ``experiments`` directory, else the file's directory."""
    absolute = Path(os.path.abspath(experiment))
    return next((p for p in absolute.parents if p.name == "experiments"), absolute.parent)


def compile_experiment(
    experiment: Path | str,
    params: Path | str | None,
    binds: Sequence[str] = (),
    out: Path | str | None = None,
    *,
    without: Sequence[str] = (),
    with_fixes: Sequence[str] = (),
    modules: Sequence[str],
) -> CompiledConfig:
    """Compile ``experiment`` (see module docstring); write it to ``out`` when given. ``without`` names
    fixes (``experiments/fixes/<name>.gin``) whose includes are left out; ``with_fixes`` names fixes read
    after the experiment's own files (the two halves of an ablation; ``none`` names nothing). ``modules``
    are the configurable modules imported and allowed in gin ``import`` lines; the caller names them.
    """
    experiment = Path(experiment)
    root = experiment_root(experiment)
    base = root.parent if root.name == "experiments" else Path.cwd()
    if not experiment.is_file() or experiment.suffix != ".gin":  # another file's text is never parsed
        available = ", ".join(sorted(display_path(p, base) for p in root.glob("*.gin"))) or "none"
        raise ConfigError(f"{display_path(experiment, base)}: no such experiment (available: {available})")

    loaded = load_params(Path(params), display_path(Path(params), base)) if params is not None else None
    tree = Tree(root, base, modules)
    statements, files, skipped, added = _read_experiment(experiment, tree, without, with_fixes)
    if loaded is not None and loaded.profile is not None:
        profile_statements, profile_files = _read_profile(loaded, tree)
        statements, files = statements + profile_statements, files + profile_files
    bind_statements = [_parse_bind(text) for text in binds]
    import_modules(modules)

    resolver = Resolver()
    for located in statements:
        resolver.add(located)
    for name, value in (loaded.macros if loaded else {}).items():
        resolver.add_macro(name, value, f"{loaded.shown}:{name.lower()}")
    for located in bind_statements:
        resolver.add(located)
    bindings = check_bindings(resolver.resolve())
    unused = _unused_macros(resolver, loaded, bind_statements, root, base)

    provenance = {
        "experiment": display_path(experiment, base),
        "params": loaded.shown if loaded else None,
        "profile": loaded.profile if loaded else None,
        "binds": list(binds),
        "without_fixes": sorted(p.stem for p in skipped),
        "with_fixes": [p.stem for p in added],
        "modules": list(modules),
        "files": [{"path": display_path(p, base), "sha256": sha256_file(p)} for p in _unique(files)]
        + ([{"path": loaded.shown, "sha256": sha256_file(loaded.path)}] if loaded else []),
        "bindings": {b.key: _binding_provenance(b) for b in bindings},
        "macros": {name: _macro_provenance(resolver, name) for name in sorted(resolver.used_macros)},
        "unused_params": unused,
    }
    operative = _operative_text(bindings)
    flat = {b.key: to_json(b.value) for b in bindings}
    compiled = CompiledConfig(None, operative, flat, provenance, config_hash(operative))
    return compiled.write(Path(out)) if out is not None else compiled


def _read_profile(loaded: Params, tree: Tree) -> tuple[list, list]:
    """The statements and files of ``experiments/profiles/<profile>.gin`` that params.yaml selects."""
    profile = tree.root / "profiles" / f"{loaded.profile}.gin"
    if not profile.is_file():
        names = sorted(p.stem for p in (tree.root / "profiles").glob("*.gin"))
        raise ConfigError(f"{loaded.shown}:{loaded.profile_line}: profile '{loaded.profile}' not found "
                          f"({display_path(profile, tree.base)}){suggestion(loaded.profile, names)}")
    return read_tree(profile, tree)


def _read_experiment(experiment: Path, tree: Tree, without: Sequence[str], with_fixes: Sequence[str]
                     ) -> tuple[list[Located], list[Path], set[Path], list[Path]]:
    """The experiment's statements with the ``without`` fixes left out and the ``with_fixes`` appended."""
    skipped = _fixes_to_skip(without, tree.root, tree.base)
    skipping = Tree(tree.root, tree.base, tree.allowed_modules, frozenset(skipped))
    statements, files = read_tree(experiment, skipping)
    _check_fixes_were_included(skipped, experiment, tree)
    added = _fixes_to_add(with_fixes, tree.root, tree.base, files)
    for path in added:
        fix_statements, fix_files = read_tree(path, tree)
        statements, files = statements + fix_statements, files + fix_files
    return statements, files, skipped, added


def _fixes_to_skip(names: Sequence[str], root: Path, base: Path) -> set[Path]:
    """Absolute paths of the fix files named in ``names`` (``none`` names nothing)."""
    return {_fix_path(name, root, base, "--without-fix") for name in names if name != "none"}


def _fixes_to_add(names: Sequence[str], root: Path, base: Path, included: Sequence[Path]) -> list[Path]:
    """Absolute paths of the fix files named in ``names``, in order; one the experiment already includes,
    or one named twice, is a mistake, not a no-op."""
    paths: list[Path] = []
    for name in names:
        if name == "none":
            continue
        path = _fix_path(name, root, base, "--with-fix")
        if path in included or path in paths:
            raise ConfigError(f"--with-fix {name}: {display_path(path, base)} is already included")
        paths.append(path)
    return paths


def _fix_path(name: str, root: Path, base: Path, option: str) -> Path:
    fixes = root / "fixes"
    path = Path(os.path.abspath(fixes / f"{name}.gin"))
    if not path.is_file():
        available = sorted(p.stem for p in fixes.glob("*.gin"))
        raise ConfigError(f"{option} {name}: no fix {display_path(path, base)}{suggestion(name, available)}")
    return path


def _check_fixes_were_included(skipped: set[Path], experiment: Path, tree: Tree) -> None:
    """A fix named for removal that the experiment never includes is a mistake, not a no-op."""
    if not skipped:
        return
    _, included = read_tree(experiment, tree)
    for path in sorted(skipped - set(included)):
        raise ConfigError(f"--without-fix {path.stem}: {display_path(experiment, tree.base)} does not "
                          f"include {display_path(path, tree.base)}")


def _parse_bind(text: str) -> Located:
    """One ``NAME=VALUE`` or ``scope/Configurable.param=VALUE``; nothing else (no import, no include)."""
    statements = list(parse_text(text, f"--bind {text!r}", with_line=False))
    if len(statements) != 1 or not isinstance(statements[0], BindingStatement):
        raise ConfigError(f"--bind {text!r}: expected MACRO=VALUE or Configurable.param=VALUE")
    return Located(statements[0], BIND_SOURCE)


def _unused_macros(
    resolver: Resolver, loaded: Params | None, binds: list[Located], root: Path, base: Path
) -> list[str]:
    """params.yaml keys (and ``--bind`` macros) this experiment ignores; one no gin file uses is an error."""
    given = {name: f"{loaded.shown}:{loaded.lines[name]}" for name in loaded.macros} if loaded else {}
    for located in binds:
        statement = located.statement
        if not statement.arg_name:
            name = f"{statement.scope}/{statement.selector}" if statement.scope else statement.selector
            given.setdefault(name, f"{BIND_SOURCE} '{name}=...'")
    unused = [name for name in given if name not in resolver.used_macros]
    if not unused:
        return []
    in_tree = _macros_used_in_tree(root, base)
    for name in unused:
        if name not in in_tree:
            hint = suggestion(name.lower(), [m.lower() for m in in_tree])
            raise ConfigError(f"{given[name]}: '{name.lower()}' is used by no gin file under "
                              f"{display_path(root, base)}/ (no %{name}){hint}")
    return sorted(name.lower() for name in unused)


def _macros_used_in_tree(root: Path, base: Path) -> set[str]:
    """Every macro referenced by any gin file of the experiment tree (parsed only, nothing imported).

    It only decides whether an unused params key is a typo, so a stray unparsable file elsewhere in the
    tree is skipped rather than failing this experiment.
    """
    used: set[str] = set()
    for path in sorted(root.rglob("*.gin")):
        try:
            shown = display_path(path, base)
            statements = list(parse_text(read_gin_text(path, shown), shown))
        except ConfigError:
            continue
        for statement in statements:
            if isinstance(statement, BindingStatement):
                used |= macros_in(statement.value)
    return used


def _operative_text(bindings: list[Binding]) -> str:
    """One ``key = literal`` line per binding, grouped by configurable, in a fixed order."""
    lines: list[str] = []
    previous = None
    for binding in sorted(bindings, key=lambda b: (b.target.shown, b.scope, b.arg)):
        group = (binding.scope, binding.target.shown)
        if previous is not None and group != previous:
            lines.append("")
        previous = group
        lines.append(f"{binding.key} = {to_gin_literal(binding.value)}")
    return "\n".join(lines) + "\n"


def _binding_provenance(binding: Binding) -> dict:
    entry = {"source": binding.source, "statement": binding.statement}
    if binding.macro:
        entry["macro"] = binding.macro
    if binding.overrides:
        entry["overrides"] = [{"value": to_json(w.value), "statement": w.where} for w in binding.overrides]
    return entry


def _macro_provenance(resolver: Resolver, name: str) -> dict:
    value, source = resolver.macro_value(name)
    entry = {"value": to_json(value), "source": source}
    earlier = resolver.macros[name][:-1]
    if earlier:
        entry["overrides"] = [{"value": to_json(w.value), "statement": w.where} for w in earlier]
    return entry




def _unique(paths: list[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))
