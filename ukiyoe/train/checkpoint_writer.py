"""Checkpoints written beside the training steps: the state is taken on the training thread, the file is
written, hashed, synced and rotated on a second thread while the next steps run.

A full-profile checkpoint is tens of megabytes; writing and syncing it inline stalls a fast GPU run for about
as long as a dozen steps. Only one write is in flight: the next save waits for the previous one, and anything
that reads the checkpoints (a rollback, the end of the run) waits for it first. A crash during a write loses
that checkpoint only: older ones are removed after the new one and its sidecar are on disk.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ukiyoe.gan.checkpoint import serialize_checkpoint, write_checkpoint


class CheckpointWriter:
    """``save`` returns once the state is serialised; ``background = False`` writes before returning."""

    def __init__(self, background: bool) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="checkpoint") if background else None
        self._pending: Future[Path] | None = None

    def save(self, directory: Path, step: int, payload: dict[str, Any], *, healthy: bool, score: float,
             keep_last: int) -> None:
        buffer = serialize_checkpoint(directory, step, payload)
        self.wait()
        if self._executor is None:
            write_checkpoint(directory, step, buffer, healthy=healthy, score=score, keep_last=keep_last)
            return
        self._pending = self._executor.submit(write_checkpoint, directory, step, buffer, healthy=healthy,
                                              score=score, keep_last=keep_last)

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
