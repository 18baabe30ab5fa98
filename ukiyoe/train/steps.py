"""One training step: the phases D, lazy Dreg, critic and (every n_critic D steps) G on one real batch.

The loss fills gradients; this module averages them across processes, steps the phase's optimizers and
updates the EMA generator after each G step.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch

from ukiyoe.gan.assemble import Experiment
from ukiyoe.gan.networks import update_ema
from ukiyoe.train import distributed
from ukiyoe.train.monitor import gradient_norm

PHASE_OPTIMIZERS = {
    "D": ("discriminator",),
    "Dreg": ("discriminator",),
    "critic": ("critic",),
    "G": ("generator", "nca"),
}


class Stepper:
    def __init__(self, experiment: Experiment, batch_size: int, ema_beta: float, amp: str | None,
                 context: distributed.Distributed, device: torch.device):
        self.experiment, self.batch_size, self.ema_beta, self.amp = experiment, batch_size, ema_beta, amp
        self.context, self.device = context, device
        self.d_since_g = 0

    def step(self, step: int, epoch: int, real: torch.Tensor, n_critic: int) -> dict[str, float]:
        """D step number ``step`` (0-based) in ``epoch``; G follows once ``n_critic`` D steps have run."""
        experiment = self.experiment
        values = self._phase("D", real, epoch)
        interval = experiment.loss.dreg_interval
        if interval and (step + 1) % interval == 0:
            values.update(self._phase("Dreg", real, epoch))
        if experiment.networks.critic is not None:
            values.update(self._phase("critic", real, epoch))
        self.d_since_g += 1
        if self.d_since_g >= n_critic:
            values.update(self._phase("G", real, epoch))
            update_ema(experiment.ema, experiment.networks.generator, self.ema_beta)
            self.d_since_g = 0
        values.update({f"lr/{name}": optimizer.param_groups[0]["lr"]
                       for name, optimizer in experiment.optimizers.items()})
        return values

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.amp == "bf16":
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _phase(self, phase: str, real: torch.Tensor, epoch: int) -> dict[str, float]:
        optimizers = self.experiment.optimizers
        for optimizer in optimizers.values():
            optimizer.zero_grad(set_to_none=True)
        z = torch.randn(self.batch_size, self.experiment.networks.generator.z_dim, device=self.device)
        with self._autocast():
            values = dict(self.experiment.loss.accumulate_gradients(phase, real, z, epoch))
        if not values or values.get("critic_trains") == 0.0:
            return values
        names = [name for name in PHASE_OPTIMIZERS[phase] if name in optimizers]
        for name in names:
            params = [p for group in optimizers[name].param_groups for p in group["params"]]
            distributed.average_gradients(self.context, params)
            values[f"grad_norm/{name}"] = gradient_norm(params)
        for name in names:
            optimizers[name].step()
        return values
