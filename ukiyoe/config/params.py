"""params.yaml → gin macros, with the type and range rules of sweepable numbers.

Top-level scalar (or list) keys become macros, upper-cased (``gen_lr`` → ``%GEN_LR``). ``profile`` and
mappings such as the ``data:`` block are read by the pipeline, not by gin. DVC writes ``-S gen_lr=5e-5``
as ``5e-05``, which YAML 1.1 (PyYAML) reads as a string: scientific-notation strings become floats.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ukiyoe.common.errors import ConfigError
from ukiyoe.common.params import read_params
from ukiyoe.config.registry import suggestion

_SCIENTIFIC = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)[eE][-+]?\d+$")
_PROBABILITY = re.compile(r"^(.*_)?(dropout|prob|probability|p)$")
_POSITIVE_INT = re.compile(r"^(.*_)?(epochs|batch_size|resolution|steps|interval)$")
# Mappings of params.yaml read by the pipeline rather than by gin, with the keys each may hold (None: the
# block is validated by its own stage, as ``data:`` is by ``ukiyoe prepare``).
PIPELINE_BLOCKS: dict[str, tuple[str, ...] | None] = {"data": None, "ablate": ("fix", "add")}


@dataclass(frozen=True)
class Params:
    """Macros from params.yaml (upper-cased name → value and the key's line), plus pipeline keys."""

    path: Path
    shown: str
    macros: dict[str, Any]
    lines: dict[str, int]
    profile: str | None
    profile_line: int = 1


def coerce_scalar(value: Any) -> Any:
    """Undo YAML 1.1's reading of ``5e-05`` as a string."""
    if isinstance(value, str) and _SCIENTIFIC.fullmatch(value.strip()):
        return float(value)
    return value


def check_value(name: str, value: Any, where: str) -> Any:
    """Check (and coerce) a macro value by the naming rule of its key; return the value to use.

    ``*_lr``: positive float; ``*dropout``/``*_prob``/``*_p``: number in [0, 1]; ``epochs``,
    ``batch_size``, ``resolution``, ``*_steps``, ``*_interval`` (and ``*_`` prefixed forms): positive int;
    ``seed``: int.
    """
    key = name.lower()
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where}: {key} must be a finite number, got {value!r}")
    if key.endswith("_lr") or key == "lr":
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ConfigError(f"{where}: {key} must be a positive float, got {value!r}")
        return float(value)
    if _PROBABILITY.fullmatch(key):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ConfigError(f"{where}: {key} must be a probability in [0, 1], got {value!r}")
        return float(value)
    if _POSITIVE_INT.fullmatch(key):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"{where}: {key} must be a positive integer, got {value!r}")
        return value
    if key == "seed" and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{where}: seed must be an integer, got {value!r}")
    return value


def check_block(block: str, value: dict, where: str, lines: dict[str, int]) -> None:
    """A mapping must be one the pipeline reads, holding only the keys it reads (``ablate.fixx`` is a typo,
    not a setting)."""
    if block not in PIPELINE_BLOCKS:
        hint = suggestion(block, PIPELINE_BLOCKS)
        raise ConfigError(f"{where}: '{block}' is not a block the pipeline reads "
                          f"({', '.join(PIPELINE_BLOCKS)}){hint}")
    known = PIPELINE_BLOCKS[block]
    for key in value if known is not None else ():
        if key not in known:
            at = f"{where.rpartition(':')[0]}:{lines.get(str(key), where.rpartition(':')[2])}"
            raise ConfigError(f"{at}: {block}.{key}: unknown key{suggestion(str(key), known)} "
                              f"(known: {', '.join(known)})")


def load_params(path: Path, shown: str) -> Params:
    """Read params.yaml; a missing, malformed or ill-typed file raises ConfigError naming the line."""
    parsed = read_params(path, shown, ConfigError)
    data, lines = {} if parsed.data is None else parsed.data, parsed.lines
    if not isinstance(data, dict):
        raise ConfigError(f"{shown}:1: params must be a mapping of names to values")
    macros: dict[str, Any] = {}
    macro_lines: dict[str, int] = {}
    profile, profile_line = None, 1
    for key, value in data.items():
        where = f"{shown}:{lines.get(str(key), 1)}"
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z_]\w*", key):
            raise ConfigError(f"{where}: key {key!r} is not a valid name for a gin macro")
        if key == "profile":
            if not isinstance(value, str) or not re.fullmatch(r"[\w-]+", value):
                raise ConfigError(f"{where}: profile must be a profile name, got {value!r}")
            profile, profile_line = value, lines.get(key, 1)
        elif isinstance(value, dict):
            check_block(key, value, where, parsed.block_lines.get(key, {}))
        else:
            value = [coerce_scalar(v) for v in value] if isinstance(value, list) else coerce_scalar(value)
            macros[key.upper()] = check_value(key, value, where)
            macro_lines[key.upper()] = lines.get(key, 1)
    return Params(path=path, shown=shown, macros=macros, lines=macro_lines, profile=profile,
                  profile_line=profile_line)
