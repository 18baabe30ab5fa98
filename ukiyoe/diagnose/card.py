"""The reproducibility card: everything needed to tell where a report's numbers came from."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Any

from ukiyoe import __version__
from ukiyoe.common.files import git_commit
from ukiyoe.diagnose.score import RUBRIC_VERSION


def first_word(path: Path) -> str | None:
    """The hash in a ``*.sha256`` file (``<hex>`` or ``<hex>  <name>``), None when absent or empty."""
    words = path.read_text().split() if path.is_file() else []
    return words[0] if words else None


def read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def build_card(
    *,
    checkpoint: Path | None,
    data: Path,
    samples: Path | None,
    training_metrics: Path | None,
    seed: int,
    num_samples: int,
    feature_space: str,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A flat dict of strings, numbers and nulls; ``meta`` is the loaded generator's metadata."""
    import torch

    meta = meta or {}
    config_dir = checkpoint / "config" if checkpoint is not None else None
    manifest = read_json(data / "manifest.json")
    return {
        "git_commit": meta.get("git_commit") or git_commit(Path.cwd()),
        "diagnose_git_commit": git_commit(Path.cwd()),
        "config_sha256": meta.get("config_sha256")
        or (first_word(config_dir / "config.sha256") if config_dir else None),
        "dataset_sha256": manifest.get("dataset_sha256") or meta.get("dataset_sha256"),
        "container_digest": os.environ.get("UKIYOE_IMAGE_DIGEST") or None,
        "base_image": os.environ.get("UKIYOE_BASE_IMAGE") or None,
        "seed": seed,
        "num_samples": num_samples,
        "checkpoint": str(checkpoint) if checkpoint is not None else None,
        "checkpoint_step": meta.get("step"),
        "checkpoint_epoch": meta.get("epoch"),
        "training_seed": meta.get("seed"),
        "compiled_config": str(config_dir) if config_dir is not None and config_dir.is_dir() else None,
        "training_metrics": str(training_metrics) if training_metrics is not None else None,
        "samples": str(samples) if samples is not None else None,
        "data": str(data),
        "feature_space": feature_space,
        "rubric_version": RUBRIC_VERSION,
        "ukiyoe_version": __version__,
        "torch_version": torch.__version__,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
