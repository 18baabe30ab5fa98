"""The prepare stage: build the chosen source, split it into train and held-out images (``heldout/``) and
write ``data/prepared/`` atomically (a temporary sibling directory renamed into place), so a failed prepare
leaves the previous output untouched. Same params and inputs give byte-identical files."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ukiyoe.common.errors import DataError
from ukiyoe.common.files import json_text, sha256_files
from ukiyoe.data.params import DataParams
from ukiyoe.data.sources import Built, build
from ukiyoe.data.split import HELDOUT_DIR, SPLIT_FILE, split_indices

MANIFEST_FORMAT = 1


def write_images(built: Built, chosen: np.ndarray, directory: Path) -> list[Path]:
    """``images.npy`` (and ``labels.npy``) of the ``chosen`` built images; returns the files written."""
    directory.mkdir(exist_ok=True)
    images = np.ascontiguousarray(built.images[chosen], dtype=np.uint8)
    np.save(directory / "images.npy", images, allow_pickle=False)
    written = [directory / "images.npy"]
    if built.labels is not None:
        np.save(directory / "labels.npy", built.labels[chosen].astype(np.int64), allow_pickle=False)
        written.append(directory / "labels.npy")
    return written


def write_prepared(built: Built, params: DataParams, directory: Path) -> dict[str, Any]:
    """Write every output file into ``directory``; return the manifest."""
    split = split_indices(len(built.images), params.heldout, params.seed, built.groups)
    hashed = write_images(built, split.train, directory)
    hashed += write_images(built, split.heldout, directory / HELDOUT_DIR)
    np.save(directory / SPLIT_FILE, split.mask(), allow_pickle=False)
    (directory / "rejected.json").write_text(json_text(built.rejected, sort_keys=False))
    classifier_summary = None
    if built.classifier is not None:
        from ukiyoe.data.classifier import save_classifier

        save_classifier(*built.classifier, directory)
        classifier_summary = {key: built.classifier[2][key] for key in ("accuracy", "heldout")}
    manifest = {
        "format": MANIFEST_FORMAT,
        "source": params.source,
        "params": params.to_dict(),
        "count": int(len(split.train)),
        "heldout_count": int(len(split.heldout)),
        "heldout_fraction": params.heldout,
        "resolution": params.resolution,
        "num_modes": built.num_modes,
        "inputs": built.inputs,
        "rejected_count": len(built.rejected),
        "classifier": classifier_summary,
        "dataset_sha256": sha256_files(*hashed),
        **built.extra,
    }
    (directory / "manifest.json").write_text(json_text(manifest, sort_keys=False))
    return manifest


def replace_directory(out: Path, fill: Callable[[Path], Any]) -> Any:
    """Fill a fresh temporary sibling of ``out`` and swap it in; on any failure ``out`` is untouched."""
    if out.exists() and not out.is_dir():
        raise DataError(f"--out: {out} exists and is not a directory")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    try:
        result = fill(staging)
        staging.chmod(0o755)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    retired = out.with_name(f".{out.name}.retired-{os.getpid()}")
    if out.exists():
        out.rename(retired)
    try:
        staging.rename(out)
    except OSError as error:
        if retired.exists():
            retired.rename(out)
        shutil.rmtree(staging, ignore_errors=True)
        raise DataError(f"--out: cannot move the prepared data into {out} ({error})") from None
    shutil.rmtree(retired, ignore_errors=True)
    return result


def prepare(params: DataParams, out: Path, base_dir: Path) -> dict[str, Any]:
    """Build and write the prepared data set; return its manifest."""
    built = build(params, base_dir)
    return replace_directory(out, lambda staging: write_prepared(built, params, staging))
