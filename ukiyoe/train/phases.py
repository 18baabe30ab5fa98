"""One phase of a training step and the two ways to run it (``TrainOptions.speed``).

A phase zeroes gradients, draws z, lets ``GANLoss`` fill gradients, averages them across ranks, measures
their norms and steps the phase's optimizers (after ``G``, the EMA follows). ``EagerPhases`` is the
reference: each phase as written, its values read to the host right away. ``FastPhases`` reads nothing
inside a step: values are summed on the device (``DeviceMeans``) and read when the loop asks, and on a
single CUDA device each phase is replayed from a CUDA graph (``ukiyoe.train.graphs``), and phases that
touch disjoint networks (D and the critic) share one graph, on two streams, so their small kernels overlap.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

import torch

from ukiyoe.gan.assemble import Experiment
from ukiyoe.gan.loss import Stats
from ukiyoe.gan.networks import update_ema
from ukiyoe.train import distributed
from ukiyoe.train.device_means import DeviceMeans, Totals
from ukiyoe.train.options import TrainOptions

PHASE_OPTIMIZERS = {
    "D": ("discriminator",),
    "Dreg": ("discriminator",),
    "critic": ("critic",),
    "G": ("generator", "nca"),
}
# The networks each phase's loss reads (G's EMA follows G's step, so only G touches it).
PHASE_READS = {
    "D": ("generator", "nca", "discriminator"),
    "Dreg": ("discriminator",),
    "critic": ("generator", "nca", "critic"),
    "G": ("generator", "nca", "discriminator", "critic"),
}


def independent(first: str, second: str) -> bool:
    """Whether two phases may run at the same time: neither steps a network the other reads or steps."""
    return not (set(PHASE_OPTIMIZERS[first]) & {*PHASE_READS[second], *PHASE_OPTIMIZERS[second]}
                or set(PHASE_OPTIMIZERS[second]) & set(PHASE_READS[first]))


def concurrent_groups(phases: Iterable[str]) -> list[tuple[str, ...]]:
    """The step's phases in order, each joined to the group before it when independent of all of it
    (D and the critic: the critic trains on its own fakes and steps only itself)."""
    groups: list[tuple[str, ...]] = []
    for phase in phases:
        if groups and all(independent(phase, other) for other in groups[-1]):
            groups[-1] = (*groups[-1], phase)
        else:
            groups.append((phase,))
    return groups


def schedule_floats(values: Stats) -> dict[str, float]:
    """The values a phase reports as floats (its schedule numbers): the host holds them without a read."""
    return {name: float(value) for name, value in values.items() if not isinstance(value, torch.Tensor)}


def gradient_norm(parameters: Iterable[torch.nn.Parameter]) -> torch.Tensor | float:
    """L2 norm of all gradients as a device tensor (0.0 when none were computed)."""
    grads = [parameter.grad.detach() for parameter in parameters if parameter.grad is not None]
    if not grads:
        return 0.0
    return torch.linalg.vector_norm(torch.stack([g.float() for g in torch._foreach_norm(grads)]))


class PhaseRunner:
    """What both speeds share: the phase itself."""

    def __init__(self, experiment: Experiment, options: TrainOptions, context: distributed.Distributed,
                 device: torch.device, batch_size: int) -> None:
        """``batch_size``: this rank's share of the global batch (the number of z drawn per phase)."""
        self.experiment, self.options, self.context, self.device = experiment, options, context, device
        self.batch_size = batch_size

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.options.amp == "bf16":
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def phase(self, phase: str, real: torch.Tensor, epoch: int) -> Stats:
        for optimizer in self.experiment.optimizers.values():
            optimizer.zero_grad(set_to_none=True)
        z = torch.randn(self.batch_size, self.experiment.networks.generator.z_dim, device=self.device)
        with self.autocast():
            values = dict(self.experiment.loss.accumulate_gradients(phase, real, z, epoch))
        if not values or values.get("critic_trains") == 0.0:
            return values
        names = [name for name in PHASE_OPTIMIZERS[phase] if name in self.experiment.optimizers]
        for name in names:
            params = [p for group in self.experiment.optimizers[name].param_groups for p in group["params"]]
            distributed.average_gradients(self.context, params)
            values[f"grad_norm/{name}"] = gradient_norm(params)
        for name in names:
            self.experiment.optimizers[name].step()
        if phase == "G":
            update_ema(self.experiment.ema, self.experiment.networks.generator, self.options.ema_beta)
        return values

    def groups(self, phases: Iterable[str]) -> list[tuple[str, ...]]:
        """How a step's phases run: one after another (a runner may run independent ones together)."""
        return [(phase,) for phase in phases]

    def run_step(self, phases: Iterable[str], real: torch.Tensor, epoch: int) -> dict[str, float]:
        """Runs the step's phases in order; returns the values the host holds now (floats)."""
        values: dict[str, float] = {}
        for group in self.groups(phases):
            values.update(self.run(group, real, epoch))
        return values

    def run(self, group: tuple[str, ...], real: torch.Tensor, epoch: int) -> dict[str, float]:
        """Runs ``group``'s phases (their effects as if one after another); returns the host's values."""
        raise NotImplementedError

    def read(self) -> Totals:
        """Values accumulated on the device since the last read (none when ``run`` returned them all)."""
        return Totals({}, {}, {}, all_finite=True)

    def invalidate(self) -> None:
        """Weights or optimizer state were replaced (resume, rollback): forget anything recorded."""

    def describe(self) -> dict[str, object]:
        """For the run's summary: how the phases ran."""
        return {"speed": self.options.speed}


