"""``ukiyoe ablate``: DVC experiments that remove one fix from the experiment or add one to the collapsed
baseline, each over K seeds, then a ranking of what each fix buys with a significance call.

A round queues, per seed: a reference run (``ablate.fix=none``, ``ablate.add=none``: the full experiment on
the after side, the plain baseline on the before side), one leave-one-out run per fix (``ablate.fix=<fix>``;
the experiment's train stage turns it into ``--without-fix <fix>``) and one add-one-in run per fix
(``ablate.add=<fix>``; the baseline's train stage turns it into ``--with-fix <fix>``). The seed travels as
``-S seed=<k>``. Every run is built from the same commit, so each effect is measured against references of
the same seeds. Names carry a round tag (``ablate-<YYYYmmddHHMMSS>-<ref|out|in>-<fix>-s<seed>``) because DVC
refuses a name twice on one commit; collection reads the latest round. Statistics: ``ablation_stats``.
"""

from __future__ import annotations

import math
import re
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ukiyoe.common.errors import UkiyoeError
from ukiyoe.common.files import json_text
from ukiyoe.compare.ablation_stats import ALPHA, TEST, SeededEffect, ranked, ranking_table, seeded_effect
from ukiyoe.compare.cli import DEFAULT_BASELINE_METRICS_FILE, DEFAULT_METRICS_FILE
from ukiyoe.compare.dvc_experiments import ExperimentRecord, exp_show, run_dvc
from ukiyoe.compare.headline import COLLAPSE_AFTER, COVERAGE_AFTER
from ukiyoe.compare.verdict import SPECS_BY_KEY, Direction, number

ABLATE_PARAM = "ablate.fix"
ADD_PARAM = "ablate.add"
SEED_PARAM = "seed"
REFERENCE_FIX = "none"
METRICS = ("collapse_score", "coverage")
# Where each metric is read per direction: the compare headline's side columns first, a per-side report's
# plain keys otherwise (leave-one-out changes the after side, add-one-in the before side).
METRIC_KEYS = {
    ("out", "collapse_score"): (COLLAPSE_AFTER, "collapse_score"),
    ("out", "coverage"): (COVERAGE_AFTER, "coverage"),
    ("in", "collapse_score"): ("collapse_before", "collapse_score"),
    ("in", "coverage"): ("coverage_before", "coverage"),
}
KINDS = ("ref", "out", "in")
NAME_PATTERN = re.compile(r"^ablate-(?P<round>\d{14})-(?P<kind>ref|out|in)-(?P<fix>.+)-s(?P<seed>\d+)$")
FIX_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
PENDING_STATES = ("queued", "running")
# Without a GPU the runs share the CPU cores: two at a time. On a GPU, as many as its free memory holds;
# a fixed.gin full-profile run at 64 px, batch 32 peaked at 3.9 GiB (benchmarks/RESULTS.md), plus its
# CUDA context.
CPU_JOBS = 2
GPU_GIB_PER_RUN = 4.5


@dataclass(frozen=True)
class PlannedRun:
    kind: str
    fix: str
    seed: int

    def overrides(self, param: str = ABLATE_PARAM, add_param: str = ADD_PARAM) -> list[str]:
        removed = self.fix if self.kind == "out" else REFERENCE_FIX
        added = self.fix if self.kind == "in" else REFERENCE_FIX
        return [f"{param}={removed}", f"{add_param}={added}", f"{SEED_PARAM}={self.seed}"]


@dataclass(frozen=True)
class AblationRanking:
    round: str
    metrics_files: dict[str, str]
    seeds: list[int]
    effects: list[SeededEffect]
    unmeasured: list[str] = field(default_factory=list)


def discover_fixes(fixes_dir: Path) -> list[str]:
    """Sorted stems of ``*.gin`` in the fixes directory; each names an experiment and a param value."""
    if not fixes_dir.is_dir():
        raise UkiyoeError(f"fixes directory {fixes_dir} does not exist")
    fixes = sorted(path.stem for path in fixes_dir.glob("*.gin"))
    if not fixes:
        raise UkiyoeError(f"{fixes_dir}: no *.gin fixes to ablate")
    for fix in fixes:
        if fix == REFERENCE_FIX or not FIX_NAME.fullmatch(fix):
            raise UkiyoeError(f"{fixes_dir}: fix file {fix + '.gin'!r}: fix name {fix!r} cannot name an "
                              f"experiment (use letters, digits, '_', '-'; '{REFERENCE_FIX}' is reserved)")
    return fixes


