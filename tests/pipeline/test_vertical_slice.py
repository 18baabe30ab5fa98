"""End to end on a fresh clone, tiny params: `dvc repro`, two sweeps, a failed sweep, a queued ablation.

Real git, real DVC, real Sacred observer. One module-scoped repro feeds every test, in file order: the
failed sweep runs after the good ones, so it has their results to lose.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
SWEEPS = {"lr-1e-4": "1e-4", "lr-2e-4": "2e-4"}  # the default gen_lr is 5e-5: both change something


def run(cmd: list[str], cwd: Path, env: dict[str, str], check: bool = True) -> str:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if check:
        assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], str]:
    """A clone of this repository with tiny params, after one full `dvc repro` committed."""
    root = tmp_path_factory.mktemp("slice")
    clone = root / "clone"
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["UKIYOE_RUNS_DIR"] = str(root / "sacred")
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    run(["git", "clone", "--quiet", str(REPO), str(clone)], root, env)

    text = (clone / "params.yaml").read_text()
    for key, value in (("epochs", 2), ("batch_size", 16), ("count", 260)):
        text, replaced = re.subn(rf"^(\s*{key}:) \S+", rf"\g<1> {value}", text, count=1, flags=re.M)
        assert replaced == 1, key
    (clone / "params.yaml").write_text(text)  # comments and key order kept, as a user edits it
    # count 260: 195 train, 65 held out (diagnose needs at least 50 held-out images)
    run(["git", "commit", "--quiet", "-am", "tiny params"], clone, env)

    log = run(["dvc", "repro"], clone, env)
    run(["git", "add", "dvc.lock", "configs", "reports", "metrics"], clone, env)
    run(["git", "commit", "--quiet", "-m", "baseline results"], clone, env)
    return clone, env, log


def test_repro_leaves_before_after_report(pipeline: tuple[Path, dict[str, str], str]) -> None:
    clone, _, log = pipeline
    stages = ("prepare", "validate", "train-collapsed", "train-fixed", "diagnose@collapsed", "diagnose@fixed",
              "compare")
    for stage in stages:
        assert f"Running stage '{stage}'" in log
    assert log.index("Running stage 'validate'") < log.index("Running stage 'train-")
    assert "collapse" in (clone / "reports/compare/report.md").read_text().lower()
    assert (clone / "reports/compare/report.html").stat().st_size > 10_000  # embedded grids
    headline = json.loads((clone / "reports/compare/metrics.json").read_text())
    assert list(headline)[:2] == ["collapse", "verdict"]
    assert headline["collapse"] == f"{headline['collapse_before']} → {headline['collapse_after']}"
    assert all(0 <= headline[key] <= 15 for key in ("collapse_before", "collapse_after"))
    assert headline["img_per_s_after"] > 0 and headline["train_s_after"] > 0
    summary = json.loads((clone / "metrics/train/fixed/summary.json").read_text())
    assert set(summary) == {"images_per_second", "seconds"}
    assert json.loads((clone / "metrics/train/fixed/details.json").read_text())["epochs"] == 2
    for side in ("collapsed", "fixed"):
        metrics = json.loads((clone / f"reports/{side}/metrics.json").read_text())
        details = json.loads((clone / f"reports/{side}/details.json").read_text())
        assert 0 <= metrics["collapse_score"] <= 15 and isinstance(metrics["memorization"], bool)
        assert set(metrics["ci95"]) <= set(metrics) and metrics["num_samples"] == 2000
        for key in ("unique_pixel_ratio", "value_min", "value_max"):
            assert isinstance(details[key], float | int), key


def test_a_docs_only_change_reruns_nothing(pipeline: tuple[Path, dict[str, str], str]) -> None:
    """dvc.yaml lists exactly the code each stage runs (tests/structure), so docs are no stage's dep."""
    clone, env, _ = pipeline
    readme = clone / "README.md"
    readme.write_text(readme.read_text() + "\nA docs-only change.\n")
    run(["git", "commit", "--quiet", "-am", "docs only"], clone, env)
    assert "up to date" in run(["dvc", "status"], clone, env)
    assert "Running stage" not in run(["dvc", "repro"], clone, env)


