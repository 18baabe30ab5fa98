"""Phases replayed from CUDA graphs: one launch per phase instead of thousands of small kernel launches.

The networks are small, so an eager step is bound by Python and kernel launches, not by the GPU. Each phase
(with its backward passes, the gradient penalty's double backward included, the optimizer steps and the
EMA) is recorded once per key and replayed. A key is the phase, the NCA step count (drawn on the host before
the phase, exactly where the phase itself would draw it) and which of the ``GANLoss.schedule_numbers``
that pick a branch (``BRANCHING_NUMBERS``: a zero skips a term) are positive. The numbers themselves and
the learning rates live in device tensors filled before each replay, so schedules and the watchdog's
remedies change them without recording again. All graphs share one memory pool, which is safe in any
replay order: inputs, weights, optimizer state and the value sums are allocated outside it, and the
gradients a graph leaves in it are dead between phases (each phase drops all gradients first, as the
eager path does, so the same parameters are skipped by the optimizers).

The first time a key runs it runs eagerly on the recording stream: that allocates gradients and optimizer
state and lets cuDNN pick its kernels outside a capture (a new key can be a new computation: G's loss takes
the critic in when its isolation ends). A phase that cannot be recorded stays eager; the CUDA generator's
state is put back as it was before the failed capture and the other phases are recorded again, in a fresh
memory pool, against it.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import TYPE_CHECKING, Any

import torch

from ukiyoe.gan.loss import BRANCHING_NUMBERS

if TYPE_CHECKING:
    from ukiyoe.train.phases import FastPhases

Key = tuple[str, int | None, tuple[tuple[str, bool], ...]]


class PhaseGraphs:
    def __init__(self, runner: FastPhases, device: torch.device) -> None:
        self.runner, self.device = runner, device
        self.stream = torch.cuda.Stream(device)
        index = device.index if device.index is not None else torch.cuda.current_device()
        self.generator = torch.cuda.default_generators[index]
        self.pool = torch.cuda.graph_pool_handle()
        self.graphs: dict[Key, tuple[torch.cuda.CUDAGraph, dict[str, float]]] = {}
        self.warm: set[Key] = set()
        self.eager_only: set[str] = set()
        self.recorded = 0
        self.real: torch.Tensor | None = None
        self.source: torch.Tensor | None = None  # the batch last copied into ``real`` (one copy per step)
        self.learning_rates = {
            (name, index): torch.zeros((), device=device)
            for name, optimizer in runner.experiment.optimizers.items()
            for index, _ in enumerate(optimizer.param_groups)
        }
        self.numbers: dict[str, torch.Tensor] = {}
        runner.experiment.loss.recorded_numbers = self.numbers
        self.loaded: dict[object, float] = {}

    def clear(self) -> None:
        self.graphs.clear()
        self.warm.clear()

    def run(self, phase: str, real: torch.Tensor, epoch: int) -> dict[str, float]:
        loss, nca = self.runner.experiment.loss, self.runner.experiment.networks.generator.nca
        drawn = loss.synthesizes(phase, epoch) and nca is not None
        steps = nca.sample_steps(loss.growth.nca_step_scale(epoch)) if drawn else None
        numbers = loss.schedule_numbers(phase, epoch)
        key: Key = (phase, steps, tuple((name, value > 0) for name, value in numbers.items()
                                        if name in BRANCHING_NUMBERS))
        if self.real is None or self.real.shape != real.shape:
            self.real, self.source = torch.empty_like(real), None
            self.clear()
        if real is not self.source:
            self.real.copy_(real)
            self.source = real
        self._load_numbers(numbers)
        fixed = nca.steps_drawn(steps) if steps is not None else contextlib.nullcontext()
        with fixed:
            if key not in self.graphs:
                if key not in self.warm or phase in self.eager_only:
                    self.warm.add(key)
                    return self._eager(phase, epoch)
                self._record(key, epoch)
            if key not in self.graphs:
                return self._eager(phase, epoch)
        graph, floats = self.graphs[key]
        graph.replay()
        return {name: numbers.get(name, value) for name, value in floats.items()}  # this epoch's numbers

    def _load_numbers(self, numbers: dict[str, float]) -> None:
        """This phase's schedule numbers and every learning rate into the tensors the graphs read."""
        for name, value in numbers.items():
            self._fill(name, self.numbers.setdefault(name, torch.zeros((), device=self.device)), value)
        optimizers = self.runner.experiment.optimizers
        for (name, index), tensor in self.learning_rates.items():
            self._fill((name, index), tensor, float(optimizers[name].param_groups[index]["lr"]))

    def _fill(self, slot: object, tensor: torch.Tensor, value: float) -> None:
        if self.loaded.get(slot) != value:  # one small kernel, only when a schedule moved
            tensor.fill_(value)
            self.loaded[slot] = value

    def _eager(self, phase: str, epoch: int) -> dict[str, float]:
        assert self.real is not None
        self.stream.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(self.stream):
            values = self.runner.phase(phase, self.real, epoch)
            self.runner.means.add(values)
        torch.cuda.current_stream(self.device).wait_stream(self.stream)
        return {name: float(value) for name, value in values.items() if not isinstance(value, torch.Tensor)}

    def _record(self, key: Key, epoch: int) -> None:
        assert self.real is not None
        phase = key[0]
        for old in [old for old in self.graphs if old[0] == phase and old[2] != key[2]]:
            del self.graphs[old]  # recorded for the branches of an earlier epoch
        self.warm -= {old for old in self.warm if old[0] == phase and old[2] != key[2]}
        graph = torch.cuda.CUDAGraph()
        before = self.generator.clone_state()  # a failed capture leaves the generator in capture mode
        self.stream.wait_stream(torch.cuda.current_stream(self.device))
        try:
            with self._capturable(), torch.cuda.stream(self.stream):
                graph.capture_begin(pool=self.pool)
                try:
                    values = self.runner.phase(phase, self.real, epoch)
                    self.runner.means.add(values)
                except BaseException:
                    with contextlib.suppress(Exception):
                        graph.capture_end()
                    raise
                graph.capture_end()
        except Exception as error:  # noqa: BLE001 - any op that cannot be recorded: this phase stays eager
            # The failed capture left the generator's state in capture mode and the memory pool in
            # allocate-to-pool mode (capture_end raised before releasing it), and every graph recorded so
            # far advances that state object: the state from before, a fresh pool, all graphs recorded again.
            self.generator.graphsafe_set_state(before)
            torch.cuda.current_stream(self.device).wait_stream(self.stream)
            self.clear()
            self.pool = torch.cuda.graph_pool_handle()
            self.eager_only.add(phase)
            warnings.warn(f"phase {phase} cannot be recorded as a CUDA graph, it stays eager: {error}",
                          stacklevel=2)
            return
        torch.cuda.current_stream(self.device).wait_stream(self.stream)
        floats = {name: float(value) for name, value in values.items() if not isinstance(value, torch.Tensor)}
        self.graphs[key] = (graph, floats)
        self.recorded += 1

    @contextlib.contextmanager
    def _capturable(self) -> Any:
        """Optimizers read their learning rate from the device tensors and accept recording meanwhile."""
        saved = []
        for (name, index), value in self.learning_rates.items():
            group = self.runner.experiment.optimizers[name].param_groups[index]
            saved.append((group, group["lr"], group.get("capturable", False)))
            group["lr"], group["capturable"] = value, True
        try:
            yield
        finally:
            for group, lr, capturable in saved:
                group["lr"], group["capturable"] = lr, capturable