def included_fixes(experiment: Path, fixes_dir: Path) -> list[str]:
    """The fixes of ``fixes_dir`` that ``experiment`` includes (directly or through other files), sorted."""
    from ukiyoe.config.gin_files import Tree, included_files

    if not experiment.is_file():
        raise UkiyoeError(f"--experiment {experiment}: no such file")
    files = included_files(experiment, Tree(fixes_dir.parent, experiment.parent, ()))
    known = set(discover_fixes(fixes_dir))
    return sorted({path.stem for path in files if path.parent.resolve() == fixes_dir.resolve()} & known)


def experiment_name(round_tag: str, kind: str, fix: str, seed: int) -> str:
    return f"ablate-{round_tag}-{kind}-{fix}-s{seed}"


def new_round_tag() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S")


def plan_round(fixes: Sequence[str], seeds: Sequence[int], directions: Sequence[str] = ("out", "in")
               ) -> list[PlannedRun]:
    """Per seed: the reference, then each fix in each direction."""
    if not seeds:
        raise UkiyoeError("--seeds must be at least 1")
    return [run for seed in seeds
            for run in (PlannedRun("ref", REFERENCE_FIX, seed),
                        *(PlannedRun(kind, fix, seed) for fix in fixes for kind in directions))]


def parse_free_mib(text: str) -> float | None:
    """GPU 0's free MiB from ``nvidia-smi --query-gpu=memory.free --format=csv,noheader,nounits``."""
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    try:
        value = float(first)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def free_gpu_gib() -> float | None:
    """Free memory of GPU 0 (where every run trains) in GiB; None without a usable nvidia-smi."""
    command = ["nvidia-smi", "--query-gpu=memory.free", "--format=csv,noheader,nounits"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    mib = parse_free_mib(done.stdout) if done.returncode == 0 else None
    return None if mib is None else mib / 1024


def default_jobs(runs: int, gib_per_run: float = GPU_GIB_PER_RUN, free_gib: float | None = None) -> int:
    """Parallel runs: as many as the GPU's free memory holds (at most ``runs``); ``CPU_JOBS`` without one."""
    free_gib = free_gpu_gib() if free_gib is None else free_gib
    if free_gib is None:
        return max(1, min(runs, CPU_JOBS))
    return max(1, min(runs, int(free_gib // gib_per_run)))


def queue_ablation(repo: Path, runs: Sequence[PlannedRun], round_tag: str, set_params: Sequence[str] = (),
                   param: str = ABLATE_PARAM, add_param: str = ADD_PARAM) -> list[str]:
    """Queue every planned run; returns the experiment names."""
    names = []
    for run in runs:
        name = experiment_name(round_tag, run.kind, run.fix, run.seed)
        values = (*run.overrides(param, add_param), *set_params)
        overrides = [arg for value in values for arg in ("-S", value)]
        run_dvc(repo, "exp", "run", "--queue", "--name", name, *overrides)
        names.append(name)
    return names


def run_queue(repo: Path, jobs: int, names: Sequence[str], timeout_s: float, poll_s: float = 3.0
              ) -> list[ExperimentRecord]:
    """Start N queue workers (``dvc queue start -j N``; on one GPU the N runs share it) and wait until every
    named run has finished, by the states ``dvc exp show`` reports, then stop the workers. Not
    ``dvc exp run --run-all``: it waits for its workers to exit, and a DVC worker can stay up after the
    queue is empty (treeverse/dvc#10398, seen here), which blocks it with every run done. A failed run is
    not an error here: it is reported as not measured. Returns the experiments afterwards."""
    run_dvc(repo, "queue", "start", "--jobs", str(jobs))
    deadline = time.monotonic() + timeout_s
    while True:
        records = exp_show(repo)
        states = {record.name: record.state for record in records if record.name in names}
        pending = sorted(name for name in names if states.get(name, "queued") in PENDING_STATES)
        if not pending:
            run_dvc(repo, "queue", "stop", check=False)
            return records
        if time.monotonic() > deadline:
            raise UkiyoeError(f"ablation runs {', '.join(pending)} in {repo} did not finish in "
                              f"{timeout_s:.0f} s; they go on in the background: see 'dvc queue status' and "
                              "'dvc queue logs NAME'")
        time.sleep(poll_s)


def latest_round(records: Sequence[ExperimentRecord]) -> str:
    rounds = [match["round"] for record in records if (match := NAME_PATTERN.fullmatch(record.name or ""))]
    if not rounds:
        raise UkiyoeError("no ablation experiments (named ablate-<round>-<ref|out|in>-<fix>-s<seed>) in "
                          "'dvc exp show'; run 'ukiyoe ablate --queue' first")
    return max(rounds)


def _values(record: ExperimentRecord | None, keys: Sequence[str], metrics_file: str) -> float | None:
    """The first key of ``keys`` that ``record`` reports as a number in ``metrics_file``."""
    if record is None or record.state not in ("success", "done"):
        return None
    values = (number(record.metric(key, metrics_file)) for key in keys)
    return next((value for value in values if value is not None), None)


def _round_records(records: Sequence[ExperimentRecord], round_tag: str
                   ) -> dict[tuple[str, str, int], ExperimentRecord]:
    found = {}
    for record in records:
        match = NAME_PATTERN.fullmatch(record.name or "")
        if match and match["round"] == round_tag:
            found[(match["kind"], match["fix"], int(match["seed"]))] = record
    return found


def rank_round(records: Sequence[ExperimentRecord], metrics_file: str = DEFAULT_METRICS_FILE,
               baseline_metrics_file: str = DEFAULT_BASELINE_METRICS_FILE, round_tag: str | None = None,
               metrics: Sequence[str] = METRICS, alpha: float = ALPHA) -> AblationRanking:
    """Per fix, direction and metric: the seeded effect against the same seeds' reference runs."""
    round_tag = round_tag or latest_round(records)
    runs = _round_records(records, round_tag)
    seeds = sorted({seed for kind, _, seed in runs if kind == "ref"})
    files = {"out": metrics_file, "in": baseline_metrics_file}
    effects, unmeasured = [], []
    for kind, fix in sorted({(kind, fix) for kind, fix, _ in runs if kind != "ref"}):
        for metric in metrics:
            keys = METRIC_KEYS.get((kind, metric), (metric,))
            pairs = [(_values(runs.get((kind, fix, seed)), keys, files[kind]),
                      _values(runs.get(("ref", REFERENCE_FIX, seed)), keys, files[kind])) for seed in seeds]
            measured = [(value, reference) for value, reference in pairs if None not in (value, reference)]
            if not measured:
                unmeasured.append(f"{kind}:{fix}:{metric}")
                continue
            higher = SPECS_BY_KEY[metric].direction == Direction.HIGHER if metric in SPECS_BY_KEY else False
            values, references = zip(*measured, strict=True)
            effects.append(seeded_effect(fix, kind, metric, values, references, higher, alpha))
    if not effects:
        raise UkiyoeError(f"ablation round {round_tag}: no run has both its metrics and a reference run of "
                          f"the same seed ({metrics_file}, {baseline_metrics_file})")
    return AblationRanking(round_tag, files, seeds, ranked(effects), unmeasured)


def ranking_markdown(ranking: AblationRanking) -> str:
    lines = [f"# Ablation ranking (round {ranking.round})", "",
             f"Seeds {', '.join(map(str, ranking.seeds))}. Leave-one-out reads "
             f"`{ranking.metrics_files['out']}`, add-one-in `{ranking.metrics_files['in']}`. Test: {TEST}.",
             "", ranking_table(ranking.effects)]
    if ranking.unmeasured:
        lines += ["Not measured (failed or missing runs): " + ", ".join(ranking.unmeasured), ""]
    return "\n".join(lines)


def write_ranking(ranking: AblationRanking, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = asdict(ranking)
    for effect, source in zip(payload["effects"], ranking.effects, strict=True):
        effect.update(mean=source.mean, std=source.std, reference_mean=source.reference_mean,
                      reference_std=source.reference_std)
    payload["test"] = TEST
    text = json_text(payload, sort_keys=False)
    (out_dir / "ranking.json").write_text(text, encoding="utf-8")
    (out_dir / "ranking.md").write_text(ranking_markdown(ranking), encoding="utf-8")
    return out_dir
