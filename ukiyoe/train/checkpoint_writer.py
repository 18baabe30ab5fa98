"""Checkpoints written beside the training steps: the state is copied where it lives on the training thread,
then moved to the host, serialised, written, hashed, synced and rotated on a second thread while the next
steps run.

A full-profile checkpoint is tens of megabytes; serialising and syncing it inline stalls a fast GPU run for
about as long as a dozen steps, while a copy on the device takes a fraction of a millisecond. Only one write
is in flight: the next save waits for the previous one, and anything that reads the checkpoints (a rollback,
the end of the run) waits for it first. A crash during a write loses that checkpoint only: older ones are
removed after the new one and its sidecar are on disk.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import torch

from ukiyoe.gan.checkpoint import refuse_non_finite, save_checkpoint, to_bytes, write_checkpoint


def snapshot(value: Any) -> Any:
    """A copy of a checkpoint payload that later training steps cannot change: tensors are cloned on
    their device, containers rebuilt."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, dict):  # a state_dict's OrderedDict keeps its type and its module versions
        copied = (OrderedDict if isinstance(value, OrderedDict) else dict)(
            (key, snapshot(item)) for key, item in value.items())
        if hasattr(value, "_metadata"):
            copied._metadata = copy.deepcopy(value._metadata)  # type: ignore[attr-defined]
        return copied
    if type(value) in (list, tuple):
        return type(value)(snapshot(item) for item in value)
    return copy.deepcopy(value)


class CheckpointWriter:
    """``save`` returns once the state is copied; ``background = False`` writes before returning."""

    def __init__(self, background: bool) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="checkpoint") if background else None
        self._pending: Future[Path] | None = None

    def save(self, directory: Path, step: int, payload: dict[str, Any], *, healthy: bool, score: float,
             keep_last: int) -> None:
        if self._executor is None:
            save_checkpoint(directory, step, payload, healthy=healthy, score=score, keep_last=keep_last)
            return
        refuse_non_finite(directory, step, payload)
        self.wait()  # first, so that one copy of the state at most is held besides the weights
        copied = snapshot(payload)
        copied_at = _record_event()
        self._pending = self._executor.submit(_serialise_and_write, directory, step, copied, copied_at,
                                              healthy=healthy, score=score, keep_last=keep_last)

    def wait(self) -> None:
        """Block until the write in flight is on disk; its error (a full disk, say) is raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=True)


def _record_event() -> tuple[int, torch.cuda.Event] | None:
    """Marks the copies on the training thread's stream (and its device): the writer's own stream does not
    wait for it."""
    if not torch.cuda.is_available() or not torch.cuda.is_initialized():
        return None
    event = torch.cuda.Event(blocking=True)  # the writer sleeps until the copies are done, it does not spin
    event.record()
    return torch.cuda.current_device(), event


def _serialise_and_write(directory: Path, step: int, copied: dict[str, Any],
                         copied_at: tuple[int, torch.cuda.Event] | None, **options: Any) -> Path:
    if copied_at is not None:
        device, event = copied_at
        torch.cuda.set_device(device)  # a new thread starts on device 0
        event.synchronize()
    return write_checkpoint(directory, step, to_bytes(copied), **options)
