"""``TrainOptions.speed = 'fast'`` trains the same run as the eager reference, and still catches NaNs.

On a CPU the fast runner runs the same phases without host reads inside a step, with the NCA's perception
folded into its first layer (rounding differs, nothing else); CUDA graphs are checked on a GPU by
``benchmarks/bench_train.py --check-steps``.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from faults import make_hook
from hypothesis import given, settings
from hypothesis import strategies as st

from ukiyoe.cli import main
from ukiyoe.common.errors import ConfigError
from ukiyoe.config import activate, compile_experiment
from ukiyoe.configurables import CONFIGURABLE_MODULES
from ukiyoe.gan.checkpoint import list_checkpoints, load_checkpoint
from ukiyoe.train import distributed, loop
from ukiyoe.train.options import TrainOptions
from ukiyoe.train.phases import concurrent_groups, make_phases
from ukiyoe.train.stage import build_experiment
from ukiyoe.train.steps import Stepper

STEPS = 12
# Folding the perception filters into a 3x3 conv changes float rounding only; over 12 GAN steps the values
# stay within this of the reference (measured differences are ~1e-6).
RTOL, ATOL = 1e-4, 1e-5


def _stepper(workspace, speed: str, device: torch.device, binds: tuple[str, ...] = ()
             ) -> tuple[Stepper, int]:
    # NCA dropout as in fixed.gin: the folded perception must draw the same dropout masks.
    compiled = compile_experiment(workspace.experiment, workspace.params,
                                  ["NCARefiner.dropout = 0.1", *binds], modules=CONFIGURABLE_MODULES)
    activate(compiled, CONFIGURABLE_MODULES)
    options = dataclasses.replace(TrainOptions(), speed=speed, device=str(device))
    context = distributed.Distributed()
    experiment = build_experiment(options, device, context)
    runner = make_phases(experiment, options, context, device, options.batch_size)
    return Stepper(experiment, runner), options.batch_size


def _per_step_values(workspace, speed: str) -> list[dict[str, float]]:
    stepper, batch_size = _stepper(workspace, speed, torch.device("cpu"))
    runner = stepper.runner
    reals = torch.rand(STEPS, batch_size, 3, 8, 8, generator=torch.Generator().manual_seed(1)) * 2 - 1
    rows = []
    for step in range(STEPS):
        values = stepper.step(step, 1 + step // 6, reals[step], n_critic=2)
        totals = runner.read()
        assert totals.all_finite
        rows.append({**values, **totals.last})
    return rows


def test_fast_steps_match_the_eager_reference_step_by_step(workspace) -> None:
    eager, fast = _per_step_values(workspace, "eager"), _per_step_values(workspace, "fast")
    assert all("d_loss" in row and "r1" in row for row in fast[3::4])
    assert sum("g_loss" in row for row in fast) == STEPS // 2
    for step, (reference, row) in enumerate(zip(eager, fast, strict=True)):
        assert reference.keys() == row.keys(), step
        for name, value in reference.items():
            assert math.isclose(row[name], value, rel_tol=RTOL, abs_tol=ATOL), (step, name, row[name], value)


def test_fast_speed_finds_an_injected_nan_at_the_next_read_and_rolls_back(workspace, monkeypatch) -> None:
    monkeypatch.setattr(loop, "AFTER_STEP_HOOKS", [make_hook(nan_at=6)])
    assert main(workspace.train_args("nan", "--bind", "TrainOptions.speed = 'fast'")) == 0
    for entry in list_checkpoints(workspace.root / "nan"):
        payload = load_checkpoint(entry.path)
        for weights in [*payload["networks"].values(), payload["ema"]]:
            assert all(torch.isfinite(tensor).all() for tensor in weights.values()), entry.path
    events = workspace.sacred_run()["info"]["watchdog_events"]
    # Values are read every CollapseWatchdog.interval (4) steps: the NaN of step 7 is seen at step 8.
    assert [(e["action"], e["step"], e["rolled_back_to"]) for e in events] == [("rollback", 8, 5)]


def _read_on_the_host_while_recording(runner, monkeypatch, when) -> None:
    """After each phase for which ``when(name)`` holds, a host read if a capture is running (not allowed
    in a capture: the recording fails)."""
    phase = runner.phase

    def phase_then_read(name: str, real: torch.Tensor, epoch: int):
        values = phase(name, real, epoch)
        if when(name) and torch.cuda.is_current_stream_capturing():
            float(real.sum())
        return values

    monkeypatch.setattr(runner, "phase", phase_then_read)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a CUDA device")
def test_a_phase_that_cannot_be_recorded_stays_eager_and_random_draws_keep_working(workspace, monkeypatch
                                                                                   ) -> None:
    """G reads a value on the host while recording (not allowed in a capture): its capture fails, G stays
    eager, and the generator's random draws still work after the failed capture."""
    stepper, batch_size = _stepper(workspace, "fast", torch.device("cuda"))
    runner = stepper.runner
    _read_on_the_host_while_recording(runner, monkeypatch, lambda name: name == "G")
    reals = torch.rand(STEPS, batch_size, 3, 8, 8, device="cuda") * 2 - 1
    with pytest.warns(UserWarning, match="phase G cannot be recorded"):
        for step in range(STEPS):
            stepper.step(step, 1 + step // 6, reals[step], n_critic=2)
    assert runner.read().all_finite
    assert runner.describe()["phases_left_eager"] == ["G"] and runner.graphs.recorded > 0
    torch.randn(4, device="cuda")


def test_only_phases_that_touch_disjoint_networks_are_grouped() -> None:
    """D and the critic step different networks and read neither's; D and Dreg both step D; G reads all."""
    assert concurrent_groups(["D", "critic", "G"]) == [("D", "critic"), ("G",)]
    assert concurrent_groups(["D", "Dreg", "critic"]) == [("D",), ("Dreg", "critic")]
    assert concurrent_groups(["D", "G"]) == [("D",), ("G",)]
    assert concurrent_groups(["critic", "G", "D"]) == [("critic",), ("G",), ("D",)]


@pytest.fixture
def deterministic_kernels(monkeypatch):
    """Deterministic CUDA kernels for the block (no atomics, no autotuning), as ``check_fast.py`` uses."""
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    before = torch.are_deterministic_algorithms_enabled(), torch.backends.cudnn.benchmark
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = False
    yield
    torch.use_deterministic_algorithms(before[0])
    torch.backends.cudnn.benchmark = before[1]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a CUDA device")
def test_phases_recorded_together_on_two_streams_give_the_values_of_the_phases_in_turn(
        workspace, monkeypatch, deterministic_kernels) -> None:
    """One graph holding D (or Dreg) and the critic as concurrent branches gives every step value of one
    graph per phase replayed in turn: the same random draws (another mask would move a value by far more
    than the tolerance), up to the last bits of the few kernels without a deterministic version (the
    critic's attention backward: ~1e-7). The NCA's step counts are drawn as in a run (D's, then the
    critic's), so drawing them in another order would show too."""
    def rows(together: bool) -> tuple[list[dict[str, float]], set]:
        stepper, batch_size = _stepper(workspace, "fast", torch.device("cuda"))
        runner = stepper.runner
        if not together:
            monkeypatch.setattr(runner, "groups", lambda phases: [(phase,) for phase in phases])
        reals = (torch.rand(STEPS, batch_size, 3, 8, 8, generator=torch.Generator().manual_seed(1)) * 2 - 1
                 ).cuda()
        found = []
        for step in range(STEPS):
            values = stepper.step(step, 1, reals[step], n_critic=2)
            found.append({**values, **runner.read().last})
        return found, {tuple(phase for phase, _, _ in key) for key in runner.graphs.graphs}

    apart, apart_keys = rows(together=False)
    joined, joined_keys = rows(together=True)
    assert ("D", "critic") in joined_keys and ("Dreg", "critic") in joined_keys
    assert ("D", "critic") not in apart_keys
    for step, (reference, row) in enumerate(zip(apart, joined, strict=True)):
        assert reference.keys() == row.keys(), step
        for name, value in reference.items():
            assert math.isclose(row[name], value, rel_tol=RTOL, abs_tol=ATOL), (step, name, row[name], value)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a CUDA device")
def test_a_group_that_cannot_be_recorded_together_is_recorded_one_phase_per_graph(workspace, monkeypatch
                                                                                  ) -> None:
    """The critic reads a value on the host only when it is the side branch of a capture: the joint
    recording fails, the group's phases are recorded one graph each, and the run goes on."""
    stepper, batch_size = _stepper(workspace, "fast", torch.device("cuda"))
    runner = stepper.runner
    def critic_on_the_side(name: str) -> bool:
        return name == "critic" and torch.cuda.current_stream() == runner.graphs.side

    _read_on_the_host_while_recording(runner, monkeypatch, critic_on_the_side)
    reals = torch.rand(STEPS, batch_size, 3, 8, 8, device="cuda") * 2 - 1
    with pytest.warns(UserWarning, match="phases D\\+critic cannot be recorded together"):
        for step in range(STEPS):
            stepper.step(step, 1, reals[step], n_critic=2)
    assert runner.read().all_finite
    described = runner.describe()
    assert "D+critic" in described["phases_recorded_apart"] and described["phases_left_eager"] == []
    assert {("critic",), ("D",)} <= {tuple(p for p, _, _ in key) for key in runner.graphs.graphs}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a CUDA device")
def test_each_new_computation_runs_eagerly_once_and_another_step_count_is_recorded_at_once(workspace
                                                                                         ) -> None:
    """A new computation (G's loss takes the critic in when its isolation ends) has kernels cuDNN must pick
    outside a capture, so it runs once eagerly first; another NCA step count only repeats known kernels."""
    stepper, batch_size = _stepper(workspace, "fast", torch.device("cuda"))
    runner, nca = stepper.runner, stepper.experiment.networks.generator.nca
    real = torch.rand(batch_size, 3, 8, 8, device="cuda") * 2 - 1
    added = []
    for steps in (5, 5, 5, 6, 6):  # the NCA step count is part of the key
        recorded = runner.graphs.recorded
        with nca.steps_drawn(steps):
            runner.run(("D",), real, 1)
        added.append(runner.graphs.recorded - recorded)
    assert added == [0, 1, 0, 1, 0]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a CUDA device")
def test_a_schedule_moving_between_epochs_replays_the_recorded_graph_with_the_new_number(workspace) -> None:
    """Annealed instance noise changes every epoch; its sigma is a device tensor, so no new recording."""
    binds = ("GANLoss.instance_noise = @InstanceNoise()", "InstanceNoise.sigma = 0.1",
             "InstanceNoise.anneal_epochs = 4")
    stepper, batch_size = _stepper(workspace, "fast", torch.device("cuda"), binds)
    runner, nca = stepper.runner, stepper.experiment.networks.generator.nca
    real = torch.rand(batch_size, 3, 8, 8, device="cuda") * 2 - 1
    recorded, sigmas, losses = [], [], []
    for epoch in (1, 1, 1, 3, 3):
        with nca.steps_drawn(5):
            values = runner.run(("D",), real, epoch)
        recorded.append(runner.graphs.recorded)
        sigmas.append(values["instance_noise"])
        losses.append(runner.read().last["d_loss"])
    assert recorded == [0, 1, 1, 1, 1]
    assert sigmas == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05])
    assert runner.graphs.numbers["instance_noise"].item() == pytest.approx(0.05)  # what the replay reads
    assert all(math.isfinite(loss) for loss in losses)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="the compiled NCA step is for CUDA graphs")
