"""``DiagnoseOptions``: how many samples the diagnose stage draws and how it measures them.

The options live in ``experiments/diagnose.gin``, outside the training configs, so changing them re-runs
diagnose and never training. The stage never parses gin itself: it reads the flat ``DiagnoseOptions.<param>``
bindings (``key = value`` lines with Python literals), so diagnosing runs no config code.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Any

from ukiyoe.common.errors import ConfigError
from ukiyoe.common.ranges import Between, declare, one_of

FEATURE_SPACES = ("auto", "classifier", "random_cnn")


@declare(
    num_samples=Between(0),
    seed=Between(0),
    batch_size=Between(1),
    nearest_k=Between(1),
    ndb_bins=Between(1),
    kid_subset_size=Between(1),
    kid_subsets=Between(1),
    duplicate_quantile=Between(0, 0.5, low_open=True, high_open=True),
    feature_space=one_of(*FEATURE_SPACES),
    grid_size=Between(1),
    neighbour_rows=Between(1),
    bootstrap_replicates=Between(1),
)
@dataclasses.dataclass(frozen=True)
class DiagnoseOptions:
    """Sampling and metric settings of ``ukiyoe diagnose``; every field has a default."""

    num_samples: int = 0  # 0: sized by the data's modes (ukiyoe.diagnose.sizing)
    seed: int = 1234
    batch_size: int = 250
    nearest_k: int = 5
    ndb_bins: int = 100
    kid_subset_size: int = 500
    kid_subsets: int = 20
    duplicate_quantile: float = 0.01
    feature_space: str = "auto"
    grid_size: int = 64
    neighbour_rows: int = 8
    bootstrap_replicates: int = 200

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


def options_from_flat(values: dict[str, Any], where: str = "experiments/diagnose.gin") -> DiagnoseOptions:
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


DEFAULT_OPTIONS_FILE = Path("experiments/diagnose.gin")


def parse_bindings(text: str, where: str) -> dict[str, Any]:
    """``DiagnoseOptions.<param> = <Python literal>`` lines (``#`` comments, blank lines) to a flat dict.

    Literals only (``ast.literal_eval``): nothing in the file is executed or imported.
    """
    values: dict[str, Any] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key, sep, literal = (part.strip() for part in line.partition("="))
        if not sep or not key.startswith("DiagnoseOptions."):
            raise ConfigError(
                f"{where}:{number}: expected 'DiagnoseOptions.<param> = <value>', got {raw.strip()!r}"
            )
        try:
            values[key] = ast.literal_eval(literal)
        except (ValueError, SyntaxError):
            raise ConfigError(f"{where}:{number}: {key}: not a literal value: {literal!r}") from None
    return values


def load_options(path: Path | None = None) -> DiagnoseOptions:
    """Options from ``experiments/diagnose.gin`` (or ``path``); defaults when the default file is absent."""
    chosen = DEFAULT_OPTIONS_FILE if path is None else Path(path)
    if not chosen.is_file():
        if path is not None:
            raise ConfigError(f"{chosen}: diagnose options file not found")
        return DiagnoseOptions()
    try:
        text = chosen.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{chosen}: cannot read diagnose options ({error})") from None
    return options_from_flat(parse_bindings(text, str(chosen)), where=str(chosen))
