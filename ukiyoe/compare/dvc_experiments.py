"""DVC experiments as flat records, read from ``dvc exp show --json``.

The JSON nests: a list of commits (the first is ``workspace``), each with ``data`` and ``experiments``; each
experiment holds ``revs`` (tip first) whose ``data`` carries ``params``/``metrics`` per file, either
``{"data": {...}}`` or ``{"error": {...}}``, and an ``executor`` whose ``state`` is queued, running, success
or failed. Every level may be null or absent, so the parser walks it defensively and only a payload that is
not a list at all is an error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ukiyoe.common.errors import UkiyoeError

WORKSPACE = "workspace"


@dataclass(frozen=True)
class ExperimentRecord:
    """One row of ``dvc exp show``: params and metrics per file, nested keys joined with dots."""

    rev: str
    name: str | None
    baseline: str
    state: str
    timestamp: str | None
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.name or (self.rev if self.rev == WORKSPACE else self.rev[:7])

    def param(self, key: str, file: str = "params.yaml") -> Any:
        return self.params.get(file, {}).get(key)

    def metric(self, key: str, file: str) -> Any:
        return self.metrics.get(file, {}).get(key)

    def matches(self, wanted: str) -> bool:
        """By experiment name, ``workspace``, branch name or a rev prefix of at least 4 characters."""
        return wanted in (self.name, self.rev) or (len(wanted) >= 4 and self.rev.startswith(wanted))


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts to dotted keys, as the ``dvc exp show`` table shows them."""
    if not isinstance(data, dict):
        return {prefix: data} if prefix else {}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        flat.update(flatten(value, name) if isinstance(value, dict) and value else {name: value})
    return flat


def _files(section: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(section, dict):
        return {}
    return {
        str(path): flatten(entry["data"])
        for path, entry in section.items()
        if isinstance(entry, dict) and isinstance(entry.get("data"), dict)
    }


def _record(entry: Any, baseline: str, state: str, fallback_name: Any = None) -> ExperimentRecord | None:
    if not isinstance(entry, dict):
        return None
    data = entry.get("data") if isinstance(entry.get("data"), dict) else {}
    rev = entry.get("rev") or data.get("rev")
    if not isinstance(rev, str) or not rev:
        return None
    names = (entry.get("name"), fallback_name)
    name = next((value for value in names if isinstance(value, str) and value), None)
    timestamp = data.get("timestamp") if isinstance(data.get("timestamp"), str) else None
    return ExperimentRecord(rev, name, baseline, state, timestamp, _files(data.get("params")),
                            _files(data.get("metrics")))


def _children(commit: dict[str, Any], baseline: str) -> Iterator[ExperimentRecord]:
    experiments = commit.get("experiments")
    for experiment in experiments if isinstance(experiments, list) else []:
        if not isinstance(experiment, dict):
            continue
        executor = experiment.get("executor")
        state = executor.get("state") if isinstance(executor, dict) else None
        revs = experiment.get("revs")
        tip = revs[0] if isinstance(revs, list) and revs else None
        state = state if isinstance(state, str) else "success"
        record = _record(tip, baseline, state, experiment.get("name"))
        if record is not None:
            yield record


def parse_exp_show(payload: Any, source: str = "dvc exp show --json") -> list[ExperimentRecord]:
    """Workspace, baselines and their experiments in display order; malformed entries are skipped."""
    if not isinstance(payload, list):
        raise UkiyoeError(f"{source}: expected a JSON list of commits, found {type(payload).__name__}")
    records: list[ExperimentRecord] = []
    for commit in payload:
        if not isinstance(commit, dict):
            continue
        rev = commit.get("rev")
        state = WORKSPACE if rev == WORKSPACE else "baseline"
        record = _record(commit, str(rev), state)
        if record is None:
            continue
        records.append(record)
        records.extend(_children(commit, record.rev))
    return records


def run_dvc(repo: Path | str, *args: str, check: bool = True, timeout: float | None = None) -> str:
    """Run this interpreter's DVC in ``repo``; its bin directory goes first on PATH because queue workers
    start ``dvc`` by name. A failure (when ``check``) or a timeout is one error with DVC's last line."""
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])}
    command = [sys.executable, "-m", "dvc", *args]
    try:
        done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False,
                              timeout=timeout)
    except OSError as error:
        raise UkiyoeError(f"cannot run dvc in {repo}: {error.strerror}") from None
    except subprocess.TimeoutExpired:
        raise UkiyoeError(f"'dvc {' '.join(args)}' in {repo} still running after {timeout:.0f} s; "
                          "queued runs go on in the background ('dvc queue status')") from None
    if check and done.returncode != 0:
        reason = dvc_error_line(done.stderr, done.stdout)
        raise UkiyoeError(f"'dvc {' '.join(args)}' failed in {repo}: {reason}")
    return done.stdout


def dvc_error_line(*outputs: str) -> str:
    """DVC's own ``ERROR: ...`` line when it printed one (a support footer follows it), else the last line."""
    lines = [line.strip() for output in outputs for line in output.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    return (errors or lines or ["no output"])[-1]


def exp_show(repo: Path | str = ".", extra_args: Sequence[str] = ()) -> list[ExperimentRecord]:
    """Run ``dvc exp show --json`` in ``repo`` and parse it."""
    stdout = run_dvc(repo, "exp", "show", "--json", *extra_args)
    try:
        payload = json.loads(stdout or "[]")
    except json.JSONDecodeError as error:
        raise UkiyoeError(f"'dvc exp show --json' in {repo} printed invalid JSON ({error})") from None
    return parse_exp_show(payload)


def select(records: list[ExperimentRecord], wanted: Sequence[str]) -> list[ExperimentRecord]:
    """The records named in ``wanted``, in that order; an unknown name is one error listing the known ones."""
    chosen = []
    for name in wanted:
        found = [record for record in records if record.matches(name)]
        if not found:
            known = ", ".join(record.label for record in records) or "none"
            raise UkiyoeError(f"experiment '{name}' not found in 'dvc exp show' (known: {known})")
        chosen.append(found[0])
    return chosen
