"""``ukiyoe ablate`` on a miniature real DVC project (real git, real DVC queue with two workers).

The project's only stage is a small script standing in for train+diagnose: it receives ``ablate.fix`` the
way the real train stage does (``--without-fix ${ablate.fix}`` in dvc.yaml) and writes a metrics file whose
collapse score rises by a known amount per removed fix, so the ranking has a known right answer.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ukiyoe.compare.ablate import rank_round
from ukiyoe.compare.dvc_experiments import ExperimentRecord
from ukiyoe.errors import UkiyoeError

STAGE_SCRIPT = '''
import argparse, json, os, yaml
parser = argparse.ArgumentParser()
parser.add_argument("--without-fix", default="none")
removed = parser.parse_args().without_fix
epochs = yaml.safe_load(open("params.yaml"))["epochs"]
effects = {"ttur": (8, 0.5), "isolation": (0, 0.0)}
score, coverage_loss = effects.get(removed, (0, 0.0))
os.makedirs("reports/compare", exist_ok=True)
verdict = "improved" if score < 3 else "worse"
metrics = {"collapse": f"12 → {2 + score}", "verdict": verdict, "collapse_after": 2 + score,
           "coverage_after": round(0.9 - coverage_loss, 3), "epochs_run": epochs}
json.dump(metrics, open("reports/compare/metrics.json", "w"))
'''

DVC_YAML = f'''stages:
  train:
    cmd: {sys.executable} train.py --without-fix ${{ablate.fix}}
    deps: [train.py, experiments]
    params: [ablate.fix, epochs]
    metrics:
      - reports/compare/metrics.json:
          cache: false
'''


def sh(repo: Path, *command: str) -> str:
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def ablated_repo(tmp_path_factory, run):
    """A committed DVC project after one full ablation round (queue, run with -j 2, collect)."""
    repo = tmp_path_factory.mktemp("ablate-project")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DVC_NO_ANALYTICS", "1")
        sh(repo, "git", "init", "-q")
        sh(repo, "git", "config", "user.email", "lab@example.org")
        sh(repo, "git", "config", "user.name", "lab")
        sh(repo, sys.executable, "-m", "dvc", "init", "-q")
        fixes = repo / "experiments" / "fixes"
        fixes.mkdir(parents=True)
        for fix in ("isolation", "ttur"):
            (fixes / f"{fix}.gin").write_text(f"# fix {fix}\n")
        (repo / "params.yaml").write_text("epochs: 20\nablate:\n  fix: none\n")
        (repo / "train.py").write_text(STAGE_SCRIPT)
        (repo / "dvc.yaml").write_text(DVC_YAML)
        sh(repo, "git", "add", "-A")
        sh(repo, "git", "commit", "-qm", "miniature pipeline")
        try:
            code = run(["ablate", "--repo", str(repo), "-j", "2", "-S", "epochs=1", "--timeout", "120"])
        finally:
            subprocess.run([sys.executable, "-m", "dvc", "queue", "stop"], cwd=repo, capture_output=True)
        yield repo, code


@pytest.mark.slow
def test_ablation_queues_runs_and_ranks_each_fix(ablated_repo):
    repo, code = ablated_repo
    assert code == 0
    ranking = json.loads((repo / "reports" / "ablation" / "ranking.json").read_text())
    assert ranking["reference"]["collapse_score"] == 2
    assert [effect["fix"] for effect in ranking["effects"]] == ["ttur", "isolation"]
    assert [effect["rank"] for effect in ranking["effects"]] == [1, 2]
    assert [effect["collapse_effect"] for effect in ranking["effects"]] == [8, 0]
    assert [effect["coverage_effect"] for effect in ranking["effects"]] == pytest.approx([0.5, 0.0])
    assert [effect["verdict"] for effect in ranking["effects"]] == ["helps", "no measurable effect"]
    assert all(effect["state"] == "success" for effect in ranking["effects"])
    markdown = (repo / "reports" / "ablation" / "ranking.md").read_text()
    name = f"ablate-{ranking['round']}-ttur"
    assert f"| 1 | ttur | {name} | success | 10 | 0.4 | +8 | +0.5 | helps |" in markdown


@pytest.mark.slow
def test_extra_overrides_reach_every_queued_run(ablated_repo):
    repo, _ = ablated_repo
    shown = json.loads(sh(repo, sys.executable, "-m", "dvc", "exp", "show", "--json"))
    experiments = shown[1]["experiments"]
    assert len(experiments) == 3
    for entry in experiments:
        data = entry["revs"][0]["data"]
        assert data["params"]["params.yaml"]["data"]["epochs"] == 1
        assert data["metrics"]["reports/compare/metrics.json"]["data"]["epochs_run"] == 1


@pytest.mark.slow
def test_compare_tabulates_real_dvc_experiments(ablated_repo, report_pair, tmp_path, run):
    repo, _ = ablated_repo
    round_tag = json.loads((repo / "reports" / "ablation" / "ranking.json").read_text())["round"]
    before, after = report_pair
    out = tmp_path / "compare"
    names = [f"ablate-{round_tag}-none", f"ablate-{round_tag}-ttur"]
    argv = ["compare", "--before", str(before), "--after", str(after), "--out", str(out), "--repo", str(repo),
            "--exp", *names]
    assert run(argv) == 0
    markdown = (out / "report.md").read_text()
    columns = ("experiment", "state", "ablate.fix", "collapse", "verdict", "coverage_after")
    assert f"| {' | '.join(columns)} |" in markdown
    assert f"| {names[0]} | success | none | 12 → 2 | improved | 0.9 |" in markdown
    assert f"| {names[1]} | success | ttur | 12 → 10 | worse | 0.4 |" in markdown
    assert "DVC experiments" in (out / "report.html").read_text()


@pytest.mark.slow
def test_unknown_experiment_is_one_error(ablated_repo, report_pair, tmp_path, capsys, run):
    repo, _ = ablated_repo
    before, after = report_pair
    argv = ["compare", "--before", str(before), "--after", str(after), "--out", str(tmp_path / "c"),
            "--repo", str(repo), "--exp", "no-such-exp"]
    assert run(argv) == 2
    assert "experiment 'no-such-exp' not found in 'dvc exp show'" in capsys.readouterr().err


def record(name: str, fix: str, metrics: dict | None, state: str = "success") -> ExperimentRecord:
    return ExperimentRecord(rev=name.ljust(40, "0"), name=name, baseline="b" * 40, state=state,
                            timestamp=None, params={"params.yaml": {"ablate.fix": fix}},
                            metrics={"reports/compare/metrics.json": metrics} if metrics else {})


def test_failed_fix_run_is_ranked_last_as_not_measured():
    records = [record("ablate-20260101000000-none", "none", {"collapse_score": 2, "coverage": 0.9}),
               record("ablate-20260101000000-ttur", "ttur", None, state="failed"),
               record("ablate-20260101000000-dropout", "dropout", {"collapse_score": 1, "coverage": 0.95})]
    ranking = rank_round(records)
    assert [(e.fix, e.verdict) for e in ranking.effects] == [("dropout", "hurts"), ("ttur", "not measured")]
    assert ranking.effects[1].state == "failed"


def test_latest_round_wins_and_a_missing_reference_is_an_error():
    records = [record("ablate-20260101000000-none", "none", {"collapse_score": 2}),
               record("ablate-20270101000000-ttur", "ttur", {"collapse_score": 9})]
    with pytest.raises(UkiyoeError, match=r"round 20270101000000: reference run .* has no"):
        rank_round(records)
    assert rank_round(records, round_tag="20260101000000").effects == []
