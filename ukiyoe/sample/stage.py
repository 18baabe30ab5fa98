"""The sample command: load a checkpoint (the same refusals as every load), then write the pictures.

Nothing is written before the checkpoint has loaded, so a refused checkpoint leaves ``--out`` untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ukiyoe.common.errors import UkiyoeError
from ukiyoe.common.files import atomic_write_text, json_text
from ukiyoe.common.images import grid_image, nchw_to_nhwc, to_uint8, write_png
from ukiyoe.sample import latents

MANIFEST = "sample.json"


@dataclass(frozen=True)
class SampleRequest:
    checkpoint: Path
    seeds: tuple[int, ...]
    out: Path
    truncation: float = 1.0
    grid: bool = True
    interpolate: int = 0  # frames per seed pair; 0: no strip
    device: str = "cpu"


def _check(request: SampleRequest) -> None:
    if not 0.0 <= request.truncation <= 2.0:
        raise UkiyoeError(f"--truncation {request.truncation}: ψ must be between 0 and 2 (1 = none)")
    if request.interpolate and (request.interpolate < 2 or len(request.seeds) < 2):
        raise UkiyoeError("--interpolate needs at least 2 frames and at least 2 seeds to travel between")
    if request.out.exists() and not request.out.is_dir():
        raise UkiyoeError(f"--out {request.out}: exists and is not a directory")


def _pixels(images: list[Any]) -> np.ndarray:
    return nchw_to_nhwc(to_uint8(np.concatenate([image.numpy() for image in images])))


def run(request: SampleRequest) -> dict[str, Any]:
    """Write ``seed<NNNN>.png`` per seed, ``grid.png`` and ``interpolation.png``; returns the manifest."""
    import torch

    from ukiyoe.gan.export import load_generator

    _check(request)
    loaded = load_generator(request.checkpoint, request.device)
    generator, device = loaded.module, loaded.device
    w_avg = latents.mean_w(generator, device) if request.truncation != 1.0 else None
    ws = latents.truncate(latents.mapped(generator, list(request.seeds), device), w_avg, request.truncation)
    images = [latents.render(generator, w[None], seed, device)
              for seed, w in zip(request.seeds, ws, strict=True)]
    pixels = _pixels(images)
    request.out.mkdir(parents=True, exist_ok=True)
    written = []
    for seed, image in zip(request.seeds, pixels, strict=True):
        written.append(write_png(request.out / f"seed{seed:04d}.png", grid_image(image[None], margin=0)).name)
    if request.grid:
        written.append(write_png(request.out / "grid.png", grid_image(pixels)).name)
    if request.interpolate:
        frames = []
        for index, (start, end) in enumerate(zip(ws[:-1], ws[1:], strict=True)):
            for w in latents.lerp_steps(start[None], end[None], request.interpolate):
                frames.append(latents.render(generator, w, request.seeds[index], device))
        strip = grid_image(_pixels(frames), columns=request.interpolate)
        written.append(write_png(request.out / "interpolation.png", strip).name)
    manifest = {"checkpoint": str(request.checkpoint), "step": loaded.meta["step"],
                "epoch": loaded.meta["epoch"], "config_sha256": loaded.meta.get("config_sha256"),
                "seeds": list(request.seeds), "truncation_psi": request.truncation,
                "interpolation_frames": request.interpolate, "files": written,
                "torch_version": torch.__version__}
    atomic_write_text(request.out / MANIFEST, json_text(manifest, sort_keys=False))
    return manifest
