"""End to end: a fresh clone runs `dvc repro`, then `dvc exp run -S gen_lr=5e-5` re-runs only the experiment.

Real git, real DVC, real Sacred observer; tiny sizes so it fits in CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], str]:
    """A clone of this repository with tiny params, after one full `dvc repro`."""
    root = tmp_path_factory.mktemp("slice")
    clone = root / "clone"
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["UKIYOE_RUNS_DIR"] = str(root / "sacred")
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    run(["git", "clone", "--quiet", str(REPO), str(clone)], root, env)

    params = yaml.safe_load((clone / "params.yaml").read_text())
    params.update(epochs=2, batch_size=16, gen_lr=1e-4)  # the sweep to 5e-5 below is then a change
    params["data"]["count"] = 96
    (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(["git", "commit", "--quiet", "-am", "tiny params"], clone, env)

    log = run(["dvc", "repro"], clone, env)
    run(["git", "add", "dvc.lock", "reports", "metrics"], clone, env)
    run(["git", "commit", "--quiet", "-m", "baseline results"], clone, env)
    return clone, env, log


def test_repro_leaves_before_after_report(pipeline: tuple[Path, dict[str, str], str]) -> None:
    clone, _, log = pipeline
    stages = ("prepare", "train-collapsed", "train-fixed", "diagnose@collapsed", "diagnose@fixed", "compare")
    for stage in stages:
        assert f"Running stage '{stage}'" in log
    report = (clone / "reports/compare/report.md").read_text()
    assert "collapse" in report.lower()
    assert (clone / "reports/compare/report.html").stat().st_size > 10_000  # embedded grids
    for side in ("collapsed", "fixed"):
        metrics = json.loads((clone / f"reports/{side}/metrics.json").read_text())
        assert 0 <= metrics["collapse_score"] <= 15
        for key in ("unique_pixel_ratio", "value_min", "value_max", "coverage"):
            assert isinstance(metrics[key], float | int), key


def test_a_docs_only_change_reruns_nothing(pipeline: tuple[Path, dict[str, str], str]) -> None:
    """dvc.yaml lists exactly the code each stage runs (tests/structure), so docs are no stage's dep."""
    clone, env, _ = pipeline
    readme = clone / "README.md"
    readme.write_text(readme.read_text() + "\nA docs-only change.\n")
    run(["git", "commit", "--quiet", "-am", "docs only"], clone, env)
    assert "up to date" in run(["dvc", "status"], clone, env)
    assert "Running stage" not in run(["dvc", "repro"], clone, env)


def test_sweep_reruns_only_the_experiment(pipeline: tuple[Path, dict[str, str], str]) -> None:
    clone, env, _ = pipeline
    baseline_ckpts = sorted((clone / "checkpoints/collapsed").glob("*.pt"))
    assert baseline_ckpts
    mtimes = [p.stat().st_mtime_ns for p in baseline_ckpts]

    log = run(["dvc", "exp", "run", "-S", "gen_lr=5e-5", "-n", "lr-5e-5"], clone, env)
    assert "Running stage 'train-fixed'" in log
    assert "Running stage 'train-collapsed'" not in log
    assert "Running stage 'prepare'" not in log
    assert [p.stat().st_mtime_ns for p in baseline_ckpts] == mtimes

    # DVC wrote the YAML 1.1 string '5e-05'; the compiled config holds a float.
    compiled = clone / "checkpoints/fixed/config"
    provenance = json.loads((compiled / "provenance.json").read_text())
    flat = json.loads((compiled / "config.json").read_text())
    bindings = provenance["bindings"]
    from_params = [key for key, row in bindings.items() if row["source"] == "params.yaml:gen_lr"]
    assert from_params and all(type(flat[key]) is float and flat[key] == 5e-05 for key in from_params)

    shown = subprocess.run(
        ["dvc", "exp", "show", "--json"], cwd=clone, env=env, capture_output=True, text=True, check=True
    )
    experiment = find_experiment(json.loads(shown.stdout), "lr-5e-5")
    assert experiment["params"]["params.yaml"]["data"]["gen_lr"] == 5e-05
    assert 0 <= experiment["metrics"]["reports/fixed/metrics.json"]["data"]["collapse_score"] <= 15

    # The Sacred run of the sweep received the float too.
    sacred_configs = [json.loads(p.read_text()) for p in Path(env["UKIYOE_RUNS_DIR"]).glob("*/config.json")]
    generator_lrs = [c["gin"]["LearningRates"]["generator"] for c in sacred_configs]
    assert 5e-05 in generator_lrs and all(type(lr) is float for lr in generator_lrs)


def test_ablation_queues_real_runs_and_ranks_each_fix(pipeline: tuple[Path, dict[str, str], str]) -> None:
    clone, env, _ = pipeline
    run(["ukiyoe", "ablate", "-j", "2", "--seeds", "1", "--direction", "out", "--fix", "gradient_penalty",
         "--fix", "n_critic"], clone, env)
    ranking = json.loads((clone / "reports/ablation/ranking.json").read_text())
    text = json.dumps(ranking)
    assert "gradient_penalty" in text and "n_critic" in text
    assert ranking["unmeasured"] == [] and len(ranking["effects"]) == 4  # 2 fixes x 2 metrics


def find_experiment(node: object, name: str) -> dict:
    """The ``data`` of the experiment called ``name`` anywhere in ``dvc exp show --json`` output."""
    if isinstance(node, dict):
        if node.get("name") == name and isinstance(node.get("data"), dict):
            return node["data"]
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        children = []
    for child in children:
        try:
            return find_experiment(child, name)
        except LookupError:
            continue
    raise LookupError(name)
