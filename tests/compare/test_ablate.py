"""``ukiyoe ablate --seeds K`` on a miniature real DVC project (real git, real DVC queue with two workers).

The project's only stage is a small script standing in for the whole pipeline: it receives ``ablate.fix``
and ``ablate.add`` the way the real config compilation does (``--without-fix`` / ``--with-fix``) and
``seed``, and writes the compare headline (``reports/compare/metrics.json``) with both sides. One fix has a
large known effect, the other none; every seed shifts every run by the same seed-dependent amount, so the
zero effect must be called "within noise" and the large one significant.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ukiyoe.common.errors import UkiyoeError
from ukiyoe.compare import ablate
from ukiyoe.compare.ablate import plan_round, rank_round
from ukiyoe.compare.ablation_stats import holm_adjusted, ranking_table, seeded_effect, welch_p_value
from ukiyoe.compare.dvc_experiments import ExperimentRecord

STAGE_SCRIPT = '''
import argparse, json, os, yaml
parser = argparse.ArgumentParser()
parser.add_argument("--without-fix", default="none")
parser.add_argument("--with-fix", default="none")
args = parser.parse_args()
params = yaml.safe_load(open("params.yaml"))
noise = [0.0, 0.4, -0.3, 0.2][params["seed"]]
effects = {"ttur": (8, 0.5), "isolation": (0, 0.0)}
removed, added = effects.get(args.without_fix, (0, 0.0)), effects.get(args.with_fix, (0, 0.0))
before, after = 12 - added[0] + noise, 2 + removed[0] + noise
os.makedirs("reports/compare", exist_ok=True)
metrics = {"collapse": f"{before:g} → {after:g}", "verdict": "improved" if after < before else "worse",
           "collapse_before": before, "collapse_after": after,
           "coverage_before": round(0.1 + added[1] + noise / 10, 3),
           "coverage_after": round(0.9 - removed[1] + noise / 10, 3), "epochs_run": params["epochs"],
           "mps_pipe": os.environ.get("CUDA_MPS_PIPE_DIRECTORY", "")}
json.dump(metrics, open("reports/compare/metrics.json", "w"))
'''

DVC_YAML = f'''stages:
  train:
    cmd: {sys.executable} train.py --without-fix ${{ablate.fix}} --with-fix ${{ablate.add}}
    deps: [train.py, experiments]
    params: [ablate.fix, ablate.add, epochs, seed]
    metrics:
      - reports/compare/metrics.json:
          cache: false
'''
EXPERIMENT = "include 'base.gin'\ninclude 'fixes/isolation.gin'\ninclude 'fixes/ttur.gin'\n"
SEEDS = 2


def sh(repo: Path, *command: str) -> str:
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def ablated_repo(tmp_path_factory, run):
    """A committed DVC project after one full ablation round (queue, run with -j 2, collect)."""
    repo = tmp_path_factory.mktemp("ablate-project")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DVC_NO_ANALYTICS", "1")
        patch.setenv("CUDA_MPS_PIPE_DIRECTORY", str(repo / "mps-pipe"))  # as ``--mps`` sets it for children
        sh(repo, "git", "init", "-q")
        sh(repo, "git", "config", "user.email", "lab@example.org")
        sh(repo, "git", "config", "user.name", "lab")
        sh(repo, sys.executable, "-m", "dvc", "init", "-q")
        fixes = repo / "experiments" / "fixes"
        fixes.mkdir(parents=True)
        for fix in ("isolation", "ttur", "unused"):
            (fixes / f"{fix}.gin").write_text(f"# fix {fix}\n")
        (repo / "experiments" / "base.gin").write_text("# shared\n")
        (repo / "experiments" / "fixed.gin").write_text(EXPERIMENT)
        (repo / "params.yaml").write_text("epochs: 20\nseed: 0\nablate:\n  fix: none\n  add: none\n")
        (repo / "train.py").write_text(STAGE_SCRIPT)
        (repo / "dvc.yaml").write_text(DVC_YAML)
        sh(repo, "git", "add", "-A")
        sh(repo, "git", "commit", "-qm", "miniature pipeline")
        try:
            code = run(["ablate", "--repo", str(repo), "-j", "2", "--seeds", str(SEEDS), "-S", "epochs=1",
                        "--timeout", "900"])
        finally:
            subprocess.run([sys.executable, "-m", "dvc", "queue", "stop"], cwd=repo, capture_output=True)
        yield repo, code


def _effects(repo: Path) -> dict[tuple[str, str, str], dict]:
    ranking = json.loads((repo / "reports" / "ablation" / "ranking.json").read_text())
    return {(e["direction"], e["fix"], e["metric"]): e for e in ranking["effects"]}


@pytest.mark.slow
def test_ablation_over_seeds_ranks_both_directions_and_calls_noise(ablated_repo):
    repo, code = ablated_repo
    assert code == 0
    effects = _effects(repo)
    # "unused" is in fixes/ but not in the experiment: never queued
    assert {fix for _, fix, _ in effects} == {"isolation", "ttur"}
    ttur_out, ttur_in = effects[("out", "ttur", "collapse_score")], effects[("in", "ttur", "collapse_score")]
    assert ttur_out["effect"] == pytest.approx(8) and ttur_in["effect"] == pytest.approx(8)
    assert ttur_out["values"] == pytest.approx([10.0, 10.4])
    assert ttur_out["reference"] == pytest.approx([2.0, 2.4])
    assert ttur_in["values"] == pytest.approx([4.0, 4.4])
    assert ttur_out["verdict"] == ttur_in["verdict"] == "helps" and ttur_out["p_value"] < 0.05
    assert effects[("out", "ttur", "coverage")]["effect"] == pytest.approx(0.5)
    for direction in ("out", "in"):
        isolation = effects[(direction, "isolation", "collapse_score")]
        assert isolation["effect"] == pytest.approx(0) and isolation["verdict"] == "within noise"
        assert isolation["std"] == pytest.approx(0.4 / 2**0.5)
    markdown = (repo / "reports" / "ablation" / "ranking.md").read_text()
    assert "Welch's two-sided t-test" in markdown and "### add-one-in to the collapsed baseline" in markdown
    assert "| 1 | ttur | collapse_score | 2 | 10.2 ± 0.28 | 2.2 ± 0.28 | +8 ± 0 |" in markdown


@pytest.mark.slow
def test_extra_overrides_seeds_and_ablates_environment_reach_every_queued_run(ablated_repo):
    """The environment too: ``--mps`` points the queued runs at its daemon through it."""
    repo, _ = ablated_repo
    shown = json.loads(sh(repo, sys.executable, "-m", "dvc", "exp", "show", "--json"))
    experiments = shown[1]["experiments"]
    assert len(experiments) == SEEDS * (1 + 2 * 2)
    seeds = []
    for entry in experiments:
        data = entry["revs"][0]["data"]
        assert data["params"]["params.yaml"]["data"]["epochs"] == 1
        seeds.append(data["params"]["params.yaml"]["data"]["seed"])
        assert data["metrics"]["reports/compare/metrics.json"]["data"]["epochs_run"] == 1
        assert data["metrics"]["reports/compare/metrics.json"]["data"]["mps_pipe"] == str(repo / "mps-pipe")
    assert sorted(seeds) == sorted(list(range(SEEDS)) * 5)


@pytest.mark.slow
def test_mps_without_its_control_program_is_one_error_and_queues_nothing(ablated_repo, run, capsys):
    repo, _ = ablated_repo
    before = sh(repo, sys.executable, "-m", "dvc", "exp", "show", "--json")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", str(Path(sys.executable).parent))  # no NVIDIA driver programs
        assert run(["ablate", "--repo", str(repo), "--seeds", "1", "--mps"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(
        "--mps: nvidia-cuda-mps-control is not on PATH (it ships with the NVIDIA driver)")
    assert sh(repo, sys.executable, "-m", "dvc", "exp", "show", "--json") == before


@pytest.mark.slow
def test_compare_tabulates_real_dvc_experiments(ablated_repo, report_pair, tmp_path, run):
    repo, _ = ablated_repo
    round_tag = json.loads((repo / "reports" / "ablation" / "ranking.json").read_text())["round"]
    before, after = report_pair
    out = tmp_path / "compare"
    names = [f"ablate-{round_tag}-ref-none-s0", f"ablate-{round_tag}-out-ttur-s0"]
    argv = ["compare", "--before", str(before), "--after", str(after), "--out", str(out), "--repo", str(repo),
            "--exp", *names]
    assert run(argv) == 0
    markdown = (out / "report.md").read_text()
    columns = ("experiment", "state", "ablate.fix", "collapse", "verdict", "coverage_after")
    assert f"| {' | '.join(columns)} |" in markdown
    assert f"| {names[0]} | success | none | 12 → 2 | improved | 0.9 |" in markdown
    assert f"| {names[1]} | success | ttur | 12 → 10 | improved | 0.4 |" in markdown
    assert "DVC experiments" in (out / "report.html").read_text()


@pytest.mark.slow
def test_unknown_experiment_is_one_error(ablated_repo, report_pair, tmp_path, capsys, run):
    repo, _ = ablated_repo
    before, after = report_pair
    argv = ["compare", "--before", str(before), "--after", str(after), "--out", str(tmp_path / "c"),
            "--repo", str(repo), "--exp", "no-such-exp"]
    assert run(argv) == 2
    assert "experiment 'no-such-exp' not found in 'dvc exp show'" in capsys.readouterr().err


PER_SIDE = ("reports/fixed/metrics.json", "reports/collapsed/metrics.json")  # per-side reports, plain keys


def record(name: str, metrics: dict | None, baseline: dict | None = None, state: str = "success"
           ) -> ExperimentRecord:
    files = dict(zip(PER_SIDE, (metrics, baseline), strict=True))
    return ExperimentRecord(rev=name.ljust(40, "0"), name=name, baseline="b" * 40, state=state,
                            timestamp=None, params={}, metrics={k: v for k, v in files.items() if v})


def test_a_failed_run_is_left_out_and_a_fully_failed_fix_is_listed_unmeasured():
    tag = "20260101000000"
    records = [record(f"ablate-{tag}-ref-none-s{seed}", {"collapse_score": 2 + seed}) for seed in (0, 1)]
    records += [record(f"ablate-{tag}-out-ttur-s0", None, state="failed"),
                record(f"ablate-{tag}-out-ttur-s1", None, state="failed"),
                record(f"ablate-{tag}-out-drop-out-s0", {"collapse_score": 1, "coverage": 0.95}),
                record(f"ablate-{tag}-out-drop-out-s1", None, state="failed")]
    ranking = rank_round(records, *PER_SIDE, metrics=("collapse_score",))
    assert [(e.fix, e.values, e.reference) for e in ranking.effects] == [("drop-out", (1.0,), (2.0,))]
    assert ranking.effects[0].effect == -1 and ranking.effects[0].verdict == "one seed: no significance call"
    assert ranking.unmeasured == ["out:ttur:collapse_score"]


def test_latest_round_wins_and_a_round_without_references_is_an_error():
    records = [record("ablate-20260101000000-ref-none-s0", {"collapse_score": 2}),
               record("ablate-20260101000000-out-ttur-s0", {"collapse_score": 9}),
               record("ablate-20270101000000-out-ttur-s0", {"collapse_score": 9})]
    with pytest.raises(UkiyoeError, match=r"round 20270101000000: no run has both"):
        rank_round(records, *PER_SIDE)
    ranking = rank_round(records, *PER_SIDE, round_tag="20260101000000", metrics=("collapse_score",))
    assert ranking.effects[0].effect == 7


def test_plan_has_one_reference_and_each_fix_in_each_direction_per_seed():
    plan = plan_round(["a", "b"], [0, 1, 2])
    assert len(plan) == 3 * 5 and sum(run.kind == "ref" for run in plan) == 3
    assert plan[1].overrides() == ["ablate.fix=a", "ablate.add=none", "seed=0"]
    assert plan[2].overrides() == ["ablate.fix=none", "ablate.add=a", "seed=0"]
    assert {run.kind for run in plan_round(["a"], [0], ["in"])} == {"ref", "in"}


@pytest.mark.parametrize(("values", "reference", "higher", "direction", "verdict"), [
    ([10.0, 10.3, 9.8], [2.0, 2.2, 1.9], False, "out", "helps"),       # removing it raises the score
    ([0.2, 0.25, 0.22], [0.9, 0.88, 0.91], True, "out", "helps"),      # removing it lowers coverage
    ([2.1, 1.9, 2.3], [2.0, 2.2, 1.8], False, "out", "within noise"),
    ([5.0, 5.2, 4.9], [2.0, 2.2, 1.9], True, "in", "helps"),           # adding it raises coverage
    ([5.0, 5.2, 4.9], [2.0, 2.2, 1.9], False, "in", "hurts"),          # adding it raises the score
])
def test_effect_sign_and_welch_call(values, reference, higher, direction, verdict):
    effect = seeded_effect("fix", direction, "m", values, reference, higher)
    assert effect.verdict == verdict
    assert (effect.effect > 0) == (verdict == "helps") or verdict == "within noise"


def test_welch_p_value_edge_cases():
    assert welch_p_value([1.0], [2.0, 3.0]) is None
    assert welch_p_value([1.0, 1.0], [1.0, 1.0]) == 1.0
    assert welch_p_value([1.0, 1.0], [2.0, 2.0]) == 0.0
    assert 0.0 < welch_p_value([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]) < 1.0


@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=8))
def test_free_memory_is_read_from_the_first_gpu_line(mib: list[int]) -> None:
    assert ablate.parse_free_mib("\n".join(f" {value}" for value in mib) + "\n") == mib[0]


@pytest.mark.parametrize("text", ["", "\n", "N/A", "[Not Supported]", "-5", "nan", "inf", "12 MiB"])
def test_unreadable_free_memory_means_no_gpu(text: str) -> None:
    assert ablate.parse_free_mib(text) is None


def test_default_jobs_follow_free_gpu_memory_and_stay_two_without_a_gpu(monkeypatch) -> None:
    assert ablate.default_jobs(11, 4.5, free_gib=139.0) == 11
    assert ablate.default_jobs(11, 4.5, free_gib=20.0) == 4
    assert ablate.default_jobs(11, 4.5, free_gib=1.0) == 1
    assert ablate.default_jobs(3, 4.5, free_gib=139.0) == 3
    monkeypatch.setenv("PATH", "")  # no nvidia-smi: the CPU default
    assert ablate.free_gpu_gib() is None
    assert ablate.default_jobs(11) == ablate.CPU_JOBS and ablate.default_jobs(1) == 1


def test_holm_adjusts_by_rank_and_skips_missing_p_values() -> None:
    assert holm_adjusted([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm_adjusted([None, 0.5, 0.9]) == [None, 1.0, 1.0]


@given(st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_holm_never_lowers_a_p_value_and_keeps_the_order(p_values: list[float]) -> None:
    adjusted = holm_adjusted(p_values)
    assert all(raw <= adj <= 1.0 for raw, adj in zip(p_values, adjusted, strict=True))
    pairs = sorted(zip(p_values, adjusted, strict=True))
    assert all(a[1] <= b[1] for a, b in zip(pairs, pairs[1:], strict=False))


def test_the_ranking_shows_holm_p_beside_each_verdict() -> None:
    effects = [seeded_effect(f"fix{i}", "out", "modes", [900 - 40 * i, 905 - 40 * i, 910 - 40 * i],
                             [900, 905, 910], True) for i in range(3)]
    table = ranking_table(effects)
    assert "Holm p: adjusted for the 3 tests below" in table
    rows = [line.split(" | ") for line in table.splitlines() if line.startswith(("| 1 ", "| 2 "))]
    assert all(len(row) == 10 for row in rows)
