"""Sampling from a trained run: its EMA generator (NCA refiner included) rebuilt from a checkpoint directory.

The networks are rebuilt from ``<dir>/config/operative.gin`` and only weights are read from the checkpoint
(weights-only loading), so later stages never unpickle code and never recompile the config.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ukiyoe.common.errors import CheckpointError
from ukiyoe.gan.checkpoint import load_newest_valid
from ukiyoe.gan.sampling import private_rng


@dataclass
class LoadedGenerator:
    """``module`` is the EMA generator in eval mode; ``meta`` says where it came from."""

    module: torch.nn.Module
    meta: dict[str, Any]
    device: torch.device

    @property
    def z_dim(self) -> int:
        return int(self.module.z_dim)

    @property
    def resolution(self) -> int:
        return int(self.module.resolution)

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0, batch_size: int = 64) -> torch.Tensor:
        """``n`` images (N, 3, H, W) in [-1, 1] on the CPU; the same seed gives the same images."""
        if n < 1 or batch_size < 1:
            raise ValueError(f"sample: n and batch_size must be >= 1, got {n}, {batch_size}")
        z = torch.randn(n, self.z_dim, generator=torch.Generator().manual_seed(seed))
        chunks = []
        with private_rng(seed, self.device):
            for part in z.split(batch_size):
                chunks.append(self.module(part.to(self.device)).float().clamp_(-1.0, 1.0).cpu())
        return torch.cat(chunks)


def require_checkpoint_directory(directory: Path) -> None:
    """A run's checkpoints are read as a directory (config, files and sidecars together), never one file."""
    if directory.is_file():
        raise CheckpointError(
            f"{directory}: a file, not a checkpoint directory (pass the directory that holds it and its "
            f"config/, e.g. {directory.parent})"
        )
    if not directory.is_dir():
        raise CheckpointError(f"{directory}: checkpoint directory not found")


def load_generator(checkpoint_dir: Path | str, device: str | torch.device = "cpu") -> LoadedGenerator:
    """The EMA generator of the newest valid checkpoint in ``checkpoint_dir`` (e.g. ``checkpoints/fixed``)."""
    from ukiyoe.config import activate, load_compiled
    from ukiyoe.gan.assemble import GAN_MODULES, assemble_generator

    directory = Path(checkpoint_dir)
    require_checkpoint_directory(directory)
    compiled = load_compiled(directory / "config")
    activate(compiled, GAN_MODULES, skip_unknown=True)
    found = load_newest_valid(directory, "cpu")
    if found is None:
        raise CheckpointError(f"{directory}: no valid checkpoint (ckpt-*.pt with a matching .sha256)")
    entry, payload = found
    meta = dict(payload["meta"])
    if meta.get("config_sha256") != compiled.sha256:
        raise CheckpointError(f"{entry.path}: config hash differs from {directory / 'config'}")
    module = assemble_generator()
    try:
        module.load_state_dict(payload["ema"])
    except RuntimeError as error:
        first = str(error).strip().splitlines()[0]
        raise CheckpointError(
            f"{entry.path}: EMA weights do not fit the configured generator ({first})"
        ) from None
    target = torch.device(device)
    module.requires_grad_(False)
    meta.update(step=int(payload["step"]), epoch=int(payload["epoch"]), checkpoint=str(entry.path))
    return LoadedGenerator(module.to(target).eval(), meta, target)