def test_the_compiled_nca_step_draws_the_same_masks_and_agrees_with_the_plain_step(workspace) -> None:
    stepper, batch_size = _stepper(workspace, "fast", torch.device("cuda"))
    nca = stepper.experiment.networks.generator.nca
    image = torch.rand(batch_size, 3, 8, 8, device="cuda") * 2 - 1
    w = torch.randn(batch_size, stepper.experiment.networks.generator.mapping.w_dim, device="cuda")
    nca.prefer_speed(compiled_batch=None)
    torch.manual_seed(3)
    plain = nca(image, w, steps=6)
    nca.prefer_speed(compiled_batch=batch_size)
    batch, compiled_step = nca._compiled
    calls = []  # the test must run the compiled step, not the plain one
    nca._compiled = (batch, lambda *args: calls.append(1) or compiled_step(*args))
    torch.manual_seed(3)
    fused = nca(image, w, steps=6)
    assert len(calls) == 6
    torch.testing.assert_close(fused.image, plain.image, rtol=1e-4, atol=1e-5)
    assert fused.alive_ratio == plain.alive_ratio  # the same fire and dropout masks: the same cells alive


@pytest.mark.parametrize("speed", ["slow", "FAST", ""])
def test_unknown_speeds_are_refused(speed: str) -> None:
    with pytest.raises(ConfigError, match="TrainOptions.speed"):
        TrainOptions(speed=speed)


