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

Phases that touch disjoint networks (``phases.concurrent_groups``: D and the critic) are recorded into one
graph as two branches, on two streams from one fork, so the GPU runs their small kernels side by side; the
key is then one phase key per branch. The host issues the branches in the step's order, so each random
draw (its place in the generator's stream is fixed at recording) is the one the phases make one after
another, and the results are those of the phases run in turn.

The first time a computation (phases and branches) runs it runs eagerly on the recording stream: that
allocates gradients and optimizer state and lets cuDNN pick its kernels outside a capture (G's loss takes
the critic in when its isolation ends). Another NCA step count is the same kernels, more or fewer of them:
it is recorded the first time it comes. A phase that cannot be recorded stays eager; the CUDA generator's
state is put back as it was before the failed capture and the other phases are recorded again, in a fresh
memory pool, against it; a group whose joint recording fails runs as one graph per phase.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import TYPE_CHECKING, Any

import torch

from ukiyoe.gan.loss import BRANCHING_NUMBERS
from ukiyoe.train.phases import schedule_floats

if TYPE_CHECKING:
    from ukiyoe.train.phases import FastPhases

PhaseKey = tuple[str, int | None, tuple[tuple[str, bool], ...]]
Key = tuple[PhaseKey, ...]  # one per phase of a group, in the step's order


def _names(key: Key) -> tuple[str, ...]:
    return tuple(phase_key[0] for phase_key in key)


def _branches(key: Key) -> tuple[tuple[tuple[str, bool], ...], ...]:
    return tuple(phase_key[2] for phase_key in key)


class PhaseGraphs:
    def __init__(self, runner: FastPhases, device: torch.device) -> None:
        self.runner, self.device = runner, device
        self.stream = torch.cuda.Stream(device)
        self.side = torch.cuda.Stream(device)  # the second branch of a group's graph
        index = device.index if device.index is not None else torch.cuda.current_device()
        self.generator = torch.cuda.default_generators[index]
        self.pool = torch.cuda.graph_pool_handle()
        self.graphs: dict[Key, tuple[torch.cuda.CUDAGraph, dict[str, float]]] = {}
        self.warm: set[tuple[tuple[str, ...], tuple]] = set()  # computations run once (names, branches)
        self.eager_only: set[str] = set()
        self.apart: set[tuple[str, ...]] = set()  # groups whose joint capture failed: one phase per graph
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

    def run(self, group: tuple[str, ...], real: torch.Tensor, epoch: int) -> dict[str, float]:
        if len(group) > 1 and (group in self.apart or self.eager_only & set(group)):
            values: dict[str, float] = {}
            for phase in group:
                values.update(self.run((phase,), real, epoch))
            return values
        if self.real is None or self.real.shape != real.shape:
            self.real, self.source = torch.empty_like(real), None
            self.clear()
        if real is not self.source:
            self.real.copy_(real)
            self.source = real
        key, numbers = self._key(group, epoch)
        self._load_numbers(numbers)
        if key not in self.graphs:
            computation = (_names(key), _branches(key))
            if computation not in self.warm or group[0] in self.eager_only:
                self.warm.add(computation)
                return self._issue(key, epoch)
            self._record(key, epoch)
            if key not in self.graphs:  # the capture failed: this once eagerly, with the counts drawn
                return self._issue(key, epoch)
        graph, floats = self.graphs[key]
        graph.replay()
        return {name: numbers.get(name, value) for name, value in floats.items()}  # this epoch's numbers

    def _key(self, group: tuple[str, ...], epoch: int) -> tuple[Key, dict[str, float]]:
        """Each phase's NCA step count, drawn on the host in the step's order (where each phase itself
        would draw it), and its schedule numbers."""
        loss, nca = self.runner.experiment.loss, self.runner.experiment.networks.generator.nca
        key, numbers = [], {}
        for phase in group:
            drawn = loss.synthesizes(phase, epoch) and nca is not None
            steps = nca.sample_steps(loss.growth.nca_step_scale(epoch)) if drawn else None
            phase_numbers = loss.schedule_numbers(phase, epoch)
            numbers.update(phase_numbers)
            key.append((phase, steps, tuple((name, value > 0) for name, value in phase_numbers.items()
                                            if name in BRANCHING_NUMBERS)))
        return tuple(key), numbers

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

    def _issue(self, key: Key, epoch: int, graph: torch.cuda.CUDAGraph | None = None) -> dict[str, float]:
        """Runs (or, given ``graph``, records) the group: the first phase on ``stream``, a second one on
        ``side`` from the same starting point, joined at the end. Issued in the step's order, so the random
        draws are the ones the phases make one after another."""
        assert self.real is not None
        nca = self.runner.experiment.networks.generator.nca
        current = torch.cuda.current_stream(self.device)
        self.stream.wait_stream(current)
        floats: dict[str, float] = {}
        summed: set[str] = set()  # the names the first branch adds to the device sums
        with torch.cuda.stream(self.stream):
            if graph is not None:
                # thread-local: the checkpoint writer's thread may copy a snapshot to the host meanwhile
                graph.capture_begin(pool=self.pool, capture_error_mode="thread_local")
            try:
                if len(key) > 1:
                    self.side.wait_stream(self.stream)  # fork: the second branch starts where the first does
                for index, (phase, steps, _) in enumerate(key):
                    fixed = nca.steps_drawn(steps) if steps is not None else contextlib.nullcontext()
                    with fixed, torch.cuda.stream(self.stream if index == 0 else self.side):
                        values = self.runner.phase(phase, self.real, epoch)
                        tensors = {name for name, value in values.items() if isinstance(value, torch.Tensor)}
                        if index and tensors & summed:  # one sum slot, two writers: the second one waits
                            self.side.wait_stream(self.stream)
                        self.runner.means.add(values)
                        summed |= tensors
                    floats.update(schedule_floats(values))
                if len(key) > 1:
                    self.stream.wait_stream(self.side)  # join
            except BaseException:
                if graph is not None:
                    with contextlib.suppress(Exception):
                        self.stream.wait_stream(self.side)
                    with contextlib.suppress(Exception):
                        graph.capture_end()
                raise
            if graph is not None:
                graph.capture_end()
        current.wait_stream(self.stream)
        return floats

    def _record(self, key: Key, epoch: int) -> None:
        names = _names(key)
        for old in [old for old in self.graphs if _names(old) == names and _branches(old) != _branches(key)]:
            del self.graphs[old]  # recorded for the branches of an earlier epoch
        self.warm -= {old for old in self.warm if old[0] == names and old[1] != _branches(key)}
        graph = torch.cuda.CUDAGraph()
        before = self.generator.clone_state()  # a failed capture leaves the generator in capture mode
        try:
            with self._capturable():
                floats = self._issue(key, epoch, graph)
        except Exception as error:  # noqa: BLE001 - any op that cannot be recorded: this phase stays eager
            # The failed capture left the generator's state in capture mode and the memory pool in
            # allocate-to-pool mode (capture_end raised before releasing it), and every graph recorded so
            # far advances that state object: the state from before, a fresh pool, all graphs recorded again.
            self.generator.graphsafe_set_state(before)
            torch.cuda.current_stream(self.device).wait_stream(self.stream)
            self.clear()
            self.pool = torch.cuda.graph_pool_handle()
            self.side = torch.cuda.Stream(self.device)  # it may still belong to the broken capture
            if len(names) > 1:
                self.apart.add(names)
                what = f"phases {'+'.join(names)} cannot be recorded together, they run one by one"
            else:
                self.eager_only.add(names[0])
                what = f"phase {names[0]} cannot be recorded as a CUDA graph, it stays eager"
            warnings.warn(f"{what}: {error}", stacklevel=2)
            return
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
