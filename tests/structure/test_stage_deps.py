"""Each dvc.yaml stage's code deps are exactly the packages and top-level modules its command may execute.

Too few and ``dvc repro`` misses a change that alters the outputs; too many and it re-runs for nothing (a
docs-only change re-runs nothing because no stage lists anything outside the code it runs).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from imports import REPO, command_closure, module_path
from stage_deps import covered_files, expected_deps, package_deps, subcommand

from ukiyoe.cli import SUBCOMMANDS

STAGES = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]


def _body(name: str) -> dict:
    stage = STAGES[name]
    return stage.get("do", stage)


@pytest.mark.parametrize("name", sorted(STAGES))
def test_code_deps_are_the_packages_of_the_import_closure(name: str) -> None:
    body = _body(name)
    code = [dep for dep in body["deps"] if dep.startswith("ukiyoe")]
    closure = command_closure(subcommand(body["cmd"]))
    assert closure <= covered_files(code), f"{name}: code deps should be {expected_deps(body['cmd'])}"
    assert code == expected_deps(body["cmd"]), f"{name}: code deps should be {expected_deps(body['cmd'])}"


@pytest.mark.parametrize("name", sorted(STAGES))
def test_a_stage_command_imports_only_what_its_deps_cover(name: str) -> None:
    """The static closure against a real run of the command's parser: every ukiyoe module that parsing the
    stage's own command line imports is one DVC hashes for the stage."""
    body = _body(name)
    argv = shlex.split(body["cmd"].replace("${item}", "fixed").replace("${ablate.fix}", "none")
                       .replace("${ablate.add}", "none"))[1:]
    probe = ("import json, sys; from ukiyoe.cli import build_parser; build_parser(sys.argv[1:]).parse_args("
             "sys.argv[1:]); print(json.dumps(sorted(m.__file__ for n, m in sys.modules.items() "
             "if n.split('.')[0] == 'ukiyoe' and getattr(m, '__file__', None))))")
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # this checkout's modules, whatever is installed
    done = subprocess.run([sys.executable, "-c", probe, *argv], cwd=REPO, env=env, capture_output=True,
                          text=True, check=True, timeout=120)
    imported = {Path(path).resolve() for path in json.loads(done.stdout)}
    code = [dep for dep in body["deps"] if dep.startswith("ukiyoe")]
    assert imported <= covered_files(code), sorted(map(str, imported - covered_files(code)))
    assert module_path(SUBCOMMANDS[subcommand(body["cmd"])]).resolve() in imported


@pytest.mark.parametrize("name", sorted(STAGES))
def test_every_dep_exists_and_nothing_outside_the_pipeline_is_listed(name: str) -> None:
    deps = _body(name)["deps"]
    assert len(deps) == len(set(deps))
    for dep in deps:
        top = dep.split("/")[0]
        assert top in {"ukiyoe", "data", "experiments", "configs", "checkpoints", "metrics", "reports"}, dep
        if dep.startswith(("ukiyoe", "experiments")):
            assert (REPO / dep).exists(), dep


def test_the_closure_follows_lazy_imports_and_the_configurable_modules() -> None:
    train = {str(p.relative_to(REPO)) for p in command_closure("train")}
    # Imported by name by the config compiler: a default changed there changes the compiled config.
    assert {"ukiyoe/gan/loss.py", "ukiyoe/train/watchdog.py"} <= train
    assert "ukiyoe/diagnose/options.py" not in train  # diagnose settings never re-run training
    assert "ukiyoe/gan/export.py" not in train  # sampling a finished run is not training
    diagnose = {str(p.relative_to(REPO)) for p in command_closure("diagnose")}
    assert "ukiyoe/gan/export.py" in diagnose and not any(p.startswith("ukiyoe/train/") and "cli" not in p
                                                          and "__init__" not in p for p in diagnose)


def test_package_deps_cover_the_closure_and_name_no_unused_package() -> None:
    files = command_closure("compare")
    deps = package_deps(files)
    assert "ukiyoe/compare" in deps and "ukiyoe/gan" not in deps and "ukiyoe/train" not in deps
    assert files <= covered_files(deps)
    assert all(covered_files([dep]) & files for dep in deps)


def test_a_stage_imports_no_other_stage_cli() -> None:
    """The command line imports only the subcommand it runs, so no stage depends on another stage's CLI."""
    prepare = {str(p.relative_to(REPO)) for p in command_closure("prepare")}
    assert not any(p.startswith(("ukiyoe/train/", "ukiyoe/diagnose/", "ukiyoe/compare/")) for p in prepare)
