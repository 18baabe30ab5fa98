"""The train stage: loop, checkpoints, collapse watchdog, curves, Sacred tracking, multi-process training.

``load_generator`` is the consumer API for later stages; it is imported lazily so that registering the
gin configurables (``ukiyoe.train.options``, ``ukiyoe.train.watchdog``) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ukiyoe.train.generator import LoadedGenerator, load_generator

__all__ = ["LoadedGenerator", "load_generator"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from ukiyoe.train import generator

        return getattr(generator, name)
    raise AttributeError(f"module 'ukiyoe.train' has no attribute {name!r}")
