"""Training curves: step values averaged per epoch (rows of ``history.csv``); final values split into the
headline ``summary.json`` (speed and wall time, what a reader compares across runs) and ``details.json``
(every other final value); fixed-z sample grids as PNG.

Epoch rows live in the checkpoint too, so a resumed run rewrites the same history it would have written.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from ukiyoe.common.files import atomic_write_json
from ukiyoe.common.images import grid_image, nchw_to_nhwc, to_uint8, write_png
from ukiyoe.train.device_means import Totals

SUMMARY_FILE, DETAILS_FILE = "summary.json", "details.json"
HEADLINE_KEYS = ("images_per_second", "seconds")


def value_range(images: torch.Tensor) -> dict[str, float]:
    return {"samples/value_min": float(images.min()), "samples/value_max": float(images.max())}


class EpochAverager:
    """Running means of step values within one epoch."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, values: dict[str, float]) -> None:
        for name, value in values.items():
            if isinstance(value, int | float) and math.isfinite(value):
                self.sums[name] += float(value)
                self.counts[name] += 1

    def add_totals(self, totals: Totals) -> None:
        """Adds what the device summed since its last read (``DeviceMeans``)."""
        for name, count in totals.counts.items():
            self.sums[name] += totals.sums[name]
            self.counts[name] += count

    def means(self) -> dict[str, float]:
        return {name: self.sums[name] / self.counts[name] for name in self.sums}

    def state_dict(self) -> dict[str, Any]:
        return {"sums": dict(self.sums), "counts": dict(self.counts)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.sums = defaultdict(float, state["sums"])
        self.counts = defaultdict(int, state["counts"])


def write_summary(metrics_dir: Path, summary: dict[str, Any]) -> None:
    """``summary.json`` holds the headline keys, ``details.json`` the rest."""
    headline = {key: summary[key] for key in HEADLINE_KEYS if key in summary}
    atomic_write_json(metrics_dir / SUMMARY_FILE, headline)
    atomic_write_json(metrics_dir / DETAILS_FILE, {k: v for k, v in summary.items() if k not in headline})


def save_samples(path: Path, images: torch.Tensor) -> None:
    """Images in [-1, 1], shape (N, C, H, W), as one PNG grid."""
    write_png(path, grid_image(nchw_to_nhwc(to_uint8(images))))


class Throughput:
    """Images per second over the run, and after the first epoch (compilation and autotuning excluded),
    with the seconds the loop spent between steps in that window (checkpoints, epoch ends, the watchdog):
    the same seconds cost a faster step a larger share."""

    def __init__(self, images_per_step: int) -> None:
        self.images_per_step = images_per_step
        self.steps = 0
        self.started = self.finished = time.perf_counter()
        self.warm: tuple[int, float] | None = None
        self.between_steps: dict[str, float] = defaultdict(float)

    @contextmanager
    def between(self, part: str, device: torch.device) -> Iterator[None]:
        """Times loop work outside the steps. The GPU's queue is drained first (these points read from the
        GPU anyway), so the steps' own kernels are not counted here."""
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        try:
            yield
        finally:
            if self.warm is not None:
                self.between_steps[part] += time.perf_counter() - start

    def start(self) -> None:
        self.started = time.perf_counter()

    def count_step(self) -> None:
        self.steps += 1

    def first_epoch_done(self) -> None:
        if self.warm is None:
            self.warm = (self.steps, time.perf_counter())

    def stop(self) -> None:
        self.finished = time.perf_counter()

    def summary(self) -> dict[str, float]:
        seconds = self.finished - self.started
        images = self.steps * self.images_per_step
        if self.warm is None or self.steps == self.warm[0]:
            warm_rate = images / max(seconds, 1e-9)
        else:
            warm_rate = (self.steps - self.warm[0]) * self.images_per_step / (self.finished - self.warm[1])
        between = {f"seconds_after_first_epoch/{part}": round(value, 3)
                   for part, value in self.between_steps.items()}
        if self.warm is not None:
            between["seconds_after_first_epoch"] = round(self.finished - self.warm[1], 3)
        return {"seconds": round(seconds, 3), "images_per_second": images / seconds if seconds > 0 else 0.0,
                "images_per_second_after_first_epoch": warm_rate, **between}


PROGRESS_KEYS = {"d_loss": "D", "g_loss": "G", "critic_loss": "C", "watchdog/diversity": "div"}


def progress_bar(total: int, initial: int, enabled: bool) -> tqdm:
    return tqdm(total=total, initial=initial, disable=not enabled, unit="step", dynamic_ncols=True,
                mininterval=1.0)


def progress_postfix(values: dict[str, float]) -> dict[str, str]:
    """The losses and the watchdog's diversity, which is NaN (and left out) until its first check."""
    unmeasured = not math.isfinite(values.get("watchdog/diversity", 0.0))
    shown = {key: value for key, value in values.items() if not (unmeasured and key == "watchdog/diversity")}
    return {short: f"{shown[key]:.3g}" for key, short in PROGRESS_KEYS.items() if key in shown}


def show_progress(bar: tqdm, values: dict[str, float]) -> None:
    """One step forward, with the losses and the last watchdog diversity beside the bar."""
    bar.update(1)
    bar.set_postfix(progress_postfix(values), refresh=False)
