"""An in-process training rig for the benchmarks: the ``Trainer`` that ``ukiyoe train`` builds, on random
images, without files, Sacred or checkpoints, so single steps can be timed, profiled and compared.

``window`` runs the loop's per-step work: the step, and at the loop's cadence the read of the values kept
on the device and the watchdog's check.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

REPO = Path(__file__).resolve().parents[1]


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The run the speed benchmarks measure: fixed.gin, full profile, 64 px, batch 32 by default."""
    parser.add_argument("--experiment", default="experiments/fixed.gin")
    parser.add_argument("--profile", default="full")
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32)


@dataclass
class Rig:
    trainer: Any
    device: torch.device
    batch_size: int

    def window(self, steps: int) -> None:
        trainer = self.trainer
        for _ in range(steps):
            trainer.train_step()
            if trainer.guard.due(trainer.step):
                trainer.stepper.runner.read()
                trainer.guard.check(trainer.epoch_of(trainer.step), True)

    def sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def images_per_second(self, steps: int) -> float:
        """``steps`` steps of ``window``, timed from an idle GPU to an idle GPU."""
        self.sync()
        start = time.perf_counter()
        self.window(steps)
        self.sync()
        return steps * self.batch_size / (time.perf_counter() - start)


def write_params(path: Path, profile: str, batch_size: int, resolution: int, epochs: int = 300,
                 count: int = 4096, source: str = "synthetic", seed: int | None = None,
                 data_path: str | None = None) -> None:
    """A benchmark run's params.yaml: the committed one (its learning rates, and its seed unless given)
    with these sizes and data source (``data_path``: the folder or archive a folder source reads)."""
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params.update(profile=profile, batch_size=batch_size, epochs=epochs, resolution=resolution)
    if seed is not None:
        params["seed"] = seed
    params["data"] = {**params.get("data", {}), "source": source, "count": count}
    if data_path is not None:
        params["data"]["path"] = data_path
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def build_rig(experiment: str, profile: str, batch_size: int, resolution: int, binds: list[str],
              images: int = 4096, seed: int = 0) -> Rig:
    from ukiyoe.config import activate, compile_experiment
    from ukiyoe.configurables import CONFIGURABLE_MODULES
    from ukiyoe.train import distributed
    from ukiyoe.train.batches import RealBatches
    from ukiyoe.train.loop import Paths, Trainer
    from ukiyoe.train.options import TrainOptions
    from ukiyoe.train.stage import build_experiment, configure_determinism, select_device
    from ukiyoe.train.tracking import Tracker
    from ukiyoe.train.watchdog import CollapseWatchdog

    work = Path(tempfile.mkdtemp(prefix="ukiyoe-rig-"))
    write_params(work / "params.yaml", profile, batch_size, resolution, count=images)
    compiled = compile_experiment(REPO / experiment, work / "params.yaml", binds,
                                  modules=CONFIGURABLE_MODULES)
    activate(compiled, CONFIGURABLE_MODULES)
    options, watchdog, context = TrainOptions(), CollapseWatchdog(), distributed.Distributed()
    device = select_device(options.device, context)
    configure_determinism(options, device)
    built = build_experiment(options, device, context)
    pixels = np.random.default_rng(seed).integers(0, 256, (images, resolution, resolution, 3), dtype=np.uint8)
    batches = RealBatches(pixels, options.batch_size, options.seed, context, device, options.channels_last)
    paths = Paths(work, work)
    trainer = Trainer(built, options, watchdog, batches, context, device, paths, Tracker(None), {})
    return Rig(trainer, device, options.batch_size)