def test_resident_batches_equal_host_batches_and_keep_the_epoch_order_on_the_device() -> None:
    import numpy as np

    from ukiyoe.train.batches import RealBatches

    images = np.random.default_rng(0).integers(0, 256, (40, 8, 8, 3), dtype=np.uint8)
    host, resident = (RealBatches(images, 8, 3, distributed.Distributed(), torch.device("cpu"), resident=flag)
                      for flag in (False, True))
    for epoch, position in [(1, 0), (1, 4), (2, 2), (1, 3)]:
        assert torch.equal(host.batch(epoch, position), resident.batch(epoch, position))
        for sampler in (host.sampler, resident.sampler):
            assert (sampler.epoch, sampler.position) == (epoch, (position + 1) * 8)
    assert resident._order is not None and isinstance(resident._order[2], torch.Tensor)
    assert torch.equal(host.fixed(5), resident.fixed(5))


@given(st.lists(st.lists(st.one_of(st.floats(-1e6, 1e6, width=32), st.just(float("nan")),
                                   st.just(float("inf"))), min_size=1, max_size=3), min_size=1, max_size=6))
@settings(max_examples=40, deadline=None)
def test_device_means_sum_the_finite_values_and_flag_the_others(steps: list[list[float]]) -> None:
    from ukiyoe.train.device_means import DeviceMeans

    means = DeviceMeans(torch.device("cpu"))
    for values in steps:
        means.add({f"v{i}": torch.tensor(value) for i, value in enumerate(values)} | {"lr": 1e-4})
    totals = means.read()
    for i in range(max(len(values) for values in steps)):
        seen = [values[i] for values in steps if len(values) > i]
        finite = [value for value in seen if math.isfinite(value)]
        assert totals.counts.get(f"v{i}", 0) == len(finite)
        if finite:
            expected = torch.zeros(())
            for value in finite:
                expected += value  # float32, in the device's order
            assert totals.sums[f"v{i}"] == expected.item()
        last = totals.last[f"v{i}"]
        assert last == seen[-1] or (math.isnan(last) and math.isnan(seen[-1]))
    assert "lr" not in totals.last  # floats stay with the caller
    assert totals.all_finite == all(math.isfinite(v) for values in steps for v in values)
    assert means.read() == type(totals)({}, {}, {}, True)  # the buffer starts again from zero
