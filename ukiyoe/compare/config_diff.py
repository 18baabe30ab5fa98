"""What changed between the two sides' compiled configs: the fix files each side includes, the learning-rate
table (every learning rate, changed or not) and every other binding that differs, each with the file or params
key that set it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ukiyoe.config import CompiledConfig, diff_configs, load_compiled

LR_PARAM = re.compile(r"(^|_)(lr|learning_rate)($|_)", re.IGNORECASE)
LR_MACRO = re.compile(r"(^|_)LR($|_)")
ABSENT = "(unset)"


@dataclass(frozen=True)
class ConfigChange:
    key: str
    before: Any
    after: Any
    source: str


@dataclass(frozen=True)
class FixInclusion:
    path: str
    before: bool
    after: bool


@dataclass(frozen=True)
class ConfigDiff:
    """``learning_rates`` lists every learning-rate binding (changed or not); ``changes`` the other diffs;
    ``fixes`` every gin file under a ``fixes/`` directory that either side compiled."""

    learning_rates: list[ConfigChange]
    changes: list[ConfigChange]
    fixes: list[FixInclusion] = field(default_factory=list)
    experiments: tuple[str, str] = ("", "")
    note: str = ""


def _fix_files(compiled: CompiledConfig) -> set[str]:
    files = compiled.provenance.get("files") or []
    paths = {str(entry.get("path", "")) for entry in files if isinstance(entry, dict)}
    return {path for path in paths if "fixes/" in path.replace("\\", "/")}


def _macro(compiled: CompiledConfig, key: str) -> str:
    return str(compiled.provenance.get("bindings", {}).get(key, {}).get("macro") or "")


def _source(compiled: CompiledConfig, key: str) -> str:
    return str(compiled.provenance.get("bindings", {}).get(key, {}).get("source") or "")


def is_learning_rate(key: str, macro: str = "") -> bool:
    """``*.lr``, ``*_learning_rate``, a ``LearningRates.*`` binding, or one set through a ``%*_LR`` macro."""
    configurable, _, param = key.rpartition(".")
    return bool(LR_PARAM.search(param) or "LearningRate" in configurable or LR_MACRO.search(macro))


def diff_compiled(before: CompiledConfig, after: CompiledConfig) -> ConfigDiff:
    def learning_rate(key: str) -> bool:
        return is_learning_rate(key, _macro(before, key) or _macro(after, key))

    changes = [
        ConfigChange(row.key, ABSENT if row.change == "added" else row.before,
                     ABSENT if row.change == "removed" else row.after, row.after_source or row.before_source)
        for row in diff_configs(before, after)
        if not learning_rate(row.key)
    ]
    rates = [
        ConfigChange(key, before.flat.get(key, ABSENT), after.flat.get(key, ABSENT),
                     _source(after, key) or _source(before, key))
        for key in sorted(set(before.flat) | set(after.flat))
        if learning_rate(key)
    ]
    before_fixes, after_fixes = _fix_files(before), _fix_files(after)
    fixes = [FixInclusion(path, path in before_fixes, path in after_fixes)
             for path in sorted(before_fixes | after_fixes)]
    names = tuple(str(side.provenance.get("experiment") or "") for side in (before, after))
    return ConfigDiff(rates, changes, fixes, (names[0], names[1]))


def diff_config_dirs(before_dir: Path | None, after_dir: Path | None) -> ConfigDiff:
    """The diff of two compiled configs, or an empty diff whose note says which side has none.

    A compiled directory that is incomplete or edited after compiling is a ConfigError, as everywhere."""
    missing = [label for label, path in (("before", before_dir), ("after", after_dir)) if path is None]
    if missing:
        return ConfigDiff([], [], note=f"no compiled config found for the {' and '.join(missing)} side")
    assert before_dir is not None and after_dir is not None
    return diff_compiled(load_compiled(before_dir), load_compiled(after_dir))
