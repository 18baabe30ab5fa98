"""The prepare stage's parameters: ``seed``, ``resolution`` and the ``data:`` block of params.yaml.

Validation happens once, up front, so a typo fails in a second with a message naming the key instead of
half-way through a long prepare.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ukiyoe.common.errors import DataError
from ukiyoe.common.params import read_params

SOURCES = ("synthetic", "folder", "archive", "prints", "stacked_mnist")
RESOLUTIONS = (32, 64, 128)
RESIZE_POLICIES = ("center_crop", "pad")
SOURCES_WITH_PATH = ("folder", "archive", "prints")
MAX_COUNT = 1_000_000
HELDOUT_RANGE = (0.1, 0.5)


@dataclass(frozen=True)
class DataParams:
    """Everything that decides the bytes of ``data/prepared/``."""

    seed: int = 0
    resolution: int = 32
    source: str = "synthetic"
    count: int = 1024
    path: str | None = None
    resize: str = "center_crop"
    max_pixels: int = 64_000_000
    max_aspect: float = 4.0
    max_archive_bytes: int = 2 * 1024**3
    max_file_bytes: int = 256 * 1024**2
    patch_min: float = 0.1
    patch_max: float = 0.5
    classifier: bool = True
    heldout: float = 0.25  # share of images held out from training (diagnose's reference)
    workers: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DATA_KEYS = tuple(name for name in DataParams.__dataclass_fields__ if name not in ("seed", "resolution"))


def _fail(where: str, key: str, problem: str) -> DataError:
    return DataError(f"{where}: {key}: {problem}")


def _integer(value: Any, where: str, key: str, low: int, high: int | None = None) -> int:
    bound = f"between {low} and {high}" if high is not None else f">= {low}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, key, f"must be an integer {bound}, got {value!r}")
    if value < low or (high is not None and value > high):
        raise _fail(where, key, f"must be {bound}, got {value}")
    return value


def _number(value: Any, where: str, key: str, low: float, high: float, low_open: bool = False) -> float:
    ok_type = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok_type or not math.isfinite(value) or value > high or value < low or (low_open and value == low):
        bound = f"({low}, {high}]" if low_open else f"[{low}, {high}]"
        raise _fail(where, key, f"must be a number in {bound}, got {value!r}")
    return float(value)


def _choice(value: Any, where: str, key: str, choices: tuple) -> Any:
    if value not in choices or isinstance(value, bool):
        raise _fail(where, key, f"must be one of {', '.join(map(str, choices))}, got {value!r}")
    return value


def parse_params(raw: Any, where: str = "params.yaml") -> DataParams:
    """Validate the parsed params.yaml mapping; raise one ``DataError`` naming the first bad key."""
    if not isinstance(raw, dict):
        raise DataError(f"{where}: must be a mapping of keys to values, got {type(raw).__name__}")
    data = raw.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _fail(where, "data", f"must be a mapping, got {type(data).__name__}")
    for key in data:
        if key not in DATA_KEYS:
            close = difflib.get_close_matches(str(key), DATA_KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(DATA_KEYS)})"
            shown = key if isinstance(key, str) and key.isprintable() and key else repr(key)
            raise _fail(where, f"data.{shown}", f"unknown key{hint}")
    defaults = DataParams()
    values: dict[str, Any] = {
        "seed": _integer(raw.get("seed", defaults.seed), where, "seed", 0, 2**32 - 1),
        "resolution": _choice(raw.get("resolution", defaults.resolution), where, "resolution", RESOLUTIONS),
    }

    def get(key: str) -> Any:
        return data.get(key, getattr(defaults, key))

    values["source"] = _choice(get("source"), where, "data.source", SOURCES)
    values["count"] = _integer(get("count"), where, "data.count", 1, MAX_COUNT)
    path = get("path")
    if path is not None and (not isinstance(path, str) or not path.strip()):
        raise _fail(where, "data.path", f"must be a non-empty path string or null, got {path!r}")
    if path is None and values["source"] in SOURCES_WITH_PATH:
        raise _fail(where, "data.path", f"is required for source '{values['source']}'")
    values["path"] = path
    values["resize"] = _choice(get("resize"), where, "data.resize", RESIZE_POLICIES)
    values["max_pixels"] = _integer(get("max_pixels"), where, "data.max_pixels", 1)
    values["max_aspect"] = _number(get("max_aspect"), where, "data.max_aspect", 1.0, 1000.0)
    values["max_archive_bytes"] = _integer(get("max_archive_bytes"), where, "data.max_archive_bytes", 1)
    values["max_file_bytes"] = _integer(get("max_file_bytes"), where, "data.max_file_bytes", 1)
    values["patch_min"] = _number(get("patch_min"), where, "data.patch_min", 0.0, 1.0, low_open=True)
    values["patch_max"] = _number(get("patch_max"), where, "data.patch_max", 0.0, 1.0, low_open=True)
    if values["patch_min"] > values["patch_max"]:
        raise _fail(where, "data.patch_min", f"must not exceed data.patch_max ({values['patch_max']})")
    classifier = get("classifier")
    if not isinstance(classifier, bool):
        raise _fail(where, "data.classifier", f"must be true or false, got {classifier!r}")
    values["classifier"] = classifier
    values["heldout"] = _number(get("heldout"), where, "data.heldout", HELDOUT_RANGE[0], HELDOUT_RANGE[1])
    workers = get("workers")
    values["workers"] = None if workers is None else _integer(workers, where, "data.workers", 1, 256)
    return DataParams(**values)


def load_params(path: Path) -> DataParams:
    """Read and validate a params.yaml file."""
    raw = read_params(path, str(path), DataError).data
    return parse_params({} if raw is None else raw, where=str(path))
