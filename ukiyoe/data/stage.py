"""The prepare stage end to end: params.yaml's ``data:`` block → ``data/prepared/`` (and a contact sheet)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PrepareRequest:
    params: Path
    out: Path
    grid: Path | None = None


def run(request: PrepareRequest) -> dict[str, Any]:
    """Build the prepared data set; returns its manifest. Relative data paths are read from params' folder."""
    from ukiyoe.data.params import load_params
    from ukiyoe.data.prepare import prepare

    params = load_params(request.params)
    manifest = prepare(params, request.out, request.params.resolve().parent)
    if request.grid is not None:
        from ukiyoe.data.loader import load_prepared
        from ukiyoe.data.sample_grid import save_grid

        prepared = load_prepared(request.out)
        save_grid(prepared.images, prepared.labels, prepared.num_modes, request.grid)
    return manifest
