"""Every module that registers gin configurables: the vocabulary of an experiment's gin files.

The command-line entry points hand this tuple to the config compiler, which imports these modules before
parsing and allows gin files to ``import`` them and nothing else. ``config`` itself never names them.
"""

from __future__ import annotations

CONFIGURABLE_MODULES: tuple[str, ...] = (
    "ukiyoe.gan",
    "ukiyoe.train.options",
    "ukiyoe.train.watchdog",
)
