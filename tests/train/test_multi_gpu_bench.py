"""``benchmarks/multi_gpu.py`` end to end at tiny size on CPU (gloo), as a 2-GPU machine would run it."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def load_benchmark():
    spec = importlib.util.spec_from_file_location("multi_gpu", REPO / "benchmarks" / "multi_gpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.timeout(900)
def test_the_benchmark_measures_scaling_parity_and_resume_across_world_sizes(workspace) -> None:
    out = workspace.root / "evidence"
    result = load_benchmark().main([
        "--gpus", "2", "--device", "cpu", "--experiment", str(workspace.experiment),
        "--params", str(workspace.params), "--data", str(workspace.data), "--per-gpu-batch", "4",
        "--epochs", "2", "--timeout", "300", "--out", str(out), "--work", str(workspace.root / "bench"),
    ])
    assert result["nccl_env"]["NCCL_NVLS_ENABLE"] == "0"
    assert math.isfinite(result["throughput"]["scaling"]) and result["throughput"]["scaling"] > 0

    parity = result["parity"]
    assert parity["global_batch"] == 8 and parity["same_epochs_and_steps"] and parity["same_learning_rates"]
    differences = parity["mean_abs_difference"]
    assert {"d_loss", "g_loss"} <= differences["processes"].keys() <= differences["seed"].keys()

    resume = result["resume"]
    legs = resume["legs"]
    assert [leg["processes"] for leg in legs] == [2, 1, 2]
    assert 0 == legs[0]["from_step"] < legs[1]["from_step"] < legs[2]["from_step"]
    assert [leg["images_at_start"] for leg in legs] == [leg["from_step"] * 8 for leg in legs]
    assert resume["final_steps"] == 2 * workspace.steps_per_epoch and resume["final_epochs"] == 2
    assert resume["same_epochs_and_steps_as_uninterrupted"]
    assert "scaling at the same per-GPU batch" in (out / "result.md").read_text()
