"""The import allow-list for gin files.

gin runs a module's top-level code for ``import x`` and lets ``from __gin__ import dynamic_registration``
bind any callable (``os.system`` included). Every file is therefore scanned with gin's parser, which imports
nothing, and rejected before gin itself parses it or any module is imported.
"""

from __future__ import annotations

from collections.abc import Collection

from gin.config_parser import ImportStatement

from ukiyoe.common.errors import ConfigError


def check_import(statement: ImportStatement, where: str, allowed_modules: Collection[str]) -> None:
    """Raise unless ``statement`` imports one of ``allowed_modules`` (which only register configurables)."""
    module = statement.module
    if module.split(".")[0] == "__gin__":
        raise ConfigError(
            f"{where}: '{statement.format()}' is forbidden: dynamic registration lets a config call any "
            "function; register configurables in ukiyoe's modules instead"
        )
    if module not in allowed_modules:
        raise ConfigError(
            f"{where}: '{statement.format()}' is forbidden: gin files may import only "
            f"{', '.join(sorted(allowed_modules))} (importing runs a module's code)"
        )
