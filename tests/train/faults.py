"""Fault injection for resume and watchdog tests, through the loop's test-only ``AFTER_STEP_HOOKS`` seam.

In-process: put ``make_hook(...)`` into the seam. For a subprocess (a crash must kill a real process), run
this file instead of ``-m ukiyoe``: it reads ``UKIYOE_FAULT_KILL_AT_STEP`` and ``UKIYOE_FAULT_NAN_AT_STEP``,
installs the faults and runs the ``ukiyoe`` command with the remaining arguments. Under torchrun,
``UKIYOE_FAULT_RANK`` limits the faults to that rank, and ``UKIYOE_FAULT_INF_LOSS_AT_STEP`` makes that
rank report an infinite D loss at that step with finite gradients (as an overflowing bf16 loss can).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

import torch

KILL_AT_STEP = "UKIYOE_FAULT_KILL_AT_STEP"
NAN_AT_STEP = "UKIYOE_FAULT_NAN_AT_STEP"
FAULT_RANK = "UKIYOE_FAULT_RANK"
INF_LOSS_AT_STEP = "UKIYOE_FAULT_INF_LOSS_AT_STEP"
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


def report_infinite_loss(at: int) -> None:
    """The D loss that step ``at`` (counted as the hooks count) reports becomes +inf, once."""
    from ukiyoe.train.steps import Stepper

    original, pending = Stepper.step, [at]

    def step(self, number: int, *args, **kwargs) -> dict[str, float]:
        values = original(self, number, *args, **kwargs)
        if number + 1 in pending:
            pending.clear()
            values["d_loss"] = float("inf")
        return values

    Stepper.step = step


def _step(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value else None


if __name__ == "__main__":
    from ukiyoe.cli import main
    from ukiyoe.train.loop import AFTER_STEP_HOOKS

    only = os.environ.get(FAULT_RANK)
    if only is None or only == os.environ.get("RANK", "0"):
        AFTER_STEP_HOOKS.append(make_hook(_step(KILL_AT_STEP), _step(NAN_AT_STEP)))
        if _step(INF_LOSS_AT_STEP) is not None:
            report_infinite_loss(_step(INF_LOSS_AT_STEP))
    sys.exit(main(sys.argv[1:]))
