"""Fault injection for resume and watchdog tests, through the loop's test-only ``AFTER_STEP_HOOKS`` seam.

In-process: put ``make_hook(...)`` into the seam. For a subprocess (a crash must kill a real process), run
this file instead of ``-m ukiyoe``: it reads ``UKIYOE_FAULT_KILL_AT_STEP`` and ``UKIYOE_FAULT_NAN_AT_STEP``,
installs the faults and runs the ``ukiyoe`` command with the remaining arguments.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

import torch

KILL_AT_STEP = "UKIYOE_FAULT_KILL_AT_STEP"
NAN_AT_STEP = "UKIYOE_FAULT_NAN_AT_STEP"
LAUNCHER = __file__


def make_hook(kill_at: int | None = None, nan_at: int | None = None) -> Callable[[int, object], None]:
    """After step ``nan_at`` the generator's weights become NaN (once); after ``kill_at`` the process
    SIGKILLs itself (no cleanup, as a crash)."""
    pending = {"nan": nan_at}

    def hook(step: int, experiment) -> None:
        if pending["nan"] is not None and step == pending["nan"]:
            pending["nan"] = None
            with torch.no_grad():
                for parameter in experiment.networks.generator.parameters():
                    parameter.fill_(float("nan"))
        if kill_at is not None and step == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


def _step(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value else None


if __name__ == "__main__":
    from ukiyoe.cli import main
    from ukiyoe.train.loop import AFTER_STEP_HOOKS

    AFTER_STEP_HOOKS.append(make_hook(_step(KILL_AT_STEP), _step(NAN_AT_STEP)))
    sys.exit(main(sys.argv[1:]))
