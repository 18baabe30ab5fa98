"""Checkpoint files: atomic ``ckpt-<step>.pt`` with a sha256 sidecar, verified weights-only loading, rotation.

A checkpoint is valid only when its sidecar exists and matches: a crash between writing the file and its
sidecar, a truncated copy or a flipped bit all make it invalid, and the previous checkpoint is used instead.
Loading goes through ``torch.load(weights_only=True)``, so a file that carries pickled code is refused.
"""

from __future__ import annotations

import io
import json
import logging
import math
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ukiyoe.common.errors import CheckpointError
from ukiyoe.common.files import atomic_write, atomic_write_json, atomic_write_text, sha256_bytes, sha256_file
from ukiyoe.common.finite import all_finite

log = logging.getLogger(__name__)

CHECKPOINT_NAME = re.compile(r"^ckpt-(\d+)\.pt$")
INDEX_NAME = "checkpoints.json"


@dataclass(frozen=True)
class CheckpointEntry:
    step: int
    path: Path

    @property
    def sidecar(self) -> Path:
        return self.path.with_name(self.path.name + ".sha256")


def checkpoint_path(directory: Path, step: int) -> Path:
    return Path(directory) / f"ckpt-{step:08d}.pt"


def list_checkpoints(directory: Path) -> list[CheckpointEntry]:
    """Checkpoint files in ``directory``, oldest first (sidecars are not checked here)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    entries = []
    for path in directory.iterdir():
        match = CHECKPOINT_NAME.fullmatch(path.name)
        if match:
            entries.append(CheckpointEntry(int(match.group(1)), path))
    return sorted(entries, key=lambda entry: entry.step)


def read_index(directory: Path) -> dict[str, dict[str, Any]]:
    """Health record per step (``{"<step>": {"healthy": bool, "score": float}}``); empty when absent."""
    path = Path(directory) / INDEX_NAME
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        log.warning("%s: unreadable checkpoint index, treating every checkpoint as unrated", path)
        return {}
    return value if isinstance(value, dict) else {}


def refuse_non_finite(directory: Path, step: int, payload: dict[str, Any]) -> None:
    """Weights or optimizer moments that are not finite are refused: a NaN checkpoint would poison every
    later resume."""
    for key in ("networks", "ema", "optimizers"):
        if key in payload and not all_finite(payload[key]):
            raise CheckpointError(f"{checkpoint_path(directory, step)}: refusing to save non-finite {key}")


def to_bytes(payload: dict[str, Any]) -> io.BytesIO:
    """``payload`` as the bytes of its file."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer


def write_checkpoint(
    directory: Path, step: int, buffer: io.BytesIO, *, healthy: bool, score: float, keep_last: int
) -> Path:
    """Write the serialised checkpoint atomically with its sidecar, record its health, drop old ones.

    Older checkpoints are removed only after the new one and its sidecar are on disk, so a crash during
    the write leaves the previous checkpoints whole.
    """
    path = checkpoint_path(directory, step)
    atomic_write(path, lambda handle: handle.write(buffer.getbuffer()))
    digest = sha256_bytes(buffer.getbuffer())  # the bytes just written, without reading them back
    atomic_write_text(path.with_name(path.name + ".sha256"), f"{digest}  {path.name}\n")
    index = read_index(directory)
    index[str(step)] = {"healthy": bool(healthy), "score": float(score) if math.isfinite(score) else None}
    atomic_write_json(Path(directory) / INDEX_NAME, index)
    rotate_checkpoints(directory, keep_last)
    return path


def save_checkpoint(
    directory: Path, step: int, payload: dict[str, Any], *, healthy: bool, score: float, keep_last: int
) -> Path:
    """Refuse non-finite state, serialise ``payload`` now and write it (``write_checkpoint``)."""
    refuse_non_finite(directory, step, payload)
    return write_checkpoint(directory, step, to_bytes(payload), healthy=healthy, score=score,
                            keep_last=keep_last)


def verify_checkpoint(entry: CheckpointEntry) -> None:
    """Raise CheckpointError unless the sidecar exists and matches the file's sha256."""
    if not entry.sidecar.is_file():
        raise CheckpointError(
            f"{entry.path}: no sha256 sidecar {entry.sidecar.name} (deleted, not copied along, or a write "
            "interrupted before it); ukiyoe loads only checkpoints whose checksum it can verify"
        )
    expected = entry.sidecar.read_text().split()[:1]
    if not expected or expected[0] != sha256_file(entry.path):
        raise CheckpointError(
            f"{entry.path}: sha256 does not match {entry.sidecar.name} (corrupt or truncated)"
        )


def refusal_detail(error: pickle.UnpicklingError) -> str:
    """What the file asked the unpickler for, without PyTorch's advice to load it with code enabled."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    named = [line for line in lines if "GLOBAL" in line or "Unsupported" in line or "unsupported" in line]
    return (named or [type(error).__name__])[0].rstrip(".")


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load one checkpoint with weights-only unpickling; anything that would run code is refused."""
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(
            f"{path}: refused, not a weights-only checkpoint ({refusal_detail(error)}); ukiyoe never "
            "unpickles anything but tensors and plain values, because unpickling can run any code"
        ) from None
    except Exception as error:  # a damaged zip or pickle surfaces as many types (RuntimeError, KeyError...)
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise CheckpointError(f"{path}: unreadable checkpoint ({type(error).__name__}: {first})") from None
    if not isinstance(payload, dict) or "format" not in payload:
        raise CheckpointError(f"{path}: not a ukiyoe checkpoint (no 'format' key)")
    return payload


def load_newest_valid(
    directory: Path, map_location: str | torch.device = "cpu", *, healthy_only: bool = False
) -> tuple[CheckpointEntry, dict[str, Any]] | None:
    """Newest checkpoint whose sidecar matches, falling back (with a warning) past corrupt ones.

    A file that passes its checksum but carries pickled code is a CheckpointError, never a fallback.
    """
    index = read_index(directory)
    for entry in reversed(list_checkpoints(directory)):
        if healthy_only and not index.get(str(entry.step), {}).get("healthy", False):
            continue
        try:
            verify_checkpoint(entry)
        except CheckpointError as error:
            log.warning("%s; using the previous checkpoint", error)
            continue
        return entry, load_checkpoint(entry.path, map_location)
    return None


def rotate_checkpoints(directory: Path, keep_last: int) -> None:
    """Keep the newest ``keep_last`` checkpoints, the newest healthy one and the best-scoring healthy one."""
    entries = list_checkpoints(directory)
    index = read_index(directory)
    keep = {entry.step for entry in entries[-keep_last:]}
    healthy = [entry for entry in entries if index.get(str(entry.step), {}).get("healthy")]
    if healthy:
        keep.add(healthy[-1].step)
        scored = [entry for entry in healthy if index[str(entry.step)].get("score") is not None]
        if scored:
            keep.add(max(scored, key=lambda entry: index[str(entry.step)]["score"]).step)
    for entry in entries:
        if entry.step not in keep:
            entry.path.unlink(missing_ok=True)
            entry.sidecar.unlink(missing_ok=True)
            index.pop(str(entry.step), None)
    atomic_write_json(Path(directory) / INDEX_NAME, index)


def remove_checkpoints(directory: Path) -> None:
    """Start a fresh run: delete old checkpoints, their sidecars and the index."""
    for entry in list_checkpoints(directory):
        entry.path.unlink(missing_ok=True)
        entry.sidecar.unlink(missing_ok=True)
    (Path(directory) / INDEX_NAME).unlink(missing_ok=True)
