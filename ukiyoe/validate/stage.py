"""Compile each side's experiment in memory, and write the compiled configs only when all of them compiled.

DVC deletes a stage's outputs just before it runs the stage. Running this first, and having each train stage
read its compiled config from here, means a bad ``dvc exp run -S gen_lr=abc`` or a broken gin file stops
the pipeline before any checkpoint, curve or report is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ukiyoe.common.errors import ConfigError


@dataclass(frozen=True)
class ValidateRequest:
    experiments: dict[str, Path]  # side name -> experiment gin file
    params: Path | None
    out: Path
    without_fixes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    with_fixes: dict[str, tuple[str, ...]] = field(default_factory=dict)


def run(request: ValidateRequest) -> dict[str, Any]:
    """The compiled configs by side, written to ``<out>/<side>/``."""
    from ukiyoe.config.compiler import compile_experiment
    from ukiyoe.configurables import CONFIGURABLE_MODULES

    for flag, fixes in (("--without-fix", request.without_fixes), ("--with-fix", request.with_fixes)):
        unknown = sorted(set(fixes) - set(request.experiments))
        if unknown:
            raise ConfigError(f"{flag} {unknown[0]}:...: no experiment named {unknown[0]!r}")
    compiled = {side: compile_experiment(path, request.params, without=request.without_fixes.get(side, ()),
                                         with_fixes=request.with_fixes.get(side, ()),
                                         modules=CONFIGURABLE_MODULES)
                for side, path in request.experiments.items()}
    return {side: config.write(request.out / side) for side, config in compiled.items()}
