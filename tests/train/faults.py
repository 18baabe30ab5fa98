"""Fault injection for resume and watchdog tests, driven by environment variables so a subprocess can use it.

``UKIYOE_FAULT_KILL_AT_STEP=k``: the process SIGKILLs itself right after step ``k`` (no cleanup, as a crash).
``UKIYOE_FAULT_NAN_AT_STEP=k``: the generator's weights become NaN right after step ``k`` (once per process).
Unset, they cost one dictionary lookup per step.
"""

from __future__ import annotations

import os
import signal

import torch

KILL_AT_STEP = "UKIYOE_FAULT_KILL_AT_STEP"
NAN_AT_STEP = "UKIYOE_FAULT_NAN_AT_STEP"


def _step_from_env(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value else None


class FaultInjector:
    def __init__(self) -> None:
        self.kill_at = _step_from_env(KILL_AT_STEP)
        self.nan_at = _step_from_env(NAN_AT_STEP)

    def after_step(self, step: int, generator: torch.nn.Module) -> None:
        if self.nan_at is not None and step == self.nan_at:
            self.nan_at = None
            with torch.no_grad():
                for parameter in generator.parameters():
                    parameter.fill_(float("nan"))
        if self.kill_at is not None and step == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
