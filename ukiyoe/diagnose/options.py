"""``DiagnoseOptions``: how many samples the diagnose stage draws and how it measures them.

Gin binds it when a config is compiled; the diagnose stage itself never parses gin, it reads the compiled
``config.json`` (flat keys such as ``DiagnoseOptions.num_samples``), so diagnosing runs no config code.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import gin

from ukiyoe.errors import ConfigError
from ukiyoe.ranges import Between, declare, one_of

FEATURE_SPACES = ("auto", "classifier", "random_cnn")


@declare(
    num_samples=Between(1),
    seed=Between(0),
    batch_size=Between(1),
    num_real=Between(1),
    nearest_k=Between(1),
    ndb_bins=Between(1),
    kid_subset_size=Between(1),
    kid_subsets=Between(1),
    duplicate_quantile=Between(0, 0.5, low_open=True, high_open=True),
    feature_space=one_of(*FEATURE_SPACES),
    grid_size=Between(1),
    neighbour_rows=Between(1),
)
@dataclasses.dataclass(frozen=True)
class DiagnoseOptions:
    """Sampling and metric settings of ``ukiyoe diagnose``; every field has a default."""

    num_samples: int = 2000
    seed: int = 1234
    batch_size: int = 250
    num_real: int = 2000
    nearest_k: int = 5
    ndb_bins: int = 100
    kid_subset_size: int = 500
    kid_subsets: int = 20
    duplicate_quantile: float = 0.01
    feature_space: str = "auto"
    grid_size: int = 64
    neighbour_rows: int = 8

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            expected = float if field.type == "float" else (str if field.type == "str" else int)
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, field.name, float(value))
                value = float(value)
            if not isinstance(value, expected) or isinstance(value, bool):
                raise ConfigError(
                    f"DiagnoseOptions.{field.name}: expected {expected.__name__}, got {value!r}"
                )

    def replace(self, **changes: Any) -> DiagnoseOptions:
        """A copy with ``changes`` applied (None values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


# Registered as a gin subclass so that parsed bindings never leak into options read from config.json.
gin.external_configurable(DiagnoseOptions, name="DiagnoseOptions", module="ukiyoe.diagnose.options")


def options_from_flat(values: dict[str, Any], where: str = "config.json") -> DiagnoseOptions:
    """Build options from flat ``[scope/]DiagnoseOptions.<param>`` keys; other keys are ignored."""
    known = {field.name for field in dataclasses.fields(DiagnoseOptions)}
    chosen: dict[str, Any] = {}
    for key, value in values.items():
        configurable, _, param = key.rpartition("/")[2].partition(".")
        if configurable != "DiagnoseOptions":
            continue
        if param not in known:
            raise ConfigError(f"{where}: unknown parameter {param!r} of DiagnoseOptions")
        chosen[param] = value
    try:
        return DiagnoseOptions(**chosen)
    except ConfigError as error:
        raise ConfigError(f"{where}: {error}") from None


def load_options(config_dir: Path | None) -> DiagnoseOptions:
    """Options from a compiled config directory's ``config.json`` when present, else the defaults."""
    if config_dir is None:
        return DiagnoseOptions()
    path = Path(config_dir) / "config.json"
    if not path.is_file():
        return DiagnoseOptions()
    try:
        values = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ConfigError(f"{path}: cannot read compiled config ({error})") from None
    if not isinstance(values, dict):
        raise ConfigError(f"{path}: expected a JSON object of flat gin bindings")
    return options_from_flat(values, where=str(path))
