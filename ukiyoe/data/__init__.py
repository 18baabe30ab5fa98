"""The prepare stage and its outputs: ``load_prepared`` opens ``data/prepared/``, ``load_mode_classifier``
loads the mode classifier saved beside it. Both import torch, so they are loaded on first use."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ModeClassifier",
    "Prepared",
    "ResumableSampler",
    "batch_to_tensor",
    "fetch_batch",
    "load_mode_classifier",
    "load_prepared",
]

_HOMES = {
    "ModeClassifier": "ukiyoe.data.classifier",
    "load_mode_classifier": "ukiyoe.data.classifier",
    "Prepared": "ukiyoe.data.loader",
    "ResumableSampler": "ukiyoe.data.loader",
    "batch_to_tensor": "ukiyoe.data.loader",
    "fetch_batch": "ukiyoe.data.loader",
    "load_prepared": "ukiyoe.data.loader",
}


def __getattr__(name: str) -> Any:
    """Import on first access, so decoding worker processes never pay for torch."""
    if name not in _HOMES:
        raise AttributeError(f"module 'ukiyoe.data' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
