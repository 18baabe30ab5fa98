"""Every module that registers gin configurables, imported before a config is parsed.

This tuple is also the allow-list for ``import`` statements inside gin files: a gin file may import these
modules (which only register configurables) and nothing else.
"""

from __future__ import annotations

import importlib

CONFIGURABLE_MODULES: tuple[str, ...] = (
    "ukiyoe.models",
    "ukiyoe.loss",
    "ukiyoe.regularizers",
    "ukiyoe.schedules",
    "ukiyoe.optim",
    "ukiyoe.train.options",
    "ukiyoe.train.watchdog",
)


def register_all() -> None:
    """Import every configurable module so that gin knows all names before parsing."""
    for name in CONFIGURABLE_MODULES:
        importlib.import_module(name)
