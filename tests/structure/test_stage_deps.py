"""Each dvc.yaml stage's code deps are exactly the files its command may execute.

Too few and ``dvc repro`` misses a change that alters the outputs; too many and it re-runs for nothing (a
docs-only change re-runs nothing because no stage lists anything outside the code it runs).
"""

from __future__ import annotations

import pytest
import yaml
from imports import REPO, command_closure
from stage_deps import covered_files, expected_deps, minimal_deps, subcommand

STAGES = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]


def _body(name: str) -> dict:
    stage = STAGES[name]
    return stage.get("do", stage)


@pytest.mark.parametrize("name", sorted(STAGES))
def test_code_deps_are_the_import_closure_of_the_command(name: str) -> None:
    body = _body(name)
    code = [dep for dep in body["deps"] if dep.startswith("ukiyoe")]
    closure = command_closure(subcommand(body["cmd"]))
    missing = sorted(str(p.relative_to(REPO)) for p in closure - covered_files(code))
    extra = sorted(str(p.relative_to(REPO)) for p in covered_files(code) - closure)
    assert (missing, extra) == ([], []), f"{name}: code deps should be {expected_deps(body['cmd'])}"


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
    assert {"ukiyoe/gan/loss.py", "ukiyoe/diagnose/options.py", "ukiyoe/train/watchdog.py"} <= train
    assert "ukiyoe/gan/export.py" not in train  # sampling a finished run is not training
    diagnose = {str(p.relative_to(REPO)) for p in command_closure("diagnose")}
    assert "ukiyoe/gan/export.py" in diagnose and not any(p.startswith("ukiyoe/train/") and "cli" not in p
                                                          and "__init__" not in p for p in diagnose)


def test_minimal_deps_collapse_only_whole_directories() -> None:
    files = command_closure("compare")
    deps = minimal_deps(files)
    assert "ukiyoe/compare" in deps and "ukiyoe/data" not in deps
    assert covered_files(deps) == files
