"""The Stacked MNIST evidence script's counting, schedule compression and run specs (no training here)."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "evidence_stacked_mnist.py"


@pytest.fixture(scope="module")
def evidence():
    spec = importlib.util.spec_from_file_location("evidence_stacked_mnist", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script runs
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SCRIPT.parent))
    return module


def test_protocol_counts_modes_and_kl_to_uniform(evidence):
    assert evidence.protocol_score(np.arange(1000)) == {"modes": 1000, "kl": pytest.approx(0.0, abs=1e-12)}
    one = evidence.protocol_score(np.full(500, 7))
    assert one["modes"] == 1 and one["kl"] == pytest.approx(math.log(1000))
    half = evidence.protocol_score(np.repeat(np.arange(500), 4))
    assert half["modes"] == 500 and half["kl"] == pytest.approx(math.log(2))
    draws = np.random.default_rng(0).integers(0, 1000, 26_000)
    sampled = evidence.protocol_score(draws)
    assert sampled["modes"] == 1000 and sampled["kl"] == pytest.approx(999 / (2 * 26_000), rel=0.2)


@pytest.mark.parametrize("epochs", [2, 10, 30, 300])
def test_compressed_schedule_keeps_the_phase_order_inside_the_run(evidence, epochs):
    binds = dict(line.split(" = ") for line in evidence.schedule_binds(epochs))
    values = {key: int(value) for key, value in binds.items()}
    isolation, period = values["IsolationSchedule.isolation_end"], values["IsolationSchedule.period_end"]
    assert 1 <= isolation <= period < epochs
    assert period + values["IsolationSchedule.ramp_epochs"] == max(epochs, period + 1)
    assert all(value >= 1 for value in values.values())
    if epochs == 300:
        assert (isolation, period, values["NCriticSchedule.switch_after_epoch"]) == (200, 250, 100)


def test_run_specs(evidence):
    spec = evidence.parse_spec("modern:without=adam_betas", 2)
    assert (spec.experiment, spec.without, spec.with_fix, spec.seed) == ("modern", "adam_betas", None, 2)
    assert spec.variant == "modern:without=adam_betas" and spec.name == "modern_without-adam_betas_s2"
    assert evidence.parse_spec("collapsed:with=adam_betas", 0).with_fix == "adam_betas"
    with pytest.raises(SystemExit, match="expected EXPERIMENT"):
        evidence.parse_spec("modern:minus=adam_betas", 0)


def test_a_run_spec_can_bind_values(evidence):
    spec = evidence.parse_spec("modern:bind=TrainOptions.ema_beta = 0.998; GEN_LR=2e-4", 1)
    assert spec.binds == ("TrainOptions.ema_beta = 0.998", "GEN_LR=2e-4")
    assert spec.name == "modern_bind-TrainOptions.ema_beta-0.998-GEN_LR-2e-4_s1"
    command = evidence.train_command(spec, Path("w"), Path("p.yaml"), evidence.parse_args(["--out", "o"]))
    assert command[-4:] == ["--bind", "TrainOptions.ema_beta = 0.998", "--bind", "GEN_LR=2e-4"]
    for broken in ("modern:bind=", "modern:bind=TrainOptions.ema_beta", "modern:bind=;"):
        with pytest.raises(SystemExit, match="expected EXPERIMENT"):
            evidence.parse_spec(broken, 0)
