"""A compiled config on disk: operative.gin, config.json, provenance.json and config.sha256.

Later stages read these files and never recompile; ``activate`` loads operative.gin into gin.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gin
from gin.config_parser import BindingStatement

from ukiyoe.common.errors import ConfigError
from ukiyoe.common.files import json_text, sha256_bytes
from ukiyoe.config.gin_files import parse_text
from ukiyoe.config.registry import import_modules

OPERATIVE = "operative.gin"
FLAT = "config.json"
PROVENANCE = "provenance.json"
HASH = "config.sha256"


@dataclass(frozen=True)
class CompiledConfig:
    """The resolved config: gin text, flat typed values, per-binding provenance and the hash."""

    directory: Path | None
    operative_gin: str
    flat: dict[str, Any]
    provenance: dict[str, Any]
    sha256: str

    def write(self, directory: Path) -> CompiledConfig:
        """Write the four files (byte-identical for identical configs); return the config bound to them."""
        directory.mkdir(parents=True, exist_ok=True)
        files = {
            OPERATIVE: self.operative_gin,
            FLAT: json_text(self.flat),
            PROVENANCE: json_text(self.provenance),
            HASH: f"{self.sha256}\n",
        }
        for name, text in files.items():
            (directory / name).write_text(text, encoding="utf-8")
        return CompiledConfig(directory, self.operative_gin, self.flat, self.provenance, self.sha256)


def config_hash(operative_gin: str) -> str:
    """sha256 of the canonical operative.gin (sorted bindings, one layout), so hashing the file checks it."""
    return sha256_bytes(operative_gin.encode("utf-8"))


def load_compiled(directory: Path | str) -> CompiledConfig:
    """Read a compiled config; a missing file or an operative.gin edited after compiling is a ConfigError."""
    directory = Path(directory)
    texts = {}
    for name in (OPERATIVE, FLAT, PROVENANCE, HASH):
        try:
            texts[name] = (directory / name).read_text(encoding="utf-8")
        except OSError:
            raise ConfigError(f"{directory / name}: missing; run 'ukiyoe config compile' first") from None
    recorded = texts[HASH].split()[0] if texts[HASH].split() else ""
    if config_hash(texts[OPERATIVE]) != recorded:
        raise ConfigError(f"{directory / OPERATIVE}: sha256 differs from {HASH}; the file was changed after "
                          "compiling, compile again")
    try:
        flat, provenance = json.loads(texts[FLAT]), json.loads(texts[PROVENANCE])
    except json.JSONDecodeError as error:
        raise ConfigError(f"{directory}: malformed compiled config: {error}") from None
    return CompiledConfig(directory, texts[OPERATIVE], flat, provenance, recorded)


def activate(compiled: CompiledConfig, modules: Sequence[str], *, skip_unknown: bool = False) -> None:
    """Make ``compiled`` gin's global config: clear gin, register ``modules``' configurables, parse it.

    ``skip_unknown`` lets a consumer that registers only some modules (sampling needs only the GAN's) ignore
    the bindings of the others; the config was fully checked when it was compiled.
    operative.gin holds bindings only; anything else (an import, an include) is refused before gin reads it.
    """
    source = str(compiled.directory / OPERATIVE) if compiled.directory else OPERATIVE
    for statement in parse_text(compiled.operative_gin, source):
        if not isinstance(statement, BindingStatement) or not statement.arg_name:
            raise ConfigError(f"{source}:{statement.location.line_num}: only bindings are allowed in a "
                              "compiled config")
    gin.clear_config()
    import_modules(modules)
    gin.parse_config(compiled.operative_gin, skip_unknown=skip_unknown)


def to_sacred_config(compiled: CompiledConfig) -> dict[str, Any]:
    """The config for Sacred, whose keys may not contain '.' or start with '$'.

    Shape: ``{"config_sha256": ..., "gin": {"scope/Configurable": {"param": value}}}``; a '.' in a name
    (a module-qualified configurable or a dict key) becomes '·' and a leading '$' becomes '＄'.
    """
    nested: dict[str, dict[str, Any]] = {}
    for key, value in compiled.flat.items():
        owner, _, param = key.rpartition(".")
        nested.setdefault(_sacred_key(owner), {})[_sacred_key(param)] = _sacred_value(value)
    return {"config_sha256": compiled.sha256, "gin": nested}


def _sacred_key(key: str) -> str:
    key = key.replace(".", "·")
    return "＄" + key[1:] if key.startswith("$") else key


def _sacred_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {_sacred_key(str(k)): _sacred_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sacred_value(item) for item in value]
    return value