def test_a_diagnose_setting_reruns_diagnose_not_training(pipeline: tuple[Path, dict[str, str], str]) -> None:
    clone, env, _ = pipeline
    options = clone / "experiments" / "diagnose.gin"
    original = options.read_text()
    try:
        options.write_text(original.replace("DiagnoseOptions.seed = 1234", "DiagnoseOptions.seed = 99"))
        status = run(["dvc", "status"], clone, env)
        assert "diagnose@collapsed" in status and "diagnose@fixed" in status
        assert "train-collapsed" not in status and "train-fixed" not in status
    finally:
        options.write_text(original)


def test_sweeps_rerun_only_the_experiment_and_show_readably(pipeline: tuple[Path, dict, str]) -> None:
    clone, env, _ = pipeline
    baseline_ckpts = sorted((clone / "checkpoints/collapsed").glob("*.pt"))
    assert baseline_ckpts
    mtimes = [p.stat().st_mtime_ns for p in baseline_ckpts]
    for name, value in SWEEPS.items():
        log = run(["dvc", "exp", "run", "-S", f"gen_lr={value}", "-n", name], clone, env)
        assert "Running stage 'train-fixed'" in log
        assert "Running stage 'train-collapsed'" not in log and "Running stage 'prepare'" not in log
    assert [p.stat().st_mtime_ns for p in baseline_ckpts] == mtimes

    # The sweep's value reached the compiled config as a float (DVC writes 2e-4 as YAML 1.1's string).
    flat = json.loads((clone / "checkpoints/fixed/config/config.json").read_text())
    assert type(flat["LearningRates.generator"]) is float and flat["LearningRates.generator"] == 2e-4

    # The plain table in 120 columns: DVC folds the columns that do not fit into "…", never the first
    # metric (the before → after collapse cell) or the first param (gen_lr), as long as the table has few
    # enough columns (every dep of every stage is one: code deps are packages, tests/structure).
    env120 = {**env, "COLUMNS": "120"}
    table = run(["dvc", "exp", "show", "--no-pager"], clone, env120)
    assert max(len(line) for line in table.splitlines()) <= 120
    changed = run(["dvc", "exp", "show", "--no-pager", "--only-changed"], clone, env120)
    assert "gen_lr" in changed and max(len(line) for line in changed.splitlines()) <= 120
    rows = table_rows(table)
    shown = exp_show_json(clone, env)
    for name, value in SWEEPS.items():
        row = next(cells for label, cells in rows.items() if f"[{name}]" in label)
        assert float(row["gen_lr"]) == float(value)
        headline = find_experiment(shown, name)["metrics"]["reports/compare/metrics.json"]["data"]
        assert row["collapse"] == headline["collapse"]  # "before → after", whole
        assert re.fullmatch(r"\d+(\.\d)? → \d+(\.\d)?", row["collapse"])
    run(["dvc", "exp", "show", "--no-pager", "--sort-by", "collapse_after"], clone, env120)
    diff = run(["dvc", "exp", "diff", "lr-1e-4", "lr-2e-4"], clone, env)
    assert "gen_lr" in diff and "reports/compare/metrics.json" in diff
    if (REPO / ".cache" / "plots-vendor").is_dir():
        cache = str(REPO / ".cache" / "plots-vendor")
        run(["ukiyoe", "plots", *SWEEPS, "--cache", cache], clone, env)
        page = (clone / "reports/plots/index.html").read_text()
        assert all(name in page for name in SWEEPS) and "<script src=" not in page


