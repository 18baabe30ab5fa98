"""One training step: the phases D, lazy Dreg, critic and (every n_critic D steps) G on one real batch.

How each phase runs (eagerly with a host read per phase, or recorded and replayed without host reads) is
the ``PhaseRunner``'s business (``ukiyoe.train.phases``); this module only decides which phases a step has.
"""

from __future__ import annotations

import torch

from ukiyoe.gan.assemble import Experiment
from ukiyoe.train.phases import PhaseRunner


class Stepper:
    def __init__(self, experiment: Experiment, runner: PhaseRunner):
        self.experiment, self.runner = experiment, runner
        self.d_since_g = 0

    def step(self, step: int, epoch: int, real: torch.Tensor, n_critic: int) -> dict[str, float]:
        """D step number ``step`` (0-based) in ``epoch``; G (and the EMA) follows once ``n_critic`` D steps
        have run. Returns the values on the host now; the runner keeps the others until ``read``."""
        experiment = self.experiment
        phases = ["D"]
        interval = experiment.loss.dreg_interval
        if interval and (step + 1) % interval == 0:
            phases.append("Dreg")
        if experiment.networks.critic is not None:
            phases.append("critic")
        self.d_since_g += 1
        if self.d_since_g >= n_critic:
            phases.append("G")
            self.d_since_g = 0
        values = self.runner.run_step(phases, real, epoch)
        values.update({f"lr/{name}": optimizer.param_groups[0]["lr"]
                       for name, optimizer in experiment.optimizers.items()})
        return values
