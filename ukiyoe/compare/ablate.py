"""``ukiyoe ablate``: one DVC experiment per fix with that fix removed, then a ranking of what each fix buys.

Every round queues a reference run (``ablate.fix=none``, all fixes on) beside one run per file in
``experiments/fixes/`` (``ablate.fix=<fix>``), so each effect is measured against a baseline built from the
same commit. The params key (a nested block, which the config compiler leaves to the pipeline) travels with
``dvc exp run -S`` into the queued workspace, where the train stage turns it into
``ukiyoe train --without-fix <fix>``. Experiment names carry a round tag
(``ablate-<YYYYmmddHHMMSS>-<fix>``) because DVC refuses a name twice on one commit; collection reads the
latest round.

Effects: ``collapse_effect`` = score without the fix - score with all fixes (> 0: the fix lowers collapse);
``coverage_effect`` = coverage with all fixes - coverage without (> 0: the fix raises coverage).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from ukiyoe.compare.cli import DEFAULT_METRICS_FILE
from ukiyoe.compare.dvc_experiments import ExperimentRecord, exp_show, run_dvc
from ukiyoe.compare.verdict import SPECS_BY_KEY, number
from ukiyoe.errors import UkiyoeError

ABLATE_PARAM = "ablate.fix"
REFERENCE_FIX = "none"

NAME_PATTERN = re.compile(r"^ablate-(?P<round>\d{14})-(?P<fix>.+)$")
FIX_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
PENDING_STATES = ("queued", "running")


@dataclass(frozen=True)
class FixEffect:
    fix: str
    experiment: str
    state: str
    collapse_score: float | None
    coverage: float | None
    collapse_effect: float | None
    coverage_effect: float | None
    verdict: str


@dataclass(frozen=True)
class AblationRanking:
    round: str
    metrics_file: str
    reference: FixEffect
    effects: list[FixEffect]


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


def experiment_name(round_tag: str, fix: str) -> str:
    return f"ablate-{round_tag}-{fix}"


def new_round_tag() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S")


def queue_ablation(repo: Path, fixes: Sequence[str], param: str = ABLATE_PARAM,
                   set_params: Sequence[str] = (), round_tag: str | None = None) -> list[str]:
    """Queue the reference run and one run per fix; returns the experiment names."""
    round_tag = round_tag or new_round_tag()
    names = []
    for fix in (REFERENCE_FIX, *fixes):
        name = experiment_name(round_tag, fix)
        overrides = [arg for value in (f"{param}={fix}", *set_params) for arg in ("-S", value)]
        run_dvc(repo, "exp", "run", "--queue", "--name", name, *overrides)
        names.append(name)
    return names


def run_queue(repo: Path, jobs: int, names: Sequence[str], timeout_s: float) -> list[ExperimentRecord]:
    """Run the queue with N workers and block until it is empty (``dvc exp run --run-all -j N``: the
    blocking form of ``dvc queue start -j N``). A failed run is not an error here: it is ranked as not
    measured. Returns the experiments afterwards."""
    run_dvc(repo, "exp", "run", "--run-all", "--jobs", str(jobs), check=False, timeout=timeout_s)
    records = exp_show(repo)
    states = {record.name: record.state for record in records if record.name in names}
    pending = sorted(name for name in names if states.get(name, "queued") in PENDING_STATES)
    if pending:
        raise UkiyoeError(f"ablation runs {', '.join(pending)} in {repo} did not finish; "
                          "see 'dvc queue status' and 'dvc queue logs NAME'")
    return records


def latest_round(records: Sequence[ExperimentRecord]) -> str:
    rounds = [match["round"] for record in records if (match := NAME_PATTERN.fullmatch(record.name or ""))]
    if not rounds:
        raise UkiyoeError("no ablation experiments (named ablate-<round>-<fix>) in 'dvc exp show'; "
                          "run 'ukiyoe ablate --queue' first")
    return max(rounds)


def _outcome(record: ExperimentRecord, fix: str, metrics_file: str) -> FixEffect:
    score = number(record.metric("collapse_score", metrics_file))
    coverage = number(record.metric("coverage", metrics_file))
    state = record.state if record.state != "success" or score is not None else "no metrics"
    return FixEffect(fix, record.label, state, score, coverage, None, None,
                     "not measured" if score is None else "reference")


def _judge(collapse_effect: float | None, coverage_effect: float | None) -> str:
    signs = []
    for effect, key in ((collapse_effect, "collapse_score"), (coverage_effect, "coverage")):
        if effect is not None and abs(effect) > SPECS_BY_KEY[key].abs_tol:
            signs.append(effect > 0)
    if not signs:
        return "no measurable effect"
    if all(signs):
        return "helps"
    return "hurts" if not any(signs) else "mixed"


def rank_round(records: Sequence[ExperimentRecord], metrics_file: str = DEFAULT_METRICS_FILE,
               param: str = ABLATE_PARAM, round_tag: str | None = None) -> AblationRanking:
    """Effects of each fix in one round, largest collapse-score reduction first; unmeasured fixes last."""
    round_tag = round_tag or latest_round(records)
    outcomes: dict[str, FixEffect] = {}
    for record in records:
        match = NAME_PATTERN.fullmatch(record.name or "")
        if match and match["round"] == round_tag:
            fix = str(record.param(param) if record.param(param) is not None else match["fix"])
            outcomes[fix] = _outcome(record, fix, metrics_file)
    reference = outcomes.pop(REFERENCE_FIX, None)
    if reference is None or reference.collapse_score is None:
        state = reference.state if reference else "missing"
        raise UkiyoeError(f"ablation round {round_tag}: reference run "
                          f"'{experiment_name(round_tag, REFERENCE_FIX)}' has no {metrics_file} ({state})")
    effects = []
    for outcome in outcomes.values():
        if outcome.collapse_score is None:
            effects.append(outcome)
            continue
        collapse = outcome.collapse_score - reference.collapse_score
        coverage = (reference.coverage - outcome.coverage
                    if reference.coverage is not None and outcome.coverage is not None else None)
        effects.append(FixEffect(outcome.fix, outcome.experiment, outcome.state, outcome.collapse_score,
                                 outcome.coverage, collapse, coverage, _judge(collapse, coverage)))
    effects.sort(key=lambda e: (e.collapse_effect is None, -(e.collapse_effect or 0.0),
                                -(e.coverage_effect or 0.0), e.fix))
    return AblationRanking(round_tag, metrics_file, reference, effects)


def _fmt(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.4g}" if signed else f"{value:.4g}"


def ranking_markdown(ranking: AblationRanking) -> str:
    reference = ranking.reference
    lines = [
        f"# Ablation ranking (round {ranking.round})",
        "",
        f"Reference `{reference.experiment}` (all fixes on): collapse score "
        f"{_fmt(reference.collapse_score)}, coverage {_fmt(reference.coverage)}. "
        f"Metrics from `{ranking.metrics_file}`.",
        "",
        "collapse effect = score without the fix - reference (> 0: the fix lowers collapse); "
        "coverage effect = reference - coverage without the fix (> 0: the fix raises coverage).",
        "",
        "| rank | fix removed | experiment | state | collapse score | coverage | collapse effect | "
        "coverage effect | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for index, effect in enumerate(ranking.effects, start=1):
        lines.append(
            f"| {index} | {effect.fix} | {effect.experiment} | {effect.state} | "
            f"{_fmt(effect.collapse_score)} | {_fmt(effect.coverage)} | "
            f"{_fmt(effect.collapse_effect, True)} | {_fmt(effect.coverage_effect, True)} | "
            f"{effect.verdict} |"
        )
    return "\n".join(lines) + "\n"


def write_ranking(ranking: AblationRanking, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = asdict(ranking)
    for index, effect in enumerate(payload["effects"], start=1):
        effect["rank"] = index
    text = json.dumps(payload, indent=2, allow_nan=False) + "\n"
    (out_dir / "ranking.json").write_text(text, encoding="utf-8")
    (out_dir / "ranking.md").write_text(ranking_markdown(ranking), encoding="utf-8")
    return out_dir
