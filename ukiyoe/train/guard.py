"""The collapse guard: watch a run on fixed batches, report what it sees, roll back when it must.

It owns the watchdog's state (remedies applied, rollbacks, strikes), which survives a rollback and is saved
with every checkpoint; under several processes every rank decides from the same indicators. Samples are
drawn with a private seed, so watching never changes training.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from ukiyoe.common.errors import TrainingError
from ukiyoe.gan.assemble import Experiment
from ukiyoe.gan.checkpoint import load_newest_valid
from ukiyoe.gan.sampling import private_rng
from ukiyoe.train import distributed
from ukiyoe.train.monitor import EpochAverager, value_range
from ukiyoe.train.options import TrainOptions
from ukiyoe.train.tracking import Tracker
from ukiyoe.train.watchdog import CollapseProbe, CollapseWatchdog, Indicators, WatchdogState, measure

FIXED_Z_SEED_OFFSET = 7919
# The ``halve_gen_lr`` remedy scales the generator's optimizer only; the NCA keeps its own rate.
SCALED_BY_REMEDY = ("generator",)


def agreed(per_rank: list[Indicators]) -> Indicators:
    """What every rank decides on: the first non-finite rank's indicators, else rank 0's.

    The weights are identical, but kernels may round differently per device; deciding from one set of
    numbers keeps the strike counts, remedies and rollbacks of all ranks in step."""
    return next((indicators for indicators in per_rank if not indicators.finite), per_rank[0])


class CollapseGuard:
    def __init__(self, watchdog: CollapseWatchdog, experiment: Experiment, options: TrainOptions,
                 fixed_real: torch.Tensor, context: distributed.Distributed, tracker: Tracker, out: Path,
                 classifier: Any | None = None, checkpoints_written: Callable[[], None] = lambda: None):
        self.watchdog, self.experiment, self.context, self.tracker, self.out = (
            watchdog, experiment, context, tracker, out)
        self.checkpoints_written = checkpoints_written  # waits for a checkpoint still being written
        self.device, self.fixed_real = fixed_real.device, fixed_real
        self.seed = options.seed + FIXED_Z_SEED_OFFSET
        count = max(options.sample_count, watchdog.sample_count)
        z_dim = experiment.networks.generator.z_dim
        generator = torch.Generator().manual_seed(self.seed)
        self.fixed_z = torch.randn(count, z_dim, generator=generator).to(self.device)
        self.state = WatchdogState()
        self.last_diversity = float("nan")
        self.probe = CollapseProbe(fixed_real, classifier)  # the real batch through the collapse checks

    def detection_epoch(self) -> int | None:
        """The epoch of the first collapse event (NaN rollbacks are not collapse), None when none fired."""
        found = (e["epoch"] for e in self.state.events if e["reasons"] != ["non-finite weights or samples"])
        return next(found, None)

    def due(self, step: int) -> bool:
        return step % self.watchdog.interval == 0

    def n_critic(self, epoch: int) -> int:
        """D steps per G step now: the schedule's plus what the ``raise_n_critic`` remedy added."""
        return self.experiment.schedules.n_critic(epoch) + self.state.n_critic_bonus

    def scale_learning_rates(self) -> None:
        for name in SCALED_BY_REMEDY:
            for group in self.experiment.optimizers[name].param_groups:
                group["lr"] *= self.state.lr_scale

    @torch.no_grad()
    def sample(self, module: torch.nn.Module, count: int, epoch: int
               ) -> tuple[torch.Tensor, dict[str, float]]:
        """Fixed-z samples (and their value range, NCA alive ratio) from ``module`` at ``epoch``."""
        with private_rng(self.seed, self.device):
            was_training = module.training
            module.eval()
            scale = self.experiment.schedules.growth.nca_step_scale(epoch)
            output = module.synthesize(self.fixed_z[:count], scale)
            module.train(was_training)
        extras = value_range(output.image) if torch.isfinite(output.image).all() else {}
        if output.alive_ratio is not None:
            extras["nca/alive_ratio"] = float(output.alive_ratio)
        return output.image.float(), extras

    @torch.no_grad()
    def check(self, epoch: int, losses_finite: bool) -> tuple[Indicators, dict[str, float]]:
        networks = self.experiment.networks
        samples, extras = self.sample(networks.generator, self.watchdog.sample_count, epoch)
        discriminator = networks.discriminator
        was_training = discriminator.training
        discriminator.eval()
        real_logits, fake_logits = discriminator(self.fixed_real), discriminator(samples)
        discriminator.train(was_training)
        modules = list(networks.modules().values())
        indicators = measure(samples, real_logits, fake_logits, modules, self.watchdog.duplicate_distance,
                             self.probe, extras.get("nca/alive_ratio"), epoch)
        if not losses_finite:
            indicators = Indicators(float("nan"), float("nan"), float("nan"), False)
        return indicators, extras

    def watch(self, step: int, epoch: int, losses_finite: bool, averager: EpochAverager,
              restore: Callable[[dict[str, Any]], None]) -> bool | None:
        """Check health; True healthy, False unhealthy but kept, None after a rollback through ``restore``."""
        indicators, extras = self.check(epoch, losses_finite)
        indicators = agreed(distributed.gather_objects(self.context, indicators))
        self.last_diversity = indicators.diversity
        decision, reasons = self.watchdog.decide(indicators, self.state)
        applied = {"lr/generator": self.experiment.optimizers["generator"].param_groups[0]["lr"],
                   "n_critic": self.n_critic(epoch)}
        self.tracker.log_scalars({**indicators.as_dict(), **extras, **applied}, step)
        averager.add({**indicators.as_dict(), **extras})
        if decision == "ok":
            return not reasons
        event: dict[str, Any] = {"step": step, "epoch": epoch, "action": decision, "reasons": reasons}
        if decision == "log":
            if self.state.strikes == self.watchdog.patience:
                self._report(event, step)
            return False
        if self.state.rollbacks >= self.watchdog.max_rollbacks:
            event["action"] = "stop"
            self._report(event, step)
            raise TrainingError(
                f"collapse watchdog: {'; '.join(reasons)} at step {step} after {self.state.rollbacks} "
                f"rollback(s) (max_rollbacks={self.watchdog.max_rollbacks}); stopping, last healthy "
                f"checkpoint in {self.out}"
            )
        self.state.rollbacks += 1
        event["remedies"] = self.watchdog.apply_remedies(self.state)
        event["rolled_back_to"] = self._rollback(restore)
        self._report(event, event["rolled_back_to"])
        return None

    def _rollback(self, restore: Callable[[dict[str, Any]], None]) -> int:
        self._wait_for_writes()
        found = load_newest_valid(self.out, self.device, healthy_only=True)
        if found is None:
            raise TrainingError(f"collapse watchdog: no healthy checkpoint to roll back to in {self.out}")
        entry, payload = found
        restore(payload)
        return entry.step

    def _wait_for_writes(self) -> None:
        """Rank 0's last write is on disk before any rank reads; when it failed, every rank stops (the
        others would wait for it forever)."""
        error: Exception | None = None
        try:
            self.checkpoints_written()
        except Exception as raised:  # noqa: BLE001 - every rank must hear of it before raising
            error = raised
        [failed] = distributed.any_rank(self.context, self.device, error is not None)
        if error is not None:
            raise error
        if failed:
            raise TrainingError(f"collapse watchdog: a checkpoint write failed on another rank ({self.out})")

    def _report(self, event: dict[str, Any], step: int) -> None:
        self.state.events.append(event)
        if not self.context.is_main:
            return
        self.tracker.append_event(event)
        self.tracker.log_scalars({"watchdog/rollbacks": self.state.rollbacks,
                                  "watchdog/lr_scale": self.state.lr_scale,
                                  "watchdog/n_critic_bonus": self.state.n_critic_bonus}, step)
        remedy = f"; remedies: {', '.join(event['remedies'])}" if event.get("remedies") else ""
        target = f"; rolled back to step {event['rolled_back_to']}" if "rolled_back_to" in event else ""
        tqdm.write(f"watchdog: step {event['step']}: {event['action']} ({'; '.join(event['reasons'])})"
                   f"{target}{remedy}")

    def state_dict(self) -> dict[str, Any]:
        return self.state.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.state = WatchdogState.from_state_dict(state)