def test_failed_sweep_loses_nothing(pipeline: tuple[Path, dict[str, str], str]) -> None:
    clone, env, _ = pipeline
    kept = ["reports/compare/metrics.json", "reports/fixed/metrics.json", "metrics/train/fixed/summary.json",
            "metrics/train/fixed/details.json", "metrics/train/fixed/history.csv",
            *(str(p.relative_to(clone)) for p in (clone / "checkpoints/fixed").rglob("*") if p.is_file())]
    before = {path: digest(clone / path) for path in kept}
    result = subprocess.run(["dvc", "exp", "run", "-S", "gen_lr=abc"], cwd=clone, env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "ukiyoe validate: error: params.yaml:" in output
    assert "gen_lr must be a positive float, got 'abc'" in output
    assert "Running stage 'train-fixed'" not in output
    assert {path: digest(clone / path) for path in kept} == before
    run(["git", "checkout", "params.yaml"], clone, env)  # README: how to drop the bad value


def test_queued_ablation_keeps_a_sacred_run_per_experiment(pipeline: tuple[Path, dict, str]) -> None:
    """`ukiyoe ablate --queue` queues with `dvc exp run --queue`; the README's `dvc queue start -j 2` runs
    them side by side; each queued experiment keeps its own Sacred run; `--collect` ranks the fix."""
    clone, env, _ = pipeline
    queued = run(["ukiyoe", "ablate", "--queue", "--seeds", "1", "--direction", "out", "--fix", "n_critic"],
                 clone, env)
    names = re.search(r"queued 2 experiments of round \d+: (\S+), (\S+)", queued).groups()
    run(["dvc", "queue", "start", "-j", "2"], clone, env)
    wait_for_queue(clone, env, timeout_s=900)
    run(["ukiyoe", "ablate", "--collect"], clone, env)
    ranking = json.loads((clone / "reports/ablation/ranking.json").read_text())
    assert {effect["fix"] for effect in ranking["effects"]} == {"n_critic"} and ranking["unmeasured"] == []

    shown = exp_show_json(clone, env)
    runs = {}
    for info_file in Path(env["UKIYOE_RUNS_DIR"]).glob("*/info.json"):
        info = json.loads(info_file.read_text())
        if info.get("DVC_EXP_NAME") in names:
            status = json.loads((info_file.parent / "run.json").read_text())["status"]
            runs.setdefault(info["DVC_EXP_NAME"], []).append((info_file.parent.name, status, info))
    trained = [name for name in names if "-out-n_critic-" in name]
    assert set(runs) >= set(trained)  # the reference run's train stages were already up to date
    for name in trained:
        [(run_id, status, info)] = runs[name]
        assert status == "COMPLETED" and info["summary"]["steps"] > 0
        assert find_experiment(shown, name)["params"]["params.yaml"]["data"]["ablate"]["fix"] == "n_critic"
    run_ids = [run_id for entries in runs.values() for run_id, _, _ in entries]
    assert len(set(run_ids)) == len(run_ids)


def exp_show_json(clone: Path, env: dict[str, str]) -> list:
    done = subprocess.run(["dvc", "exp", "show", "--json"], cwd=clone, env=env, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_rows(table: str) -> dict[str, dict[str, str]]:
    """Rows of `dvc exp show`'s table by their Experiment cell; cells are split on runs of 2+ spaces (rich
    pads every cell with a space on each side). A cell that did not fit would read '…'."""
    lines = [line for line in table.splitlines() if line.strip() and not set(line.strip()) <= {"─", "━"}]
    header = re.split(r"\s{2,}", lines[0].strip())
    assert header[:2] == ["Experiment", "Created"], lines[0]
    rows = {}
    for line in lines[1:]:
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == len(header):
            rows[cells[0]] = dict(zip(header, cells, strict=True))
    assert {"collapse", "gen_lr"} <= set(header), header
    return rows


def wait_for_queue(clone: Path, env: dict[str, str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = run(["dvc", "queue", "status"], clone, env)
        if not re.search(r"\b(Queued|Running)\b", status):
            return
        time.sleep(5)
    run(["dvc", "queue", "stop", "--kill"], clone, env, check=False)
    raise AssertionError(f"queue still busy after {timeout_s:.0f} s:\n{status}")


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
