"""The training loop: one D step per real batch (G every n_critic of them), watched, saved, summarised.

A function of its step counter: restoring it with weights, optimizers and RNG states continues a run exactly.
The guard checks every ``CollapseWatchdog.interval`` steps and before each checkpoint (so none holds NaNs).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ukiyoe.common.errors import CheckpointError
from ukiyoe.common.history import write_history
from ukiyoe.gan.assemble import Experiment
from ukiyoe.train import distributed
from ukiyoe.train.batches import RealBatches
from ukiyoe.train.checkpoint_writer import CheckpointWriter
from ukiyoe.train.guard import CollapseGuard
from ukiyoe.train.monitor import EpochAverager, Throughput, progress_bar, save_samples, show_progress
from ukiyoe.train.options import TrainOptions
from ukiyoe.train.phases import make_phases
from ukiyoe.train.rng import capture_rng_state, restore_rng_state, seed_everything
from ukiyoe.train.signals import StopRequested, StopSignals
from ukiyoe.train.steps import Stepper
from ukiyoe.train.tracking import Tracker
from ukiyoe.train.watchdog import CollapseWatchdog

CHECKPOINT_FORMAT = 1
log = logging.getLogger(__name__)
# Test-only seam: callables (step, experiment) run after every step; production code never adds one.
AFTER_STEP_HOOKS: list[Callable[[int, Experiment], None]] = []


@dataclass(frozen=True)
class Paths:
    out: Path
    metrics: Path

    @property
    def samples(self) -> Path:
        return self.out / "samples"


class Trainer:
    def __init__(self, experiment: Experiment, options: TrainOptions, watchdog: CollapseWatchdog,
                 batches: RealBatches, context: distributed.Distributed, device: torch.device, paths: Paths,
                 tracker: Tracker, meta: dict[str, Any], classifier: Any | None = None) -> None:
        self.experiment, self.options, self.batches, self.context = experiment, options, batches, context
        self.device, self.paths, self.tracker, self.meta = device, paths, tracker, meta
        self.steps_per_epoch, self.step = batches.steps_per_epoch, 0
        self.total_steps = options.epochs * self.steps_per_epoch
        self.history: list[dict[str, Any]] = []
        self.averager, self.last_read = EpochAverager(), {}
        self.stepper = Stepper(experiment, make_phases(experiment, options, context, device,
                                                       batches.batch_size))
        self.writer = CheckpointWriter(options.background_checkpoints)
        fixed_real = batches.fixed(watchdog.sample_count)
        self.guard = CollapseGuard(watchdog, experiment, options, fixed_real, context, tracker, paths.out,
                                   classifier, self.writer.wait)
        self.throughput = Throughput(options.batch_size)

    def epoch_of(self, step: int) -> int:
        return min(step, self.total_steps - 1) // self.steps_per_epoch + 1

    def train_step(self) -> dict[str, float]:
        epoch, position = self.step // self.steps_per_epoch + 1, self.step % self.steps_per_epoch
        self.experiment.schedules.learning_rates.apply(self.experiment.optimizers, epoch)
        self.guard.scale_learning_rates()
        real = self.batches.batch(epoch, position)
        values = self.stepper.step(self.step, epoch, real, self.guard.n_critic(epoch))
        self.step += 1
        return values

    def run(self, resume_payload: dict[str, Any] | None) -> dict[str, Any]:
        try:  # every checkpoint is on disk before the run reports or stops
            if resume_payload is not None:
                self.load_state_dict(resume_payload)
                if self.context.is_main and self.history:
                    write_history(self.paths.metrics / "history.csv", self.history)
            else:
                self.save(healthy=True, score=float("nan"))
            self._train()
        except BaseException:
            try:
                self.writer.close()
            except Exception as error:  # the run's own error is the one to report
                log.warning("an earlier checkpoint write failed too: %s", error)
            raise
        self.writer.close()
        return self.summary()

    def _train(self) -> None:
        bar = progress_bar(self.total_steps, self.step, self.context.is_main)
        self.throughput.start()
        with StopSignals() as signals, bar:
            while self.step < self.total_steps:
                values = self.train_step()
                self.throughput.count_step()
                self.averager.add(values)
                for hook in AFTER_STEP_HOOKS:
                    hook(self.step, self.experiment)
                finite = all(math.isfinite(value) for value in values.values())
                reading = self._reading_due()
                if reading:
                    finite = self._read_device_values() and finite
                stopping, diverging = distributed.any_rank(self.context, self.device,
                                                           signals.received is not None, not finite)
                finite = not diverging  # one rank's NaN loss sends every rank into the guard
                if stopping and not reading:  # every rank stops here, so every rank reads
                    finite = self._read_device_values() and finite
                checkpoint_due = stopping or self.step % self.options.checkpoint_every == 0 or (
                    self.step == self.total_steps)
                shown = {**self.last_read, **values, "watchdog/diversity": self.guard.last_diversity}
                show_progress(bar, shown)
                healthy = True
                if checkpoint_due or not finite or self.guard.due(self.step):
                    with self.throughput.between("watchdog", self.device):
                        healthy = self.guard.watch(self.step, self.epoch_of(self.step), finite,
                                                   self.averager, self._roll_back_to)
                    if healthy is None:  # rolled back: continue from the restored step
                        bar.n = self.step
                        continue
                if self.step % self.steps_per_epoch == 0:
                    with self.throughput.between("epoch_ends", self.device):
                        self.end_epoch(self.step // self.steps_per_epoch)
                if checkpoint_due:
                    with self.throughput.between("checkpoints", self.device):
                        self.save(healthy, self.guard.last_diversity,
                                  last=stopping or self.step == self.total_steps)
                if stopping:
                    raise StopRequested(signals.received or 15)
        self.throughput.stop()

    def _reading_due(self) -> bool:
        """Device sums are read at checkpoints, guard checks and epoch ends: the same steps on every rank."""
        return self.step % self.options.checkpoint_every == 0 or self.step == self.total_steps or (
            self.guard.due(self.step) or self.step % self.steps_per_epoch == 0)

    def _read_device_values(self) -> bool:
        """Adds what the phases summed on the device to the epoch means; False if one was not finite."""
        self.averager.add_totals(totals := self.stepper.runner.read())
        self.last_read = {**self.last_read, **totals.last}
        return totals.all_finite

    @torch.no_grad()
    def end_epoch(self, epoch: int) -> None:
        self.throughput.first_epoch_done()
        samples, extras = self.guard.sample(self.experiment.ema, self.options.sample_count, epoch)
        means = distributed.mean_over_ranks(self.context, self.averager.means())
        row: dict[str, Any] = {"epoch": epoch, "step": self.step, **means, **extras,
                               "ema/diversity": float(samples.std(dim=0, unbiased=False).mean())}
        self.history.append(row)
        self.averager = EpochAverager()
        if not self.context.is_main:
            return
        if epoch % self.options.sample_every == 0 or epoch == self.options.epochs:
            save_samples(self.paths.samples / f"epoch-{epoch:04d}.png", samples)
        write_history(self.paths.metrics / "history.csv", self.history)
        self.tracker.log_scalars({k: v for k, v in row.items() if isinstance(v, int | float)}, self.step)

    def save(self, healthy: bool, score: float, last: bool = False) -> None:
        """``last``: the run stops after this checkpoint, so it is on disk before any rank leaves the
        barrier (a launcher ends the other ranks once one has exited)."""
        distributed.check_in_sync(self.context, [*self.experiment.networks.modules().values(),
                                                 self.experiment.ema], self.device)
        rng_states = distributed.gather_objects(self.context, capture_rng_state())
        if self.context.is_main:
            self.writer.save(self.paths.out, self.step, self.state_dict(rng_states), healthy=healthy,
                             score=score, keep_last=self.options.keep_last)
            if last:
                self.writer.wait()
        distributed.barrier(self.context)

    def state_dict(self, rng_states: list[dict[str, Any]]) -> dict[str, Any]:
        """Everything a resume needs, as tensors and plain values (weights-only loadable)."""
        epoch = self.step // self.steps_per_epoch
        loop = {"d_since_g": self.stepper.d_since_g, "averager": self.averager.state_dict(),
                "history": [dict(row) for row in self.history], "steps_per_epoch": self.steps_per_epoch}
        return {"format": CHECKPOINT_FORMAT, "step": self.step, "epoch": epoch,
                **self.experiment.state_dict(), "loop": loop, "rng": rng_states,
                "watchdog": self.guard.state_dict(), "meta": {**self.meta, "step": self.step, "epoch": epoch}}

    def _roll_back_to(self, payload: dict[str, Any]) -> None:
        self.load_state_dict(payload, include_guard=False)  # the guard's remedies outlive the rollback

    def load_state_dict(self, payload: dict[str, Any], include_guard: bool = True) -> None:
        """Continue from ``payload`` at its step, whatever process count wrote it (the batch is global)."""
        self.step, recorded = int(payload["step"]), payload["loop"]["steps_per_epoch"]
        if recorded != self.steps_per_epoch:
            raise CheckpointError(f"{self.paths.out}: checkpoint has {recorded} steps per epoch, this run "
                                  f"{self.steps_per_epoch} (prepared data or batch size changed)")
        self.experiment.load_state_dict(payload)
        self.stepper.runner.invalidate()
        self.stepper.d_since_g = int(payload["loop"]["d_since_g"])
        self.history = [dict(row) for row in payload["loop"]["history"]]
        self.averager = EpochAverager()
        self.averager.load_state_dict(payload["loop"]["averager"])
        states, rank = payload["rng"], self.context.rank
        if rank < len(states):
            restore_rng_state(states[rank])
        else:  # more processes than the checkpoint had: a fresh stream per new rank, not rank 0's copy
            seed_everything(self.options.seed + rank + self.step * len(states))
        if include_guard:
            self.guard.load_state_dict(payload["watchdog"])

    def summary(self) -> dict[str, Any]:
        state = self.guard.state
        summary: dict[str, Any] = {**(self.history[-1] if self.history else {}), "steps": self.step,
                                   "epochs": self.step // self.steps_per_epoch, "rollbacks": state.rollbacks,
                                   "watchdog_events": len(state.events),
                                   "watchdog_detection_epoch": self.guard.detection_epoch(),
                                   **self.throughput.summary(), **self.stepper.runner.describe()}
        if self.device.type == "cuda":
            summary["peak_memory_gib"] = torch.cuda.max_memory_allocated(self.device) / 2**30
        return summary