class EagerPhases(PhaseRunner):
    """The reference: every phase's values on the host after the phase (one copy per phase)."""

    def run(self, group: tuple[str, ...], real: torch.Tensor, epoch: int) -> dict[str, float]:
        result: dict[str, float] = {}
        for phase in group:
            values = self.phase(phase, real, epoch)
            tensors = [name for name, value in values.items() if isinstance(value, torch.Tensor)]
            host = torch.stack([values[name].float() for name in tensors]).tolist() if tensors else []
            result.update({**schedule_floats(values), **dict(zip(tensors, host, strict=True))})
        return result


class FastPhases(PhaseRunner):
    """No host read inside a step; CUDA graphs on one CUDA device, the same phases eagerly elsewhere."""

    def __init__(self, experiment: Experiment, options: TrainOptions, context: distributed.Distributed,
                 device: torch.device, batch_size: int) -> None:
        super().__init__(experiment, options, context, device, batch_size)
        self.means = DeviceMeans(device)
        nca = experiment.networks.generator.nca
        if nca is not None:
            nca.prefer_speed(compiled_batch=batch_size if options.compile else None)
        self.graphs = None
        if device.type == "cuda" and not context.enabled:
            from ukiyoe.train.graphs import PhaseGraphs

            self.graphs = PhaseGraphs(self, device)

    def groups(self, phases: Iterable[str]) -> list[tuple[str, ...]]:
        """With CUDA graphs, independent phases are recorded into one graph on two streams."""
        return concurrent_groups(phases) if self.graphs is not None else super().groups(phases)

    def run(self, group: tuple[str, ...], real: torch.Tensor, epoch: int) -> dict[str, float]:
        if self.graphs is not None:
            return self.graphs.run(group, real, epoch)
        result: dict[str, float] = {}
        for phase in group:
            values = self.phase(phase, real, epoch)
            self.means.add(values)
            result.update(schedule_floats(values))
        return result

    def read(self) -> Totals:
        return self.means.read()

    def invalidate(self) -> None:
        if self.graphs is not None:
            self.graphs.clear()

    def describe(self) -> dict[str, object]:
        if self.graphs is None:
            return super().describe()
        return {**super().describe(), "cuda_graphs_recorded": self.graphs.recorded,
                "phases_left_eager": sorted(self.graphs.eager_only),
                "phases_recorded_apart": sorted("+".join(group) for group in self.graphs.apart)}


def make_phases(experiment: Experiment, options: TrainOptions, context: distributed.Distributed,
                device: torch.device, batch_size: int) -> PhaseRunner:
    runner = FastPhases if options.speed == "fast" else EagerPhases
    return runner(experiment, options, context, device, batch_size)
