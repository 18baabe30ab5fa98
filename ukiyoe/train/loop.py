"""The training loop: per real batch the phases D, lazy Dreg, critic and (every n_critic D steps) G.

The loop is a function of its step counter: the real batch, the epoch and every schedule follow from it, so
restoring the counter, the weights, the optimizers and the RNG states continues a run exactly. The watchdog
runs every ``CollapseWatchdog.interval`` steps and before every checkpoint, so no checkpoint holds NaNs.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from ukiyoe.errors import TrainingError
from ukiyoe.models import Networks, update_ema
from ukiyoe.train import distributed, state
from ukiyoe.train.batches import RealBatches
from ukiyoe.train.checkpoint import load_newest_valid, save_checkpoint
from ukiyoe.train.faults import FaultInjector
from ukiyoe.train.monitor import EpochAverager, gradient_norm, save_grid, value_range, write_history
from ukiyoe.train.options import TrainOptions
from ukiyoe.train.rng import capture_rng_state
from ukiyoe.train.signals import StopRequested, StopSignals
from ukiyoe.train.tracking import Tracker
from ukiyoe.train.watchdog import CollapseProbe, CollapseWatchdog, Indicators, WatchdogState, measure

PHASE_OPTIMIZERS = {
    "D": ("discriminator",),
    "Dreg": ("discriminator",),
    "critic": ("critic",),
    "G": ("generator", "nca"),
}
SCALED_BY_WATCHDOG = ("generator", "nca")
FIXED_Z_SEED_OFFSET = 7919
PROGRESS_KEYS = {"d_loss": "D", "g_loss": "G", "critic_loss": "C", "watchdog/diversity": "div"}


@dataclass
class Components:
    """Everything built from the compiled config that the loop trains."""

    networks: Networks
    ema: torch.nn.Module
    loss: Any
    optimizers: dict[str, torch.optim.Optimizer]
    n_critic: Any
    learning_rates: Any


@dataclass(frozen=True)
class Paths:
    out: Path
    metrics: Path

    @property
    def samples(self) -> Path:
        return self.out / "samples"


class Trainer:
    def __init__(
        self,
        components: Components,
        options: TrainOptions,
        watchdog: CollapseWatchdog,
        batches: RealBatches,
        context: distributed.Distributed,
        device: torch.device,
        paths: Paths,
        tracker: Tracker,
        meta: dict[str, Any],
        classifier: Any | None = None,
    ) -> None:
        self.c, self.options, self.watchdog, self.batches = components, options, watchdog, batches
        self.context, self.device, self.paths, self.tracker, self.meta = context, device, paths, tracker, meta
        self.step, self.d_since_g = 0, 0
        self.history: list[dict[str, Any]] = []
        self.averager = EpochAverager()
        self.watch_state = WatchdogState()
        self.faults = FaultInjector()
        self.steps_per_epoch = batches.steps_per_epoch
        self.total_steps = options.epochs * self.steps_per_epoch
        count = max(options.sample_count, watchdog.sample_count)
        generator = torch.Generator().manual_seed(options.seed + FIXED_Z_SEED_OFFSET)
        self.fixed_z = torch.randn(count, components.networks.generator.z_dim, generator=generator).to(device)
        self.fixed_real = batches.fixed(watchdog.sample_count)
        self.probe = CollapseProbe(self.fixed_real, classifier)
        self.steps_run, self.seconds = 0, 0.0
        self.last_diversity = float("nan")
        self.warm_mark: tuple[int, float] | None = None
        self.finished: float | None = None

    # ----------------------------------------------------------------- one step
    def epoch_of(self, step: int) -> int:
        return min(step, self.total_steps - 1) // self.steps_per_epoch + 1

    def _z(self) -> torch.Tensor:
        return torch.randn(self.options.batch_size, self.c.networks.generator.z_dim, device=self.device)

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.options.amp == "bf16":
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _set_learning_rates(self, epoch: int) -> None:
        self.c.learning_rates.apply(self.c.optimizers, epoch)
        for name in SCALED_BY_WATCHDOG:
            if name in self.c.optimizers:
                for group in self.c.optimizers[name].param_groups:
                    group["lr"] *= self.watch_state.lr_scale

    def _phase(self, phase: str, real: torch.Tensor, epoch: int) -> dict[str, float]:
        for optimizer in self.c.optimizers.values():
            optimizer.zero_grad(set_to_none=True)
        with self._autocast():
            values = self.c.loss.accumulate_gradients(phase, real, self._z(), epoch)
        names = [name for name in PHASE_OPTIMIZERS[phase] if name in self.c.optimizers]
        if not values or values.get("critic_trains") == 0.0:
            return dict(values)
        out = dict(values)
        for name in names:
            params = [p for group in self.c.optimizers[name].param_groups for p in group["params"]]
            distributed.average_gradients(self.context, params)
            out[f"grad_norm/{name}"] = gradient_norm(params)
        for name in names:
            self.c.optimizers[name].step()
        return out

    def train_step(self) -> dict[str, float]:
        epoch, position = self.step // self.steps_per_epoch + 1, self.step % self.steps_per_epoch
        self._set_learning_rates(epoch)
        real = self.batches.batch(epoch, position)
        values = self._phase("D", real, epoch)
        interval = self.c.loss.dreg_interval
        if interval and (self.step + 1) % interval == 0:
            values.update(self._phase("Dreg", real, epoch))
        if self.c.networks.critic is not None:
            values.update(self._phase("critic", real, epoch))
        self.d_since_g += 1
        if self.d_since_g >= self.c.n_critic(epoch) + self.watch_state.n_critic_bonus:
            values.update(self._phase("G", real, epoch))
            update_ema(self.c.ema, self.c.networks.generator, self.options.ema_beta)
            self.d_since_g = 0
        self.step += 1
        values.update({f"lr/{name}": opt.param_groups[0]["lr"] for name, opt in self.c.optimizers.items()})
        return values

    # ----------------------------------------------------------------- watchdog
    @torch.no_grad()
    def _sample(
        self, module: torch.nn.Module, count: int, epoch: int
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """Fixed-z samples without touching the training RNG streams (so checks never change training)."""
        devices = [self.device.index or 0] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(self.options.seed + FIXED_Z_SEED_OFFSET)
            was_training = module.training
            module.eval()
            output = module.synthesize(self.fixed_z[:count], self.c.loss.growth.nca_step_scale(epoch))
            module.train(was_training)
        extras = value_range(output.image) if torch.isfinite(output.image).all() else {}
        if output.alive_ratio is not None:
            extras["nca/alive_ratio"] = float(output.alive_ratio)
        return output.image.float(), extras

    @torch.no_grad()
    def check_health(self, losses_finite: bool = True) -> tuple[Indicators, dict[str, float]]:
        epoch = self.epoch_of(self.step)
        samples, extras = self._sample(self.c.networks.generator, self.watchdog.sample_count, epoch)
        discriminator = self.c.networks.discriminator
        was_training = discriminator.training
        discriminator.eval()
        real_logits, fake_logits = discriminator(self.fixed_real), discriminator(samples)
        discriminator.train(was_training)
        modules = list(self.c.networks.modules().values())
        indicators = measure(
            samples,
            real_logits,
            fake_logits,
            modules,
            self.watchdog.duplicate_distance,
            self.probe,
            extras.get("nca/alive_ratio"),
            epoch,
        )
        if not losses_finite:
            indicators = Indicators(float("nan"), float("nan"), float("nan"), False)
        return indicators, extras

    def watch(self, losses_finite: bool = True) -> bool | None:
        """Check health; True healthy, False unhealthy but kept, None after a rollback."""
        indicators, extras = self.check_health(losses_finite)
        self.last_diversity = indicators.diversity
        decision, reasons = self.watchdog.decide(indicators, self.watch_state)
        rollback = distributed.any_rank(self.context, decision == "rollback", self.device)
        if rollback:
            decision = "rollback"
        epoch = self.epoch_of(self.step)
        applied = {
            "lr/generator": self.c.optimizers["generator"].param_groups[0]["lr"],
            "n_critic": self.c.n_critic(epoch) + self.watch_state.n_critic_bonus,
        }
        self.tracker.log_scalars({**indicators.as_dict(), **extras, **applied}, self.step)
        self.averager.add({**indicators.as_dict(), **extras})
        if decision == "ok":
            return not reasons
        event: dict[str, Any] = {
            "step": self.step,
            "epoch": self.epoch_of(self.step),
            "action": decision,
            "reasons": reasons,
        }
        if decision == "log":
            if self.watch_state.strikes == self.watchdog.patience:
                self._report(event)
            return False
        if self.watch_state.rollbacks >= self.watchdog.max_rollbacks:
            event["action"] = "stop"
            self._report(event)
            raise TrainingError(
                f"collapse watchdog: {'; '.join(reasons)} at step {self.step} after "
                f"{self.watch_state.rollbacks} rollback(s) (max_rollbacks={self.watchdog.max_rollbacks}); "
                f"stopping, last healthy checkpoint in {self.paths.out}"
            )
        self.watch_state.rollbacks += 1
        event["remedies"] = self.watchdog.apply_remedies(self.watch_state)
        event["rolled_back_to"] = self._rollback()
        self._report(event)
        return None

    def _report(self, event: dict[str, Any]) -> None:
        self.watch_state.events.append(event)
        if not self.context.is_main:
            return
        self.tracker.append_event(event)
        self.tracker.log_scalars(
            {
                "watchdog/rollbacks": self.watch_state.rollbacks,
                "watchdog/lr_scale": self.watch_state.lr_scale,
                "watchdog/n_critic_bonus": self.watch_state.n_critic_bonus,
            },
            self.step,
        )
        remedy = f"; remedies: {', '.join(event['remedies'])}" if event.get("remedies") else ""
        target = f"; rolled back to step {event['rolled_back_to']}" if "rolled_back_to" in event else ""
        tqdm.write(
            f"watchdog: step {event['step']}: {event['action']} ({'; '.join(event['reasons'])})"
            f"{target}{remedy}"
        )

    def _rollback(self) -> int:
        found = load_newest_valid(self.paths.out, self.device, healthy_only=True)
        if found is None:
            raise TrainingError(
                f"collapse watchdog: no healthy checkpoint to roll back to in {self.paths.out}"
            )
        entry, payload = found
        self.restore(payload, include_watchdog=False)
        return entry.step

    # ----------------------------------------------------------------- checkpoints
    def payload(self, rng_states: list[dict[str, Any]]) -> dict[str, Any]:
        return state.snapshot(self, rng_states)

    def restore(self, payload: dict[str, Any], include_watchdog: bool = True) -> None:
        state.restore(self, payload, include_watchdog)

    def save(self, healthy: bool, score: float) -> None:
        distributed.check_in_sync(self.context, list(self.c.networks.modules().values()), self.device)
        rng_states = distributed.gather_objects(self.context, capture_rng_state())
        if self.context.is_main:
            save_checkpoint(
                self.paths.out,
                self.step,
                self.payload(rng_states),
                healthy=healthy,
                score=score,
                keep_last=self.options.keep_last,
            )
        distributed.barrier(self.context)

    # ----------------------------------------------------------------- epochs and the run
    @torch.no_grad()
    def end_epoch(self, epoch: int) -> None:
        if self.warm_mark is None:
            self.warm_mark = (self.steps_run, time.perf_counter())
        samples, extras = self._sample(self.c.ema, self.options.sample_count, epoch)
        means = self.averager.means()
        row: dict[str, Any] = {
            "epoch": epoch,
            "step": self.step,
            **means,
            **extras,
            "ema/diversity": float(samples.std(dim=0, unbiased=False).mean()),
        }
        self.history.append(row)
        self.averager = EpochAverager()
        if not self.context.is_main:
            return
        if epoch % self.options.sample_every == 0 or epoch == self.options.epochs:
            save_grid(self.paths.samples / f"epoch-{epoch:04d}.png", samples)
        write_history(self.paths.metrics / "history.csv", self.history)
        self.tracker.log_scalars({k: v for k, v in row.items() if isinstance(v, int | float)}, self.step)

    def run(self, resume_payload: dict[str, Any] | None) -> dict[str, Any]:
        if resume_payload is not None:
            self.restore(resume_payload)
            if self.context.is_main and self.history:
                write_history(self.paths.metrics / "history.csv", self.history)
        else:
            self.save(healthy=True, score=float("nan"))
        bar = tqdm(
            total=self.total_steps,
            initial=self.step,
            disable=not self.context.is_main,
            unit="step",
            dynamic_ncols=True,
            mininterval=1.0,
        )
        started = time.perf_counter()
        with StopSignals() as signals, bar:
            while self.step < self.total_steps:
                values = self.train_step()
                self.steps_run += 1
                self.averager.add(values)
                self.faults.after_step(self.step, self.c.networks.generator)
                bar.update(1)
                shown = {**values, "watchdog/diversity": self.last_diversity}
                bar.set_postfix(
                    {short: f"{shown[key]:.3g}" for key, short in PROGRESS_KEYS.items() if key in shown},
                    refresh=False,
                )
                finite = all(math.isfinite(value) for value in values.values())
                stopping = distributed.any_rank(self.context, signals.received is not None, self.device)
                checkpoint_due = (
                    stopping
                    or self.step % self.options.checkpoint_every == 0
                    or self.step == self.total_steps
                )
                healthy = True
                if checkpoint_due or not finite or self.step % self.watchdog.interval == 0:
                    healthy = self.watch(finite)
                    if healthy is None:
                        bar.n = self.step
                        continue
                if self.step % self.steps_per_epoch == 0:
                    self.end_epoch(self.step // self.steps_per_epoch)
                if checkpoint_due:
                    self.save(healthy, self.last_diversity)
                if stopping:
                    raise StopRequested(signals.received or 15)
        self.finished = time.perf_counter()
        self.seconds = self.finished - started
        return self.summary()

    def _warm_throughput(self) -> float:
        """Images/s after this process's first epoch: compilation and autotuning excluded."""
        per_step = self.options.batch_size * self.context.world_size
        if self.warm_mark is None or self.finished is None or self.steps_run == self.warm_mark[0]:
            return self.steps_run * per_step / max(self.seconds, 1e-9)
        steps, since = self.steps_run - self.warm_mark[0], self.finished - self.warm_mark[1]
        return steps * per_step / since

    def summary(self) -> dict[str, Any]:
        images = self.steps_run * self.options.batch_size * self.context.world_size
        summary: dict[str, Any] = {
            **(self.history[-1] if self.history else {}),
            "steps": self.step,
            "epochs": self.step // self.steps_per_epoch,
            "rollbacks": self.watch_state.rollbacks,
            "watchdog_events": len(self.watch_state.events),
            "watchdog_detection_epoch": next(
                (
                    e["epoch"]
                    for e in self.watch_state.events
                    if e["reasons"] != ["non-finite weights or samples"]
                ),
                None,
            ),
            "seconds": round(self.seconds, 3),
            "images_per_second": images / self.seconds if self.seconds > 0 else 0.0,
            "images_per_second_after_first_epoch": self._warm_throughput(),
        }
        if self.device.type == "cuda":
            summary["peak_memory_gib"] = torch.cuda.max_memory_allocated(self.device) / 2**30
        return summary
